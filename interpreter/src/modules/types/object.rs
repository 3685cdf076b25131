//! Methods of `object` and `type`: construction hooks, the default
//! attribute protocol, repr/str/format/hash, `type(name, bases, ns)`,
//! `mro()` and `__subclasses__()`.

use crate::object::kind::Kind;
use crate::object::str::str_of;
use crate::object::typeobj::TypeObj;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

pub fn install(vm: &mut Vm) {
    let o = vm.types.object.clone();
    vm.add_staticmethod(&o, "__new__", object_new);
    vm.add_method(&o, "__init__", object_init);
    vm.add_method(&o, "__repr__", object_repr);
    vm.add_method(&o, "__str__", object_str);
    vm.add_method(&o, "__format__", object_format);
    vm.add_method(&o, "__hash__", object_hash);
    vm.add_method(&o, "__getattribute__", object_getattribute);
    vm.add_method(&o, "__setattr__", object_setattr);
    vm.add_method(&o, "__delattr__", object_delattr);
    vm.add_method(&o, "__dir__", object_dir);
    vm.add_method(&o, "__sizeof__", object_sizeof);
    vm.add_classmethod(&o, "__init_subclass__", object_init_subclass);
    vm.add_method(&o, "__reduce_ex__", object_reduce_ex);
    let doc = vm.str_val("The base class of the class hierarchy.");
    let d = o.downcast::<TypeObj>().unwrap().dict.clone();
    vm.set_in(&d, "__doc__", doc);
    let t = vm.types.type_.clone();
    vm.add_staticmethod(&t, "__new__", type_new);
    vm.add_method(&t, "__init__", object_init);
    vm.add_method(&t, "mro", type_mro);
    vm.add_method(&t, "__subclasses__", type_subclasses);
    vm.add_method(&t, "__instancecheck__", type_instancecheck);
    vm.add_method(&t, "__subclasscheck__", type_subclasscheck);
    vm.add_method(&t, "__repr__", object_repr);
    vm.add_method(&t, "__call__", type_call);
}

fn object_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.pos.first() {
        Some(Value::Obj(c)) if c.kind() == Kind::Type => c.clone(),
        Some(other) => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!("object.__new__(X): X is not a type object ({t})")));
        }
        None => return Err(vm.type_error("object.__new__(): not enough arguments")),
    };
    Ok(Value::Obj(vm.new_instance(&cls)?))
}

fn object_init(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::None)
}

fn object_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = match &args.pos[0] {
        Value::Obj(o) if o.kind() == Kind::Type => vm.repr(&args.pos[0])?,
        Value::Obj(o) => vm.default_repr(o),
        v => vm.repr(v)?,
    };
    Ok(vm.str_val(&s))
}

/// `types.MethodType(func, obj)`: a bound method.
pub fn method_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "method", 3, 3)?;
    if !super::super::builtins::is_callable(vm, &args.pos[1]) {
        return Err(vm.type_error("first argument must be callable"));
    }
    if args.pos[2].is_none() {
        return Err(vm.type_error("instance must not be None"));
    }
    Ok(Value::Obj(vm.new_bound_method(
        args.pos[1].clone(),
        args.pos[2].clone(),
    )))
}

/// `types.ModuleType(name, doc=None)`: a new, empty module.
pub fn module_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.pos.remove(0);
    let name = args.arg(0, "name");
    let doc = args.arg(1, "doc").unwrap_or(Value::None);
    args.no_kw(vm, "module")?;
    let name = match name {
        Some(Value::Obj(s)) if s.kind() == Kind::Str => str_of(&s).unwrap().to_string(),
        Some(other) => {
            let t = vm.type_name(&other);
            return Err(vm.type_error(format!(
                "module.__init__() argument 'name' must be str, not {t}"
            )));
        }
        None => {
            return Err(vm.type_error("module.__init__() missing required argument 'name' (pos 1)"))
        }
    };
    let m = vm.new_module(&name);
    let d = m
        .downcast::<crate::object::module::Module>()
        .unwrap()
        .dict
        .clone();
    vm.set_in(&d, "__doc__", doc);
    for k in ["__package__", "__loader__", "__spec__"] {
        vm.set_in(&d, k, Value::None);
    }
    Ok(Value::Obj(m))
}

/// `__repr__` of builtin types whose repr is computed natively (bytes,
/// range, slice, NoneType): the builtin repr of the value, ignoring any
/// subclass override.
pub fn native_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__repr__", 1, 1)?;
    let s = match &args.pos[0] {
        Value::Obj(o) => vm.builtin_repr(o)?,
        v => vm.repr(v)?,
    };
    Ok(vm.str_val(&s))
}

fn object_str(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = vm.repr(&args.pos[0])?;
    Ok(vm.str_val(&s))
}

fn object_format(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__format__", 2, 2)?;
    let spec = match &args.pos[1] {
        Value::Obj(s) if s.kind() == Kind::Str => str_of(s).unwrap().to_string(),
        other => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!("__format__() argument must be str, not {t}")));
        }
    };
    if !spec.is_empty() {
        let heap = matches!(&args.pos[0], Value::Obj(o) if o.owns_cls());
        if heap
            && !matches!(&args.pos[0], Value::Obj(o) if matches!(o.kind(), Kind::Int | Kind::Float | Kind::Str))
        {
            let t = vm.type_name(&args.pos[0]);
            return Err(vm.type_error(format!(
                "unsupported format string passed to {t}.__format__"
            )));
        }
    }
    let s = vm.builtin_format(&args.pos[0], &spec)?;
    Ok(vm.str_val(&s))
}

fn object_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match &args.pos[0] {
        Value::Obj(o) if o.owns_cls() && o.kind() == Kind::Object => {
            Ok(Value::Int(crate::vm::hash::hash_pointer(o.addr())))
        }
        v => Ok(Value::Int(vm.hash(&v.clone())?)),
    }
}

fn attr_name(vm: &mut Vm, v: &Value) -> PyResult<crate::object::rc::ObjRef> {
    match v {
        Value::Obj(s) if s.kind() == Kind::Str => Ok(vm.intern_obj(s)),
        other => {
            let t = vm.type_name(other);
            Err(vm.type_error(format!("attribute name must be string, not '{t}'")))
        }
    }
}

fn object_getattribute(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__getattribute__", 2, 2)?;
    let name = attr_name(vm, &args.pos[1])?;
    let obj = args.pos[0].clone();
    let cls = vm.type_of(&obj);
    let r = match &obj {
        Value::Obj(o) if o.kind() == Kind::Type => {
            // type.__getattribute__ through the generic path on classes.
            return vm.get_attr(&obj, &name);
        }
        _ => vm.generic_getattr(&obj, &cls, &name)?,
    };
    match r {
        Some(v) => Ok(v),
        None => Err(vm.no_attribute(&obj, &name)),
    }
}

fn object_setattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__setattr__", 3, 3)?;
    let name = attr_name(vm, &args.pos[1])?;
    let obj = args.pos[0].clone();
    let cls = vm.type_of(&obj);
    vm.generic_setattr(&obj, &cls, &name, Some(args.pos[2].clone()))?;
    Ok(Value::None)
}

fn object_delattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__delattr__", 2, 2)?;
    let name = attr_name(vm, &args.pos[1])?;
    let obj = args.pos[0].clone();
    let cls = vm.type_of(&obj);
    vm.generic_setattr(&obj, &cls, &name, None)?;
    Ok(Value::None)
}

fn object_dir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let names = vm.dir_of(&args.pos[0])?;
    let items: Vec<Value> = names.iter().map(|n| vm.str_val(n)).collect();
    Ok(Value::Obj(vm.new_list(items)))
}

fn object_sizeof(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Int(vm.basic_sizeof(&args.pos[0]) as i64))
}

fn object_init_subclass(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::None)
}

fn object_reduce_ex(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(vm.type_error("cannot pickle objects in mini"))
}

fn type_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    // type.__new__(type, name, bases, dict)
    if args.pos.len() == 2 {
        let o = args.pos[1].clone();
        return Ok(Value::Obj(vm.type_of(&o)));
    }
    if args.pos.len() != 4 {
        return Err(vm.type_error("type() takes 1 or 3 arguments"));
    }
    let ns = args.pos.pop().unwrap();
    let bases = args.pos.pop().unwrap();
    let name = args.pos.pop().unwrap();
    let name = match &name {
        Value::Obj(s) if s.kind() == Kind::Str => str_of(s).unwrap().to_string(),
        other => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!("type.__new__() argument 1 must be str, not {t}")));
        }
    };
    let bases = match &bases {
        Value::Obj(t) if t.kind() == Kind::Tuple => t
            .downcast::<crate::object::tuple::Tuple>()
            .unwrap()
            .as_slice()
            .to_vec(),
        other => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!("type.__new__() argument 2 must be tuple, not {t}")));
        }
    };
    let ns = match &ns {
        Value::Obj(d) if d.kind() == Kind::Dict => {
            let copy = vm.new_dict();
            vm.dict_update_from(&Value::Obj(copy.clone()), &ns, None)?;
            let _ = d;
            copy
        }
        other => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!("type.__new__() argument 3 must be dict, not {t}")));
        }
    };
    let nd = ns.downcast::<crate::object::dict::Dict>().unwrap();
    if nd.get_str(&vm.names.module).is_none() {
        let m = vm
            .frames
            .last()
            .and_then(|f| {
                f.globals
                    .downcast::<crate::object::dict::Dict>()
                    .and_then(|g| g.get_str(&vm.names.name))
            })
            .unwrap_or(Value::None);
        let k = vm.names.module.clone();
        nd.set_str(&k, m);
    }
    Ok(Value::Obj(vm.new_class(&name, bases, &ns)?))
}

fn type_call(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let cls = args.pos.remove(0);
    match &cls {
        Value::Obj(c) if c.kind() == Kind::Type => vm.call_type_native(&c.clone(), args),
        _ => Err(vm.type_error("descriptor '__call__' requires a 'type' object")),
    }
}

fn type_mro(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = args.pos[0].as_obj().cloned().unwrap();
    let mro: Vec<Value> = cls
        .downcast::<TypeObj>()
        .unwrap()
        .mro
        .borrow()
        .iter()
        .map(|c| Value::Obj(c.clone()))
        .collect();
    Ok(Value::Obj(vm.new_list(mro)))
}

fn type_subclasses(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = args.pos[0].as_obj().cloned().unwrap();
    let mut out = Vec::new();
    for o in vm.tracked_objects(None) {
        if o.kind() == Kind::Type {
            if let Some(t) = o.downcast::<TypeObj>() {
                if t.bases.borrow().iter().any(|b| b.is(&cls)) {
                    out.push(Value::Obj(o.clone()));
                }
            }
        }
    }
    Ok(Value::Obj(vm.new_list(out)))
}

fn type_instancecheck(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__instancecheck__", 2, 2)?;
    let cls = args.pos[0].as_obj().cloned().unwrap();
    Ok(Value::Bool(vm.isinstance(&args.pos[1], &cls)))
}

fn type_subclasscheck(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__subclasscheck__", 2, 2)?;
    let cls = args.pos[0].as_obj().cloned().unwrap();
    match &args.pos[1] {
        Value::Obj(o) if o.kind() == Kind::Type => Ok(Value::Bool(vm.is_subclass(o, &cls))),
        _ => Err(vm.type_error("issubclass() arg 1 must be a class")),
    }
}
