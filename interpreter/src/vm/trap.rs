//! The single pending-work flag that the dispatch loop tests before each
//! instruction (Lua's `trap`, CPython's eval breaker). Anything that needs the
//! VM's attention at the next safe point sets a bit: finalizers queued by a
//! deallocation, a collection request, a signal, an installed trace/profile
//! hook. With no bit set the loop pays one load and one untaken branch.

use std::sync::atomic::{AtomicU32, Ordering};

pub struct Trap(AtomicU32);

/// Objects wait in the heap's finalizer queue (`__del__`, weakref callbacks).
pub const TRAP_FINALIZE: u32 = 1;
/// Generation 0 passed its threshold: run the collector.
pub const TRAP_GC: u32 = 2;
/// A signal arrived (SIGINT → KeyboardInterrupt, or a registered handler).
pub const TRAP_SIGNAL: u32 = 4;
/// A trace function wants line events: check lines at each instruction.
pub const TRAP_TRACE: u32 = 8;
/// A watchdog (faulthandler, sampling) asked for attention.
pub const TRAP_ASYNC: u32 = 16;
/// A native hook counts executed instructions (`Vm::instr_count`).
pub const TRAP_COUNT: u32 = 32;
/// An allocation tracer (tracemalloc) reads the current frame's line: keep
/// the frame's `pc` current at every instruction. Never cleared by the trap
/// handler; the tracer removes it when it stops (`gc::alloc_trace`).
pub const TRAP_SYNC: u32 = 64;
/// A native hook wants line events in the running frame (`hooks/mod.rs`).
pub const TRAP_LINE: u32 = 128;

impl Trap {
    pub const fn new() -> Trap {
        Trap(AtomicU32::new(0))
    }

    #[inline(always)]
    pub fn get(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }

    pub fn set(&self, bits: u32) {
        self.0.fetch_or(bits, Ordering::Relaxed);
    }

    pub fn clear(&self, bits: u32) {
        self.0.fetch_and(!bits, Ordering::Relaxed);
    }
}
