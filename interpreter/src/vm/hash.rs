//! `hash(x)` with CPython's algorithms wherever iteration order depends on
//! it: ints (modulo 2**61-1), floats (`_Py_HashDouble`), tuples (the xxHash
//! variant of 3.11) and frozensets, so sets of numbers and tuples iterate in
//! CPython's order. Strings use mini's own deterministic hash.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive};

use crate::object::bytes::Bytes;
use crate::object::kind::Kind;
use crate::object::set::Set;
use crate::object::str::Str;
use crate::object::tuple::Tuple;
use crate::object::value::Value;
use crate::vm::arith::{as_num, Num};
use crate::vm::{PyResult, Vm};

const MODULUS: u64 = (1 << 61) - 1;
const HASH_BITS: i32 = 61;
const HASH_INF: i64 = 314159;

pub fn hash_i64(x: i64) -> i64 {
    let m = (x.unsigned_abs() % MODULUS) as i64;
    let h = if x < 0 { -m } else { m };
    if h == -1 {
        -2
    } else {
        h
    }
}

pub fn hash_big(b: &BigInt) -> i64 {
    let m = b
        .abs()
        .mod_floor(&BigInt::from(MODULUS))
        .to_i64()
        .unwrap_or(0);
    let h = if b.is_negative() { -m } else { m };
    if h == -1 {
        -2
    } else {
        h
    }
}

/// CPython's `_Py_HashDouble` (NaN hashes by identity there; here by value).
pub fn hash_f64(v: f64) -> i64 {
    if !v.is_finite() {
        if v.is_infinite() {
            return if v > 0.0 { HASH_INF } else { -HASH_INF };
        }
        return 0;
    }
    let (mut m, mut e) = frexp(v);
    let mut sign: i64 = 1;
    if m < 0.0 {
        sign = -1;
        m = -m;
    }
    let mut x: u64 = 0;
    while m != 0.0 {
        x = ((x << 28) & MODULUS) | (x >> (HASH_BITS - 28));
        m *= 268435456.0;
        e -= 28;
        let y = m as u64;
        m -= y as f64;
        x += y;
        if x >= MODULUS {
            x -= MODULUS;
        }
    }
    let e = if e >= 0 {
        e % HASH_BITS
    } else {
        HASH_BITS - 1 - ((-1 - e) % HASH_BITS)
    };
    x = ((x << e) & MODULUS) | (x >> (HASH_BITS - e));
    let r = (x as i64).wrapping_mul(sign);
    if r == -1 {
        -2
    } else {
        r
    }
}

/// `frexp`: v = m * 2**e with 0.5 <= |m| < 1.
pub fn frexp(v: f64) -> (f64, i32) {
    if v == 0.0 || !v.is_finite() {
        return (v, 0);
    }
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // Subnormal: scale up first.
        let (m, e) = frexp(v * 2f64.powi(64));
        return (m, e - 64);
    }
    let e = exp - 1022;
    let m_bits = (bits & !(0x7ffu64 << 52)) | (1022u64 << 52);
    (f64::from_bits(m_bits), e)
}

/// CPython's pointer hash (`_Py_HashPointer`) for identity-hashed objects.
pub fn hash_pointer(p: usize) -> i64 {
    let y = (p >> 4) | (p << (usize::BITS - 4));
    let h = y as i64;
    if h == -1 {
        -2
    } else {
        h
    }
}

/// The address `hash(None)` is computed from. CPython hashes None by the
/// address of its static None object; on x86-64 Linux builds of 3.11 that
/// address ends in 0x5bbe0 whatever the load address, and its low bits are
/// what decide where None lands in a set or dict table. mini's None is not
/// a heap object, so it uses a fixed address with the same low bits: sets
/// holding None iterate in CPython's order.
const NONE_ADDRESS: usize = 0x7f00_0005_bbe0;

const XXPRIME_1: u64 = 11400714785074694791;
const XXPRIME_2: u64 = 14029467366897019727;
const XXPRIME_5: u64 = 2870177450012600261;

fn shuffle_bits(h: u64) -> u64 {
    ((h ^ 89869747) ^ (h << 16)).wrapping_mul(3644798167)
}

impl Vm {
    /// `hash(v)`.
    pub fn hash(&mut self, v: &Value) -> PyResult<i64> {
        match v {
            Value::Int(i) => Ok(hash_i64(*i)),
            Value::Bool(b) => Ok(*b as i64),
            Value::Float(f) => Ok(hash_float(*f)),
            Value::None | Value::Undef => Ok(hash_pointer(NONE_ADDRESS)),
            Value::Obj(o) => {
                if o.owns_cls() {
                    return self.hash_instance(v);
                }
                match o.kind() {
                    Kind::Str => Ok(o.downcast::<Str>().unwrap().hash()),
                    Kind::Int | Kind::Float => Ok(match as_num(v) {
                        Some(Num::Big(b)) => hash_big(&b),
                        Some(Num::Int(i)) => hash_i64(i),
                        Some(Num::Float(f)) => hash_float(f),
                        None => 0,
                    }),
                    Kind::Tuple => self.hash_tuple(o.downcast::<Tuple>().unwrap().as_slice()),
                    Kind::Bytes => Ok(crate::object::str::str_hash(&String::from_utf8_lossy(
                        &o.downcast::<Bytes>().unwrap().data,
                    ))),
                    Kind::Set => {
                        let s = o.downcast::<Set>().unwrap();
                        if !s.frozen {
                            return Err(self.type_error("unhashable type: 'set'"));
                        }
                        Ok(frozenset_hash(s))
                    }
                    Kind::List | Kind::Dict | Kind::ByteArray => {
                        let t = self.type_name(v);
                        Err(self.type_error(format!("unhashable type: '{t}'")))
                    }
                    Kind::Native => self.native_hash(o),
                    Kind::Range => {
                        let r = o.downcast::<crate::object::range::Range>().unwrap();
                        if r.big.is_some() {
                            let (start, stop, step) =
                                crate::modules::types::range_big::bounds_of(r);
                            let b = crate::object::range::BigBounds { start, stop, step };
                            let n = crate::modules::types::range_big::len(&b);
                            use num_traits::{One, Zero};
                            let t = if n.is_zero() {
                                vec![Value::Int(0), Value::None, Value::None]
                            } else if n.is_one() {
                                vec![Value::Int(1), self.new_bigint(b.start), Value::None]
                            } else {
                                vec![
                                    self.new_bigint(n),
                                    self.new_bigint(b.start),
                                    self.new_bigint(b.step),
                                ]
                            };
                            return self.hash_tuple(&t);
                        }
                        let n = r.len();
                        let t = if n == 0 {
                            vec![Value::Int(0), Value::None, Value::None]
                        } else if n == 1 {
                            vec![Value::Int(1), Value::Int(r.start), Value::None]
                        } else {
                            vec![Value::Int(n), Value::Int(r.start), Value::Int(r.step)]
                        };
                        self.hash_tuple(&t)
                    }
                    Kind::WeakRef => self.weakref_hash(o),
                    Kind::BoundMethod => {
                        let bm = o
                            .downcast::<crate::object::function::BoundMethod>()
                            .unwrap();
                        let (f, r) = (bm.func.clone(), bm.receiver.clone());
                        let a = self.hash(&r)?;
                        let b = self.hash(&f)?;
                        Ok(a ^ b)
                    }
                    _ => Ok(hash_pointer(o.addr())),
                }
            }
        }
    }

    fn hash_instance(&mut self, v: &Value) -> PyResult<i64> {
        let cls = self.type_of(v);
        let h = self.lookup_mro(&cls, &self.names.hash.clone());
        match h {
            Some(Value::None) => {
                let t = self.type_name(v);
                Err(self.type_error(format!("unhashable type: '{t}'")))
            }
            Some(f) if !crate::vm::is_builtin_slot(&f) => {
                let r = self.call(&f, vec![v.clone()])?;
                match as_num(&r) {
                    Some(Num::Int(i)) => Ok(if i == -1 { -2 } else { i }),
                    Some(Num::Big(b)) => Ok(hash_big(&b)),
                    _ => Err(self.type_error("__hash__ method should return an integer")),
                }
            }
            _ => {
                // Inherited builtin hash: hash the builtin payload.
                let o = v.as_obj().unwrap();
                match o.kind() {
                    Kind::Str => Ok(o.downcast::<Str>().unwrap().hash()),
                    Kind::Int | Kind::Float => Ok(match as_num(v) {
                        Some(Num::Big(b)) => hash_big(&b),
                        Some(Num::Int(i)) => hash_i64(i),
                        Some(Num::Float(f)) => hash_float(f),
                        None => 0,
                    }),
                    Kind::Tuple => self.hash_tuple(o.downcast::<Tuple>().unwrap().as_slice()),
                    Kind::List | Kind::Dict | Kind::Set => {
                        let t = self.type_name(v);
                        Err(self.type_error(format!("unhashable type: '{t}'")))
                    }
                    Kind::WeakRef => self.weakref_hash(o),
                    _ => Ok(hash_pointer(o.addr())),
                }
            }
        }
    }

    /// A weak reference hashes as its referent, computed once: a dead
    /// reference keeps the hash it had (TypeError if it never had one).
    fn weakref_hash(&mut self, o: &crate::object::rc::ObjRef) -> PyResult<i64> {
        let w = o.downcast::<crate::gc::weakrefs::WeakRef>().unwrap();
        if w.hash.get() != -1 {
            return Ok(w.hash.get());
        }
        match w.get() {
            Some(r) => {
                let h = self.hash(&Value::Obj(r))?;
                o.downcast::<crate::gc::weakrefs::WeakRef>()
                    .unwrap()
                    .hash
                    .set(h);
                Ok(h)
            }
            None => Err(self.type_error("weak object has gone away")),
        }
    }

    /// CPython 3.11's `tuplehash`.
    pub fn hash_tuple(&mut self, items: &[Value]) -> PyResult<i64> {
        let mut acc: u64 = XXPRIME_5;
        for it in items {
            let lane = self.hash(it)? as u64;
            acc = acc.wrapping_add(lane.wrapping_mul(XXPRIME_2));
            acc = acc.rotate_left(31);
            acc = acc.wrapping_mul(XXPRIME_1);
        }
        acc = acc.wrapping_add((items.len() as u64) ^ (XXPRIME_5 ^ 3527539));
        if acc == u64::MAX {
            return Ok(1546275796);
        }
        Ok(acc as i64)
    }
}

fn hash_float(f: f64) -> i64 {
    if f.fract() == 0.0 && f.abs() < 9.2e18 {
        return hash_i64(f as i64);
    }
    hash_f64(f)
}

/// CPython 3.11's `frozenset_hash`.
pub fn frozenset_hash(s: &Set) -> i64 {
    let cached = s.hash.get();
    if cached != -1 {
        return cached;
    }
    let t = s.table.borrow();
    let mut hash: u64 = 0;
    for e in t.slots() {
        hash ^= shuffle_bits(e.hash as u64);
    }
    let (mask, fill, used) = (t.mask(), t.fill(), t.len());
    if (mask + 1 - fill) & 1 != 0 {
        hash ^= shuffle_bits(0);
    }
    if (fill - used) & 1 != 0 {
        hash ^= shuffle_bits(u64::MAX);
    }
    hash ^= (used as u64 + 1).wrapping_mul(1927868237);
    hash ^= (hash >> 11) ^ (hash >> 25);
    hash = hash.wrapping_mul(69069).wrapping_add(907133923);
    let h = if hash == u64::MAX {
        590923713
    } else {
        hash as i64
    };
    s.hash.set(h);
    h
}
