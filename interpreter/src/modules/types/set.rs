//! Methods of `set` and `frozenset`.

use crate::compile::opcode::BinOp;
use crate::object::kind::Kind;
use crate::object::set::Set;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

use super::self_obj;

pub fn install(vm: &mut Vm) {
    for (t, frozen) in [
        (vm.types.set.clone(), false),
        (vm.types.frozenset.clone(), true),
    ] {
        let methods: &[(&'static str, crate::object::function::NativeFn)] = &[
            ("copy", copy),
            ("union", union),
            ("intersection", intersection),
            ("difference", difference),
            ("symmetric_difference", symmetric_difference),
            ("issubset", issubset),
            ("issuperset", issuperset),
            ("isdisjoint", isdisjoint),
            ("__len__", len),
            ("__contains__", contains),
            ("__iter__", iter),
            ("__repr__", repr),
        ];
        for (n, f) in methods {
            vm.add_method(&t, n, *f);
        }
        if frozen {
            vm.add_staticmethod(&t, "__new__", frozenset_new);
            vm.add_method(&t, "__hash__", frozenset_hash);
        } else {
            vm.add_staticmethod(&t, "__new__", set_new);
            vm.add_method(&t, "__init__", set_init);
            let ms: &[(&'static str, crate::object::function::NativeFn)] = &[
                ("add", add),
                ("remove", remove),
                ("discard", discard),
                ("pop", pop),
                ("clear", clear),
                ("update", update),
                ("intersection_update", intersection_update),
                ("difference_update", difference_update),
                ("symmetric_difference_update", symmetric_difference_update),
            ];
            for (n, f) in ms {
                vm.add_method(&t, n, *f);
            }
            let d = t
                .downcast::<crate::object::typeobj::TypeObj>()
                .unwrap()
                .dict
                .clone();
            vm.set_in(&d, "__hash__", Value::None);
        }
    }
}

fn set_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let cls = args.pos.remove(0).into_obj().unwrap();
    let st = vm.types.set.clone();
    Ok(Value::Obj(vm.alloc_instance(&cls, &st, Set::new(false))))
}

fn set_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "set", 1, 2)?;
    let s = self_obj(&args);
    let old = s.downcast::<Set>().unwrap().table.borrow_mut().take_all();
    drop(old);
    if let Some(src) = args.pos.get(1) {
        vm.set_update(&args.pos[0], &src.clone())?;
    }
    Ok(Value::None)
}

fn frozenset_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let cls = args.pos.remove(0).into_obj().unwrap();
    args.check(vm, "frozenset", 0, 1)?;
    if cls.is(&vm.types.frozenset) {
        if let Some(Value::Obj(o)) = args.pos.first() {
            if o.kind() == Kind::Set && o.downcast::<Set>().unwrap().frozen && !o.owns_cls() {
                return Ok(Value::Obj(o.clone()));
            }
        }
    }
    let ft = vm.types.frozenset.clone();
    let s = vm.alloc_instance(&cls, &ft, Set::new(true));
    if let Some(src) = args.pos.first() {
        vm.set_update(&Value::Obj(s.clone()), &src.clone())?;
    }
    Ok(Value::Obj(s))
}

fn frozenset_hash(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_obj(&args);
    Ok(Value::Int(crate::vm::hash::frozenset_hash(
        s.downcast::<Set>().unwrap(),
    )))
}

fn as_set(vm: &mut Vm, v: &Value) -> PyResult<crate::object::rc::ObjRef> {
    match v {
        Value::Obj(o) if o.kind() == Kind::Set => Ok(o.clone()),
        _ => {
            let items = vm.collect_iter(v)?;
            vm.new_set_from(items, false)
        }
    }
}

fn frozen(v: &Value) -> bool {
    matches!(v, Value::Obj(o) if o.downcast::<Set>().is_some_and(|s| s.frozen))
}

fn copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = frozen(&args.pos[0]);
    let s = self_obj(&args);
    if f && !s.owns_cls() {
        return Ok(args.pos[0].clone());
    }
    let n = vm.new_set(f);
    vm.set_update(&Value::Obj(n.clone()), &args.pos[0])?;
    Ok(Value::Obj(n))
}

fn union(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = frozen(&args.pos[0]);
    let n = vm.new_set(f);
    vm.set_update(&Value::Obj(n.clone()), &args.pos[0])?;
    for o in &args.pos[1..] {
        vm.set_update(&Value::Obj(n.clone()), o)?;
    }
    Ok(Value::Obj(n))
}

fn intersection(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = frozen(&args.pos[0]);
    let mut cur = self_obj(&args);
    if args.pos.len() == 1 {
        return copy(vm, args);
    }
    for o in &args.pos[1..] {
        let other = as_set(vm, o)?;
        cur = vm.set_intersection(&cur, &other, f)?;
    }
    Ok(Value::Obj(cur))
}

fn difference(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = frozen(&args.pos[0]);
    let mut cur = self_obj(&args);
    if args.pos.len() == 1 {
        return copy(vm, args);
    }
    for o in &args.pos[1..] {
        let other = as_set(vm, o)?;
        cur = vm.set_difference(&cur, &other, f)?;
    }
    Ok(Value::Obj(cur))
}

fn symmetric_difference(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "symmetric_difference", 2, 2)?;
    let other = as_set(vm, &args.pos[1])?;
    match vm.set_binop(BinOp::Xor, &args.pos[0], &Value::Obj(other))? {
        Some(v) => Ok(v),
        None => Ok(Value::None),
    }
}

fn issubset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "issubset", 2, 2)?;
    let s = self_obj(&args);
    let other = as_set(vm, &args.pos[1])?;
    Ok(Value::Bool(vm.set_is_subset(&s, &other)?))
}

fn issuperset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "issuperset", 2, 2)?;
    let s = self_obj(&args);
    let other = as_set(vm, &args.pos[1])?;
    Ok(Value::Bool(vm.set_is_subset(&other, &s)?))
}

fn isdisjoint(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "isdisjoint", 2, 2)?;
    let s = self_obj(&args);
    for x in vm.collect_iter(&args.pos[1])? {
        if vm.set_contains(&s, &x)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn len(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Int(
        self_obj(&args).downcast::<Set>().unwrap().len() as i64
    ))
}

fn contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__contains__", 2, 2)?;
    let s = self_obj(&args);
    Ok(Value::Bool(vm.set_contains(&s, &args.pos[1])?))
}

fn iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_obj(&args);
    let len = s.downcast::<Set>().unwrap().len();
    let t = vm.types.set_iterator.clone();
    Ok(Value::Obj(vm.new_iter(
        &t,
        crate::object::iter::IterState::Set { s, pos: 0, len },
    )))
}

fn repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = vm.repr(&args.pos[0])?;
    Ok(vm.str_val(&s))
}

fn add(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "add", 2, 2)?;
    vm.set_add(&args.pos[0], args.pos[1].clone())?;
    Ok(Value::None)
}

fn remove(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "remove", 2, 2)?;
    let s = self_obj(&args);
    if !vm.set_discard(&s, &args.pos[1])? {
        return Err(vm.key_error(args.pos[1].clone()));
    }
    Ok(Value::None)
}

fn discard(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "discard", 2, 2)?;
    let s = self_obj(&args);
    vm.set_discard(&s, &args.pos[1])?;
    Ok(Value::None)
}

fn pop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_obj(&args);
    let r = s.downcast::<Set>().unwrap().table.borrow_mut().pop();
    match r {
        Some(v) => Ok(v),
        None => Err(vm.key_error_msg("pop from an empty set")),
    }
}

fn clear(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_obj(&args);
    let old = s.downcast::<Set>().unwrap().table.borrow_mut().take_all();
    drop(old);
    Ok(Value::None)
}

fn update(vm: &mut Vm, args: Args) -> PyResult<Value> {
    for o in &args.pos[1..] {
        vm.set_update(&args.pos[0], o)?;
    }
    Ok(Value::None)
}

fn replace_table(dst: &crate::object::rc::ObjRef, src: &crate::object::rc::ObjRef) {
    let new = std::mem::take(&mut *src.downcast::<Set>().unwrap().table.borrow_mut());
    let old = std::mem::replace(&mut *dst.downcast::<Set>().unwrap().table.borrow_mut(), new);
    drop(old);
}

fn intersection_update(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_obj(&args);
    for o in &args.pos[1..] {
        let other = as_set(vm, o)?;
        let r = vm.set_intersection(&s, &other, false)?;
        replace_table(&s, &r);
    }
    Ok(Value::None)
}

fn difference_update(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_obj(&args);
    for o in &args.pos[1..] {
        for k in vm.collect_iter(o)? {
            vm.set_discard(&s, &k)?;
        }
    }
    Ok(Value::None)
}

fn symmetric_difference_update(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "symmetric_difference_update", 2, 2)?;
    let s = self_obj(&args);
    let other = as_set(vm, &args.pos[1])?;
    vm.set_symmetric_update(&s, &other)?;
    Ok(Value::None)
}
