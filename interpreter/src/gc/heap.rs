//! Per-thread heap state: the collector's generation lists, allocation
//! counters, the finalizer queue and the deferred-free ("trashcan") queue.
//! Every allocation and every free of a heap object passes through
//! `on_alloc`/`on_free` here, which is where memory tracers hook in.
//!
//! Invariants: between collections every tracked container is in exactly one
//! list (a generation or the permanent one); an object in the finalizer queue
//! holds one count owned by the queue; deallocation never runs Python code
//! (finalizers are queued and run by the VM at its next safe point).

use std::cell::{Cell, RefCell};
use std::ptr;

use crate::object::rc::{
    free_object, GcLink, Header, ObjRef, FLAG_FINALIZED, FLAG_HAS_WEAKREFS, FLAG_TRACKED,
};
use crate::vm::trap::{Trap, TRAP_FINALIZE, TRAP_GC};

/// A circular doubly linked list of containers with a heap-allocated sentinel.
pub struct GenList {
    head: Box<GcLink>,
}

impl GenList {
    pub fn new() -> GenList {
        let head = Box::new(GcLink {
            next: Cell::new(ptr::null_mut()),
            prev: Cell::new(ptr::null_mut()),
            gc_refs: Cell::new(0),
        });
        let p = &*head as *const GcLink as *mut GcLink;
        head.next.set(p);
        head.prev.set(p);
        GenList { head }
    }

    pub fn head(&self) -> *mut GcLink {
        &*self.head as *const GcLink as *mut GcLink
    }

    pub fn is_empty(&self) -> bool {
        self.head.next.get() == self.head()
    }

    /// Appends `l` (which must be unlinked).
    ///
    /// # Safety
    /// `l` is the link of a live container not in any list.
    pub unsafe fn push(&self, l: *mut GcLink) {
        let head = self.head();
        unsafe {
            let last = (*head).prev.get();
            (*l).prev.set(last);
            (*l).next.set(head);
            (*last).next.set(l);
            (*head).prev.set(l);
        }
    }

    /// Moves every element of `other` to the end of `self`.
    pub fn merge_from(&self, other: &GenList) {
        if other.is_empty() {
            return;
        }
        let head = self.head();
        let ohead = other.head();
        // SAFETY: both lists are well-formed circular lists.
        unsafe {
            let first = (*ohead).next.get();
            let last = (*ohead).prev.get();
            let tail = (*head).prev.get();
            (*tail).next.set(first);
            (*first).prev.set(tail);
            (*last).next.set(head);
            (*head).prev.set(last);
            (*ohead).next.set(ohead);
            (*ohead).prev.set(ohead);
        }
    }

    /// The members in order. The iterator reads a member's successor before
    /// yielding it, so the consumer may move the yielded member to another
    /// list (but must not move or free any other member meanwhile).
    pub fn iter(&self) -> GenIter {
        let head = self.head();
        // SAFETY: the list is well formed.
        GenIter {
            head,
            next: unsafe { (*head).next.get() },
        }
    }

    /// Headers of the list's members, in order (a snapshot).
    pub fn members(&self) -> Vec<*const Header> {
        let mut out = Vec::new();
        let head = self.head();
        // SAFETY: the list is well formed; members are live containers.
        unsafe {
            let mut l = (*head).next.get();
            while l != head {
                out.push(ObjRef::from_link(l));
                l = (*l).next.get();
            }
        }
        out
    }

    pub fn len(&self) -> usize {
        let head = self.head();
        let mut n = 0;
        // SAFETY: as in members.
        unsafe {
            let mut l = (*head).next.get();
            while l != head {
                n += 1;
                l = (*l).next.get();
            }
        }
        n
    }
}

/// Iterator over a `GenList` (see `GenList::iter`).
pub struct GenIter {
    head: *mut GcLink,
    next: *mut GcLink,
}

impl Iterator for GenIter {
    type Item = *const Header;

    fn next(&mut self) -> Option<*const Header> {
        if self.next == self.head {
            return None;
        }
        let l = self.next;
        // SAFETY: `l` is a member of a well-formed list (see `iter`).
        unsafe {
            self.next = (*l).next.get();
            Some(ObjRef::from_link(l))
        }
    }
}

/// Unlinks `l` from whatever list holds it.
///
/// # Safety
/// `l` must be linked in a well-formed list.
pub unsafe fn unlink(l: *mut GcLink) {
    unsafe {
        let prev = (*l).prev.get();
        let next = (*l).next.get();
        (*prev).next.set(next);
        (*next).prev.set(prev);
        (*l).next.set(ptr::null_mut());
        (*l).prev.set(ptr::null_mut());
    }
}

/// Allocation observer (tracemalloc-style tools): called with the new
/// object's header and its size in bytes (the allocator's layout), and
/// again when it is freed (after its payload was dropped, so only the
/// address is meaningful). `on_resize` is called where a container's
/// separately allocated buffer may have grown or shrunk (list append,
/// dict insertion, set table resize; see `gc::alloc_trace::note_resize`).
/// Observers must not allocate or free heap objects in these calls.
pub trait AllocObserver {
    fn on_alloc(&self, h: *const Header, size: usize);
    fn on_free(&self, h: *const Header, size: usize);
    fn on_resize(&self, _h: *const Header) {}
}

pub struct Heap {
    /// Generations 0, 1, 2 and the permanent generation (`gc.freeze`).
    pub gens: [GenList; 4],
    /// Allocations minus deallocations of tracked containers since the last
    /// collection of generation 0; collections of generation n-1 since the
    /// last collection of generation n for the others (CPython's counts).
    pub counts: [Cell<isize>; 3],
    pub thresholds: [Cell<isize>; 3],
    pub enabled: Cell<bool>,
    /// True while a collection runs (no nested collections).
    pub collecting: Cell<bool>,
    /// Objects whose finalizer must run; each entry owns one count.
    pub finalize_queue: RefCell<Vec<ObjRef>>,
    /// Objects waiting to be freed because deallocation was nested too deeply.
    deferred_free: RefCell<Vec<*mut Header>>,
    free_depth: Cell<u32>,
    trap: Cell<*const Trap>,
    /// Bytes held by live heap objects (the size model's own count).
    pub live_bytes: Cell<usize>,
    pub observer: RefCell<Option<Box<dyn AllocObserver>>>,
    pub observing: Cell<bool>,
}

const TRASHCAN_LIMIT: u32 = 64;

impl Heap {
    fn new() -> Heap {
        Heap {
            gens: [
                GenList::new(),
                GenList::new(),
                GenList::new(),
                GenList::new(),
            ],
            counts: [Cell::new(0), Cell::new(0), Cell::new(0)],
            thresholds: [Cell::new(700), Cell::new(10), Cell::new(10)],
            enabled: Cell::new(true),
            collecting: Cell::new(false),
            finalize_queue: RefCell::new(Vec::new()),
            deferred_free: RefCell::new(Vec::new()),
            free_depth: Cell::new(0),
            trap: Cell::new(ptr::null()),
            live_bytes: Cell::new(0),
            observer: RefCell::new(None),
            observing: Cell::new(false),
        }
    }

    fn raise_trap(&self, bits: u32) {
        let t = self.trap.get();
        if !t.is_null() {
            // SAFETY: the trap is owned by the VM that registered it and
            // unregistered before it is dropped (`set_trap(null)`).
            unsafe { (*t).set(bits) }
        }
    }
}

thread_local! {
    static HEAP: Heap = Heap::new();
}

/// Runs `f` with this thread's heap state.
pub fn with_heap<R>(f: impl FnOnce(&Heap) -> R) -> R {
    HEAP.with(f)
}

/// Registers the VM trap that heap events (finalizers, GC requests) raise.
pub fn set_trap(t: *const Trap) {
    HEAP.with(|h| h.trap.set(t));
}

/// Called for every new object (see `rc::alloc_raw`).
#[inline]
pub(crate) fn on_alloc(h: *const Header, size: usize) {
    HEAP.with(|heap| {
        heap.live_bytes.set(heap.live_bytes.get() + size);
        // SAFETY: h is the fresh object.
        let vt = unsafe { (*h).vt };
        if vt.is_gc {
            // Exact dicts start untracked and are tracked once they hold
            // something that could be part of a cycle (`Dict::note_insert`,
            // CPython's MAINTAIN_TRACKING); every other container at once.
            if vt.kind != crate::object::kind::Kind::Dict || vt.owns_cls {
                // SAFETY: fresh container, not in any list.
                unsafe {
                    heap.gens[0].push(ObjRef::gc_link(h));
                    (*h).flags.set((*h).flags.get() | FLAG_TRACKED);
                }
            }
            let c = heap.counts[0].get() + 1;
            heap.counts[0].set(c);
            if c > heap.thresholds[0].get()
                && heap.thresholds[0].get() > 0
                && heap.enabled.get()
                && !heap.collecting.get()
            {
                heap.raise_trap(TRAP_GC);
            }
            #[cfg(feature = "stress-gc")]
            heap.raise_trap(TRAP_GC);
        }
        if heap.observing.get() {
            if let Some(o) = heap.observer.borrow().as_ref() {
                o.on_alloc(h, size);
            }
        }
    })
}

#[inline]
pub(crate) fn on_free(h: *const Header, size: usize) {
    HEAP.with(|heap| {
        heap.live_bytes
            .set(heap.live_bytes.get().saturating_sub(size));
        if heap.observing.get() {
            if let Some(o) = heap.observer.borrow().as_ref() {
                o.on_free(h, size);
            }
        }
    })
}

/// Starts tracking a container (it must not be tracked already).
pub fn track(o: &ObjRef) {
    if !o.vt().is_gc || o.flags() & FLAG_TRACKED != 0 {
        return;
    }
    HEAP.with(|heap| {
        // SAFETY: o is a live, untracked container.
        unsafe { heap.gens[0].push(ObjRef::gc_link(o.as_ptr())) };
        o.set_flag(FLAG_TRACKED);
    });
}

/// Starts tracking the container at `h` if it is not tracked yet.
///
/// # Safety
/// `h` must point at a live container object.
pub(crate) unsafe fn track_header(h: *const Header) {
    // SAFETY: the caller guarantees a live container.
    let hd = unsafe { &*h };
    if !hd.vt.is_gc || hd.flags.get() & FLAG_TRACKED != 0 {
        return;
    }
    HEAP.with(|heap| {
        // SAFETY: live, untracked container: its link is free.
        unsafe { heap.gens[0].push(ObjRef::gc_link(h)) };
        hd.flags.set(hd.flags.get() | FLAG_TRACKED);
    });
}

/// Stops tracking a container (`gc.is_tracked` becomes False).
pub fn untrack(o: &ObjRef) {
    if o.flags() & FLAG_TRACKED == 0 {
        return;
    }
    // SAFETY: tracked containers are linked in a list.
    unsafe { unlink(ObjRef::gc_link(o.as_ptr())) };
    o.clear_flag(FLAG_TRACKED);
}

/// Whether the object's class asks for a finalizer (`__del__`) or its payload
/// needs one (a suspended generator inside `try`).
fn needs_finalizer(h: &Header) -> bool {
    crate::gc::finalize::needs_finalizer(h)
}

/// The count of `h` reached zero: finalize, clear weak references, untrack,
/// and free (or defer freeing when deallocation is nested deeply).
///
/// # Safety
/// `h` must be a live object whose count just reached zero.
#[cold]
#[inline(never)]
pub(crate) unsafe fn dealloc(h: *mut Header) {
    // SAFETY: h is still a valid object (count zero, memory intact).
    let hdr = unsafe { &*h };
    let flags = hdr.flags.get();
    if flags & FLAG_FINALIZED == 0 && needs_finalizer(hdr) {
        let queued = HEAP.with(|heap| {
            if heap.trap.get().is_null() {
                return false;
            }
            hdr.refcnt.set(1);
            // SAFETY: the queue takes the count we just restored.
            let o = unsafe { ObjRef::from_raw(h) };
            heap.finalize_queue.borrow_mut().push(o);
            heap.raise_trap(TRAP_FINALIZE);
            true
        });
        if queued {
            return;
        }
    }
    if flags & FLAG_HAS_WEAKREFS != 0 {
        // Weak references die with the object; their callbacks are queued.
        hdr.refcnt.set(1);
        crate::gc::weakrefs::clear_weakrefs_on_dealloc(h);
        let n = hdr.refcnt.get() - 1;
        hdr.refcnt.set(n);
        if n != 0 {
            return;
        }
    }
    if flags & FLAG_TRACKED != 0 {
        // SAFETY: tracked objects are linked; h is a container.
        unsafe { unlink(ObjRef::gc_link(h)) };
        hdr.flags.set(hdr.flags.get() & !FLAG_TRACKED);
        HEAP.with(|heap| {
            let c = heap.counts[0].get();
            if c > 0 {
                heap.counts[0].set(c - 1);
            }
        });
    }
    HEAP.with(|heap| {
        let depth = heap.free_depth.get();
        if depth >= TRASHCAN_LIMIT {
            heap.deferred_free.borrow_mut().push(h);
            return;
        }
        heap.free_depth.set(depth + 1);
        // SAFETY: h is dead and handled; freeing may recurse into children.
        unsafe { free_object(h) };
        if depth == 0 {
            loop {
                let next = heap.deferred_free.borrow_mut().pop();
                match next {
                    // SAFETY: deferred objects were dead when queued.
                    Some(p) => unsafe { free_object(p) },
                    None => break,
                }
            }
        }
        heap.free_depth.set(depth);
    });
}

/// Takes the objects waiting for their finalizer.
pub fn take_finalize_queue() -> Vec<ObjRef> {
    HEAP.with(|heap| std::mem::take(&mut *heap.finalize_queue.borrow_mut()))
}

/// Bytes held by live objects on this thread.
pub fn live_bytes() -> usize {
    HEAP.with(|heap| heap.live_bytes.get())
}

/// Raises trap bits on this thread's VM (from code without VM access).
pub(crate) fn raise(bits: u32) {
    HEAP.with(|h| h.raise_trap(bits));
}
