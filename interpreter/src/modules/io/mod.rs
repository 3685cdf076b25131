//! The `io` module and everything that moves text in and out of the
//! process: `open()` (argument checks in CPython's order), file objects
//! (`file.rs`, methods in `methods.rs`), `io.StringIO` (`stringio.rs`),
//! the standard streams, and the Vm helpers `print`, `input` and tracebacks
//! write through. `print` goes straight to the stdout buffer when
//! `sys.stdout` is the real stdout: line-buffered on a terminal,
//! block-buffered otherwise, as CPython's.

pub mod file;
pub mod methods;
pub mod stringio;

use std::io::Write;

use crate::object::dict::Dict;
use crate::object::kind::Kind;
use crate::object::native::{native_ref, Native};
use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyErr, PyResult, Vm};

use file::{Enc, FileObj, Newline, Raw, TextCfg};

const FILE_TYPES: [&str; 4] = [
    "TextIOWrapper",
    "BufferedReader",
    "BufferedWriter",
    "BufferedRandom",
];

fn file_type(vm: &mut Vm, name: &'static str) -> ObjRef {
    vm.extra_type(name, "_io")
}

pub fn install(vm: &mut Vm) {
    for name in FILE_TYPES {
        let t = file_type(vm, name);
        for (n, f) in methods::FILE_METHODS {
            vm.add_method(&t, n, *f);
        }
    }
    stringio::install(vm);
    use std::io::IsTerminal;
    let text = |errors: &str| TextCfg {
        encoding: "utf-8".into(),
        enc: Enc::Utf8,
        errors: errors.into(),
        newline: Newline::Universal,
    };
    let tty = std::io::stdout().is_terminal();
    let name = |vm: &mut Vm, n: &str| vm.str_val(n);
    let n_in = name(vm, "<stdin>");
    let n_out = name(vm, "<stdout>");
    let n_err = name(vm, "<stderr>");
    let stdin = new_file(
        vm,
        FileObj::new(
            Raw::Stdin,
            n_in,
            "r".into(),
            Some(text("strict")),
            (true, false, false),
            false,
        ),
    );
    let stdout = new_file(
        vm,
        FileObj::new(
            Raw::Stdout,
            n_out,
            "w".into(),
            Some(text("strict")),
            (false, true, false),
            tty,
        ),
    );
    let stderr = new_file(
        vm,
        FileObj::new(
            Raw::Stderr,
            n_err,
            "w".into(),
            Some(text("backslashreplace")),
            (false, true, false),
            true,
        ),
    );
    vm.std_streams = Some((stdin, stdout, stderr));
}

fn new_file(vm: &mut Vm, f: FileObj) -> ObjRef {
    let t = file_type(vm, f.type_name());
    vm.alloc(&t, Native { inner: Box::new(f) })
}

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    let unsupported = unsupported_class(vm)?;
    Ok(vm.make_module("io", |vm, d| {
        let st = stringio::stringio_type(vm);
        vm.set_in(d, "StringIO", Value::Obj(st));
        for name in FILE_TYPES {
            let t = file_type(vm, name);
            vm.set_in(d, name, Value::Obj(t));
        }
        let on = vm.intern("open");
        let o = vm
            .builtins
            .downcast::<Dict>()
            .unwrap()
            .get_str(&on)
            .unwrap_or(Value::None);
        vm.set_in(d, "open", o);
        vm.set_in(d, "UnsupportedOperation", Value::Obj(unsupported));
        vm.set_in(d, "DEFAULT_BUFFER_SIZE", Value::Int(8192));
        vm.set_in(d, "SEEK_SET", Value::Int(0));
        vm.set_in(d, "SEEK_CUR", Value::Int(1));
        vm.set_in(d, "SEEK_END", Value::Int(2));
    }))
}

/// `io.UnsupportedOperation`, a subclass of both OSError and ValueError.
fn unsupported_class(vm: &mut Vm) -> PyResult<ObjRef> {
    let key = "io.UnsupportedOperation";
    if let Some(c) = vm.extra_types.get(key) {
        return Ok(c.clone());
    }
    let ns = vm.new_dict();
    let m = vm.str_val("io");
    vm.set_in(&ns, "__module__", m);
    let bases = vec![
        Value::Obj(vm.types.exc.os_error.clone()),
        Value::Obj(vm.types.exc.value_error.clone()),
    ];
    let c = vm.new_class("UnsupportedOperation", bases, &ns)?;
    vm.extra_types.insert(key, c.clone());
    Ok(c)
}

/// An `io.UnsupportedOperation` error.
pub fn unsupported(vm: &mut Vm, msg: &str) -> PyErr {
    match unsupported_class(vm) {
        Ok(c) => vm.new_error(&c, msg),
        Err(e) => e,
    }
}

/// `open(file, mode='r', buffering=-1, encoding=None, errors=None, newline=None, closefd=True)`.
pub fn open(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let file = args.arg(0, "file");
    let mode = args.arg(1, "mode");
    let _buffering = args.arg(2, "buffering");
    let encoding = args.arg(3, "encoding");
    let errors = args.arg(4, "errors");
    let newline = args.arg(5, "newline");
    let closefd = args.arg(6, "closefd");
    let _opener = args.arg(7, "opener");
    args.no_kw(vm, "open")?;
    if args.pos.len() > 8 {
        let n = args.pos.len();
        return Err(vm.type_error(format!("open() takes at most 8 arguments ({n} given)")));
    }
    let Some(file) = file else {
        return Err(vm.type_error("open() missing required argument 'file' (pos 1)"));
    };
    let fd = match &file {
        Value::Int(_) | Value::Bool(_) => {
            let n = vm.index_value(&file)?;
            if n < 0 || n > i32::MAX as i64 {
                return Err(vm.value_error("negative file descriptor"));
            }
            Some(n as i32)
        }
        _ => None,
    };
    let closefd = match closefd {
        Some(v) => vm.truthy(&v)?,
        None => true,
    };
    if fd.is_none() && !closefd {
        return Err(vm.value_error("Cannot use closefd=False with file name"));
    }
    let path = match &file {
        Value::Obj(s) if s.kind() == Kind::Str => str_of(s).unwrap().to_string(),
        _ if fd.is_some() => String::new(),
        other => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!(
                "expected str, bytes or os.PathLike object, not {t}"
            )));
        }
    };
    let mode = match mode {
        None => "r".to_string(),
        Some(m) => crate::modules::types::str::arg_str(vm, &m, "open() argument 'mode'")?,
    };
    let opt_str = |vm: &mut Vm, v: Option<Value>, what: &str| -> PyResult<Option<String>> {
        match v {
            None | Some(Value::None) => Ok(None),
            Some(v) => {
                crate::modules::types::str::arg_str(vm, &v, &format!("open() argument '{what}'"))
                    .map(Some)
            }
        }
    };
    let encoding = opt_str(vm, encoding, "encoding")?;
    let errors = opt_str(vm, errors, "errors")?;
    let newline = opt_str(vm, newline, "newline")?;

    // Mode letters, checked as CPython's _io.open does.
    let mut seen = String::new();
    for c in mode.chars() {
        if !"axrwb+t".contains(c) || seen.contains(c) {
            return Err(vm.value_error(format!("invalid mode: '{mode}'")));
        }
        seen.push(c);
    }
    let has = |c: char| seen.contains(c);
    let kinds = ['x', 'r', 'w', 'a'].iter().filter(|c| has(**c)).count();
    if has('t') && has('b') {
        return Err(vm.value_error("can't have text and binary mode at once"));
    }
    if kinds > 1 {
        return Err(vm.value_error("must have exactly one of create/read/write/append mode"));
    }
    if kinds == 0 {
        // Passed on to FileIO in CPython, which words it differently.
        return Err(vm.value_error(
            "Must have exactly one of create/read/write/append mode and at most one plus",
        ));
    }
    let binary = has('b');
    if binary && encoding.is_some() {
        return Err(vm.value_error("binary mode doesn't take an encoding argument"));
    }
    if binary && errors.is_some() {
        return Err(vm.value_error("binary mode doesn't take an errors argument"));
    }
    if binary && newline.is_some() {
        return Err(vm.value_error("binary mode doesn't take a newline argument"));
    }
    let nl = match newline.as_deref() {
        None => Newline::Universal,
        Some("") => Newline::Untranslated,
        Some("\n") => Newline::Lf,
        Some("\r") => Newline::Cr,
        Some("\r\n") => Newline::CrLf,
        Some(other) => return Err(vm.value_error(format!("illegal newline value: {other}"))),
    };
    let plus = has('+');
    let mut oo = std::fs::OpenOptions::new();
    let (readable, writable, append) = if has('r') {
        oo.read(true).write(plus);
        (true, plus, false)
    } else if has('w') {
        oo.write(true).create(true).truncate(true).read(plus);
        (plus, true, false)
    } else if has('a') {
        oo.append(true).create(true).read(plus);
        (plus, true, true)
    } else {
        oo.write(true).create_new(true).read(plus);
        (plus, true, false)
    };
    let opened = match fd {
        // SAFETY: the program hands us descriptor `n`; the file object owns it
        // from now on (or, with closefd=False, borrows it and never closes it).
        Some(n) => Ok(unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(n) }),
        None => oo.open(&path),
    };
    let f = match opened.and_then(|mut f| {
        if f.metadata()?.is_dir() {
            return Err(std::io::Error::from_raw_os_error(21));
        }
        if append {
            // Append mode starts at the end, so tell() reports the size.
            use std::io::Seek;
            f.seek(std::io::SeekFrom::End(0))?;
        }
        Ok(f)
    }) {
        Ok(f) => f,
        Err(e) => return Err(vm.io_error(&e, &path)),
    };
    let text = if binary {
        None
    } else {
        let (encoding, enc) = match &encoding {
            None => ("UTF-8".to_string(), Enc::Utf8),
            Some(e) => match Enc::from_name(e) {
                Some(x) => (e.clone(), x),
                None => {
                    let c = vm.types.exc.lookup_error.clone();
                    return Err(vm.new_error(&c, format!("unknown encoding: {e}")));
                }
            },
        };
        Some(TextCfg {
            encoding,
            enc,
            errors: errors.unwrap_or_else(|| "strict".into()),
            newline: nl,
        })
    };
    // The mode a binary file reports is its FileIO mode (`rb+`, `ab`).
    let shown = if binary {
        let base = if has('r') {
            "rb"
        } else if has('w') {
            "wb"
        } else if has('a') {
            "ab"
        } else {
            "xb"
        };
        format!("{base}{}", if plus { "+" } else { "" })
    } else {
        mode.clone()
    };
    let name = file.clone();
    let mut obj = FileObj::new(
        Raw::File(f),
        name,
        shown,
        text,
        (readable, writable, append),
        false,
    );
    obj.closefd = closefd;
    Ok(Value::Obj(new_file(vm, obj)))
}

impl Vm {
    /// An OSError subclass for a Rust I/O error about `path`.
    pub fn io_error(&mut self, e: &std::io::Error, path: &str) -> PyErr {
        let p = self.str_val(path);
        self.os_error_from(e, Some(p))
    }

    /// An OSError subclass for a Rust I/O error with no file name.
    pub fn io_error_plain(&mut self, e: &std::io::Error) -> PyErr {
        self.os_error_from(e, None)
    }

    fn os_error_from(&mut self, e: &std::io::Error, path: Option<Value>) -> PyErr {
        let Some(errno) = e.raw_os_error() else {
            return self.os_error(e.to_string());
        };
        let text = e.to_string();
        // Rust appends " (os error N)" to strerror's text.
        let strerror = text.split(" (os error").next().unwrap_or(&text).to_string();
        let c = self.types.exc.os_error.clone();
        let msg = self.str_val(&strerror);
        let mut args = vec![Value::Int(errno as i64), msg];
        if let Some(p) = path {
            args.push(p);
        }
        match self.call(&Value::Obj(c), args) {
            Ok(Value::Obj(o)) => PyErr { exc: o },
            Ok(_) => self.os_error(strerror),
            Err(e) => e,
        }
    }

    /// `OSError(errno, msg)` (a subclass for well-known errnos).
    pub fn os_error_errno(&mut self, errno: i32, msg: &str) -> PyErr {
        let c = self.types.exc.os_error.clone();
        let m = self.str_val(msg);
        match self.call(&Value::Obj(c), vec![Value::Int(errno as i64), m]) {
            Ok(Value::Obj(o)) => PyErr { exc: o },
            Ok(_) => self.os_error(msg),
            Err(e) => e,
        }
    }

    /// Writes to `sys.stdout` (fast when it is the real stdout).
    pub fn write_stdout(&mut self, s: &str) -> PyResult<()> {
        let out = self.sys_attr("stdout");
        self.write_stream(out, s)
    }

    /// Writes to `sys.stderr`; falls back to the process's stderr.
    pub fn write_stderr(&mut self, s: &str) {
        let err = self.sys_attr("stderr");
        if self.write_stream(err, s).is_err() {
            let _ = std::io::stderr().write_all(s.as_bytes());
        }
    }

    /// Writes text to a stream object: a native file directly, anything
    /// else through its `write` method.
    pub fn write_stream(&mut self, stream: Option<Value>, s: &str) -> PyResult<()> {
        match stream {
            Some(Value::Obj(o)) => {
                if let Some(f) = native_ref::<FileObj>(&o) {
                    if f.text.is_some() {
                        return f.write_text(self, s).map(|_| ());
                    }
                }
                let v = self.str_val(s);
                self.call_method(&Value::Obj(o), "write", vec![v])?;
                Ok(())
            }
            Some(Value::None) | None => Ok(()),
            Some(other) => {
                let v = self.str_val(s);
                self.call_method(&other, "write", vec![v])?;
                Ok(())
            }
        }
    }

    /// True when `v` is a native text file (print may write to it in one go).
    pub fn is_native_text_file(&self, v: &Value) -> bool {
        matches!(v, Value::Obj(o) if native_ref::<FileObj>(o).is_some_and(|f| f.text.is_some()))
    }

    /// `sys.stdout.flush()`.
    pub fn flush_stdout(&mut self) -> PyResult<()> {
        if let Some(out) = self.sys_attr("stdout") {
            self.flush_stream(&out)?;
        }
        Ok(())
    }

    /// `stream.flush()`, directly for native files.
    pub fn flush_stream(&mut self, stream: &Value) -> PyResult<()> {
        if let Value::Obj(o) = stream {
            if let Some(f) = native_ref::<FileObj>(o) {
                if f.is_closed() {
                    return Ok(());
                }
                return f.flush_raw().map_err(|e| self.io_error_plain(&e));
            }
        }
        if stream.is_none() {
            return Ok(());
        }
        let n = self.intern("flush");
        if let Some(fl) = self.get_attr_opt(stream, &n)? {
            self.call(&fl, vec![])?;
        }
        Ok(())
    }

    /// Flushes the real stdout and stderr buffers and `sys.stdout` (at exit
    /// and before tracebacks).
    pub fn flush_std_streams(&mut self) {
        if let Some((_, out, err)) = &self.std_streams {
            for s in [out, err] {
                if let Some(f) = native_ref::<FileObj>(s) {
                    let _ = f.flush_raw();
                }
            }
        }
        if self.flush_stdout().is_err() {
            // A broken sys.stdout replacement: nothing more to do.
        }
    }

    /// One line from `sys.stdin` (None at end of input).
    pub fn read_stdin_line(&mut self) -> PyResult<Option<String>> {
        let inp = self.sys_attr("stdin");
        match inp {
            Some(Value::Obj(o)) => {
                let line = if let Some(f) = native_ref::<FileObj>(&o) {
                    f.readline(self, None)?
                } else {
                    self.call_method(&Value::Obj(o), "readline", vec![])?
                };
                match &line {
                    Value::Obj(s) if str_of(s).is_some_and(|x| x.is_empty()) => Ok(None),
                    Value::Obj(s) => Ok(str_of(s).map(|x| x.to_string())),
                    _ => Ok(None),
                }
            }
            _ => Err(self.runtime_error("input(): lost sys.stdin")),
        }
    }

    /// An attribute of the `sys` module, if set.
    pub fn sys_attr(&mut self, name: &str) -> Option<Value> {
        let sys = self.sys_module.clone()?;
        let d = sys
            .downcast::<crate::object::module::Module>()?
            .dict
            .clone();
        let k = self.intern(name);
        d.downcast::<Dict>()?.get_str(&k)
    }
}
