//! The native `_line_profiler` module, the core of `line_profiler`
//! (stdlib/lib/line_profiler/): the `LineProfiler` base type and the
//! helpers the mini side needs.
//!
//! `LineProfiler(clock=None)` (subclassable) with `_add_code(code)`,
//! `enable()`, `disable()`, `enable_by_count()`, `disable_by_count()`,
//! `_enable_count()`, `_timings()` (a list of `(code, [(line, hits,
//! time)])` in the order the code objects were added, time in units of
//! `_unit()`) and `_unit()`. Module functions: `code_block(lines)` (how
//! many lines `inspect.getblock` gives a function, `block.rs`),
//! `dumps_stats(timings, unit)` / `loads_stats(data)` (the `.lprof`
//! pickle, `pickle.rs`).
//!
//! While at least one profiler is enabled, the VM's native profile hook is
//! the shared manager of `engine.rs`: no mini-level call and no allocation
//! per event; only the frames of added code objects raise line events.
//!
//! Clocks (`clock=`, a mini extension): `'wall'` (default; `clock.rs`, the
//! TSC where usable; times reported in nanoseconds, unit 1e-09 as
//! line_profiler on Linux) and `'instructions'` (bytecode instructions
//! executed, each shown as one nanosecond, so a deterministic program gets
//! the same table on every run and machine).
//!
//! Invariants: a profiler's state is shared (`Rc<RefCell<_>>`) by the
//! object and the manager, and no borrow is held while the VM runs (the
//! VM asks the hook `lines_here` while installing it); the manager's
//! `installed` object is the one given to the VM, so a hook replaced by
//! someone else (cProfile, `sys.setprofile`) is noticed and not removed by
//! our `disable`.

mod block;
mod engine;
pub mod pickle;

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use mini_interpreter::compile::code::Code;
use mini_interpreter::object::list::List;
use mini_interpreter::object::native::{native_ref, Native, NativeObject};
use mini_interpreter::object::rc::ObjRef;
use mini_interpreter::object::str::str_of;
use mini_interpreter::object::typeobj::{TypeObj, TF_BASETYPE};
use mini_interpreter::object::value::Value;
use mini_interpreter::vm::args::Args;
use mini_interpreter::{PyResult, Vm};

use crate::clock::Wall;
use engine::{Clock, Hook, Manager, Prof};

thread_local! {
    static MANAGER: Rc<RefCell<Manager>> = Rc::new(RefCell::new(Manager::default()));
}

fn manager() -> Rc<RefCell<Manager>> {
    MANAGER.with(|m| m.clone())
}

/// The payload of a `_line_profiler.LineProfiler` object.
struct LineProf {
    state: Rc<RefCell<Prof>>,
}

impl NativeObject for LineProf {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        if let Ok(st) = self.state.try_borrow() {
            for e in &st.entries {
                visit(&e.code);
            }
        }
    }

    fn clear(&self) {
        if let Ok(mut st) = self.state.try_borrow_mut() {
            *st = Prof::new(st.clock);
        }
    }
}

fn profiler_type(vm: &mut Vm) -> ObjRef {
    let t = vm.extra_type("LineProfiler", "_line_profiler");
    if let Some(tp) = t.downcast::<TypeObj>() {
        tp.set_flag(TF_BASETYPE, true);
    }
    t
}

fn state_of(vm: &mut Vm, me: &Value) -> PyResult<Rc<RefCell<Prof>>> {
    if let Value::Obj(o) = me {
        if let Some(p) = native_ref::<LineProf>(o) {
            return Ok(p.state.clone());
        }
    }
    Err(vm.type_error("descriptor requires a '_line_profiler.LineProfiler' object"))
}

/// Creates the `_line_profiler` module.
pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    let t = profiler_type(vm);
    vm.add_staticmethod(&t, "__new__", profiler_new);
    vm.add_method(&t, "__init__", profiler_init);
    vm.add_method(&t, "_add_code", add_code);
    vm.add_method(&t, "enable", enable);
    vm.add_method(&t, "disable", disable);
    vm.add_method(&t, "enable_by_count", enable_by_count);
    vm.add_method(&t, "disable_by_count", disable_by_count);
    vm.add_method(&t, "_enable_count", enable_count);
    vm.add_method(&t, "_timings", timings);
    vm.add_method(&t, "_unit", unit);
    Ok(vm.make_module("_line_profiler", |vm, d| {
        vm.set_in(d, "LineProfiler", Value::Obj(t.clone()));
        vm.add_function(d, "_line_profiler", "code_block", code_block);
        vm.add_function(d, "_line_profiler", "dumps_stats", dumps_stats);
        vm.add_function(d, "_line_profiler", "loads_stats", loads_stats);
    }))
}

fn profiler_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.pos.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => return Err(vm.type_error("LineProfiler.__new__(): not enough arguments")),
    };
    let base = profiler_type(vm);
    let state = Rc::new(RefCell::new(Prof::new(Clock::Wall(Wall::new()))));
    Ok(Value::Obj(vm.alloc_instance(
        &cls,
        &base,
        Native {
            inner: Box::new(LineProf { state }),
        },
    )))
}

/// `LineProfiler(clock=None)`: chooses the clock ('wall' or 'instructions').
fn profiler_init(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let me = args.pos[0].clone();
    let st = state_of(vm, &me)?;
    if args.pos.len() > 2 {
        let n = args.pos.len() - 1;
        return Err(vm.type_error(format!(
            "LineProfiler() takes at most 1 argument ({n} given)"
        )));
    }
    let clock = args.arg(1, "clock").filter(|c| !c.is_none());
    if let Some((k, _)) = args.kw.iter().find(|(k, _)| str_of(k) != Some("clock")) {
        let k = str_of(k).unwrap_or("?").to_string();
        return Err(vm.type_error(format!(
            "LineProfiler() got an unexpected keyword argument '{k}'"
        )));
    }
    let clock = match clock {
        None => Clock::Wall(Wall::new()),
        Some(c) => {
            let name = match &c {
                Value::Obj(o) => str_of(o).map(str::to_string),
                _ => None,
            };
            match name.as_deref() {
                Some("wall") => Clock::Wall(Wall::new()),
                Some("instructions") => Clock::Instructions,
                _ => {
                    let r = vm.repr(&c)?;
                    return Err(vm.value_error(format!(
                        "LineProfiler(): clock must be 'wall' or 'instructions', not {r}"
                    )));
                }
            }
        }
    };
    let Ok(mut s) = st.try_borrow_mut() else {
        return Err(vm.runtime_error("LineProfiler is in use"));
    };
    if s.enable_count > 0 || manager().borrow().active.iter().any(|p| Rc::ptr_eq(p, &st)) {
        return Err(vm.runtime_error("LineProfiler(): cannot re-initialize an enabled profiler"));
    }
    *s = Prof::new(clock);
    Ok(Value::None)
}

/// `_add_code(code)`: profiles the lines of a code object; returns False
/// when it was already added.
fn add_code(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "_add_code", 2, 2)?;
    let st = state_of(vm, &args.pos[0])?;
    let code = match &args.pos[1] {
        Value::Obj(o) if o.downcast::<Code>().is_some() => o.clone(),
        v => {
            let tn = vm.type_name(v);
            return Err(vm.type_error(format!("_add_code() argument must be code, not {tn}")));
        }
    };
    let first = code.downcast::<Code>().map(|c| c.firstlineno).unwrap_or(0);
    let Ok(mut s) = st.try_borrow_mut() else {
        return Err(vm.runtime_error("LineProfiler is in use"));
    };
    Ok(Value::Bool(s.add(&code, first)))
}

/// Whether the hook the VM holds is the manager's.
fn ours(vm: &Vm, m: &Manager) -> bool {
    match (&m.installed, &vm.hooks.native_profile_obj) {
        (Some(a), Some(Value::Obj(b))) => a.is(b),
        _ => false,
    }
}

/// Installs the manager's hook (again, when the clocks asked for changed
/// or someone else's hook replaced it).
fn install(vm: &mut Vm, me: &Value) {
    let m = manager();
    let (mine, instr, obj) = {
        let mut mg = m.borrow_mut();
        let mine = ours(vm, &mg);
        if !mine {
            mg.reset_stack();
            mg.installed = me.as_obj().cloned();
        }
        (mine, mg.counts_instructions(), mg.installed.clone())
    };
    if mine
        && vm
            .hooks
            .native_profile
            .as_ref()
            .map(|h| h.counts_instructions())
            == Some(instr)
    {
        return;
    }
    let hook = Hook {
        manager: m,
        instructions: instr,
    };
    vm.set_native_profile(Some(Box::new(hook)), obj.map(Value::Obj));
}

fn do_enable(vm: &mut Vm, me: &Value, st: &Rc<RefCell<Prof>>) {
    {
        let m = manager();
        let mut mg = m.borrow_mut();
        if !mg.active.iter().any(|p| Rc::ptr_eq(p, st)) {
            mg.active.push(st.clone());
        }
    }
    install(vm, me);
}

fn do_disable(vm: &mut Vm, st: &Rc<RefCell<Prof>>) {
    let m = manager();
    let remove = {
        let mut mg = m.borrow_mut();
        mg.active.retain(|p| !Rc::ptr_eq(p, st));
        if let Ok(mut s) = st.try_borrow_mut() {
            s.forget_frames();
        }
        if mg.active.is_empty() {
            let mine = ours(vm, &mg);
            mg.installed = None;
            mg.reset_stack();
            mine
        } else {
            false
        }
    };
    if remove {
        vm.set_native_profile(None, None);
    }
}

fn enable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "enable", 1, 1)?;
    let st = state_of(vm, &args.pos[0])?;
    do_enable(vm, &args.pos[0], &st);
    Ok(Value::None)
}

fn disable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "disable", 1, 1)?;
    let st = state_of(vm, &args.pos[0])?;
    do_disable(vm, &st);
    Ok(Value::None)
}

/// `enable_by_count()`: enables on the first of nested requests.
fn enable_by_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "enable_by_count", 1, 1)?;
    let st = state_of(vm, &args.pos[0])?;
    let first = {
        let Ok(mut s) = st.try_borrow_mut() else {
            return Err(vm.runtime_error("LineProfiler is in use"));
        };
        s.enable_count += 1;
        s.enable_count == 1
    };
    if first {
        do_enable(vm, &args.pos[0], &st);
    }
    Ok(Value::None)
}

/// `disable_by_count()`: disables when the requests are all withdrawn.
fn disable_by_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "disable_by_count", 1, 1)?;
    let st = state_of(vm, &args.pos[0])?;
    let last = {
        let Ok(mut s) = st.try_borrow_mut() else {
            return Err(vm.runtime_error("LineProfiler is in use"));
        };
        if s.enable_count == 0 {
            false
        } else {
            s.enable_count -= 1;
            s.enable_count == 0
        }
    };
    if last {
        do_disable(vm, &st);
    }
    Ok(Value::None)
}

fn enable_count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "_enable_count", 1, 1)?;
    let st = state_of(vm, &args.pos[0])?;
    let n = st.borrow().enable_count;
    Ok(Value::Int(n as i64))
}

fn unit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "_unit", 1, 1)?;
    state_of(vm, &args.pos[0])?;
    Ok(Value::Float(1e-9))
}

/// `_timings()`: `[(code, [(line, hits, time), ...]), ...]`, lines with at
/// least one hit, in line order; time in nanoseconds (rounded).
fn timings(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "_timings", 1, 1)?;
    let st = state_of(vm, &args.pos[0])?;
    let rows: Vec<(ObjRef, Vec<(i64, i64, i64)>)> = {
        let Ok(s) = st.try_borrow() else {
            return Err(vm.runtime_error("LineProfiler is in use"));
        };
        let scale = s.secs_per_unit() / 1e-9;
        s.entries
            .iter()
            .map(|e| {
                let lines = e
                    .lines
                    .iter()
                    .enumerate()
                    .filter(|(_, (hits, _))| *hits > 0)
                    .map(|(i, (hits, t))| {
                        (
                            (e.first as usize + i) as i64,
                            *hits as i64,
                            (*t as f64 * scale).round() as i64,
                        )
                    })
                    .collect();
                (e.code.clone(), lines)
            })
            .collect()
    };
    let mut out = Vec::with_capacity(rows.len());
    for (code, lines) in rows {
        let items: Vec<Value> = lines
            .into_iter()
            .map(|(l, h, t)| {
                Value::Obj(vm.new_tuple(vec![Value::Int(l), Value::Int(h), Value::Int(t)]))
            })
            .collect();
        let l = vm.new_list(items);
        out.push(Value::Obj(
            vm.new_tuple(vec![Value::Obj(code), Value::Obj(l)]),
        ));
    }
    Ok(Value::Obj(vm.new_list(out)))
}

/// `code_block(lines)`: the number of lines of the block at the top of
/// `lines` (a list of str, each ending in its newline).
fn code_block(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "code_block", 1, 1)?;
    let items: Vec<Value> = match &args.pos[0] {
        Value::Obj(o) => match o.downcast::<List>() {
            Some(l) => l.items.borrow().to_vec(),
            None => return Err(vm.type_error("code_block() argument must be a list of str")),
        },
        _ => return Err(vm.type_error("code_block() argument must be a list of str")),
    };
    let mut texts = Vec::with_capacity(items.len());
    for v in &items {
        match v.as_obj().and_then(str_of) {
            Some(s) => texts.push(s.to_string()),
            None => return Err(vm.type_error("code_block() argument must be a list of str")),
        }
    }
    let lines: Vec<&str> = texts.iter().map(String::as_str).collect();
    Ok(Value::Int(block::block_len(&lines) as i64))
}

/// `dumps_stats(timings, unit)`: the bytes of a pickled
/// `line_profiler.line_profiler.LineStats` holding them.
fn dumps_stats(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "dumps_stats", 2, 2)?;
    let timings = pickle::from_value(vm, &args.pos[0], 0)?;
    let unit = pickle::from_value(vm, &args.pos[1], 0)?;
    let state = pickle::PVal::Dict(vec![
        (pickle::PVal::Str("timings".into()), timings),
        (pickle::PVal::Str("unit".into()), unit),
    ]);
    let obj = pickle::PVal::Object {
        module: "line_profiler.line_profiler".into(),
        name: "LineStats".into(),
        state: Box::new(state),
    };
    Ok(Value::Obj(vm.new_bytes(pickle::dumps(&obj))))
}

/// `loads_stats(data)`: `(timings, unit)` from a pickled LineStats (as
/// mini or CPython's line_profiler wrote it).
fn loads_stats(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "loads_stats", 1, 1)?;
    let Some(data) = args.pos[0].as_obj().and_then(pickle::bytes_of) else {
        return Err(vm.type_error("loads_stats() argument must be bytes"));
    };
    let v = pickle::loads(&data).map_err(|e| vm.value_error(format!("not a line profile: {e}")))?;
    let pickle::PVal::Object { state, .. } = v else {
        return Err(vm.value_error("not a line profile: no LineStats object"));
    };
    let pickle::PVal::Dict(items) = *state else {
        return Err(vm.value_error("not a line profile: LineStats has no state"));
    };
    let get = |name: &str| {
        items
            .iter()
            .find(|(k, _)| *k == pickle::PVal::Str(name.into()))
            .map(|(_, v)| v.clone())
    };
    let (Some(t), Some(u)) = (get("timings"), get("unit")) else {
        return Err(vm.value_error("not a line profile: LineStats without timings or unit"));
    };
    let t = pickle::to_value(vm, &t)?;
    let u = pickle::to_value(vm, &u)?;
    Ok(Value::Obj(vm.new_tuple(vec![t, u])))
}
