//! `property`, `staticmethod`, `classmethod` and `super`: constructors and
//! the descriptor methods that let programs use them explicitly.

use std::cell::RefCell;

use crate::compile::code::Code;
use crate::object::function::{CellObj, ClassMethod, MethodWrapper, Property, StaticMethod};
use crate::object::kind::Kind;
use crate::object::super_obj::SuperObj;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

pub fn install(vm: &mut Vm) {
    let p = vm.types.property.clone();
    vm.add_staticmethod(&p, "__new__", property_new);
    vm.add_method(&p, "__init__", property_init);
    vm.add_method(&p, "getter", property_getter);
    vm.add_method(&p, "setter", property_setter);
    vm.add_method(&p, "deleter", property_deleter);
    vm.add_method(&p, "__get__", property_get);
    vm.add_method(&p, "__set__", property_set);
    vm.add_method(&p, "__set_name__", property_set_name);
    let s = vm.types.staticmethod.clone();
    vm.add_staticmethod(&s, "__new__", staticmethod_new);
    vm.add_method(&s, "__get__", staticmethod_get);
    let c = vm.types.classmethod.clone();
    vm.add_staticmethod(&c, "__new__", classmethod_new);
    vm.add_method(&c, "__get__", classmethod_get);
    let sp = vm.types.super_.clone();
    vm.add_staticmethod(&sp, "__new__", super_new);
    let f = vm.types.function.clone();
    vm.add_method(&f, "__get__", function_get);
    vm.add_method(&f, "__repr__", function_repr);
}

fn property_new(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    let t = vm.types.property.clone();
    Ok(Value::Obj(vm.alloc(
        &t,
        Property {
            fget: RefCell::new(Value::None),
            fset: RefCell::new(Value::None),
            fdel: RefCell::new(Value::None),
            doc: RefCell::new(Value::None),
            name: RefCell::new(Value::None),
        },
    )))
}

fn property_init(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let me = args.pos[0].as_obj().cloned().unwrap();
    let p = me.downcast::<Property>().unwrap();
    let fget = args.arg(1, "fget").unwrap_or(Value::None);
    let fset = args.arg(2, "fset").unwrap_or(Value::None);
    let fdel = args.arg(3, "fdel").unwrap_or(Value::None);
    let mut doc = args.arg(4, "doc").unwrap_or(Value::None);
    if doc.is_none() && !fget.is_none() {
        let d = vm.names.doc.clone();
        doc = vm.get_attr_opt(&fget, &d)?.unwrap_or(Value::None);
    }
    p.fget.replace(fget);
    p.fset.replace(fset);
    p.fdel.replace(fdel);
    p.doc.replace(doc);
    Ok(Value::None)
}

fn property_copy(vm: &mut Vm, args: &Args, which: usize) -> PyResult<Value> {
    let me = args.pos[0].as_obj().cloned().unwrap();
    let p = me.downcast::<Property>().unwrap();
    let f = args.pos.get(1).cloned().unwrap_or(Value::None);
    let mut vals = [
        p.fget.borrow().clone(),
        p.fset.borrow().clone(),
        p.fdel.borrow().clone(),
    ];
    vals[which] = f;
    let doc = p.doc.borrow().clone();
    let name = p.name.borrow().clone();
    let cls = me.class();
    let t = vm.types.property.clone();
    let n = vm.alloc_instance(
        &cls,
        &t,
        Property {
            fget: RefCell::new(vals[0].clone()),
            fset: RefCell::new(vals[1].clone()),
            fdel: RefCell::new(vals[2].clone()),
            doc: RefCell::new(doc),
            name: RefCell::new(name),
        },
    );
    Ok(Value::Obj(n))
}

fn property_getter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    property_copy(vm, &args, 0)
}

fn property_setter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    property_copy(vm, &args, 1)
}

fn property_deleter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    property_copy(vm, &args, 2)
}

fn property_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__get__", 2, 3)?;
    if args.pos[1].is_none() {
        return Ok(args.pos[0].clone());
    }
    let cls = vm.type_of(&args.pos[1]);
    vm.descr_get(&args.pos[0], &args.pos[1], &cls)
}

fn property_set(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__set__", 3, 3)?;
    let me = args.pos[0].as_obj().cloned().unwrap();
    let f = me.downcast::<Property>().unwrap().fset.borrow().clone();
    if f.is_none() {
        return Err(vm.attribute_error("can't set attribute"));
    }
    vm.call(&f, vec![args.pos[1].clone(), args.pos[2].clone()])?;
    Ok(Value::None)
}

fn property_set_name(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__set_name__", 3, 3)?;
    let me = args.pos[0].as_obj().cloned().unwrap();
    me.downcast::<Property>()
        .unwrap()
        .name
        .replace(args.pos[2].clone());
    Ok(Value::None)
}

fn staticmethod_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "staticmethod", 2, 2)?;
    let t = vm.types.staticmethod.clone();
    Ok(Value::Obj(vm.alloc(
        &t,
        StaticMethod(MethodWrapper::new(args.pos[1].clone())),
    )))
}

fn staticmethod_get(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let me = args.pos[0].as_obj().cloned().unwrap();
    Ok(me.downcast::<StaticMethod>().unwrap().0.func())
}

fn classmethod_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "classmethod", 2, 2)?;
    let t = vm.types.classmethod.clone();
    Ok(Value::Obj(vm.alloc(
        &t,
        ClassMethod(MethodWrapper::new(args.pos[1].clone())),
    )))
}

fn classmethod_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let me = args.pos[0].as_obj().cloned().unwrap();
    let f = me.downcast::<ClassMethod>().unwrap().0.func();
    let owner = match args.pos.get(2) {
        Some(o) if !o.is_none() => o.clone(),
        _ => Value::Obj(vm.type_of(&args.pos[1])),
    };
    Ok(Value::Obj(vm.new_bound_method(f, owner)))
}

fn function_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__get__", 2, 3)?;
    if args.pos[1].is_none() {
        return Ok(args.pos[0].clone());
    }
    Ok(Value::Obj(vm.new_bound_method(
        args.pos[0].clone(),
        args.pos[1].clone(),
    )))
}

fn function_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = vm.repr(&args.pos[0])?;
    Ok(vm.str_val(&s))
}

fn super_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.pos.remove(0);
    let (this_type, obj) = match args.pos.len() {
        0 => zero_arg_super(vm)?,
        1 | 2 => {
            let t = match &args.pos[0] {
                Value::Obj(t) if t.kind() == Kind::Type => t.clone(),
                other => {
                    let n = vm.type_name(other);
                    return Err(
                        vm.type_error(format!("super() argument 1 must be a type, not {n}"))
                    );
                }
            };
            match args.pos.get(1) {
                Some(o) => (t, o.clone()),
                None => {
                    return Err(
                        vm.type_error("super(type) without an object is not supported by mini")
                    )
                }
            }
        }
        _ => return Err(vm.type_error("super() takes at most 2 arguments")),
    };
    let obj_type = match &obj {
        Value::Obj(o) if o.kind() == Kind::Type && vm.is_subclass(o, &this_type) => o.clone(),
        _ => {
            let t = vm.type_of(&obj);
            if !vm.is_subclass(&t, &this_type) {
                return Err(
                    vm.type_error("super(type, obj): obj must be an instance or subtype of type")
                );
            }
            t
        }
    };
    let t = vm.types.super_.clone();
    Ok(Value::Obj(vm.alloc(
        &t,
        SuperObj {
            this_type,
            obj,
            obj_type,
        },
    )))
}

/// `super()` inside a method: the class from the `__class__` cell and the
/// first argument of the calling frame.
fn zero_arg_super(vm: &mut Vm) -> PyResult<(crate::object::rc::ObjRef, Value)> {
    let Some(f) = vm.frames.last() else {
        return Err(vm.runtime_error("super(): no arguments"));
    };
    let code: &Code = f.code();
    if code.argcount == 0 && code.flags & crate::compile::code::CO_VARARGS == 0 {
        return Err(vm.runtime_error("super(): no arguments"));
    }
    let base = f.base;
    let idx = code
        .freevars
        .iter()
        .position(|n| crate::object::str::str_of(n) == Some("__class__"));
    let Some(idx) = idx else {
        return Err(vm.runtime_error("super(): __class__ cell not found"));
    };
    let cell_reg = base + code.free_base as usize + idx;
    let cls = match vm.stack.get(cell_reg) {
        Value::Obj(c) => c.downcast::<CellObj>().map(|c| c.value.borrow().clone()),
        _ => None,
    };
    let cls = match cls {
        Some(Value::Obj(c)) if c.kind() == Kind::Type => c,
        _ => return Err(vm.runtime_error("super(): empty __class__ cell")),
    };
    let mut first = vm.stack.get(base).clone();
    if code.cell_regs.contains(&0) {
        if let Value::Obj(c) = &first {
            if let Some(cell) = c.downcast::<CellObj>() {
                let v = cell.value.borrow().clone();
                first = v;
            }
        }
    }
    if first.is_undef() {
        return Err(vm.runtime_error("super(): arg[0] deleted"));
    }
    Ok((cls, first))
}
