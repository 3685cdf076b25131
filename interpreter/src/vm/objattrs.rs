//! Attributes that builtin objects expose without a class-dict entry:
//! `f.__name__`, `code.co_filename`, `frame.f_lineno`, `tb.tb_next`,
//! `e.args`, `range.start`, `cls.__mro__`, ... and their setters; plus
//! `dir()`. (CPython implements these as getset/member descriptors.)

use crate::compile::code::Code;
use crate::object::dict::Dict;
use crate::object::function::{
    BoundMethod, BuiltinFunction, CellObj, ClassMethod, Function, MethodDescr, Property,
    StaticMethod,
};
use crate::object::instance::inst_ext;
use crate::object::kind::Kind;
use crate::object::module::Module;
use crate::object::range::{Range, Slice};
use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::tuple::Tuple;
use crate::object::typeobj::TypeObj;
use crate::object::value::Value;
use crate::vm::arith::{as_num, Num};
use crate::vm::frameobj::{FrameObj, Traceback};
use crate::vm::unwind::exc_base;
use crate::vm::{PyResult, Vm};

impl Vm {
    fn strs(&mut self, v: &[ObjRef]) -> Value {
        let items: Vec<Value> = v.iter().map(|o| Value::Obj(o.clone())).collect();
        Value::Obj(self.new_tuple(items))
    }

    /// A builtin attribute of object `o` (None when it has none by that name).
    pub(crate) fn builtin_attr(&mut self, o: &ObjRef, name: &ObjRef) -> PyResult<Option<Value>> {
        let Some(n) = str_of(name) else {
            return Ok(None);
        };
        match n {
            "__class__" => return Ok(Some(Value::Obj(o.class()))),
            "__dict__" => {
                if let Some(ext) = inst_ext(o) {
                    let has_dict =
                        self.type_flags(&o.class()) & crate::object::typeobj::TF_HAS_DICT != 0;
                    if has_dict {
                        // The dict escapes: Python code may add any key.
                        Self::mark_shadowed(&o.class());
                        let d = {
                            let mut slot = ext.dict.borrow_mut();
                            if slot.is_none() {
                                *slot = Some(self.new_dict());
                            }
                            slot.clone().unwrap()
                        };
                        return Ok(Some(Value::Obj(d)));
                    }
                }
            }
            _ => {}
        }
        Ok(match o.kind() {
            Kind::Function if !o.owns_cls() => {
                let f = o.downcast::<Function>().unwrap();
                self.function_attr(f, n)
            }
            Kind::BuiltinFunction => {
                let b = o.downcast::<BuiltinFunction>().unwrap();
                match n {
                    "__name__" => Some(self.str_val(b.name)),
                    "__qualname__" => {
                        let q = match (&b.bound, b.is_method) {
                            (Some(r), true) => {
                                let r = r.clone();
                                let t = if let Value::Obj(ro) = &r {
                                    if ro.kind() == Kind::Type {
                                        self.type_display_name(ro)
                                    } else {
                                        self.type_name(&r)
                                    }
                                } else {
                                    self.type_name(&r)
                                };
                                format!("{t}.{}", b.name)
                            }
                            _ => b.name.to_string(),
                        };
                        Some(self.str_val(&q))
                    }
                    "__self__" => Some(match &b.bound {
                        Some(v) => v.clone(),
                        None => match b.module {
                            Some(m) => {
                                let m = self.import_module(m).ok();
                                m.map(Value::Obj).unwrap_or(Value::None)
                            }
                            None => Value::None,
                        },
                    }),
                    "__module__" => Some(match b.module {
                        Some(m) => self.str_val(m),
                        None => Value::None,
                    }),
                    "__doc__" => Some(Value::None),
                    _ => None,
                }
            }
            Kind::MethodDescr => {
                let m = o.downcast::<MethodDescr>().unwrap();
                match n {
                    "__name__" => Some(self.str_val(m.name)),
                    "__qualname__" => {
                        let t = self.type_display_name(&m.owner);
                        Some(self.str_val(&format!("{t}.{}", m.name)))
                    }
                    "__objclass__" => Some(Value::Obj(m.owner.clone())),
                    "__doc__" => Some(Value::None),
                    _ => None,
                }
            }
            Kind::BoundMethod => {
                let bm = o.downcast::<BoundMethod>().unwrap();
                let (f, r) = (bm.func.clone(), bm.receiver.clone());
                match n {
                    "__func__" => Some(f),
                    "__self__" => Some(r),
                    _ => self.get_attr_opt(&f, name)?,
                }
            }
            Kind::Code => {
                let c = o.downcast::<Code>().unwrap();
                match n {
                    "co_name" => Some(Value::Obj(c.name.clone())),
                    "co_qualname" => Some(Value::Obj(c.qualname.clone())),
                    "co_filename" => Some(Value::Obj(c.filename.clone())),
                    "co_firstlineno" => Some(Value::Int(c.firstlineno as i64)),
                    "co_argcount" => Some(Value::Int(c.argcount as i64)),
                    "co_posonlyargcount" => Some(Value::Int(c.posonlyargcount as i64)),
                    "co_kwonlyargcount" => Some(Value::Int(c.kwonlyargcount as i64)),
                    "co_nlocals" => Some(Value::Int(c.nlocals as i64)),
                    "co_flags" => Some(Value::Int(c.flags as i64)),
                    "co_stacksize" => Some(Value::Int(c.nregs as i64)),
                    "co_varnames" => {
                        let v = c.varnames.to_vec();
                        Some(self.strs(&v))
                    }
                    "co_cellvars" => {
                        let v = c.cellvars.to_vec();
                        Some(self.strs(&v))
                    }
                    "co_freevars" => {
                        let v = c.freevars.to_vec();
                        Some(self.strs(&v))
                    }
                    "co_names" => {
                        let v = c.names.to_vec();
                        Some(self.strs(&v))
                    }
                    "co_consts" => {
                        let mut v = vec![c.doc.clone()];
                        v.extend(c.consts.iter().cloned());
                        Some(Value::Obj(self.new_tuple(v)))
                    }
                    "co_code" => {
                        let b = vec![0u8; c.instrs.len() * 2];
                        Some(Value::Obj(self.new_bytes(b)))
                    }
                    _ => None,
                }
            }
            Kind::Frame => {
                let f = o.downcast::<FrameObj>().unwrap();
                match n {
                    "f_code" => Some(Value::Obj(f.code.clone())),
                    "f_lineno" => Some(Value::Int(self.frame_lineno(o) as i64)),
                    "f_lasti" => {
                        let lasti = match f.live.get() {
                            Some(i) if i < self.frames.len() => self.frames[i].lasti(),
                            _ => f.lasti.get(),
                        };
                        Some(Value::Int(lasti as i64 * 2))
                    }
                    "f_back" => Some(self.frame_back(o)),
                    "f_locals" => Some(self.frame_locals(o)),
                    "f_globals" => Some(Value::Obj(f.globals.clone())),
                    "f_builtins" => Some(Value::Obj(f.builtins.clone())),
                    "f_trace" => Some(f.trace.borrow().clone()),
                    "f_trace_lines" => Some(Value::Bool(f.trace_lines.get())),
                    "f_trace_opcodes" => Some(Value::Bool(f.trace_opcodes.get())),
                    _ => None,
                }
            }
            Kind::Traceback => {
                let t = o.downcast::<Traceback>().unwrap();
                match n {
                    "tb_frame" => Some(Value::Obj(t.frame.clone())),
                    "tb_lineno" => Some(Value::Int(t.lineno as i64)),
                    "tb_lasti" => Some(Value::Int(t.lasti as i64 * 2)),
                    "tb_next" => Some(t.next.clone()),
                    _ => None,
                }
            }
            Kind::Exception => {
                let e = exc_base(o).unwrap();
                match n {
                    "args" => Some(Value::Obj(e.args.borrow().clone())),
                    "__traceback__" => Some(e.traceback.borrow().clone()),
                    "__cause__" => Some(e.cause.borrow().clone()),
                    "__context__" => Some(e.context.borrow().clone()),
                    "__suppress_context__" => Some(Value::Bool(e.suppress_context.get())),
                    "value" | "code" | "errno" | "strerror" | "filename" | "filename2" | "name"
                    | "path" | "msg" | "lineno" | "offset" | "text" | "end_lineno"
                    | "end_offset" | "obj" => self.exception_default_attr(o, n),
                    _ => None,
                }
            }
            Kind::Range => {
                let r = o.downcast::<Range>().unwrap();
                let (start, stop, step) = crate::modules::types::range_big::bounds_of(r);
                match n {
                    "start" => Some(self.new_bigint(start)),
                    "stop" => Some(self.new_bigint(stop)),
                    "step" => Some(self.new_bigint(step)),
                    _ => None,
                }
            }
            Kind::Slice => {
                let s = o.downcast::<Slice>().unwrap();
                match n {
                    "start" => Some(s.start.clone()),
                    "stop" => Some(s.stop.clone()),
                    "step" => Some(s.step.clone()),
                    _ => None,
                }
            }
            Kind::Property => {
                let p = o.downcast::<Property>().unwrap();
                match n {
                    "fget" => Some(p.fget.borrow().clone()),
                    "fset" => Some(p.fset.borrow().clone()),
                    "fdel" => Some(p.fdel.borrow().clone()),
                    "__doc__" => Some(p.doc.borrow().clone()),
                    "__isabstractmethod__" => Some(Value::Bool(false)),
                    _ => None,
                }
            }
            Kind::StaticMethod | Kind::ClassMethod => {
                let f = match o.kind() {
                    Kind::StaticMethod => o.downcast::<StaticMethod>().unwrap().0.func(),
                    _ => o.downcast::<ClassMethod>().unwrap().0.func(),
                };
                match n {
                    "__func__" | "__wrapped__" => Some(f),
                    "__name__" | "__qualname__" | "__doc__" | "__module__" => {
                        self.get_attr_opt(&f, name)?
                    }
                    _ => None,
                }
            }
            Kind::Cell => {
                let c = o.downcast::<CellObj>().unwrap();
                match n {
                    "cell_contents" => {
                        let v = c.value.borrow().clone();
                        if v.is_undef() {
                            return Err(self.value_error("Cell is empty"));
                        }
                        Some(v)
                    }
                    _ => None,
                }
            }
            Kind::Generator => {
                let g = o.downcast::<crate::vm::generator::Generator>().unwrap();
                match n {
                    "__name__" => Some(Value::Obj(g.name.clone())),
                    "__qualname__" => Some(Value::Obj(g.qualname.clone())),
                    "gi_code" => Some(Value::Obj(g.code.clone())),
                    "gi_running" => Some(Value::Bool(
                        g.inner.borrow().state == crate::vm::generator::GenState::Running,
                    )),
                    "gi_frame" => {
                        let state = g.inner.borrow().state;
                        match state {
                            crate::vm::generator::GenState::Closed => Some(Value::None),
                            crate::vm::generator::GenState::Running => {
                                let idx = self
                                    .frames
                                    .iter()
                                    .rposition(|f| f.gen.as_ref().is_some_and(|x| x.is(o)));
                                idx.map(|i| Value::Obj(self.frame_object(i)))
                            }
                            _ => Some(self.suspended_gen_frame(o)),
                        }
                    }
                    "gi_yieldfrom" => Some(Value::None),
                    _ => None,
                }
            }
            Kind::Int | Kind::Float => match n {
                "real" => Some(match as_num(&Value::Obj(o.clone())) {
                    Some(Num::Float(f)) => Value::Float(f),
                    Some(Num::Int(i)) => Value::Int(i),
                    Some(Num::Big(b)) => self.new_bigint(b),
                    None => Value::None,
                }),
                "imag" => Some(if o.kind() == Kind::Float {
                    Value::Float(0.0)
                } else {
                    Value::Int(0)
                }),
                "numerator" if o.kind() == Kind::Int => match as_num(&Value::Obj(o.clone())) {
                    Some(Num::Int(i)) => Some(Value::Int(i)),
                    Some(Num::Big(b)) => Some(self.new_bigint(b)),
                    _ => None,
                },
                "denominator" if o.kind() == Kind::Int => Some(Value::Int(1)),
                _ => None,
            },
            Kind::Super => {
                let s = o.downcast::<crate::object::super_obj::SuperObj>().unwrap();
                match n {
                    "__self__" => Some(s.obj.clone()),
                    "__thisclass__" => Some(Value::Obj(s.this_type.clone())),
                    "__self_class__" => Some(Value::Obj(s.obj_type.clone())),
                    _ => None,
                }
            }
            Kind::Native => match self.native_getattr(o, n) {
                Some(r) => Some(r?),
                None => None,
            },
            _ => None,
        })
    }

    /// Attributes of builtin exception subclasses derived from `args`.
    fn exception_default_attr(&mut self, o: &ObjRef, name: &str) -> Option<Value> {
        let v = Value::Obj(o.clone());
        let args: Vec<Value> = exc_base(o)
            .and_then(|e| {
                e.args
                    .borrow()
                    .downcast::<Tuple>()
                    .map(|t| t.as_slice().to_vec())
            })
            .unwrap_or_default();
        let first = args.first().cloned().unwrap_or(Value::None);
        let is = |vm: &Vm, c: &ObjRef| vm.isinstance(&v, c);
        match name {
            "value" if is(self, &self.types.exc.stop_iteration) => Some(first),
            "code" if is(self, &self.types.exc.system_exit) => Some(match args.len() {
                0 => Value::None,
                1 => first,
                _ => Value::Obj(self.new_tuple(args)),
            }),
            "errno" if is(self, &self.types.exc.os_error) => {
                Some(if args.len() >= 2 { first } else { Value::None })
            }
            "strerror" if is(self, &self.types.exc.os_error) => Some(if args.len() >= 2 {
                args[1].clone()
            } else {
                Value::None
            }),
            "filename" | "filename2" if is(self, &self.types.exc.os_error) => Some(Value::None),
            "name" | "path" if is(self, &self.types.exc.import_error) => Some(Value::None),
            "name"
                if is(self, &self.types.exc.name_error)
                    || is(self, &self.types.exc.attribute_error) =>
            {
                Some(Value::None)
            }
            "obj" if is(self, &self.types.exc.attribute_error) => Some(Value::None),
            "msg" if is(self, &self.types.exc.syntax_error) => Some(first),
            "filename" | "lineno" | "offset" | "text" | "end_lineno" | "end_offset"
                if is(self, &self.types.exc.syntax_error) =>
            {
                let details = args.get(1).and_then(|d| {
                    d.as_obj()
                        .and_then(|t| t.downcast::<Tuple>().map(|t| t.as_slice().to_vec()))
                });
                let idx = match name {
                    "filename" => 0,
                    "lineno" => 1,
                    "offset" => 2,
                    "text" => 3,
                    "end_lineno" => 4,
                    _ => 5,
                };
                Some(
                    details
                        .and_then(|d| d.get(idx).cloned())
                        .unwrap_or(Value::None),
                )
            }
            _ => None,
        }
    }

    /// A module's `__name__` (or "?").
    pub(crate) fn module_name_of(&self, m: &ObjRef) -> String {
        m.downcast::<crate::object::module::Module>()
            .and_then(|md| {
                md.dict
                    .downcast::<crate::object::dict::Dict>()
                    .and_then(|d| d.get_str(&self.names.name))
            })
            .and_then(|v| v.as_obj().and_then(|s| str_of(s).map(|x| x.to_string())))
            .unwrap_or_else(|| "?".into())
    }

    /// Builtin attribute assignment (`f.__name__ = ...`, `e.__cause__ = ...`).
    pub(crate) fn builtin_setattr(
        &mut self,
        o: &ObjRef,
        name: &ObjRef,
        v: Option<Value>,
    ) -> PyResult<Option<()>> {
        let Some(n) = str_of(name) else {
            return Ok(None);
        };
        let n = n.to_string();
        match o.kind() {
            Kind::Module => {
                let d = o
                    .downcast::<crate::object::module::Module>()
                    .unwrap()
                    .dict
                    .clone();
                let dd = d.downcast::<crate::object::dict::Dict>().unwrap();
                match v {
                    Some(v) => dd.set_str(name, v),
                    None => {
                        if dd.del_str(name).is_none() {
                            let mn = self.module_name_of(o);
                            return Err(self
                                .attribute_error(format!("module '{mn}' has no attribute '{n}'")));
                        }
                    }
                }
                Ok(Some(()))
            }
            Kind::Function => {
                let f = o.downcast::<Function>().unwrap();
                let val = v.clone().unwrap_or(Value::None);
                match n.as_str() {
                    "__name__" | "__qualname__" => {
                        let s = match &val {
                            Value::Obj(s) if s.kind() == Kind::Str => s.clone(),
                            _ => {
                                return Err(
                                    self.type_error(format!("{n} must be set to a string object"))
                                )
                            }
                        };
                        if n == "__name__" {
                            f.name.replace(s);
                        } else {
                            f.qualname.replace(s);
                        }
                    }
                    "__doc__" => {
                        f.doc.replace(val);
                    }
                    "__module__" => {
                        f.module.replace(val);
                    }
                    "__defaults__" => {
                        f.defaults
                            .replace(val.into_obj().filter(|x| x.kind() == Kind::Tuple));
                    }
                    "__kwdefaults__" => {
                        f.kwdefaults
                            .replace(val.into_obj().filter(|x| x.kind() == Kind::Dict));
                    }
                    "__dict__" => {
                        f.dict.replace(val.into_obj());
                    }
                    _ => {
                        let d = {
                            let mut slot = f.dict.borrow_mut();
                            if slot.is_none() {
                                *slot = Some(self.new_dict());
                            }
                            slot.clone().unwrap()
                        };
                        match v {
                            Some(v) => d.downcast::<Dict>().unwrap().set_str(name, v),
                            None => {
                                if d.downcast::<Dict>().unwrap().del_str(name).is_none() {
                                    return Err(self.no_attribute(&Value::Obj(o.clone()), name));
                                }
                            }
                        }
                    }
                }
                Ok(Some(()))
            }
            Kind::Exception => {
                let e = exc_base(o).unwrap();
                let val = v.unwrap_or(Value::None);
                match n.as_str() {
                    "args" => {
                        let items = self.collect_iter(&val)?;
                        let t = self.new_tuple(items);
                        e.args.replace(t);
                    }
                    "__traceback__" => {
                        e.traceback.replace(val);
                    }
                    "__cause__" => {
                        e.cause.replace(val);
                        e.suppress_context.set(true);
                    }
                    "__context__" => {
                        e.context.replace(val);
                    }
                    "__suppress_context__" => {
                        let t = self.truthy(&val)?;
                        e.suppress_context.set(t);
                    }
                    _ => return Ok(None),
                }
                Ok(Some(()))
            }
            Kind::Frame => {
                let f = o.downcast::<FrameObj>().unwrap();
                let val = v.unwrap_or(Value::None);
                match n.as_str() {
                    "f_trace" => {
                        f.trace.replace(val);
                    }
                    "f_trace_lines" => {
                        let t = self.truthy(&val)?;
                        f.trace_lines.set(t);
                    }
                    "f_trace_opcodes" => {
                        let t = self.truthy(&val)?;
                        f.trace_opcodes.set(t);
                    }
                    _ => return Ok(None),
                }
                Ok(Some(()))
            }
            Kind::Cell => {
                let c = o.downcast::<CellObj>().unwrap();
                if n == "cell_contents" {
                    c.value.replace(v.unwrap_or(Value::Undef));
                    return Ok(Some(()));
                }
                Ok(None)
            }
            Kind::Property => {
                let p = o.downcast::<Property>().unwrap();
                if n == "__doc__" {
                    p.doc.replace(v.unwrap_or(Value::None));
                    return Ok(Some(()));
                }
                Ok(None)
            }
            Kind::Native => match self.native_setattr(o, &n, v) {
                Some(r) => r.map(Some),
                None => Ok(None),
            },
            _ => Ok(None),
        }
    }

    /// Attributes `type` gives every class.
    pub(crate) fn type_builtin_attr(
        &mut self,
        cls: &ObjRef,
        name: &ObjRef,
    ) -> PyResult<Option<Value>> {
        let Some(n) = str_of(name) else {
            return Ok(None);
        };
        let tp = cls.downcast::<TypeObj>().unwrap();
        Ok(match n {
            "__name__" => Some(self.str_val(&tp.name())),
            "__qualname__" => {
                let q = tp.qualname.borrow().clone();
                Some(self.str_val(&q))
            }
            "__module__" => {
                if tp.has(crate::object::typeobj::TF_HEAP) {
                    tp.dict
                        .downcast::<Dict>()
                        .unwrap()
                        .get_str(&self.names.module)
                } else {
                    let m = tp.module_name.borrow().clone();
                    Some(self.str_val(&m))
                }
            }
            "__bases__" => {
                let b: Vec<Value> = tp
                    .bases
                    .borrow()
                    .iter()
                    .map(|x| Value::Obj(x.clone()))
                    .collect();
                Some(Value::Obj(self.new_tuple(b)))
            }
            "__base__" => Some(
                tp.bases
                    .borrow()
                    .first()
                    .map(|b| Value::Obj(b.clone()))
                    .unwrap_or(Value::None),
            ),
            "__mro__" => {
                let b: Vec<Value> = tp
                    .mro
                    .borrow()
                    .iter()
                    .map(|x| Value::Obj(x.clone()))
                    .collect();
                Some(Value::Obj(self.new_tuple(b)))
            }
            "__dict__" => Some(Value::Obj(tp.dict.clone())),
            "__class__" => Some(Value::Obj(cls.class())),
            "__doc__" => {
                let d = tp.dict.downcast::<Dict>().unwrap().get_str(&self.names.doc);
                Some(d.unwrap_or(Value::None))
            }
            _ => None,
        })
    }

    /// `dir(v)`: sorted attribute names.
    pub fn dir_of(&mut self, v: &Value) -> PyResult<Vec<String>> {
        let mut names: Vec<String> = Vec::new();
        let add_dict = |d: &ObjRef, names: &mut Vec<String>| {
            if let Some(dd) = d.downcast::<Dict>() {
                for k in dd.keys() {
                    if let Some(s) = k.as_obj().and_then(|o| str_of(o)) {
                        names.push(s.to_string());
                    }
                }
            }
        };
        match v {
            Value::Obj(o) if o.kind() == Kind::Module => {
                let d = o.downcast::<Module>().unwrap().dict.clone();
                add_dict(&d, &mut names);
            }
            Value::Obj(o) if o.kind() == Kind::Type => {
                let mro = o.downcast::<TypeObj>().unwrap().mro.borrow().clone();
                for c in mro {
                    let d = c.downcast::<TypeObj>().unwrap().dict.clone();
                    add_dict(&d, &mut names);
                }
            }
            _ => {
                if let Value::Obj(o) = v {
                    if let Some(ext) = inst_ext(o) {
                        if let Some(d) = ext.dict.borrow().clone() {
                            add_dict(&d, &mut names);
                        }
                    }
                }
                let cls = self.type_of(v);
                let mro = cls.downcast::<TypeObj>().unwrap().mro.borrow().clone();
                for c in mro {
                    let d = c.downcast::<TypeObj>().unwrap().dict.clone();
                    add_dict(&d, &mut names);
                }
                names.push("__class__".into());
            }
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// A frame object for a suspended generator (not on the frame stack).
    fn suspended_gen_frame(&mut self, gen: &ObjRef) -> Value {
        let g = gen.downcast::<crate::vm::generator::Generator>().unwrap();
        let existing = g
            .inner
            .borrow()
            .saved
            .as_ref()
            .and_then(|s| s.frame_obj.clone());
        if let Some(f) = existing {
            return Value::Obj(f);
        }
        let (code, globals, builtins, pc) = {
            let inner = g.inner.borrow();
            let s = inner.saved.as_ref().unwrap();
            (s.code.clone(), s.globals.clone(), s.builtins.clone(), s.pc)
        };
        let fo = FrameObj {
            code,
            globals,
            builtins,
            live: std::cell::Cell::new(None),
            locals: std::cell::RefCell::new(None),
            lasti: std::cell::Cell::new(pc.saturating_sub(1)),
            back: std::cell::RefCell::new(None),
            trace: std::cell::RefCell::new(Value::None),
            trace_lines: std::cell::Cell::new(true),
            trace_opcodes: std::cell::Cell::new(false),
            lineno_override: std::cell::Cell::new(0),
        };
        let t = self.types.frame.clone();
        let f = self.alloc(&t, fo);
        if let Some(s) = g.inner.borrow_mut().saved.as_mut() {
            s.frame_obj = Some(f.clone());
        }
        Value::Obj(f)
    }
}
