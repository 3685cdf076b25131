//! Generators. A generator owns a saved frame (its registers moved out of
//! the register stack) while suspended; resuming pushes the frame back on top
//! of the stack, yielding moves it out again. A `for` loop resumes generators
//! inside the dispatch loop; `next`, `send`, `throw`, `close` and `yield from`
//! resume them through a nested dispatch loop.
//!
//! Invariants: `saved` is Some exactly when the generator is created or
//! suspended; while running, its frame is on the frame stack with
//! `Frame::gen` pointing back at the generator. Each resume raises a `call`
//! event and each yield a `return` event (from `call.rs`/here), as CPython's.

use std::cell::RefCell;

use crate::compile::code::Code;
use crate::compile::opcode::Instr;
use crate::object::function::Function;
use crate::object::kind::Kind;
use crate::object::rc::{ObjRef, Payload};
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::dispatch::Next;
use crate::vm::frame::{Frame, RetKind};
use crate::vm::{PyErr, PyResult, Vm};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GenState {
    Created,
    Suspended,
    Running,
    Closed,
}

pub struct SavedFrame {
    pub code: ObjRef,
    pub func: ObjRef,
    pub globals: ObjRef,
    pub builtins: ObjRef,
    pub pc: usize,
    pub regs: Vec<Value>,
    pub frame_obj: Option<ObjRef>,
    /// Exceptions being handled inside the generator when it yielded.
    pub exc: Vec<Value>,
}

pub struct GenInner {
    pub state: GenState,
    pub saved: Option<SavedFrame>,
    /// The value sent by the current resume, for a suspended `yield from`.
    pub sent: Value,
    /// An exception thrown in while suspended in `yield from`.
    pub pending_throw: Option<ObjRef>,
}

pub struct Generator {
    pub inner: RefCell<GenInner>,
    pub name: ObjRef,
    pub qualname: ObjRef,
    pub code: ObjRef,
}

impl Payload for Generator {
    const KIND: Kind = Kind::Generator;
    const NAME: &'static str = "generator";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        visit(&self.name);
        visit(&self.qualname);
        visit(&self.code);
        let Ok(g) = self.inner.try_borrow() else {
            return;
        };
        if let Value::Obj(o) = &g.sent {
            visit(o);
        }
        if let Some(p) = &g.pending_throw {
            visit(p);
        }
        if let Some(s) = &g.saved {
            visit(&s.code);
            visit(&s.func);
            visit(&s.globals);
            visit(&s.builtins);
            if let Some(f) = &s.frame_obj {
                visit(f);
            }
            for v in s.regs.iter().chain(s.exc.iter()) {
                if let Value::Obj(o) = v {
                    visit(o);
                }
            }
        }
    }
    fn clear(&self) {
        let old = {
            let mut g = self.inner.borrow_mut();
            g.state = GenState::Closed;
            (
                g.saved.take(),
                std::mem::take(&mut g.sent),
                g.pending_throw.take(),
            )
        };
        drop(old);
    }
}

/// What delegating to a sub-iterator produced.
pub(crate) enum Delegate {
    Yielded(Value),
    Returned(Value),
}

/// The outcome of resuming a generator from Rust.
pub enum GenResult {
    Yielded(Value),
    Returned(Value),
}

impl Vm {
    /// A new (not yet started) generator for a call of `func`.
    pub(crate) fn new_generator(
        &mut self,
        func: &ObjRef,
        f: &Function,
        code: &Code,
        locals: Vec<Value>,
    ) -> ObjRef {
        let mut regs = locals;
        regs.resize(code.nregs as usize, Value::Undef);
        if let Some(cl) = &f.closure {
            if let Some(t) = cl.downcast::<crate::object::tuple::Tuple>() {
                for (i, c) in t.as_slice().iter().enumerate() {
                    regs[code.free_base as usize + i] = c.clone();
                }
            }
        }
        let g = Generator {
            inner: RefCell::new(GenInner {
                state: GenState::Created,
                saved: Some(SavedFrame {
                    code: f.code.clone(),
                    func: func.clone(),
                    globals: f.globals.clone(),
                    builtins: f.builtins.clone(),
                    pc: 0,
                    regs,
                    frame_obj: None,
                    exc: Vec::new(),
                }),
                sent: Value::None,
                pending_throw: None,
            }),
            name: f.name.borrow().clone(),
            qualname: f.qualname.borrow().clone(),
            code: f.code.clone(),
        };
        let t = self.types.generator.clone();
        self.alloc(&t, g)
    }

    /// Pushes the generator's frame on top of the stack. The saved frame
    /// stays in the generator; its registers are moved onto the stack with
    /// one copy (the slots above the current frame are always `Undef`, so
    /// nothing is overwritten) and moved back the same way at the next yield.
    fn gen_push(&mut self, gen: &ObjRef, ret: RetKind, sent: Value) -> PyResult<bool> {
        let g = gen.downcast::<Generator>().unwrap();
        let base = self.stack_top();
        let (frame, code_ptr, exc_len) = {
            let mut inner = g.inner.borrow_mut();
            match inner.state {
                GenState::Closed => return Ok(false),
                GenState::Running => {
                    drop(inner);
                    return Err(self.value_error("generator already executing"));
                }
                GenState::Created if !sent.is_none() => {
                    drop(inner);
                    return Err(
                        self.type_error("can't send non-None value to a just-started generator")
                    );
                }
                _ => {}
            }
            if self.frames.len() + self.native_depth > self.recursion_limit {
                drop(inner);
                return Err(self.recursion_error("maximum recursion depth exceeded"));
            }
            let s = inner
                .saved
                .as_mut()
                .expect("suspended generator has a frame");
            // SAFETY: a generator's code is always a Code object, kept alive
            // by the saved frame (and then by the frame pushed below).
            let code_ptr: *const Code = unsafe { s.code.payload_unchecked::<Code>() };
            let code: &Code = unsafe { &*code_ptr };
            let nregs = code.nregs as usize;
            if !self.stack.ensure(base + nregs) {
                drop(inner);
                return Err(self.recursion_error("maximum recursion depth exceeded"));
            }
            let n = s.regs.len().min(nregs);
            debug_assert!(self
                .stack
                .slice(base, base + n)
                .iter()
                .all(|v| v.is_undef()));
            // SAFETY: slots base..base+n are within the stack's initialised
            // length (ensured above) and hold Undef (no destructor to run);
            // the n values move out of `regs` (set_len(0) forgets them there).
            unsafe {
                std::ptr::copy_nonoverlapping(s.regs.as_ptr(), self.stack.base_ptr().add(base), n);
                s.regs.set_len(0);
            }
            let exc_len = s.exc.len();
            if exc_len > 0 {
                self.exc_stack.append(&mut s.exc);
            }
            let pc = s.pc;
            inner.state = GenState::Running;
            let s = inner.saved.as_mut().unwrap();
            let frame = Frame {
                code: s.code.clone(),
                code_ptr,
                func: Some(s.func.clone()),
                globals: s.globals.clone(),
                builtins: s.builtins.clone(),
                locals: None,
                base,
                pc,
                ret,
                exc_base: self.exc_stack.len() - exc_len,
                frame_obj: s.frame_obj.take(),
                gen: Some(gen.clone()),
                trace_line: 0,
                trace_pc: pc,
            };
            (frame, code_ptr, exc_len)
        };
        let _ = exc_len;
        // SAFETY: the frame holds the code object alive.
        let code: &Code = unsafe { &*code_ptr };
        let pc = frame.pc;
        if pc > 0 {
            match code.instrs[pc - 1] {
                Instr::Yield { dst, .. } => *self.stack.get_mut(base + dst as usize) = sent,
                _ => {
                    if let Instr::YieldFrom { .. } = code.instrs[pc] {
                        g.inner.borrow_mut().sent = sent;
                    }
                }
            }
        }
        if let Some(fo) = &frame.frame_obj {
            if let Some(f) = fo.downcast::<crate::vm::frameobj::FrameObj>() {
                f.live.set(Some(self.frames.len()));
            }
        }
        self.push_frame_raw(frame);
        if self.hooks.active() {
            self.hook_call_event();
        }
        Ok(true)
    }

    /// Resumes a generator inside the dispatch loop (for `for` loops).
    /// Returns false when the generator is already finished.
    pub(crate) fn gen_resume_inline(&mut self, gen: &ObjRef, ret: RetKind) -> PyResult<bool> {
        self.gen_push(gen, ret, Value::None)
    }

    /// Suspends the current (generator) frame at a `yield`: its registers
    /// move back into the generator's saved frame.
    pub(crate) fn yield_value(&mut self, v: Value, entry: usize) -> PyResult<Next> {
        if self.hooks.active() {
            self.hook_return_event(&v);
        }
        let mut frame = self.frames.pop().expect("frame");
        let nregs = frame.code().nregs as usize;
        let lasti = frame.lasti();
        let gen = frame.gen.take().expect("yield outside a generator frame");
        {
            let g = gen.downcast::<Generator>().unwrap();
            let mut inner = g.inner.borrow_mut();
            inner.state = GenState::Suspended;
            let s = inner
                .saved
                .as_mut()
                .expect("running generator keeps its saved frame");
            s.pc = frame.pc;
            s.regs.reserve(nregs);
            // SAFETY: base..base+nregs are this frame's initialised registers;
            // their values move into `regs` (capacity reserved above) and the
            // slots are reset to Undef (tag 0, so all-zero bytes) without
            // running destructors.
            unsafe {
                let src = self.stack.base_ptr().add(frame.base);
                std::ptr::copy_nonoverlapping(src, s.regs.as_mut_ptr(), nregs);
                s.regs.set_len(nregs);
                std::ptr::write_bytes(src, 0, nregs);
            }
            if self.exc_stack.len() > frame.exc_base {
                s.exc.extend(self.exc_stack.drain(frame.exc_base..));
            }
            if let Some(fo) = frame.frame_obj.take() {
                if let Some(f) = fo.downcast::<crate::vm::frameobj::FrameObj>() {
                    f.live.set(None);
                    f.lasti.set(lasti);
                }
                s.frame_obj = Some(fo);
            }
        }
        let _ = entry;
        let ret = std::mem::replace(&mut frame.ret, RetKind::Native);
        drop(frame);
        match ret {
            RetKind::Native => Ok(Next::Return(v)),
            RetKind::Slot(s) | RetKind::ForIter { slot: s, .. } => {
                *self.stack.get_mut(s) = v;
                Ok(Next::Continue)
            }
            RetKind::Init { .. } => {
                Err(self.type_error("__init__() should return None, not 'generator'"))
            }
        }
    }

    /// Marks a generator finished (its frame returned or raised).
    pub(crate) fn generator_finished(&mut self, gen: &ObjRef) {
        if let Some(g) = gen.downcast::<Generator>() {
            let old = {
                let mut inner = g.inner.borrow_mut();
                inner.state = GenState::Closed;
                (inner.saved.take(), std::mem::take(&mut inner.sent))
            };
            drop(old);
        }
    }

    fn gen_state(gen: &ObjRef) -> GenState {
        gen.downcast::<Generator>().unwrap().inner.borrow().state
    }

    /// Runs a pushed generator frame to its next yield or its end.
    fn gen_run(&mut self, gen: &ObjRef) -> PyResult<GenResult> {
        self.native_depth += 1;
        let entry = self.frames.len() - 1;
        let r = self.run(entry);
        self.native_depth -= 1;
        let v = r?;
        Ok(if Self::gen_state(gen) == GenState::Closed {
            GenResult::Returned(v)
        } else {
            GenResult::Yielded(v)
        })
    }

    /// `gen.send(value)`.
    pub fn gen_send(&mut self, gen: &ObjRef, value: Value) -> PyResult<GenResult> {
        self.check_native_stack()?;
        if !self.gen_push(gen, RetKind::Native, value)? {
            return Ok(GenResult::Returned(Value::None));
        }
        self.gen_run(gen)
    }

    /// `next(gen)`.
    pub(crate) fn gen_next(&mut self, gen: &ObjRef) -> PyResult<Option<Value>> {
        match self.gen_send(gen, Value::None)? {
            GenResult::Yielded(v) => Ok(Some(v)),
            GenResult::Returned(_) => Ok(None),
        }
    }

    /// `gen.throw(exc)`: raise `exc` at the suspended yield.
    pub fn gen_throw(&mut self, gen: &ObjRef, exc: ObjRef) -> PyResult<GenResult> {
        self.check_native_stack()?;
        let g = gen.downcast::<Generator>().unwrap();
        let (state, at_yield_from) = {
            let inner = g.inner.borrow();
            let yf = inner.saved.as_ref().is_some_and(|s| {
                let c = s.code.downcast::<Code>().unwrap();
                s.pc < c.instrs.len() && matches!(c.instrs[s.pc], Instr::YieldFrom { .. })
            });
            (inner.state, yf)
        };
        if state == GenState::Closed {
            return Err(PyErr { exc });
        }
        if at_yield_from {
            g.inner.borrow_mut().pending_throw = Some(exc);
            if !self.gen_push(gen, RetKind::Native, Value::None)? {
                return Ok(GenResult::Returned(Value::None));
            }
            return self.gen_run(gen);
        }
        if !self.gen_push(gen, RetKind::Native, Value::None)? {
            return Err(PyErr { exc });
        }
        // Raise at the yield (or at the start of a just-created generator).
        let entry = self.frames.len() - 1;
        if state == GenState::Created {
            self.frames[entry].pc = 0;
        }
        let err = PyErr { exc };
        match self.unwind(err, entry) {
            Ok(()) => self.gen_run(gen),
            Err(e) => Err(e),
        }
    }

    /// `gen.close()`.
    pub fn gen_close(&mut self, gen: &ObjRef) -> PyResult<()> {
        let state = Self::gen_state(gen);
        match state {
            GenState::Closed => return Ok(()),
            GenState::Created => {
                self.generator_finished(gen);
                return Ok(());
            }
            _ => {}
        }
        let c = self.types.exc.generator_exit.clone();
        let e = self.new_exception(&c, vec![]);
        match self.gen_throw(gen, e) {
            Ok(GenResult::Yielded(_)) => Err(self.runtime_error("generator ignored GeneratorExit")),
            Ok(GenResult::Returned(_)) => Ok(()),
            Err(e) => {
                if self.err_is(&e, &self.types.exc.generator_exit.clone())
                    || self.err_is(&e, &self.types.exc.stop_iteration.clone())
                {
                    Ok(())
                } else {
                    Err(e)
                }
            }
        }
    }

    /// `yield from it`: one delegation step for the current generator frame.
    pub(crate) fn yield_from(&mut self, it: &Value) -> PyResult<Delegate> {
        let outer = self.frames.last().and_then(|f| f.gen.clone());
        let (sent, throw) = match &outer {
            Some(o) => {
                let g = o.downcast::<Generator>().unwrap();
                let mut inner = g.inner.borrow_mut();
                (
                    std::mem::replace(&mut inner.sent, Value::None),
                    inner.pending_throw.take(),
                )
            }
            None => (Value::None, None),
        };
        if let Value::Obj(io) = it {
            if io.kind() == Kind::Generator && !io.owns_cls() {
                let r = match throw {
                    Some(e) => {
                        if self.err_is(
                            &PyErr { exc: e.clone() },
                            &self.types.exc.generator_exit.clone(),
                        ) {
                            self.gen_close(io)?;
                            return Err(PyErr { exc: e });
                        }
                        self.gen_throw(io, e)?
                    }
                    None => self.gen_send(io, sent)?,
                };
                return Ok(match r {
                    GenResult::Yielded(v) => Delegate::Yielded(v),
                    GenResult::Returned(v) => Delegate::Returned(v),
                });
            }
        }
        if let Some(e) = throw {
            let tn = self.intern("throw");
            match self.get_attr_opt(it, &tn)? {
                Some(t) => {
                    return match self.call(&t, vec![Value::Obj(e)]) {
                        Ok(v) => Ok(Delegate::Yielded(v)),
                        Err(err) => self.stop_value(err).map(Delegate::Returned),
                    }
                }
                None => return Err(PyErr { exc: e }),
            }
        }
        let step = if sent.is_none() {
            match self.lookup_special(it, &self.names.next.clone()) {
                Some(f) if !matches!(it, Value::Obj(o) if o.kind() == Kind::Iter && !o.owns_cls()) => {
                    self.call(&f, vec![it.clone()])
                }
                _ => match self.next(it)? {
                    Some(v) => Ok(v),
                    None => return Ok(Delegate::Returned(Value::None)),
                },
            }
        } else {
            self.call_method(it, "send", vec![sent])
        };
        match step {
            Ok(v) => Ok(Delegate::Yielded(v)),
            Err(e) => self.stop_value(e).map(Delegate::Returned),
        }
    }

    /// The value of a StopIteration error (other errors pass through).
    pub(crate) fn stop_value(&mut self, e: PyErr) -> PyResult<Value> {
        if self.err_is(&e, &self.types.exc.stop_iteration.clone()) {
            let args = crate::vm::unwind::exc_base(&e.exc).map(|b| b.args.borrow().clone());
            if let Some(a) = args {
                if let Some(t) = a.downcast::<crate::object::tuple::Tuple>() {
                    return Ok(t.as_slice().first().cloned().unwrap_or(Value::None));
                }
            }
            return Ok(Value::None);
        }
        Err(e)
    }

    /// Whether a generator needs closing when it dies (suspended mid-body).
    pub(crate) fn gen_needs_close(gen: &crate::object::rc::Header) -> bool {
        // SAFETY: called with a generator's header (vtable kind checked by caller).
        let g = unsafe { &(*(gen as *const _ as *const crate::object::rc::Obj<Generator>)).data };
        g.inner
            .try_borrow()
            .map(|i| i.state == GenState::Suspended)
            .unwrap_or(false)
    }

    /// Arguments helper for generator methods.
    pub(crate) fn gen_send_method(&mut self, mut args: Args) -> PyResult<Value> {
        args.check(self, "send", 2, 2)?;
        let g = args.pos[0].as_obj().cloned().unwrap();
        let v = args.pos.remove(1);
        match self.gen_send(&g, v)? {
            GenResult::Yielded(v) => Ok(v),
            GenResult::Returned(v) => Err(self.stop_iteration(v)),
        }
    }
}
