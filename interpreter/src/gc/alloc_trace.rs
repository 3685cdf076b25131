//! Public API for allocation tracers (`tracemalloc` in the profiler crate):
//! installing an `AllocObserver` that sees every heap allocation and free,
//! the buffer-resize notifications of growing containers, and reading the
//! mini call stack (code object and line of each frame) from inside the
//! observer, where no `&Vm` is at hand.
//!
//! Invariants: while an observer is installed the VM's trap carries
//! `TRAP_SYNC`, so the running frame's `pc` is stored before each
//! instruction and `walk_stack` reports the line being executed; frames
//! below it stored their `pc` when they made their call. `RESIZE_WATCH`
//! is true exactly while some thread has an observer, so growth points pay
//! one load of a static and an untaken branch when nothing is traced.
//! The registered frame stack belongs to a boxed (never moving) `Vm` and
//! is unregistered when the observer is removed or the `Vm` is dropped.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::gc::heap::with_heap;
pub use crate::gc::heap::AllocObserver;
use crate::object::rc::{Header, ObjRef};
use crate::vm::frame::Frame;
use crate::vm::trap::TRAP_SYNC;
use crate::vm::Vm;

/// True while an observer is installed (see the module invariants).
pub static RESIZE_WATCH: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// The frame stack of the VM whose allocations are observed.
    static FRAMES: Cell<*const Vec<Frame>> = const { Cell::new(std::ptr::null()) };
}

/// Installs `obs` as this thread's allocation observer for `vm`'s program
/// (replacing any previous one, which is returned so the caller can drop
/// it outside the heap's borrow).
pub fn install(vm: &mut Vm, obs: Box<dyn AllocObserver>) -> Option<Box<dyn AllocObserver>> {
    FRAMES.with(|f| f.set(&vm.frames as *const Vec<Frame>));
    let old = with_heap(|h| {
        let old = h.observer.borrow_mut().replace(obs);
        h.observing.set(true);
        old
    });
    RESIZE_WATCH.store(true, Ordering::Relaxed);
    vm.trap.set(TRAP_SYNC);
    old
}

/// Removes this thread's observer and returns it (drop it after this call:
/// dropping may free objects, which the heap reports to no one any more).
pub fn remove(vm: &mut Vm) -> Option<Box<dyn AllocObserver>> {
    vm.trap.clear(TRAP_SYNC);
    RESIZE_WATCH.store(false, Ordering::Relaxed);
    FRAMES.with(|f| f.set(std::ptr::null()));
    with_heap(|h| {
        h.observing.set(false);
        h.observer.borrow_mut().take()
    })
}

/// Whether an observer is installed on this thread.
pub fn is_installed() -> bool {
    with_heap(|h| h.observing.get())
}

/// Forgets `vm`'s frame stack (called when the `Vm` is dropped).
pub(crate) fn forget_vm(vm: &Vm) {
    FRAMES.with(|f| {
        if std::ptr::eq(f.get(), &vm.frames) {
            f.set(std::ptr::null());
        }
    });
}

/// Tells the observer that the container at `h` may have resized its
/// buffer. Called by list appends/inserts/extends, dict insertions and set
/// table resizes; costs one load when nothing is traced.
#[inline(always)]
pub fn note_resize(h: *const Header) {
    if RESIZE_WATCH.load(Ordering::Relaxed) {
        note_resize_slow(h);
    }
}

#[cold]
#[inline(never)]
fn note_resize_slow(h: *const Header) {
    with_heap(|heap| {
        if heap.observing.get() {
            if let Some(o) = heap.observer.borrow().as_ref() {
                o.on_resize(h);
            }
        }
    });
}

/// Calls `f(code, line)` for the innermost `limit` frames of the observed
/// program, innermost first, and returns the total number of frames on the
/// stack (0 when no VM is registered: allocations before the program runs
/// or after it ended). `code` is the frame's code object.
pub fn walk_stack(limit: usize, mut f: impl FnMut(&ObjRef, u32)) -> usize {
    let p = FRAMES.with(|c| c.get());
    if p.is_null() {
        return 0;
    }
    // SAFETY: `p` points at the `frames` vector of the boxed Vm that
    // installed the observer; it is unregistered before that Vm goes away
    // (`remove`, `forget_vm`). Observers run inside allocations and frees,
    // never while the VM is in the middle of pushing or popping a frame
    // (a `Vec<Frame>` operation allocates no heap object), so the vector is
    // consistent; we only read it.
    let frames = unsafe { &*p };
    for fr in frames.iter().rev().take(limit) {
        f(&fr.code, fr.lineno());
    }
    frames.len()
}
