//! The native `_lsprof` module: `Profiler(timer=None, timeunit=0.0,
//! subcalls=True, builtins=True, clock=None)` with `enable`, `disable`,
//! `getstats`, `clear`, and the `profiler_entry`/`profiler_subentry`
//! struct sequences `getstats` returns. `cProfile` (stdlib/lib/cProfile.mini)
//! subclasses it.
//!
//! While enabled, the profiler is the VM's native profile hook: each
//! `call`/`return`/`c_call`/`c_return`/`c_exception` event is one Rust call
//! that finds the function's entry (a direct-mapped cache in front of a
//! hash map keyed by the code object's address, or by the builtin's
//! function pointer and name) and updates the counters of `engine.rs`.
//! No allocation and no mini-level call per event, except with a
//! user-supplied `timer`, which is called on every event as in CPython.
//!
//! Clocks (`clock=`, a mini extension): `'wall'` (default; `clock.rs`),
//! `'cpu'` (process CPU time), `'instructions'` (bytecode instructions
//! executed, so a deterministic program gets the same profile on every run
//! and machine; native functions cost nothing on it). A `timer` callable
//! returns seconds as a float, or integers scaled by `timeunit` when
//! `timeunit > 0`.
//!
//! Invariants: entries hold a counted reference to their code object or
//! builtin, so the address keys cannot be reused while the profiler lives;
//! `State::keys` is parallel to `engine.entries`; the state is shared
//! (`Rc<RefCell<_>>`) between the profiler object and the installed hook,
//! and no borrow of it is held while mini code runs.

mod engine;
mod names;

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use mini_interpreter::hooks::{Event, EventInfo, NativeHook};
use mini_interpreter::modules::structseq::{new_struct_seq, struct_seq_type, Spec};
use mini_interpreter::object::function::{BuiltinFunction, MethodDescr};
use mini_interpreter::object::native::{native_ref, Native, NativeObject};
use mini_interpreter::object::rc::ObjRef;
use mini_interpreter::object::str::str_of;
use mini_interpreter::object::typeobj::{TypeObj, TF_BASETYPE};
use mini_interpreter::object::value::Value;
use mini_interpreter::vm::args::Args;
use mini_interpreter::vm::arith::{as_num, Num};
use mini_interpreter::{PyResult, Vm};
use rustc_hash::FxHashMap;

use crate::clock::{cpu_ns, Wall};
use engine::Engine;

static ENTRY: Spec = Spec {
    qualname: "_lsprof.profiler_entry",
    fields: &[
        "code",
        "callcount",
        "reccallcount",
        "totaltime",
        "inlinetime",
        "calls",
    ],
    visible: 6,
};

static SUBENTRY: Spec = Spec {
    qualname: "_lsprof.profiler_subentry",
    fields: &[
        "code",
        "callcount",
        "reccallcount",
        "totaltime",
        "inlinetime",
    ],
    visible: 5,
};

/// Which clock the profiler reads.
#[derive(Clone)]
enum ClockKind {
    Wall(Wall),
    Cpu,
    Instructions,
    /// A mini callable; `unit` > 0: it returns integers of `unit` seconds.
    User {
        timer: Value,
        unit: f64,
    },
}

/// What an entry stands for.
enum KeyObj {
    Code(ObjRef),
    /// The first builtin object seen for this function (for its name).
    Builtin(ObjRef),
}

struct Key {
    obj: KeyObj,
    /// The str object `getstats` reports for a builtin (made once, so
    /// that entries and subentries share it: cProfile matches them by id).
    label: Option<Value>,
}

const CACHE: usize = 512;

/// Everything a profiler knows; shared by the object and its hook.
struct State {
    engine: Engine,
    keys: Vec<Key>,
    /// (code address, 0) or (native fn pointer, name pointer) → entry.
    map: FxHashMap<(usize, usize), u32>,
    /// Direct-mapped cache in front of `map`.
    cache: Box<[(usize, usize, u32); CACHE]>,
    clock: ClockKind,
    builtins: bool,
    enabled: bool,
    /// Last wall reading (TSC readings are clamped to it).
    last: i64,
}

impl State {
    fn new(clock: ClockKind, subcalls: bool, builtins: bool) -> State {
        let mut engine = Engine::new();
        engine.subcalls = subcalls;
        State {
            engine,
            keys: Vec::new(),
            map: FxHashMap::default(),
            cache: Box::new([(0, 0, 0); CACHE]),
            clock,
            builtins,
            enabled: false,
            last: 0,
        }
    }

    #[inline(always)]
    fn slot(a: usize) -> usize {
        (a >> 4) & (CACHE - 1)
    }

    /// The entry for key (a, b), if there is one.
    #[inline(always)]
    fn lookup(&mut self, a: usize, b: usize) -> Option<u32> {
        let s = Self::slot(a);
        let c = self.cache[s];
        if c.0 == a && c.1 == b {
            return Some(c.2);
        }
        let e = *self.map.get(&(a, b))?;
        self.cache[s] = (a, b, e);
        Some(e)
    }

    #[inline(always)]
    fn entry_for(&mut self, a: usize, b: usize, obj: &ObjRef, code: bool) -> u32 {
        if let Some(e) = self.lookup(a, b) {
            return e;
        }
        self.new_entry(a, b, obj, code)
    }

    #[cold]
    fn new_entry(&mut self, a: usize, b: usize, obj: &ObjRef, code: bool) -> u32 {
        let e = self.engine.add_entry();
        self.keys.push(Key {
            obj: if code {
                KeyObj::Code(obj.clone())
            } else {
                KeyObj::Builtin(obj.clone())
            },
            label: None,
        });
        self.map.insert((a, b), e);
        self.cache[Self::slot(a)] = (a, b, e);
        e
    }

    fn clear(&mut self) {
        self.engine.clear();
        self.keys.clear();
        self.map.clear();
        self.cache.fill((0, 0, 0));
    }

    /// A reading of a clock that needs no VM.
    #[inline(always)]
    fn now(&mut self, info: &EventInfo<'_>) -> i64 {
        match &self.clock {
            ClockKind::Wall(w) => {
                let t = w.now().max(self.last);
                self.last = t;
                t
            }
            ClockKind::Instructions => info.instructions as i64,
            ClockKind::Cpu => cpu_ns(),
            ClockKind::User { .. } => 0,
        }
    }

    /// Seconds per clock unit.
    fn factor(&self) -> f64 {
        match &self.clock {
            ClockKind::Wall(w) => w.secs_per_tick(),
            ClockKind::Cpu => 1e-9,
            ClockKind::Instructions => 1.0,
            ClockKind::User { unit, .. } if *unit > 0.0 => *unit,
            ClockKind::User { .. } => 1e-9,
        }
    }
}

/// The key of a builtin callee: its function pointer and name (CPython
/// keys them by method definition, so every bound `append` is one entry).
#[inline(always)]
fn builtin_key(callee: &ObjRef) -> Option<(usize, usize)> {
    if let Some(b) = callee.downcast::<BuiltinFunction>() {
        return Some((b.func as usize, b.name.as_ptr() as usize));
    }
    callee
        .downcast::<MethodDescr>()
        .map(|m| (m.func as usize, m.name.as_ptr() as usize))
}

/// What an event asks of the state, once its entry is known.
enum Step {
    Enter(u32),
    Leave(Option<u32>),
    Nothing,
}

impl State {
    /// The bookkeeping of one event, without the clock.
    #[inline(always)]
    fn step(&mut self, info: &EventInfo<'_>) -> Step {
        match info.event {
            Event::Call => match info.code {
                Some(c) => Step::Enter(self.entry_for(c.addr(), 0, c, true)),
                None => Step::Nothing,
            },
            Event::Return => {
                if !self.engine.running() {
                    return Step::Nothing;
                }
                match info.code {
                    Some(c) => Step::Leave(self.lookup(c.addr(), 0)),
                    None => Step::Nothing,
                }
            }
            Event::CCall if self.builtins => {
                match info.callee.and_then(|c| builtin_key(c).map(|k| (c, k))) {
                    Some((c, (a, b))) => Step::Enter(self.entry_for(a, b, c, false)),
                    None => Step::Nothing,
                }
            }
            Event::CReturn | Event::CException if self.builtins => {
                if !self.engine.running() {
                    return Step::Nothing;
                }
                match info.callee.and_then(builtin_key) {
                    Some((a, b)) => Step::Leave(self.lookup(a, b)),
                    None => Step::Nothing,
                }
            }
            _ => Step::Nothing,
        }
    }
}

/// The hook installed while a profiler with a VM-free clock is enabled.
struct Hook {
    state: Rc<RefCell<State>>,
    instructions: bool,
}

impl NativeHook for Hook {
    #[inline]
    fn event(&mut self, info: &EventInfo<'_>) {
        let Ok(mut st) = self.state.try_borrow_mut() else {
            return;
        };
        match st.step(info) {
            Step::Enter(e) => {
                st.engine.enter(e);
                let t = st.now(info);
                st.engine.set_t0(t);
            }
            Step::Leave(e) => {
                let t = st.now(info);
                st.engine.leave(e, t);
            }
            Step::Nothing => {}
        }
    }

    fn counts_instructions(&self) -> bool {
        self.instructions
    }
}

/// The hook of a profiler with a user `timer`: the timer runs with no
/// borrow of the state held.
struct UserHook {
    state: Rc<RefCell<State>>,
}

impl NativeHook for UserHook {
    fn event(&mut self, _info: &EventInfo<'_>) {}

    fn wants_vm(&self) -> bool {
        true
    }

    fn event_vm(&mut self, vm: &mut Vm, info: &EventInfo<'_>) {
        let step = match self.state.try_borrow_mut() {
            Ok(mut st) => st.step(info),
            Err(_) => return,
        };
        match step {
            Step::Enter(e) => {
                if let Ok(mut st) = self.state.try_borrow_mut() {
                    st.engine.enter(e);
                }
                let t = self.call_timer(vm);
                if let Ok(mut st) = self.state.try_borrow_mut() {
                    st.engine.set_t0(t);
                }
            }
            Step::Leave(e) => {
                let t = self.call_timer(vm);
                if let Ok(mut st) = self.state.try_borrow_mut() {
                    st.engine.leave(e, t);
                }
            }
            Step::Nothing => {}
        }
    }
}

impl UserHook {
    fn call_timer(&self, vm: &mut Vm) -> i64 {
        let clock = self.state.borrow().clock.clone();
        user_time(vm, &clock)
    }
}

/// Calls a user timer: float seconds become nanoseconds (rounded down);
/// with a `timeunit`, the integer result is kept as is. Errors are
/// reported as unraisable and read as 0, as CPython does.
fn user_time(vm: &mut Vm, clock: &ClockKind) -> i64 {
    let ClockKind::User { timer, unit } = clock else {
        return 0;
    };
    let r = vm.call_value(timer, Args::default());
    let v = match r {
        Ok(v) => v,
        Err(e) => {
            let what = vm.repr(timer).unwrap_or_default();
            vm.report_unraisable(&e, &format!("Exception ignored in: {what}"));
            return 0;
        }
    };
    let n = as_num(&v);
    let t = if *unit > 0.0 {
        match n {
            Some(Num::Int(i)) => Some(i),
            Some(Num::Big(_)) => Some(i64::MAX),
            _ => None,
        }
    } else {
        match n {
            Some(Num::Int(i)) => Some(i.saturating_mul(1_000_000_000)),
            Some(Num::Float(f)) if f.is_finite() => Some((f * 1e9).floor() as i64),
            Some(Num::Big(_)) => Some(i64::MAX),
            _ => None,
        }
    };
    match t {
        Some(t) => t,
        None => {
            let tn = vm.type_name(&v);
            let what = vm.repr(timer).unwrap_or_default();
            let msg = if *unit > 0.0 {
                format!("expect int, got {tn}")
            } else {
                format!("'{tn}' object cannot be interpreted as an integer")
            };
            let e = vm.type_error(msg);
            vm.report_unraisable(&e, &format!("Exception ignored in: {what}"));
            0
        }
    }
}

/// The payload of a `_lsprof.Profiler` object.
struct LsProf {
    state: Rc<RefCell<State>>,
}

impl NativeObject for LsProf {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        let Ok(st) = self.state.try_borrow() else {
            return;
        };
        if let ClockKind::User {
            timer: Value::Obj(o),
            ..
        } = &st.clock
        {
            visit(o);
        }
        for k in &st.keys {
            match &k.obj {
                KeyObj::Code(o) | KeyObj::Builtin(o) => visit(o),
            }
            if let Some(Value::Obj(o)) = &k.label {
                visit(o);
            }
        }
    }

    fn clear(&self) {
        if let Ok(mut st) = self.state.try_borrow_mut() {
            st.clear();
            if let ClockKind::User { .. } = st.clock {
                st.clock = ClockKind::User {
                    timer: Value::None,
                    unit: 0.0,
                };
            }
        }
    }
}

/// The `_lsprof.Profiler` type (subclassable: `cProfile.Profile` extends it).
fn profiler_type(vm: &mut Vm) -> ObjRef {
    let t = vm.extra_type("Profiler", "_lsprof");
    if let Some(tp) = t.downcast::<TypeObj>() {
        tp.set_flag(TF_BASETYPE, true);
    }
    t
}

fn state_of(vm: &mut Vm, me: &Value) -> PyResult<Rc<RefCell<State>>> {
    match me {
        Value::Obj(o) => match native_ref::<LsProf>(o) {
            Some(p) => Ok(p.state.clone()),
            None => Err(vm.type_error("descriptor requires a '_lsprof.Profiler' object")),
        },
        _ => Err(vm.type_error("descriptor requires a '_lsprof.Profiler' object")),
    }
}

/// Creates the `_lsprof` module.
pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    let t = profiler_type(vm);
    vm.add_staticmethod(&t, "__new__", profiler_new);
    vm.add_method(&t, "__init__", profiler_init);
    vm.add_method(&t, "enable", enable);
    vm.add_method(&t, "disable", disable);
    vm.add_method(&t, "getstats", getstats);
    vm.add_method(&t, "clear", clear);
    let entry = struct_seq_type(vm, &ENTRY)?;
    let sub = struct_seq_type(vm, &SUBENTRY)?;
    Ok(vm.make_module("_lsprof", |vm, d| {
        vm.set_in(d, "Profiler", Value::Obj(t.clone()));
        vm.set_in(d, "profiler_entry", Value::Obj(entry.clone()));
        vm.set_in(d, "profiler_subentry", Value::Obj(sub.clone()));
    }))
}

fn profiler_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.pos.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => return Err(vm.type_error("Profiler.__new__(): not enough arguments")),
    };
    let base = profiler_type(vm);
    let state = Rc::new(RefCell::new(State::new(
        ClockKind::Wall(Wall::new()),
        true,
        true,
    )));
    Ok(Value::Obj(vm.alloc_instance(
        &cls,
        &base,
        Native {
            inner: Box::new(LsProf { state }),
        },
    )))
}

fn truth(vm: &mut Vm, v: Option<Value>, default: bool) -> PyResult<bool> {
    match v {
        Some(v) => vm.truthy(&v),
        None => Ok(default),
    }
}

/// `Profiler(timer=None, timeunit=0.0, subcalls=True, builtins=True, clock=None)`.
fn profiler_init(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let me = args.pos[0].clone();
    let st = state_of(vm, &me)?;
    if args.pos.len() > 5 {
        let n = args.pos.len() - 1;
        return Err(vm.type_error(format!("Profiler() takes at most 4 arguments ({n} given)")));
    }
    let timer = args.arg(1, "timer").filter(|t| !t.is_none());
    let unit = match args.arg(2, "timeunit") {
        None => 0.0,
        Some(v) => match as_num(&v) {
            Some(Num::Int(i)) => i as f64,
            Some(Num::Float(f)) => f,
            _ => {
                let tn = vm.type_name(&v);
                return Err(vm.type_error(format!("must be real number, not {tn}")));
            }
        },
    };
    let subcalls_arg = args.arg(3, "subcalls");
    let subcalls = truth(vm, subcalls_arg, true)?;
    let builtins_arg = args.arg(4, "builtins");
    let builtins = truth(vm, builtins_arg, true)?;
    let clock_arg = args.take_kw("clock").filter(|c| !c.is_none());
    if let Some((k, _)) = args.kw.first() {
        let k = str_of(k).unwrap_or("?").to_string();
        return Err(vm.type_error(format!(
            "'{k}' is an invalid keyword argument for Profiler()"
        )));
    }
    let clock = match (timer, clock_arg) {
        (Some(t), None) => ClockKind::User { timer: t, unit },
        (Some(_), Some(_)) => {
            return Err(vm.value_error("Profiler(): give either timer or clock, not both"))
        }
        (None, None) => ClockKind::Wall(Wall::new()),
        (None, Some(c)) => {
            let name = match &c {
                Value::Obj(o) => str_of(o).map(str::to_string),
                _ => None,
            };
            match name.as_deref() {
                Some("wall") => ClockKind::Wall(Wall::new()),
                Some("cpu") => ClockKind::Cpu,
                Some("instructions") => ClockKind::Instructions,
                _ => {
                    let r = vm.repr(&c)?;
                    return Err(vm.value_error(format!(
                        "Profiler(): clock must be 'wall', 'cpu' or 'instructions', not {r}"
                    )));
                }
            }
        }
    };
    let Ok(mut s) = st.try_borrow_mut() else {
        return Err(vm.runtime_error("Profiler is in use"));
    };
    let enabled = s.enabled;
    *s = State::new(clock, subcalls, builtins);
    s.enabled = enabled;
    Ok(Value::None)
}

/// `enable(subcalls=-1, builtins=-1)`: an omitted flag keeps its value.
fn enable(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let me = args.pos[0].clone();
    let st = state_of(vm, &me)?;
    let subcalls = args.arg(1, "subcalls");
    let builtins = args.arg(2, "builtins");
    args.no_kw(vm, "enable")?;
    let subcalls = match subcalls {
        Some(v) => Some(vm.truthy(&v)?),
        None => None,
    };
    let builtins = match builtins {
        Some(v) => Some(vm.truthy(&v)?),
        None => None,
    };
    let (user, instructions) = {
        let Ok(mut s) = st.try_borrow_mut() else {
            return Err(vm.runtime_error("Profiler is in use"));
        };
        if let Some(v) = subcalls {
            s.engine.subcalls = v;
        }
        if let Some(v) = builtins {
            s.builtins = v;
        }
        s.enabled = true;
        (
            matches!(s.clock, ClockKind::User { .. }),
            matches!(s.clock, ClockKind::Instructions),
        )
    };
    let hook: Box<dyn NativeHook> = if user {
        Box::new(UserHook { state: st })
    } else {
        Box::new(Hook {
            state: st,
            instructions,
        })
    };
    vm.set_native_profile(Some(hook), Some(me));
    Ok(Value::None)
}

/// Closes the running calls at the current time.
fn flush(vm: &mut Vm, st: &Rc<RefCell<State>>) {
    let clock = st.borrow().clock.clone();
    if let ClockKind::User { .. } = clock {
        while st.try_borrow().map(|s| s.engine.running()).unwrap_or(false) {
            let t = user_time(vm, &clock);
            let Ok(mut s) = st.try_borrow_mut() else {
                break;
            };
            let e = s.engine.top_entry();
            s.engine.leave(e, t);
        }
        return;
    }
    let instructions = vm.instr_count as i64;
    let Ok(mut s) = st.try_borrow_mut() else {
        return;
    };
    let mut last = s.last;
    s.engine.flush(|| match &clock {
        ClockKind::Wall(w) => {
            last = w.now().max(last);
            last
        }
        ClockKind::Cpu => cpu_ns(),
        _ => instructions,
    });
    s.last = last;
}

/// `disable()`: closes the running calls and removes the profile hook
/// (whichever is installed, as CPython does).
fn disable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let me = args.pos[0].clone();
    let st = state_of(vm, &me)?;
    args.check(vm, "disable", 1, 1)?;
    if let Ok(mut s) = st.try_borrow_mut() {
        s.enabled = false;
    }
    // Off first, so that a user timer called by the flush is not profiled.
    vm.set_native_profile(None, None);
    flush(vm, &st);
    Ok(Value::None)
}

fn clear(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let me = args.pos[0].clone();
    let st = state_of(vm, &me)?;
    args.check(vm, "clear", 1, 1)?;
    let Ok(mut s) = st.try_borrow_mut() else {
        return Err(vm.runtime_error("Profiler is in use"));
    };
    s.clear();
    Ok(Value::None)
}

/// The `code` field of entry `i`: the code object, or the builtin's name.
fn code_value(vm: &mut Vm, st: &Rc<RefCell<State>>, i: usize) -> Value {
    let obj = {
        let s = st.borrow();
        let k = &s.keys[i];
        if let Some(l) = &k.label {
            return l.clone();
        }
        match &k.obj {
            KeyObj::Code(c) => return Value::Obj(c.clone()),
            KeyObj::Builtin(b) => b.clone(),
        }
    };
    let label = names::builtin_label(vm, &obj);
    let v = vm.str_val(&label);
    st.borrow_mut().keys[i].label = Some(v.clone());
    v
}

/// `getstats()`: a list of `profiler_entry` for the functions with at least
/// one finished call, each with its callees as `profiler_subentry` (or
/// `calls=None` when it called nothing profiled).
fn getstats(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let me = args.pos[0].clone();
    let st = state_of(vm, &me)?;
    args.check(vm, "getstats", 1, 1)?;
    if st.try_borrow_mut().is_err() {
        return Err(vm.runtime_error("Profiler is in use"));
    }
    let factor = st.borrow().factor();
    let n = st.borrow().engine.entries.len();
    let mut out = Vec::new();
    for i in 0..n {
        let (c, subs) = {
            let s = st.borrow();
            let e = &s.engine.entries[i];
            let subs: Vec<(u32, engine::Counters)> =
                e.subs.iter().map(|s| (s.callee, s.c.clone())).collect();
            (e.c.clone(), subs)
        };
        if c.callcount == 0 {
            continue;
        }
        let calls = if subs.is_empty() {
            Value::None
        } else {
            let mut items = Vec::with_capacity(subs.len());
            for (callee, sc) in subs {
                let code = code_value(vm, &st, callee as usize);
                let v = new_struct_seq(
                    vm,
                    &SUBENTRY,
                    vec![
                        code,
                        Value::Int(sc.callcount as i64),
                        Value::Int(sc.reccallcount as i64),
                        Value::Float(sc.tt as f64 * factor),
                        Value::Float(sc.it as f64 * factor),
                    ],
                )?;
                items.push(v);
            }
            Value::Obj(vm.new_list(items))
        };
        let code = code_value(vm, &st, i);
        let v = new_struct_seq(
            vm,
            &ENTRY,
            vec![
                code,
                Value::Int(c.callcount as i64),
                Value::Int(c.reccallcount as i64),
                Value::Float(c.tt as f64 * factor),
                Value::Float(c.it as f64 * factor),
                calls,
            ],
        )?;
        out.push(v);
    }
    Ok(Value::Obj(vm.new_list(out)))
}
