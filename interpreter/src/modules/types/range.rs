//! `range` construction and methods, and `slice.indices`.

use num_bigint::BigInt;
use num_traits::{One, Zero};

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
    let mut nums: Vec<BigInt> = Vec::new();
    for a in args.pos.iter() {
        nums.push(match crate::vm::arith::as_int(a) {
            Some(crate::vm::arith::Num::Int(i)) => BigInt::from(i),
            Some(crate::vm::arith::Num::Big(b)) => b,
            _ => BigInt::from(vm.index_value(a)?),
        });
    }
    let mut it = nums.into_iter();
    let (a, b, c) = (it.next(), it.next(), it.next());
    let (start, stop, step) = match (a, b, c) {
        (Some(x), None, _) => (BigInt::zero(), x, BigInt::one()),
        (Some(x), Some(y), None) => (x, y, BigInt::one()),
        (Some(x), Some(y), Some(z)) => (x, y, z),
        _ => unreachable!("checked arity"),
    };
    if step.is_zero() {
        return Err(vm.value_error("range() arg 3 must not be zero"));
    }
    let t = vm.types.range.clone();
    Ok(Value::Obj(
        vm.alloc(&t, super::range_big::make(start, stop, step)),
    ))
}

fn rng(args: &Args) -> &Range {
    args.pos[0].as_obj().unwrap().downcast::<Range>().unwrap()
}

fn index(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "index", 2, 2)?;
    let r = rng(&args);
    let found = match crate::vm::arith::as_int(&args.pos[1]) {
        Some(crate::vm::arith::Num::Int(x)) if r.big.is_none() => {
            let (start, step, n) = (r.start, r.step, r.len());
            let d = x - start;
            let i = d / step;
            (d % step == 0 && i >= 0 && i < n).then(|| Value::Int(i))
        }
        Some(crate::vm::arith::Num::Int(x)) => {
            let b = r.big.as_ref().unwrap();
            super::range_big::index(b, &BigInt::from(x)).map(|i| vm.new_bigint(i))
        }
        Some(crate::vm::arith::Num::Big(x)) => {
            let (start, stop, step) = super::range_big::bounds_of(r);
            let b = crate::object::range::BigBounds { start, stop, step };
            super::range_big::index(&b, &x).map(|i| vm.new_bigint(i))
        }
        _ => {
            // Not an int: compare by == as a sequence would.
            if vm.contains(&args.pos[0], &args.pos[1])? {
                let it = vm.get_iter(&args.pos[0])?;
                let mut k = 0i64;
                let mut hit = None;
                while let Some(v) = vm.next(&it)? {
                    if vm.eq(&v, &args.pos[1])? {
                        hit = Some(Value::Int(k));
                        break;
                    }
                    k += 1;
                }
                hit
            } else {
                None
            }
        }
    };
    match found {
        Some(i) => Ok(i),
        None => {
            let r = vm.repr(&args.pos[1])?;
            Err(vm.value_error(format!("{r} is not in range")))
        }
    }
}

fn count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "count", 2, 2)?;
    Ok(Value::Int(vm.contains(&args.pos[0], &args.pos[1])? as i64))
}

fn len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let n = vm.len(&args.pos[0])?;
    Ok(Value::Int(n as i64))
}

fn iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.get_iter(&args.pos[0])
}

fn reversed(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = rng(&args);
    let t = vm.types.range_iterator.clone();
    if let Some(b) = &r.big {
        let (next, step, remaining) = super::range_big::iter_parts(b, true);
        return Ok(Value::Obj(vm.new_iter(
            &t,
            crate::object::iter::IterState::BigRange {
                next,
                step,
                remaining,
            },
        )));
    }
    let (start, step, n) = (r.start, r.step, r.len());
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
    Ok(Value::Obj(vm.new_tuple(vec![
        Value::Int(si.start),
        Value::Int(si.stop),
        Value::Int(si.step),
    ])))
}
