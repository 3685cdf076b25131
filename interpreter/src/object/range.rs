//! `range` and `slice` payloads. Ranges hold i64 bounds (mini refuses ranges
//! whose bounds do not fit in 64 bits); slices hold arbitrary values, as
//! Python's do, and are resolved against a length with `indices`.
//! Invariant: a range's `step` is never 0.

use super::kind::Kind;
use super::rc::{ObjRef, Payload};
use super::value::Value;

pub struct Range {
    pub start: i64,
    pub stop: i64,
    pub step: i64,
}

impl Range {
    pub fn len(&self) -> i64 {
        let (lo, hi, step) = (self.start as i128, self.stop as i128, self.step as i128);
        let n = if step > 0 && lo < hi {
            (hi - lo - 1) / step + 1
        } else if step < 0 && lo > hi {
            (lo - hi - 1) / (-step) + 1
        } else {
            0
        };
        n as i64
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
