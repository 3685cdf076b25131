//! heapy's `Via` relation: how an object is referred to. Each reference is
//! named as heapy names it: `['key']` for a dict value (the key's repr in
//! brackets), `[3]` for a list or tuple item, `.name` for an attribute
//! slot of an object (`.__dict__`, `.__code__`, `.cell_contents`,
//! `.__self__`, ...). An object's kind is the set of names of the
//! references to it from the visible heap; references heapy would not name
//! (a dict's keys, a class's method cache) give no name.
//! Invariant: nothing here runs Python code; reprs of keys are computed
//! only for str, int, bool and None keys, the rest show their type.

use mini_interpreter::compile::code::Code;
use mini_interpreter::object::dict::Dict;
use mini_interpreter::object::function::{BoundMethod, CellObj, Function};
use mini_interpreter::object::instance::inst_ext;
use mini_interpreter::object::list::List;
use mini_interpreter::object::module::Module;
use mini_interpreter::object::str::str_of;
use mini_interpreter::object::tuple::Tuple;
use mini_interpreter::object::typeobj::TypeObj;
use mini_interpreter::{ObjRef, Value};

/// The repr of a dict key, for the simple kinds of keys.
fn key_repr(k: &Value) -> String {
    match k {
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Value::None => "None".to_string(),
        Value::Obj(o) => match str_of(o) {
            Some(s) => py_str_repr(s),
            None => format!("<{}>", o.vt().name),
        },
        _ => "<value>".to_string(),
    }
}

/// Python's repr of a str (quote choice and escapes as `repr()`).
fn py_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn attr(out: &mut Vec<(String, Value)>, name: &str, v: Value) {
    out.push((format!(".{name}"), v));
}

/// The named references of `r`.
pub fn labelled_refs(r: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let Value::Obj(o) = r else {
        return out;
    };
    if let Some(d) = o.downcast::<Dict>() {
        if let Ok(t) = d.table.try_borrow() {
            for e in t.iter() {
                out.push((format!("[{}]", key_repr(&e.key)), e.value.clone()));
            }
        }
    } else if let Some(l) = o.downcast::<List>() {
        if let Ok(items) = l.items.try_borrow() {
            for (i, v) in items.iter().enumerate() {
                out.push((format!("[{i}]"), v.clone()));
            }
        }
    } else if let Some(t) = o.downcast::<Tuple>() {
        for (i, v) in t.as_slice().iter().enumerate() {
            out.push((format!("[{i}]"), v.clone()));
        }
    } else if let Some(f) = o.downcast::<Function>() {
        function_refs(f, &mut out);
    } else if let Some(m) = o.downcast::<Module>() {
        attr(&mut out, "__dict__", Value::Obj(m.dict.clone()));
    } else if let Some(t) = o.downcast::<TypeObj>() {
        type_refs(t, &mut out);
    } else if let Some(c) = o.downcast::<CellObj>() {
        if let Ok(v) = c.value.try_borrow() {
            attr(&mut out, "cell_contents", v.clone());
        }
    } else if let Some(m) = o.downcast::<BoundMethod>() {
        attr(&mut out, "__func__", m.func.clone());
        attr(&mut out, "__self__", m.receiver.clone());
    } else if let Some(c) = o.downcast::<Code>() {
        for (i, v) in c.consts.iter().enumerate() {
            out.push((format!(".co_consts[{i}]"), v.clone()));
        }
        for (i, n) in c.names.iter().enumerate() {
            out.push((format!(".co_names[{i}]"), Value::Obj(n.clone())));
        }
        attr(&mut out, "co_filename", Value::Obj(c.filename.clone()));
        attr(&mut out, "co_name", Value::Obj(c.name.clone()));
        attr(&mut out, "co_qualname", Value::Obj(c.qualname.clone()));
    }
    instance_refs(o, &mut out);
    out
}

fn function_refs(f: &Function, out: &mut Vec<(String, Value)>) {
    attr(out, "__code__", Value::Obj(f.code.clone()));
    attr(out, "__globals__", Value::Obj(f.globals.clone()));
    attr(out, "__builtins__", Value::Obj(f.builtins.clone()));
    if let Ok(n) = f.name.try_borrow() {
        attr(out, "__name__", Value::Obj(n.clone()));
    }
    if let Ok(n) = f.qualname.try_borrow() {
        attr(out, "__qualname__", Value::Obj(n.clone()));
    }
    for (name, cell) in [
        ("__defaults__", &f.defaults),
        ("__kwdefaults__", &f.kwdefaults),
        ("__dict__", &f.dict),
        ("__annotations__", &f.annotations),
    ] {
        if let Ok(c) = cell.try_borrow() {
            if let Some(v) = c.as_ref() {
                attr(out, name, Value::Obj(v.clone()));
            }
        }
    }
    if let Some(c) = &f.closure {
        attr(out, "__closure__", Value::Obj(c.clone()));
    }
    for (name, cell) in [("__doc__", &f.doc), ("__module__", &f.module)] {
        if let Ok(v) = cell.try_borrow() {
            attr(out, name, v.clone());
        }
    }
}

fn type_refs(t: &TypeObj, out: &mut Vec<(String, Value)>) {
    attr(out, "__dict__", Value::Obj(t.dict.clone()));
    if let Ok(b) = t.bases.try_borrow() {
        if let Some(first) = b.first() {
            attr(out, "__base__", Value::Obj(first.clone()));
        }
    }
}

/// An instance's attribute dict and its class.
fn instance_refs(o: &ObjRef, out: &mut Vec<(String, Value)>) {
    if let Some(ext) = inst_ext(o) {
        if let Ok(d) = ext.dict.try_borrow() {
            if let Some(d) = d.as_ref() {
                attr(out, "__dict__", Value::Obj(d.clone()));
            }
        }
        if o.owns_cls() {
            attr(out, "__class__", Value::Obj(o.class()));
        }
    }
}
