//! Methods of the builtin exceptions: construction (`args`, keyword
//! attributes such as `ImportError(name=...)`, OSError's errno subclasses),
//! `__str__`/`__repr__`, `with_traceback`.

use crate::object::instance::inst_ext;
use crate::object::kind::Kind;
use crate::object::rc::ObjRef;
use crate::object::tuple::Tuple;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::unwind::exc_base;
use crate::vm::{PyResult, Vm};

pub fn install(vm: &mut Vm) {
    let b = vm.types.exc.base_exception.clone();
    vm.add_staticmethod(&b, "__new__", exc_new);
    vm.add_method(&b, "__init__", exc_init);
    vm.add_method(&b, "__str__", exc_str);
    vm.add_method(&b, "__repr__", exc_repr);
    vm.add_method(&b, "with_traceback", with_traceback);
    vm.add_method(&b, "add_note", add_note);
    let os = vm.types.exc.os_error.clone();
    vm.add_method(&os, "__init__", os_error_init);
    for t in [
        vm.types.exc.import_error.clone(),
        vm.types.exc.attribute_error.clone(),
        vm.types.exc.name_error.clone(),
    ] {
        vm.add_method(&t, "__init__", kw_attr_init);
    }
}

fn exc_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let cls = match args.pos.remove(0) {
        Value::Obj(c) if c.kind() == Kind::Type => c,
        _ => return Err(vm.type_error("BaseException.__new__(X): X is not a type object")),
    };
    let mut cls = cls;
    // OSError(errno, ...) picks the subclass for well-known errnos.
    if cls.is(&vm.types.exc.os_error) && args.pos.len() >= 2 {
        if let Value::Int(e) = args.pos[0] {
            let sub = match e {
                2 => Some(vm.types.exc.file_not_found_error.clone()),
                17 => Some(vm.types.exc.file_exists_error.clone()),
                13 | 1 => Some(vm.types.exc.permission_error.clone()),
                21 => Some(vm.types.exc.is_a_directory_error.clone()),
                20 => Some(vm.types.exc.not_a_directory_error.clone()),
                4 => Some(vm.types.exc.interrupted_error.clone()),
                32 => Some(vm.types.exc.broken_pipe_error.clone()),
                110 => Some(vm.types.exc.timeout_error.clone()),
                _ => None,
            };
            if let Some(s) = sub {
                cls = s;
            }
        }
    }
    let pos: Vec<Value> = args.pos.into_vec();
    Ok(Value::Obj(vm.new_exception(&cls, pos)))
}

fn exc_init(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let me = args.pos.remove(0);
    if !args.kw.is_empty() {
        let t = vm.type_name(&me);
        return Err(vm.type_error(format!("{t}() takes no keyword arguments")));
    }
    if let Value::Obj(o) = &me {
        if let Some(e) = exc_base(o) {
            let t = vm.new_tuple(args.pos.into_vec());
            e.args.replace(t);
        }
    }
    Ok(Value::None)
}

/// `OSError(errno, strerror[, filename[, winerror[, filename2]]])`: with a
/// filename, `args` keeps only (errno, strerror) and the names become
/// attributes, as in CPython.
fn os_error_init(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let me = args.pos.remove(0);
    if !args.kw.is_empty() {
        let t = vm.type_name(&me);
        return Err(vm.type_error(format!("{t}() takes no keyword arguments")));
    }
    let pos = args.pos.into_vec();
    let Value::Obj(o) = &me else {
        return Ok(Value::None);
    };
    let n = pos.len();
    let kept = if (3..=5).contains(&n) {
        pos[..2].to_vec()
    } else {
        pos.clone()
    };
    if let Some(e) = exc_base(o) {
        let t = vm.new_tuple(kept);
        e.args.replace(t);
    }
    if (3..=5).contains(&n) {
        let err = crate::vm::PyErr { exc: o.clone() };
        vm.set_exc_attr(&err, "filename", pos[2].clone());
        if n == 5 {
            vm.set_exc_attr(&err, "filename2", pos[4].clone());
        }
    }
    Ok(Value::None)
}

/// `__init__` of exceptions with keyword attributes (ImportError(name=,
/// path=), AttributeError(name=, obj=), NameError(name=)).
fn kw_attr_init(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let me = args.pos.remove(0);
    let allowed: &[&str] = if vm.isinstance(&me, &vm.types.exc.import_error.clone()) {
        &["name", "path"]
    } else if vm.isinstance(&me, &vm.types.exc.attribute_error.clone()) {
        &["name", "obj"]
    } else {
        &["name"]
    };
    let mut attrs = Vec::new();
    for (k, v) in std::mem::take(&mut args.kw) {
        let ks = crate::object::str::str_of(&k).unwrap_or("").to_string();
        if !allowed.contains(&ks.as_str()) {
            let t = vm.type_name(&me);
            return Err(vm.type_error(format!("{t}() got an unexpected keyword argument '{ks}'")));
        }
        attrs.push((ks, v));
    }
    if let Value::Obj(o) = &me {
        if let Some(e) = exc_base(o) {
            let t = vm.new_tuple(args.pos.into_vec());
            e.args.replace(t);
        }
        for (k, v) in attrs {
            vm.set_exc_attr(&crate::vm::PyErr { exc: o.clone() }, &k, v);
        }
    }
    Ok(Value::None)
}

fn exc_str(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = args.pos[0].as_obj().cloned().unwrap();
    let s = vm.exception_str(&o)?;
    Ok(vm.str_val(&s))
}

fn exc_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = args.pos[0].as_obj().cloned().unwrap();
    let name = vm.type_name(&args.pos[0]);
    let items = exc_base(&o)
        .and_then(|e| {
            e.args
                .borrow()
                .downcast::<Tuple>()
                .map(|t| t.as_slice().to_vec())
        })
        .unwrap_or_default();
    let mut parts = Vec::new();
    for it in &items {
        parts.push(vm.repr(it)?);
    }
    Ok(vm.str_val(&format!("{name}({})", parts.join(", "))))
}

fn with_traceback(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "with_traceback", 2, 2)?;
    let o = args.pos[0].as_obj().cloned().unwrap();
    if let Some(e) = exc_base(&o) {
        e.traceback.replace(args.pos[1].clone());
    }
    Ok(args.pos[0].clone())
}

fn add_note(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "add_note", 2, 2)?;
    let o: ObjRef = args.pos[0].as_obj().cloned().unwrap();
    if let Some(ext) = inst_ext(&o) {
        let d = {
            let mut slot = ext.dict.borrow_mut();
            if slot.is_none() {
                *slot = Some(vm.new_dict());
            }
            slot.clone().unwrap()
        };
        let key = vm.intern("__notes__");
        let dd = d.downcast::<crate::object::dict::Dict>().unwrap();
        let l = match dd.get_str(&key) {
            Some(l) => l,
            None => {
                let l = Value::Obj(vm.new_list(vec![]));
                dd.set_str(&key, l.clone());
                l
            }
        };
        if let Value::Obj(lo) = l {
            if let Some(list) = lo.downcast::<crate::object::list::List>() {
                list.items.borrow_mut().push(args.pos[1].clone());
            }
        }
    }
    Ok(Value::None)
}
