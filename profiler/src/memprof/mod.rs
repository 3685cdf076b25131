//! The native `_memory_profiler` module behind `memory_profiler` and
//! `mprof` (stdlib/lib/memory_profiler.mini, stdlib/lib/mprof.mini):
//!
//! - `LineMemory(backend='rss')`: per-line memory accounting of profiled
//!   functions, on native line events (`lines.rs`); `add_function(code)`,
//!   `enable()`, `disable()`, `results()` → `[(code, [(lineno, increment,
//!   mem, occurrences), ...]), ...]` in registration order, for functions
//!   with at least one measurement.
//! - `memory(backend='rss')`: the current reading in MiB (`measure.rs`).
//! - `Sampler(interval, backend='rss', path=None)`: memory over time
//!   (`sampler.rs`), started at creation; `stop()` → `[(MiB, time), ...]`
//!   (empty when the samples went to `path`).
//! - `plot(dat, out, title=None, timestamps=True)`: mprof's chart of a
//!   `.dat` file as SVG (`plot.rs`).
//!
//! Backends: `'rss'` (alias `'psutil'`, memory_profiler's default name) is
//! the resident set size; `'heap'` is mini's count of live heap bytes,
//! deterministic (a mini extension).
//!
//! Invariant: the state of a `LineMemory` is shared between the object and
//! its installed hook; no borrow of it is held while mini code runs.

mod buffers;
mod lines;
mod measure;
mod plot;
mod sampler;

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use mini_interpreter::object::native::{native_ref, Native, NativeObject};
use mini_interpreter::object::rc::ObjRef;
use mini_interpreter::object::str::str_of;
use mini_interpreter::object::value::Value;
use mini_interpreter::vm::args::Args;
use mini_interpreter::vm::arith::{as_num, Num};
use mini_interpreter::{PyResult, Vm};

use measure::{Backend, Meter};

const M: &str = "_memory_profiler";

/// Creates the `_memory_profiler` module.
pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    let lm = vm.extra_type("LineMemory", M);
    vm.add_method(&lm, "add_function", lm_add_function);
    vm.add_method(&lm, "enable", lm_enable);
    vm.add_method(&lm, "disable", lm_disable);
    vm.add_method(&lm, "results", lm_results);
    let sm = vm.extra_type("Sampler", M);
    vm.add_method(&sm, "stop", sampler_stop);
    Ok(vm.make_module(M, |vm, d| {
        vm.add_function(d, M, "LineMemory", line_memory);
        vm.add_function(d, M, "Sampler", sampler_new);
        vm.add_function(d, M, "memory", memory);
        vm.add_function(d, M, "plot", plot::plot);
    }))
}

fn str_value(v: &Value) -> Option<String> {
    match v {
        Value::Obj(o) => str_of(o).map(str::to_string),
        _ => None,
    }
}

/// Reads a `backend` argument (None means 'rss').
fn backend_arg(vm: &mut Vm, v: Option<Value>) -> PyResult<Backend> {
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(Backend::Rss);
    };
    match str_value(&v).as_deref().and_then(Backend::parse) {
        Some(b) => Ok(b),
        None => {
            let r = vm.repr(&v)?;
            Err(vm.value_error(format!(
                "backend must be 'rss', 'psutil' or 'heap', not {r}"
            )))
        }
    }
}

fn float_arg(vm: &mut Vm, v: &Value, what: &str) -> PyResult<f64> {
    match as_num(v) {
        Some(Num::Int(i)) => Ok(i as f64),
        Some(Num::Float(f)) => Ok(f),
        _ => {
            let tn = vm.type_name(v);
            Err(vm.type_error(format!("{what} must be a number, not {tn}")))
        }
    }
}

// ----- LineMemory -----

struct LineMemory {
    state: Rc<RefCell<lines::State>>,
}

impl NativeObject for LineMemory {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        if let Ok(st) = self.state.try_borrow() {
            for t in &st.tables {
                visit(&t.code);
            }
        }
    }
}

fn line_memory(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.check(vm, "LineMemory", 0, 1)?;
    let b = args.arg(0, "backend");
    args.no_kw(vm, "LineMemory")?;
    let backend = backend_arg(vm, b)?;
    let t = vm.extra_type("LineMemory", M);
    let state = Rc::new(RefCell::new(lines::State::new(backend)));
    Ok(Value::Obj(vm.alloc(
        &t,
        Native {
            inner: Box::new(LineMemory { state }),
        },
    )))
}

fn lm_state(vm: &mut Vm, me: &Value) -> PyResult<Rc<RefCell<lines::State>>> {
    match me.as_obj().and_then(native_ref::<LineMemory>) {
        Some(p) => Ok(p.state.clone()),
        None => Err(vm.type_error("descriptor requires a '_memory_profiler.LineMemory' object")),
    }
}

fn lm_add_function(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "add_function", 2, 2)?;
    let st = lm_state(vm, &args.pos[0])?;
    let code = args.pos[1].clone();
    let ok = code.as_obj().is_some_and(|o| {
        o.downcast::<mini_interpreter::compile::code::Code>()
            .is_some()
    });
    if !ok {
        let tn = vm.type_name(&code);
        return Err(vm.type_error(format!("add_function() expects a code object, not {tn}")));
    }
    let Ok(mut s) = st.try_borrow_mut() else {
        return Err(vm.runtime_error("LineMemory is in use"));
    };
    if let Some(c) = code.as_obj() {
        s.add(c);
    }
    Ok(Value::None)
}

/// The LineMemory whose hook is installed, if any.
fn installed_line_memory(vm: &Vm) -> Option<(Value, Rc<RefCell<lines::State>>)> {
    let obj = vm.hooks.native_profile_obj.clone()?;
    let st = obj
        .as_obj()
        .and_then(native_ref::<LineMemory>)?
        .state
        .clone();
    Some((obj, st))
}

fn lm_enable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "enable", 1, 1)?;
    let me = args.pos[0].clone();
    let st = lm_state(vm, &me)?;
    // Chain behind a LineMemory already enabled (nested profiled calls).
    let prev = installed_line_memory(vm).and_then(|(obj, pst)| {
        let chain = pst.try_borrow().ok()?.installed.clone();
        Some((obj, chain))
    });
    let mut chain = prev.as_ref().map(|p| p.1.clone()).unwrap_or_default();
    chain.retain(|s| !Rc::ptr_eq(s, &st));
    chain.push(st.clone());
    let heap = match st.try_borrow_mut() {
        Ok(mut s) => {
            lines::reset_stacks(&mut s);
            s.installed = chain.clone();
            s.replaced = prev;
            s.backend() == Backend::Heap
        }
        Err(_) => return Err(vm.runtime_error("LineMemory is in use")),
    };
    if heap {
        buffers::start(vm);
    }
    vm.set_native_profile(Some(Box::new(lines::Hook { chain })), Some(me));
    Ok(Value::None)
}

fn lm_disable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "disable", 1, 1)?;
    let me = args.pos[0].clone();
    let st = lm_state(vm, &me)?;
    // Remove the hook only if it is this profiler's; put back the one it
    // replaced.
    let ours = installed_line_memory(vm).is_some_and(|(_, s)| Rc::ptr_eq(&s, &st));
    let replaced = st.try_borrow_mut().ok().and_then(|mut s| {
        s.installed.clear();
        s.replaced.take()
    });
    if ours {
        match replaced {
            Some((obj, chain)) if !chain.is_empty() => {
                vm.set_native_profile(Some(Box::new(lines::Hook { chain })), Some(obj));
            }
            _ => {
                vm.set_native_profile(None, None);
                buffers::stop(vm);
            }
        }
    }
    Ok(Value::None)
}

fn lm_results(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "results", 1, 1)?;
    let st = lm_state(vm, &args.pos[0])?;
    let tables: Vec<(ObjRef, Vec<(u32, lines::Rec)>)> = {
        let Ok(s) = st.try_borrow() else {
            return Err(vm.runtime_error("LineMemory is in use"));
        };
        s.tables
            .iter()
            .map(|t| (t.code.clone(), t.charged().collect()))
            .filter(|(_, l): &(ObjRef, Vec<_>)| !l.is_empty())
            .collect()
    };
    let mut out = Vec::with_capacity(tables.len());
    for (code, recs) in tables {
        let rows: Vec<Value> = recs
            .into_iter()
            .map(|(line, r)| {
                Value::Obj(vm.new_tuple(vec![
                    Value::Int(line as i64),
                    Value::Float(r.inc),
                    Value::Float(r.mem),
                    Value::Int(r.occ as i64),
                ]))
            })
            .collect();
        let rows = Value::Obj(vm.new_list(rows));
        out.push(Value::Obj(vm.new_tuple(vec![Value::Obj(code), rows])));
    }
    Ok(Value::Obj(vm.new_list(out)))
}

/// `memory(backend='rss', pid=None)`: the current reading in MiB; with a
/// pid, the resident set size of that process.
fn memory(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.check(vm, "memory", 0, 2)?;
    let b = args.arg(0, "backend");
    let pid = args.arg(1, "pid").filter(|p| !p.is_none());
    args.no_kw(vm, "memory")?;
    let backend = backend_arg(vm, b)?;
    if let Some(p) = pid {
        let Value::Int(p) = p else {
            let tn = vm.type_name(&p);
            return Err(vm.type_error(format!("pid must be int, not {tn}")));
        };
        return match measure::Rss::open_pid(p) {
            Some(r) => Ok(Value::Float(r.bytes() as f64 / measure::MIB)),
            None => Err(vm.os_error(format!("no such process: {p}"))),
        };
    }
    Ok(Value::Float(Meter::new(backend).mib()))
}

// ----- Sampler -----

enum Running {
    Thread(sampler::RssThread),
    Heap(Rc<RefCell<sampler::HeapTicks>>),
}

struct SamplerObj {
    running: RefCell<Option<Running>>,
}

impl NativeObject for SamplerObj {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `Sampler(interval, backend='rss', path=None)`.
fn sampler_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.check(vm, "Sampler", 1, 3)?;
    let interval = args.arg(0, "interval").unwrap_or(Value::Float(0.1));
    let b = args.arg(1, "backend");
    let path = args.arg(2, "path").filter(|p| !p.is_none());
    args.no_kw(vm, "Sampler")?;
    let interval = float_arg(vm, &interval, "interval")?;
    if !(interval > 0.0 && interval.is_finite()) {
        return Err(vm.value_error("interval must be a positive number"));
    }
    let backend = backend_arg(vm, b)?;
    let path = match path {
        Some(p) => match str_value(&p) {
            Some(s) => Some(s),
            None => return Err(vm.type_error("path must be str or None")),
        },
        None => None,
    };
    let me = vm.extra_type("Sampler", M);
    let running = match backend {
        Backend::Rss => match sampler::RssThread::start(interval, path) {
            Ok(t) => Running::Thread(t),
            Err(e) => return Err(vm.os_error(e)),
        },
        Backend::Heap => {
            if path.is_some() {
                return Err(vm.value_error("the 'heap' backend cannot write to a file"));
            }
            let ticks = Rc::new(RefCell::new(sampler::HeapTicks::new(interval)));
            let hook = sampler::HeapHook {
                ticks: ticks.clone(),
            };
            buffers::start(vm);
            vm.set_native_profile(Some(Box::new(hook)), None);
            Running::Heap(ticks)
        }
    };
    Ok(Value::Obj(vm.alloc(
        &me,
        Native {
            inner: Box::new(SamplerObj {
                running: RefCell::new(Some(running)),
            }),
        },
    )))
}

/// `stop()`: ends sampling; returns the samples as (MiB, time) tuples.
fn sampler_stop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "stop", 1, 1)?;
    let Some(s) = args.pos[0].as_obj().and_then(native_ref::<SamplerObj>) else {
        return Err(vm.type_error("descriptor requires a '_memory_profiler.Sampler' object"));
    };
    let running = s.running.borrow_mut().take();
    let samples = match running {
        None => return Err(vm.runtime_error("sampler already stopped")),
        Some(Running::Thread(t)) => match t.stop() {
            Ok(v) => v,
            Err(e) => return Err(vm.os_error(e)),
        },
        Some(Running::Heap(ticks)) => {
            vm.set_native_profile(None, None);
            let mut t = ticks.borrow_mut();
            t.finish();
            buffers::stop(vm);
            std::mem::take(&mut t.samples)
        }
    };
    let items: Vec<Value> = samples
        .into_iter()
        .map(|(m, t)| Value::Obj(vm.new_tuple(vec![Value::Float(m), Value::Float(t)])))
        .collect();
    Ok(Value::Obj(vm.new_list(items)))
}
