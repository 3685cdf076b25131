//! Attribute access: the generic protocol (data descriptors, then the
//! instance dict, then other class attributes, then `__getattr__`), class and
//! module attributes, descriptor binding, and the inline caches of the
//! `LoadAttr`/`StoreAttr`/`LoadMethod` sites.
//! Invariant: a site cache entry is used only when the object's class and the
//! type epoch match what was recorded (so no class changed since).

use crate::compile::code::{Code, SiteCache};
use crate::object::dict::Dict;
use crate::object::function::{
    BoundMethod, BuiltinFunction, ClassMethod, Function, MemberDescr, MethodDescr, MethodKind,
    Property, StaticMethod,
};
use crate::object::instance::inst_ext;
use crate::object::kind::Kind;
use crate::object::module::Module;
use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::typeobj::*;
use crate::object::value::{RawValue, Value};
use crate::vm::args::Args;
use crate::vm::{PyErr, PyResult, Vm};

impl Vm {
    /// `getattr(obj, name)`.
    pub fn get_attr(&mut self, obj: &Value, name: &ObjRef) -> PyResult<Value> {
        match self.get_attr_opt(obj, name)? {
            Some(v) => Ok(v),
            None => Err(self.no_attribute(obj, name)),
        }
    }

    /// Attribute lookup that reports "not found" as None (AttributeError
    /// raised by `__getattr__`/properties is also turned into None).
    pub fn get_attr_opt(&mut self, obj: &Value, name: &ObjRef) -> PyResult<Option<Value>> {
        let cls = self.type_of(obj);
        let flags = self.type_flags(&cls);
        let r = if flags & TF_HAS_GETATTRIBUTE != 0 {
            let ga = self
                .lookup_mro(&cls, &self.names.getattribute.clone())
                .unwrap();
            match self.call(&ga, vec![obj.clone(), Value::Obj(name.clone())]) {
                Ok(v) => Ok(Some(v)),
                Err(e) if self.err_is(&e, &self.types.exc.attribute_error.clone()) => {
                    if flags & TF_HAS_GETATTR == 0 {
                        return Err(e);
                    }
                    Ok(None)
                }
                Err(e) => Err(e),
            }
        } else {
            match obj {
                Value::Obj(o) if o.kind() == Kind::Type => self.type_getattr(o, name),
                Value::Obj(o) if o.kind() == Kind::Module && !o.owns_cls() => {
                    self.module_getattr(o, name)
                }
                Value::Obj(o) if o.kind() == Kind::Super => self.super_getattr(o, name),
                _ => self.generic_getattr(obj, &cls, name),
            }
        };
        match r {
            Ok(Some(v)) => Ok(Some(v)),
            Ok(None) if flags & TF_HAS_GETATTR != 0 => {
                let ga = self.lookup_mro(&cls, &self.names.getattr.clone()).unwrap();
                Ok(Some(
                    self.call(&ga, vec![obj.clone(), Value::Obj(name.clone())])?,
                ))
            }
            other => other,
        }
    }

    /// The AttributeError CPython raises for a missing attribute.
    pub fn no_attribute(&mut self, obj: &Value, name: &ObjRef) -> PyErr {
        let n = str_of(name).unwrap_or("?").to_string();
        let msg = match obj {
            Value::Obj(o) if o.kind() == Kind::Type && !o.owns_cls() => {
                let t = o.downcast::<TypeObj>().unwrap().name();
                format!("type object '{t}' has no attribute '{n}'")
            }
            Value::Obj(o) if o.kind() == Kind::Module && !o.owns_cls() => {
                let mname = o
                    .downcast::<Module>()
                    .and_then(|m| {
                        m.dict
                            .downcast::<Dict>()
                            .and_then(|d| d.get_str(&self.names.name))
                    })
                    .and_then(|v| v.as_obj().and_then(|s| str_of(s).map(|s| s.to_string())))
                    .unwrap_or_else(|| "?".to_string());
                format!("module '{mname}' has no attribute '{n}'")
            }
            _ => format!("'{}' object has no attribute '{n}'", self.type_name(obj)),
        };
        let e = self.attribute_error(msg);
        self.set_exc_attr(&e, "name", Value::Obj(name.clone()));
        self.set_exc_attr(&e, "obj", obj.clone());
        e
    }

    /// Sets an attribute in an exception's dict (no Python code runs).
    pub(crate) fn set_exc_attr(&mut self, e: &PyErr, attr: &str, v: Value) {
        if let Some(ext) = inst_ext(&e.exc) {
            let d = {
                let mut slot = ext.dict.borrow_mut();
                if slot.is_none() {
                    *slot = Some(self.new_dict());
                }
                slot.clone().unwrap()
            };
            let k = self.intern(attr);
            let cls = e.exc.class();
            if self.lookup_mro(&cls, &k).is_some() {
                Self::mark_shadowed(&cls);
            }
            d.downcast::<Dict>().unwrap().set_str(&k, v);
        }
    }

    /// object.__getattribute__ without `__getattr__`.
    pub(crate) fn generic_getattr(
        &mut self,
        obj: &Value,
        cls: &ObjRef,
        name: &ObjRef,
    ) -> PyResult<Option<Value>> {
        let descr = self.lookup_mro(cls, name);
        if let Some(d) = &descr {
            if self.is_data_descriptor(d) {
                return self.descr_get(d, obj, cls).map(Some);
            }
        }
        if let Value::Obj(o) = obj {
            if let Some(ext) = inst_ext(o) {
                let dict = ext.dict.borrow().clone();
                if let Some(d) = dict {
                    if let Some(v) = d.downcast::<Dict>().and_then(|d| d.get_str(name)) {
                        return Ok(Some(v));
                    }
                }
            }
            if let Some(r) = self.builtin_attr(o, name)? {
                return Ok(Some(r));
            }
        } else if let Some(s) = str_of(name) {
            if s == "__class__" {
                return Ok(Some(Value::Obj(cls.clone())));
            }
        }
        match descr {
            Some(d) => self.descr_get(&d, obj, cls).map(Some),
            None => Ok(None),
        }
    }

    /// Whether a class attribute is a data descriptor (wins over the
    /// instance dict).
    pub(crate) fn is_data_descriptor(&self, d: &Value) -> bool {
        match d {
            Value::Obj(o) => match o.kind() {
                Kind::Property | Kind::MemberDescr => true,
                Kind::Function | Kind::MethodDescr | Kind::StaticMethod | Kind::ClassMethod => {
                    false
                }
                _ if o.owns_cls() => {
                    let c = o.class();
                    self.lookup_mro(&c, &self.names.set).is_some()
                        || self.lookup_mro(&c, &self.names.delete).is_some()
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// Binds a class attribute found for `obj` (a descriptor's `__get__`).
    pub(crate) fn descr_get(&mut self, d: &Value, obj: &Value, cls: &ObjRef) -> PyResult<Value> {
        let o = match d {
            Value::Obj(o) => o,
            _ => return Ok(d.clone()),
        };
        match o.kind() {
            Kind::Function if !o.owns_cls() => {
                Ok(Value::Obj(self.new_bound_method(d.clone(), obj.clone())))
            }
            Kind::MethodDescr => {
                let m = o.downcast::<MethodDescr>().unwrap();
                let bound = match m.kind {
                    MethodKind::Instance => Some(obj.clone()),
                    MethodKind::Class => Some(Value::Obj(cls.clone())),
                    MethodKind::Static => None,
                };
                let bf = BuiltinFunction {
                    name: m.name,
                    func: m.func,
                    bound,
                    module: None,
                    is_method: true,
                };
                let t = self.types.builtin_function.clone();
                Ok(Value::Obj(self.alloc(&t, bf)))
            }
            Kind::StaticMethod => Ok(o.downcast::<StaticMethod>().unwrap().0.func()),
            Kind::ClassMethod => {
                let f = o.downcast::<ClassMethod>().unwrap().0.func();
                Ok(Value::Obj(
                    self.new_bound_method(f, Value::Obj(cls.clone())),
                ))
            }
            Kind::Property => {
                let getter = o.downcast::<Property>().unwrap().fget.borrow().clone();
                if getter.is_none() || getter.is_undef() {
                    let n = o
                        .downcast::<Property>()
                        .unwrap()
                        .name
                        .borrow()
                        .as_obj()
                        .and_then(|s| str_of(s).map(|s| s.to_string()));
                    let msg = match n {
                        Some(n) => format!(
                            "property '{n}' of '{}' object has no getter",
                            self.type_name(obj)
                        ),
                        None => "unreadable attribute".to_string(),
                    };
                    return Err(self.attribute_error(msg));
                }
                self.call(&getter, vec![obj.clone()])
            }
            Kind::MemberDescr => {
                let m = o.downcast::<MemberDescr>().unwrap();
                match obj {
                    Value::Obj(inst) => self.slot_get(m, inst),
                    _ => Err(self.type_error("member descriptor applied to a non-instance")),
                }
            }
            _ if o.owns_cls() => {
                let c = o.class();
                match self.lookup_mro(&c, &self.names.get.clone()) {
                    Some(get) => {
                        self.call(&get, vec![d.clone(), obj.clone(), Value::Obj(cls.clone())])
                    }
                    None => Ok(d.clone()),
                }
            }
            _ => Ok(d.clone()),
        }
    }

    pub fn new_bound_method(&mut self, func: Value, receiver: Value) -> ObjRef {
        let t = self.types.method.clone();
        self.alloc(&t, BoundMethod { func, receiver })
    }

    /// Attribute lookup on a class object.
    fn type_getattr(&mut self, cls: &ObjRef, name: &ObjRef) -> PyResult<Option<Value>> {
        // Data descriptors of the metatype (`type`) first: __name__ & co.
        if let Some(v) = self.type_builtin_attr(cls, name)? {
            return Ok(Some(v));
        }
        match self.lookup_mro(cls, name) {
            Some(d) => {
                let v = match &d {
                    Value::Obj(o) => match o.kind() {
                        Kind::StaticMethod => o.downcast::<StaticMethod>().unwrap().0.func(),
                        Kind::ClassMethod => {
                            let f = o.downcast::<ClassMethod>().unwrap().0.func();
                            Value::Obj(self.new_bound_method(f, Value::Obj(cls.clone())))
                        }
                        Kind::MethodDescr => {
                            let m = o.downcast::<MethodDescr>().unwrap();
                            if m.kind == MethodKind::Class {
                                let bf = BuiltinFunction {
                                    name: m.name,
                                    func: m.func,
                                    bound: Some(Value::Obj(cls.clone())),
                                    module: None,
                                    is_method: true,
                                };
                                let t = self.types.builtin_function.clone();
                                Value::Obj(self.alloc(&t, bf))
                            } else {
                                d.clone()
                            }
                        }
                        _ if o.owns_cls() => {
                            let c = o.class();
                            match self.lookup_mro(&c, &self.names.get.clone()) {
                                Some(get) => self.call(
                                    &get,
                                    vec![d.clone(), Value::None, Value::Obj(cls.clone())],
                                )?,
                                None => d.clone(),
                            }
                        }
                        _ => d.clone(),
                    },
                    _ => d.clone(),
                };
                Ok(Some(v))
            }
            None => {
                // Methods of the metatype (e.g. `mro`), bound to the class.
                let tt = self.types.type_.clone();
                match self.lookup_mro(&tt, name) {
                    Some(d) => self.descr_get(&d, &Value::Obj(cls.clone()), &tt).map(Some),
                    None => Ok(None),
                }
            }
        }
    }

    fn module_getattr(&mut self, m: &ObjRef, name: &ObjRef) -> PyResult<Option<Value>> {
        let d = m.downcast::<Module>().unwrap().dict.clone();
        let dd = d.downcast::<Dict>().unwrap();
        if let Some(v) = dd.get_str(name) {
            return Ok(Some(v));
        }
        if str_of(name) == Some("__dict__") {
            return Ok(Some(Value::Obj(d.clone())));
        }
        if str_of(name) == Some("__class__") {
            return Ok(Some(Value::Obj(m.class())));
        }
        let ga = dd.get_str(&self.names.getattr);
        if let Some(ga) = ga {
            return Ok(Some(self.call(&ga, vec![Value::Obj(name.clone())])?));
        }
        let cls = m.class();
        if let Some(d) = self.lookup_mro(&cls, name) {
            return self.descr_get(&d, &Value::Obj(m.clone()), &cls).map(Some);
        }
        Ok(None)
    }

    /// `setattr(obj, name, v)`.
    pub fn set_attr(&mut self, obj: &Value, name: &ObjRef, v: Value) -> PyResult<()> {
        let cls = self.type_of(obj);
        let flags = self.type_flags(&cls);
        if flags & TF_HAS_SETATTR != 0 {
            if let Some(sa) = self.lookup_mro(&cls, &self.names.setattr.clone()) {
                let is_object = crate::vm::is_builtin_slot(&sa);
                if !is_object {
                    self.call(&sa, vec![obj.clone(), Value::Obj(name.clone()), v])?;
                    return Ok(());
                }
            }
        }
        self.generic_setattr(obj, &cls, name, Some(v))
    }

    /// `delattr(obj, name)`.
    pub fn del_attr(&mut self, obj: &Value, name: &ObjRef) -> PyResult<()> {
        let cls = self.type_of(obj);
        let flags = self.type_flags(&cls);
        if flags & TF_HAS_SETATTR != 0 {
            if let Some(da) = self.lookup_mro(&cls, &self.names.delattr.clone()) {
                let is_object = crate::vm::is_builtin_slot(&da);
                if !is_object {
                    self.call(&da, vec![obj.clone(), Value::Obj(name.clone())])?;
                    return Ok(());
                }
            }
        }
        self.generic_setattr(obj, &cls, name, None)
    }

    /// object.__setattr__ / __delattr__ (`v` None deletes).
    pub(crate) fn generic_setattr(
        &mut self,
        obj: &Value,
        cls: &ObjRef,
        name: &ObjRef,
        v: Option<Value>,
    ) -> PyResult<()> {
        if let Value::Obj(o) = obj {
            if o.kind() == Kind::Type {
                return self.type_setattr(o, name, v);
            }
        }
        if let Some(d) = self.lookup_mro(cls, name) {
            if let Value::Obj(dobj) = &d {
                match dobj.kind() {
                    Kind::Property => {
                        let p = dobj.downcast::<Property>().unwrap();
                        let f = if v.is_some() {
                            p.fset.borrow().clone()
                        } else {
                            p.fdel.borrow().clone()
                        };
                        if f.is_none() || f.is_undef() {
                            let pname = p
                                .name
                                .borrow()
                                .as_obj()
                                .and_then(|s| str_of(s).map(|s| s.to_string()));
                            let what = if v.is_some() { "setter" } else { "deleter" };
                            let msg = match pname {
                                Some(n) => format!(
                                    "property '{n}' of '{}' object has no {what}",
                                    self.type_name(obj)
                                ),
                                None => format!(
                                    "can't {} attribute",
                                    if v.is_some() { "set" } else { "delete" }
                                ),
                            };
                            return Err(self.attribute_error(msg));
                        }
                        let mut args = vec![obj.clone()];
                        if let Some(v) = v {
                            args.push(v);
                        }
                        self.call(&f, args)?;
                        return Ok(());
                    }
                    Kind::MemberDescr => {
                        let m = dobj.downcast::<MemberDescr>().unwrap();
                        if let Value::Obj(inst) = obj {
                            if v.is_none() {
                                let cur = inst_ext(inst)
                                    .and_then(|e| e.slots.borrow().get(m.index).cloned());
                                if cur.is_none_or(|c| c.is_undef()) {
                                    let n = str_of(name).unwrap_or("?").to_string();
                                    return Err(self.attribute_error(format!(
                                        "'{}' object has no attribute '{n}'",
                                        self.type_name(obj)
                                    )));
                                }
                            }
                            return self.slot_set(m, inst, v.unwrap_or(Value::Undef));
                        }
                    }
                    _ if dobj.owns_cls() => {
                        let c = dobj.class();
                        let hook = if v.is_some() {
                            &self.names.set
                        } else {
                            &self.names.delete
                        };
                        if let Some(f) = self.lookup_mro(&c, &hook.clone()) {
                            let mut args = vec![d.clone(), obj.clone()];
                            if let Some(v) = v {
                                args.push(v);
                            }
                            self.call(&f, args)?;
                            return Ok(());
                        }
                    }
                    _ => {}
                }
            }
        }
        if let Value::Obj(o) = obj {
            // args, __traceback__, __cause__, __context__ and
            // __suppress_context__ are data descriptors of BaseException:
            // they win over the instance dict.
            if o.kind() == Kind::Exception {
                if let Some(r) = self.builtin_setattr(o, name, v.clone())? {
                    return Ok(r);
                }
            }
            if let Some(ext) = inst_ext(o) {
                let has_dict = self.type_flags(cls) & TF_HAS_DICT != 0;
                if has_dict {
                    let d = {
                        let mut slot = ext.dict.borrow_mut();
                        if slot.is_none() {
                            *slot = Some(self.new_dict());
                        }
                        slot.clone().unwrap()
                    };
                    let dd = d.downcast::<Dict>().unwrap();
                    match v {
                        Some(v) => {
                            if str_of(name) == Some("__dict__") {
                                return self.set_instance_dict(o, v);
                            }
                            if str_of(name) == Some("__class__") {
                                return self.set_class_attr(o, v);
                            }
                            if self.lookup_mro(cls, name).is_some() {
                                Self::mark_shadowed(cls);
                            }
                            dd.set_str(name, v);
                        }
                        None => {
                            if dd.del_str(name).is_none() {
                                return Err(self.no_attribute(obj, name));
                            }
                        }
                    }
                    return Ok(());
                }
            }
            if let Some(r) = self.builtin_setattr(o, name, v.clone())? {
                return Ok(r);
            }
        }
        let n = str_of(name).unwrap_or("?").to_string();
        let tn = self.type_name(obj);
        if v.is_some() && self.lookup_mro(cls, name).is_some() {
            return Err(self.attribute_error(format!("'{tn}' object attribute '{n}' is read-only")));
        }
        Err(self.attribute_error(format!("'{tn}' object has no attribute '{n}'")))
    }

    /// Notes that instances of `cls` may shadow class attributes in their
    /// dicts (see `TF_SHADOWED`).
    pub(crate) fn mark_shadowed(cls: &ObjRef) {
        if let Some(tp) = cls.downcast::<TypeObj>() {
            tp.flags
                .set(tp.flags.get() | crate::object::typeobj::TF_SHADOWED);
        }
    }

    fn set_instance_dict(&mut self, o: &ObjRef, v: Value) -> PyResult<()> {
        Self::mark_shadowed(&o.class());
        match &v {
            Value::Obj(d) if d.kind() == Kind::Dict => {
                if let Some(ext) = inst_ext(o) {
                    let old = ext.dict.replace(Some(d.clone()));
                    drop(old);
                }
                Ok(())
            }
            _ => {
                let t = self.type_name(&v);
                Err(self.type_error(format!("__dict__ must be set to a dictionary, not a '{t}'")))
            }
        }
    }

    fn set_class_attr(&mut self, o: &ObjRef, v: Value) -> PyResult<()> {
        match &v {
            Value::Obj(c) if c.kind() == Kind::Type && self.is_heap_class(c) && o.owns_cls() => {
                let new_layout = c
                    .downcast::<TypeObj>()
                    .unwrap()
                    .inst_vt
                    .map(|v| v as *const _);
                if new_layout != Some(o.vt() as *const _) {
                    return Err(self.type_error("__class__ assignment: object layout differs"));
                }
                o.set_class(c);
                Self::mark_shadowed(c);
                Ok(())
            }
            _ => Err(self.type_error("__class__ must be set to a class")),
        }
    }

    fn type_setattr(&mut self, cls: &ObjRef, name: &ObjRef, v: Option<Value>) -> PyResult<()> {
        let tp = cls.downcast::<TypeObj>().unwrap();
        if !tp.has(TF_HEAP) {
            let n = str_of(name).unwrap_or("?");
            return Err(self.type_error(format!(
                "cannot set '{n}' attribute of immutable type '{}'",
                tp.name()
            )));
        }
        let dd = tp.dict.downcast::<Dict>().unwrap();
        // A class attribute appearing after instances exist may be shadowed
        // by keys those instances (of this class or a subclass) already hold.
        self.classes_mutated = true;
        match (str_of(name), v) {
            (Some("__name__"), Some(Value::Obj(s))) if s.kind() == Kind::Str => {
                tp.name.replace(str_of(&s).unwrap().to_string());
            }
            (Some("__qualname__"), Some(Value::Obj(s))) if s.kind() == Kind::Str => {
                tp.qualname.replace(str_of(&s).unwrap().to_string());
            }
            (_, Some(v)) => dd.set_str(name, v),
            (_, None) => {
                if dd.del_str(name).is_none() {
                    let n = str_of(name).unwrap_or("?").to_string();
                    return Err(self.attribute_error(format!(
                        "type object '{}' has no attribute '{n}'",
                        tp.name()
                    )));
                }
            }
        }
        bump_type_epoch();
        Ok(())
    }

    // ----- inline-cached sites -----

    /// `LoadAttr` with its site cache.
    pub(crate) fn load_attr_site(
        &mut self,
        code: &Code,
        site: u16,
        obj: &Value,
    ) -> PyResult<Value> {
        let s = &code.sites[site as usize];
        if let Value::Obj(o) = obj {
            if let Some(ext) = inst_ext(o) {
                let cls_ptr = o.class_ptr() as usize;
                let epoch = type_epoch();
                let hint = s.cache.borrow().inst_dict_hint(cls_ptr, epoch);
                if let Some(hint) = hint {
                    if let Some(d) = ext.dict.borrow().as_ref() {
                        let dd = d.downcast::<Dict>().unwrap();
                        let t = dd.table.borrow();
                        if let Some(e) = t.entry(hint as usize) {
                            if let Value::Obj(k) = &e.key {
                                if k.is(&s.name) {
                                    return Ok(e.value.clone());
                                }
                            }
                        }
                        let sv = s.name.downcast::<crate::object::str::Str>().unwrap();
                        if let Some(ix) = t.find_str(&s.name, sv.as_str(), sv.hash()) {
                            let v = t.entry(ix).unwrap().value.clone();
                            drop(t);
                            s.cache
                                .borrow_mut()
                                .add_inst_dict(cls_ptr, epoch, ix as u32);
                            return Ok(v);
                        }
                    }
                }
                let cache = s.cache.borrow().clone();
                match cache {
                    SiteCache::Slot { cls, epoch, index }
                        if cls == o.class_ptr() as usize && epoch == type_epoch() =>
                    {
                        let v = ext.slots.borrow().get(index as usize).cloned();
                        if let Some(v) = v {
                            if !v.is_undef() {
                                return Ok(v);
                            }
                        }
                    }
                    _ => {}
                }
                // Slow path, then record what we found.
                let name = s.name.clone();
                let cls = o.class();
                let flags = self.type_flags(&cls);
                if flags & (TF_HAS_GETATTRIBUTE) == 0 {
                    let descr = self.lookup_mro(&cls, &name);
                    match &descr {
                        None => {
                            let hint = ext.dict.borrow().as_ref().and_then(|d| {
                                let dd = d.downcast::<Dict>().unwrap();
                                let t = dd.table.borrow();
                                let sv = name.downcast::<crate::object::str::Str>().unwrap();
                                t.find_str(&name, sv.as_str(), sv.hash())
                            });
                            if let Some(h) = hint {
                                s.cache.borrow_mut().add_inst_dict(
                                    o.class_ptr() as usize,
                                    type_epoch(),
                                    h as u32,
                                );
                            }
                        }
                        Some(Value::Obj(d)) if d.kind() == Kind::MemberDescr => {
                            let m = d.downcast::<MemberDescr>().unwrap();
                            *s.cache.borrow_mut() = SiteCache::Slot {
                                cls: o.class_ptr() as usize,
                                epoch: type_epoch(),
                                index: m.index as u32,
                            };
                        }
                        _ => {}
                    }
                }
                return self.get_attr(obj, &name);
            }
        }
        let name = s.name.clone();
        self.get_attr(obj, &name)
    }

    /// `StoreAttr` with its site cache.
    pub(crate) fn store_attr_site(
        &mut self,
        code: &Code,
        site: u16,
        obj: &Value,
        v: Value,
    ) -> PyResult<()> {
        let s = &code.sites[site as usize];
        if let Value::Obj(o) = obj {
            if let Some(ext) = inst_ext(o) {
                let hint = s
                    .cache
                    .borrow()
                    .inst_dict_hint(o.class_ptr() as usize, type_epoch());
                if let Some(hint) = hint {
                    if let Some(d) = ext.dict.borrow().as_ref() {
                        let dd = d.downcast::<Dict>().unwrap();
                        let mut t = dd.table.borrow_mut();
                        let hit = match t.entry(hint as usize) {
                            Some(e) => matches!(&e.key, Value::Obj(k) if k.is(&s.name)),
                            None => false,
                        };
                        if hit {
                            dd.note_insert(&Value::None, &v);
                            let old = t.replace_value(hint as usize, v);
                            drop(t);
                            drop(old);
                            return Ok(());
                        }
                        drop(t);
                        dd.set_str(&s.name, v);
                        return Ok(());
                    }
                }
                let cache = s.cache.borrow().clone();
                match cache {
                    SiteCache::Slot { cls, epoch, index }
                        if cls == o.class_ptr() as usize && epoch == type_epoch() =>
                    {
                        let old = {
                            let mut sl = ext.slots.borrow_mut();
                            std::mem::replace(&mut sl[index as usize], v)
                        };
                        drop(old);
                        return Ok(());
                    }
                    _ => {}
                }
                let name = s.name.clone();
                let cls = o.class();
                let flags = self.type_flags(&cls);
                if flags & TF_HAS_SETATTR == 0 {
                    let descr = self.lookup_mro(&cls, &name);
                    match &descr {
                        // Exceptions go the generic way: BaseException's
                        // data descriptors come before their dict.
                        None if flags & TF_HAS_DICT != 0 && o.kind() != Kind::Exception => {
                            let d = {
                                let mut slot = ext.dict.borrow_mut();
                                if slot.is_none() {
                                    *slot = Some(self.new_dict());
                                }
                                slot.clone().unwrap()
                            };
                            let dd = d.downcast::<Dict>().unwrap();
                            dd.set_str(&name, v);
                            let t = dd.table.borrow();
                            let sv = name.downcast::<crate::object::str::Str>().unwrap();
                            if let Some(ix) = t.find_str(&name, sv.as_str(), sv.hash()) {
                                s.cache.borrow_mut().add_inst_dict(
                                    o.class_ptr() as usize,
                                    type_epoch(),
                                    ix as u32,
                                );
                            }
                            return Ok(());
                        }
                        Some(Value::Obj(d)) if d.kind() == Kind::MemberDescr => {
                            let m = d.downcast::<MemberDescr>().unwrap();
                            *s.cache.borrow_mut() = SiteCache::Slot {
                                cls: o.class_ptr() as usize,
                                epoch: type_epoch(),
                                index: m.index as u32,
                            };
                        }
                        _ => {}
                    }
                }
                return self.set_attr(obj, &name, v);
            }
        }
        let name = s.name.clone();
        self.set_attr(obj, &name, v)
    }

    /// `LoadMethod`: (callable, self) without creating a bound method when
    /// the attribute is a plain function or builtin method of the class.
    pub(crate) fn load_method_site(
        &mut self,
        code: &Code,
        site: u16,
        obj: Value,
    ) -> PyResult<(Value, Value)> {
        let s = &code.sites[site as usize];
        let cls_ptr = self.type_ptr(&obj) as usize;
        let cached = s.cache.borrow().class_attr(cls_ptr, type_epoch());
        if let Some(value) = cached {
            {
                // Instance dicts need checking only when some instance may
                // shadow a class attribute (TF_SHADOWED) or classes changed.
                let may_shadow = self.classes_mutated
                    || match &obj {
                        Value::Obj(o) => o
                            .class()
                            .downcast::<TypeObj>()
                            .is_none_or(|tp| tp.has(TF_SHADOWED)),
                        _ => false,
                    };
                let shadowed = may_shadow
                    && match &obj {
                        Value::Obj(o) => inst_ext(o).is_some_and(|e| {
                            e.dict.borrow().as_ref().is_some_and(|d| {
                                d.downcast::<Dict>().unwrap().get_str(&s.name).is_some()
                            })
                        }),
                        _ => false,
                    };
                if !shadowed {
                    // SAFETY: class and epoch unchanged, so the class dict
                    // still holds the value.
                    return Ok((unsafe { value.to_value() }, obj));
                }
            }
        }
        let name = s.name.clone();
        let cls = self.type_of(&obj);
        let flags = self.type_flags(&cls);
        let is_plain = !matches!(&obj, Value::Obj(o) if matches!(o.kind(), Kind::Type | Kind::Module | Kind::Super));
        if is_plain && flags & TF_HAS_GETATTRIBUTE == 0 {
            if let Some(d) = self.lookup_mro(&cls, &name) {
                let methodlike = match &d {
                    Value::Obj(o) => {
                        (o.kind() == Kind::Function && !o.owns_cls())
                            || o.downcast::<MethodDescr>()
                                .is_some_and(|m| m.kind == MethodKind::Instance)
                    }
                    _ => false,
                };
                if methodlike {
                    let shadowed = match &obj {
                        Value::Obj(o) => inst_ext(o).is_some_and(|e| {
                            e.dict.borrow().as_ref().is_some_and(|dd| {
                                dd.downcast::<Dict>().unwrap().get_str(&name).is_some()
                            })
                        }),
                        _ => false,
                    };
                    if !shadowed {
                        s.cache.borrow_mut().add_class_attr(
                            cls_ptr,
                            type_epoch(),
                            RawValue::of(&d),
                        );
                        return Ok((d, obj));
                    }
                }
            }
        }
        let v = self.get_attr(&obj, &name)?;
        Ok((v, Value::Undef))
    }

    /// `super()` objects: look past `type` in the MRO of the object's class.
    fn super_getattr(&mut self, sup: &ObjRef, name: &ObjRef) -> PyResult<Option<Value>> {
        let s = sup
            .downcast::<crate::object::super_obj::SuperObj>()
            .unwrap();
        let start = s.this_type.clone();
        let obj = s.obj.clone();
        let obj_type = s.obj_type.clone();
        if str_of(name) == Some("__class__") {
            return Ok(Some(Value::Obj(sup.class())));
        }
        let mro = obj_type.downcast::<TypeObj>().unwrap().mro.borrow().clone();
        let mut seen = false;
        for c in mro.iter() {
            if !seen {
                if c.is(&start) {
                    seen = true;
                }
                continue;
            }
            let ct = c.downcast::<TypeObj>().unwrap();
            if let Some(d) = ct.dict.downcast::<Dict>().unwrap().get_str(name) {
                let is_instance = !matches!(&obj, Value::Obj(o) if o.is(&obj_type));
                if !is_instance {
                    // super(cls, cls): class-level binding.
                    return match &d {
                        Value::Obj(o) if o.kind() == Kind::ClassMethod => {
                            let f = o.downcast::<ClassMethod>().unwrap().0.func();
                            Ok(Some(Value::Obj(self.new_bound_method(f, obj.clone()))))
                        }
                        Value::Obj(o) if o.kind() == Kind::StaticMethod => {
                            Ok(Some(o.downcast::<StaticMethod>().unwrap().0.func()))
                        }
                        _ => Ok(Some(d)),
                    };
                }
                return self.descr_get(&d, &obj, &obj_type).map(Some);
            }
        }
        let sc = sup.class();
        match self.lookup_mro(&sc, name) {
            Some(d) => self.descr_get(&d, &Value::Obj(sup.clone()), &sc).map(Some),
            None => Ok(None),
        }
    }

    /// Calls method `name` of `obj` with `args` (a convenience for Rust code).
    pub fn call_method(&mut self, obj: &Value, name: &str, args: Vec<Value>) -> PyResult<Value> {
        let n = self.intern(name);
        let m = self.get_attr(obj, &n)?;
        self.call_value(&m, Args::new(args))
    }

    /// Reads attribute `name` of a function object (`__name__`, `__code__`...).
    pub(crate) fn function_attr(&mut self, f: &Function, name: &str) -> Option<Value> {
        Some(match name {
            "__name__" => Value::Obj(f.name.borrow().clone()),
            "__qualname__" => Value::Obj(f.qualname.borrow().clone()),
            "__doc__" => f.doc.borrow().clone(),
            "__module__" => f.module.borrow().clone(),
            "__code__" => Value::Obj(f.code.clone()),
            "__globals__" => Value::Obj(f.globals.clone()),
            "__builtins__" => Value::Obj(f.builtins.clone()),
            "__closure__" => match &f.closure {
                Some(c) => Value::Obj(c.clone()),
                None => Value::None,
            },
            "__defaults__" => match f.defaults.borrow().as_ref() {
                Some(d) => Value::Obj(d.clone()),
                None => Value::None,
            },
            "__kwdefaults__" => match f.kwdefaults.borrow().as_ref() {
                Some(d) => Value::Obj(d.clone()),
                None => Value::None,
            },
            "__annotations__" => {
                let existing = f.annotations.borrow().clone();
                match existing {
                    Some(d) => Value::Obj(d),
                    None => {
                        let d = self.new_dict();
                        f.annotations.replace(Some(d.clone()));
                        Value::Obj(d)
                    }
                }
            }
            "__dict__" => {
                let existing = f.dict.borrow().clone();
                match existing {
                    Some(d) => Value::Obj(d),
                    None => {
                        let d = self.new_dict();
                        f.dict.replace(Some(d.clone()));
                        Value::Obj(d)
                    }
                }
            }
            _ => {
                let d = f.dict.borrow().clone()?;
                let k = self.intern(name);
                return d.downcast::<Dict>().and_then(|d| d.get_str(&k));
            }
        })
    }
}
