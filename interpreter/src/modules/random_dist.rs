//! The continuous distributions of `random` beyond the basic ones:
//! gamma, beta, lognormal, von Mises, Pareto, Weibull, and `randbytes`.
//! Each consumes the generator exactly as CPython 3.11's `random.py` does,
//! so a seeded program draws the same numbers.

use std::cell::RefCell;
use std::f64::consts::{E, PI, TAU};

use crate::modules::math::fl;
use crate::modules::random::{me_mt, Mt};
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

pub const METHODS: &[(&str, crate::object::function::NativeFn)] = &[
    ("gammavariate", gammavariate),
    ("betavariate", betavariate),
    ("lognormvariate", lognormvariate),
    ("vonmisesvariate", vonmisesvariate),
    ("paretovariate", paretovariate),
    ("weibullvariate", weibullvariate),
    ("randbytes", randbytes),
];

fn two(vm: &mut Vm, args: &Args, name: &str) -> PyResult<(&'static RefCell<Mt>, f64, f64)> {
    args.check(vm, name, 3, 3)?;
    let mt = me_mt(vm, args)?;
    let a = fl(vm, &args.pos[1])?;
    let b = fl(vm, &args.pos[2])?;
    Ok((mt, a, b))
}

fn gamma(vm: &mut Vm, m: &mut Mt, alpha: f64, beta: f64) -> PyResult<f64> {
    if alpha <= 0.0 || beta <= 0.0 {
        return Err(vm.value_error("gammavariate: alpha and beta must be > 0.0"));
    }
    if alpha > 1.0 {
        // Cheng's rejection method (R. C. H. Cheng, 1977), as random.py.
        let ainv = (2.0 * alpha - 1.0).sqrt();
        let bbb = alpha - 4f64.ln();
        let ccc = alpha + ainv;
        let sg_magic = 1.0 + 4.5f64.ln();
        loop {
            let u1 = m.random();
            if !(1e-7 < u1 && u1 < 0.9999999) {
                continue;
            }
            let u2 = 1.0 - m.random();
            let v = (u1 / (1.0 - u1)).ln() / ainv;
            let x = alpha * v.exp();
            let z = u1 * u1 * u2;
            let r = bbb + ccc * v - x;
            if r + sg_magic - 4.5 * z >= 0.0 || r >= z.ln() {
                return Ok(x * beta);
            }
        }
    }
    if alpha == 1.0 {
        return Ok(-(1.0 - m.random()).ln() * beta);
    }
    // alpha < 1: Ahrens and Dieter's method GS.
    let x = loop {
        let u = m.random();
        let b = (E + alpha) / E;
        let p = b * u;
        let x = if p <= 1.0 {
            p.powf(1.0 / alpha)
        } else {
            -((b - p) / alpha).ln()
        };
        let u1 = m.random();
        if p > 1.0 {
            if u1 <= x.powf(alpha - 1.0) {
                break x;
            }
        } else if u1 <= (-x).exp() {
            break x;
        }
    };
    Ok(x * beta)
}

fn gammavariate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (mt, a, b) = two(vm, &args, "gammavariate")?;
    let mut m = mt.borrow_mut();
    Ok(Value::Float(gamma(vm, &mut m, a, b)?))
}

fn betavariate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (mt, a, b) = two(vm, &args, "betavariate")?;
    let mut m = mt.borrow_mut();
    let y = gamma(vm, &mut m, a, 1.0)?;
    if y == 0.0 {
        return Ok(Value::Float(0.0));
    }
    let z = gamma(vm, &mut m, b, 1.0)?;
    Ok(Value::Float(y / (y + z)))
}

fn lognormvariate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (mt, mu, sigma) = two(vm, &args, "lognormvariate")?;
    let mut m = mt.borrow_mut();
    // normalvariate's Kinderman and Monahan method, then exp.
    let magic = 4.0 * (-0.5f64).exp() / 2f64.sqrt();
    let z = loop {
        let u1 = m.random();
        let u2 = 1.0 - m.random();
        let z = magic * (u1 - 0.5) / u2;
        if z * z / 4.0 <= -u2.ln() {
            break z;
        }
    };
    Ok(Value::Float((mu + z * sigma).exp()))
}

fn vonmisesvariate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (mt, mu, kappa) = two(vm, &args, "vonmisesvariate")?;
    let mut m = mt.borrow_mut();
    if kappa <= 1e-6 {
        return Ok(Value::Float(TAU * m.random()));
    }
    let s = 0.5 / kappa;
    let r = s + (1.0 + s * s).sqrt();
    let z = loop {
        let u1 = m.random();
        let z = (PI * u1).cos();
        let d = z / (r + z);
        let u2 = m.random();
        if u2 < 1.0 - d * d || u2 <= (1.0 - d) * d.exp() {
            break z;
        }
    };
    let q = 1.0 / r;
    let f = (q + z) / (1.0 + q * z);
    let u3 = m.random();
    let theta = if u3 > 0.5 {
        mu + f.acos()
    } else {
        mu - f.acos()
    };
    Ok(Value::Float(py_mod(theta, TAU)))
}

/// Python's float `%` (the result takes the divisor's sign).
fn py_mod(a: f64, b: f64) -> f64 {
    let r = a % b;
    if r != 0.0 && (r < 0.0) != (b < 0.0) {
        r + b
    } else {
        r
    }
}

fn paretovariate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "paretovariate", 2, 2)?;
    let mt = me_mt(vm, &args)?;
    let alpha = fl(vm, &args.pos[1])?;
    let u = 1.0 - mt.borrow_mut().random();
    Ok(Value::Float(u.powf(-1.0 / alpha)))
}

fn weibullvariate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (mt, alpha, beta) = two(vm, &args, "weibullvariate")?;
    let u = 1.0 - mt.borrow_mut().random();
    Ok(Value::Float(alpha * (-u.ln()).powf(1.0 / beta)))
}

fn randbytes(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "randbytes", 2, 2)?;
    let mt = me_mt(vm, &args)?;
    let n = vm.index_value(&args.pos[1])?;
    if n < 0 {
        return Err(vm.value_error("number of bits must be non-negative"));
    }
    let bits = mt.borrow_mut().getrandbits(n as u64 * 8);
    let (_, mut bytes) = bits.to_bytes_le();
    bytes.resize(n as usize, 0);
    Ok(Value::Obj(vm.new_bytes(bytes)))
}
