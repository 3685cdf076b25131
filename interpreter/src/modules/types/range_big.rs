//! Ranges beyond 64 bits (`range(10 ** 20)`, `range(-2**63, 2**63)`): the
//! same operations as the i64 fast paths, in big-integer arithmetic.
//! Every function here takes the `BigBounds` of a range whose `big` is set;
//! `bounds_of` gives any range's bounds as big integers.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::object::range::{BigBounds, Range};
use crate::object::value::Value;
use crate::vm::{PyResult, Vm};

/// Any range's (start, stop, step) as big integers.
pub fn bounds_of(r: &Range) -> (BigInt, BigInt, BigInt) {
    match &r.big {
        Some(b) => (b.start.clone(), b.stop.clone(), b.step.clone()),
        None => (r.start.into(), r.stop.into(), r.step.into()),
    }
}

/// The number of items.
pub fn len(b: &BigBounds) -> BigInt {
    let (lo, hi, step) = (&b.start, &b.stop, &b.step);
    if step.is_positive() && lo < hi {
        (hi - lo - 1u32) / step + 1u32
    } else if step.is_negative() && lo > hi {
        (lo - hi - 1u32) / (-step) + 1u32
    } else {
        BigInt::zero()
    }
}

/// `len(r)` as Python reports it (OverflowError beyond sys.maxsize).
pub fn len_checked(vm: &mut Vm, b: &BigBounds) -> PyResult<usize> {
    match len(b).to_i64() {
        Some(n) => Ok(n as usize),
        None => Err(vm.overflow_error("Python int too large to convert to C ssize_t")),
    }
}

/// `r[i]` for an integer index.
pub fn item(vm: &mut Vm, b: &BigBounds, i: &BigInt) -> PyResult<Value> {
    let n = len(b);
    let j = if i.is_negative() { i + &n } else { i.clone() };
    if j.is_negative() || j >= n {
        return Err(vm.index_error("range object index out of range"));
    }
    Ok(vm.new_bigint(&b.start + j * &b.step))
}

/// `x in r` for an integer `x`.
pub fn contains(b: &BigBounds, x: &BigInt) -> bool {
    let inside = if b.step.is_positive() {
        x >= &b.start && x < &b.stop
    } else {
        x <= &b.start && x > &b.stop
    };
    inside && (x - &b.start).mod_floor(&b.step).is_zero()
}

/// `r.index(x)` for an integer `x`.
pub fn index(b: &BigBounds, x: &BigInt) -> Option<BigInt> {
    if contains(b, x) {
        Some((x - &b.start) / &b.step)
    } else {
        None
    }
}

/// `r[start:stop:step]`: the sub-range (slice bounds clamped to the length).
pub fn slice(vm: &mut Vm, r: &Range, sl: &crate::object::range::Slice) -> PyResult<Range> {
    let (start, _, step) = bounds_of(r);
    let n = match &r.big {
        Some(b) => len(b),
        None => BigInt::from(r.len()),
    };
    let big_of = |vm: &mut Vm, v: &Value| -> PyResult<Option<BigInt>> {
        if v.is_none() {
            return Ok(None);
        }
        match crate::vm::arith::as_int(v) {
            Some(crate::vm::arith::Num::Int(i)) => Ok(Some(BigInt::from(i))),
            Some(crate::vm::arith::Num::Big(b)) => Ok(Some(b)),
            _ => Ok(Some(BigInt::from(vm.index_value(v)?))),
        }
    };
    let sstep = big_of(vm, &sl.step)?.unwrap_or_else(BigInt::one);
    if sstep.is_zero() {
        return Err(vm.value_error("slice step cannot be zero"));
    }
    let neg = sstep.is_negative();
    let (lower, upper) = if neg {
        (BigInt::from(-1), &n - 1u32)
    } else {
        (BigInt::zero(), n.clone())
    };
    let clamp = |v: Option<BigInt>, default: &BigInt| -> BigInt {
        match v {
            None => default.clone(),
            Some(v) => {
                let v = if v.is_negative() { v + &n } else { v };
                if v < lower {
                    lower.clone()
                } else if v > upper {
                    upper.clone()
                } else {
                    v
                }
            }
        }
    };
    let sstart = clamp(big_of(vm, &sl.start)?, if neg { &upper } else { &lower });
    let sstop = clamp(big_of(vm, &sl.stop)?, if neg { &lower } else { &upper });
    Ok(make(
        &start + &sstart * &step,
        &start + &sstop * &step,
        &step * &sstep,
    ))
}

/// A range from big bounds, small when they (and its length) fit.
pub fn make(start: BigInt, stop: BigInt, step: BigInt) -> Range {
    match (start.to_i64(), stop.to_i64(), step.to_i64()) {
        (Some(a), Some(b), Some(c)) => Range::new(a, b, c),
        _ => Range::new_big(start, stop, step),
    }
}

/// `repr(r)`.
pub fn repr(b: &BigBounds) -> String {
    if b.step.is_one() {
        format!("range({}, {})", b.start, b.stop)
    } else {
        format!("range({}, {}, {})", b.start, b.stop, b.step)
    }
}

/// The (start, step, count) an iterator over the range (or its reverse)
/// steps through.
pub fn iter_parts(b: &BigBounds, reverse: bool) -> (BigInt, BigInt, BigInt) {
    let n = len(b);
    if reverse {
        let last = if n.is_zero() {
            b.start.clone()
        } else {
            &b.start + (&n - 1u32) * &b.step
        };
        (last, -b.step.clone(), n)
    } else {
        (b.start.clone(), b.step.clone(), n)
    }
}
