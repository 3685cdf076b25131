//! The `math` module, with CPython's domain/range errors ("math domain
//! error", "math range error") and its exact algorithms where results are
//! observable (`fsum`, `isqrt`, `factorial`, `comb`, `perm`, integer
//! `floor`/`ceil`/`trunc`).

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::arith::{as_int, as_num, Num};
use crate::vm::{PyResult, Vm};

const M: &str = "math";

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    Ok(vm.make_module("math", |vm, d| {
        let fns: &[(&'static str, crate::object::function::NativeFn)] = &[
            ("sqrt", sqrt),
            ("exp", exp),
            ("expm1", expm1),
            ("log", log),
            ("log2", log2),
            ("log10", log10),
            ("log1p", log1p),
            ("pow", pow),
            ("sin", sin),
            ("cos", cos),
            ("tan", tan),
            ("asin", asin),
            ("acos", acos),
            ("atan", atan),
            ("atan2", atan2),
            ("sinh", sinh),
            ("cosh", cosh),
            ("tanh", tanh),
            ("asinh", asinh),
            ("acosh", acosh),
            ("atanh", atanh),
            ("floor", floor),
            ("ceil", ceil),
            ("trunc", trunc),
            ("fabs", fabs),
            ("fmod", fmod),
            ("modf", modf),
            ("frexp", frexp),
            ("ldexp", ldexp),
            ("hypot", hypot),
            ("copysign", copysign),
            ("isnan", isnan),
            ("isinf", isinf),
            ("isfinite", isfinite),
            ("isclose", isclose),
            ("factorial", factorial),
            ("gcd", gcd),
            ("lcm", lcm),
            ("comb", comb),
            ("perm", perm),
            ("isqrt", isqrt),
            ("prod", prod),
            ("fsum", fsum),
            ("degrees", degrees),
            ("radians", radians),
            ("dist", dist),
            ("remainder", remainder),
            ("ulp", ulp),
            ("nextafter", nextafter),
            ("cbrt", cbrt),
            ("exp2", exp2),
            ("erf", erf),
            ("erfc", erfc),
            ("gamma", gamma),
            ("lgamma", lgamma),
        ];
        for (n, f) in fns {
            vm.add_function(d, M, n, *f);
        }
        vm.set_in(d, "pi", Value::Float(std::f64::consts::PI));
        vm.set_in(d, "e", Value::Float(std::f64::consts::E));
        vm.set_in(d, "tau", Value::Float(std::f64::consts::TAU));
        vm.set_in(d, "inf", Value::Float(f64::INFINITY));
        vm.set_in(d, "nan", Value::Float(f64::NAN));
    }))
}

/// A float argument (ints converted; `__float__` honoured).
pub fn fl(vm: &mut Vm, v: &Value) -> PyResult<f64> {
    match as_num(v) {
        Some(Num::Float(f)) => Ok(f),
        Some(Num::Int(i)) => Ok(i as f64),
        Some(Num::Big(b)) => b
            .to_f64()
            .filter(|f| f.is_finite())
            .ok_or_else(|| vm.overflow_error("int too large to convert to float")),
        None => crate::modules::types::float::value_to_float(vm, v).map_err(|_| {
            let t = vm.type_name(v);
            vm.type_error(format!("must be real number, not {t}"))
        }),
    }
}

fn domain(vm: &mut Vm) -> crate::vm::PyErr {
    vm.value_error("math domain error")
}

fn range_err(vm: &mut Vm) -> crate::vm::PyErr {
    vm.overflow_error("math range error")
}

/// Applies a one-argument float function with CPython's error rules.
fn unary(
    vm: &mut Vm,
    args: &Args,
    name: &str,
    f: fn(f64) -> f64,
    dom: fn(f64) -> bool,
) -> PyResult<Value> {
    args.check(vm, name, 1, 1)?;
    let x = fl(vm, &args.pos[0])?;
    if !dom(x) {
        return Err(domain(vm));
    }
    let r = f(x);
    if r.is_nan() && !x.is_nan() {
        return Err(domain(vm));
    }
    if r.is_infinite() && x.is_finite() {
        return Err(range_err(vm));
    }
    Ok(Value::Float(r))
}

fn any(_: f64) -> bool {
    true
}

fn sqrt(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "sqrt", f64::sqrt, |x| x >= 0.0 || x.is_nan())
}
fn exp(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "exp", f64::exp, any)
}
fn expm1(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "expm1", f64::exp_m1, any)
}
fn log2(vm: &mut Vm, args: Args) -> PyResult<Value> {
    big_log(vm, &args, "log2", 2f64.ln())
}
fn log10(vm: &mut Vm, args: Args) -> PyResult<Value> {
    big_log(vm, &args, "log10", 10f64.ln())
}
fn log1p(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "log1p", f64::ln_1p, |x| x > -1.0 || x.is_nan())
}
fn sin(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "sin", f64::sin, |x| !x.is_infinite())
}
fn cos(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "cos", f64::cos, |x| !x.is_infinite())
}
fn tan(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "tan", f64::tan, |x| !x.is_infinite())
}
fn asin(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "asin", f64::asin, |x| {
        (-1.0..=1.0).contains(&x) || x.is_nan()
    })
}
fn acos(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "acos", f64::acos, |x| {
        (-1.0..=1.0).contains(&x) || x.is_nan()
    })
}
fn atan(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "atan", f64::atan, any)
}
fn sinh(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "sinh", f64::sinh, any)
}
fn cosh(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "cosh", f64::cosh, any)
}
fn tanh(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "tanh", f64::tanh, any)
}
fn asinh(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "asinh", f64::asinh, any)
}
fn acosh(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "acosh", f64::acosh, |x| x >= 1.0 || x.is_nan())
}
fn atanh(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "atanh", f64::atanh, |x| {
        (x > -1.0 && x < 1.0) || x.is_nan()
    })
}
fn fabs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "fabs", f64::abs, any)
}
fn degrees(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "degrees", f64::to_degrees, any)
}
fn radians(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "radians", f64::to_radians, any)
}
fn erf(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "erf", erf_f, any)
}
fn erfc(vm: &mut Vm, args: Args) -> PyResult<Value> {
    unary(vm, &args, "erfc", |x| 1.0 - erf_f(x), any)
}

/// `log` of possibly huge ints (CPython takes logs of big ints exactly).
fn ln_of(vm: &mut Vm, v: &Value) -> PyResult<f64> {
    match as_num(v) {
        Some(Num::Big(b)) => {
            if !b.is_positive() {
                return Err(domain(vm));
            }
            let bits = b.bits() as i64;
            let shift = (bits - 60).max(0);
            let top = (&b >> shift as usize).to_f64().unwrap_or(f64::INFINITY);
            Ok(top.ln() + shift as f64 * 2f64.ln())
        }
        _ => {
            let x = fl(vm, v)?;
            if x <= 0.0 {
                return Err(domain(vm));
            }
            Ok(x.ln())
        }
    }
}

fn big_log(vm: &mut Vm, args: &Args, name: &str, base_ln: f64) -> PyResult<Value> {
    args.check(vm, name, 1, 1)?;
    if let Some(Num::Float(x)) = as_num(&args.pos[0]) {
        if x.is_nan() || x == f64::INFINITY {
            return Ok(Value::Float(x));
        }
        if x <= 0.0 {
            return Err(domain(vm));
        }
        return Ok(Value::Float(if name == "log2" {
            x.log2()
        } else {
            x.log10()
        }));
    }
    if let Some(Num::Int(i)) = as_num(&args.pos[0]) {
        if i <= 0 {
            return Err(domain(vm));
        }
        let x = i as f64;
        return Ok(Value::Float(if name == "log2" {
            x.log2()
        } else {
            x.log10()
        }));
    }
    Ok(Value::Float(ln_of(vm, &args.pos[0])? / base_ln))
}

fn log(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "log", 1, 2)?;
    if let Some(Num::Float(x)) = as_num(&args.pos[0]) {
        if x.is_nan() || x == f64::INFINITY {
            return Ok(Value::Float(x));
        }
    }
    let n = ln_of(vm, &args.pos[0])?;
    match args.pos.get(1) {
        None => Ok(Value::Float(n)),
        Some(b) => {
            let d = ln_of(vm, &b.clone())?;
            if d == 0.0 {
                return Err(vm.zero_division("float division by zero"));
            }
            Ok(Value::Float(n / d))
        }
    }
}

fn pow(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "pow", 2, 2)?;
    let x = fl(vm, &args.pos[0])?;
    let y = fl(vm, &args.pos[1])?;
    if x == 0.0 && y < 0.0 {
        return Err(domain(vm));
    }
    if x < 0.0 && x.is_finite() && y.is_finite() && y.fract() != 0.0 {
        return Err(domain(vm));
    }
    let r = x.powf(y);
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        return Err(range_err(vm));
    }
    Ok(Value::Float(r))
}

fn atan2(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "atan2", 2, 2)?;
    let y = fl(vm, &args.pos[0])?;
    let x = fl(vm, &args.pos[1])?;
    Ok(Value::Float(y.atan2(x)))
}

fn int_result(vm: &mut Vm, args: &Args, name: &str, f: fn(f64) -> f64) -> PyResult<Value> {
    args.check(vm, name, 1, 1)?;
    let v = &args.pos[0];
    let heap = matches!(v, Value::Obj(o) if o.owns_cls());
    if !heap {
        match as_num(v) {
            Some(Num::Int(i)) => return Ok(Value::Int(i)),
            Some(Num::Big(b)) => return Ok(vm.new_bigint(b)),
            _ => {}
        }
    }
    let dunder = format!("__{name}__");
    let n = vm.intern(&dunder);
    if let Some(m) = vm.lookup_special(v, &n) {
        return vm.call(&m, vec![v.clone()]);
    }
    let x = fl(vm, v)?;
    let b = crate::modules::types::int::float_to_int(vm, f(x))?;
    Ok(vm.new_bigint(b))
}

fn floor(vm: &mut Vm, args: Args) -> PyResult<Value> {
    int_result(vm, &args, "floor", f64::floor)
}
fn ceil(vm: &mut Vm, args: Args) -> PyResult<Value> {
    int_result(vm, &args, "ceil", f64::ceil)
}
fn trunc(vm: &mut Vm, args: Args) -> PyResult<Value> {
    int_result(vm, &args, "trunc", f64::trunc)
}

fn fmod(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "fmod", 2, 2)?;
    let x = fl(vm, &args.pos[0])?;
    let y = fl(vm, &args.pos[1])?;
    if y == 0.0 || x.is_infinite() {
        return Err(domain(vm));
    }
    Ok(Value::Float(x % y))
}

fn modf(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "modf", 1, 1)?;
    let x = fl(vm, &args.pos[0])?;
    let (f, i) = if x.is_infinite() {
        (0.0f64.copysign(x), x)
    } else {
        (x.fract(), x.trunc())
    };
    Ok(Value::Obj(
        vm.new_tuple(vec![Value::Float(f), Value::Float(i)]),
    ))
}

fn frexp(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "frexp", 1, 1)?;
    let x = fl(vm, &args.pos[0])?;
    let (m, e) = crate::vm::hash::frexp(x);
    Ok(Value::Obj(
        vm.new_tuple(vec![Value::Float(m), Value::Int(e as i64)]),
    ))
}

fn ldexp(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "ldexp", 2, 2)?;
    let x = fl(vm, &args.pos[0])?;
    let e = vm.index_value(&args.pos[1])?;
    let r = x * 2f64.powi(e.clamp(-2000, 2000) as i32);
    if r.is_infinite() && x.is_finite() {
        return Err(range_err(vm));
    }
    Ok(Value::Float(r))
}

fn hypot(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mut acc = 0.0f64;
    for a in args.pos.iter() {
        let x = fl(vm, a)?;
        acc = acc.hypot(x);
    }
    Ok(Value::Float(acc))
}

fn copysign(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "copysign", 2, 2)?;
    let x = fl(vm, &args.pos[0])?;
    let y = fl(vm, &args.pos[1])?;
    Ok(Value::Float(x.copysign(y)))
}

fn isnan(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "isnan", 1, 1)?;
    Ok(Value::Bool(fl(vm, &args.pos[0])?.is_nan()))
}

fn isinf(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "isinf", 1, 1)?;
    Ok(Value::Bool(fl(vm, &args.pos[0])?.is_infinite()))
}

fn isfinite(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "isfinite", 1, 1)?;
    Ok(Value::Bool(fl(vm, &args.pos[0])?.is_finite()))
}

fn isclose(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let rel = match args.take_kw("rel_tol") {
        Some(v) => fl(vm, &v)?,
        None => 1e-9,
    };
    let abs = match args.take_kw("abs_tol") {
        Some(v) => fl(vm, &v)?,
        None => 0.0,
    };
    args.check(vm, "isclose", 2, 2)?;
    let a = fl(vm, &args.pos[0])?;
    let b = fl(vm, &args.pos[1])?;
    if rel < 0.0 || abs < 0.0 {
        return Err(vm.value_error("tolerances must be non-negative"));
    }
    if a == b {
        return Ok(Value::Bool(true));
    }
    if a.is_infinite() || b.is_infinite() {
        return Ok(Value::Bool(false));
    }
    let diff = (b - a).abs();
    Ok(Value::Bool(
        diff <= (rel * b).abs() || diff <= (rel * a).abs() || diff <= abs,
    ))
}

fn int_arg(vm: &mut Vm, v: &Value) -> PyResult<BigInt> {
    match as_int(v) {
        Some(n) => Ok(n.to_big()),
        None => {
            let i = vm.index_value(v).map_err(|_| {
                let t = vm.type_name(v);
                vm.type_error(format!("'{t}' object cannot be interpreted as an integer"))
            })?;
            Ok(BigInt::from(i))
        }
    }
}

fn factorial(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "factorial", 1, 1)?;
    if let Value::Float(_) = args.pos[0] {
        return Err(vm.type_error("'float' object cannot be interpreted as an integer"));
    }
    let n = int_arg(vm, &args.pos[0])?;
    if n.is_negative() {
        return Err(vm.value_error("factorial() not defined for negative values"));
    }
    let n = n.to_u64().ok_or_else(|| {
        vm.overflow_error("factorial() argument should not exceed 9223372036854775807")
    })?;
    let mut r = BigInt::one();
    for i in 2..=n {
        r *= i;
    }
    Ok(vm.new_bigint(r))
}

fn gcd(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mut g = BigInt::zero();
    for a in args.pos.iter() {
        let x = int_arg(vm, a)?;
        g = g.gcd(&x);
    }
    Ok(vm.new_bigint(g))
}

fn lcm(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mut l = BigInt::one();
    for a in args.pos.iter() {
        let x = int_arg(vm, a)?;
        if x.is_zero() {
            return Ok(Value::Int(0));
        }
        l = l.lcm(&x);
    }
    Ok(vm.new_bigint(l.abs()))
}

fn comb(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "comb", 2, 2)?;
    let n = int_arg(vm, &args.pos[0])?;
    let k = int_arg(vm, &args.pos[1])?;
    if n.is_negative() {
        return Err(vm.value_error("n must be a non-negative integer"));
    }
    if k.is_negative() {
        return Err(vm.value_error("k must be a non-negative integer"));
    }
    if k > n {
        return Ok(Value::Int(0));
    }
    let k = std::cmp::min(k.clone(), &n - &k).to_u64().unwrap_or(0);
    let mut r = BigInt::one();
    for i in 0..k {
        r = r * (&n - i) / (i + 1);
    }
    Ok(vm.new_bigint(r))
}

fn perm(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "perm", 1, 2)?;
    let n = int_arg(vm, &args.pos[0])?;
    let k = match args.pos.get(1) {
        Some(Value::None) | None => n.clone(),
        Some(v) => int_arg(vm, &v.clone())?,
    };
    if n.is_negative() {
        return Err(vm.value_error("n must be a non-negative integer"));
    }
    if k.is_negative() {
        return Err(vm.value_error("k must be a non-negative integer"));
    }
    if k > n {
        return Ok(Value::Int(0));
    }
    let mut r = BigInt::one();
    let k = k.to_u64().unwrap_or(0);
    for i in 0..k {
        r *= &n - i;
    }
    Ok(vm.new_bigint(r))
}

fn isqrt(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "isqrt", 1, 1)?;
    let n = int_arg(vm, &args.pos[0])?;
    if n.is_negative() {
        return Err(vm.value_error("isqrt() argument must be nonnegative"));
    }
    Ok(vm.new_bigint(n.sqrt()))
}

fn prod(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let start = args.take_kw("start").unwrap_or(Value::Int(1));
    args.check(vm, "prod", 1, 1)?;
    let mut acc = start;
    let it = vm.get_iter(&args.pos[0])?;
    while let Some(x) = vm.next(&it)? {
        acc = vm.binary_op(crate::compile::opcode::BinOp::Mul, &acc, &x)?;
    }
    Ok(acc)
}

/// CPython's `math.fsum` (Shewchuk's exact partial sums).
fn fsum(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "fsum", 1, 1)?;
    let items = vm.collect_iter(&args.pos[0])?;
    let mut partials: Vec<f64> = Vec::new();
    let mut special = 0.0f64;
    let mut inf_sum = 0.0f64;
    for it in &items {
        let mut x = fl(vm, it)?;
        if !x.is_finite() {
            if x.is_infinite() {
                inf_sum += x;
            }
            special += x;
            continue;
        }
        let mut i = 0;
        for j in 0..partials.len() {
            let mut y = partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[i] = lo;
                i += 1;
            }
            x = hi;
        }
        partials.truncate(i);
        partials.push(x);
    }
    if special != 0.0 {
        if inf_sum.is_nan() {
            return Err(vm.value_error("-inf + inf in fsum"));
        }
        return Ok(Value::Float(special));
    }
    let mut hi = 0.0;
    if let Some(mut n) = partials.len().checked_sub(0) {
        if n > 0 {
            n -= 1;
            hi = partials[n];
            let mut lo = 0.0;
            while n > 0 {
                let x = hi;
                n -= 1;
                let y = partials[n];
                hi = x + y;
                let yr = hi - x;
                lo = y - yr;
                if lo != 0.0 {
                    break;
                }
            }
            if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0))
            {
                let y = lo * 2.0;
                let x = hi + y;
                let yr = x - hi;
                if y == yr {
                    hi = x;
                }
            }
        }
    }
    Ok(Value::Float(hi))
}

fn dist(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "dist", 2, 2)?;
    let p = vm.collect_iter(&args.pos[0])?;
    let q = vm.collect_iter(&args.pos[1])?;
    if p.len() != q.len() {
        return Err(vm.value_error("both points must have the same number of dimensions"));
    }
    let mut acc = 0.0f64;
    for (a, b) in p.iter().zip(q.iter()) {
        let d = fl(vm, a)? - fl(vm, b)?;
        acc = acc.hypot(d);
    }
    Ok(Value::Float(acc))
}

fn remainder(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "remainder", 2, 2)?;
    let x = fl(vm, &args.pos[0])?;
    let y = fl(vm, &args.pos[1])?;
    if y == 0.0 || x.is_infinite() {
        return Err(domain(vm));
    }
    let n = (x / y).round_ties_even();
    Ok(Value::Float(x - n * y))
}

/// The float after `x` in the direction of `y` (IEEE nextafter).
fn next_toward(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == y {
        return y;
    }
    if x == 0.0 {
        return f64::from_bits(1).copysign(y);
    }
    let b = x.to_bits();
    let up = (y > x) == (x > 0.0);
    f64::from_bits(if up { b + 1 } else { b - 1 })
}

fn ulp(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "ulp", 1, 1)?;
    let x = fl(vm, &args.pos[0])?.abs();
    if x.is_nan() || x.is_infinite() {
        return Ok(Value::Float(x));
    }
    let next = next_toward(x, f64::INFINITY);
    if next.is_infinite() {
        // The largest finite float: the gap below it.
        return Ok(Value::Float(x - next_toward(x, 0.0)));
    }
    Ok(Value::Float(next - x))
}

fn nextafter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "nextafter", 2, 2)?;
    let x = fl(vm, &args.pos[0])?;
    let y = fl(vm, &args.pos[1])?;
    Ok(Value::Float(next_toward(x, y)))
}

fn cbrt(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "cbrt", 1, 1)?;
    let x = fl(vm, &args.pos[0])?;
    Ok(Value::Float(x.cbrt()))
}

fn exp2(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "exp2", 1, 1)?;
    let x = fl(vm, &args.pos[0])?;
    let r = x.exp2();
    if r.is_infinite() && x.is_finite() {
        return Err(vm.overflow_error("math range error"));
    }
    Ok(Value::Float(r))
}

fn gamma(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "gamma", 1, 1)?;
    let x = fl(vm, &args.pos[0])?;
    if x <= 0.0 && x.fract() == 0.0 {
        return Err(domain(vm));
    }
    let r = gamma_f(x);
    if r.is_infinite() {
        return Err(range_err(vm));
    }
    Ok(Value::Float(r))
}

fn lgamma(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "lgamma", 1, 1)?;
    let x = fl(vm, &args.pos[0])?;
    if x <= 0.0 && x.fract() == 0.0 {
        return Err(domain(vm));
    }
    Ok(Value::Float(gamma_f(x).abs().ln()))
}

fn gamma_f(x: f64) -> f64 {
    if x < 0.5 {
        return std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma_f(1.0 - x));
    }
    if x.fract() == 0.0 && x < 30.0 {
        let mut r = 1.0;
        let mut i = 2.0;
        while i < x {
            r *= i;
            i += 1.0;
        }
        return r;
    }
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * a
}

fn erf_f(x: f64) -> f64 {
    // Abramowitz-Stegun 7.1.26 refined by a series for small |x|.
    if x.abs() < 2.0 {
        let mut sum = x;
        let mut term = x;
        let x2 = x * x;
        let mut n = 0.0;
        loop {
            n += 1.0;
            term *= -x2 / n;
            let add = term / (2.0 * n + 1.0);
            sum += add;
            if add.abs() < 1e-17 * sum.abs() {
                break;
            }
        }
        return sum * 2.0 / std::f64::consts::PI.sqrt();
    }
    let t = 1.0 / (1.0 + 0.5 * x.abs());
    let y = 1.0
        - t * (-x * x - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        y
    } else {
        -y
    }
}
