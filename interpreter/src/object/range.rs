//! `range` and `slice` payloads. A range whose bounds and length fit in 64
//! bits holds them as i64 (the fast case every loop uses); otherwise `big`
//! holds the bounds as big integers and the i64 fields are unused (the
//! operations for that case are in `modules/types/range_big.rs`). Slices
//! hold arbitrary values, as Python's do, and are resolved against a length
//! with `indices`. Invariant: a range's step is never 0.

use num_bigint::BigInt;

use super::kind::Kind;
use super::rc::{ObjRef, Payload};
use super::value::Value;

pub struct Range {
    pub start: i64,
    pub stop: i64,
    pub step: i64,
    pub big: Option<Box<BigBounds>>,
}

/// The bounds of a range too large for i64 arithmetic.
pub struct BigBounds {
    pub start: BigInt,
    pub stop: BigInt,
    pub step: BigInt,
}

impl Range {
    /// A range from bounds that fit in i64 (its length may still not).
    pub fn new(start: i64, stop: i64, step: i64) -> Range {
        let r = Range {
            start,
            stop,
            step,
            big: None,
        };
        if r.len_i128() > i64::MAX as i128 {
            return Range::new_big(start.into(), stop.into(), step.into());
        }
        r
    }

    pub fn new_big(start: BigInt, stop: BigInt, step: BigInt) -> Range {
        Range {
            start: 0,
            stop: 0,
            step: 1,
            big: Some(Box::new(BigBounds { start, stop, step })),
        }
    }

    fn len_i128(&self) -> i128 {
        let (lo, hi, step) = (self.start as i128, self.stop as i128, self.step as i128);
        if step > 0 && lo < hi {
            (hi - lo - 1) / step + 1
        } else if step < 0 && lo > hi {
            (lo - hi - 1) / (-step) + 1
        } else {
            0
        }
    }

    /// The length of a small range (callers handle `big` first).
    pub fn len(&self) -> i64 {
        self.len_i128() as i64
    }

    pub fn item(&self, i: i64) -> i64 {
        self.start + i * self.step
    }
}

impl Payload for Range {
    const KIND: Kind = Kind::Range;
    const NAME: &'static str = "range";
    const IS_GC: bool = false;
}

pub struct Slice {
    pub start: Value,
    pub stop: Value,
    pub step: Value,
}

impl Payload for Slice {
    const KIND: Kind = Kind::Slice;
    const NAME: &'static str = "slice";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        for v in [&self.start, &self.stop, &self.step] {
            if let Value::Obj(o) = v {
                visit(o);
            }
        }
    }
}
