//! `range` construction and methods, and `slice.indices`.

use crate::object::range::{Range, Slice};
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

pub fn install(vm: &mut Vm) {
    let t = vm.types.range.clone();
    vm.add_staticmethod(&t, "__new__", range_new);
    vm.add_method(&t, "index", index);
    vm.add_method(&t, "count", count);
    vm.add_method(&t, "__len__", len);
    vm.add_method(&t, "__iter__", iter);
    vm.add_method(&t, "__reversed__", reversed);
    let s = vm.types.slice.clone();
    vm.add_staticmethod(&s, "__new__", slice_new);
    vm.add_method(&s, "indices", indices);
}

fn range_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.pos.remove(0);
    args.check(vm, "range", 1, 3)?;
    let mut nums = Vec::new();
    for a in args.pos.iter() {
        nums.push(vm.index_value(a)?);
    }
    let (start, stop, step) = match nums.len() {
        1 => (0, nums[0], 1),
        2 => (nums[0], nums[1], 1),
        _ => (nums[0], nums[1], nums[2]),
    };
    if step == 0 {
        return Err(vm.value_error("range() arg 3 must not be zero"));
    }
    let t = vm.types.range.clone();
    Ok(Value::Obj(vm.alloc(&t, Range { start, stop, step })))
}

fn rng(args: &Args) -> (i64, i64, i64, i64) {
    let r = args.pos[0].as_obj().unwrap().downcast::<Range>().unwrap();
    (r.start, r.stop, r.step, r.len())
}

fn index(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "index", 2, 2)?;
    let (start, _, step, n) = rng(&args);
    if let Value::Int(x) = args.pos[1] {
        let d = x - start;
        if d % step == 0 {
            let i = d / step;
            if i >= 0 && i < n {
                return Ok(Value::Int(i));
            }
        }
    }
    let r = vm.repr(&args.pos[1])?;
    Err(vm.value_error(format!("{r} is not in range")))
}

fn count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "count", 2, 2)?;
    Ok(Value::Int(vm.contains(&args.pos[0], &args.pos[1])? as i64))
}

fn len(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Int(rng(&args).3))
}

fn iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.get_iter(&args.pos[0])
}

fn reversed(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (start, _, step, n) = rng(&args);
    let t = vm.types.range_iterator.clone();
    let last = start + (n - 1) * step;
    Ok(Value::Obj(vm.new_iter(
        &t,
        crate::object::iter::IterState::Range {
            next: if n > 0 { last } else { start },
            step: -step,
            remaining: n.max(0) as u64,
        },
    )))
}

fn slice_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.pos.remove(0);
    args.check(vm, "slice", 1, 3)?;
    let p = &args.pos;
    let (a, b, c) = match p.len() {
        1 => (Value::None, p[0].clone(), Value::None),
        2 => (p[0].clone(), p[1].clone(), Value::None),
        _ => (p[0].clone(), p[1].clone(), p[2].clone()),
    };
    Ok(Value::Obj(vm.new_slice(a, b, c)))
}

fn indices(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "indices", 2, 2)?;
    let n = vm.index_value(&args.pos[1])?;
    if n < 0 {
        return Err(vm.value_error("length should not be negative"));
    }
    let so = args.pos[0].as_obj().cloned().unwrap();
    let s = so.downcast::<Slice>().unwrap();
    let si = vm.slice_indices(s, n as usize)?;
    Ok(Value::Obj(vm.new_tuple(vec![Value::Int(si.start), Value::Int(si.stop), Value::Int(si.step)])))
}
