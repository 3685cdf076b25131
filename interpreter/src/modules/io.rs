//! Text streams: the process's stdin/stdout/stderr, files from `open()`,
//! and `io.StringIO`. `print` writes to `sys.stdout` through
//! `Vm::write_stdout`, which goes straight to a buffer when `sys.stdout` is
//! the real stdout (line-buffered on a terminal, block-buffered otherwise,
//! as CPython's). Invariant: a closed stream refuses I/O with CPython's
//! "I/O operation on closed file." ValueError.

use std::any::Any;
use std::cell::RefCell;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};

use crate::object::kind::Kind;
use crate::object::native::{native_ref, Native, NativeObject};
use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

enum Stream {
    Stdout { buf: Vec<u8>, tty: bool },
    Stderr,
    Stdin(BufReader<std::io::Stdin>),
    Reader(BufReader<std::fs::File>),
    Writer(std::io::BufWriter<std::fs::File>),
    Closed,
}

pub struct TextFile {
    stream: RefCell<Stream>,
    pub name: String,
    pub mode: String,
    binary: bool,
}

impl NativeObject for TextFile {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn iter(&self, _vm: &mut Vm, me: &ObjRef) -> Option<PyResult<Value>> {
        Some(Ok(Value::Obj(me.clone())))
    }
    fn is_iterator(&self) -> bool {
        true
    }
    fn next(&self, vm: &mut Vm, me: &ObjRef) -> Option<PyResult<Option<Value>>> {
        let r = self.readline(vm, me).map(|line| match line {
            Value::Obj(o) if str_of(&o).is_some_and(|s| s.is_empty()) => None,
            Value::Obj(o) if o.kind() == Kind::Bytes && o.downcast::<crate::object::bytes::Bytes>().unwrap().data.is_empty() => None,
            v => Some(v),
        });
        Some(r)
    }
    fn repr(&self, _vm: &mut Vm, _me: &ObjRef) -> Option<PyResult<String>> {
        if self.binary {
            return Some(Ok(format!("<_io.BufferedReader name='{}'>", self.name)));
        }
        Some(Ok(format!(
            "<_io.TextIOWrapper name='{}' mode='{}' encoding='utf-8'>",
            self.name, self.mode
        )))
    }
    fn getattr(&self, vm: &mut Vm, _me: &ObjRef, name: &str) -> Option<PyResult<Value>> {
        Some(Ok(match name {
            "name" => vm.str_val(&self.name),
            "mode" => vm.str_val(&self.mode),
            "closed" => Value::Bool(matches!(*self.stream.borrow(), Stream::Closed)),
            "encoding" => vm.str_val("utf-8"),
            _ => return None,
        }))
    }
}

impl Drop for TextFile {
    fn drop(&mut self) {
        // Refcounting closes (and flushes) a file when its last reference goes.
        let _ = self.flush_inner();
    }
}

impl TextFile {
    fn flush_inner(&self) -> std::io::Result<()> {
        match &mut *self.stream.borrow_mut() {
            Stream::Stdout { buf, .. } => {
                let mut out = std::io::stdout().lock();
                out.write_all(buf)?;
                buf.clear();
                out.flush()
            }
            Stream::Writer(w) => w.flush(),
            _ => Ok(()),
        }
    }

    fn write_str(&self, vm: &mut Vm, s: &[u8]) -> PyResult<()> {
        let r = match &mut *self.stream.borrow_mut() {
            Stream::Stdout { buf, tty } => {
                buf.extend_from_slice(s);
                if buf.len() > 8192 || (*tty && s.contains(&b'\n')) {
                    let mut out = std::io::stdout().lock();
                    let r = out.write_all(buf).and_then(|_| out.flush());
                    buf.clear();
                    r
                } else {
                    Ok(())
                }
            }
            Stream::Stderr => {
                let mut e = std::io::stderr().lock();
                e.write_all(s).and_then(|_| e.flush())
            }
            Stream::Writer(w) => w.write_all(s),
            Stream::Closed => return Err(vm.value_error("I/O operation on closed file.")),
            _ => {
                let c = vm.intern("io.UnsupportedOperation");
                let _ = c;
                return Err(vm.os_error("not writable"));
            }
        };
        r.map_err(|e| vm.os_error(e.to_string()))
    }

    fn readline(&self, vm: &mut Vm, _me: &ObjRef) -> PyResult<Value> {
        let mut line = Vec::new();
        let r = match &mut *self.stream.borrow_mut() {
            Stream::Stdin(r) => r.read_until(b'\n', &mut line),
            Stream::Reader(r) => r.read_until(b'\n', &mut line),
            Stream::Closed => return Err(vm.value_error("I/O operation on closed file.")),
            _ => return Err(vm.os_error("not readable")),
        };
        r.map_err(|e| vm.os_error(e.to_string()))?;
        if self.binary {
            return Ok(Value::Obj(vm.new_bytes(line)));
        }
        let s = String::from_utf8_lossy(&line).replace("\r\n", "\n");
        Ok(vm.str_val(&s))
    }

    fn read_all(&self, vm: &mut Vm) -> PyResult<Vec<u8>> {
        let mut data = Vec::new();
        let r = match &mut *self.stream.borrow_mut() {
            Stream::Stdin(r) => r.read_to_end(&mut data),
            Stream::Reader(r) => r.read_to_end(&mut data),
            Stream::Closed => return Err(vm.value_error("I/O operation on closed file.")),
            _ => return Err(vm.os_error("not readable")),
        };
        r.map_err(|e| vm.os_error(e.to_string()))?;
        Ok(data)
    }

    fn close(&self) {
        let _ = self.flush_inner();
        let old = std::mem::replace(&mut *self.stream.borrow_mut(), Stream::Closed);
        drop(old);
    }
}

/// `io.StringIO`.
pub struct StringIO {
    buf: RefCell<Vec<char>>,
    pos: RefCell<usize>,
    closed: RefCell<bool>,
}

impl NativeObject for StringIO {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn iter(&self, _vm: &mut Vm, me: &ObjRef) -> Option<PyResult<Value>> {
        Some(Ok(Value::Obj(me.clone())))
    }
    fn is_iterator(&self) -> bool {
        true
    }
    fn next(&self, vm: &mut Vm, _me: &ObjRef) -> Option<PyResult<Option<Value>>> {
        let l = self.read_line();
        Some(Ok(if l.is_empty() { None } else { Some(vm.str_val(&l)) }))
    }
    fn getattr(&self, _vm: &mut Vm, _me: &ObjRef, name: &str) -> Option<PyResult<Value>> {
        match name {
            "closed" => Some(Ok(Value::Bool(*self.closed.borrow()))),
            _ => None,
        }
    }
}

impl StringIO {
    fn read_line(&self) -> String {
        let buf = self.buf.borrow();
        let mut pos = self.pos.borrow_mut();
        let start = *pos;
        while *pos < buf.len() {
            let c = buf[*pos];
            *pos += 1;
            if c == '\n' {
                break;
            }
        }
        buf[start..*pos].iter().collect()
    }
}

fn file_type(vm: &mut Vm) -> ObjRef {
    vm.extra_type("TextIOWrapper", "_io")
}

fn stringio_type(vm: &mut Vm) -> ObjRef {
    vm.extra_type("StringIO", "_io")
}

pub fn install(vm: &mut Vm) {
    let ft = file_type(vm);
    let fm: &[(&'static str, crate::object::function::NativeFn)] = &[
        ("write", f_write),
        ("read", f_read),
        ("readline", f_readline),
        ("readlines", f_readlines),
        ("close", f_close),
        ("flush", f_flush),
        ("fileno", f_fileno),
        ("isatty", f_isatty),
        ("writelines", f_writelines),
        ("__enter__", f_enter),
        ("__exit__", f_exit),
        ("readable", f_true),
        ("writable", f_true),
    ];
    for (n, f) in fm {
        vm.add_method(&ft, n, *f);
    }
    let st = stringio_type(vm);
    let sm: &[(&'static str, crate::object::function::NativeFn)] = &[
        ("write", s_write),
        ("read", s_read),
        ("readline", s_readline),
        ("readlines", s_readlines),
        ("getvalue", s_getvalue),
        ("seek", s_seek),
        ("tell", s_tell),
        ("truncate", s_truncate),
        ("close", s_close),
        ("flush", f_flush_noop),
        ("writelines", f_writelines),
        ("__enter__", f_enter),
        ("__exit__", s_exit),
    ];
    for (n, f) in sm {
        vm.add_method(&st, n, *f);
    }
    vm.add_staticmethod(&st, "__new__", stringio_new);
    let tty = std::io::stdout().is_terminal();
    let stdout = new_file(vm, Stream::Stdout { buf: Vec::new(), tty }, "<stdout>", "w", false);
    let stderr = new_file(vm, Stream::Stderr, "<stderr>", "w", false);
    let stdin = new_file(vm, Stream::Stdin(BufReader::new(std::io::stdin())), "<stdin>", "r", false);
    vm.std_streams = Some((stdin, stdout, stderr));
}

fn new_file(vm: &mut Vm, stream: Stream, name: &str, mode: &str, binary: bool) -> ObjRef {
    let t = file_type(vm);
    vm.alloc(
        &t,
        Native {
            inner: Box::new(TextFile {
                stream: RefCell::new(stream),
                name: name.to_string(),
                mode: mode.to_string(),
                binary,
            }),
        },
    )
}

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    Ok(vm.make_module("io", |vm, d| {
        let st = stringio_type(vm);
        vm.set_in(d, "StringIO", Value::Obj(st));
        let ft = file_type(vm);
        vm.set_in(d, "TextIOWrapper", Value::Obj(ft));
        let on = vm.intern("open");
        let o = vm.builtins.downcast::<crate::object::dict::Dict>().unwrap().get_str(&on).unwrap_or(Value::None);
        vm.set_in(d, "open", o);
        let u = vm.types.exc.os_error.clone();
        vm.set_in(d, "UnsupportedOperation", Value::Obj(u));
    }))
}

/// `open(file, mode='r', encoding=None, ...)`.
pub fn open(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let file = args.arg(0, "file");
    let mode = match args.arg(1, "mode") {
        Some(m) => super::types::str::arg_str(vm, &m, "open() argument 'mode'")?,
        None => "r".into(),
    };
    let _ = args.arg(2, "buffering");
    let _ = args.arg(3, "encoding");
    let _ = args.take_kw("errors");
    let _ = args.take_kw("newline");
    let Some(file) = file else {
        return Err(vm.type_error("open() missing required argument 'file' (pos 1)"));
    };
    let path = match &file {
        Value::Obj(s) if s.kind() == Kind::Str => str_of(s).unwrap().to_string(),
        other => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!("expected str, bytes or os.PathLike object, not {t}")));
        }
    };
    let binary = mode.contains('b');
    let res = if mode.contains('w') {
        std::fs::File::create(&path).map(|f| Stream::Writer(std::io::BufWriter::new(f)))
    } else if mode.contains('a') {
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .map(|f| Stream::Writer(std::io::BufWriter::new(f)))
    } else if mode.contains('x') {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map(|f| Stream::Writer(std::io::BufWriter::new(f)))
    } else {
        std::fs::File::open(&path).and_then(|f| {
            if f.metadata()?.is_dir() {
                return Err(std::io::Error::from_raw_os_error(21));
            }
            Ok(Stream::Reader(BufReader::new(f)))
        })
    };
    match res {
        Ok(s) => Ok(Value::Obj(new_file(vm, s, &path, &mode, binary))),
        Err(e) => Err(vm.io_error(&e, &path)),
    }
}

impl Vm {
    /// An OSError subclass for a Rust I/O error about `path`.
    pub fn io_error(&mut self, e: &std::io::Error, path: &str) -> crate::vm::PyErr {
        let errno = e.raw_os_error().unwrap_or(0);
        let strerror = match errno {
            2 => "No such file or directory".to_string(),
            13 => "Permission denied".to_string(),
            21 => "Is a directory".to_string(),
            17 => "File exists".to_string(),
            20 => "Not a directory".to_string(),
            _ => e.to_string(),
        };
        let c = self.types.exc.os_error.clone();
        let msg = self.str_val(&strerror);
        let p = self.str_val(path);
        let r = self.call(&Value::Obj(c), vec![Value::Int(errno as i64), msg, p]);
        match r {
            Ok(Value::Obj(o)) => crate::vm::PyErr { exc: o },
            Ok(_) => self.os_error(strerror),
            Err(e) => e,
        }
    }

    /// Writes to `sys.stdout` (fast when it is the real stdout).
    pub fn write_stdout(&mut self, s: &str) -> PyResult<()> {
        let out = self.sys_attr("stdout");
        self.write_stream(out, s)
    }

    /// Writes to `sys.stderr`.
    pub fn write_stderr(&mut self, s: &str) {
        let err = self.sys_attr("stderr");
        if self.write_stream(err, s).is_err() {
            let _ = std::io::stderr().write_all(s.as_bytes());
        }
    }

    fn write_stream(&mut self, stream: Option<Value>, s: &str) -> PyResult<()> {
        match stream {
            Some(Value::Obj(o)) if o.kind() == Kind::Native => {
                if let Some(f) = native_ref::<TextFile>(&o) {
                    return f.write_str(self, s.as_bytes());
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

    pub fn flush_stdout(&mut self) -> PyResult<()> {
        if let Some(Value::Obj(o)) = self.sys_attr("stdout") {
            if let Some(f) = native_ref::<TextFile>(&o) {
                let _ = f.flush_inner();
                return Ok(());
            }
            let n = self.intern("flush");
            if let Some(fl) = self.get_attr_opt(&Value::Obj(o), &n)? {
                self.call(&fl, vec![])?;
            }
        }
        Ok(())
    }

    /// Flushes the real stdout buffer (at exit).
    pub fn flush_std_streams(&mut self) {
        if let Some((_, out, _)) = &self.std_streams {
            if let Some(f) = native_ref::<TextFile>(out) {
                let _ = f.flush_inner();
            }
        }
        let _ = self.flush_stdout();
    }

    /// One line from `sys.stdin` (None at end of input).
    pub fn read_stdin_line(&mut self) -> PyResult<Option<String>> {
        let inp = self.sys_attr("stdin");
        match inp {
            Some(Value::Obj(o)) => {
                let line = if let Some(f) = native_ref::<TextFile>(&o) {
                    f.readline(self, &o)?
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
        let d = sys.downcast::<crate::object::module::Module>()?.dict.clone();
        let k = self.intern(name);
        d.downcast::<crate::object::dict::Dict>()?.get_str(&k)
    }
}

fn me_file(args: &Args) -> ObjRef {
    args.pos[0].as_obj().cloned().unwrap()
}

fn tf(o: &ObjRef) -> &TextFile {
    native_ref::<TextFile>(o).expect("file object")
}

fn f_write(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "write", 2, 2)?;
    let o = me_file(&args);
    let f = tf(&o);
    match &args.pos[1] {
        Value::Obj(s) if s.kind() == Kind::Str && !f.binary => {
            let text = str_of(s).unwrap().to_string();
            f.write_str(vm, text.as_bytes())?;
            Ok(Value::Int(text.chars().count() as i64))
        }
        Value::Obj(b) if b.kind() == Kind::Bytes && f.binary => {
            let d = b.downcast::<crate::object::bytes::Bytes>().unwrap().data.clone();
            f.write_str(vm, &d)?;
            Ok(Value::Int(d.len() as i64))
        }
        other => {
            let t = vm.type_name(other);
            Err(vm.type_error(if f.binary {
                format!("a bytes-like object is required, not '{t}'")
            } else {
                format!("write() argument must be str, not {t}")
            }))
        }
    }
}

fn f_read(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me_file(&args);
    let f = tf(&o);
    let data = f.read_all(vm)?;
    if f.binary {
        return Ok(Value::Obj(vm.new_bytes(data)));
    }
    let s = String::from_utf8_lossy(&data).replace("\r\n", "\n");
    let n = match args.pos.get(1) {
        Some(Value::Int(n)) if *n >= 0 => Some(*n as usize),
        _ => None,
    };
    match n {
        Some(n) => {
            let t: String = s.chars().take(n).collect();
            Ok(vm.str_val(&t))
        }
        None => Ok(vm.str_val(&s)),
    }
}

fn f_readline(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me_file(&args);
    tf(&o).readline(vm, &o)
}

fn f_readlines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me_file(&args);
    let mut lines = Vec::new();
    loop {
        let l = tf(&o).readline(vm, &o)?;
        let empty = match &l {
            Value::Obj(s) if s.kind() == Kind::Str => str_of(s).unwrap().is_empty(),
            Value::Obj(b) => b.downcast::<crate::object::bytes::Bytes>().map(|b| b.data.is_empty()).unwrap_or(true),
            _ => true,
        };
        if empty {
            break;
        }
        lines.push(l);
    }
    Ok(Value::Obj(vm.new_list(lines)))
}

fn f_writelines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "writelines", 2, 2)?;
    let items = vm.collect_iter(&args.pos[1])?;
    for it in items {
        vm.call_method(&args.pos[0], "write", vec![it])?;
    }
    Ok(Value::None)
}

fn f_close(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me_file(&args);
    let f = tf(&o);
    if !matches!(*f.stream.borrow(), Stream::Stdout { .. } | Stream::Stderr) {
        f.close();
    }
    Ok(Value::None)
}

fn f_flush(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me_file(&args);
    tf(&o).flush_inner().map_err(|e| vm.os_error(e.to_string()))?;
    Ok(Value::None)
}

fn f_flush_noop(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::None)
}

fn f_fileno(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me_file(&args);
    let n = match &*tf(&o).stream.borrow() {
        Stream::Stdin(_) => 0,
        Stream::Stdout { .. } => 1,
        Stream::Stderr => 2,
        _ => 3,
    };
    Ok(Value::Int(n))
}

fn f_isatty(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me_file(&args);
    let t = match &*tf(&o).stream.borrow() {
        Stream::Stdin(_) => std::io::stdin().is_terminal(),
        Stream::Stdout { tty, .. } => *tty,
        Stream::Stderr => std::io::stderr().is_terminal(),
        _ => false,
    };
    Ok(Value::Bool(t))
}

fn f_true(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Bool(true))
}

fn f_enter(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(args.pos[0].clone())
}

fn f_exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me_file(&args);
    let _ = vm;
    tf(&o).close();
    Ok(Value::Bool(false))
}

fn sio(o: &ObjRef) -> &StringIO {
    native_ref::<StringIO>(o).expect("StringIO object")
}

fn stringio_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.pos.remove(0);
    let init = match args.arg(0, "initial_value") {
        Some(Value::Obj(s)) if s.kind() == Kind::Str => str_of(&s).unwrap().to_string(),
        Some(Value::None) | None => String::new(),
        Some(other) => {
            let t = vm.type_name(&other);
            return Err(vm.type_error(format!("initial_value must be str or None, not {t}")));
        }
    };
    let _ = args.take_kw("newline");
    let t = stringio_type(vm);
    Ok(Value::Obj(vm.alloc(
        &t,
        Native {
            inner: Box::new(StringIO {
                buf: RefCell::new(init.chars().collect()),
                pos: RefCell::new(0),
                closed: RefCell::new(false),
            }),
        },
    )))
}

fn check_open(vm: &mut Vm, s: &StringIO) -> PyResult<()> {
    if *s.closed.borrow() {
        return Err(vm.value_error("I/O operation on closed file."));
    }
    Ok(())
}

fn s_write(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "write", 2, 2)?;
    let o = me_file(&args);
    let s = sio(&o);
    check_open(vm, s)?;
    let text = match &args.pos[1] {
        Value::Obj(t) if t.kind() == Kind::Str => str_of(t).unwrap().to_string(),
        other => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!("string argument expected, got '{t}'")));
        }
    };
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let mut buf = s.buf.borrow_mut();
    let mut pos = s.pos.borrow_mut();
    if *pos > buf.len() {
        buf.resize(*pos, '\0');
    }
    let end = (*pos + n).min(buf.len());
    buf.splice(*pos..end, chars);
    *pos += n;
    Ok(Value::Int(n as i64))
}

fn s_read(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me_file(&args);
    let s = sio(&o);
    check_open(vm, s)?;
    let buf = s.buf.borrow();
    let mut pos = s.pos.borrow_mut();
    let start = (*pos).min(buf.len());
    let end = match args.pos.get(1) {
        Some(Value::Int(n)) if *n >= 0 => (start + *n as usize).min(buf.len()),
        _ => buf.len(),
    };
    let t: String = buf[start..end].iter().collect();
    *pos = end;
    drop(buf);
    Ok(vm.str_val(&t))
}

fn s_readline(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me_file(&args);
    let s = sio(&o);
    check_open(vm, s)?;
    let l = s.read_line();
    Ok(vm.str_val(&l))
}

fn s_readlines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me_file(&args);
    let s = sio(&o);
    let mut v = Vec::new();
    loop {
        let l = s.read_line();
        if l.is_empty() {
            break;
        }
        v.push(vm.str_val(&l));
    }
    Ok(Value::Obj(vm.new_list(v)))
}

fn s_getvalue(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me_file(&args);
    let s = sio(&o);
    check_open(vm, s)?;
    let t: String = s.buf.borrow().iter().collect();
    Ok(vm.str_val(&t))
}

fn s_seek(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "seek", 2, 3)?;
    let o = me_file(&args);
    let s = sio(&o);
    let p = vm.index_value(&args.pos[1])?;
    let whence = match args.pos.get(2) {
        Some(w) => vm.index_value(&w.clone())?,
        None => 0,
    };
    let newpos = match whence {
        0 => p.max(0) as usize,
        2 => s.buf.borrow().len(),
        _ => *s.pos.borrow(),
    };
    *s.pos.borrow_mut() = newpos;
    Ok(Value::Int(newpos as i64))
}

fn s_tell(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me_file(&args);
    let pos = *sio(&o).pos.borrow();
    Ok(Value::Int(pos as i64))
}

fn s_truncate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me_file(&args);
    let s = sio(&o);
    let size = match args.pos.get(1) {
        Some(Value::None) | None => *s.pos.borrow(),
        Some(v) => vm.index_value(&v.clone())? as usize,
    };
    s.buf.borrow_mut().truncate(size);
    Ok(Value::Int(size as i64))
}

fn s_close(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me_file(&args);
    *sio(&o).closed.borrow_mut() = true;
    Ok(Value::None)
}

fn s_exit(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me_file(&args);
    *sio(&o).closed.borrow_mut() = true;
    Ok(Value::Bool(false))
}
