//! The `faulthandler` module, native as in CPython: `enable`, `disable`,
//! `is_enabled`, `dump_traceback`, `dump_traceback_later`,
//! `cancel_dump_traceback_later`, `register`, `unregister`, and the
//! crash helpers `_sigsegv`, `_sigabrt`, `_sigfpe`. Arguments, errors
//! and output follow CPython 3.11's Modules/faulthandler.c.
//!
//! Layout: `dump.rs` writes stacks (async-signal-safe), `handlers.rs`
//! installs the signal handlers, `watchdog.rs` runs the timer thread.
//! This file parses arguments, turns file objects into descriptors and
//! keeps those file objects alive while a handler or the watchdog may
//! write to their descriptor (in the Vm's `extra_types` table under
//! `FILES`, so they die with the interpreter).
//!
//! Invariant: whenever a handler is installed or a watchdog runs, the
//! interpreter that armed it is published (`dump::publish`); `detach`
//! undoes everything before that interpreter goes away.

mod dump;
mod handlers;
mod watchdog;

pub(crate) use watchdog::at_safe_point;

use crate::object::dict::Dict;
use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::arith::{as_int, Num};
use crate::vm::{PyResult, Vm};

const M: &str = "faulthandler";

/// Key of the dict (in `Vm::extra_types`) holding the file objects whose
/// descriptors the handlers and the watchdog write to.
const FILES: &str = "faulthandler.files";

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    Ok(vm.make_module(M, |vm, d| {
        vm.add_function(d, M, "enable", enable);
        vm.add_function(d, M, "disable", disable);
        vm.add_function(d, M, "is_enabled", is_enabled);
        vm.add_function(d, M, "dump_traceback", dump_traceback);
        vm.add_function(d, M, "dump_traceback_later", dump_traceback_later);
        vm.add_function(
            d,
            M,
            "cancel_dump_traceback_later",
            cancel_dump_traceback_later,
        );
        vm.add_function(d, M, "register", register);
        vm.add_function(d, M, "unregister", unregister);
        vm.add_function(d, M, "_sigsegv", sigsegv);
        vm.add_function(d, M, "_sigabrt", sigabrt);
        vm.add_function(d, M, "_sigfpe", sigfpe);
    }))
}

/// True when the command line or the environment asks for faulthandler
/// at startup: any `-X faulthandler[=...]` option, or a non-empty
/// `MINIFAULTHANDLER` (CPython's PYTHONFAULTHANDLER).
pub fn requested(xoptions: &[String]) -> bool {
    xoptions
        .iter()
        .any(|x| x == "faulthandler" || x.starts_with("faulthandler="))
        || std::env::var_os("MINIFAULTHANDLER").is_some_and(|v| !v.is_empty())
}

/// Imports `faulthandler` and calls `enable()`, as CPython's startup does
/// for `-X faulthandler`.
pub fn enable_at_startup(vm: &mut Vm) -> PyResult<()> {
    let m = vm.import_module(M)?;
    vm.call_method(&Value::Obj(m), "enable", vec![])?;
    Ok(())
}

/// Disarms everything `vm` armed (CPython's `_PyFaulthandler_Fini`): the
/// watchdog is joined, the user and fatal handlers are restored and the
/// interpreter is no longer published. Called at interpreter shutdown and
/// when a Vm is dropped.
pub(crate) fn detach(vm: &mut Vm) {
    if !dump::is_published(vm) {
        return;
    }
    watchdog::cancel();
    for signum in handlers::registered().collect::<Vec<_>>() {
        handlers::unregister(signum);
    }
    handlers::disable_fatal();
    dump::retract();
    if let Some(files) = vm.extra_types.remove(FILES) {
        crate::object::dict::dict_clear_raw(&files);
    }
}

/// Keeps `file` alive under `slot` (or forgets the slot for a bare fd).
fn keep_file(vm: &mut Vm, slot: &str, file: Option<ObjRef>) {
    let files = match vm.extra_types.get(FILES) {
        Some(d) => d.clone(),
        None => {
            let d = vm.new_dict();
            vm.extra_types.insert(FILES, d.clone());
            d
        }
    };
    let key = vm.intern(slot);
    let dict = files.downcast::<Dict>().expect("faulthandler files dict");
    let old = match file {
        Some(f) => {
            let old = dict.get_str(&key);
            dict.set_str(&key, Value::Obj(f));
            old
        }
        None => dict.del_str(&key),
    };
    drop(old);
}

fn user_slot(signum: i32) -> String {
    format!("signal {signum}")
}

/// How a parameter is converted (PyArg format units).
#[derive(Clone, Copy, PartialEq)]
enum Unit {
    /// "O": any object.
    Obj,
    /// "i": a C int.
    Int,
}

/// CPython's `PyArg_ParseTupleAndKeywords` for `names` (the first
/// `required` of them mandatory): the same arity, keyword and
/// conversion errors, in the same order.
fn parse(
    vm: &mut Vm,
    args: Args,
    fname: &str,
    params: &[(&str, Unit)],
    required: usize,
) -> PyResult<Vec<Option<Value>>> {
    let Args { pos, mut kw } = args;
    let (nargs, len) = (pos.len(), params.len());
    if nargs + kw.len() > len {
        return Err(vm.type_error(format!(
            "{fname}() takes at most {len} {}argument{} ({} given)",
            if nargs == 0 { "keyword " } else { "" },
            if len == 1 { "" } else { "s" },
            nargs + kw.len()
        )));
    }
    let mut out = Vec::with_capacity(len);
    for (i, (name, unit)) in params.iter().enumerate() {
        let v = if i < nargs {
            Some(pos[i].clone())
        } else {
            kw.iter()
                .position(|(k, _)| crate::object::str::str_of(k) == Some(name))
                .map(|j| kw.remove(j).1)
        };
        let v = match v {
            None if i < required => {
                return Err(vm.type_error(format!(
                    "{fname}() missing required argument '{name}' (pos {})",
                    i + 1
                )));
            }
            None => None,
            Some(v) if *unit == Unit::Int => Some(Value::Int(c_int(vm, &v)? as i64)),
            Some(v) => Some(v),
        };
        out.push(v);
    }
    if let Some((k, _)) = kw.first() {
        let k = crate::object::str::str_of(k).unwrap_or("?").to_string();
        if let Some(i) = params[..nargs].iter().position(|(n, _)| *n == k) {
            return Err(vm.type_error(format!(
                "argument for {fname}() given by name ('{k}') and position ({})",
                i + 1
            )));
        }
        return Err(vm.type_error(format!(
            "'{k}' is an invalid keyword argument for {fname}()"
        )));
    }
    Ok(out)
}

/// PyArg's "i": an int (or `__index__`) that fits a C int.
fn c_int(vm: &mut Vm, v: &Value) -> PyResult<i32> {
    let n = match as_int(v) {
        Some(Num::Big(_)) => {
            return Err(vm.overflow_error("Python int too large to convert to C long"))
        }
        _ => vm.index_value(v)?,
    };
    if n > i32::MAX as i64 {
        return Err(vm.overflow_error("signed integer is greater than maximum"));
    }
    if n < i32::MIN as i64 {
        return Err(vm.overflow_error("signed integer is less than minimum"));
    }
    Ok(n as i32)
}

/// A flag argument given as "i" (absent: `default`).
fn flag(v: &Option<Value>, default: bool) -> bool {
    match v {
        Some(Value::Int(n)) => *n != 0,
        _ => default,
    }
}

/// CPython's `faulthandler_get_fileno`: the descriptor to write to and the
/// file object to keep alive (None for a bare descriptor). `None` or no
/// argument means `sys.stderr`; an int is a descriptor; anything else must
/// have `fileno()`, and is flushed (flush errors are ignored).
fn get_fileno(vm: &mut Vm, file: Option<Value>) -> PyResult<(i32, Option<ObjRef>)> {
    let file = match file {
        None | Some(Value::None) => match vm.sys_attr("stderr") {
            None => return Err(vm.runtime_error("unable to get sys.stderr")),
            Some(Value::None) => return Err(vm.runtime_error("sys.stderr is None")),
            Some(f) => f,
        },
        Some(v) if as_int(&v).is_some() => {
            let fd = match as_int(&v) {
                Some(Num::Int(n)) if n <= i32::MAX as i64 && n >= i32::MIN as i64 => n as i32,
                _ => return Err(vm.overflow_error("Python int too large to convert to C int")),
            };
            if fd < 0 {
                return Err(vm.value_error("file is not a valid file descripter"));
            }
            return Ok((fd, None));
        }
        Some(v) => v,
    };
    let r = vm.call_method(&file, "fileno", vec![])?;
    let fd = match as_int(&r) {
        Some(Num::Int(n)) if (0..i32::MAX as i64).contains(&n) => n as i32,
        _ => return Err(vm.runtime_error("file.fileno() is not a valid file descriptor")),
    };
    if vm.call_method(&file, "flush", vec![]).is_err() {
        // CPython ignores a failing flush().
    }
    let obj = match file {
        Value::Obj(o) => Some(o),
        _ => None,
    };
    Ok((fd, obj))
}

/// A `RuntimeError` from an OS error (CPython's PyErr_SetFromErrno with
/// RuntimeError): `[Errno N] text`.
fn os_runtime_error(vm: &mut Vm, e: &std::io::Error) -> crate::vm::PyErr {
    let text = e.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text).to_string();
    match e.raw_os_error() {
        Some(n) => vm.runtime_error(format!("[Errno {n}] {text}")),
        None => vm.runtime_error(text),
    }
}

/// Rejects any argument of a METH_NOARGS function.
fn no_args(vm: &mut Vm, args: &Args, name: &str) -> PyResult<()> {
    if !args.kw.is_empty() {
        return Err(vm.type_error(format!("{M}.{name}() takes no keyword arguments")));
    }
    if !args.pos.is_empty() {
        return Err(vm.type_error(format!(
            "{M}.{name}() takes no arguments ({} given)",
            args.pos.len()
        )));
    }
    Ok(())
}

/// `enable(file=sys.stderr, all_threads=True)`
fn enable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse(
        vm,
        args,
        "enable",
        &[("file", Unit::Obj), ("all_threads", Unit::Int)],
        0,
    )?;
    let (fd, file) = get_fileno(vm, a[0].clone())?;
    dump::publish(vm);
    keep_file(vm, "fatal", file);
    if let Err(e) = handlers::enable_fatal(fd, flag(&a[1], true)) {
        return Err(os_runtime_error(vm, &e));
    }
    Ok(Value::None)
}

/// `disable()`: True if the fatal handlers were installed.
fn disable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, &args, "disable")?;
    if !handlers::disable_fatal() {
        return Ok(Value::Bool(false));
    }
    keep_file(vm, "fatal", None);
    Ok(Value::Bool(true))
}

fn is_enabled(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, &args, "is_enabled")?;
    Ok(Value::Bool(handlers::fatal_enabled()))
}

/// `dump_traceback(file=sys.stderr, all_threads=True)`
fn dump_traceback(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse(
        vm,
        args,
        "dump_traceback",
        &[("file", Unit::Obj), ("all_threads", Unit::Int)],
        0,
    )?;
    let (fd, _file) = get_fileno(vm, a[0].clone())?;
    dump::publish(vm);
    if flag(&a[1], true) {
        if let Err(msg) = dump::dump_threads(fd, true) {
            return Err(vm.runtime_error(msg));
        }
    } else {
        dump::dump_stack(fd);
    }
    vm.run_pending_signals()?;
    Ok(Value::None)
}

/// `_PyTime_FromSecondsObject(timeout, _PyTime_ROUND_TIMEOUT)` then
/// `_PyTime_AsMicroseconds`: the timeout in microseconds, rounded away
/// from zero, with CPython's errors.
fn timeout_us(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    const NS_MAX: f64 = 9_223_372_036_854_775_808.0; // 2**63
    let ns: i64 = match crate::vm::arith::as_num(v) {
        Some(Num::Float(f)) => {
            if f.is_nan() {
                return Err(vm.value_error("Invalid value NaN (not a number)"));
            }
            let d = f * 1e9;
            let d = if d >= 0.0 { d.ceil() } else { d.floor() };
            if !(-NS_MAX..NS_MAX).contains(&d) {
                return Err(vm.overflow_error("timestamp out of range for platform time_t"));
            }
            d as i64
        }
        Some(Num::Big(_)) => {
            return Err(vm.overflow_error("timestamp too large to convert to C _PyTime_t"))
        }
        _ => {
            let secs = vm.index_value(v)?;
            match secs.checked_mul(1_000_000_000) {
                Some(ns) => ns,
                None => {
                    return Err(vm.overflow_error("timestamp too large to convert to C _PyTime_t"))
                }
            }
        }
    };
    // Round away from zero, as _PyTime_ROUND_UP does.
    let us = ns / 1000 + (ns % 1000).signum();
    Ok(us)
}

/// `dump_traceback_later(timeout, repeat=False, file=sys.stderr, exit=False)`
fn dump_traceback_later(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse(
        vm,
        args,
        "dump_traceback_later",
        &[
            ("timeout", Unit::Obj),
            ("repeat", Unit::Int),
            ("file", Unit::Obj),
            ("exit", Unit::Int),
        ],
        1,
    )?;
    let timeout = a[0].clone().unwrap_or(Value::None);
    let us = timeout_us(vm, &timeout)?;
    if us <= 0 {
        return Err(vm.value_error("timeout must be greater than 0"));
    }
    // PY_TIMEOUT_MAX on POSIX: LLONG_MAX / 1000 microseconds.
    if us >= i64::MAX / 1000 {
        return Err(vm.overflow_error("timeout value is too large"));
    }
    let (fd, file) = get_fileno(vm, a[2].clone())?;
    let plan = watchdog::Plan {
        fd,
        timeout: std::time::Duration::from_micros(us as u64),
        repeat: flag(&a[1], false),
        exit: flag(&a[3], false),
        header: watchdog::header(us as u64),
    };
    watchdog::cancel();
    dump::publish(vm);
    keep_file(vm, "later", file);
    if watchdog::start(plan).is_err() {
        keep_file(vm, "later", None);
        return Err(vm.runtime_error("unable to start watchdog thread"));
    }
    Ok(Value::None)
}

fn cancel_dump_traceback_later(vm: &mut Vm, args: Args) -> PyResult<Value> {
    no_args(vm, &args, "cancel_dump_traceback_later")?;
    watchdog::cancel();
    keep_file(vm, "later", None);
    Ok(Value::None)
}

/// CPython's `check_signum`: the fatal signals belong to `enable()`.
fn check_signum(vm: &mut Vm, signum: i32) -> PyResult<()> {
    if handlers::is_fatal_signal(signum) {
        return Err(vm.runtime_error(format!(
            "signal {signum} cannot be registered, use enable() instead"
        )));
    }
    if !(1..handlers::NSIG).contains(&signum) {
        return Err(vm.value_error("signal number out of range"));
    }
    Ok(())
}

/// `register(signum, file=sys.stderr, all_threads=True, chain=False)`
fn register(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = parse(
        vm,
        args,
        "register",
        &[
            ("signum", Unit::Int),
            ("file", Unit::Obj),
            ("all_threads", Unit::Int),
            ("chain", Unit::Int),
        ],
        1,
    )?;
    let signum = match a[0] {
        Some(Value::Int(n)) => n as i32,
        _ => 0,
    };
    check_signum(vm, signum)?;
    let (fd, file) = get_fileno(vm, a[1].clone())?;
    dump::publish(vm);
    if let Err(e) = handlers::register(signum, fd, flag(&a[2], true), flag(&a[3], false)) {
        let msg = e.to_string();
        let msg = msg.split(" (os error").next().unwrap_or(&msg).to_string();
        return Err(vm.os_error_errno(e.raw_os_error().unwrap_or(0), &msg));
    }
    keep_file(vm, &user_slot(signum), file);
    Ok(Value::None)
}

/// `unregister(signum)`: True if the signal was registered. Parsed as
/// CPython's METH_VARARGS "i:unregister" (keywords are not looked at).
fn unregister(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.pos.len() != 1 {
        return Err(vm.type_error(format!(
            "unregister() takes exactly 1 argument ({} given)",
            args.pos.len()
        )));
    }
    let signum = c_int(vm, &args.pos[0])?;
    check_signum(vm, signum)?;
    let was = handlers::unregister(signum);
    if was {
        keep_file(vm, &user_slot(signum), None);
    }
    Ok(Value::Bool(was))
}

/// `_sigsegv(release_gil=False)`: raises SIGSEGV (CPython's test helper).
fn sigsegv(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let _ = parse_positional_flag(vm, args, "_sigsegv")?;
    handlers::suppress_crash_report();
    handlers::raise_fatal(libc::SIGSEGV);
    Ok(Value::None)
}

/// `_sigabrt()`: calls abort(3).
fn sigabrt(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "_sigabrt", 0, 0)?;
    handlers::suppress_crash_report();
    std::process::abort();
}

/// `_sigfpe()`: raises SIGFPE.
fn sigfpe(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "_sigfpe", 0, 0)?;
    handlers::suppress_crash_report();
    handlers::raise_fatal(libc::SIGFPE);
    Ok(Value::None)
}

/// The optional "|i" argument of `_sigsegv`.
fn parse_positional_flag(vm: &mut Vm, args: Args, fname: &str) -> PyResult<bool> {
    args.check(vm, fname, 0, 1)?;
    match args.pos.first() {
        Some(v) => Ok(c_int(vm, v)? != 0),
        None => Ok(false),
    }
}
