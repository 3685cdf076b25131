//! Methods of `float`: construction from numbers and strings (with
//! CPython's accepted spellings), `is_integer`, `hex`/`fromhex`,
//! `as_integer_ratio`, rounding with `round(x, n)` semantics.

use num_bigint::BigInt;
use num_traits::{ToPrimitive, Zero};

use crate::object::float::float_repr;
use crate::object::int::FloatObj;
use crate::object::kind::Kind;
use crate::object::str::str_of;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::arith::{as_num, big_to_f64, Num};
use crate::vm::{PyResult, Vm};

pub fn install(vm: &mut Vm) {
    let t = vm.types.float.clone();
    vm.add_staticmethod(&t, "__new__", float_new);
    vm.add_method(&t, "is_integer", is_integer);
    vm.add_method(&t, "hex", float_hex);
    vm.add_classmethod(&t, "fromhex", float_fromhex);
    vm.add_method(&t, "as_integer_ratio", as_integer_ratio);
    vm.add_method(&t, "conjugate", float_pos);
    vm.add_getter(&t, "real", float_pos);
    vm.add_getter(&t, "imag", float_zero);
    vm.add_method(&t, "__float__", float_pos);
    vm.add_method(&t, "__int__", float_trunc);
    vm.add_method(&t, "__trunc__", float_trunc);
    vm.add_method(&t, "__floor__", float_floor);
    vm.add_method(&t, "__ceil__", float_ceil);
    vm.add_method(&t, "__round__", float_round);
    vm.add_method(&t, "__abs__", float_abs);
    vm.add_method(&t, "__neg__", float_neg);
    vm.add_method(&t, "__pos__", float_pos);
    vm.add_method(&t, "__bool__", float_bool);
    vm.add_method(&t, "__repr__", float_repr_m);
    vm.add_method(&t, "__str__", float_repr_m);
}

/// The float value of a float-like receiver.
pub fn f64_of(v: &Value) -> f64 {
    match as_num(v) {
        Some(Num::Float(f)) => f,
        Some(Num::Int(i)) => i as f64,
        Some(Num::Big(b)) => b.to_f64().unwrap_or(f64::INFINITY),
        None => 0.0,
    }
}

/// Parses a float like `float(str)` (None: invalid).
pub fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if matches!(body, "inf" | "infinity" | "nan") {
        let neg = lower.starts_with('-');
        let v = if body == "nan" {
            f64::NAN
        } else {
            f64::INFINITY
        };
        return Some(if neg { -v } else { v });
    }
    // Underscores only between digits.
    let bytes = t.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let prev = i.checked_sub(1).map(|j| bytes[j]);
            let next = bytes.get(i + 1).copied();
            if !prev.is_some_and(|c| c.is_ascii_digit())
                || !next.is_some_and(|c| c.is_ascii_digit())
            {
                return None;
            }
        }
    }
    let cleaned: String = t.chars().filter(|c| *c != '_').collect();
    if !cleaned
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
    {
        return None;
    }
    cleaned.parse::<f64>().ok()
}

fn float_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let cls = args.pos.remove(0).into_obj().unwrap();
    args.check(vm, "float", 0, 1)?;
    let f = match args.pos.first() {
        None => 0.0,
        Some(x) => value_to_float(vm, &x.clone())?,
    };
    if cls.is(&vm.types.float) {
        return Ok(Value::Float(f));
    }
    let ft = vm.types.float.clone();
    Ok(Value::Obj(vm.alloc_instance(
        &cls,
        &ft,
        FloatObj { value: f },
    )))
}

/// `float(x)`.
pub fn value_to_float(vm: &mut Vm, x: &Value) -> PyResult<f64> {
    let heap = matches!(x, Value::Obj(o) if o.owns_cls());
    if !heap {
        match as_num(x) {
            Some(Num::Float(f)) => return Ok(f),
            Some(Num::Int(i)) => return Ok(i as f64),
            Some(Num::Big(b)) => {
                return big_to_f64(&b)
                    .ok_or_else(|| vm.overflow_error("int too large to convert to float"))
            }
            None => {}
        }
    }
    let s = match x {
        Value::Obj(o) if o.kind() == Kind::Str => Some(str_of(o).unwrap().to_string()),
        Value::Obj(o) if o.kind() == Kind::Bytes => Some(
            String::from_utf8_lossy(&o.downcast::<crate::object::bytes::Bytes>().unwrap().data)
                .to_string(),
        ),
        _ => None,
    };
    if let Some(s) = s {
        return match parse_float(&s) {
            Some(f) => Ok(f),
            None => {
                let r = vm.repr(x)?;
                Err(vm.value_error(format!("could not convert string to float: {r}")))
            }
        };
    }
    if let Some(f) = vm.lookup_special(x, &vm.names.float.clone()) {
        let r = vm.call(&f, vec![x.clone()])?;
        return match as_num(&r) {
            Some(Num::Float(f)) => Ok(f),
            _ => {
                let t = vm.type_name(x);
                let rt = vm.type_name(&r);
                Err(vm.type_error(format!("{t}.__float__ returned non-float (type {rt})")))
            }
        };
    }
    if let Some(f) = vm.lookup_special(x, &vm.names.index.clone()) {
        let r = vm.call(&f, vec![x.clone()])?;
        if let Some(n) = as_num(&r) {
            return Ok(match n {
                Num::Int(i) => i as f64,
                Num::Big(b) => big_to_f64(&b).unwrap_or(f64::INFINITY),
                Num::Float(f) => f,
            });
        }
    }
    if let Some(Num::Float(f)) = as_num(x) {
        return Ok(f);
    }
    let t = vm.type_name(x);
    Err(vm.type_error(format!(
        "float() argument must be a string or a real number, not '{t}'"
    )))
}

fn is_integer(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = f64_of(&args.pos[0]);
    Ok(Value::Bool(f.is_finite() && f.fract() == 0.0))
}

/// `float.hex()`.
pub fn hex_of(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f == 0.0 {
        return format!("{sign}0x0.0p+0");
    }
    let bits = f.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let mant = bits & ((1u64 << 52) - 1);
    let (lead, e) = if exp == 0 {
        (0, -1022)
    } else {
        (1, exp - 1023)
    };
    format!(
        "{sign}0x{lead}.{mant:013x}p{}{}",
        if e < 0 { "-" } else { "+" },
        e.abs()
    )
}

fn float_hex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(vm.str_val(&hex_of(f64_of(&args.pos[0]))))
}

fn float_fromhex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "fromhex", 2, 2)?;
    let s = match &args.pos[1] {
        Value::Obj(o) if o.kind() == Kind::Str => str_of(o).unwrap().trim().to_lowercase(),
        _ => return Err(vm.type_error("fromhex() argument must be str")),
    };
    let bad = |vm: &mut Vm| vm.value_error("invalid hexadecimal floating-point string");
    let (neg, t) = match s.strip_prefix('-') {
        Some(r) => (true, r.to_string()),
        None => (false, s.trim_start_matches('+').to_string()),
    };
    if t == "inf" || t == "infinity" {
        return Ok(Value::Float(if neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }));
    }
    if t == "nan" {
        return Ok(Value::Float(f64::NAN));
    }
    let t = t.strip_prefix("0x").unwrap_or(&t);
    let (mant, exp) = match t.split_once('p') {
        Some((m, e)) => (m, e.parse::<i64>().map_err(|_| bad(vm))?),
        None => (t, 0),
    };
    let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
    if ip.is_empty() && fp.is_empty() {
        return Err(bad(vm));
    }
    let mut v = 0f64;
    for c in ip.chars() {
        v = v * 16.0 + c.to_digit(16).ok_or_else(|| bad(vm))? as f64;
    }
    let mut scale = 1.0 / 16.0;
    for c in fp.chars() {
        v += c.to_digit(16).ok_or_else(|| bad(vm))? as f64 * scale;
        scale /= 16.0;
    }
    let r = v * 2f64.powi(exp as i32);
    Ok(Value::Float(if neg { -r } else { r }))
}

fn as_integer_ratio(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let f = f64_of(&args.pos[0]);
    if f.is_nan() {
        return Err(vm.value_error("cannot convert NaN to integer ratio"));
    }
    if f.is_infinite() {
        return Err(vm.overflow_error("cannot convert Infinity to integer ratio"));
    }
    let (m, e) = crate::vm::hash::frexp(f);
    let mut m = m;
    let mut e = e;
    let mut i = 0;
    while m != m.floor() && i < 300 {
        m *= 2.0;
        e -= 1;
        i += 1;
    }
    let mut num = BigInt::from(m as i64);
    let mut den = BigInt::from(1);
    if e > 0 {
        num <<= e as usize;
    } else {
        den <<= (-e) as usize;
    }
    let g = num_integer::Integer::gcd(&num, &den);
    if !g.is_zero() {
        num /= &g;
        den /= &g;
    }
    let a = vm.new_bigint(num);
    let b = vm.new_bigint(den);
    Ok(Value::Obj(vm.new_tuple(vec![a, b])))
}

fn float_pos(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Float(f64_of(&args.pos[0])))
}

fn float_trunc(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = super::int::float_to_int(vm, f64_of(&args.pos[0]))?;
    Ok(vm.new_bigint(b))
}

fn float_floor(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = super::int::float_to_int(vm, f64_of(&args.pos[0]).floor())?;
    Ok(vm.new_bigint(b))
}

fn float_ceil(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = super::int::float_to_int(vm, f64_of(&args.pos[0]).ceil())?;
    Ok(vm.new_bigint(b))
}

/// `round(x[, ndigits])` for floats (correctly rounded, ties to even).
pub fn round_float(vm: &mut Vm, x: f64, nd: Option<i64>) -> PyResult<Value> {
    match nd {
        None => {
            let r = x.round_ties_even();
            let b = super::int::float_to_int(vm, r)?;
            Ok(vm.new_bigint(b))
        }
        Some(n) => {
            if !x.is_finite() {
                return Ok(Value::Float(x));
            }
            if n > 323 {
                return Ok(Value::Float(x));
            }
            if n < -308 {
                return Ok(Value::Float(0.0f64.copysign(x)));
            }
            if n >= 0 {
                let s = format!("{:.*}", n as usize, x);
                Ok(Value::Float(s.parse::<f64>().unwrap_or(x)))
            } else {
                let p = 10f64.powi((-n) as i32);
                let y = x / p;
                let r = y.round_ties_even() * p;
                Ok(Value::Float(if r == 0.0 { 0.0f64.copysign(x) } else { r }))
            }
        }
    }
}

fn float_round(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let x = f64_of(&args.pos[0]);
    let nd = match args.pos.get(1) {
        None | Some(Value::None) => None,
        Some(v) => Some(vm.index_value(&v.clone())?),
    };
    round_float(vm, x, nd)
}

fn float_abs(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Float(f64_of(&args.pos[0]).abs()))
}

fn float_neg(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Float(-f64_of(&args.pos[0])))
}

fn float_bool(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Bool(f64_of(&args.pos[0]) != 0.0))
}

fn float_repr_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(vm.str_val(&float_repr(f64_of(&args.pos[0]))))
}

fn float_zero(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Float(0.0))
}
