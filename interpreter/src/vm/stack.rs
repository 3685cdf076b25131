//! The register stack: one contiguous array of values holding the register
//! windows of all active frames. It is reserved once at its maximum size and
//! never moves, so the dispatch loop can keep a raw pointer to its frame's
//! registers across calls (the OS commits pages only as they are touched).
//!
//! Invariants: slots `0..len` are initialised values; slots at or above the
//! top frame's window end are `Undef`; `len <= cap`.

use std::alloc::{self, Layout};
use std::ptr::NonNull;

use crate::object::value::Value;

pub struct RegStack {
    ptr: NonNull<Value>,
    len: usize,
    cap: usize,
}

impl RegStack {
    pub fn new(cap: usize) -> RegStack {
        let layout = Layout::array::<Value>(cap).expect("stack layout");
        // SAFETY: non-zero size.
        let p = unsafe { alloc::alloc(layout) as *mut Value };
        let ptr = NonNull::new(p).unwrap_or_else(|| alloc::handle_alloc_error(layout));
        RegStack { ptr, len: 0, cap }
    }

    #[inline(always)]
    pub fn base_ptr(&self) -> *mut Value {
        self.ptr.as_ptr()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Makes sure slots `0..n` are initialised (new ones are `Undef`).
    /// Returns false when `n` exceeds the capacity.
    #[inline]
    pub fn ensure(&mut self, n: usize) -> bool {
        if n <= self.len {
            return true;
        }
        if n > self.cap {
            return false;
        }
        for i in self.len..n {
            // SAFETY: i < cap; the slot is uninitialised, so write, not assign.
            unsafe { std::ptr::write(self.ptr.as_ptr().add(i), Value::Undef) };
        }
        self.len = n;
        true
    }

    /// Reference to slot `i` (must be < len).
    #[inline(always)]
    pub fn get(&self, i: usize) -> &Value {
        debug_assert!(i < self.len);
        // SAFETY: i < len, so the slot is initialised.
        unsafe { &*self.ptr.as_ptr().add(i) }
    }

    #[inline(always)]
    pub fn get_mut(&mut self, i: usize) -> &mut Value {
        debug_assert!(i < self.len);
        // SAFETY: as in get.
        unsafe { &mut *self.ptr.as_ptr().add(i) }
    }

    /// Takes slot `i`, leaving `Undef`.
    #[inline(always)]
    pub fn take(&mut self, i: usize) -> Value {
        std::mem::take(self.get_mut(i))
    }

    /// Sets slots `from..to` (within len) to `Undef`, dropping old values.
    #[inline(always)]
    pub fn clear_range(&mut self, from: usize, to: usize) {
        let to = to.min(self.len);
        for i in from..to {
            // SAFETY: i < len: an initialised slot.
            let slot = unsafe { &mut *self.ptr.as_ptr().add(i) };
            if let Value::Obj(_) = slot {
                let old = std::mem::take(slot);
                drop(old);
            } else {
                *slot = Value::Undef;
            }
        }
    }

    /// Values in `from..to` (for tracebacks/f_locals and the collector).
    pub fn slice(&self, from: usize, to: usize) -> &[Value] {
        let to = to.min(self.len);
        let from = from.min(to);
        // SAFETY: from..to is within the initialised prefix.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().add(from), to - from) }
    }
}

impl Drop for RegStack {
    fn drop(&mut self) {
        self.clear_range(0, self.len);
        let layout = Layout::array::<Value>(self.cap).expect("stack layout");
        // SAFETY: allocated in `new` with this layout; all values dropped.
        unsafe { alloc::dealloc(self.ptr.as_ptr() as *mut u8, layout) };
    }
}
