//! Frames: one per active Python function call (or module/class body/exec).
//! A frame names its code, its globals/builtins (and the locals dict of
//! module, class and exec scopes), where its registers start on the register
//! stack, the next instruction, and how its result is delivered.
//! Invariant: `code_ptr` points into `code`'s payload and stays valid while
//! the frame holds `code`.

use crate::compile::code::Code;
use crate::object::rc::ObjRef;

/// Where a frame's result goes when it returns (or a generator yields).
pub enum RetKind {
    /// Back to the Rust code that started the dispatch loop for this frame.
    Native,
    /// Into an absolute register-stack slot of the calling frame.
    Slot(usize),
    /// A generator resumed by a `for` loop: yielded values go to `slot`; when
    /// the generator finishes, the caller unbinds `iter` and jumps to `exit`.
    ForIter { slot: usize, iter: usize, exit: u32 },
    /// `__init__` run by a class call: the result must be None and the
    /// instance is delivered into `slot`.
    Init { slot: usize, instance: ObjRef },
}

pub struct Frame {
    pub code: ObjRef,
    pub(crate) code_ptr: *const Code,
    /// The function being run (None for module, class body and exec code).
    pub func: Option<ObjRef>,
    pub globals: ObjRef,
    pub builtins: ObjRef,
    /// The locals dict of module/class/exec scopes (LoadName/StoreName).
    pub locals: Option<ObjRef>,
    /// First register on the register stack.
    pub base: usize,
    /// Index of the next instruction.
    pub pc: usize,
    pub(crate) ret: RetKind,
    /// Length of the handled-exception stack when the frame started.
    pub(crate) exc_base: usize,
    /// The frame object, once a program asked for one.
    pub(crate) frame_obj: Option<ObjRef>,
    /// The generator this frame belongs to.
    pub(crate) gen: Option<ObjRef>,
    /// Last line reported to a trace function (line events).
    pub(crate) trace_line: u32,
    /// Last instruction index seen by the tracer (backward-jump detection).
    pub(crate) trace_pc: usize,
}

impl Frame {
    #[inline(always)]
    pub fn code(&self) -> &Code {
        // SAFETY: code_ptr points into `self.code`'s payload, alive while
        // the frame holds `code`.
        unsafe { &*self.code_ptr }
    }

    /// Index of the instruction being executed (or last executed).
    pub fn lasti(&self) -> usize {
        self.pc.saturating_sub(1)
    }

    /// The current line; the `def` line before the first instruction runs
    /// (as CPython reports at the `call` event).
    pub fn lineno(&self) -> u32 {
        if self.pc == 0 {
            return self.code().firstlineno;
        }
        self.code().line_near(self.lasti())
    }

    /// One past the last register of this frame.
    pub fn top(&self) -> usize {
        self.base + self.code().nregs as usize
    }
}
