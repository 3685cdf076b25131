//! The native `_tracemalloc` module under `tracemalloc`
//! (stdlib/lib/tracemalloc.mini), with CPython 3.11's functions: `start`,
//! `stop`, `is_tracing`, `clear_traces`, `get_traceback_limit`,
//! `get_traced_memory`, `reset_peak`, `get_tracemalloc_memory`,
//! `_get_object_traceback`, `_get_traces`, plus `_fnmatch` (the filename
//! matching of `Filter`).
//!
//! While tracing, the table (`table.rs`) is the heap's allocation observer
//! (`mini_interpreter::gc::alloc_trace`): every allocation, free and buffer
//! resize is one Rust call, no mini-level code. Raw tracebacks handed to
//! mini are tuples of `(filename, lineno)` pairs, most recent first, as
//! CPython's `_tracemalloc` gives them.
//!
//! Invariants: the table is shared (`Rc<RefCell<_>>`) by the installed
//! observer and this module; the observer only `try_borrow_mut`s it, so
//! allocations made while this module holds the table (there are none by
//! design) would go untraced rather than panic; object references (the
//! frames' code objects) are dropped only after the borrow ends.

mod fnmatch;
mod table;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use mini_interpreter::compile::code::Code;
use mini_interpreter::gc::alloc_trace::{self, AllocObserver};
use mini_interpreter::object::rc::{Header, ObjRef};
use mini_interpreter::object::str::str_of;
use mini_interpreter::object::value::Value;
use mini_interpreter::vm::args::Args;
use mini_interpreter::{PyResult, Vm};
use rustc_hash::FxHashMap;

use table::Table;

const M: &str = "_tracemalloc";
/// CPython's bound on `nframe` (`MAX_NFRAME`).
pub const MAX_NFRAME: i64 = 65535;

thread_local! {
    static TABLE: RefCell<Option<Rc<RefCell<Table>>>> = const { RefCell::new(None) };
    /// The traceback limit: kept after `stop()`, as CPython does.
    static LIMIT: Cell<usize> = const { Cell::new(1) };
}

/// The observer installed in the heap while tracing.
struct Observer(Rc<RefCell<Table>>);

impl AllocObserver for Observer {
    fn on_alloc(&self, h: *const Header, _size: usize) {
        if let Ok(mut t) = self.0.try_borrow_mut() {
            t.on_alloc(h);
        }
    }
    fn on_free(&self, h: *const Header, _size: usize) {
        if let Ok(mut t) = self.0.try_borrow_mut() {
            t.on_free(h);
        }
    }
    fn on_resize(&self, h: *const Header) {
        if let Ok(mut t) = self.0.try_borrow_mut() {
            t.on_resize(h);
        }
    }
}

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    Ok(vm.make_module(M, |vm, d| {
        vm.add_function(d, M, "start", start);
        vm.add_function(d, M, "stop", stop);
        vm.add_function(d, M, "is_tracing", is_tracing);
        vm.add_function(d, M, "clear_traces", clear_traces);
        vm.add_function(d, M, "get_traceback_limit", get_traceback_limit);
        vm.add_function(d, M, "get_traced_memory", get_traced_memory);
        vm.add_function(d, M, "reset_peak", reset_peak);
        vm.add_function(d, M, "get_tracemalloc_memory", get_tracemalloc_memory);
        vm.add_function(d, M, "_get_object_traceback", get_object_traceback);
        vm.add_function(d, M, "_get_traces", get_traces);
        vm.add_function(d, M, "_fnmatch", fnmatch_fn);
    }))
}

fn table() -> Option<Rc<RefCell<Table>>> {
    TABLE.with(|t| t.borrow().clone())
}

/// Starts tracing with `nframe` frames (no-op when already tracing).
/// Used by `start()` and by the command line (`-X tracemalloc`,
/// `MINITRACEMALLOC`).
pub fn start_tracing(vm: &mut Vm, nframe: usize) {
    if table().is_some() {
        return;
    }
    LIMIT.with(|l| l.set(nframe));
    let t = Rc::new(RefCell::new(Table::new(nframe)));
    TABLE.with(|s| *s.borrow_mut() = Some(t.clone()));
    let old = alloc_trace::install(vm, Box::new(Observer(t)));
    drop(old);
}

/// Parses a command-line frame count (`-X tracemalloc=N`,
/// `MINITRACEMALLOC=N`): a non-negative decimal integer (0: do not trace;
/// the caller checks the upper bound), None when malformed.
pub fn parse_count(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.parse::<u64>().unwrap_or(u64::MAX))
}

fn start(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.check_pos(vm, "start", 0, 1)?;
    let n = match args.arg(0, "nframe") {
        Some(v) => vm.index_value(&v)?,
        None => 1,
    };
    args.no_kw(vm, "start")?;
    if !(1..=MAX_NFRAME).contains(&n) {
        return Err(vm.value_error(format!(
            "the number of frames must be in range [1; {MAX_NFRAME}]"
        )));
    }
    start_tracing(vm, n as usize);
    Ok(Value::None)
}

fn stop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "stop", 0, 0)?;
    let obs = alloc_trace::remove(vm);
    let t = TABLE.with(|s| s.borrow_mut().take());
    // Nothing observes now: release the frames' code objects, then the rest.
    let frames = t.as_ref().map(|t| t.borrow_mut().take_frames());
    drop(frames);
    drop(obs);
    drop(t);
    Ok(Value::None)
}

fn is_tracing(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "is_tracing", 0, 0)?;
    Ok(Value::Bool(table().is_some()))
}

fn clear_traces(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "clear_traces", 0, 0)?;
    if let Some(t) = table() {
        let frames = {
            let mut b = t.borrow_mut();
            b.clear();
            b.take_frames()
        };
        drop(frames);
    }
    Ok(Value::None)
}

fn get_traceback_limit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "get_traceback_limit", 0, 0)?;
    Ok(Value::Int(LIMIT.with(|l| l.get()) as i64))
}

fn get_traced_memory(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "get_traced_memory", 0, 0)?;
    let (cur, peak) = match table() {
        Some(t) => {
            let mut t = t.borrow_mut();
            t.reconcile();
            (t.current, t.peak)
        }
        None => (0, 0),
    };
    let tup = vm.new_tuple(vec![Value::Int(cur as i64), Value::Int(peak as i64)]);
    Ok(Value::Obj(tup))
}

fn reset_peak(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "reset_peak", 0, 0)?;
    if let Some(t) = table() {
        let mut t = t.borrow_mut();
        t.reconcile();
        t.peak = t.current;
    }
    Ok(Value::None)
}

fn get_tracemalloc_memory(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "get_tracemalloc_memory", 0, 0)?;
    let n = table().map(|t| t.borrow().own_memory()).unwrap_or(0);
    Ok(Value::Int(n as i64))
}

/// Frames copied out of the table: (filename object, line).
type FrameCopy = Vec<(Option<ObjRef>, u32)>;

/// Builds raw traceback tuples, caching frames and tracebacks by id.
struct Builder {
    frames: FrameCopy,
    frame_objs: FxHashMap<u32, Value>,
    tb_objs: FxHashMap<u32, Value>,
    unknown: Option<Value>,
}

impl Builder {
    fn frame(&mut self, vm: &mut Vm, id: u32) -> Value {
        if let Some(v) = self.frame_objs.get(&id) {
            return v.clone();
        }
        let (code, line) = &self.frames[id as usize];
        let filename = match code {
            Some(c) => match c.downcast::<Code>() {
                Some(code) => Value::Obj(code.filename.clone()),
                None => vm.str_val("<unknown>"),
            },
            None => match &self.unknown {
                Some(u) => u.clone(),
                None => {
                    let u = vm.str_val("<unknown>");
                    self.unknown = Some(u.clone());
                    u
                }
            },
        };
        let t = Value::Obj(vm.new_tuple(vec![filename, Value::Int(*line as i64)]));
        self.frame_objs.insert(id, t.clone());
        t
    }

    fn traceback(&mut self, vm: &mut Vm, id: u32, key: &[u32]) -> Value {
        if let Some(v) = self.tb_objs.get(&id) {
            return v.clone();
        }
        let frames = &key[..key.len() - 1];
        let items: Vec<Value> = frames.iter().map(|&f| self.frame(vm, f)).collect();
        let t = Value::Obj(vm.new_tuple(items));
        self.tb_objs.insert(id, t.clone());
        t
    }
}

/// Copies the frames (with their code objects) out of the table.
fn copy_frames(t: &Table) -> FrameCopy {
    t.frames.clone()
}

fn get_object_traceback(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "_get_object_traceback", 1, 1)?;
    let Value::Obj(o) = &args.pos[0] else {
        return Ok(Value::None);
    };
    let Some(t) = table() else {
        return Ok(Value::None);
    };
    let (frames, tb) = {
        let tb = t.borrow();
        match tb.traces.get(&(o.as_ptr() as usize)) {
            Some(e) if e.obj.size > 0 => (
                copy_frames(&tb),
                Some((e.obj.tb, tb.tracebacks[e.obj.tb as usize].clone())),
            ),
            _ => (Vec::new(), None),
        }
    };
    let Some((id, key)) = tb else {
        return Ok(Value::None);
    };
    let mut b = Builder {
        frames,
        frame_objs: FxHashMap::default(),
        tb_objs: FxHashMap::default(),
        unknown: None,
    };
    Ok(b.traceback(vm, id, &key))
}

/// `_get_traces()`: a list of `(domain, size, traceback, total_nframe)`,
/// one per traced block.
fn get_traces(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "_get_traces", 0, 0)?;
    let Some(t) = table() else {
        return Ok(Value::Obj(vm.new_list(Vec::new())));
    };
    let (frames, tbs, blocks) = {
        let mut tb = t.borrow_mut();
        tb.reconcile();
        let mut blocks = Vec::with_capacity(tb.block_count());
        for e in tb.traces.values() {
            if e.obj.size > 0 {
                blocks.push((e.obj.size, e.obj.tb));
            }
            if e.buf.size > 0 {
                blocks.push((e.buf.size, e.buf.tb));
            }
        }
        (copy_frames(&tb), tb.tracebacks.clone(), blocks)
    };
    let mut b = Builder {
        frames,
        frame_objs: FxHashMap::default(),
        tb_objs: FxHashMap::default(),
        unknown: None,
    };
    let mut out = Vec::with_capacity(blocks.len());
    for (size, id) in blocks {
        let key = &tbs[id as usize];
        let tbv = b.traceback(vm, id, key);
        let total = *key.last().unwrap_or(&0) as i64;
        let item = vm.new_tuple(vec![
            Value::Int(0),
            Value::Int(size as i64),
            tbv,
            Value::Int(total),
        ]);
        out.push(Value::Obj(item));
    }
    drop(b);
    Ok(Value::Obj(vm.new_list(out)))
}

fn fnmatch_fn(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "_fnmatch", 2, 2)?;
    let (Value::Obj(n), Value::Obj(p)) = (&args.pos[0], &args.pos[1]) else {
        return Err(vm.type_error("_fnmatch() arguments must be str"));
    };
    let (Some(name), Some(pat)) = (str_of(n), str_of(p)) else {
        return Err(vm.type_error("_fnmatch() arguments must be str"));
    };
    Ok(Value::Bool(fnmatch::fnmatch(name, pat)))
}
