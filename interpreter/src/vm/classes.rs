//! Classes: `__build_class__` (running a class body into a namespace),
//! `type(name, bases, ns)` (MRO, instance layout, `__slots__`, flags), calling
//! a class (`__new__` then `__init__`, with a fast path that runs a Python
//! `__init__` in the dispatch loop), and MRO attribute lookup with its cache.
//! Invariant: a class's cached lookups are valid only for the type epoch
//! they were computed in (see `typeobj::TYPE_EPOCH`).

use std::cell::{Cell, RefCell};

use crate::compile::code::Code;
use crate::object::dict::Dict;
use crate::object::function::{
    CellObj, ClassMethod, Function, MemberDescr, MethodDescr, StaticMethod,
};
use crate::object::instance::{inst_vtable_for, Inst, InstExt, ObjectBase};
use crate::object::kind::Kind;
use crate::object::rc::{alloc_raw, ObjRef, FLAG_IMMORTAL};
use crate::object::str::str_of;
use crate::object::tuple::Tuple;
use crate::object::typeobj::*;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::call::CallOutcome;
use crate::vm::frame::{Frame, RetKind};
use crate::vm::{PyResult, Vm};

impl Vm {
    /// Finds `name` along the MRO of class `cls` (cached for interned names).
    pub fn lookup_mro(&self, cls: &ObjRef, name: &ObjRef) -> Option<Value> {
        let tp = cls.downcast::<TypeObj>()?;
        let cacheable = name.flags() & FLAG_IMMORTAL != 0;
        if cacheable {
            let epoch = type_epoch();
            if tp.cache_epoch.get() != epoch {
                let old = std::mem::take(&mut *tp.cache.borrow_mut());
                drop(old);
                tp.cache_epoch.set(epoch);
            }
            if let Some(v) = tp.cache.borrow().get(&name.addr()) {
                return v.clone();
            }
        }
        let mut found = None;
        for c in tp.mro.borrow().iter() {
            if let Some(ct) = c.downcast::<TypeObj>() {
                if let Some(v) = ct.dict.downcast::<Dict>().and_then(|d| d.get_str(name)) {
                    found = Some(v);
                    break;
                }
            }
        }
        if cacheable {
            tp.cache.borrow_mut().insert(name.addr(), found.clone());
        }
        found
    }

    /// A special method of v's class (`type(v).__name__`), not looking at
    /// the instance.
    pub fn lookup_special(&self, v: &Value, name: &ObjRef) -> Option<Value> {
        let cls = self.type_of(v);
        self.lookup_mro(&cls, name)
    }

    /// The class flags, recomputed from the MRO when classes changed.
    pub fn type_flags(&self, cls: &ObjRef) -> u32 {
        let Some(tp) = cls.downcast::<TypeObj>() else {
            return 0;
        };
        if !tp.has(TF_HEAP) {
            return tp.flags.get();
        }
        let epoch = type_epoch();
        if tp.cache_epoch.get() != epoch {
            self.recompute_flags(cls);
            // lookup_mro resets the cache and records the epoch.
            let _ = self.lookup_mro(cls, &self.names.init);
        }
        tp.flags.get()
    }

    fn recompute_flags(&self, cls: &ObjRef) {
        let tp = cls.downcast::<TypeObj>().unwrap();
        let mut f = tp.flags.get()
            & !(TF_HAS_DEL | TF_HAS_GETATTR | TF_HAS_GETATTRIBUTE | TF_HAS_SETATTR | TF_CUSTOM_EQ);
        let user_defines = |name: &ObjRef| -> bool {
            tp.mro.borrow().iter().any(|c| {
                c.downcast::<TypeObj>().is_some_and(|ct| {
                    ct.has(TF_HEAP)
                        && ct
                            .dict
                            .downcast::<Dict>()
                            .is_some_and(|d| d.get_str(name).is_some())
                })
            })
        };
        if user_defines(&self.names.del) {
            f |= TF_HAS_DEL;
        }
        if user_defines(&self.names.getattr) {
            f |= TF_HAS_GETATTR;
        }
        if user_defines(&self.names.getattribute) {
            f |= TF_HAS_GETATTRIBUTE;
        }
        if user_defines(&self.names.setattr) || user_defines(&self.names.delattr) {
            f |= TF_HAS_SETATTR;
        }
        if user_defines(&self.names.eq) || user_defines(&self.names.hash) {
            f |= TF_CUSTOM_EQ;
        }
        tp.flags.set(f);
    }

    /// `__build_class__(func, name, *bases, **kw)`.
    pub(crate) fn build_class(&mut self, mut args: Args) -> PyResult<Value> {
        if args.pos.len() < 2 {
            return Err(self.type_error("__build_class__: not enough arguments"));
        }
        let func = args.pos.remove(0);
        let name = args.pos.remove(0);
        let bases: Vec<Value> = args.pos.drain(..).collect();
        let mut meta = None;
        for (k, v) in args.kw.drain(..) {
            if str_of(&k) == Some("metaclass") {
                meta = Some(v);
            } else {
                return Err(self.type_error(format!(
                    "__init_subclass__() takes no keyword arguments ({} given)",
                    str_of(&k).unwrap_or("?")
                )));
            }
        }
        if let Some(m) = &meta {
            let is_type = matches!(m, Value::Obj(o) if o.is(&self.types.type_));
            if !is_type {
                return Err(
                    self.type_error("metaclasses other than type are not supported by mini")
                );
            }
        }
        let ns = self.new_dict();
        let cell = self.run_class_body(&func, &ns)?;
        let name_s = match &name {
            Value::Obj(o) => str_of(o).unwrap_or("").to_string(),
            _ => return Err(self.type_error("__build_class__: name is not a string")),
        };
        let cls = self.new_class(&name_s, bases, &ns)?;
        if let Value::Obj(c) = &cell {
            if let Some(cell) = c.downcast::<CellObj>() {
                let old = cell.value.replace(Value::Obj(cls.clone()));
                drop(old);
            }
        }
        Ok(Value::Obj(cls))
    }

    /// Runs a class body function with `ns` as its locals dict.
    fn run_class_body(&mut self, func: &Value, ns: &ObjRef) -> PyResult<Value> {
        let f = match func {
            Value::Obj(o) if o.kind() == Kind::Function => o.clone(),
            _ => return Err(self.type_error("__build_class__: func must be a function")),
        };
        self.check_native_stack()?;
        let fun = f.downcast::<Function>().unwrap();
        let code: &Code = unsafe { fun.code.payload_unchecked::<Code>() };
        let base = self.stack_top();
        if self.frames.len() + self.native_depth > self.recursion_limit {
            return Err(self.recursion_error("maximum recursion depth exceeded"));
        }
        if !self.stack.ensure(base + code.nregs as usize) {
            return Err(self.recursion_error("maximum recursion depth exceeded"));
        }
        if let Some(cl) = &fun.closure {
            if let Some(t) = cl.downcast::<Tuple>() {
                let fb = base + code.free_base as usize;
                for (i, c) in t.as_slice().iter().enumerate() {
                    *self.stack.get_mut(fb + i) = c.clone();
                }
            }
        }
        self.push_frame_raw(Frame {
            code: fun.code.clone(),
            code_ptr: code as *const Code,
            func: Some(f.clone()),
            globals: fun.globals.clone(),
            builtins: fun.builtins.clone(),
            locals: Some(ns.clone()),
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

    /// `type(name, bases, ns)`: creates a class.
    pub fn new_class(&mut self, name: &str, bases: Vec<Value>, ns: &ObjRef) -> PyResult<ObjRef> {
        let mut base_objs = Vec::new();
        for b in &bases {
            match b {
                Value::Obj(o) if o.kind() == Kind::Type => {
                    let t = o.downcast::<TypeObj>().unwrap();
                    if !t.has(TF_BASETYPE) {
                        return Err(self.type_error(format!(
                            "type '{}' is not an acceptable base type",
                            t.name()
                        )));
                    }
                    if base_objs.iter().any(|x: &ObjRef| x.is(o)) {
                        return Err(self.type_error(format!("duplicate base class {}", t.name())));
                    }
                    base_objs.push(o.clone());
                }
                other => {
                    let tn = self.type_name(other);
                    return Err(self.type_error(format!("bases must be types, not {tn}")));
                }
            }
        }
        if base_objs.is_empty() {
            base_objs.push(self.types.object.clone());
        }
        // The instance layout comes from the one builtin base with a payload.
        let mut layout = Kind::Object;
        let mut flags = TF_HEAP | TF_BASETYPE;
        for b in &base_objs {
            let bt = b.downcast::<TypeObj>().unwrap();
            let k = bt.base_kind;
            if k != Kind::Object {
                if layout != Kind::Object && layout != k {
                    return Err(self.type_error("multiple bases have instance lay-out conflict"));
                }
                layout = k;
            }
            flags |= bt.flags.get() & (TF_EXCEPTION | TF_HAS_DICT | TF_WEAKREFABLE);
        }
        let nsd = ns.downcast::<Dict>().unwrap();
        let slots_v = nsd.get_str(&self.names.slots);
        let mut slot_names: Vec<ObjRef> = Vec::new();
        for b in &base_objs {
            let bt = b.downcast::<TypeObj>().unwrap();
            for s in bt.slot_names.borrow().iter() {
                if !slot_names.iter().any(|x| x.is(s)) {
                    slot_names.push(s.clone());
                }
            }
        }
        let mut own_slots = Vec::new();
        match &slots_v {
            Some(v) => {
                let items = match v {
                    Value::Obj(o) if o.kind() == Kind::Str => vec![v.clone()],
                    _ => self.collect_iter(v)?,
                };
                let inherits_dict = base_objs.iter().any(|b| {
                    b.downcast::<TypeObj>().unwrap().has(TF_HAS_DICT)
                        && b.downcast::<TypeObj>().unwrap().has(TF_HEAP)
                });
                if !inherits_dict {
                    flags &= !TF_HAS_DICT;
                }
                flags &= !TF_WEAKREFABLE;
                for it in items {
                    let s = match &it {
                        Value::Obj(o) if o.kind() == Kind::Str => str_of(o).unwrap().to_string(),
                        _ => return Err(self.type_error("__slots__ items must be strings")),
                    };
                    if s == "__dict__" {
                        flags |= TF_HAS_DICT;
                        continue;
                    }
                    if s == "__weakref__" {
                        flags |= TF_WEAKREFABLE;
                        continue;
                    }
                    let n = self.intern(&s);
                    if nsd.get_str(&n).is_some() {
                        return Err(self.value_error(format!(
                            "'{s}' in __slots__ conflicts with class variable"
                        )));
                    }
                    own_slots.push(n.clone());
                    slot_names.push(n);
                }
            }
            None => flags |= TF_HAS_DICT | TF_WEAKREFABLE,
        }
        if matches!(layout, Kind::Int | Kind::Tuple | Kind::Str | Kind::Bytes)
            && !own_slots.is_empty()
        {
            return Err(self.type_error(format!(
                "nonempty __slots__ not supported for subtype of '{}'",
                base_objs[0].downcast::<TypeObj>().unwrap().name()
            )));
        }
        let inst_vt = if layout == Kind::Exception {
            Some(crate::object::instance::exc_vtable())
        } else {
            inst_vtable_for(layout)
        };
        if inst_vt.is_none() {
            return Err(self.type_error(format!(
                "type '{}' is not an acceptable base type",
                base_objs[0].downcast::<TypeObj>().unwrap().name()
            )));
        }
        let dict = self.new_dict();
        let dd = dict.downcast::<Dict>().unwrap();
        let mut qualname = name.to_string();
        for (k, v) in nsd.items() {
            if let Value::Obj(ko) = &k {
                if str_of(ko) == Some("__qualname__") {
                    if let Value::Obj(q) = &v {
                        if let Some(q) = str_of(q) {
                            qualname = q.to_string();
                        }
                    }
                    continue;
                }
                if str_of(ko) == Some("__classcell__") {
                    continue;
                }
            }
            // __new__ is an implicit staticmethod; __init_subclass__ and
            // __class_getitem__ implicit classmethods.
            let v = match (&k, &v) {
                (Value::Obj(ko), Value::Obj(vo)) if vo.kind() == Kind::Function => {
                    match str_of(ko) {
                        Some("__new__") => {
                            let t = self.types.staticmethod.clone();
                            Value::Obj(self.alloc(
                                &t,
                                StaticMethod(crate::object::function::MethodWrapper::new(
                                    v.clone(),
                                )),
                            ))
                        }
                        Some("__init_subclass__") | Some("__class_getitem__") => {
                            let t = self.types.classmethod.clone();
                            Value::Obj(self.alloc(
                                &t,
                                ClassMethod(crate::object::function::MethodWrapper::new(v.clone())),
                            ))
                        }
                        _ => v.clone(),
                    }
                }
                _ => v.clone(),
            };
            self.dict_set(&dict, k, v)?;
        }
        if dd.get_str(&self.names.doc).is_none() {
            dd.set_str(&self.names.doc.clone(), Value::None);
        }
        // A class that defines __eq__ but not __hash__ is unhashable.
        let hash_name = self.intern("__hash__");
        if dd.get_str(&self.names.eq).is_some() && dd.get_str(&hash_name).is_none() {
            dd.set_str(&hash_name, Value::None);
        }
        let tp = TypeObj {
            name: RefCell::new(name.to_string()),
            qualname: RefCell::new(qualname),
            bases: RefCell::new(base_objs.clone()),
            mro: RefCell::new(Vec::new()),
            dict,
            flags: Cell::new(flags),
            base_kind: layout,
            inst_vt,
            slot_names: RefCell::new(slot_names.clone()),
            cache: RefCell::new(Default::default()),
            cache_epoch: Cell::new(0),
            module_name: RefCell::new(String::new()),
        };
        let t = self.types.type_.clone();
        let cls = self.alloc(&t, tp);
        let mro = match c3_mro(&cls, &base_objs) {
            Ok(m) => m,
            Err(heads) => {
                let names: Vec<String> = heads
                    .iter()
                    .map(|b| b.downcast::<TypeObj>().unwrap().name())
                    .collect();
                return Err(self.type_error(format!(
                    "Cannot create a consistent method resolution\norder (MRO) for bases {}",
                    names.join(", ")
                )));
            }
        };
        cls.downcast::<TypeObj>().unwrap().mro.replace(mro);
        // Slot descriptors.
        let first_own = slot_names.len() - own_slots.len();
        for (i, n) in own_slots.iter().enumerate() {
            let md = MemberDescr {
                name: n.clone(),
                index: first_own + i,
                owner: cls.clone(),
            };
            let mt = self.types.member_descriptor.clone();
            let d = self.alloc(&mt, md);
            cls.downcast::<TypeObj>()
                .unwrap()
                .dict
                .downcast::<Dict>()
                .unwrap()
                .set_str(n, Value::Obj(d));
        }
        bump_type_epoch();
        self.recompute_flags(&cls);
        // __set_name__ on descriptors, then the parent's __init_subclass__.
        let cdict = cls.downcast::<TypeObj>().unwrap().dict.clone();
        for (k, v) in cdict.downcast::<Dict>().unwrap().items() {
            if let Value::Obj(vo) = &v {
                if vo.owns_cls() || vo.kind() == Kind::Property {
                    if let Some(sn) = self.lookup_special(&v, &self.names.set_name.clone()) {
                        self.call(&sn, vec![v.clone(), Value::Obj(cls.clone()), k.clone()])?;
                    }
                }
            }
        }
        self.init_subclass(&cls)?;
        Ok(cls)
    }

    fn init_subclass(&mut self, cls: &ObjRef) -> PyResult<()> {
        let mro = cls.downcast::<TypeObj>().unwrap().mro.borrow().clone();
        let name = self.names.init_subclass.clone();
        for c in mro.iter().skip(1) {
            let ct = c.downcast::<TypeObj>().unwrap();
            if !ct.has(TF_HEAP) {
                continue;
            }
            if let Some(v) = ct.dict.downcast::<Dict>().unwrap().get_str(&name) {
                let f = match &v {
                    Value::Obj(o) => match o.downcast::<ClassMethod>() {
                        Some(cm) => cm.0.func(),
                        None => v.clone(),
                    },
                    _ => v.clone(),
                };
                self.call(&f, vec![Value::Obj(cls.clone())])?;
                return Ok(());
            }
        }
        Ok(())
    }

    /// Allocates a bare instance of class `cls` (`object.__new__(cls)`).
    pub fn new_instance(&mut self, cls: &ObjRef) -> PyResult<ObjRef> {
        let tp = cls.downcast::<TypeObj>().unwrap();
        if tp.has(TF_EXCEPTION) {
            return Ok(self.new_exception(cls, vec![]));
        }
        if tp.base_kind != Kind::Object {
            return Err(self.type_error(format!(
                "object.__new__({}) is not safe, use {}.__new__()",
                tp.name(),
                tp.name()
            )));
        }
        if !tp.has(TF_HEAP) {
            if cls.is(&self.types.object) {
                let c = cls.clone();
                return Ok(self.alloc(&c, ObjectBase));
            }
            return Err(self.type_error(format!("cannot create '{}' instances", tp.name())));
        }
        let nslots = tp.slot_names.borrow().len();
        let ext = InstExt::new(nslots);
        if tp.has(TF_HAS_DICT) {
            let d = self.new_dict();
            ext.dict.replace(Some(d));
        }
        let vt = tp.inst_vt.expect("heap class vtable");
        let inst = Inst {
            base: ObjectBase,
            ext,
        };
        // SAFETY: inst_vt of an Object-layout class is Inst<ObjectBase>'s.
        Ok(unsafe { alloc_raw(vt, cls.as_ptr(), inst) })
    }

    /// Calls a class from the dispatch loop (result into slot `abs`).
    pub(crate) fn call_class(
        &mut self,
        fi: usize,
        cls: &ObjRef,
        abs: usize,
        args: Args,
    ) -> PyResult<CallOutcome> {
        let tp = cls.downcast::<TypeObj>().unwrap();
        if tp.has(TF_HEAP) && tp.base_kind == Kind::Object && !tp.has(TF_EXCEPTION) {
            let new = self.lookup_mro(cls, &self.names.new.clone());
            let default_new = match &new {
                Some(Value::Obj(o)) => o.kind() == Kind::MethodDescr,
                _ => false,
            };
            if default_new {
                if let Some(Value::Obj(init)) = self.lookup_mro(cls, &self.names.init.clone()) {
                    if init.kind() == Kind::Function && !init.owns_cls() {
                        let inst = self.new_instance(cls)?;
                        let mut args = args;
                        args.pos.insert(0, Value::Obj(inst.clone()));
                        let top = self.frames[fi].top().max(abs + 1);
                        return self.enter_function_args(
                            &init,
                            args,
                            RetKind::Init {
                                slot: abs,
                                instance: inst,
                            },
                            top,
                        );
                    }
                }
            }
        }
        let r = self.call_type_native(cls, args)?;
        *self.stack.get_mut(abs) = r;
        Ok(CallOutcome::Done)
    }

    /// Calls a class: `type(x)`, or `__new__` then `__init__`.
    pub(crate) fn call_type_native(&mut self, cls: &ObjRef, args: Args) -> PyResult<Value> {
        if cls.is(&self.types.type_) && args.pos.len() == 1 && args.kw.is_empty() {
            return Ok(Value::Obj(self.type_of(&args.pos[0])));
        }
        let new = self.lookup_mro(cls, &self.names.new.clone());
        let obj = match new {
            Some(n) => {
                let f = match &n {
                    Value::Obj(o) => match o.downcast::<StaticMethod>() {
                        Some(s) => s.0.func(),
                        None => n.clone(),
                    },
                    _ => n.clone(),
                };
                let is_object_new = matches!(&f, Value::Obj(o) if o.downcast::<MethodDescr>().is_some_and(|m| m.owner.is(&self.types.object)));
                if is_object_new {
                    let init = self.lookup_mro(cls, &self.names.init.clone());
                    let object_init = matches!(&init, Some(Value::Obj(o)) if o.downcast::<MethodDescr>().is_some_and(|m| m.owner.is(&self.types.object)));
                    if object_init && (!args.pos.is_empty() || !args.kw.is_empty()) {
                        let n = cls.downcast::<TypeObj>().unwrap().name();
                        return Err(self.type_error(format!("{n}() takes no arguments")));
                    }
                    Value::Obj(self.new_instance(cls)?)
                } else {
                    let mut a2 = Args {
                        pos: args.pos.clone(),
                        kw: args.kw.clone(),
                    };
                    a2.pos.insert(0, Value::Obj(cls.clone()));
                    self.call_value(&f, a2)?
                }
            }
            None => Value::Obj(self.new_instance(cls)?),
        };
        if !self.isinstance(&obj, cls) {
            return Ok(obj);
        }
        let ocls = self.type_of(&obj);
        if let Some(init) = self.lookup_mro(&ocls, &self.names.init.clone()) {
            let is_object_init = matches!(&init, Value::Obj(o) if o.downcast::<MethodDescr>().is_some_and(|m| m.owner.is(&self.types.object)));
            if !is_object_init {
                let mut a2 = args;
                a2.pos.insert(0, obj.clone());
                let r = self.call_value(&init, a2)?;
                if !r.is_none() {
                    let t = self.type_name(&r);
                    return Err(
                        self.type_error(format!("__init__() should return None, not '{t}'"))
                    );
                }
            }
        }
        Ok(obj)
    }

    /// Reads `__slots__` member `m` of instance `obj`.
    pub(crate) fn slot_get(&mut self, m: &MemberDescr, obj: &ObjRef) -> PyResult<Value> {
        let ext = crate::object::instance::inst_ext(obj);
        let v = ext.and_then(|e| e.slots.borrow().get(m.index).cloned());
        match v {
            Some(v) if !v.is_undef() => Ok(v),
            _ => {
                let n = str_of(&m.name).unwrap_or("?").to_string();
                Err(self.attribute_error(format!(
                    "'{}' object has no attribute '{n}'",
                    self.type_name(&Value::Obj(obj.clone()))
                )))
            }
        }
    }

    pub(crate) fn slot_set(&mut self, m: &MemberDescr, obj: &ObjRef, v: Value) -> PyResult<()> {
        match crate::object::instance::inst_ext(obj) {
            Some(e) => {
                let old = {
                    let mut s = e.slots.borrow_mut();
                    if m.index >= s.len() {
                        return Err(self.type_error("slot out of range"));
                    }
                    std::mem::replace(&mut s[m.index], v)
                };
                if old.is_undef() && matches!(old, Value::Undef) {
                    // Deleting an unset slot is an AttributeError (handled by caller).
                }
                drop(old);
                Ok(())
            }
            None => Err(self.type_error("descriptor applied to wrong object")),
        }
    }

    /// Whether a class object is a heap class (defined in mini code).
    pub fn is_heap_class(&self, cls: &ObjRef) -> bool {
        cls.downcast::<TypeObj>().is_some_and(|t| t.has(TF_HEAP))
    }
}
