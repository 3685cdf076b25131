//! The descriptor-level half of `os`: `open`/`close`/`read`/`write`/
//! `lseek` on integer file descriptors, `fdopen`, `stat`, `kill` and the
//! `O_*` flags. Descriptors are plain integers owned by the program, as in
//! CPython; each call borrows the descriptor without taking ownership,
//! except `close`.

use std::io::{Read, Seek, SeekFrom, Write};
use std::mem::ManuallyDrop;
use std::os::fd::{FromRawFd, IntoRawFd};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};

use crate::object::bytes::Bytes;
use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

const M: &str = "os";

pub const FLAGS: &[(&str, i64)] = &[
    ("O_RDONLY", 0),
    ("O_WRONLY", 1),
    ("O_RDWR", 2),
    ("O_CREAT", 0o100),
    ("O_EXCL", 0o200),
    ("O_NOCTTY", 0o400),
    ("O_TRUNC", 0o1000),
    ("O_APPEND", 0o2000),
    ("O_NONBLOCK", 0o4000),
    ("O_CLOEXEC", 0o2000000),
    ("SEEK_SET", 0),
    ("SEEK_CUR", 1),
    ("SEEK_END", 2),
    ("F_OK", 0),
    ("R_OK", 4),
    ("W_OK", 2),
    ("X_OK", 1),
];

static STAT_RESULT: super::structseq::Spec = super::structseq::Spec {
    qualname: "os.stat_result",
    fields: &[
        "st_mode", "st_ino", "st_dev", "st_nlink", "st_uid", "st_gid", "st_size", "st_atime",
        "st_mtime", "st_ctime",
    ],
    visible: 10,
};

pub fn fill(vm: &mut Vm, d: &ObjRef) {
    let fns: &[(&'static str, crate::object::function::NativeFn)] = &[
        ("open", os_open),
        ("close", os_close),
        ("read", os_read),
        ("write", os_write),
        ("lseek", os_lseek),
        ("fdopen", fdopen),
        ("stat", stat),
        ("kill", kill),
        ("getppid", getppid),
        ("access", access),
    ];
    for (n, f) in fns {
        vm.add_function(d, M, n, *f);
    }
    for (n, v) in FLAGS {
        vm.set_in(d, n, Value::Int(*v));
    }
}

fn path_of(vm: &mut Vm, v: &Value) -> PyResult<String> {
    match v {
        Value::Obj(o) => match crate::object::str::str_of(o) {
            Some(s) => Ok(s.to_string()),
            None => {
                let t = vm.type_name(v);
                Err(vm.type_error(format!(
                    "expected str, bytes or os.PathLike object, not {t}"
                )))
            }
        },
        _ => {
            let t = vm.type_name(v);
            Err(vm.type_error(format!(
                "expected str, bytes or os.PathLike object, not {t}"
            )))
        }
    }
}

fn fd_arg(vm: &mut Vm, v: &Value) -> PyResult<i32> {
    let fd = vm.index_value(v)?;
    if fd < 0 || fd > i32::MAX as i64 {
        return Err(vm.os_error_errno(9, "Bad file descriptor"));
    }
    Ok(fd as i32)
}

/// Runs `f` on descriptor `fd` without closing it afterwards.
fn with_fd<R>(fd: i32, f: impl FnOnce(&mut std::fs::File) -> R) -> R {
    // SAFETY: the File is never dropped (ManuallyDrop), so the descriptor the
    // program owns stays open; an invalid descriptor makes the I/O call fail
    // with EBADF, which is reported as OSError.
    let mut file = ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(fd) });
    f(&mut file)
}

fn os_open(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let path = args.arg(0, "path");
    let flags = args.arg(1, "flags");
    let mode = args.arg(2, "mode");
    args.no_kw(vm, "open")?;
    let (Some(path), Some(flags)) = (path, flags) else {
        return Err(vm.type_error("open() missing required argument 'flags' (pos 2)"));
    };
    let p = path_of(vm, &path)?;
    let flags = vm.index_value(&flags)?;
    let mode = match mode {
        Some(m) => vm.index_value(&m)?,
        None => 0o777,
    };
    let acc = flags & 3;
    let mut oo = std::fs::OpenOptions::new();
    oo.read(acc == 0 || acc == 2)
        .write(acc == 1 || acc == 2)
        .mode(mode as u32)
        .custom_flags((flags & !3 & !(0o100 | 0o200 | 0o1000 | 0o2000)) as i32);
    if flags & 0o2000 != 0 {
        oo.append(true);
    }
    if flags & 0o1000 != 0 {
        oo.truncate(true);
    }
    if flags & 0o100 != 0 {
        if flags & 0o200 != 0 {
            oo.create_new(true);
        } else {
            oo.create(true);
        }
    }
    match oo.open(&p) {
        Ok(f) => Ok(Value::Int(f.into_raw_fd() as i64)),
        Err(e) => Err(vm.io_error(&e, &p)),
    }
}

fn os_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "close", 1, 1)?;
    let fd = fd_arg(vm, &args.pos[0])?;
    extern "C" {
        fn close(fd: i32) -> i32;
    }
    // SAFETY: close() on an integer descriptor; failure is reported below.
    if unsafe { close(fd) } != 0 {
        return Err(vm.io_error_plain(&std::io::Error::last_os_error()));
    }
    Ok(Value::None)
}

fn os_read(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "read", 2, 2)?;
    let fd = fd_arg(vm, &args.pos[0])?;
    let n = vm.index_value(&args.pos[1])?.max(0) as usize;
    let mut buf = vec![0u8; n];
    match with_fd(fd, |f| f.read(&mut buf)) {
        Ok(k) => {
            buf.truncate(k);
            Ok(Value::Obj(vm.new_bytes(buf)))
        }
        Err(e) => Err(vm.io_error_plain(&e)),
    }
}

fn os_write(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "write", 2, 2)?;
    let fd = fd_arg(vm, &args.pos[0])?;
    let data = match &args.pos[1] {
        Value::Obj(o) if o.downcast::<Bytes>().is_some() => {
            o.downcast::<Bytes>().unwrap().data.clone()
        }
        other => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!("a bytes-like object is required, not '{t}'")));
        }
    };
    match with_fd(fd, |f| f.write(&data)) {
        Ok(k) => Ok(Value::Int(k as i64)),
        Err(e) => Err(vm.io_error_plain(&e)),
    }
}

fn os_lseek(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "lseek", 3, 3)?;
    let fd = fd_arg(vm, &args.pos[0])?;
    let pos = vm.index_value(&args.pos[1])?;
    let how = match vm.index_value(&args.pos[2])? {
        0 => SeekFrom::Start(pos.max(0) as u64),
        1 => SeekFrom::Current(pos),
        _ => SeekFrom::End(pos),
    };
    match with_fd(fd, |f| f.seek(how)) {
        Ok(p) => Ok(Value::Int(p as i64)),
        Err(e) => Err(vm.io_error_plain(&e)),
    }
}

/// `os.fdopen(fd, *args)` is `open(fd, *args)`.
fn fdopen(vm: &mut Vm, args: Args) -> PyResult<Value> {
    super::io::open(vm, args)
}

fn stat(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "stat", 1, 1)?;
    let md = match &args.pos[0] {
        Value::Int(_) => {
            let fd = fd_arg(vm, &args.pos[0])?;
            with_fd(fd, |f| f.metadata())
        }
        v => {
            let p = path_of(vm, v)?;
            match std::fs::metadata(&p) {
                Ok(m) => Ok(m),
                Err(e) => return Err(vm.io_error(&e, &p)),
            }
        }
    };
    let md = md.map_err(|e| vm.io_error_plain(&e))?;
    let t = |s: i64, ns: i64| Value::Float(s as f64 + ns as f64 * 1e-9);
    let items = vec![
        Value::Int(md.mode() as i64),
        Value::Int(md.ino() as i64),
        Value::Int(md.dev() as i64),
        Value::Int(md.nlink() as i64),
        Value::Int(md.uid() as i64),
        Value::Int(md.gid() as i64),
        Value::Int(md.size() as i64),
        t(md.atime(), md.atime_nsec()),
        t(md.mtime(), md.mtime_nsec()),
        t(md.ctime(), md.ctime_nsec()),
    ];
    super::structseq::new_struct_seq(vm, &STAT_RESULT, items)
}

fn kill(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "kill", 2, 2)?;
    let pid = vm.index_value(&args.pos[0])?;
    let sig = vm.index_value(&args.pos[1])?;
    extern "C" {
        #[link_name = "kill"]
        fn c_kill(pid: i32, sig: i32) -> i32;
    }
    // SAFETY: kill() takes plain integers; errors come back through errno.
    if unsafe { c_kill(pid as i32, sig as i32) } != 0 {
        return Err(vm.io_error_plain(&std::io::Error::last_os_error()));
    }
    // A signal sent to ourselves is handled before kill() returns, as in
    // CPython (which checks for signals right after the call).
    vm.run_pending_signals()?;
    Ok(Value::None)
}

fn getppid(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Int(std::os::unix::process::parent_id() as i64))
}

fn access(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "access", 2, 2)?;
    let p = path_of(vm, &args.pos[0])?;
    let mode = vm.index_value(&args.pos[1])?;
    extern "C" {
        #[link_name = "access"]
        fn c_access(path: *const std::ffi::c_char, mode: i32) -> i32;
    }
    let Ok(c) = std::ffi::CString::new(p) else {
        return Err(vm.value_error("embedded null byte"));
    };
    // SAFETY: `c` is a valid NUL-terminated string for the call.
    Ok(Value::Bool(
        unsafe { c_access(c.as_ptr(), mode as i32) } == 0,
    ))
}
