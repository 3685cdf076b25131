//! Calls: the calling convention of the `Call*` instructions, argument
//! binding (positional, keyword, defaults, `*args`, `**kwargs` with CPython's
//! error messages), pushing and popping Python frames, native calls, class
//! instantiation, and `call_value` for Rust code that calls a callable.
//! The `call`/`return`/`c_call`/`c_return`/`c_exception` hook events are
//! raised here and only here.
//!
//! Convention: the callee sits in slot `abs` of the register stack with its
//! arguments after it; a Python callee's register window starts at its first
//! argument, so positional arguments need no copying. The result replaces
//! the callee in slot `abs`.

use crate::compile::code::{Code, CO_VARARGS, CO_VARKEYWORDS};
use crate::object::dict::Dict;
use crate::object::function::{
    BoundMethod, BuiltinFunction, CellObj, Function, MethodDescr, MethodKind,
};
use crate::object::kind::Kind;
use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::tuple::Tuple;
use crate::object::typeobj::TypeObj;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::dispatch::Next;
use crate::vm::frame::{Frame, RetKind};
use crate::vm::{PyResult, Vm};

pub(crate) enum CallOutcome {
    /// The result is in the callee slot.
    Done,
    /// A Python frame was pushed; the loop must switch to it.
    Pushed,
    /// The call produced a value without a frame (a new generator) and the
    /// frame's result kind was `Native`.
    Immediate(Value),
}

impl Vm {
    /// Executes a `Call*` instruction whose callee is at absolute slot `abs`.
    pub(crate) fn call_instr(
        &mut self,
        fi: usize,
        abs: usize,
        argc: usize,
        kwnames: Option<&Value>,
        method: bool,
    ) -> PyResult<CallOutcome> {
        let (first, nargs) = if method {
            if self.stack.get(abs + 1).is_undef() {
                (abs + 2, argc)
            } else {
                (abs + 1, argc + 1)
            }
        } else {
            (abs + 1, argc)
        };
        let nkw = match kwnames {
            Some(Value::Obj(t)) => t.downcast::<Tuple>().map(|t| t.len()).unwrap_or(0),
            _ => 0,
        };
        let callee = match self.stack.get(abs) {
            Value::Obj(o) => o.clone(),
            other => {
                let name = self.type_name(&other.clone());
                return Err(self.type_error(format!("'{name}' object is not callable")));
            }
        };
        match callee.kind() {
            Kind::Function if !callee.owns_cls() => {
                let caller_top = self.frames[fi].top();
                self.enter_function(
                    &callee,
                    first,
                    nargs,
                    kwnames,
                    nkw,
                    RetKind::Slot(abs),
                    caller_top,
                )
            }
            Kind::BuiltinFunction | Kind::MethodDescr => {
                let args = self.take_args(first, nargs, kwnames, nkw);
                let r = self.call_native_from_code(&callee, args)?;
                *self.stack.get_mut(abs) = r;
                Ok(CallOutcome::Done)
            }
            Kind::Type => {
                let args = self.take_args(first, nargs, kwnames, nkw);
                self.call_class(fi, &callee, abs, args)
            }
            Kind::BoundMethod => {
                let bm = callee.downcast::<BoundMethod>().unwrap();
                let (func, recv) = (bm.func.clone(), bm.receiver.clone());
                let mut args = self.take_args(first, nargs, kwnames, nkw);
                args.pos.insert(0, recv);
                if let Value::Obj(f) = &func {
                    if f.kind() == Kind::Function && !f.owns_cls() {
                        let caller_top = self.frames[fi].top();
                        return self.enter_function_args(
                            f,
                            args,
                            RetKind::Slot(abs),
                            caller_top.max(abs + 1),
                        );
                    }
                    if matches!(f.kind(), Kind::BuiltinFunction | Kind::MethodDescr) {
                        let r = self.call_native_from_code(f, args)?;
                        *self.stack.get_mut(abs) = r;
                        return Ok(CallOutcome::Done);
                    }
                }
                let r = self.call_value(&func, args)?;
                *self.stack.get_mut(abs) = r;
                Ok(CallOutcome::Done)
            }
            _ => {
                let args = self.take_args(first, nargs, kwnames, nkw);
                let r = self.call_value(&Value::Obj(callee), args)?;
                *self.stack.get_mut(abs) = r;
                Ok(CallOutcome::Done)
            }
        }
    }

    /// Moves `nargs` arguments starting at slot `first` into an `Args`.
    fn take_args(
        &mut self,
        first: usize,
        nargs: usize,
        kwnames: Option<&Value>,
        nkw: usize,
    ) -> Args {
        let npos = nargs - nkw;
        let mut args = Args::default();
        for i in 0..npos {
            args.pos.push(self.stack.take(first + i));
        }
        if let Some(Value::Obj(t)) = kwnames {
            if let Some(t) = t.downcast::<Tuple>() {
                for (j, name) in t.as_slice().iter().enumerate() {
                    let v = self.stack.take(first + npos + j);
                    if let Value::Obj(n) = name {
                        args.kw.push((n.clone(), v));
                    }
                }
            }
        }
        args
    }

    /// `CallEx`: callee at `abs`, args tuple at abs+1, kwargs dict or None at abs+2.
    pub(crate) fn call_ex_instr(&mut self, fi: usize, abs: usize) -> PyResult<CallOutcome> {
        let callee = self.stack.take(abs);
        let a = self.stack.take(abs + 1);
        let kw = self.stack.take(abs + 2);
        let mut args = Args::default();
        if let Value::Obj(t) = &a {
            if let Some(t) = t.downcast::<Tuple>() {
                args.pos.extend(t.as_slice().iter().cloned());
            }
        }
        if let Value::Obj(d) = &kw {
            if let Some(d) = d.downcast::<Dict>() {
                for (k, v) in d.items() {
                    if let Value::Obj(k) = k {
                        args.kw.push((k, v));
                    }
                }
            }
        }
        if let Value::Obj(f) = &callee {
            if f.kind() == Kind::Function && !f.owns_cls() {
                let caller_top = self.frames[fi].top();
                return self.enter_function_args(
                    f,
                    args,
                    RetKind::Slot(abs),
                    caller_top.max(abs + 1),
                );
            }
            if matches!(f.kind(), Kind::BuiltinFunction | Kind::MethodDescr) {
                let r = self.call_native_from_code(f, args)?;
                *self.stack.get_mut(abs) = r;
                return Ok(CallOutcome::Done);
            }
        }
        let r = self.call_value(&callee, args)?;
        *self.stack.get_mut(abs) = r;
        Ok(CallOutcome::Done)
    }

    /// Starts a Python function whose `nargs` arguments (the last `nkw` of
    /// them keywords named by `kwnames`) sit at slots `first..`.
    #[inline]
    pub(crate) fn enter_function(
        &mut self,
        func: &ObjRef,
        first: usize,
        nargs: usize,
        kwnames: Option<&Value>,
        nkw: usize,
        ret: RetKind,
        caller_top: usize,
    ) -> PyResult<CallOutcome> {
        let f = func.downcast::<Function>().unwrap();
        let code_obj = &f.code;
        // SAFETY: a function's code is always a Code object.
        let code: &Code = unsafe { code_obj.payload_unchecked::<Code>() };
        let simple = nkw == 0
            && nargs as u32 == code.argcount
            && code.kwonlyargcount == 0
            && code.flags & (CO_VARARGS | CO_VARKEYWORDS | crate::compile::code::CO_GENERATOR) == 0;
        if !simple {
            let args = self.take_args(first, nargs, kwnames, nkw);
            return self.enter_function_args(func, args, ret, caller_top);
        }
        let nregs = code.nregs as usize;
        if self.frames.len() + self.native_depth > self.recursion_limit {
            // Leave the arguments for the caller's frame to clean up.
            return Err(self.recursion_error("maximum recursion depth exceeded"));
        }
        if !self.stack.ensure(first + nregs) {
            return Err(
                self.recursion_error("maximum recursion depth exceeded (register stack full)")
            );
        }
        // Registers above the arguments may hold the caller's dead temporaries.
        let stale_end = (first + nregs).min(caller_top);
        if first + nargs < stale_end {
            self.stack.clear_range(first + nargs, stale_end);
        }
        self.push_frame(func, f, code, first, ret);
        Ok(CallOutcome::Pushed)
    }

    /// Pushes the frame of `func` at `base` (arguments already bound) and
    /// raises the `call` event.
    #[inline]
    fn push_frame(&mut self, func: &ObjRef, f: &Function, code: &Code, base: usize, ret: RetKind) {
        if let Some(cl) = &f.closure {
            if let Some(t) = cl.downcast::<Tuple>() {
                let fb = base + code.free_base as usize;
                for (i, c) in t.as_slice().iter().enumerate() {
                    *self.stack.get_mut(fb + i) = c.clone();
                }
            }
        }
        self.push_frame_raw(Frame {
            code: f.code.clone(),
            code_ptr: code as *const Code,
            func: Some(func.clone()),
            globals: f.globals.clone(),
            builtins: f.builtins.clone(),
            locals: None,
            base,
            pc: 0,
            ret,
            exc_base: self.exc_stack.len(),
            frame_obj: None,
            gen: None,
            trace_line: 0,
            trace_pc: 0,
        });
        if self.hooks.active() {
            self.hook_call_event();
        }
    }

    /// Starts a Python function with already collected arguments: binds
    /// them (raising TypeError on mismatch), then pushes a frame at the top of
    /// the stack, or creates a generator.
    pub(crate) fn enter_function_args(
        &mut self,
        func: &ObjRef,
        args: Args,
        ret: RetKind,
        top: usize,
    ) -> PyResult<CallOutcome> {
        let f = func.downcast::<Function>().unwrap();
        let code: &Code = unsafe { f.code.payload_unchecked::<Code>() };
        let locals = self.bind_args(func, f, code, args)?;
        if code.is_generator() {
            let g = self.new_generator(func, f, code, locals);
            let v = Value::Obj(g);
            return match ret {
                RetKind::Slot(s) => {
                    *self.stack.get_mut(s) = v;
                    Ok(CallOutcome::Done)
                }
                RetKind::Native => Ok(CallOutcome::Immediate(v)),
                RetKind::Init { .. } | RetKind::ForIter { .. } => {
                    Err(self.type_error("__init__() should return None, not 'generator'"))
                }
            };
        }
        if self.frames.len() + self.native_depth > self.recursion_limit {
            return Err(self.recursion_error("maximum recursion depth exceeded"));
        }
        let nregs = code.nregs as usize;
        let base = top;
        if !self.stack.ensure(base + nregs) {
            return Err(
                self.recursion_error("maximum recursion depth exceeded (register stack full)")
            );
        }
        for (i, v) in locals.into_iter().enumerate() {
            *self.stack.get_mut(base + i) = v;
        }
        self.push_frame(func, f, code, base, ret);
        Ok(CallOutcome::Pushed)
    }

    /// Binds call arguments to parameters, CPython-style. Returns the values
    /// of the first `total_params` locals.
    pub(crate) fn bind_args(
        &mut self,
        func: &ObjRef,
        f: &Function,
        code: &Code,
        args: Args,
    ) -> PyResult<Vec<Value>> {
        let nparams = code.argcount as usize;
        let nkwonly = code.kwonlyargcount as usize;
        let total = code.total_params();
        let mut out: Vec<Value> = vec![Value::Undef; total];
        let fname = self.func_qualname(f);
        let mut pos = args.pos.into_vec();
        let has_varargs = code.flags & CO_VARARGS != 0;
        let has_varkw = code.flags & CO_VARKEYWORDS != 0;
        let varargs_idx = nparams + nkwonly;
        let varkw_idx = varargs_idx + has_varargs as usize;
        if pos.len() > nparams {
            if has_varargs {
                let extra = pos.split_off(nparams);
                out[varargs_idx] = Value::Obj(self.new_tuple(extra));
            } else {
                let ndef = f
                    .defaults
                    .borrow()
                    .as_ref()
                    .and_then(|d| d.downcast::<Tuple>().map(|t| t.len()))
                    .unwrap_or(0);
                let given = pos.len();
                let kwgiven = args.kw.len();
                let takes = if ndef > 0 {
                    format!(
                        "from {} to {} positional arguments",
                        nparams - ndef,
                        nparams
                    )
                } else {
                    format!(
                        "{} positional argument{}",
                        nparams,
                        if nparams == 1 { "" } else { "s" }
                    )
                };
                let msg = if kwgiven > 0 {
                    format!(
                        "{}() takes {} but {} positional argument{} (and {} keyword-only argument{}) were given",
                        fname, takes, given, if given == 1 { "" } else { "s" }, kwgiven, if kwgiven == 1 { "" } else { "s" }
                    )
                } else {
                    format!(
                        "{}() takes {} but {} {} given",
                        fname,
                        takes,
                        given,
                        if given == 1 { "was" } else { "were" }
                    )
                };
                return Err(self.type_error(msg));
            }
        } else if has_varargs {
            out[varargs_idx] = Value::Obj(self.empty_tuple.clone());
        }
        let npos = pos.len();
        for (i, v) in pos.into_iter().enumerate() {
            out[i] = v;
        }
        let kwdict = if has_varkw {
            Some(self.new_dict())
        } else {
            None
        };
        let posonly = code.posonlyargcount as usize;
        let mut posonly_as_kw: Vec<String> = Vec::new();
        for (name, v) in args.kw {
            let n = str_of(&name).unwrap_or("");
            let idx = code.varnames[..nparams + nkwonly]
                .iter()
                .position(|p| p.is(&name) || str_of(p) == Some(n));
            match idx {
                Some(i) if i >= posonly => {
                    if !out[i].is_undef() {
                        return Err(self.type_error(format!(
                            "{fname}() got multiple values for argument '{n}'"
                        )));
                    }
                    out[i] = v;
                }
                _ => {
                    if let Some(d) = &kwdict {
                        self.dict_set(d, Value::Obj(name.clone()), v)?;
                    } else if idx.is_some() {
                        posonly_as_kw.push(n.to_string());
                    } else {
                        return Err(self.type_error(format!(
                            "{fname}() got an unexpected keyword argument '{n}'"
                        )));
                    }
                }
            }
        }
        if !posonly_as_kw.is_empty() {
            return Err(self.type_error(format!(
                "{fname}() got some positional-only arguments passed as keyword arguments: '{}'",
                posonly_as_kw.join(", ")
            )));
        }
        if let Some(d) = kwdict {
            out[varkw_idx] = Value::Obj(d);
        }
        // Defaults for missing positional parameters.
        if npos < nparams {
            let defaults: Vec<Value> = f
                .defaults
                .borrow()
                .as_ref()
                .and_then(|d| d.downcast::<Tuple>().map(|t| t.as_slice().to_vec()))
                .unwrap_or_default();
            let first_default = nparams - defaults.len().min(nparams);
            let mut missing = Vec::new();
            for i in npos..nparams {
                if out[i].is_undef() {
                    if i >= first_default {
                        out[i] = defaults[i - first_default].clone();
                    } else {
                        missing.push(str_of(&code.varnames[i]).unwrap_or("").to_string());
                    }
                }
            }
            if !missing.is_empty() {
                return Err(self.type_error(missing_msg(&fname, "positional", &missing)));
            }
        }
        if nkwonly > 0 {
            let kwdefaults = f.kwdefaults.borrow().clone();
            let mut missing = Vec::new();
            for (i, slot) in out
                .iter_mut()
                .enumerate()
                .take(nparams + nkwonly)
                .skip(nparams)
            {
                if slot.is_undef() {
                    let found = kwdefaults.as_ref().and_then(|d| {
                        d.downcast::<Dict>()
                            .and_then(|d| d.get_str(&code.varnames[i]))
                    });
                    match found {
                        Some(v) => *slot = v,
                        None => missing.push(str_of(&code.varnames[i]).unwrap_or("").to_string()),
                    }
                }
            }
            if !missing.is_empty() {
                return Err(self.type_error(missing_msg(&fname, "keyword-only", &missing)));
            }
        }
        let _ = func;
        Ok(out)
    }

    pub(crate) fn func_qualname(&self, f: &Function) -> String {
        str_of(&f.qualname.borrow()).unwrap_or("?").to_string()
    }

    /// The common call in one step: `callee` is a plain Python function
    /// without closure, called with exactly its positional parameters (in
    /// slots `first..first + nargs`); an installed hook gets its `call`
    /// event here. Pushes its frame and returns true; false leaves
    /// everything to `call_instr`.
    #[inline(always)]
    pub(crate) fn try_fast_call(
        &mut self,
        callee: &ObjRef,
        first: usize,
        nargs: usize,
        ret_slot: usize,
    ) -> bool {
        if callee.kind() != Kind::Function || callee.owns_cls() {
            return false;
        }
        // SAFETY: the kind was checked just above.
        let f = unsafe { callee.payload_unchecked::<Function>() };
        // SAFETY: a function's code is always a Code object.
        let code: &Code = unsafe { f.code.payload_unchecked::<Code>() };
        if nargs as u32 != code.argcount
            || code.kwonlyargcount != 0
            || code.flags & (CO_VARARGS | CO_VARKEYWORDS | crate::compile::code::CO_GENERATOR) != 0
            || f.closure.is_some()
            || self.frames.len() + self.native_depth > self.recursion_limit
        {
            return false;
        }
        let nregs = code.nregs as usize;
        if !self.stack.ensure(first + nregs) {
            return false;
        }
        // Registers above the arguments may hold the caller's dead
        // temporaries: the callee's locals must start unbound.
        let caller_top = self.frames.last().map(|fr| fr.top()).unwrap_or(0);
        let stale_end = (first + nregs).min(caller_top);
        if first + nargs < stale_end {
            self.stack.clear_range(first + nargs, stale_end);
        }
        self.push_frame_raw(Frame {
            code: f.code.clone(),
            code_ptr: code as *const Code,
            func: Some(callee.clone()),
            globals: f.globals.clone(),
            builtins: f.builtins.clone(),
            locals: None,
            base: first,
            pc: 0,
            ret: RetKind::Slot(ret_slot),
            exc_base: self.exc_stack.len(),
            frame_obj: None,
            gen: None,
            trace_line: 0,
            trace_pc: 0,
        });
        if self.hooks.active() {
            self.hook_call_event();
        }
        true
    }

    /// The common return in one step: the frame returns into a register of
    /// its caller, with no Python-level hook, frame object, generator or
    /// handled exception to tidy up. `Err(v)` hands the value back for the
    /// general path (`return_from_frame`).
    #[inline(always)]
    pub(crate) fn try_fast_return(&mut self, v: Value, entry: usize) -> Result<(), Value> {
        let n = self.frames.len();
        let Some(fr) = self.frames.last() else {
            return Err(v);
        };
        let slot = match fr.ret {
            RetKind::Slot(s) => s,
            _ => return Err(v),
        };
        if n <= entry + 1
            || self.hooks.python_active()
            || fr.frame_obj.is_some()
            || fr.gen.is_some()
            || self.exc_stack.len() != fr.exc_base
        {
            return Err(v);
        }
        let (base, top) = (fr.base, fr.top());
        if self.hooks.active() {
            self.hook_return_event(&v);
        }
        let frame = self.frames.pop();
        self.stack.clear_range(base, top);
        *self.stack.get_mut(slot) = v;
        drop(frame);
        Ok(())
    }

    /// Pops the current frame after `return`, delivering `v`.
    pub(crate) fn return_from_frame(&mut self, v: Value, entry: usize) -> PyResult<Next> {
        if self.hooks.active() {
            self.hook_return_event(&v);
        }
        let frame = self.frames.pop().expect("frame");
        // A frame object outliving the frame snapshots the locals first.
        if let Some(fo) = &frame.frame_obj {
            self.detach_frame_object(fo, &frame);
        }
        let top = frame.top();
        self.stack.clear_range(frame.base, top);
        self.exc_stack.truncate(frame.exc_base);
        if let Some(g) = &frame.gen {
            self.generator_finished(g);
        }
        let depth = self.frames.len();
        match frame.ret {
            // A generator's caller tells a return from a yield by the
            // generator's state (Closed now).
            RetKind::Native => Ok(Next::Return(v)),
            RetKind::Slot(s) => {
                *self.stack.get_mut(s) = v;
                debug_assert!(depth > entry);
                Ok(Next::Continue)
            }
            RetKind::ForIter { iter, exit, .. } => {
                let old = self.stack.take(iter);
                drop(old);
                self.frames.last_mut().unwrap().pc = exit as usize;
                Ok(Next::Continue)
            }
            RetKind::Init { slot, instance } => {
                if !v.is_none() {
                    let t = self.type_name(&v);
                    return Err(
                        self.type_error(format!("__init__() should return None, not '{t}'"))
                    );
                }
                *self.stack.get_mut(slot) = Value::Obj(instance);
                Ok(Next::Continue)
            }
        }
    }

    /// Calls a native function or method descriptor.
    pub(crate) fn call_native(&mut self, callee: &ObjRef, mut args: Args) -> PyResult<Value> {
        if let Some(b) = callee.downcast::<BuiltinFunction>() {
            if let Some(recv) = &b.bound {
                args.pos.insert(0, recv.clone());
            }
            (b.func)(self, args)
        } else if let Some(m) = callee.downcast::<MethodDescr>() {
            self.call_method_descr(m, args)
        } else {
            unreachable!("call_native on a non-native callable")
        }
    }

    /// A native call made by a call instruction: the only place that raises
    /// `c_call`/`c_return`/`c_exception` (calls that native code makes
    /// internally raise none, as in CPython).
    pub(crate) fn call_native_from_code(&mut self, callee: &ObjRef, args: Args) -> PyResult<Value> {
        if !self.hooks.active() {
            return self.call_native(callee, args);
        }
        let recv = args.pos.first().cloned();
        self.hook_c_event("c_call", callee, recv.as_ref());
        let r = self.call_native(callee, args);
        match &r {
            Ok(_) => self.hook_c_event("c_return", callee, recv.as_ref()),
            Err(_) => self.hook_c_event("c_exception", callee, recv.as_ref()),
        }
        r
    }

    fn call_method_descr(&mut self, m: &MethodDescr, mut args: Args) -> PyResult<Value> {
        match m.kind {
            MethodKind::Instance => {
                let owner = m.owner.clone();
                let ok = match args.pos.first() {
                    Some(s) => self.isinstance(s, &owner),
                    None => false,
                };
                if !ok {
                    let tn = owner
                        .downcast::<TypeObj>()
                        .map(|t| t.name())
                        .unwrap_or_default();
                    let msg = match args.pos.first() {
                        Some(s) => format!(
                            "descriptor '{}' for '{}' objects doesn't apply to a '{}' object",
                            m.name,
                            tn,
                            self.type_name(s)
                        ),
                        None => format!("unbound method {}.{}() needs an argument", tn, m.name),
                    };
                    return Err(self.type_error(msg));
                }
                (m.func)(self, args)
            }
            MethodKind::Class => {
                args.pos.insert(0, Value::Obj(m.owner.clone()));
                (m.func)(self, args)
            }
            MethodKind::Static => (m.func)(self, args),
        }
    }

    /// Calls any callable from Rust code, running Python frames to completion.
    pub fn call_value(&mut self, f: &Value, args: Args) -> PyResult<Value> {
        let callee = match f {
            Value::Obj(o) => o.clone(),
            other => {
                let name = self.type_name(other);
                return Err(self.type_error(format!("'{name}' object is not callable")));
            }
        };
        match callee.kind() {
            Kind::Function if !callee.owns_cls() => self.run_function(&callee, args),
            Kind::BuiltinFunction | Kind::MethodDescr => self.call_native(&callee, args),
            Kind::BoundMethod => {
                let bm = callee.downcast::<BoundMethod>().unwrap();
                let (func, recv) = (bm.func.clone(), bm.receiver.clone());
                let mut args = args;
                args.pos.insert(0, recv);
                self.call_value(&func, args)
            }
            Kind::Type => self.call_type_native(&callee, args),
            _ => {
                let call =
                    self.lookup_special(&Value::Obj(callee.clone()), &self.names.call.clone());
                match call {
                    Some(m) => {
                        let mut args = args;
                        args.pos.insert(0, Value::Obj(callee));
                        self.call_value(&m, args)
                    }
                    None => {
                        let name = self.type_name(f);
                        Err(self.type_error(format!("'{name}' object is not callable")))
                    }
                }
            }
        }
    }

    /// Convenience: call with positional arguments.
    pub fn call(&mut self, f: &Value, pos: Vec<Value>) -> PyResult<Value> {
        self.call_value(f, Args::new(pos))
    }

    /// Runs a Python function to completion from Rust (a nested dispatch loop).
    pub(crate) fn run_function(&mut self, func: &ObjRef, args: Args) -> PyResult<Value> {
        self.check_native_stack()?;
        let top = self.stack_top();
        if args.kw.is_empty() {
            if let Some((f, code)) = self.fits_exact_positional(func, args.pos.len(), top) {
                for (i, v) in args.pos.into_iter().enumerate() {
                    *self.stack.get_mut(top + i) = v;
                }
                self.push_frame(func, f, code, top, RetKind::Native);
                return self.run_pushed();
            }
        }
        match self.enter_function_args(func, args, RetKind::Native, top)? {
            CallOutcome::Pushed => {}
            CallOutcome::Immediate(v) => return Ok(v),
            CallOutcome::Done => unreachable!("native entry delivers no slot"),
        }
        self.native_depth += 1;
        let entry = self.frames.len() - 1;
        let r = self.run(entry);
        self.native_depth -= 1;
        r
    }

    /// Calls `f` with `N` positional arguments from Rust (hooks, callbacks):
    /// a plain Python function taking exactly them (or a method of one,
    /// with its receiver first) gets them moved straight into its
    /// registers, with no argument list and no `bind_args`.
    pub(crate) fn call_positional<const N: usize>(
        &mut self,
        f: &Value,
        args: [Value; N],
    ) -> PyResult<Value> {
        if let Value::Obj(callee) = f {
            self.check_native_stack()?;
            let top = self.stack_top();
            // (the function, the receiver of a bound method)
            let target = match callee.kind() {
                Kind::Function => Some((callee, None)),
                Kind::BoundMethod => {
                    // SAFETY: the kind was checked just above.
                    let bm = unsafe { callee.payload_unchecked::<BoundMethod>() };
                    match &bm.func {
                        Value::Obj(func) => Some((func, Some(&bm.receiver))),
                        _ => None,
                    }
                }
                _ => None,
            };
            if let Some((func, recv)) = target {
                let first = top + recv.is_some() as usize;
                if let Some((fun, code)) = self.fits_exact_positional(func, first - top + N, top) {
                    if let Some(r) = recv {
                        *self.stack.get_mut(top) = r.clone();
                    }
                    let args = std::mem::ManuallyDrop::new(args);
                    for i in 0..N {
                        // SAFETY: each element is read exactly once and the
                        // array is never dropped (ManuallyDrop): a move out.
                        let v = unsafe { std::ptr::read(&args[i]) };
                        *self.stack.get_mut(first + i) = v;
                    }
                    self.push_frame(func, fun, code, top, RetKind::Native);
                    return self.run_pushed();
                }
            }
        }
        self.call_value(
            f,
            Args {
                pos: args.into_iter().collect(),
                kw: Vec::new(),
            },
        )
    }

    /// Runs the frame just pushed (with `RetKind::Native`) to completion.
    fn run_pushed(&mut self) -> PyResult<Value> {
        self.native_depth += 1;
        let entry = self.frames.len() - 1;
        let r = self.run(entry);
        self.native_depth -= 1;
        r
    }

    /// Whether `func` is a plain function taking exactly `n` positional
    /// arguments that can be pushed at `base` (the register window is
    /// reserved); then its payload and code. The registers above every
    /// frame are unbound, so the caller only writes the arguments.
    #[inline]
    fn fits_exact_positional<'a>(
        &mut self,
        func: &'a ObjRef,
        n: usize,
        base: usize,
    ) -> Option<(&'a Function, &'a Code)> {
        if func.kind() != Kind::Function || func.owns_cls() {
            return None;
        }
        // SAFETY: the kind was checked just above.
        let f = unsafe { func.payload_unchecked::<Function>() };
        // SAFETY: a function's code is always a Code object.
        let code: &Code = unsafe { f.code.payload_unchecked::<Code>() };
        if n as u32 != code.argcount
            || code.kwonlyargcount != 0
            || code.flags & (CO_VARARGS | CO_VARKEYWORDS | crate::compile::code::CO_GENERATOR) != 0
            || self.frames.len() + self.native_depth > self.recursion_limit
            || !self.stack.ensure(base + code.nregs as usize)
        {
            return None;
        }
        Some((f, code))
    }

    /// First free slot above the current frame.
    pub(crate) fn stack_top(&self) -> usize {
        match self.frames.last() {
            Some(f) => f.top(),
            None => 0,
        }
    }

    /// `MakeFunction`.
    pub(crate) fn make_function_instr(
        &mut self,
        fi: usize,
        code: &Value,
        defaults: Value,
        kwdefaults: Value,
        closure: Value,
        _annotations: Value,
    ) -> PyResult<ObjRef> {
        let code = code.as_obj().cloned().expect("code constant");
        let (globals, builtins) = {
            let f = &self.frames[fi];
            (f.globals.clone(), f.builtins.clone())
        };
        let c = code.downcast::<Code>().unwrap();
        let name = c.name.clone();
        let qualname = c.qualname.clone();
        let doc = c.doc.clone();
        let module = globals
            .downcast::<Dict>()
            .and_then(|d| d.get_str(&self.names.name))
            .unwrap_or(Value::None);
        let f = Function {
            code,
            globals,
            builtins,
            name: std::cell::RefCell::new(name),
            qualname: std::cell::RefCell::new(qualname),
            defaults: std::cell::RefCell::new(defaults.into_obj()),
            kwdefaults: std::cell::RefCell::new(kwdefaults.into_obj()),
            closure: closure.into_obj(),
            doc: std::cell::RefCell::new(doc),
            module: std::cell::RefCell::new(module),
            dict: std::cell::RefCell::new(None),
            annotations: std::cell::RefCell::new(None),
        };
        let t = self.types.function.clone();
        Ok(self.alloc(&t, f))
    }

    pub(crate) fn new_cell(&mut self, v: Value) -> ObjRef {
        let t = self.types.cell.clone();
        self.alloc(
            &t,
            CellObj {
                value: std::cell::RefCell::new(v),
            },
        )
    }

    /// The builtin `__build_class__`.
    pub(crate) fn build_class_fn(&mut self) -> Value {
        let bc = self.intern("__build_class__");
        self.builtins
            .downcast::<Dict>()
            .and_then(|d| d.get_str(&bc))
            .unwrap_or(Value::None)
    }

    /// Runs a code object (module body, exec) with the given namespaces.
    pub fn run_code(
        &mut self,
        code: &ObjRef,
        globals: &ObjRef,
        locals: Option<ObjRef>,
    ) -> PyResult<Value> {
        self.check_native_stack()?;
        let c: &Code = code.downcast::<Code>().expect("code object");
        let builtins = self.builtins_for(globals);
        let base = self.stack_top();
        let nregs = c.nregs as usize;
        if self.frames.len() + self.native_depth > self.recursion_limit {
            return Err(self.recursion_error("maximum recursion depth exceeded"));
        }
        if !self.stack.ensure(base + nregs) {
            return Err(self.recursion_error("maximum recursion depth exceeded"));
        }
        self.push_frame_raw(Frame {
            code: code.clone(),
            code_ptr: c as *const Code,
            func: None,
            globals: globals.clone(),
            builtins,
            locals: Some(locals.unwrap_or_else(|| globals.clone())),
            base,
            pc: 0,
            ret: RetKind::Native,
            exc_base: self.exc_stack.len(),
            frame_obj: None,
            gen: None,
            trace_line: 0,
            trace_pc: 0,
        });
        if self.hooks.active() {
            self.hook_call_event();
        }
        self.native_depth += 1;
        let entry = self.frames.len() - 1;
        let r = self.run(entry);
        self.native_depth -= 1;
        r
    }

    /// The builtins dict for code running with `globals`.
    pub(crate) fn builtins_for(&mut self, globals: &ObjRef) -> ObjRef {
        let b = globals
            .downcast::<Dict>()
            .and_then(|d| d.get_str(&self.names.builtins));
        match b {
            Some(Value::Obj(o)) if o.kind() == Kind::Dict => o,
            Some(Value::Obj(o)) if o.kind() == Kind::Module => o
                .downcast::<crate::object::module::Module>()
                .map(|m| m.dict.clone())
                .unwrap_or_else(|| self.builtins.clone()),
            _ => self.builtins.clone(),
        }
    }
}

fn missing_msg(fname: &str, kind: &str, names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    let list = match quoted.len() {
        1 => quoted[0].clone(),
        2 => format!("{} and {}", quoted[0], quoted[1]),
        _ => {
            let (last, rest) = quoted.split_last().unwrap();
            format!("{}, and {}", rest.join(", "), last)
        }
    };
    format!(
        "{}() missing {} required {} argument{}: {}",
        fname,
        names.len(),
        kind,
        if names.len() == 1 { "" } else { "s" },
        list
    )
}
