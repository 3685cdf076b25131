//! Heap payloads for numbers: `IntObj` holds integers that do not fit in an
//! i64 (and instances of `int` subclasses), `FloatObj` instances of `float`
//! subclasses. Invariant: a plain `int` whose value fits in an i64 is always
//! the inline `Value::Int`, never an `IntObj` (one canonical form for
//! equality, hashing and dict keys).

use num_bigint::BigInt;

use super::kind::Kind;
use super::rc::Payload;

pub struct IntObj {
    pub value: BigInt,
}

impl Payload for IntObj {
    const KIND: Kind = Kind::Int;
    const NAME: &'static str = "int";
    const IS_GC: bool = false;
}

pub struct FloatObj {
    pub value: f64,
}

impl Payload for FloatObj {
    const KIND: Kind = Kind::Float;
    const NAME: &'static str = "float";
    const IS_GC: bool = false;
}
