//! `io.StringIO`: an in-memory text stream over a vector of characters
//! (so positions are character indexes, as in CPython). Invariant: `pos`
//! may lie past the end; a write there pads with NUL characters first.

use std::any::Any;
use std::cell::RefCell;

use crate::object::kind::Kind;
use crate::object::native::{native_ref, Native, NativeObject};
use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

pub fn stringio_type(vm: &mut Vm) -> ObjRef {
    vm.extra_type("StringIO", "_io")
}

pub fn install(vm: &mut Vm) {
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
        ("flush", s_flush),
        ("writelines", super::methods::f_writelines),
        ("__enter__", s_enter),
        ("__exit__", s_exit),
        ("readable", s_true),
        ("writable", s_true),
        ("seekable", s_true),
    ];
    for (n, f) in sm {
        vm.add_method(&st, n, *f);
    }
    vm.add_staticmethod(&st, "__new__", stringio_new);
}

fn me_file(args: &Args) -> ObjRef {
    args.pos[0].as_obj().cloned().unwrap()
}

fn s_flush(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::None)
}

fn s_true(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Bool(true))
}

fn s_enter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = me_file(&args);
    check_open(vm, sio(&o))?;
    Ok(args.pos[0].clone())
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
        Some(Ok(if l.is_empty() {
            None
        } else {
            Some(vm.str_val(&l))
        }))
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
