//! Builtins about iteration: `iter`, `next`, `sum`, `min`, `max`, `all`,
//! `any`, `sorted`, and the iterator types `enumerate`, `zip`, `map`,
//! `filter`, `reversed` (their `__new__` and iterator protocol).

use crate::compile::opcode::{BinOp, CmpOp};
use crate::object::iter::IterState;
use crate::object::kind::Kind;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

const M: &str = "builtins";

pub fn install(vm: &mut Vm) {
    let b = vm.builtins.clone();
    let fns: &[(&'static str, crate::object::function::NativeFn)] = &[
        ("iter", iter),
        ("next", next),
        ("sum", sum),
        ("min", min),
        ("max", max),
        ("all", all),
        ("any", any),
        ("sorted", sorted),
    ];
    for (n, f) in fns {
        vm.add_function(&b, M, n, *f);
    }
    let t = vm.types.enumerate.clone();
    vm.add_staticmethod(&t, "__new__", enumerate_new);
    let t = vm.types.zip.clone();
    vm.add_staticmethod(&t, "__new__", zip_new);
    let t = vm.types.map.clone();
    vm.add_staticmethod(&t, "__new__", map_new);
    let t = vm.types.filter.clone();
    vm.add_staticmethod(&t, "__new__", filter_new);
    let t = vm.types.reversed.clone();
    vm.add_staticmethod(&t, "__new__", reversed_new);
    // Every builtin iterator type gets __iter__ and __next__.
    let iter_types = [
        vm.types.list_iterator.clone(),
        vm.types.list_reverseiterator.clone(),
        vm.types.tuple_iterator.clone(),
        vm.types.range_iterator.clone(),
        vm.types.str_iterator.clone(),
        vm.types.bytes_iterator.clone(),
        vm.types.dict_keyiterator.clone(),
        vm.types.dict_valueiterator.clone(),
        vm.types.dict_itemiterator.clone(),
        vm.types.dict_reversekeyiterator.clone(),
        vm.types.set_iterator.clone(),
        vm.types.seq_iterator.clone(),
        vm.types.callable_iterator.clone(),
        vm.types.enumerate.clone(),
        vm.types.zip.clone(),
        vm.types.map.clone(),
        vm.types.filter.clone(),
        vm.types.reversed.clone(),
        vm.types.generator.clone(),
    ];
    for t in &iter_types {
        vm.add_method(t, "__iter__", self_iter);
        vm.add_method(t, "__next__", dunder_next);
    }
    let g = vm.types.generator.clone();
    vm.add_method(&g, "send", gen_send);
    vm.add_method(&g, "throw", gen_throw);
    vm.add_method(&g, "close", gen_close);
}

fn self_iter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(args.pos[0].clone())
}

fn dunder_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match &args.pos[0] {
        Value::Obj(o) if o.kind() == Kind::Generator => {
            match vm.gen_send(&o.clone(), Value::None)? {
                crate::vm::generator::GenResult::Yielded(v) => Ok(v),
                crate::vm::generator::GenResult::Returned(v) => Err(vm.stop_iteration(v)),
            }
        }
        it => match vm.next(&it.clone())? {
            Some(v) => Ok(v),
            None => Err(vm.stop_iteration(Value::None)),
        },
    }
}

fn gen_send(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.gen_send_method(args)
}

fn gen_throw(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "throw", 2, 4)?;
    let g = args.pos[0].as_obj().cloned().unwrap();
    let typ = args.pos[1].clone();
    let exc = match (&typ, args.pos.get(2)) {
        (Value::Obj(t), Some(v)) if t.kind() == Kind::Type && !v.is_none() => {
            if matches!(v, Value::Obj(o) if o.kind() == Kind::Exception) {
                v.as_obj().cloned().unwrap()
            } else {
                {
                    let inst = vm.call(&typ, vec![v.clone()])?;
                    vm.make_exception(inst)?
                }
            }
        }
        _ => vm.make_exception(typ)?,
    };
    if let Some(tb) = args.pos.get(3) {
        if let Some(e) = crate::vm::unwind::exc_base(&exc) {
            e.traceback.replace(tb.clone());
        }
    }
    match vm.gen_throw(&g, exc)? {
        crate::vm::generator::GenResult::Yielded(v) => Ok(v),
        crate::vm::generator::GenResult::Returned(v) => Err(vm.stop_iteration(v)),
    }
}

fn gen_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = args.pos[0].as_obj().cloned().unwrap();
    vm.gen_close(&g)?;
    Ok(Value::None)
}

fn iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "iter", 1, 2)?;
    if args.pos.len() == 2 {
        if !crate::modules::builtins::is_callable(vm, &args.pos[0]) {
            return Err(vm.type_error("iter(v, w): v must be callable"));
        }
        let t = vm.types.callable_iterator.clone();
        return Ok(Value::Obj(vm.new_iter(
            &t,
            IterState::Callable {
                func: args.pos[0].clone(),
                sentinel: args.pos[1].clone(),
            },
        )));
    }
    vm.get_iter(&args.pos[0])
}

fn next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "next", 1, 2)?;
    let it = &args.pos[0];
    let is_iter = match it {
        Value::Obj(o) => {
            matches!(o.kind(), Kind::Iter | Kind::Generator)
                || vm.lookup_special(it, &vm.names.next.clone()).is_some()
                || (o.kind() == Kind::Native)
        }
        _ => false,
    };
    if !is_iter {
        let t = vm.type_name(it);
        return Err(vm.type_error(format!("'{t}' object is not an iterator")));
    }
    if let Value::Obj(o) = it {
        if o.kind() == Kind::Generator && !o.owns_cls() {
            return match vm.gen_send(&o.clone(), Value::None)? {
                crate::vm::generator::GenResult::Yielded(v) => Ok(v),
                crate::vm::generator::GenResult::Returned(v) => match args.pos.get(1) {
                    Some(d) => Ok(d.clone()),
                    None => Err(vm.stop_iteration(v)),
                },
            };
        }
        if o.owns_cls() {
            let f = vm.lookup_special(it, &vm.names.next.clone()).unwrap();
            return match vm.call(&f, vec![it.clone()]) {
                Ok(v) => Ok(v),
                Err(e)
                    if args.pos.len() == 2
                        && vm.err_is(&e, &vm.types.exc.stop_iteration.clone()) =>
                {
                    Ok(args.pos[1].clone())
                }
                Err(e) => Err(e),
            };
        }
    }
    match vm.next(it)? {
        Some(v) => Ok(v),
        None => match args.pos.get(1) {
            Some(d) => Ok(d.clone()),
            None => Err(vm.stop_iteration(Value::None)),
        },
    }
}

fn sum(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let start = args.take_kw("start");
    args.no_kw(vm, "sum")?;
    args.check_pos(vm, "sum", 1, 2)?;
    let mut acc = start
        .or_else(|| args.pos.get(1).cloned())
        .unwrap_or(Value::Int(0));
    if let Value::Obj(o) = &acc {
        match o.kind() {
            Kind::Str => {
                return Err(vm.type_error("sum() can't sum strings [use ''.join(seq) instead]"))
            }
            Kind::Bytes => {
                return Err(vm.type_error("sum() can't sum bytes [use b''.join(seq) instead]"))
            }
            _ => {}
        }
    }
    let it = vm.get_iter(&args.pos[0])?;
    // Float sums accumulate like CPython (plain addition, same order).
    while let Some(x) = vm.next(&it)? {
        acc = match (&acc, &x) {
            (Value::Int(a), Value::Int(b)) if a.checked_add(*b).is_some() => Value::Int(a + b),
            (Value::Float(a), Value::Float(b)) => Value::Float(a + b),
            _ => vm.binary_op(BinOp::Add, &acc, &x)?,
        };
    }
    Ok(acc)
}

fn min_max(vm: &mut Vm, mut args: Args, is_max: bool) -> PyResult<Value> {
    let name = if is_max { "max" } else { "min" };
    let key = args.take_kw("key").filter(|k| !k.is_none());
    let default = args.take_kw("default");
    args.no_kw(vm, name)?;
    let items: Vec<Value> = match args.pos.len() {
        0 => return Err(vm.type_error(format!("{name} expected at least 1 argument, got 0"))),
        1 => vm.collect_iter(&args.pos[0])?,
        _ => {
            if default.is_some() {
                return Err(vm.type_error(format!(
                    "Cannot specify a default for {name}() with multiple positional arguments"
                )));
            }
            args.pos.to_vec()
        }
    };
    if items.is_empty() {
        return match default {
            Some(d) => Ok(d),
            None => Err(vm.value_error(format!("{name}() arg is an empty sequence"))),
        };
    }
    let mut best = items[0].clone();
    let mut best_key = match &key {
        Some(k) => vm.call(k, vec![best.clone()])?,
        None => best.clone(),
    };
    for it in items.into_iter().skip(1) {
        let k = match &key {
            Some(kf) => vm.call(kf, vec![it.clone()])?,
            None => it.clone(),
        };
        let better = if is_max {
            vm.compare_bool(CmpOp::Gt, &k, &best_key)?
        } else {
            vm.compare_bool(CmpOp::Lt, &k, &best_key)?
        };
        if better {
            best = it;
            best_key = k;
        }
    }
    Ok(best)
}

fn min(vm: &mut Vm, args: Args) -> PyResult<Value> {
    min_max(vm, args, false)
}

fn max(vm: &mut Vm, args: Args) -> PyResult<Value> {
    min_max(vm, args, true)
}

fn all(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "all", 1, 1)?;
    let it = vm.get_iter(&args.pos[0])?;
    while let Some(x) = vm.next(&it)? {
        if !vm.truthy(&x)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn any(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "any", 1, 1)?;
    let it = vm.get_iter(&args.pos[0])?;
    while let Some(x) = vm.next(&it)? {
        if vm.truthy(&x)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn sorted(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let key = args.take_kw("key").unwrap_or(Value::None);
    let reverse = match args.take_kw("reverse") {
        Some(r) => vm.truthy(&r)?,
        None => false,
    };
    args.no_kw(vm, "sorted")?;
    if args.pos.len() != 1 {
        return Err(vm.type_error(format!(
            "sorted expected 1 argument, got {}",
            args.pos.len()
        )));
    }
    let items = vm.collect_iter(&args.pos[0])?;
    let sorted = crate::modules::types::list::sort_values(vm, items, &key, reverse)?;
    Ok(Value::Obj(vm.new_list(sorted)))
}

fn enumerate_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.pos.remove(0);
    let it = args.arg(0, "iterable");
    let start = args.arg(1, "start").unwrap_or(Value::Int(0));
    let Some(it) = it else {
        return Err(vm.type_error("enumerate() missing required argument 'iterable' (pos 1)"));
    };
    if crate::vm::arith::as_int(&start).is_none() {
        let t = vm.type_name(&start);
        return Err(vm.type_error(format!("'{t}' object cannot be interpreted as an integer")));
    }
    let iter = vm.get_iter(&it)?;
    let t = vm.types.enumerate.clone();
    Ok(Value::Obj(vm.new_iter(
        &t,
        IterState::Enumerate {
            it: iter,
            count: start,
        },
    )))
}

fn zip_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.pos.remove(0);
    let strict = match args.take_kw("strict") {
        Some(s) => vm.truthy(&s)?,
        None => false,
    };
    args.no_kw(vm, "zip")?;
    let mut its = Vec::new();
    for a in args.pos.iter() {
        its.push(vm.get_iter(a)?);
    }
    let t = vm.types.zip.clone();
    Ok(Value::Obj(vm.new_iter(&t, IterState::Zip { its, strict })))
}

fn map_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.pos.remove(0);
    if args.pos.len() < 2 {
        return Err(vm.type_error("map() must have at least two arguments."));
    }
    let func = args.pos.remove(0);
    let mut its = Vec::new();
    for a in args.pos.iter() {
        its.push(vm.get_iter(a)?);
    }
    let t = vm.types.map.clone();
    Ok(Value::Obj(vm.new_iter(&t, IterState::Map { func, its })))
}

fn filter_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.pos.remove(0);
    args.check(vm, "filter", 2, 2)?;
    let it = vm.get_iter(&args.pos[1])?;
    let t = vm.types.filter.clone();
    Ok(Value::Obj(vm.new_iter(
        &t,
        IterState::Filter {
            func: args.pos[0].clone(),
            it,
        },
    )))
}

fn reversed_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.pos.remove(0);
    args.check(vm, "reversed", 1, 1)?;
    let seq = args.pos[0].clone();
    if let Some(f) = vm.lookup_special(&seq, &vm.names.reversed.clone()) {
        if !seq.as_obj().is_some_and(|o| {
            !o.owns_cls() && matches!(o.kind(), Kind::List | Kind::Tuple | Kind::Str | Kind::Range)
        }) {
            return vm.call(&f, vec![seq.clone()]);
        }
    }
    if let Value::Obj(o) = &seq {
        if o.kind() == Kind::List && !o.owns_cls() {
            let n = o.downcast::<crate::object::list::List>().unwrap().len();
            let t = vm.types.list_reverseiterator.clone();
            return Ok(Value::Obj(vm.new_iter(
                &t,
                IterState::ListRev {
                    seq: o.clone(),
                    index: n,
                },
            )));
        }
        if o.kind() == Kind::Range {
            let f = vm.lookup_special(&seq, &vm.names.reversed.clone()).unwrap();
            return vm.call(&f, vec![seq.clone()]);
        }
    }
    if vm.lookup_special(&seq, &vm.names.getitem.clone()).is_none()
        && !matches!(&seq, Value::Obj(o) if matches!(o.kind(), Kind::Tuple | Kind::Str | Kind::Bytes))
    {
        let t = vm.type_name(&seq);
        return Err(vm.type_error(format!("'{t}' object is not reversible")));
    }
    let n = vm.len(&seq)? as i64;
    let t = vm.types.reversed.clone();
    Ok(Value::Obj(
        vm.new_iter(&t, IterState::Reversed { seq, index: n - 1 }),
    ))
}
