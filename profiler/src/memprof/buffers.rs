//! The buffers in the `'heap'` reading. The heap's own count
//! (`gc::heap::live_bytes`) holds object blocks only; the buffers lists,
//! dicts and sets allocate separately (a million-item list is one small
//! object and an 8 MB buffer) are counted here, in the size model of
//! `sys.getsizeof` (`vm::sizeof::obj_blocks`), by an allocation observer
//! installed while a `'heap'` LineMemory is enabled: containers allocated
//! meanwhile count their buffer at once, a resize moves the count by the
//! change, a free takes it off. A container made before the profiler
//! started is counted from its first resize seen (its earlier buffer is
//! not known), as tracemalloc does.
//!
//! Invariants: one observer per thread (tracemalloc's, if it runs, takes
//! precedence: then buffers are not counted); `BUFFER_BYTES` is the sum of
//! the sizes in the map; the map's keys are live objects.

use std::cell::{Cell, RefCell};
use std::mem::ManuallyDrop;

use mini_interpreter::gc::alloc_trace;
use mini_interpreter::gc::heap::AllocObserver;
use mini_interpreter::object::rc::{Header, ObjRef};
use mini_interpreter::vm::sizeof::{obj_blocks, obj_buffer_token};
use mini_interpreter::Vm;
use rustc_hash::FxHashMap;

thread_local! {
    static BUFFER_BYTES: Cell<i64> = const { Cell::new(0) };
    /// Whether the installed observer is ours.
    static OURS: Cell<bool> = const { Cell::new(false) };
}

/// Buffer bytes counted since the observer was installed.
#[inline]
pub fn buffer_bytes() -> i64 {
    BUFFER_BYTES.with(|b| b.get())
}

fn handle(h: *const Header) -> ManuallyDrop<ObjRef> {
    // SAFETY: the heap calls the observer with a live object (just
    // allocated, being resized, or about to be freed); ManuallyDrop leaves
    // its reference count untouched.
    ManuallyDrop::new(unsafe { ObjRef::from_raw(h) })
}

struct Counter {
    /// Object address → (buffer bytes, buffer token when measured).
    sizes: RefCell<FxHashMap<usize, (usize, usize)>>,
}

fn add(n: i64) {
    BUFFER_BYTES.with(|b| b.set(b.get() + n));
}

impl AllocObserver for Counter {
    fn on_alloc(&self, h: *const Header, _size: usize) {
        let o = handle(h);
        let Some(token) = obj_buffer_token(&o) else {
            return;
        };
        let (_, buf) = obj_blocks(&o);
        if let Ok(mut m) = self.sizes.try_borrow_mut() {
            if let Some((old, _)) = m.insert(h as usize, (buf, token)) {
                add(-(old as i64));
            }
            add(buf as i64);
        }
    }

    fn on_free(&self, h: *const Header, _size: usize) {
        if let Ok(mut m) = self.sizes.try_borrow_mut() {
            if let Some((old, _)) = m.remove(&(h as usize)) {
                add(-(old as i64));
            }
        }
    }

    fn on_resize(&self, h: *const Header) {
        let o = handle(h);
        let Some(token) = obj_buffer_token(&o) else {
            return;
        };
        let Ok(mut m) = self.sizes.try_borrow_mut() else {
            return;
        };
        match m.get(&(h as usize)).copied() {
            Some((_, t)) if t == token => {}
            Some((old, _)) => {
                let (_, buf) = obj_blocks(&o);
                m.insert(h as usize, (buf, token));
                add(buf as i64 - old as i64);
            }
            None => {
                // Made before counting began: remember its buffer only.
                let (_, buf) = obj_blocks(&o);
                m.insert(h as usize, (buf, token));
            }
        }
    }
}

/// Starts counting buffers, unless another observer (tracemalloc) runs.
pub fn start(vm: &mut Vm) {
    if OURS.with(|o| o.get()) || alloc_trace::is_installed() {
        return;
    }
    BUFFER_BYTES.with(|b| b.set(0));
    let obs = Counter {
        sizes: RefCell::new(FxHashMap::default()),
    };
    let old = alloc_trace::install(vm, Box::new(obs));
    OURS.with(|o| o.set(true));
    drop(old);
}

/// Stops counting (if the observer is still ours) and forgets the count.
pub fn stop(vm: &mut Vm) {
    if !OURS.with(|o| o.replace(false)) {
        return;
    }
    let old = alloc_trace::remove(vm);
    drop(old);
    BUFFER_BYTES.with(|b| b.set(0));
}
