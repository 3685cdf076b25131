//! `os` and `os.path`, the common subset: process id, working directory,
//! environment, files and directories, path manipulation.

use std::path::Path;

use crate::object::kind::Kind;
use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

const M: &str = "os";
const P: &str = "posixpath";

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    // `os.path` is `posixpath`, registered under both names as CPython does.
    let path = vm.import_module("posixpath")?;
    let key = vm.intern("os.path");
    vm.sys_modules
        .downcast::<crate::object::dict::Dict>()
        .unwrap()
        .set_str(&key, Value::Obj(path.clone()));
    Ok(vm.make_module("os", |vm, d| {
        let fns: &[(&'static str, crate::object::function::NativeFn)] = &[
            ("getpid", getpid),
            ("getcwd", getcwd),
            ("chdir", chdir),
            ("remove", remove),
            ("unlink", remove),
            ("rmdir", rmdir),
            ("mkdir", mkdir),
            ("makedirs", makedirs),
            ("listdir", listdir),
            ("rename", rename),
            ("getenv", getenv),
            ("urandom", urandom),
            ("cpu_count", cpu_count),
            ("fspath", fspath),
        ];
        for (n, f) in fns {
            vm.add_function(d, M, n, *f);
        }
        super::os_fd::fill(vm, d);
        vm.set_in(d, "path", Value::Obj(path.clone()));
        let sep = vm.str_val("/");
        vm.set_in(d, "sep", sep);
        let ls = vm.str_val("\n");
        vm.set_in(d, "linesep", ls);
        let name = vm.str_val("posix");
        vm.set_in(d, "name", name);
        let curdir = vm.str_val(".");
        vm.set_in(d, "curdir", curdir);
        let env = vm.new_dict();
        for (k, v) in std::env::vars() {
            let kv = vm.str_val(&k);
            let vv = vm.str_val(&v);
            let _ = vm.dict_set(&env, kv, vv);
        }
        vm.set_in(d, "environ", Value::Obj(env));
        let e = vm.types.exc.os_error.clone();
        vm.set_in(d, "error", Value::Obj(e));
    }))
}

pub fn init_path(vm: &mut Vm) -> PyResult<ObjRef> {
    Ok(vm.make_module("posixpath", |vm, d| {
        let fns: &[(&'static str, crate::object::function::NativeFn)] = &[
            ("join", join),
            ("exists", exists),
            ("isfile", isfile),
            ("isdir", isdir),
            ("basename", basename),
            ("dirname", dirname),
            ("splitext", splitext),
            ("split", split),
            ("abspath", abspath),
            ("getsize", getsize),
            ("getmtime", getmtime),
            ("isabs", isabs),
            ("normpath", normpath),
            ("expanduser", expanduser),
            ("realpath", abspath),
        ];
        for (n, f) in fns {
            vm.add_function(d, P, n, *f);
        }
        let sep = vm.str_val("/");
        vm.set_in(d, "sep", sep);
    }))
}

fn path_arg(vm: &mut Vm, v: &Value) -> PyResult<String> {
    match v {
        Value::Obj(s) if s.kind() == Kind::Str => Ok(str_of(s).unwrap().to_string()),
        other => {
            let t = vm.type_name(other);
            Err(vm.type_error(format!(
                "expected str, bytes or os.PathLike object, not {t}"
            )))
        }
    }
}

fn getpid(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Int(std::process::id() as i64))
}

fn getcwd(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    let d = std::env::current_dir().map_err(|e| vm.os_error(e.to_string()))?;
    Ok(vm.str_val(&d.to_string_lossy()))
}

fn chdir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "chdir", 1, 1)?;
    let p = path_arg(vm, &args.pos[0])?;
    std::env::set_current_dir(&p).map_err(|e| vm.io_error(&e, &p))?;
    Ok(Value::None)
}

fn remove(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "remove", 1, 1)?;
    let p = path_arg(vm, &args.pos[0])?;
    std::fs::remove_file(&p).map_err(|e| vm.io_error(&e, &p))?;
    Ok(Value::None)
}

fn rmdir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "rmdir", 1, 1)?;
    let p = path_arg(vm, &args.pos[0])?;
    std::fs::remove_dir(&p).map_err(|e| vm.io_error(&e, &p))?;
    Ok(Value::None)
}

fn mkdir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = path_arg(vm, &args.pos[0])?;
    std::fs::create_dir(&p).map_err(|e| vm.io_error(&e, &p))?;
    Ok(Value::None)
}

fn makedirs(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let exist_ok = match args.take_kw("exist_ok") {
        Some(v) => vm.truthy(&v)?,
        None => false,
    };
    let p = path_arg(vm, &args.pos[0])?;
    if Path::new(&p).exists() && !exist_ok {
        let e = std::io::Error::from_raw_os_error(17);
        return Err(vm.io_error(&e, &p));
    }
    std::fs::create_dir_all(&p).map_err(|e| vm.io_error(&e, &p))?;
    Ok(Value::None)
}

fn listdir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = match args.pos.first() {
        Some(v) => path_arg(vm, v)?,
        None => ".".into(),
    };
    let rd = std::fs::read_dir(&p).map_err(|e| vm.io_error(&e, &p))?;
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().to_string()))
        .collect();
    names.sort();
    let items: Vec<Value> = names.iter().map(|n| vm.str_val(n)).collect();
    Ok(Value::Obj(vm.new_list(items)))
}

fn rename(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "rename", 2, 2)?;
    let a = path_arg(vm, &args.pos[0])?;
    let b = path_arg(vm, &args.pos[1])?;
    std::fs::rename(&a, &b).map_err(|e| vm.io_error(&e, &a))?;
    Ok(Value::None)
}

fn getenv(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "getenv", 1, 2)?;
    let k = path_arg(vm, &args.pos[0])?;
    match std::env::var(&k) {
        Ok(v) => Ok(vm.str_val(&v)),
        Err(_) => Ok(args.pos.get(1).cloned().unwrap_or(Value::None)),
    }
}

fn urandom(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "urandom", 1, 1)?;
    let n = vm.index_value(&args.pos[0])? as usize;
    let mut buf = vec![0u8; n];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        use std::io::Read;
        let _ = f.read_exact(&mut buf);
    }
    Ok(Value::Obj(vm.new_bytes(buf)))
}

fn cpu_count(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Int(
        std::thread::available_parallelism()
            .map(|n| n.get() as i64)
            .unwrap_or(1),
    ))
}

fn fspath(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "fspath", 1, 1)?;
    path_arg(vm, &args.pos[0])?;
    Ok(args.pos[0].clone())
}

fn join(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.pos.is_empty() {
        return Err(vm.type_error("join() missing 1 required positional argument: 'a'"));
    }
    let mut out = path_arg(vm, &args.pos[0])?;
    for a in args.pos[1..].iter() {
        let p = path_arg(vm, a)?;
        if p.starts_with('/') {
            out = p;
        } else if out.is_empty() || out.ends_with('/') {
            out.push_str(&p);
        } else {
            out.push('/');
            out.push_str(&p);
        }
    }
    Ok(vm.str_val(&out))
}

fn exists(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = path_arg(vm, &args.pos[0])?;
    Ok(Value::Bool(Path::new(&p).exists()))
}

fn isfile(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = path_arg(vm, &args.pos[0])?;
    Ok(Value::Bool(Path::new(&p).is_file()))
}

fn isdir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = path_arg(vm, &args.pos[0])?;
    Ok(Value::Bool(Path::new(&p).is_dir()))
}

fn isabs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = path_arg(vm, &args.pos[0])?;
    Ok(Value::Bool(p.starts_with('/')))
}

fn basename(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = path_arg(vm, &args.pos[0])?;
    let b = match p.rfind('/') {
        Some(i) => p[i + 1..].to_string(),
        None => p,
    };
    Ok(vm.str_val(&b))
}

fn dirname(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = path_arg(vm, &args.pos[0])?;
    let d = match p.rfind('/') {
        Some(i) => {
            let head = &p[..i + 1];
            let trimmed = head.trim_end_matches('/');
            if trimmed.is_empty() {
                head.to_string()
            } else {
                trimmed.to_string()
            }
        }
        None => String::new(),
    };
    Ok(vm.str_val(&d))
}

fn split(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = path_arg(vm, &args.pos[0])?;
    let (h, t) = match p.rfind('/') {
        Some(i) => {
            let head = &p[..i + 1];
            let trimmed = head.trim_end_matches('/');
            (
                if trimmed.is_empty() {
                    head.to_string()
                } else {
                    trimmed.to_string()
                },
                p[i + 1..].to_string(),
            )
        }
        None => (String::new(), p.clone()),
    };
    let hv = vm.str_val(&h);
    let tv = vm.str_val(&t);
    Ok(Value::Obj(vm.new_tuple(vec![hv, tv])))
}

fn splitext(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = path_arg(vm, &args.pos[0])?;
    let base_start = p.rfind('/').map(|i| i + 1).unwrap_or(0);
    let base = &p[base_start..];
    let dot = base
        .rfind('.')
        .filter(|&i| base[..i].chars().any(|c| c != '.'));
    let (a, b) = match dot {
        Some(i) => (
            p[..base_start + i].to_string(),
            p[base_start + i..].to_string(),
        ),
        None => (p.clone(), String::new()),
    };
    let av = vm.str_val(&a);
    let bv = vm.str_val(&b);
    Ok(Value::Obj(vm.new_tuple(vec![av, bv])))
}

fn normalize(p: &str) -> String {
    let abs = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !abs {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let body = parts.join("/");
    if abs {
        format!("/{body}")
    } else if body.is_empty() {
        ".".into()
    } else {
        body
    }
}

fn normpath(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = path_arg(vm, &args.pos[0])?;
    Ok(vm.str_val(&normalize(&p)))
}

fn abspath(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = path_arg(vm, &args.pos[0])?;
    let full = if p.starts_with('/') {
        p
    } else {
        let cwd = std::env::current_dir()
            .map(|d| d.to_string_lossy().to_string())
            .unwrap_or_default();
        format!("{cwd}/{p}")
    };
    Ok(vm.str_val(&normalize(&full)))
}

fn expanduser(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = path_arg(vm, &args.pos[0])?;
    let r = match p.strip_prefix('~') {
        Some(rest) => format!("{}{rest}", std::env::var("HOME").unwrap_or_default()),
        None => p,
    };
    Ok(vm.str_val(&r))
}

fn getsize(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = path_arg(vm, &args.pos[0])?;
    let m = std::fs::metadata(&p).map_err(|e| vm.io_error(&e, &p))?;
    Ok(Value::Int(m.len() as i64))
}

fn getmtime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = path_arg(vm, &args.pos[0])?;
    let m = std::fs::metadata(&p).map_err(|e| vm.io_error(&e, &p))?;
    let t = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    Ok(Value::Float(t))
}
