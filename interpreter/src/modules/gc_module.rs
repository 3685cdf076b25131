//! The `gc` module: the collector's public API as CPython 3.11 has it, plus
//! mini's legacy-finalizer switch (`set_legacy_finalizers`). The algorithm
//! lives in `gc/collector.rs`; this file only binds it.

use crate::gc::heap::with_heap;
use crate::object::rc::{ObjRef, FLAG_FINALIZED, FLAG_TRACKED};
use crate::object::value::Value;
use crate::vm::args::Args;
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

fn collect(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let g = match args.arg(0, "generation") {
        Some(v) => vm.index_value(&v)?,
        None => 2,
    };
    if !(0..=2).contains(&g) {
        return Err(vm.value_error("invalid generation"));
    }
    let r = vm.collect_with_callbacks(g as usize);
    Ok(Value::Int((r.collected + r.uncollectable) as i64))
}

fn enable(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    with_heap(|h| h.enabled.set(true));
    Ok(Value::None)
}

fn disable(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    with_heap(|h| h.enabled.set(false));
    Ok(Value::None)
}

fn isenabled(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Bool(with_heap(|h| h.enabled.get())))
}

fn get_count(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    let c = with_heap(|h| [h.counts[0].get(), h.counts[1].get(), h.counts[2].get()]);
    let v = c.iter().map(|x| Value::Int(*x as i64)).collect();
    Ok(Value::Obj(vm.new_tuple(v)))
}

fn get_threshold(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    let c = with_heap(|h| [h.thresholds[0].get(), h.thresholds[1].get(), h.thresholds[2].get()]);
    let v = c.iter().map(|x| Value::Int(*x as i64)).collect();
    Ok(Value::Obj(vm.new_tuple(v)))
}

fn set_threshold(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "set_threshold", 1, 3)?;
    let mut t = Vec::new();
    for a in args.pos.iter() {
        t.push(vm.index_value(a)?);
    }
    with_heap(|h| {
        for (i, v) in t.iter().enumerate() {
            h.thresholds[i].set(*v as isize);
        }
    });
    Ok(Value::None)
}

fn get_objects(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let g = match args.arg(0, "generation") {
        None | Some(Value::None) => None,
        Some(v) => {
            let g = vm.index_value(&v)?;
            if !(0..=2).contains(&g) {
                return Err(vm.value_error("generation parameter must be less than the number of available generations (3)"));
            }
            Some(g as usize)
        }
    };
    let objs: Vec<Value> = vm.tracked_objects(g).into_iter().map(Value::Obj).collect();
    Ok(Value::Obj(vm.new_list(objs)))
}

fn get_referrers(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let targets: Vec<ObjRef> = args.pos.iter().filter_map(|v| v.as_obj().cloned()).collect();
    drop(args);
    let r: Vec<Value> = vm.referrers(&targets).into_iter().map(Value::Obj).collect();
    Ok(Value::Obj(vm.new_list(r)))
}

fn get_referents(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mut out = Vec::new();
    for a in args.pos.iter() {
        if let Value::Obj(o) = a {
            if o.vt().is_gc {
                out.extend(vm.referents(o).into_iter().map(Value::Obj));
            }
        }
    }
    Ok(Value::Obj(vm.new_list(out)))
}

fn is_tracked(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "is_tracked", 1, 1)?;
    Ok(Value::Bool(matches!(&args.pos[0], Value::Obj(o) if o.flags() & FLAG_TRACKED != 0)))
}

fn is_finalized(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "is_finalized", 1, 1)?;
    Ok(Value::Bool(matches!(&args.pos[0], Value::Obj(o) if o.flags() & FLAG_FINALIZED != 0)))
}

fn get_stats(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    let mut out = Vec::new();
    for s in vm.gc_state.stats {
        let d = vm.new_dict();
        for (k, v) in [("collections", s.collections), ("collected", s.collected), ("uncollectable", s.uncollectable)] {
            vm.set_in(&d, k, Value::Int(v as i64));
        }
        out.push(Value::Obj(d));
    }
    Ok(Value::Obj(vm.new_list(out)))
}

fn freeze(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    with_heap(|h| {
        for i in 0..3 {
            let (src, dst) = (&h.gens[i] as *const crate::gc::heap::GenList, &h.gens[3] as *const crate::gc::heap::GenList);
            // SAFETY: distinct lists of the same heap.
            unsafe { (*dst).merge_from(&*src) };
        }
    });
    Ok(Value::None)
}

fn unfreeze(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    with_heap(|h| {
        let (src, dst) = (&h.gens[3] as *const crate::gc::heap::GenList, &h.gens[2] as *const crate::gc::heap::GenList);
        // SAFETY: distinct lists of the same heap.
        unsafe { (*dst).merge_from(&*src) };
    });
    Ok(Value::None)
}

fn get_freeze_count(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Int(with_heap(|h| h.gens[3].len()) as i64))
}

fn set_debug(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "set_debug", 1, 1)?;
    vm.gc_state.debug = vm.index_value(&args.pos[0])? as u32;
    Ok(Value::None)
}

fn get_debug(vm: &mut Vm, _args: Args) -> PyResult<Value> {
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
