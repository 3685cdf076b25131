//! The `builtins` module: functions (`print`, `len`, `isinstance`,
//! `getattr`, `exec`, ...), the builtin types and exceptions by name, and
//! `__build_class__`. Iteration builtins are in `builtins_iter.rs`.

use crate::object::dict::Dict;
use crate::object::kind::Kind;
use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::tuple::Tuple;
use crate::object::typeobj::TypeObj;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::arith::{as_num, Num};
use crate::vm::{PyResult, Vm};

const M: &str = "builtins";

pub fn install(vm: &mut Vm) {
    let b = vm.builtins.clone();
    let fns: &[(&'static str, crate::object::function::NativeFn)] = &[
        ("print", print),
        ("len", len),
        ("repr", repr),
        ("ascii", ascii),
        ("abs", abs),
        ("bin", bin),
        ("oct", oct),
        ("hex", hex),
        ("chr", chr),
        ("ord", ord),
        ("callable", callable),
        ("delattr", delattr),
        ("getattr", getattr),
        ("setattr", setattr),
        ("hasattr", hasattr),
        ("dir", dir),
        ("divmod", divmod),
        ("format", format),
        ("globals", globals),
        ("locals", locals),
        ("vars", vars),
        ("hash", hash),
        ("id", id),
        ("input", input),
        ("isinstance", isinstance),
        ("issubclass", issubclass),
        ("pow", pow),
        ("round", round),
        ("eval", eval),
        ("exec", exec),
        ("compile", compile),
        ("__import__", import),
        ("__build_class__", build_class),
        ("open", open),
        ("exit", exit),
        ("quit", exit),
    ];
    for (n, f) in fns {
        vm.add_function(&b, M, n, *f);
    }
    for (name, t) in vm.types.all() {
        if !matches!(
            name,
            "NoneType"
                | "NotImplementedType"
                | "ellipsis"
                | "function"
                | "builtin_function_or_method"
                | "method_descriptor"
                | "method"
                | "code"
                | "module"
                | "cell"
                | "generator"
                | "frame"
                | "traceback"
                | "member_descriptor"
                | "getset_descriptor"
                | "weakref"
                | "native"
        ) && !name.contains("iterator")
            && !name.starts_with("dict_")
        {
            vm.set_in(&b, name, Value::Obj(t));
        }
    }
    for (name, t) in vm.types.exc.all() {
        vm.set_in(&b, name, Value::Obj(t));
    }
    let env = vm.types.exc.os_error.clone();
    vm.set_in(&b, "EnvironmentError", Value::Obj(env.clone()));
    vm.set_in(&b, "IOError", Value::Obj(env));
    vm.set_in(&b, "None", Value::None);
    vm.set_in(&b, "True", Value::Bool(true));
    vm.set_in(&b, "False", Value::Bool(false));
    let e = vm.ellipsis.clone();
    vm.set_in(&b, "Ellipsis", Value::Obj(e));
    let ni = vm.not_implemented.clone();
    vm.set_in(&b, "NotImplemented", Value::Obj(ni));
    vm.set_in(&b, "__debug__", Value::Bool(true));
    let name = vm.str_val("builtins");
    vm.set_in(&b, "__name__", name);
    vm.set_in(&b, "__doc__", Value::None);
    let dh = vm.new_builtin(Some("sys"), "displayhook", super::sys::displayhook);
    vm.displayhook = dh;
}

pub fn init_module(vm: &mut Vm) -> PyResult<ObjRef> {
    Ok(vm.builtins_module.clone())
}

fn print(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let sep = args.take_kw("sep");
    let end = args.take_kw("end");
    let file = args.take_kw("file");
    let flush = args.take_kw("flush");
    args.no_kw(vm, "print")?;
    let sep = match sep {
        None | Some(Value::None) => " ".to_string(),
        Some(Value::Obj(s)) if s.kind() == Kind::Str => str_of(&s).unwrap().to_string(),
        Some(other) => {
            let t = vm.type_name(&other);
            return Err(vm.type_error(format!("sep must be None or a string, not {t}")));
        }
    };
    let end = match end {
        None | Some(Value::None) => "\n".to_string(),
        Some(Value::Obj(s)) if s.kind() == Kind::Str => str_of(&s).unwrap().to_string(),
        Some(other) => {
            let t = vm.type_name(&other);
            return Err(vm.type_error(format!("end must be None or a string, not {t}")));
        }
    };
    let target = match file {
        None | Some(Value::None) => vm.sys_attr("stdout").unwrap_or(Value::None),
        Some(f) => f,
    };
    if target.is_none() {
        // print() with sys.stdout set to None does nothing.
        return Ok(Value::None);
    }
    if vm.is_native_text_file(&target) {
        // One write: nothing can observe the pieces.
        let mut out = String::new();
        for (i, a) in args.pos.iter().enumerate() {
            if i > 0 {
                out.push_str(&sep);
            }
            match a {
                Value::Obj(o) if o.kind() == Kind::Str && !o.owns_cls() => {
                    out.push_str(str_of(o).unwrap())
                }
                Value::Int(n) => {
                    use std::fmt::Write;
                    let _ = write!(out, "{n}");
                }
                _ => out.push_str(&vm.to_str(&a.clone())?),
            }
        }
        out.push_str(&end);
        vm.write_stream(Some(target.clone()), &out)?;
    } else {
        // A Python object gets one write() call per piece, as in CPython.
        for (i, a) in args.pos.iter().enumerate() {
            if i > 0 {
                vm.write_stream(Some(target.clone()), &sep)?;
            }
            let s = vm.to_str(&a.clone())?;
            vm.write_stream(Some(target.clone()), &s)?;
        }
        vm.write_stream(Some(target.clone()), &end)?;
    }
    if let Some(fl) = flush {
        if vm.truthy(&fl)? {
            vm.flush_stream(&target)?;
        }
    }
    Ok(Value::None)
}

fn len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "len", 1, 1)?;
    Ok(Value::Int(vm.len(&args.pos[0])? as i64))
}

fn repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "repr", 1, 1)?;
    Ok(Value::Obj(vm.repr_obj(&args.pos[0])?))
}

fn ascii(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "ascii", 1, 1)?;
    let r = vm.repr(&args.pos[0])?;
    Ok(vm.str_val(&crate::vm::repr::ascii_escape(&r)))
}

fn abs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "abs", 1, 1)?;
    let v = &args.pos[0];
    let heap = matches!(v, Value::Obj(o) if o.owns_cls());
    if !heap {
        match as_num(v) {
            Some(Num::Int(i)) => {
                return Ok(match i.checked_abs() {
                    Some(a) => Value::Int(a),
                    None => vm.new_bigint(-num_bigint::BigInt::from(i)),
                })
            }
            Some(Num::Big(b)) => return Ok(vm.new_bigint(num_traits::Signed::abs(&b))),
            Some(Num::Float(f)) => return Ok(Value::Float(f.abs())),
            None => {}
        }
    }
    match vm.lookup_special(v, &vm.names.abs.clone()) {
        Some(f) => vm.call(&f, vec![v.clone()]),
        None => {
            let t = vm.type_name(v);
            Err(vm.type_error(format!("bad operand type for abs(): '{t}'")))
        }
    }
}

fn int_text(vm: &mut Vm, v: &Value, radix: u32, prefix: &str) -> PyResult<Value> {
    let n = match as_num(v) {
        Some(Num::Int(i)) => num_bigint::BigInt::from(i),
        Some(Num::Big(b)) => b,
        _ => {
            let i = vm.index_value(v)?;
            num_bigint::BigInt::from(i)
        }
    };
    let neg = num_traits::Signed::is_negative(&n);
    let digits = num_traits::Signed::abs(&n).to_str_radix(radix);
    Ok(vm.str_val(&format!("{}{prefix}{digits}", if neg { "-" } else { "" })))
}

fn bin(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "bin", 1, 1)?;
    int_text(vm, &args.pos[0], 2, "0b")
}

fn oct(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "oct", 1, 1)?;
    int_text(vm, &args.pos[0], 8, "0o")
}

fn hex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "hex", 1, 1)?;
    int_text(vm, &args.pos[0], 16, "0x")
}

fn chr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "chr", 1, 1)?;
    let i = vm.index_value(&args.pos[0])?;
    match char::from_u32(i as u32) {
        Some(c) if (0..=0x10ffff).contains(&i) => Ok(Value::Obj(vm.char_str(c))),
        _ => Err(vm.value_error("chr() arg not in range(0x110000)")),
    }
}

fn ord(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "ord", 1, 1)?;
    match &args.pos[0] {
        Value::Obj(o) if o.kind() == Kind::Str => {
            let s = str_of(o).unwrap();
            let mut it = s.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => Ok(Value::Int(c as i64)),
                _ => {
                    let n = s.chars().count();
                    Err(vm.type_error(format!(
                        "ord() expected a character, but string of length {n} found"
                    )))
                }
            }
        }
        Value::Obj(o) if o.kind() == Kind::Bytes => {
            let d = &o.downcast::<crate::object::bytes::Bytes>().unwrap().data;
            if d.len() == 1 {
                Ok(Value::Int(d[0] as i64))
            } else {
                Err(vm.type_error(format!(
                    "ord() expected a character, but string of length {} found",
                    d.len()
                )))
            }
        }
        other => {
            let t = vm.type_name(other);
            Err(vm.type_error(format!("ord() expected string of length 1, but {t} found")))
        }
    }
}

/// Whether a value can be called.
pub fn is_callable(vm: &Vm, v: &Value) -> bool {
    match v {
        Value::Obj(o) => match o.kind() {
            Kind::Function
            | Kind::BuiltinFunction
            | Kind::MethodDescr
            | Kind::BoundMethod
            | Kind::Type => true,
            _ => vm.lookup_special(v, &vm.names.call).is_some(),
        },
        _ => false,
    }
}

fn callable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "callable", 1, 1)?;
    Ok(Value::Bool(is_callable(vm, &args.pos[0])))
}

fn name_arg(vm: &mut Vm, v: &Value, fname: &str) -> PyResult<ObjRef> {
    match v {
        Value::Obj(s) if s.kind() == Kind::Str => Ok(vm.intern_obj(s)),
        other => {
            let t = vm.type_name(other);
            Err(vm.type_error(format!(
                "{fname}(): attribute name must be string, not '{t}'"
            )))
        }
    }
}

fn getattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "getattr", 2, 3)?;
    let n = match &args.pos[1] {
        Value::Obj(s) if s.kind() == Kind::Str => vm.intern_obj(s),
        other => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!("attribute name must be string, not '{t}'")));
        }
    };
    match args.pos.get(2) {
        None => vm.get_attr(&args.pos[0], &n),
        Some(d) => match vm.get_attr(&args.pos[0], &n) {
            Ok(v) => Ok(v),
            Err(e) if vm.err_is(&e, &vm.types.exc.attribute_error.clone()) => Ok(d.clone()),
            Err(e) => Err(e),
        },
    }
}

fn setattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "setattr", 3, 3)?;
    let n = name_arg(vm, &args.pos[1], "setattr")?;
    vm.set_attr(&args.pos[0], &n, args.pos[2].clone())?;
    Ok(Value::None)
}

fn delattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "delattr", 2, 2)?;
    let n = name_arg(vm, &args.pos[1], "delattr")?;
    vm.del_attr(&args.pos[0], &n)?;
    Ok(Value::None)
}

fn hasattr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "hasattr", 2, 2)?;
    let n = name_arg(vm, &args.pos[1], "hasattr")?;
    match vm.get_attr(&args.pos[0], &n) {
        Ok(_) => Ok(Value::Bool(true)),
        Err(e) if vm.err_is(&e, &vm.types.exc.attribute_error.clone()) => Ok(Value::Bool(false)),
        Err(e) => Err(e),
    }
}

fn dir(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "dir", 0, 1)?;
    let names = match args.pos.first() {
        Some(v) => {
            let v = v.clone();
            let dn = vm.intern("__dir__");
            if let Some(f) = vm.lookup_special(&v, &dn) {
                if !crate::vm::is_builtin_slot(&f) {
                    let r = vm.call(&f, vec![v.clone()])?;
                    let items = vm.collect_iter(&r)?;
                    let mut items =
                        crate::modules::types::list::sort_values(vm, items, &Value::None, false)?;
                    items.dedup_by(|a, b| a.is(b));
                    return Ok(Value::Obj(vm.new_list(items)));
                }
            }
            vm.dir_of(&v)?
        }
        None => {
            let locals = current_locals(vm)?;
            let keys = match &locals {
                Value::Obj(d) if d.kind() == Kind::Dict => d.downcast::<Dict>().unwrap().keys(),
                _ => vec![],
            };
            let mut v: Vec<String> = keys
                .iter()
                .filter_map(|k| k.as_obj().and_then(|s| str_of(s).map(|x| x.to_string())))
                .collect();
            v.sort();
            v
        }
    };
    let items: Vec<Value> = names.iter().map(|n| vm.str_val(n)).collect();
    Ok(Value::Obj(vm.new_list(items)))
}

fn divmod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "divmod", 2, 2)?;
    let (a, b) = (&args.pos[0], &args.pos[1]);
    if let (Some(Num::Float(_)), _) | (_, Some(Num::Float(_))) = (as_num(a), as_num(b)) {
        if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
            let fx = match x {
                Num::Float(f) => f,
                Num::Int(i) => i as f64,
                Num::Big(b) => num_traits::ToPrimitive::to_f64(&b).unwrap_or(f64::INFINITY),
            };
            let fy = match y {
                Num::Float(f) => f,
                Num::Int(i) => i as f64,
                Num::Big(b) => num_traits::ToPrimitive::to_f64(&b).unwrap_or(f64::INFINITY),
            };
            if fy == 0.0 {
                return Err(vm.zero_division("float divmod()"));
            }
            let (q, r) = crate::vm::arith::float_divmod(fx, fy);
            return Ok(Value::Obj(
                vm.new_tuple(vec![Value::Float(q), Value::Float(r)]),
            ));
        }
    }
    let heap =
        matches!(a, Value::Obj(o) if o.owns_cls()) || matches!(b, Value::Obj(o) if o.owns_cls());
    if heap {
        let f = vm.intern("__divmod__");
        if let Some(m) = vm.lookup_special(a, &f) {
            let r = vm.call(&m, vec![a.clone(), b.clone()])?;
            if !r.is(&Value::Obj(vm.not_implemented.clone())) {
                return Ok(r);
            }
        }
        let rf = vm.intern("__rdivmod__");
        if let Some(m) = vm.lookup_special(b, &rf) {
            return vm.call(&m, vec![b.clone(), a.clone()]);
        }
    }
    if as_num(a).is_none() || as_num(b).is_none() {
        let (ta, tb) = (vm.type_name(a), vm.type_name(b));
        return Err(vm.type_error(format!(
            "unsupported operand type(s) for divmod(): '{ta}' and '{tb}'"
        )));
    }
    if matches!(as_num(b), Some(Num::Int(0))) {
        return Err(vm.zero_division("integer division or modulo by zero"));
    }
    let q = vm.binary_op(crate::compile::opcode::BinOp::FloorDiv, a, b)?;
    let r = vm.binary_op(crate::compile::opcode::BinOp::Mod, a, b)?;
    Ok(Value::Obj(vm.new_tuple(vec![q, r])))
}

fn format(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "format", 1, 2)?;
    let spec = match args.pos.get(1) {
        Some(Value::Obj(s)) if s.kind() == Kind::Str => str_of(s).unwrap().to_string(),
        Some(other) => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!("format() argument 2 must be str, not {t}")));
        }
        None => String::new(),
    };
    let s = vm.format(&args.pos[0], &spec)?;
    Ok(vm.str_val(&s))
}

fn globals(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    match vm.frames.last() {
        Some(f) => Ok(Value::Obj(f.globals.clone())),
        None => Ok(Value::Obj(vm.new_dict())),
    }
}

/// The current frame's locals (a snapshot for function frames).
pub fn current_locals(vm: &mut Vm) -> PyResult<Value> {
    let Some(i) = vm.frames.len().checked_sub(1) else {
        return Ok(Value::Obj(vm.new_dict()));
    };
    let fo = vm.frame_object(i);
    Ok(vm.frame_locals(&fo))
}

fn locals(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    current_locals(vm)
}

fn vars(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "vars", 0, 1)?;
    match args.pos.first() {
        None => current_locals(vm),
        Some(v) => {
            let d = vm.names.dict.clone();
            match vm.get_attr_opt(v, &d)? {
                Some(x) => Ok(x),
                None => Err(vm.type_error("vars() argument must have __dict__ attribute")),
            }
        }
    }
}

fn hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "hash", 1, 1)?;
    Ok(Value::Int(vm.hash(&args.pos[0])?))
}

/// `id(v)`: the object's address (a stable pseudo-address for inline values).
pub fn id_of(v: &Value) -> i64 {
    match v {
        Value::Obj(o) => o.addr() as i64,
        Value::Int(i) => 0x7f00_0000_0000 + (*i & 0xffff_ffff) * 32,
        Value::Float(f) => 0x7e00_0000_0000 + (f.to_bits() as i64 & 0xffff_ffff) * 16,
        Value::Bool(b) => 0x7d00_0000_0000 + *b as i64 * 32,
        Value::None | Value::Undef => 0x7c00_0000_0000,
    }
}

fn id(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "id", 1, 1)?;
    Ok(Value::Int(id_of(&args.pos[0])))
}

fn input(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "input", 0, 1)?;
    if let Some(p) = args.pos.first() {
        let s = vm.to_str(p)?;
        vm.write_stdout(&s)?;
    }
    vm.flush_stdout()?;
    match vm.read_stdin_line()? {
        Some(mut line) => {
            if line.ends_with('\n') {
                line.pop();
                if line.ends_with('\r') {
                    line.pop();
                }
            }
            Ok(vm.str_val(&line))
        }
        None => {
            let c = vm.types.exc.eof_error.clone();
            Err(vm.new_error(&c, "EOF when reading a line"))
        }
    }
}

/// isinstance with tuples and `__instancecheck__`.
pub fn isinstance_check(vm: &mut Vm, v: &Value, cls: &Value) -> PyResult<bool> {
    match cls {
        Value::Obj(c) if c.kind() == Kind::Type => Ok(vm.isinstance(v, c)),
        Value::Obj(t) if t.kind() == Kind::Tuple => {
            let items = t.downcast::<Tuple>().unwrap().as_slice().to_vec();
            for it in &items {
                if isinstance_check(vm, v, it)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        other => {
            let ic = vm.intern("__instancecheck__");
            if let Some(f) = vm.lookup_special(other, &ic) {
                let r = vm.call(&f, vec![other.clone(), v.clone()])?;
                return vm.truthy(&r);
            }
            Err(vm.type_error("isinstance() arg 2 must be a type, a tuple of types, or a union"))
        }
    }
}

fn isinstance(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "isinstance", 2, 2)?;
    Ok(Value::Bool(isinstance_check(
        vm,
        &args.pos[0],
        &args.pos[1],
    )?))
}

fn issubclass_check(vm: &mut Vm, c: &Value, cls: &Value) -> PyResult<bool> {
    let Value::Obj(co) = c else {
        return Err(vm.type_error("issubclass() arg 1 must be a class"));
    };
    if co.kind() != Kind::Type {
        return Err(vm.type_error("issubclass() arg 1 must be a class"));
    }
    match cls {
        Value::Obj(k) if k.kind() == Kind::Type => Ok(vm.is_subclass(co, k)),
        Value::Obj(t) if t.kind() == Kind::Tuple => {
            let items = t.downcast::<Tuple>().unwrap().as_slice().to_vec();
            for it in &items {
                if issubclass_check(vm, c, it)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => {
            Err(vm.type_error("issubclass() arg 2 must be a class, a tuple of classes, or a union"))
        }
    }
}

fn issubclass(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "issubclass", 2, 2)?;
    Ok(Value::Bool(issubclass_check(
        vm,
        &args.pos[0],
        &args.pos[1],
    )?))
}

fn pow(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let base = args.arg(0, "base");
    let exp = args.arg(1, "exp");
    let m = args.arg(2, "mod");
    let (Some(b), Some(e)) = (base, exp) else {
        return Err(vm.type_error("pow() missing required argument 'exp' (pos 2)"));
    };
    match m {
        None | Some(Value::None) => vm.binary_op(crate::compile::opcode::BinOp::Pow, &b, &e),
        Some(m) => {
            let (Some(x), Some(y), Some(z)) = (
                crate::vm::arith::as_int(&b),
                crate::vm::arith::as_int(&e),
                crate::vm::arith::as_int(&m),
            ) else {
                return Err(vm.type_error(
                    "pow() 3rd argument not allowed unless all arguments are integers",
                ));
            };
            let (x, y, z) = (x.to_big(), y.to_big(), z.to_big());
            if num_traits::Zero::is_zero(&z) {
                return Err(vm.value_error("pow() 3rd argument cannot be 0"));
            }
            let r = if num_traits::Signed::is_negative(&y) {
                let inv = mod_inverse(&x, &z).ok_or_else(|| {
                    vm.value_error("base is not invertible for the given modulus")
                })?;
                inv.modpow(&-y, &z)
            } else {
                x.modpow(&y, &z)
            };
            let r = num_integer::Integer::mod_floor(&r, &z);
            Ok(vm.new_bigint(r))
        }
    }
}

fn mod_inverse(a: &num_bigint::BigInt, m: &num_bigint::BigInt) -> Option<num_bigint::BigInt> {
    let g = num_integer::Integer::extended_gcd(a, m);
    if g.gcd != num_bigint::BigInt::from(1) && g.gcd != num_bigint::BigInt::from(-1) {
        return None;
    }
    Some(num_integer::Integer::mod_floor(&g.x, m))
}

fn round(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let x = args.arg(0, "number");
    let nd = args.arg(1, "ndigits");
    let Some(x) = x else {
        return Err(vm.type_error("round() missing required argument 'number' (pos 1)"));
    };
    let heap = matches!(&x, Value::Obj(o) if o.owns_cls());
    if !heap {
        if let Some(Num::Float(f)) = as_num(&x) {
            let n = match &nd {
                None | Some(Value::None) => None,
                Some(v) => Some(vm.index_value(v)?),
            };
            return super::types::float::round_float(vm, f, n);
        }
    }
    let name = vm.names.round.clone();
    match vm.lookup_special(&x, &name) {
        Some(f) => {
            let mut a = vec![x.clone()];
            if let Some(n) = nd {
                if !n.is_none() {
                    a.push(n);
                }
            }
            vm.call(&f, a)
        }
        None => {
            let t = vm.type_name(&x);
            Err(vm.type_error(format!("type {t} doesn't define __round__ method")))
        }
    }
}

/// Source text of a `compile`/`exec`/`eval` argument.
fn source_arg(vm: &mut Vm, v: &Value, fname: &str) -> PyResult<Option<String>> {
    match v {
        Value::Obj(s) if s.kind() == Kind::Str => Ok(Some(str_of(s).unwrap().to_string())),
        Value::Obj(b) if b.kind() == Kind::Bytes => Ok(Some(
            String::from_utf8_lossy(&b.downcast::<crate::object::bytes::Bytes>().unwrap().data)
                .to_string(),
        )),
        Value::Obj(c) if c.kind() == Kind::Code => Ok(None),
        _ => Err(vm.type_error(format!(
            "{fname}() arg 1 must be a string, bytes or code object"
        ))),
    }
}

/// Namespaces for exec/eval: (globals, locals).
fn namespaces(
    vm: &mut Vm,
    g: Option<Value>,
    l: Option<Value>,
) -> PyResult<(ObjRef, Option<ObjRef>)> {
    let globals = match g {
        Some(Value::Obj(ref d)) if d.kind() == Kind::Dict => d.clone(),
        Some(Value::None) | None => match vm.frames.last() {
            Some(f) => f.globals.clone(),
            None => vm.new_dict(),
        },
        Some(other) => {
            let t = vm.type_name(&other);
            return Err(vm.type_error(format!("globals must be a dict, not {t}")));
        }
    };
    let gd = globals.downcast::<Dict>().unwrap();
    if gd.get_str(&vm.names.builtins).is_none() {
        let b = vm.builtins_module.clone();
        gd.set_str(&vm.names.builtins.clone(), Value::Obj(b));
    }
    let locals = match l {
        Some(Value::Obj(d)) => Some(d),
        Some(Value::None) | None => {
            if matches!(&g, Some(Value::Obj(_))) {
                None
            } else {
                match vm.frames.last() {
                    Some(f) if f.func.is_none() => f.locals.clone(),
                    Some(_) => match current_locals(vm)? {
                        Value::Obj(d) => Some(d),
                        _ => None,
                    },
                    None => None,
                }
            }
        }
        Some(_) => return Err(vm.type_error("locals must be a mapping")),
    };
    Ok((globals, locals))
}

fn exec_or_eval(
    vm: &mut Vm,
    mut args: Args,
    mode: crate::compile::Mode,
    fname: &str,
) -> PyResult<Value> {
    let src = args.arg(0, "source");
    let g = args.arg(1, "globals");
    let l = args.arg(2, "locals");
    let Some(src) = src else {
        return Err(vm.type_error(format!(
            "{fname}() missing required argument 'source' (pos 1)"
        )));
    };
    let (globals, locals) = namespaces(vm, g, l)?;
    let code = match source_arg(vm, &src, fname)? {
        Some(text) => {
            let text = if mode == crate::compile::Mode::Eval {
                text.trim_start_matches([' ', '\t']).to_string()
            } else {
                text
            };
            vm.remember_source("<string>", &text);
            vm.compile_source(&text, "<string>", mode)?
        }
        None => src.as_obj().cloned().unwrap(),
    };
    vm.run_code(&code, &globals, locals)
}

fn eval(vm: &mut Vm, args: Args) -> PyResult<Value> {
    exec_or_eval(vm, args, crate::compile::Mode::Eval, "eval")
}

fn exec(vm: &mut Vm, args: Args) -> PyResult<Value> {
    exec_or_eval(vm, args, crate::compile::Mode::Exec, "exec")?;
    Ok(Value::None)
}

fn compile(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let src = args.arg(0, "source");
    let filename = args.arg(1, "filename");
    let mode = args.arg(2, "mode");
    let (Some(src), Some(filename), Some(mode)) = (src, filename, mode) else {
        return Err(vm.type_error("compile() missing required argument"));
    };
    let fname = super::types::str::arg_str(vm, &filename, "compile() argument 'filename'")?;
    let mode = match super::types::str::arg_str(vm, &mode, "compile() argument 'mode'")?.as_str() {
        "exec" => crate::compile::Mode::Exec,
        "eval" => crate::compile::Mode::Eval,
        "single" => crate::compile::Mode::Single,
        _ => return Err(vm.value_error("compile() mode must be 'exec', 'eval' or 'single'")),
    };
    match source_arg(vm, &src, "compile")? {
        Some(text) => {
            vm.remember_source(&fname, &text);
            Ok(Value::Obj(vm.compile_source(&text, &fname, mode)?))
        }
        None => Ok(src),
    }
}

fn import(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let name = args.arg(0, "name");
    let g = args.arg(1, "globals");
    let fromlist = args.arg(3, "fromlist").unwrap_or(Value::None);
    let level = match args.arg(4, "level") {
        Some(l) => vm.index_value(&l)?,
        None => 0,
    };
    let Some(name) = name else {
        return Err(vm.type_error("__import__() missing required argument 'name' (pos 1)"));
    };
    let name = super::types::str::arg_str(vm, &name, "__import__() argument 1")?;
    let globals = match g {
        Some(Value::Obj(d)) if d.kind() == Kind::Dict => d,
        _ => match vm.frames.last() {
            Some(f) => f.globals.clone(),
            None => vm.new_dict(),
        },
    };
    let fl = match &fromlist {
        Value::Obj(o) if o.kind() == Kind::List || o.kind() == Kind::Tuple => {
            let items = vm.collect_iter(&fromlist)?;
            Value::Obj(vm.new_tuple(items))
        }
        _ => Value::None,
    };
    vm.import_full(&name, &globals, &fl, level as usize)
}

fn build_class(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.build_class(args)
}

fn open(vm: &mut Vm, args: Args) -> PyResult<Value> {
    super::io::open(vm, args)
}

fn exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = vm.types.exc.system_exit.clone();
    let e = vm.new_exception(&c, args.pos.into_vec());
    Err(crate::vm::PyErr { exc: e })
}

/// Name of a class for messages.
pub fn class_name(v: &ObjRef) -> String {
    v.downcast::<TypeObj>()
        .map(|t| t.name())
        .unwrap_or_default()
}
