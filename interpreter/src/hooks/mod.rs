//! Execution hooks: the profile and trace slots behind `sys.setprofile` /
//! `sys.settrace`, and native hooks registered from Rust (the profilers).
//! Events are raised from `vm/call.rs` (call, return, c_call, c_return,
//! c_exception), `vm/generator.rs` (a resume is a call, a yield a return),
//! `vm/unwind.rs` (exception) and `vm/safepoint.rs` (line, opcode).
//! Invariants: a hook never fires while a hook runs (`in_hook`); a Python
//! hook that raises is removed and its exception propagates from the place
//! the event fired, as in CPython. A native hook is called with no
//! allocation and no reference-count traffic per event (unless it asks for
//! the VM, `NativeHook::wants_vm`); while the installed native hook asks for
//! it (`NativeHook::counts_instructions`), the trap counts every executed
//! instruction in `Vm::instr_count`, the profilers' deterministic clock.
//! A native hook that asks for line events (`NativeHook::wants_lines`) gets
//! them by CPython's line rule, only while the running frame is one it
//! wants lines for (`NativeHook::lines_here`, asked after each call and
//! return): the VM sets the `TRAP_LINE` bit from the answer, so other
//! frames run with no per-instruction check.

use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::trap::{TRAP_ASYNC, TRAP_COUNT, TRAP_LINE, TRAP_TRACE};
use crate::vm::{PyErr, PyResult, Vm};

/// A hook event, named as CPython names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Call,
    Return,
    CCall,
    CReturn,
    CException,
    Line,
    Exception,
    Opcode,
}

impl Event {
    pub fn name(self) -> &'static str {
        match self {
            Event::Call => "call",
            Event::Return => "return",
            Event::CCall => "c_call",
            Event::CReturn => "c_return",
            Event::CException => "c_exception",
            Event::Line => "line",
            Event::Exception => "exception",
            Event::Opcode => "opcode",
        }
    }
}

/// What a native hook is told about an event.
pub struct EventInfo<'a> {
    pub event: Event,
    /// The code object of the frame (for c_* events: the calling frame).
    pub code: Option<&'a ObjRef>,
    /// The builtin being called (c_* events).
    pub callee: Option<&'a ObjRef>,
    /// Instructions executed so far (the deterministic clock): counted
    /// while the installed hook's `counts_instructions` is true (or while a
    /// trace function is installed), frozen otherwise.
    pub instructions: u64,
    /// The line just reached (`Event::Line`); 0 for other events.
    pub line: u32,
}

/// A hook implemented in Rust (the profilers): called directly, with no
/// Python-level call and no allocation per event.
pub trait NativeHook {
    fn event(&mut self, info: &EventInfo<'_>);
    /// Asked once, when the hook is installed: true when it must run mini
    /// code per event (a user-supplied timer). `event_vm` is then called
    /// instead of `event`, with every hook off while it runs.
    fn wants_vm(&self) -> bool {
        false
    }
    fn event_vm(&mut self, _vm: &mut Vm, info: &EventInfo<'_>) {
        self.event(info)
    }
    /// Asked once, when the hook is installed: true to have every executed
    /// instruction counted in `EventInfo::instructions` (one trap per
    /// instruction while installed).
    fn counts_instructions(&self) -> bool {
        false
    }
    /// Asked once, when the hook is installed: true to receive
    /// `Event::Line` (CPython's rule: a new line, or a backward jump).
    fn wants_lines(&self) -> bool {
        false
    }
    /// Asked (for a hook that wants lines) when it is installed and after
    /// each call and return event it receives: whether the frame now
    /// running should raise line events. Returning false for frames the
    /// hook does not care about keeps them at full speed.
    fn lines_here(&mut self) -> bool {
        true
    }
}

#[derive(Default)]
pub struct Hooks {
    /// `sys.setprofile` callable (or a native profiler's Python handle).
    pub profile: Option<Value>,
    /// `sys.settrace` callable.
    pub trace: Option<Value>,
    /// Native profile hook (replaces `profile` while installed).
    pub native_profile: Option<Box<dyn NativeHook>>,
    /// The object `sys.getprofile()` returns while a native hook is installed.
    pub native_profile_obj: Option<Value>,
    pub(crate) in_hook: bool,
    any: bool,
    /// A Python-level profile or trace function is installed.
    python: bool,
    /// The installed native hook's `wants_vm()`.
    native_wants_vm: bool,
    /// The installed native hook's `wants_lines()`.
    native_lines: bool,
    /// Bumped whenever a profile hook is installed or removed.
    epoch: u64,
}

impl Hooks {
    /// Whether any hook is installed (one well-predicted test per event).
    #[inline(always)]
    pub fn active(&self) -> bool {
        self.any
    }

    /// Whether a Python-level hook is installed. With only a native hook,
    /// the VM keeps its fast call and return paths and raises the events
    /// from them.
    #[inline(always)]
    pub fn python_active(&self) -> bool {
        self.python
    }

    pub fn tracing(&self) -> bool {
        self.trace.is_some() && !self.in_hook
    }

    fn recompute(&mut self) {
        self.python = self.profile.is_some() || self.trace.is_some();
        self.any = self.python || self.native_profile.is_some();
    }
}

impl Vm {
    /// `sys.setprofile(f)`.
    pub fn set_profile(&mut self, f: Option<Value>) {
        self.hooks.profile = f;
        self.hooks.native_profile = None;
        self.hooks.native_profile_obj = None;
        self.native_hook_changed();
    }

    /// Installs a native profile hook; `obj` is what `sys.getprofile()` shows.
    pub fn set_native_profile(&mut self, hook: Option<Box<dyn NativeHook>>, obj: Option<Value>) {
        self.hooks.profile = None;
        self.hooks.native_profile = hook;
        self.hooks.native_profile_obj = obj;
        self.native_hook_changed();
    }

    /// Re-reads what the installed native hook asks for.
    fn native_hook_changed(&mut self) {
        self.hooks.epoch += 1;
        let h = self.hooks.native_profile.as_ref();
        self.hooks.native_wants_vm = h.is_some_and(|h| h.wants_vm());
        if h.is_some_and(|h| h.counts_instructions()) {
            self.trap.set(TRAP_COUNT);
        } else {
            self.trap.clear(TRAP_COUNT);
        }
        self.hooks.native_lines = h.is_some_and(|h| h.wants_lines());
        self.hooks.recompute();
        self.update_line_trap();
    }

    /// Sets `TRAP_LINE` when the native hook wants line events in the
    /// frame now running.
    fn update_line_trap(&mut self) {
        let on = self.hooks.native_lines
            && self
                .hooks
                .native_profile
                .as_mut()
                .is_some_and(|h| h.lines_here());
        if on {
            self.trap.set(TRAP_LINE);
        } else {
            self.trap.clear(TRAP_LINE);
        }
    }

    /// `sys.settrace(f)`.
    pub fn set_trace(&mut self, f: Option<Value>) {
        self.hooks.trace = f;
        self.hooks.recompute();
        if self.hooks.trace.is_some() {
            self.trap.set(TRAP_TRACE);
        } else {
            self.trap.clear(TRAP_TRACE);
        }
    }

    /// Delivers an event to the native hook. The common case borrows the
    /// frame's code in place: no count traffic, no allocation.
    #[inline]
    fn native_event(&mut self, event: Event, callee: Option<&ObjRef>) {
        self.native_event_at(event, callee, 0)
    }

    #[inline]
    fn native_event_at(&mut self, event: Event, callee: Option<&ObjRef>, line: u32) {
        if self.hooks.native_wants_vm {
            self.native_event_vm(event, callee, line);
        } else if let Some(h) = self.hooks.native_profile.as_mut() {
            let info = EventInfo {
                event,
                code: self.frames.last().map(|f| &f.code),
                callee,
                instructions: self.instr_count,
                line,
            };
            h.event(&info);
        }
        if self.hooks.native_lines && matches!(event, Event::Call | Event::Return) {
            self.update_line_trap();
        }
    }

    /// A native hook that runs mini code: it is taken out of its slot and
    /// every hook is off while it runs; it is put back unless it (or the
    /// code it ran) installed or removed a profile hook meanwhile.
    #[cold]
    fn native_event_vm(&mut self, event: Event, callee: Option<&ObjRef>, line: u32) {
        let Some(mut h) = self.hooks.native_profile.take() else {
            return;
        };
        let code = self.frames.last().map(|f| f.code.clone());
        let callee = callee.cloned();
        let info = EventInfo {
            event,
            code: code.as_ref(),
            callee: callee.as_ref(),
            instructions: self.instr_count,
            line,
        };
        let epoch = self.hooks.epoch;
        self.hooks.in_hook = true;
        self.hooks.any = false;
        h.event_vm(self, &info);
        self.hooks.in_hook = false;
        if self.hooks.epoch == epoch {
            self.hooks.native_profile = Some(h);
        }
        self.hooks.recompute();
    }

    /// Calls a Python-level hook `f(frame, event, arg)`; the hook is
    /// disabled while it runs.
    /// `frame` is the frame object of the running frame. While the hook
    /// runs the trap's trace bit is off, so its instructions are not
    /// checked for line events it could not receive anyway.
    fn call_hook(&mut self, f: &Value, event: Event, arg: Value, frame: ObjRef) -> PyResult<Value> {
        let fi = self.frames.len() - 1;
        let n = &self.names;
        let ev = match event {
            Event::Call => &n.ev_call,
            Event::Return => &n.ev_return,
            Event::CCall => &n.ev_c_call,
            Event::CReturn => &n.ev_c_return,
            Event::CException => &n.ev_c_exception,
            Event::Line => &n.ev_line,
            Event::Exception => &n.ev_exception,
            Event::Opcode => &n.ev_opcode,
        }
        .clone();
        self.hooks.in_hook = true;
        self.hooks.any = false;
        self.trap.clear(TRAP_TRACE);
        // No argument list: a plain Python hook gets the three values moved
        // into its registers.
        let r = self.call_positional(f, [Value::Obj(frame.clone()), Value::Obj(ev), arg]);
        self.hooks.in_hook = false;
        // The hook may have installed or removed hooks.
        self.hooks.recompute();
        if self.hooks.trace.is_some() {
            self.trap.set(TRAP_TRACE);
        }
        // A trace function may have written frame.f_locals.
        if event != Event::CCall && event != Event::CReturn && event != Event::CException {
            if let Some(fo) = frame.downcast::<crate::vm::frameobj::FrameObj>() {
                if let Some(d) = fo.locals.borrow().clone() {
                    if self.frames[fi].func.is_some() {
                        self.locals_to_fast(fi, &d);
                    }
                }
            }
        }
        r
    }

    fn profile_event(&mut self, event: Event, arg: Value) -> PyResult<()> {
        if self.hooks.in_hook {
            return Ok(());
        }
        if self.hooks.native_profile.is_some() {
            let callee = match &arg {
                Value::Obj(o)
                    if matches!(event, Event::CCall | Event::CReturn | Event::CException) =>
                {
                    Some(o.clone())
                }
                _ => None,
            };
            self.native_event(event, callee.as_ref());
            return Ok(());
        }
        if let Some(p) = self.hooks.profile.clone() {
            let frame = self.frame_object(self.frames.len() - 1);
            if let Err(e) = self.call_hook(&p, event, arg, frame) {
                self.set_profile(None);
                return Err(e);
            }
        }
        Ok(())
    }

    fn trace_event(&mut self, event: Event, arg: Value) -> PyResult<()> {
        if self.hooks.in_hook {
            return Ok(());
        }
        let Some(global) = self.hooks.trace.clone() else {
            return Ok(());
        };
        let fi = self.frames.len() - 1;
        if event != Event::Call && self.frames[fi].frame_obj.is_none() {
            // No frame object, so no local trace function.
            return Ok(());
        }
        let frame = self.frame_object(fi);
        let fo = frame.downcast::<crate::vm::frameobj::FrameObj>().unwrap();
        let f = if event == Event::Call {
            global
        } else {
            let local = fo.trace.borrow().clone();
            if local.is_none() {
                return Ok(());
            }
            local
        };
        match self.call_hook(&f, event, arg, frame.clone()) {
            Ok(r) => {
                if event == Event::Call || !r.is_none() {
                    let old = fo.trace.replace(r);
                    drop(old);
                }
                Ok(())
            }
            Err(e) => {
                self.set_trace(None);
                fo.trace.replace(Value::None);
                Err(e)
            }
        }
    }

    /// The `call` event for the frame just pushed.
    pub(crate) fn hook_call_event(&mut self) {
        if self.hooks.trace.is_none() && self.hooks.native_profile.is_some() && !self.hooks.in_hook
        {
            // The frame's line as f_lineno shows it at a call event: the
            // first line for a fresh frame, the yield's for a resumed one.
            let line = self.frames.last().map_or(0, |f| {
                let c = f.code();
                if f.pc == 0 {
                    c.firstlineno
                } else {
                    c.line_at(f.pc - 1)
                }
            });
            self.native_event_at(Event::Call, None, line);
        } else {
            let r = self
                .trace_event(Event::Call, Value::None)
                .and_then(|_| self.profile_event(Event::Call, Value::None));
            if let Err(e) = r {
                self.raise_pending(e);
            }
        }
        if let Some(f) = self.frames.last_mut() {
            // A resumed generator continues from its yield: that is the
            // previous instruction for the line rule.
            f.trace_pc = f.pc.saturating_sub(1);
            f.trace_line = if f.pc == 0 {
                0
            } else {
                f.code().line_at(f.pc - 1)
            };
        }
    }

    /// The `return` event for the frame about to be popped.
    pub(crate) fn hook_return_event(&mut self, v: &Value) {
        if self.hooks.trace.is_none() && self.hooks.native_profile.is_some() && !self.hooks.in_hook
        {
            // Only a native profiler: no need to hand over the value.
            self.native_event(Event::Return, None);
            return;
        }
        let r = self
            .trace_event(Event::Return, v.clone())
            .and_then(|_| self.profile_event(Event::Return, v.clone()));
        if let Err(e) = r {
            self.raise_pending(e);
        }
    }

    /// `c_call`/`c_return`/`c_exception` around a native call.
    /// `recv` is the first argument, the receiver when `callee` is a method
    /// descriptor: Python-level hooks are shown the bound builtin method (as
    /// CPython shows them), native hooks the descriptor itself.
    pub(crate) fn hook_c_event(&mut self, name: &str, callee: &ObjRef, recv: Option<&Value>) {
        if self.frames.is_empty() {
            return;
        }
        let ev = match name {
            "c_call" => Event::CCall,
            "c_return" => Event::CReturn,
            _ => Event::CException,
        };
        if self.hooks.native_profile.is_some() {
            if !self.hooks.in_hook {
                self.native_event(ev, Some(callee));
            }
            return;
        }
        let arg = match (
            callee.downcast::<crate::object::function::MethodDescr>(),
            recv,
        ) {
            (Some(m), Some(r))
                if m.kind == crate::object::function::MethodKind::Instance
                    && self.hooks.native_profile.is_none() =>
            {
                let t = self.types.builtin_function.clone();
                Value::Obj(self.alloc(
                    &t,
                    crate::object::function::BuiltinFunction {
                        name: m.name,
                        func: m.func,
                        bound: Some(r.clone()),
                        module: None,
                        is_method: true,
                    },
                ))
            }
            _ => Value::Obj(callee.clone()),
        };
        if let Err(e) = self.profile_event(ev, arg) {
            self.raise_pending(e);
        }
    }

    /// The trace `exception` event.
    pub(crate) fn hook_exception_event(&mut self, err: &PyErr) -> Result<(), PyErr> {
        let t = Value::Obj(err.exc.class());
        let tb = crate::vm::unwind::exc_base(&err.exc)
            .map(|e| e.traceback.borrow().clone())
            .unwrap_or(Value::None);
        let arg = Value::Obj(self.new_tuple(vec![t, Value::Obj(err.exc.clone()), tb]));
        self.trace_event(Event::Exception, arg)
    }

    /// The dispatch loop's shortcut while only `TRAP_LINE` is set: records
    /// instruction `pc` of frame `fi` as executed and returns true when it
    /// cannot raise a line event (the common case), so the trap handler is
    /// skipped; false leaves the frame's state for `hook_line_check`.
    #[inline(always)]
    pub(crate) fn line_quiet(
        &mut self,
        fi: usize,
        code: &crate::compile::code::Code,
        pc: usize,
    ) -> bool {
        let line = code.line_at(pc);
        let f = &mut self.frames[fi];
        if line == 0 || (line == f.trace_line && pc >= f.trace_pc) {
            f.trace_pc = pc;
            f.trace_line = line;
            return true;
        }
        false
    }

    /// Line events, checked at each instruction while tracing (`TRAP_TRACE`)
    /// or while a native hook wants lines in this frame (`TRAP_LINE`).
    /// CPython's rule: an instruction with a line raises `line` when its line
    /// differs from the previously executed instruction's (which may have
    /// had none) or when control jumped backwards.
    #[inline]
    pub(crate) fn hook_line_check(&mut self, pc: usize, bits: u32) -> PyResult<()> {
        let Some(f) = self.frames.last_mut() else {
            return Ok(());
        };
        let line = f.code().line_at(pc);
        let (prev_pc, prev_line) = (f.trace_pc, f.trace_line);
        f.trace_pc = pc;
        f.trace_line = line;
        if line == 0 || (line == prev_line && pc >= prev_pc) || self.hooks.in_hook {
            return Ok(());
        }
        let fi = self.frames.len() - 1;
        if bits & TRAP_LINE != 0 && self.hooks.native_lines {
            self.native_event_at(Event::Line, None, line);
        }
        if self.hooks.trace.is_none() {
            return Ok(());
        }
        let Some(fo) = self.frames[fi].frame_obj.clone() else {
            // No frame object: the frame was never given a local tracer.
            return Ok(());
        };
        let f = fo.downcast::<crate::vm::frameobj::FrameObj>().unwrap();
        if f.trace.borrow().is_none() || !f.trace_lines.get() {
            return Ok(());
        }
        self.trace_event(Event::Line, Value::None)
    }
}

impl Vm {
    /// Records an error raised by a hook where no Result can carry it; the
    /// dispatch loop raises it before the next instruction.
    pub(crate) fn raise_pending(&mut self, e: PyErr) {
        if self.pending_hook_error.is_none() {
            self.pending_hook_error = Some(e);
        }
        self.trap.set(TRAP_ASYNC);
    }
}
