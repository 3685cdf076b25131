//! The `gc` module: the collector's public API as CPython 3.11 has it, plus
//! mini's legacy-finalizer switch (`set_legacy_finalizers`). The algorithm
//! lives in `gc/collector.rs`; this file only binds it.

use crate::gc::heap::with_heap;
use crate::object::rc::{ObjRef, FLAG_FINALIZED, FLAG_TRACKED};
use crate::object::str::str_of;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::arith::{as_int, Num};
use crate::vm::{PyResult, Vm};

const M: &str = "gc";

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    if vm.gc_state.garbage.is_none() {
        vm.gc_state.garbage = Some(vm.new_list(vec![]));
        vm.gc_state.callbacks = Some(vm.new_list(vec![]));
    }
    Ok(vm.make_module("gc", |vm, d| {
        let fns: &[(&'static str, crate::object::function::NativeFn)] = &[
            ("collect", collect),
            ("enable", enable),
            ("disable", disable),
            ("isenabled", isenabled),
            ("get_count", get_count),
            ("get_threshold", get_threshold),
            ("set_threshold", set_threshold),
            ("get_objects", get_objects),
            ("get_referrers", get_referrers),
            ("get_referents", get_referents),
            ("is_tracked", is_tracked),
            ("is_finalized", is_finalized),
            ("get_stats", get_stats),
            ("freeze", freeze),
            ("unfreeze", unfreeze),
            ("get_freeze_count", get_freeze_count),
            ("set_debug", set_debug),
            ("get_debug", get_debug),
            ("set_legacy_finalizers", set_legacy),
            ("get_legacy_finalizers", get_legacy),
        ];
        for (n, f) in fns {
            vm.add_function(d, M, n, *f);
        }
        let g = vm.gc_state.garbage.clone().unwrap();
        vm.set_in(d, "garbage", Value::Obj(g));
        let c = vm.gc_state.callbacks.clone().unwrap();
        vm.set_in(d, "callbacks", Value::Obj(c));
        for (n, v) in [
            ("DEBUG_STATS", crate::gc::DEBUG_STATS),
            ("DEBUG_COLLECTABLE", crate::gc::DEBUG_COLLECTABLE),
            ("DEBUG_UNCOLLECTABLE", crate::gc::DEBUG_UNCOLLECTABLE),
            ("DEBUG_SAVEALL", crate::gc::DEBUG_SAVEALL),
            ("DEBUG_LEAK", crate::gc::DEBUG_LEAK),
        ] {
            vm.set_in(d, n, Value::Int(v as i64));
        }
    }))
}

/// The arguments of a function that takes one optional parameter `name`,
/// positionally or by keyword, with Argument Clinic's errors.
fn optional_arg(vm: &mut Vm, mut args: Args, fname: &str, name: &str) -> PyResult<Option<Value>> {
    let n = args.pos.len() + args.kw.len();
    if n > 1 {
        return Err(vm.type_error(format!("{fname}() takes at most 1 argument ({n} given)")));
    }
    if let Some((k, _)) = args.kw.iter().find(|(k, _)| str_of(k) != Some(name)) {
        let k = str_of(k).unwrap_or("?").to_string();
        return Err(vm.type_error(format!(
            "'{k}' is an invalid keyword argument for {fname}()"
        )));
    }
    Ok(args.arg(0, name))
}

/// Errors unless the call has no arguments (`gc.enable()` and the like).
fn no_args(vm: &mut Vm, args: &Args, fname: &str) -> PyResult<()> {
    if !args.kw.is_empty() {
        return Err(vm.type_error(format!("gc.{fname}() takes no keyword arguments")));
    }
    if !args.pos.is_empty() {
        return Err(vm.type_error(format!(
            "gc.{fname}() takes no arguments ({} given)",
            args.pos.len()
        )));
    }
    Ok(())
}

/// The single positional argument of a one-parameter function.
fn one_arg(vm: &mut Vm, args: &Args, fname: &str) -> PyResult<Value> {
    if !args.kw.is_empty() {
        return Err(vm.type_error(format!("gc.{fname}() takes no keyword arguments")));
    }
    if args.pos.len() != 1 {
        return Err(vm.type_error(format!(
            "gc.{fname}() takes exactly one argument ({} given)",
            args.pos.len()
        )));
    }
    Ok(args.pos[0].clone())
}

/// A C `int` argument. Clinic's converter (`clinic` true) and
/// `PyArg_ParseTuple`'s "i" word their overflow errors differently.
fn c_int(vm: &mut Vm, v: &Value, clinic: bool) -> PyResult<i64> {
    let n = match as_int(v) {
        Some(Num::Big(_)) => {
            let msg = if clinic {
                "Python int too large to convert to C int"
            } else {
                "Python int too large to convert to C long"
            };
            return Err(vm.overflow_error(msg));
        }
        _ => vm.index_value(v)?,
    };
    if n > i32::MAX as i64 || n < i32::MIN as i64 {
        let msg = match (clinic, n > 0) {
            (true, _) => "Python int too large to convert to C int",
            (false, true) => "signed integer is greater than maximum",
            (false, false) => "signed integer is less than minimum",
        };
        return Err(vm.overflow_error(msg));
    }
    Ok(n)
}

fn collect(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = match optional_arg(vm, args, "collect", "generation")? {
        Some(v) => c_int(vm, &v, true)?,
        None => 2,
    };
    if !(0..=2).contains(&g) {
        return Err(vm.value_error("invalid generation"));
    }
    if with_heap(|h| h.collecting.get()) {
        // Called while a collection runs (from a finalizer): nothing to do.
        return Ok(Value::Int(0));
    }
    let r = vm.collect_with_callbacks(g as usize);
    Ok(Value::Int((r.collected + r.uncollectable) as i64))
}

fn enable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, &args, "enable")?;
    with_heap(|h| h.enabled.set(true));
    Ok(Value::None)
}

fn disable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, &args, "disable")?;
    with_heap(|h| h.enabled.set(false));
    Ok(Value::None)
}

fn isenabled(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, &args, "isenabled")?;
    Ok(Value::Bool(with_heap(|h| h.enabled.get())))
}

fn get_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, &args, "get_count")?;
    let c = with_heap(|h| [h.counts[0].get(), h.counts[1].get(), h.counts[2].get()]);
    let v = c.iter().map(|x| Value::Int(*x as i64)).collect();
    Ok(Value::Obj(vm.new_tuple(v)))
}

fn get_threshold(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, &args, "get_threshold")?;
    let c = with_heap(|h| {
        [
            h.thresholds[0].get(),
            h.thresholds[1].get(),
            h.thresholds[2].get(),
        ]
    });
    let v = c.iter().map(|x| Value::Int(*x as i64)).collect();
    Ok(Value::Obj(vm.new_tuple(v)))
}

/// `set_threshold(threshold0[, threshold1[, threshold2]])`, parsed as
/// CPython's `PyArg_ParseTuple(args, "i|ii:set_threshold")`: each value is
/// stored as soon as it is converted.
fn set_threshold(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if !args.kw.is_empty() {
        return Err(vm.type_error("set_threshold() takes no keyword arguments"));
    }
    let n = args.pos.len();
    if n == 0 {
        return Err(vm.type_error("set_threshold() takes at least 1 argument (0 given)"));
    }
    if n > 3 {
        return Err(vm.type_error(format!(
            "set_threshold() takes at most 3 arguments ({n} given)"
        )));
    }
    for (i, a) in args.pos.iter().enumerate() {
        let t = c_int(vm, a, false)?;
        with_heap(|h| h.thresholds[i].set(t as isize));
    }
    Ok(Value::None)
}

fn get_objects(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let g = match optional_arg(vm, args, "get_objects", "generation")? {
        None | Some(Value::None) => None,
        Some(v) => {
            if as_int(&v).is_none() && !matches!(v, Value::Bool(_)) {
                let t = vm.type_name(&v);
                return Err(vm.type_error(format!("argument should be integer or None, not '{t}'")));
            }
            match vm.index_value(&v) {
                Ok(-1) => None,
                Ok(g) if g < 0 => return Err(vm.value_error("generation parameter cannot be negative")),
                Ok(g) if g < 3 => Some(g as usize),
                _ => {
                    return Err(vm.value_error(
                        "generation parameter must be less than the number of available generations (3)",
                    ))
                }
            }
        }
    };
    let objs: Vec<Value> = vm.tracked_objects(g).into_iter().map(Value::Obj).collect();
    Ok(Value::Obj(vm.new_list(objs)))
}

fn get_referrers(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if !args.kw.is_empty() {
        return Err(vm.type_error("get_referrers() takes no keyword arguments"));
    }
    let targets: Vec<*const crate::object::rc::Header> = args
        .pos
        .iter()
        .filter_map(|v| v.as_obj().map(|o| o.as_ptr()))
        .collect();
    let mut out = Vec::new();
    for o in vm.tracked_objects(None) {
        if crate::gc::referents::refers_to_any(&o, &targets) {
            out.push(Value::Obj(o));
        }
    }
    drop(args);
    Ok(Value::Obj(vm.new_list(out)))
}

fn get_referents(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if !args.kw.is_empty() {
        return Err(vm.type_error("get_referents() takes no keyword arguments"));
    }
    let mut out = Vec::new();
    for a in args.pos.iter() {
        if let Value::Obj(o) = a {
            out.extend(crate::gc::referents::referents(o));
        }
    }
    Ok(Value::Obj(vm.new_list(out)))
}

fn is_tracked(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = one_arg(vm, &args, "is_tracked")?;
    Ok(Value::Bool(
        matches!(&v, Value::Obj(o) if o.flags() & FLAG_TRACKED != 0),
    ))
}

fn is_finalized(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = one_arg(vm, &args, "is_finalized")?;
    Ok(Value::Bool(
        matches!(&v, Value::Obj(o) if o.vt().is_gc && o.flags() & FLAG_FINALIZED != 0),
    ))
}

fn get_stats(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, &args, "get_stats")?;
    let mut out = Vec::new();
    for s in vm.gc_state.stats {
        let d = vm.new_dict();
        for (k, v) in [
            ("collections", s.collections),
            ("collected", s.collected),
            ("uncollectable", s.uncollectable),
        ] {
            vm.set_in(&d, k, Value::Int(v as i64));
        }
        out.push(Value::Obj(d));
    }
    Ok(Value::Obj(vm.new_list(out)))
}

/// Moves every tracked object to the permanent generation, which no
/// collection examines, and zeroes the counts (CPython's `gc.freeze`).
fn freeze(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, &args, "freeze")?;
    with_heap(|h| {
        for i in 0..3 {
            h.gens[3].merge_from(&h.gens[i]);
            h.counts[i].set(0);
        }
    });
    Ok(Value::None)
}

/// Puts the permanent generation back at the end of generation 2.
fn unfreeze(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, &args, "unfreeze")?;
    with_heap(|h| h.gens[2].merge_from(&h.gens[3]));
    Ok(Value::None)
}

fn get_freeze_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, &args, "get_freeze_count")?;
    Ok(Value::Int(with_heap(|h| h.gens[3].len()) as i64))
}

fn set_debug(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = one_arg(vm, &args, "set_debug")?;
    vm.gc_state.debug = c_int(vm, &v, true)? as u32;
    Ok(Value::None)
}

fn get_debug(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, &args, "get_debug")?;
    Ok(Value::Int(vm.gc_state.debug as i64))
}

fn set_legacy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "set_legacy_finalizers", 1, 1)?;
    vm.gc_state.legacy = vm.truthy(&args.pos[0])?;
    Ok(Value::None)
}

fn get_legacy(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Bool(vm.gc_state.legacy))
}
