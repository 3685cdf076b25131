//! The `sys` module: argv, path, modules, the standard streams, version
//! information, recursion limit, refcounts and sizes, frames, exception
//! info, and the profile/trace hooks.

use crate::object::dict::Dict;
use crate::object::kind::Kind;
use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

use super::structseq;

const M: &str = "sys";

static VERSION_INFO: structseq::Spec = structseq::Spec {
    qualname: "sys.version_info",
    fields: &["major", "minor", "micro", "releaselevel", "serial"],
    visible: 5,
};

static FLAGS: structseq::Spec = structseq::Spec {
    qualname: "sys.flags",
    fields: &[
        "debug",
        "inspect",
        "interactive",
        "optimize",
        "dont_write_bytecode",
        "no_user_site",
        "no_site",
        "ignore_environment",
        "verbose",
        "bytes_warning",
        "quiet",
        "hash_randomization",
        "isolated",
        "dev_mode",
        "utf8_mode",
        "warn_default_encoding",
        "safe_path",
        "int_max_str_digits",
    ],
    visible: 18,
};

static FLOAT_INFO: structseq::Spec = structseq::Spec {
    qualname: "sys.float_info",
    fields: &[
        "max",
        "max_exp",
        "max_10_exp",
        "min",
        "min_exp",
        "min_10_exp",
        "dig",
        "mant_dig",
        "epsilon",
        "radix",
        "rounds",
    ],
    visible: 11,
};

pub const MINI_VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn install(vm: &mut Vm) {
    let m = vm.make_module("sys", fill);
    let key = vm.intern("sys");
    vm.sys_modules
        .downcast::<Dict>()
        .unwrap()
        .set_str(&key, Value::Obj(m.clone()));
    let bkey = vm.intern("builtins");
    let bm = vm.builtins_module.clone();
    vm.sys_modules
        .downcast::<Dict>()
        .unwrap()
        .set_str(&bkey, Value::Obj(bm));
    vm.sys_module = Some(m);
}

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    Ok(vm.sys_module.clone().expect("sys installed at start-up"))
}

fn fill(vm: &mut Vm, d: &ObjRef) {
    let fns: &[(&'static str, crate::object::function::NativeFn)] = &[
        ("exit", exit),
        ("getrefcount", getrefcount),
        ("getsizeof", getsizeof),
        ("getrecursionlimit", getrecursionlimit),
        ("setrecursionlimit", setrecursionlimit),
        ("_getframe", getframe),
        ("setprofile", setprofile),
        ("getprofile", getprofile),
        ("settrace", settrace),
        ("gettrace", gettrace),
        ("exc_info", exc_info),
        ("exception", exception),
        ("intern", intern),
        ("displayhook", displayhook),
        ("excepthook", excepthook),
        ("getdefaultencoding", utf8),
        ("getfilesystemencoding", utf8),
        ("get_int_max_str_digits", get_int_max_str_digits),
        ("set_int_max_str_digits", set_int_max_str_digits),
        ("getswitchinterval", getswitchinterval),
        ("is_finalizing", is_finalizing),
        ("unraisablehook", unraisablehook),
    ];
    for (n, f) in fns {
        vm.add_function(d, M, n, *f);
    }
    let dh = vm.displayhook.clone();
    vm.set_in(d, "__displayhook__", Value::Obj(dh));
    let eh = vm.new_builtin(Some(M), "excepthook", excepthook);
    vm.set_in(d, "__excepthook__", Value::Obj(eh));
    let argv = vm.new_list(vec![]);
    vm.set_in(d, "argv", Value::Obj(argv));
    let path = vm.new_list(vec![]);
    vm.set_in(d, "path", Value::Obj(path));
    let modules = vm.sys_modules.clone();
    vm.set_in(d, "modules", Value::Obj(modules));
    let v = format!("3.11.7 (mini {MINI_VERSION})");
    let vv = vm.str_val(&v);
    vm.set_in(d, "version", vv);
    let final_ = vm.str_val("final");
    let vi = structseq::new_struct_seq(
        vm,
        &VERSION_INFO,
        vec![
            Value::Int(3),
            Value::Int(11),
            Value::Int(7),
            final_,
            Value::Int(0),
        ],
    )
    .expect("sys.version_info");
    vm.set_in(d, "version_info", vi);
    vm.set_in(d, "hexversion", Value::Int(0x030b07f0));
    let plat = vm.str_val(std::env::consts::OS);
    vm.set_in(d, "platform", plat);
    vm.set_in(d, "maxsize", Value::Int(i64::MAX));
    vm.set_in(d, "maxunicode", Value::Int(0x10ffff));
    let bo = vm.str_val(if cfg!(target_endian = "little") {
        "little"
    } else {
        "big"
    });
    vm.set_in(d, "byteorder", bo);
    let exe = std::env::current_exe()
        .map(|p| p.to_string_lossy().to_string())
        .unwrap_or_default();
    let ev = vm.str_val(&exe);
    vm.set_in(d, "executable", ev);
    let pre = vm.str_val("/usr/local");
    vm.set_in(d, "prefix", pre.clone());
    vm.set_in(d, "exec_prefix", pre);
    let names: Vec<Value> = [
        "builtins", "sys", "gc", "time", "math", "_io", "_weakref", "signal", "atexit",
    ]
    .iter()
    .map(|n| vm.str_val(n))
    .collect();
    let bmn = vm.new_tuple(names);
    vm.set_in(d, "builtin_module_names", Value::Obj(bmn));
    // CPython 3.11's defaults for `python3 script.py` (mini writes no
    // bytecode files, so dont_write_bytecode is 1).
    let mut fv = vec![Value::Int(0); FLAGS.fields.len()];
    fv[4] = Value::Int(1);
    fv[11] = Value::Int(1);
    fv[13] = Value::Bool(false);
    fv[16] = Value::Bool(false);
    fv[17] = Value::Int(-1);
    let flags = structseq::new_struct_seq(vm, &FLAGS, fv).expect("sys.flags");
    vm.set_in(d, "flags", flags);
    let xoptions = vm.new_dict();
    vm.set_in(d, "_xoptions", Value::Obj(xoptions));
    vm.set_in(d, "dont_write_bytecode", Value::Bool(true));
    let wo = vm.new_list(vec![]);
    vm.set_in(d, "warnoptions", Value::Obj(wo));
    let impl_name = vm.str_val("mini");
    vm.set_in(d, "implementation_name", impl_name);
    let ps1 = vm.str_val(">>> ");
    vm.set_in(d, "ps1", ps1);
    let ps2 = vm.str_val("... ");
    vm.set_in(d, "ps2", ps2);
    let fi = structseq::new_struct_seq(
        vm,
        &FLOAT_INFO,
        vec![
            Value::Float(f64::MAX),
            Value::Int(1024),
            Value::Int(308),
            Value::Float(f64::MIN_POSITIVE),
            Value::Int(-1021),
            Value::Int(-307),
            Value::Int(15),
            Value::Int(53),
            Value::Float(f64::EPSILON),
            Value::Int(2),
            Value::Int(1),
        ],
    )
    .expect("sys.float_info");
    vm.set_in(d, "float_info", fi);
}

/// Installs the standard streams into `sys` (after `io::install`).
pub fn install_streams(vm: &mut Vm) {
    let Some((i, o, e)) = vm.std_streams.clone() else {
        return;
    };
    let d = vm
        .sys_module
        .as_ref()
        .and_then(|m| {
            m.downcast::<crate::object::module::Module>()
                .map(|m| m.dict.clone())
        })
        .unwrap();
    for (n, s) in [
        ("stdin", &i),
        ("stdout", &o),
        ("stderr", &e),
        ("__stdin__", &i),
        ("__stdout__", &o),
        ("__stderr__", &e),
    ] {
        vm.set_in(&d, n, Value::Obj(s.clone()));
    }
}

fn exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "exit", 0, 1)?;
    let c = vm.types.exc.system_exit.clone();
    let a: Vec<Value> = args
        .pos
        .into_vec()
        .into_iter()
        .filter(|v| !v.is_none())
        .collect();
    let e = vm.new_exception(&c, a);
    Err(crate::vm::PyErr { exc: e })
}

/// The "immortal" count reported for inline values (as CPython 3.12+).
pub const IMMORTAL_REFCNT: i64 = 4294967295;

fn getrefcount(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "getrefcount", 1, 1)?;
    Ok(Value::Int(match &args.pos[0] {
        Value::Obj(o) => {
            if o.flags() & crate::object::rc::FLAG_IMMORTAL != 0 {
                IMMORTAL_REFCNT
            } else {
                o.refcount() as i64
            }
        }
        _ => IMMORTAL_REFCNT,
    }))
}

fn getsizeof(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "getsizeof", 1, 2)?;
    let v = args.pos[0].clone();
    if let Value::Obj(o) = &v {
        if o.owns_cls() {
            let name = vm.names.sizeof.clone();
            if let Some(f) = vm.lookup_special(&v, &name) {
                if !crate::vm::is_builtin_slot(&f) {
                    let r = match vm.call(&f, vec![v.clone()]) {
                        Ok(r) => r,
                        Err(e) => {
                            return match args.pos.get(1) {
                                Some(d) => Ok(d.clone()),
                                None => Err(e),
                            }
                        }
                    };
                    let n = vm.index_value(&r)?;
                    if n < 0 {
                        return Err(vm.value_error("__sizeof__() should return >= 0"));
                    }
                    return Ok(Value::Int(n + vm.gc_header_size(&v) as i64));
                }
            }
        }
    }
    Ok(Value::Int(vm.getsizeof(&v) as i64))
}

fn getrecursionlimit(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Int(vm.recursion_limit as i64))
}

fn setrecursionlimit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "setrecursionlimit", 1, 1)?;
    let n = vm.index_value(&args.pos[0])?;
    if n < 1 {
        return Err(vm.value_error("recursion limit must be greater or equal than 1"));
    }
    if (n as usize) <= vm.depth() {
        return Err(vm.recursion_error(format!(
            "cannot set the recursion limit to {n} at the recursion depth {}: the limit is too low",
            vm.depth()
        )));
    }
    vm.recursion_limit = n as usize;
    Ok(Value::None)
}

fn getframe(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "_getframe", 0, 1)?;
    let depth = match args.pos.first() {
        Some(d) => vm.index_value(d)?,
        None => 0,
    };
    let n = vm.frames.len() as i64;
    if depth < 0 || depth >= n {
        return Err(vm.value_error("call stack is not deep enough"));
    }
    let i = (n - 1 - depth) as usize;
    Ok(Value::Obj(vm.frame_object(i)))
}

fn setprofile(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "setprofile", 1, 1)?;
    let f = args.pos[0].clone();
    vm.set_profile(if f.is_none() { None } else { Some(f) });
    Ok(Value::None)
}

fn getprofile(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    if let Some(o) = &vm.hooks.native_profile_obj {
        return Ok(o.clone());
    }
    Ok(vm.hooks.profile.clone().unwrap_or(Value::None))
}

fn settrace(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "settrace", 1, 1)?;
    let f = args.pos[0].clone();
    vm.set_trace(if f.is_none() { None } else { Some(f) });
    Ok(Value::None)
}

fn gettrace(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(vm.hooks.trace.clone().unwrap_or(Value::None))
}

fn exc_info(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    match vm.exc_stack.last().cloned() {
        Some(Value::Obj(e)) => {
            let t = Value::Obj(e.class());
            let tb = crate::vm::unwind::exc_base(&e)
                .map(|b| b.traceback.borrow().clone())
                .unwrap_or(Value::None);
            Ok(Value::Obj(vm.new_tuple(vec![t, Value::Obj(e), tb])))
        }
        _ => Ok(Value::Obj(vm.new_tuple(vec![
            Value::None,
            Value::None,
            Value::None,
        ]))),
    }
}

fn exception(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(vm.exc_stack.last().cloned().unwrap_or(Value::None))
}

fn intern(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "intern", 1, 1)?;
    match &args.pos[0] {
        Value::Obj(s) if s.kind() == Kind::Str && !s.owns_cls() => Ok(Value::Obj(vm.intern_obj(s))),
        other => {
            let t = vm.type_name(other);
            Err(vm.type_error(format!("intern() argument must be str, not {t}")))
        }
    }
}

/// `sys.displayhook`: print repr of non-None values and keep them in `_`.
pub fn displayhook(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "displayhook", 1, 1)?;
    let v = args.pos[0].clone();
    if v.is_none() {
        return Ok(Value::None);
    }
    let b = vm.builtins.clone();
    vm.set_in(&b, "_", Value::None);
    let r = vm.repr(&v)?;
    vm.write_stdout(&format!("{r}\n"))?;
    vm.set_in(&b, "_", v);
    Ok(Value::None)
}

fn excepthook(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "excepthook", 3, 3)?;
    if let Value::Obj(e) = &args.pos[1] {
        vm.print_exception(&e.clone());
    }
    Ok(Value::None)
}

fn unraisablehook(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::None)
}

fn utf8(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(vm.str_val("utf-8"))
}

fn get_int_max_str_digits(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Int(vm.int_max_str_digits as i64))
}

fn set_int_max_str_digits(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let v = args.arg(0, "maxdigits").unwrap_or(Value::Int(4300));
    let n = vm.index_value(&v)?;
    if n != 0 && n < 640 {
        return Err(vm.value_error("maxdigits must be 0 or larger than 640"));
    }
    vm.int_max_str_digits = n as usize;
    Ok(Value::None)
}

fn getswitchinterval(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Float(0.005))
}

fn is_finalizing(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Bool(vm.finalizing))
}

/// Sets `sys.argv` and `sys.path[0]`.
/// Records the `-X` options as `sys._xoptions` (`-X name=value` maps name to
/// the string, a bare `-X name` to True; later options win) and applies the
/// ones the interpreter core acts on: `legacy-finalizers` switches the
/// collector to pre-PEP 442 behaviour. Other names are left for the modules
/// that read them (tracemalloc, faulthandler).
pub fn set_xoptions(vm: &mut Vm, xoptions: &[String]) {
    let x = vm.new_dict();
    for opt in xoptions {
        let (name, value) = match opt.split_once('=') {
            Some((n, v)) => (n, vm.str_val(v)),
            None => (opt.as_str(), Value::Bool(true)),
        };
        if name == "legacy-finalizers" {
            vm.gc_state.legacy = true;
        }
        vm.set_in(&x, name, value);
    }
    let d = vm
        .sys_module
        .as_ref()
        .unwrap()
        .downcast::<crate::object::module::Module>()
        .unwrap()
        .dict
        .clone();
    vm.set_in(&d, "_xoptions", Value::Obj(x));
}

pub fn set_argv(vm: &mut Vm, argv: &[String], path0: Option<&str>) {
    let items: Vec<Value> = argv.iter().map(|a| vm.str_val(a)).collect();
    let l = vm.new_list(items);
    let d = vm
        .sys_module
        .as_ref()
        .unwrap()
        .downcast::<crate::object::module::Module>()
        .unwrap()
        .dict
        .clone();
    vm.set_in(&d, "argv", Value::Obj(l));
    let mut paths: Vec<Value> = Vec::new();
    if let Some(p) = path0 {
        paths.push(vm.str_val(p));
    }
    if let Ok(mp) = std::env::var("MINIPATH") {
        for p in mp.split(':').filter(|p| !p.is_empty()) {
            paths.push(vm.str_val(p));
        }
    }
    let pl = vm.new_list(paths);
    vm.set_in(&d, "path", Value::Obj(pl));
    vm.argv = argv.to_vec();
    let _ = str_of;
}
