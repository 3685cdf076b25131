//! Methods of `tuple`.

use crate::object::tuple::Tuple;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

use super::self_obj;

pub fn install(vm: &mut Vm) {
    let t = vm.types.tuple.clone();
    vm.add_staticmethod(&t, "__new__", new);
    vm.add_method(&t, "index", index);
    vm.add_method(&t, "count", count);
    vm.add_method(&t, "__len__", len);
    vm.add_method(&t, "__getitem__", getitem);
    vm.add_method(&t, "__contains__", contains);
    vm.add_method(&t, "__iter__", iter);
    vm.add_method(&t, "__hash__", hash);
    vm.add_method(&t, "__repr__", repr);
    vm.add_method(&t, "__getnewargs__", getnewargs);
}

fn items(v: &Value) -> Vec<Value> {
    v.as_obj()
        .and_then(|o| o.downcast::<Tuple>().map(|t| t.as_slice().to_vec()))
        .unwrap_or_default()
}

fn new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let cls = args.pos.remove(0).into_obj().unwrap();
    args.check(vm, "tuple", 0, 1)?;
    let v = match args.pos.first() {
        Some(x) => vm.collect_iter(&x.clone())?,
        None => Vec::new(),
    };
    if cls.is(&vm.types.tuple) {
        return Ok(Value::Obj(vm.new_tuple(v)));
    }
    let tt = vm.types.tuple.clone();
    Ok(Value::Obj(vm.alloc_instance(&cls, &tt, Tuple::new(v))))
}

fn index(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "index", 2, 4)?;
    let v = items(&args.pos[0]);
    let n = v.len() as i64;
    let norm = |x: i64| if x < 0 { (x + n).max(0) } else { x.min(n) } as usize;
    let start = match args.pos.get(2) {
        Some(x) => norm(vm.index_value(&x.clone())?),
        None => 0,
    };
    let end = match args.pos.get(3) {
        Some(x) => norm(vm.index_value(&x.clone())?),
        None => v.len(),
    };
    for (i, item) in v.iter().enumerate().take(end.min(v.len())).skip(start) {
        if vm.eq(item, &args.pos[1])? {
            return Ok(Value::Int(i as i64));
        }
    }
    Err(vm.value_error("tuple.index(x): x not in tuple"))
}

fn count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "count", 2, 2)?;
    let mut c = 0;
    for x in items(&args.pos[0]) {
        if vm.eq(&x, &args.pos[1])? {
            c += 1;
        }
    }
    Ok(Value::Int(c))
}

fn len(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Int(items(&args.pos[0]).len() as i64))
}

fn plain(vm: &mut Vm, v: &Value) -> Value {
    match v {
        Value::Obj(o) if o.owns_cls() => Value::Obj(vm.new_tuple(items(v))),
        _ => v.clone(),
    }
}

fn getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__getitem__", 2, 2)?;
    let p = plain(vm, &args.pos[0]);
    vm.get_item(&p, &args.pos[1])
}

fn contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__contains__", 2, 2)?;
    let p = plain(vm, &args.pos[0]);
    Ok(Value::Bool(vm.contains(&p, &args.pos[1])?))
}

fn iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = self_obj(&args);
    let t = vm.types.tuple_iterator.clone();
    Ok(Value::Obj(vm.new_iter(
        &t,
        crate::object::iter::IterState::Tuple { seq: o, index: 0 },
    )))
}

fn hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = items(&args.pos[0]);
    Ok(Value::Int(vm.hash_tuple(&v)?))
}

fn repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = plain(vm, &args.pos[0]);
    let s = vm.repr(&p)?;
    Ok(vm.str_val(&s))
}

fn getnewargs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = plain(vm, &args.pos[0]);
    Ok(Value::Obj(vm.new_tuple(vec![p])))
}
