//! Methods of `int` (and `bool`): construction from numbers, strings in any
//! base and `__int__`/`__index__`, `bit_length`, `to_bytes`/`from_bytes`,
//! `as_integer_ratio`, rounding dunders.

use num_bigint::{BigInt, Sign};
use num_traits::{Signed, ToPrimitive, Zero};

use crate::object::int::IntObj;
use crate::object::kind::Kind;
use crate::object::str::str_of;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::arith::{as_int, as_num, Num};
use crate::vm::{PyResult, Vm};

pub fn install(vm: &mut Vm) {
    let t = vm.types.int.clone();
    vm.add_staticmethod(&t, "__new__", int_new);
    vm.add_method(&t, "bit_length", bit_length);
    vm.add_method(&t, "bit_count", bit_count);
    vm.add_method(&t, "to_bytes", to_bytes);
    vm.add_classmethod(&t, "from_bytes", from_bytes);
    vm.add_method(&t, "as_integer_ratio", as_integer_ratio);
    vm.add_method(&t, "conjugate", int_pos);
    vm.add_getter(&t, "real", int_pos);
    vm.add_getter(&t, "numerator", int_pos);
    vm.add_getter(&t, "imag", int_zero);
    vm.add_getter(&t, "denominator", int_one);
    vm.add_method(&t, "__index__", int_pos);
    vm.add_method(&t, "__int__", int_pos);
    vm.add_method(&t, "__float__", int_float);
    vm.add_method(&t, "__trunc__", int_pos);
    vm.add_method(&t, "__floor__", int_pos);
    vm.add_method(&t, "__ceil__", int_pos);
    vm.add_method(&t, "__round__", int_round);
    vm.add_method(&t, "__abs__", int_abs);
    vm.add_method(&t, "__neg__", int_neg);
    vm.add_method(&t, "__pos__", int_pos);
    vm.add_method(&t, "__invert__", int_invert);
    vm.add_method(&t, "__bool__", int_bool);
    vm.add_method(&t, "__repr__", int_repr);
    vm.add_method(&t, "__str__", int_repr);
    vm.add_method(&t, "__getnewargs__", int_getnewargs);
    let b = vm.types.bool.clone();
    vm.add_staticmethod(&b, "__new__", bool_new);
    vm.add_method(&b, "__repr__", bool_repr);
    vm.add_method(&b, "__str__", bool_repr);
}

fn int_zero(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Int(0))
}

fn int_one(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::Int(1))
}

/// The integer value of an int-like receiver as a BigInt.
pub fn big_of(v: &Value) -> BigInt {
    match as_num(v) {
        Some(Num::Int(i)) => BigInt::from(i),
        Some(Num::Big(b)) => b,
        _ => BigInt::zero(),
    }
}

/// Parses an int literal like `int(s, base)` does (None: invalid).
pub fn parse_int(s: &str, base: u32) -> Option<BigInt> {
    let t = s.trim_matches(|c: char| c.is_whitespace());
    let (neg, mut t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let mut base = base;
    let lower = t.to_ascii_lowercase();
    let prefix = |p: &str| lower.starts_with(p);
    if base == 0 {
        if prefix("0x") {
            base = 16;
            t = &t[2..];
        } else if prefix("0o") {
            base = 8;
            t = &t[2..];
        } else if prefix("0b") {
            base = 2;
            t = &t[2..];
        } else {
            base = 10;
            if t.len() > 1 && t.starts_with('0') && t.chars().any(|c| c != '0' && c != '_') {
                return None;
            }
        }
        if t.starts_with('_') {
            t = &t[1..];
        }
    } else if (base == 16 && prefix("0x"))
        || (base == 8 && prefix("0o"))
        || (base == 2 && prefix("0b"))
    {
        t = &t[2..];
        if t.starts_with('_') {
            t = &t[1..];
        }
    }
    if t.is_empty() || t.starts_with('_') || t.ends_with('_') || t.contains("__") {
        return None;
    }
    let digits: String = t.chars().filter(|c| *c != '_').collect();
    if !digits.chars().all(|c| c.is_digit(base)) {
        // Non-ASCII decimal digits (Unicode Nd) are accepted by CPython.
        let conv: Option<String> = digits
            .chars()
            .map(|c| {
                c.to_digit(base)
                    .map(|d| std::char::from_digit(d, base).unwrap())
                    .or_else(|| unicode_digit(c))
            })
            .collect();
        let d = conv?;
        let v = BigInt::parse_bytes(d.as_bytes(), base)?;
        return Some(if neg { -v } else { v });
    }
    let v = BigInt::parse_bytes(digits.as_bytes(), base)?;
    Some(if neg { -v } else { v })
}

fn unicode_digit(c: char) -> Option<char> {
    // Common Unicode decimal digit blocks (Arabic-Indic, Devanagari, fullwidth...).
    let u = c as u32;
    for start in [
        0x660u32, 0x6F0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xE50,
        0xED0, 0xFF10,
    ] {
        if (start..start + 10).contains(&u) {
            return std::char::from_digit(u - start, 10);
        }
    }
    None
}

fn int_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let cls = args.pos.remove(0).into_obj().unwrap();
    let base_kw = args.take_kw("base");
    let x_kw = args.take_kw("x");
    args.no_kw(vm, "int")?;
    if args.pos.len() > 2 {
        return Err(vm.type_error(format!(
            "int() takes at most 2 arguments ({} given)",
            args.pos.len()
        )));
    }
    let x = args.pos.first().cloned().or(x_kw);
    let base = args.pos.get(1).cloned().or(base_kw);
    let v = match (x, base) {
        (None, None) => BigInt::zero(),
        (None, Some(_)) => return Err(vm.type_error("int() missing string argument")),
        (Some(x), Some(b)) => {
            let base = vm.index_value(&b)?;
            if base != 0 && !(2..=36).contains(&base) {
                return Err(vm.value_error("int() base must be >= 2 and <= 36, or 0"));
            }
            let s = match &x {
                Value::Obj(o) if o.kind() == Kind::Str => str_of(o).unwrap().to_string(),
                Value::Obj(o) if o.kind() == Kind::Bytes => String::from_utf8_lossy(
                    &o.downcast::<crate::object::bytes::Bytes>().unwrap().data,
                )
                .to_string(),
                _ => return Err(vm.type_error("int() can't convert non-string with explicit base")),
            };
            str_to_int(vm, &s, base as u32, &x)?
        }
        (Some(x), None) => value_to_int(vm, &x)?,
    };
    if cls.is(&vm.types.int) {
        return Ok(vm.new_bigint(v));
    }
    let it = vm.types.int.clone();
    Ok(Value::Obj(vm.alloc_instance(
        &cls,
        &it,
        IntObj { value: v },
    )))
}

fn str_to_int(vm: &mut Vm, s: &str, base: u32, orig: &Value) -> PyResult<BigInt> {
    let digits = s.trim().trim_start_matches(['+', '-']).len();
    if base == 10 && digits > vm.int_max_str_digits && vm.int_max_str_digits > 0 {
        return Err(vm.value_error(format!(
            "Exceeds the limit ({}) for integer string conversion: value has {} digits; use sys.set_int_max_str_digits() to increase the limit",
            vm.int_max_str_digits, digits
        )));
    }
    match parse_int(s, base) {
        Some(v) => Ok(v),
        None => {
            let r = vm.repr(orig)?;
            Err(vm.value_error(format!("invalid literal for int() with base {base}: {r}")))
        }
    }
}

/// `int(x)` for a non-string x.
pub fn value_to_int(vm: &mut Vm, x: &Value) -> PyResult<BigInt> {
    match x {
        Value::Obj(o) if o.kind() == Kind::Str => {
            let s = str_of(o).unwrap().to_string();
            return str_to_int(vm, &s, 10, x);
        }
        Value::Obj(o) if o.kind() == Kind::Bytes => {
            let s =
                String::from_utf8_lossy(&o.downcast::<crate::object::bytes::Bytes>().unwrap().data)
                    .to_string();
            return str_to_int(vm, &s, 10, x);
        }
        _ => {}
    }
    let heap = matches!(x, Value::Obj(o) if o.owns_cls());
    if !heap {
        match as_num(x) {
            Some(Num::Int(i)) => return Ok(BigInt::from(i)),
            Some(Num::Big(b)) => return Ok(b),
            Some(Num::Float(f)) => return float_to_int(vm, f),
            None => {}
        }
    }
    for name in ["__int__", "__index__", "__trunc__"] {
        let n = vm.intern(name);
        if let Some(f) = vm.lookup_special(x, &n) {
            let r = vm.call(&f, vec![x.clone()])?;
            return match as_int(&r) {
                Some(Num::Int(i)) => Ok(BigInt::from(i)),
                Some(Num::Big(b)) => Ok(b),
                _ => {
                    let t = vm.type_name(&r);
                    Err(vm.type_error(format!("{name} returned non-int (type {t})")))
                }
            };
        }
    }
    if let Some(Num::Float(f)) = as_num(x) {
        return float_to_int(vm, f);
    }
    let t = vm.type_name(x);
    Err(vm.type_error(format!(
        "int() argument must be a string, a bytes-like object or a real number, not '{t}'"
    )))
}

pub fn float_to_int(vm: &mut Vm, f: f64) -> PyResult<BigInt> {
    if f.is_nan() {
        return Err(vm.value_error("cannot convert float NaN to integer"));
    }
    if f.is_infinite() {
        return Err(vm.overflow_error("cannot convert float infinity to integer"));
    }
    let t = f.trunc();
    if t.abs() < 9.0e18 {
        return Ok(BigInt::from(t as i64));
    }
    Ok(num_traits::FromPrimitive::from_f64(t).unwrap_or_default())
}

fn bool_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.pos.remove(0);
    args.check(vm, "bool", 0, 1)?;
    match args.pos.first() {
        Some(v) => Ok(Value::Bool(vm.truthy(&v.clone())?)),
        None => Ok(Value::Bool(false)),
    }
}

fn bool_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = match &args.pos[0] {
        Value::Bool(true) => "True",
        Value::Bool(false) => "False",
        Value::Int(i) => return Ok(vm.str_val(&i.to_string())),
        _ => "False",
    };
    Ok(vm.str_val(s))
}

fn bit_length(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Int(big_of(&args.pos[0]).abs().bits() as i64))
}

fn bit_count(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let b = big_of(&args.pos[0]).abs();
    let n: u64 = b
        .to_bytes_le()
        .1
        .iter()
        .map(|x| x.count_ones() as u64)
        .sum();
    Ok(Value::Int(n as i64))
}

fn byteorder_arg(vm: &mut Vm, args: &mut Args, idx: usize) -> PyResult<bool> {
    let v = args.arg(idx, "byteorder");
    match v {
        None => Ok(false),
        Some(Value::Obj(s)) if str_of(&s) == Some("little") => Ok(true),
        Some(Value::Obj(s)) if str_of(&s) == Some("big") => Ok(false),
        _ => Err(vm.value_error("byteorder must be either 'little' or 'big'")),
    }
}

fn to_bytes(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let v = big_of(&args.pos[0]);
    let length = match args.arg(1, "length") {
        Some(l) => vm.index_value(&l)?,
        None => 1,
    };
    let little = byteorder_arg(vm, &mut args, 2)?;
    let signed = match args.take_kw("signed") {
        Some(s) => vm.truthy(&s)?,
        None => false,
    };
    if length < 0 {
        return Err(vm.value_error("length argument must be non-negative"));
    }
    if v.is_negative() && !signed {
        return Err(vm.overflow_error("can't convert negative int to unsigned"));
    }
    let mut bytes = if signed {
        v.to_signed_bytes_le()
    } else {
        v.to_bytes_le().1
    };
    if v.is_zero() {
        bytes = vec![];
    }
    let length = length as usize;
    if bytes.len() > length {
        // to_signed_bytes may include a sign byte that still fits.
        return Err(vm.overflow_error("int too big to convert"));
    }
    let fill = if v.is_negative() { 0xff } else { 0 };
    bytes.resize(length, fill);
    if !little {
        bytes.reverse();
    }
    Ok(Value::Obj(vm.new_bytes(bytes)))
}

fn from_bytes(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let cls = args.pos[0].clone();
    let data = match args.arg(1, "bytes") {
        Some(v) => vm.bytes_like(&v)?,
        None => return Err(vm.type_error("from_bytes() missing required argument 'bytes' (pos 1)")),
    };
    let little = byteorder_arg(vm, &mut args, 2)?;
    let signed = match args.take_kw("signed") {
        Some(s) => vm.truthy(&s)?,
        None => false,
    };
    let mut d = data;
    if !little {
        d.reverse();
    }
    let v = if signed {
        BigInt::from_signed_bytes_le(&d)
    } else {
        BigInt::from_bytes_le(Sign::Plus, &d)
    };
    let r = vm.new_bigint(v);
    if matches!(&cls, Value::Obj(c) if c.is(&vm.types.int)) {
        return Ok(r);
    }
    vm.call(&cls, vec![r])
}

fn as_integer_ratio(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = vm.new_bigint(big_of(&args.pos[0]));
    Ok(Value::Obj(vm.new_tuple(vec![v, Value::Int(1)])))
}

fn int_pos(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match &args.pos[0] {
        Value::Int(i) => Ok(Value::Int(*i)),
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
        other => Ok(vm.new_bigint(big_of(other))),
    }
}

fn int_float(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match crate::vm::arith::big_to_f64(&big_of(&args.pos[0])) {
        Some(f) => Ok(Value::Float(f)),
        None => Err(vm.overflow_error("int too large to convert to float")),
    }
}

fn int_abs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(vm.new_bigint(big_of(&args.pos[0]).abs()))
}

fn int_neg(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(vm.new_bigint(-big_of(&args.pos[0])))
}

fn int_invert(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(vm.new_bigint(-big_of(&args.pos[0]) - 1))
}

fn int_bool(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Bool(!big_of(&args.pos[0]).is_zero()))
}

fn int_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = vm.bigint_str(&big_of(&args.pos[0]))?;
    Ok(vm.str_val(&s))
}

fn int_getnewargs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = vm.new_bigint(big_of(&args.pos[0]));
    Ok(Value::Obj(vm.new_tuple(vec![v])))
}

/// `round(int, ndigits)`.
fn int_round(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let v = big_of(&args.pos[0]);
    let nd = match args.pos.get(1) {
        None | Some(Value::None) => return Ok(vm.new_bigint(v)),
        Some(n) => vm.index_value(&n.clone())?,
    };
    if nd >= 0 {
        return Ok(vm.new_bigint(v));
    }
    let p = num_traits::pow::Pow::pow(BigInt::from(10), (-nd) as u32);
    let (q, r) = num_integer::Integer::div_mod_floor(&v, &p);
    let twice = &r * 2;
    let mut q = q;
    if twice > p || (twice == p && num_integer::Integer::is_odd(&q)) {
        q += 1;
    }
    Ok(vm.new_bigint(q * p))
}

/// An int argument as i64 for methods that need one.
pub fn int_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    match as_int(v) {
        Some(Num::Int(i)) => Ok(i),
        Some(Num::Big(b)) => b
            .to_i64()
            .ok_or_else(|| vm.overflow_error("Python int too large to convert to C ssize_t")),
        _ => vm.index_value(v),
    }
}
