//! Exception propagation. A new exception gets its `__context__` (the
//! exception being handled), then a traceback entry and an `exception` trace
//! event for each frame it passes through; each frame's exception table is
//! searched for a handler, and frames without one are popped (with a
//! `return` event carrying None). Re-raises (`raise` with no argument, the
//! implicit re-raise at the end of `finally`/unmatched `except`) add neither.
//! Invariant: when `unwind` returns Ok the top frame's pc is a handler and its
//! exception register holds the exception.

use crate::compile::opcode::RaiseKind;
use crate::object::exception::ExcBase;
use crate::object::kind::Kind;
use crate::object::rc::ObjRef;
use crate::object::tuple::Tuple;
use crate::object::typeobj::{TypeObj, TF_EXCEPTION};
use crate::object::value::Value;
use crate::vm::frame::RetKind;
use crate::vm::{PyErr, PyResult, Vm};

impl Vm {
    /// Propagates an exception raised by the top frame's current instruction.
    pub(crate) fn unwind(&mut self, err: PyErr, entry: usize) -> Result<(), PyErr> {
        self.chain_context(&err);
        self.unwind_from(err, entry, true)
    }

    /// Propagates a re-raised exception (no new traceback entry here).
    pub(crate) fn unwind_reraise(&mut self, err: PyErr, entry: usize) -> Result<(), PyErr> {
        self.unwind_from(err, entry, false)
    }

    fn unwind_from(&mut self, mut err: PyErr, entry: usize, mut fresh: bool) -> Result<(), PyErr> {
        loop {
            let fi = self.frames.len() - 1;
            if fresh {
                self.add_traceback(&err, fi);
                if self.hooks.tracing() {
                    if let Err(e) = self.hook_exception_event(&err) {
                        err = e;
                        self.chain_context(&err);
                        self.add_traceback(&err, fi);
                    }
                }
            }
            let (lasti, base) = (self.frames[fi].lasti(), self.frames[fi].base);
            let handler = self.frames[fi].code().handler_for(lasti as u32).copied();
            if let Some(h) = handler {
                let slot = base + h.exc_reg as usize;
                *self.stack.get_mut(slot) = Value::Obj(err.exc);
                self.frames[fi].pc = h.handler as usize;
                return Ok(());
            }
            if self.hooks.active() {
                self.hook_return_event(&Value::None);
            }
            let frame = self.frames.pop().expect("frame");
            // The frame object (held by the traceback) snapshots the locals
            // before the registers are cleared: they live as long as it does.
            if let Some(fo) = &frame.frame_obj {
                self.detach_frame_object(fo, &frame);
            }
            let top = frame.top();
            self.stack.clear_range(frame.base, top);
            self.exc_stack.truncate(frame.exc_base);
            if let Some(g) = &frame.gen {
                self.generator_finished(g);
                // PEP 479: StopIteration may not escape a generator.
                let si = self.types.exc.stop_iteration.clone();
                if self.err_is(&err, &si) {
                    let c = self.types.exc.runtime_error.clone();
                    let new = self.new_error(&c, "generator raised StopIteration");
                    self.set_cause(&new.exc, Value::Obj(err.exc.clone()));
                    self.set_context(&new.exc, Value::Obj(err.exc.clone()));
                    err = new;
                }
            }
            match frame.ret {
                RetKind::Native => return Err(err),
                _ if self.frames.len() <= entry => return Err(err),
                RetKind::ForIter { iter, .. } => {
                    let old = self.stack.take(iter);
                    drop(old);
                }
                _ => {}
            }
            fresh = true;
        }
    }

    /// Sets `__context__` of a new exception to the one being handled
    /// (breaking cycles as CPython's `_PyErr_SetObject` does).
    pub(crate) fn chain_context(&mut self, err: &PyErr) {
        let handled = match self.exc_stack.last() {
            Some(Value::Obj(o)) => o.clone(),
            _ => return,
        };
        if handled.is(&err.exc) {
            return;
        }
        // Avoid a context cycle: cut the chain where it reaches err.
        let mut o = handled.clone();
        loop {
            let ctx = match exc_base(&o).map(|e| e.context.borrow().clone()) {
                Some(Value::Obj(c)) => c,
                _ => break,
            };
            if ctx.is(&err.exc) {
                if let Some(e) = exc_base(&o) {
                    e.context.replace(Value::None);
                }
                break;
            }
            o = ctx;
        }
        self.set_context(&err.exc, Value::Obj(handled));
    }

    pub(crate) fn set_context(&mut self, exc: &ObjRef, ctx: Value) {
        if let Some(e) = exc_base(exc) {
            let old = e.context.replace(ctx);
            drop(old);
        }
    }

    pub(crate) fn set_cause(&mut self, exc: &ObjRef, cause: Value) {
        if let Some(e) = exc_base(exc) {
            let old = e.cause.replace(cause);
            drop(old);
            e.suppress_context.set(true);
        }
    }

    /// Prepends a traceback entry for frame `fi` to the exception.
    fn add_traceback(&mut self, err: &PyErr, fi: usize) {
        let Some(e) = exc_base(&err.exc) else {
            return;
        };
        let frame_obj = self.frame_object(fi);
        let lasti = self.frames[fi].lasti();
        let lineno = self.frames[fi].code().line_near(lasti);
        let next = e.traceback.borrow().clone();
        let tb = self.new_traceback(next, frame_obj, lasti, lineno);
        let old = e.traceback.replace(Value::Obj(tb));
        drop(old);
    }

    /// Executes `raise` / `raise X` / `raise X from Y`; returns the error.
    pub(crate) fn raise_instr(
        &mut self,
        kind: RaiseKind,
        exc: Value,
        cause: Option<Value>,
    ) -> PyErr {
        if kind == RaiseKind::Reraise {
            return match self.exc_stack.last().cloned() {
                Some(Value::Obj(o)) => PyErr { exc: o },
                _ => self.runtime_error("No active exception to reraise"),
            };
        }
        let e = match self.make_exception(exc) {
            Ok(e) => e,
            Err(e) => return e,
        };
        if let Some(c) = cause {
            let cv = match c {
                Value::None => Value::None,
                other => match self.make_exception(other) {
                    Ok(ce) => Value::Obj(ce),
                    Err(_) => {
                        return self.type_error("exception causes must derive from BaseException");
                    }
                },
            };
            self.set_cause(&e, cv);
        }
        PyErr { exc: e }
    }

    /// Re-raise of an exception value held in a register.
    pub(crate) fn reraise_value(&mut self, v: Value) -> PyErr {
        match v {
            Value::Obj(o) if o.kind() == Kind::Exception => PyErr { exc: o },
            _ => self.runtime_error("No active exception to reraise"),
        }
    }

    /// Turns `raise X`'s operand into an exception instance (instantiating
    /// classes with no arguments).
    pub(crate) fn make_exception(&mut self, v: Value) -> Result<ObjRef, PyErr> {
        match &v {
            Value::Obj(o) if o.kind() == Kind::Exception => Ok(o.clone()),
            Value::Obj(o)
                if o.kind() == Kind::Type && o.downcast::<TypeObj>().unwrap().has(TF_EXCEPTION) =>
            {
                let inst = self.call(&v, vec![])?;
                match inst {
                    Value::Obj(i) if i.kind() == Kind::Exception => Ok(i),
                    other => {
                        let t = self.type_name(&other);
                        Err(self.type_error(format!(
                            "calling {} should have returned an instance of BaseException, not {t}",
                            o.downcast::<TypeObj>().unwrap().name()
                        )))
                    }
                }
            }
            _ => Err(self.type_error("exceptions must derive from BaseException")),
        }
    }

    /// `except T:` matching (T a class or a tuple of classes).
    pub(crate) fn exc_match(&mut self, exc: &Value, typ: &Value) -> PyResult<bool> {
        match typ {
            Value::Obj(t) if t.kind() == Kind::Tuple => {
                let items = t.downcast::<Tuple>().unwrap().as_slice().to_vec();
                for it in &items {
                    if self.exc_match(exc, it)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::Obj(t)
                if t.kind() == Kind::Type && t.downcast::<TypeObj>().unwrap().has(TF_EXCEPTION) =>
            {
                Ok(self.isinstance(exc, t))
            }
            _ => Err(self.type_error(
                "catching classes that do not inherit from BaseException is not allowed",
            )),
        }
    }

    /// `with`: returns (bound __exit__, result of __enter__()).
    pub(crate) fn with_enter(&mut self, ctx: &Value) -> PyResult<(Value, Value)> {
        let cls = self.type_of(ctx);
        let enter = self.lookup_mro(&cls, &self.names.enter.clone());
        let exit = self.lookup_mro(&cls, &self.names.exit.clone());
        let (Some(enter), Some(exit)) = (enter, exit) else {
            let t = self.type_name(ctx);
            let missing = if self.lookup_mro(&cls, &self.names.enter.clone()).is_none() {
                ""
            } else {
                " (missed __exit__ method)"
            };
            return Err(self.type_error(format!(
                "'{t}' object does not support the context manager protocol{missing}"
            )));
        };
        let exit_b = self.descr_get(&exit, ctx, &cls)?;
        let enter_b = self.descr_get(&enter, ctx, &cls)?;
        let r = self.call(&enter_b, vec![])?;
        Ok((exit_b, r))
    }

    /// Calls `exit(type, value, traceback)` for an exception in a with body.
    pub(crate) fn with_exc_exit(&mut self, exit: &Value, exc: &Value) -> PyResult<bool> {
        let t = Value::Obj(self.type_of(exc));
        let tb = match exc {
            Value::Obj(o) => exc_base(o)
                .map(|e| e.traceback.borrow().clone())
                .unwrap_or(Value::None),
            _ => Value::None,
        };
        let r = self.call(exit, vec![t, exc.clone(), tb])?;
        self.truthy(&r)
    }
}

/// The exception state of an exception object.
pub fn exc_base(o: &ObjRef) -> Option<&ExcBase> {
    o.downcast::<ExcBase>()
}
