//! The Python-visible methods of file objects (`read`, `readline`,
//! `write`, `seek`, context management, ...), thin wrappers that check
//! their arguments the way CPython's `_io` does and call `FileObj`.

use crate::object::bytes::Bytes;
use crate::object::kind::Kind;
use crate::object::native::native_ref;
use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

use super::file::FileObj;

pub const FILE_METHODS: &[(&str, crate::object::function::NativeFn)] = &[
    ("write", f_write),
    ("read", f_read),
    ("readline", f_readline),
    ("readlines", f_readlines),
    ("writelines", f_writelines),
    ("close", f_close),
    ("flush", f_flush),
    ("seek", f_seek),
    ("tell", f_tell),
    ("truncate", f_truncate),
    ("fileno", f_fileno),
    ("isatty", f_isatty),
    ("readable", f_readable),
    ("writable", f_writable),
    ("seekable", f_seekable),
    ("__enter__", f_enter),
    ("__exit__", f_exit),
];

fn me(args: &Args) -> ObjRef {
    args.pos[0].as_obj().cloned().expect("file receiver")
}

fn file(o: &ObjRef) -> &FileObj {
    native_ref::<FileObj>(o).expect("file object")
}

/// An optional size argument: None or negative means "all".
fn size_arg(vm: &mut Vm, v: Option<&Value>) -> PyResult<Option<usize>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(v) => {
            let n = vm.index_value(v)?;
            Ok(if n < 0 { None } else { Some(n as usize) })
        }
    }
}

fn f_write(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "write", 2, 2)?;
    let o = me(&args);
    let f = file(&o);
    let n = match (&f.text, &args.pos[1]) {
        (Some(_), Value::Obj(s)) if s.kind() == Kind::Str => {
            let text = str_of(s).unwrap().to_string();
            f.write_text(vm, &text)?
        }
        (Some(_), other) => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!("write() argument must be str, not {t}")));
        }
        (None, Value::Obj(b)) if b.kind() == Kind::Bytes => {
            let data = b.downcast::<Bytes>().unwrap().data.clone();
            f.write_bytes(vm, &data)?
        }
        (None, other) => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!("a bytes-like object is required, not '{t}'")));
        }
    };
    Ok(Value::Int(n as i64))
}

fn f_read(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let size = args.pos.get(1).cloned().or_else(|| args.take_kw("size"));
    args.no_kw(vm, "read")?;
    let o = me(&args);
    let n = size_arg(vm, size.as_ref())?;
    file(&o).read(vm, n)
}

fn f_readline(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let size = args.pos.get(1).cloned().or_else(|| args.take_kw("size"));
    args.no_kw(vm, "readline")?;
    let o = me(&args);
    let n = size_arg(vm, size.as_ref())?;
    file(&o).readline(vm, n)
}

fn f_readlines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "readlines", 1, 2)?;
    let o = me(&args);
    let hint = size_arg(vm, args.pos.get(1))?.filter(|h| *h > 0);
    let f = file(&o);
    let mut lines = Vec::new();
    let mut total = 0;
    loop {
        let line = f.readline(vm, None)?;
        let len = match &line {
            Value::Obj(s) => str_of(s)
                .map(|x| x.chars().count())
                .or_else(|| s.downcast::<Bytes>().map(|b| b.data.len()))
                .unwrap_or(0),
            _ => 0,
        };
        if len == 0 {
            break;
        }
        lines.push(line);
        total += len;
        if hint.is_some_and(|h| total >= h) {
            break;
        }
    }
    Ok(Value::Obj(vm.new_list(lines)))
}

pub fn f_writelines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "writelines", 2, 2)?;
    let it = vm.get_iter(&args.pos[1])?;
    while let Some(item) = vm.next(&it)? {
        vm.call_method(&args.pos[0], "write", vec![item])?;
    }
    Ok(Value::None)
}

fn f_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me(&args);
    let f = file(&o);
    // Closing a standard stream only flushes it, so later output still
    // works (CPython keeps the descriptor open too).
    if f.is_std() {
        f.flush_raw().map_err(|e| vm.io_error_plain(&e))?;
        return Ok(Value::None);
    }
    f.close(vm)?;
    Ok(Value::None)
}

fn f_flush(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me(&args);
    file(&o).flush(vm)?;
    Ok(Value::None)
}

fn f_seek(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "seek", 2, 3)?;
    let o = me(&args);
    let off = vm.index_value(&args.pos[1])?;
    let whence = match args.pos.get(2) {
        Some(w) => vm.index_value(w)?,
        None => 0,
    };
    Ok(Value::Int(file(&o).seek(vm, off, whence)?))
}

fn f_tell(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me(&args);
    Ok(Value::Int(file(&o).tell(vm)?))
}

fn f_truncate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "truncate", 1, 2)?;
    let o = me(&args);
    let size = match args.pos.get(1) {
        None | Some(Value::None) => None,
        Some(v) => Some(vm.index_value(v)?),
    };
    Ok(Value::Int(file(&o).truncate(vm, size)?))
}

fn f_fileno(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me(&args);
    Ok(Value::Int(file(&o).fileno(vm)?))
}

fn f_isatty(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me(&args);
    Ok(Value::Bool(file(&o).isatty(vm)?))
}

fn f_readable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me(&args);
    let f = file(&o);
    f.check_open(vm)?;
    Ok(Value::Bool(f.readable))
}

fn f_writable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me(&args);
    let f = file(&o);
    f.check_open(vm)?;
    Ok(Value::Bool(f.writable))
}

fn f_seekable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me(&args);
    let f = file(&o);
    f.check_open(vm)?;
    Ok(Value::Bool(!f.is_std()))
}

fn f_enter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me(&args);
    file(&o).check_open(vm)?;
    Ok(args.pos[0].clone())
}

fn f_exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me(&args);
    vm.call_method(&Value::Obj(o), "close", vec![])?;
    Ok(Value::Bool(false))
}
