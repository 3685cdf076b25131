//! Arithmetic: Python's int semantics (floor division and modulo rounding
//! toward negative infinity, unbounded ints via num-bigint with results
//! demoted back to inline ints when they fit), float semantics (CPython's
//! `float_divmod` and `float_pow` special cases), sequence concatenation and
//! repetition, and the binary-operator protocol with reflected methods for
//! instances of classes.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};

use crate::compile::opcode::{BinOp, UnaryOp};
use crate::object::bytes::Bytes;
use crate::object::int::{FloatObj, IntObj};
use crate::object::kind::Kind;
use crate::object::list::List;
use crate::object::str::Str;
use crate::object::tuple::Tuple;
use crate::object::value::Value;
use crate::vm::{PyResult, Vm};

/// A numeric operand.
#[derive(Clone, Debug)]
pub enum Num {
    Int(i64),
    Big(BigInt),
    Float(f64),
}

impl Num {
    pub fn to_big(&self) -> BigInt {
        match self {
            Num::Int(i) => BigInt::from(*i),
            Num::Big(b) => b.clone(),
            Num::Float(f) => BigInt::from(*f as i64),
        }
    }
}

/// The numeric value of an int/bool/float (or subclass instance).
pub fn as_num(v: &Value) -> Option<Num> {
    match v {
        Value::Int(i) => Some(Num::Int(*i)),
        Value::Bool(b) => Some(Num::Int(*b as i64)),
        Value::Float(f) => Some(Num::Float(*f)),
        Value::Obj(o) => match o.kind() {
            Kind::Int => {
                let b = &o.downcast::<IntObj>().unwrap().value;
                Some(match b.to_i64() {
                    Some(i) => Num::Int(i),
                    None => Num::Big(b.clone()),
                })
            }
            Kind::Float => Some(Num::Float(o.downcast::<FloatObj>().unwrap().value)),
            _ => None,
        },
        _ => None,
    }
}

/// An int operand (int, bool or int subclass) as a BigInt-capable number.
pub fn as_int(v: &Value) -> Option<Num> {
    match as_num(v)? {
        Num::Float(_) => None,
        n => Some(n),
    }
}

/// Converts a big int to f64 like CPython (OverflowError when too large).
pub fn big_to_f64(b: &BigInt) -> Option<f64> {
    let f = b.to_f64()?;
    if f.is_infinite() {
        None
    } else {
        Some(f)
    }
}

impl Vm {
    pub fn int_value(&mut self, b: BigInt) -> Value {
        self.new_bigint(b)
    }

    fn num_to_f64(&mut self, n: &Num) -> PyResult<f64> {
        match n {
            Num::Int(i) => Ok(*i as f64),
            Num::Float(f) => Ok(*f),
            Num::Big(b) => match big_to_f64(b) {
                Some(f) => Ok(f),
                None => Err(self.overflow_error("int too large to convert to float")),
            },
        }
    }

    /// Arithmetic on two numbers; None when an operand is not a number.
    pub(crate) fn numeric_binop(
        &mut self,
        op: BinOp,
        a: &Value,
        b: &Value,
    ) -> PyResult<Option<Value>> {
        let (Some(x), Some(y)) = (as_num(a), as_num(b)) else {
            return Ok(None);
        };
        // bool & bool, bool | bool, bool ^ bool stay bool.
        if let (Value::Bool(p), Value::Bool(q)) = (a, b) {
            match op {
                BinOp::And => return Ok(Some(Value::Bool(*p & *q))),
                BinOp::Or => return Ok(Some(Value::Bool(*p | *q))),
                BinOp::Xor => return Ok(Some(Value::Bool(*p ^ *q))),
                _ => {}
            }
        }
        let r = match (&x, &y) {
            (Num::Float(_), _) | (_, Num::Float(_)) => {
                if matches!(
                    op,
                    BinOp::LShift
                        | BinOp::RShift
                        | BinOp::And
                        | BinOp::Or
                        | BinOp::Xor
                        | BinOp::MatMul
                ) {
                    return Ok(None);
                }
                let fx = self.num_to_f64(&x)?;
                let fy = self.num_to_f64(&y)?;
                self.float_binop(op, fx, fy)?
            }
            (Num::Int(i), Num::Int(j)) => self.int_binop_small(op, *i, *j)?,
            _ => self.int_binop_big(op, x.to_big(), y.to_big())?,
        };
        Ok(Some(r))
    }

    fn int_binop_small(&mut self, op: BinOp, x: i64, y: i64) -> PyResult<Value> {
        Ok(match op {
            BinOp::Add => match x.checked_add(y) {
                Some(r) => Value::Int(r),
                None => self.new_bigint(BigInt::from(x) + y),
            },
            BinOp::Sub => match x.checked_sub(y) {
                Some(r) => Value::Int(r),
                None => self.new_bigint(BigInt::from(x) - y),
            },
            BinOp::Mul => match x.checked_mul(y) {
                Some(r) => Value::Int(r),
                None => self.new_bigint(BigInt::from(x) * y),
            },
            BinOp::FloorDiv => {
                if y == 0 {
                    return Err(self.zero_division("integer division or modulo by zero"));
                }
                match x.checked_div_euclid(y) {
                    Some(_) => Value::Int(Integer::div_floor(&x, &y)),
                    None => self.new_bigint(BigInt::from(x).div_floor(&BigInt::from(y))),
                }
            }
            BinOp::Mod => {
                if y == 0 {
                    return Err(self.zero_division("integer modulo by zero"));
                }
                if y == -1 {
                    Value::Int(0)
                } else {
                    Value::Int(x.mod_floor(&y))
                }
            }
            BinOp::TrueDiv => {
                if y == 0 {
                    return Err(self.zero_division("division by zero"));
                }
                if x.unsigned_abs() < (1 << 53) && y.unsigned_abs() < (1 << 53) {
                    Value::Float(x as f64 / y as f64)
                } else {
                    Value::Float(self.big_true_div(&BigInt::from(x), &BigInt::from(y))?)
                }
            }
            BinOp::Pow => return self.int_pow(BigInt::from(x), BigInt::from(y)),
            BinOp::LShift => {
                if y < 0 {
                    return Err(self.value_error("negative shift count"));
                }
                if y < 63 && x.unsigned_abs() < (1u64 << (63 - y)) {
                    Value::Int(x << y)
                } else {
                    if y > 1 << 40 {
                        return Err(self.overflow_error("too many digits in integer"));
                    }
                    self.new_bigint(BigInt::from(x) << (y as usize))
                }
            }
            BinOp::RShift => {
                if y < 0 {
                    return Err(self.value_error("negative shift count"));
                }
                Value::Int(if y >= 64 {
                    if x < 0 {
                        -1
                    } else {
                        0
                    }
                } else {
                    x >> y
                })
            }
            BinOp::And => Value::Int(x & y),
            BinOp::Or => Value::Int(x | y),
            BinOp::Xor => Value::Int(x ^ y),
            BinOp::MatMul => {
                return Err(self.type_error("unsupported operand type(s) for @: 'int' and 'int'"))
            }
        })
    }

    fn int_binop_big(&mut self, op: BinOp, x: BigInt, y: BigInt) -> PyResult<Value> {
        Ok(match op {
            BinOp::Add => self.new_bigint(x + y),
            BinOp::Sub => self.new_bigint(x - y),
            BinOp::Mul => self.new_bigint(x * y),
            BinOp::FloorDiv => {
                if y.is_zero() {
                    return Err(self.zero_division("integer division or modulo by zero"));
                }
                self.new_bigint(x.div_floor(&y))
            }
            BinOp::Mod => {
                if y.is_zero() {
                    return Err(self.zero_division("integer modulo by zero"));
                }
                self.new_bigint(x.mod_floor(&y))
            }
            BinOp::TrueDiv => {
                if y.is_zero() {
                    return Err(self.zero_division("division by zero"));
                }
                Value::Float(self.big_true_div(&x, &y)?)
            }
            BinOp::Pow => return self.int_pow(x, y),
            BinOp::LShift => {
                if y.is_negative() {
                    return Err(self.value_error("negative shift count"));
                }
                let s = y.to_usize().filter(|s| *s < (1 << 40));
                match s {
                    Some(s) => self.new_bigint(x << s),
                    None => return Err(self.overflow_error("too many digits in integer")),
                }
            }
            BinOp::RShift => {
                if y.is_negative() {
                    return Err(self.value_error("negative shift count"));
                }
                match y.to_usize() {
                    Some(s) => self.new_bigint(x >> s),
                    None => Value::Int(if x.is_negative() { -1 } else { 0 }),
                }
            }
            BinOp::And => self.new_bigint(x & y),
            BinOp::Or => self.new_bigint(x | y),
            BinOp::Xor => self.new_bigint(x ^ y),
            BinOp::MatMul => {
                return Err(self.type_error("unsupported operand type(s) for @: 'int' and 'int'"))
            }
        })
    }

    /// Correctly rounded int / int for large operands.
    fn big_true_div(&mut self, x: &BigInt, y: &BigInt) -> PyResult<f64> {
        let neg = x.is_negative() != y.is_negative();
        let (a, b) = (x.abs(), y.abs());
        if a.is_zero() {
            return Ok(if neg { -0.0 } else { 0.0 });
        }
        // Scale so the quotient has 55+ significant bits, then round.
        let abits = a.bits() as i64;
        let bbits = b.bits() as i64;
        let shift = 55 - (abits - bbits);
        let (num, den) = if shift >= 0 {
            (a << (shift as usize), b)
        } else {
            (a, b << ((-shift) as usize))
        };
        let (q, r) = num.div_rem(&den);
        let mut q = q;
        if !r.is_zero() {
            q = (q << 1usize) | BigInt::from(1);
            let f = q.to_f64().unwrap_or(f64::INFINITY);
            let v = f * 2f64.powi(-(shift as i32) - 1);
            if v.is_infinite() {
                return Err(self.overflow_error("integer division result too large for a float"));
            }
            return Ok(if neg { -v } else { v });
        }
        let f = q.to_f64().unwrap_or(f64::INFINITY);
        let v = if shift > 1000 {
            f * 2f64.powi(-1000) * 2f64.powi(-(shift as i32 - 1000))
        } else {
            f * 2f64.powi(-(shift as i32))
        };
        if v.is_infinite() {
            return Err(self.overflow_error("integer division result too large for a float"));
        }
        Ok(if neg { -v } else { v })
    }

    fn int_pow(&mut self, x: BigInt, y: BigInt) -> PyResult<Value> {
        if y.is_negative() {
            let fx = match big_to_f64(&x) {
                Some(f) => f,
                None => return Err(self.overflow_error("int too large to convert to float")),
            };
            let fy = y.to_f64().unwrap_or(f64::NEG_INFINITY);
            return self.float_binop(BinOp::Pow, fx, fy);
        }
        let e = match y.to_u32() {
            Some(e) => e,
            None => {
                if x.is_zero() || x == BigInt::from(1) {
                    return Ok(self.new_bigint(x));
                }
                if x == BigInt::from(-1) {
                    return Ok(Value::Int(if y.is_even() { 1 } else { -1 }));
                }
                return Err(self.overflow_error("exponent too large"));
            }
        };
        if let (Some(b), true) = (x.to_i64(), e < 64) {
            if let Some(r) = b.checked_pow(e) {
                return Ok(Value::Int(r));
            }
        }
        Ok(self.new_bigint(num_traits::pow::Pow::pow(x, e)))
    }

    pub(crate) fn float_binop(&mut self, op: BinOp, x: f64, y: f64) -> PyResult<Value> {
        Ok(Value::Float(match op {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            BinOp::TrueDiv => {
                if y == 0.0 {
                    return Err(self.zero_division("float division by zero"));
                }
                x / y
            }
            BinOp::FloorDiv => {
                if y == 0.0 {
                    return Err(self.zero_division("float floor division by zero"));
                }
                float_divmod(x, y).0
            }
            BinOp::Mod => {
                if y == 0.0 {
                    return Err(self.zero_division("float modulo"));
                }
                float_divmod(x, y).1
            }
            BinOp::Pow => return self.float_pow(x, y),
            _ => return Err(self.type_error("unsupported operand type(s) for float")),
        }))
    }

    /// CPython's `float_pow` special cases.
    pub(crate) fn float_pow(&mut self, x: f64, y: f64) -> PyResult<Value> {
        if y == 0.0 {
            return Ok(Value::Float(1.0));
        }
        if x.is_nan() {
            return Ok(Value::Float(if y == 0.0 { 1.0 } else { x }));
        }
        if y.is_nan() {
            return Ok(Value::Float(if x == 1.0 { 1.0 } else { y }));
        }
        if x == 0.0 && y < 0.0 && y.is_finite() {
            return Err(self.zero_division("0.0 cannot be raised to a negative power"));
        }
        if x < 0.0 && x.is_finite() && y.is_finite() && y.floor() != y {
            return Err(self.value_error(
                "negative number cannot be raised to a fractional power (complex results are not supported by mini)",
            ));
        }
        let r = x.powf(y);
        if r.is_infinite() && x.is_finite() && y.is_finite() {
            return Err(self.overflow_error("(34, 'Numerical result out of range')"));
        }
        Ok(Value::Float(r))
    }

    /// `a op b` for any values (numbers, sequences, then `__op__`/`__rop__`).
    pub fn binary_op(&mut self, op: BinOp, a: &Value, b: &Value) -> PyResult<Value> {
        let a_heap = matches!(a, Value::Obj(o) if o.owns_cls());
        let b_heap = matches!(b, Value::Obj(o) if o.owns_cls());
        if !a_heap && !b_heap {
            if let Some(r) = self.native_binop(op, a, b)? {
                return Ok(r);
            }
            // Native-object types (dict views, ...) define their operators
            // as methods.
            let native = |v: &Value| matches!(v, Value::Obj(o) if o.kind() == Kind::Native);
            if !native(a) && !native(b) {
                return Err(self.unsupported(op, a, b));
            }
        }
        self.dunder_binop(op, a, b, false)
    }

    /// The `__op__`/`__rop__` protocol, CPython's `binary_op1`.
    fn dunder_binop(
        &mut self,
        op: BinOp,
        a: &Value,
        b: &Value,
        inplace_tried: bool,
    ) -> PyResult<Value> {
        let _ = inplace_tried;
        let (fwd, rev, _) = op.dunders();
        let ta = self.type_of(a);
        let tb = self.type_of(b);
        let fwd_n = self.intern(fwd);
        let rev_n = self.intern(rev);
        let same = ta.is(&tb);
        let fa = self.lookup_mro(&ta, &fwd_n);
        let rb = if same {
            None
        } else {
            self.lookup_mro(&tb, &rev_n)
        };
        let ni = Value::Obj(self.not_implemented.clone());
        let b_first = rb.is_some() && self.is_subclass(&tb, &ta) && !same && {
            // Only when the subclass overrides the reflected method.
            let ra = self.lookup_mro(&ta, &rev_n);
            match (&ra, &rb) {
                (Some(x), Some(y)) => !x.is(y),
                _ => true,
            }
        };
        if b_first {
            let r = self.call(rb.as_ref().unwrap(), vec![b.clone(), a.clone()])?;
            if !r.is(&ni) {
                return Ok(r);
            }
        }
        if let Some(f) = &fa {
            let r = self.call(f, vec![a.clone(), b.clone()])?;
            if !r.is(&ni) {
                return Ok(r);
            }
        }
        if !b_first {
            if let Some(rf) = &rb {
                let r = self.call(rf, vec![b.clone(), a.clone()])?;
                if !r.is(&ni) {
                    return Ok(r);
                }
            }
        }
        Err(self.unsupported(op, a, b))
    }

    pub(crate) fn unsupported(&mut self, op: BinOp, a: &Value, b: &Value) -> crate::vm::PyErr {
        let (ta, tb) = (self.type_name(a), self.type_name(b));
        if op == BinOp::Pow {
            return self.type_error(format!(
                "unsupported operand type(s) for ** or pow(): '{ta}' and '{tb}'"
            ));
        }
        if op == BinOp::Add && ta == "str" && tb != "str" {
            return self.type_error(format!("can only concatenate str (not \"{tb}\") to str"));
        }
        if op == BinOp::Add && ta == "list" && ta != tb {
            return self.type_error(format!("can only concatenate list (not \"{tb}\") to list"));
        }
        if op == BinOp::Add && ta == "tuple" && ta != tb {
            return self.type_error(format!(
                "can only concatenate tuple (not \"{tb}\") to tuple"
            ));
        }
        if op == BinOp::Mul
            && (matches!(ta.as_str(), "str" | "list" | "tuple" | "bytes")
                || matches!(tb.as_str(), "str" | "list" | "tuple" | "bytes"))
        {
            let seq_first = matches!(ta.as_str(), "str" | "list" | "tuple" | "bytes");
            let other = if seq_first { &tb } else { &ta };
            if other != "int" {
                return self.type_error(format!(
                    "can't multiply sequence by non-int of type '{other}'"
                ));
            }
        }
        self.type_error(format!(
            "unsupported operand type(s) for {}: '{ta}' and '{tb}'",
            op.symbol()
        ))
    }

    /// The builtin types' implementations of `a op b` (None = NotImplemented).
    pub(crate) fn native_binop(
        &mut self,
        op: BinOp,
        a: &Value,
        b: &Value,
    ) -> PyResult<Option<Value>> {
        if let Some(r) = self.numeric_binop(op, a, b)? {
            return Ok(Some(r));
        }
        let ((Value::Obj(_), _) | (_, Value::Obj(_))) = (a, b) else {
            return Ok(None);
        };
        match op {
            BinOp::Add => self.seq_concat(a, b),
            BinOp::Mul => {
                if let Some(n) = as_int(b) {
                    if a.as_obj().is_some_and(|o| is_seq_kind(o.kind())) {
                        return self.seq_repeat(a, n).map(Some);
                    }
                }
                if let Some(n) = as_int(a) {
                    if b.as_obj().is_some_and(|o| is_seq_kind(o.kind())) {
                        return self.seq_repeat(b, n).map(Some);
                    }
                }
                // A count from an object with __index__.
                for (seq, count) in [(a, b), (b, a)] {
                    if seq.as_obj().is_some_and(|o| is_seq_kind(o.kind()))
                        && count.as_obj().is_some_and(|o| o.owns_cls())
                    {
                        let cls = self.type_of(count);
                        if self.lookup_mro(&cls, &self.names.index.clone()).is_some() {
                            let n = self.index_value(count)?;
                            return self.seq_repeat(seq, Num::Int(n)).map(Some);
                        }
                    }
                }
                Ok(None)
            }
            BinOp::Mod => {
                if let Value::Obj(o) = a {
                    if o.kind() == Kind::Str {
                        return self.percent_format(o, b).map(|s| Some(Value::Obj(s)));
                    }
                    if o.kind() == Kind::Bytes {
                        return self.bytes_percent_format(o, b).map(Some);
                    }
                }
                Ok(None)
            }
            BinOp::Or | BinOp::And | BinOp::Xor | BinOp::Sub => self.set_binop(op, a, b),
            _ => Ok(None),
        }
    }

    fn seq_concat(&mut self, a: &Value, b: &Value) -> PyResult<Option<Value>> {
        let (Value::Obj(x), Value::Obj(y)) = (a, b) else {
            return Ok(None);
        };
        if x.kind() != y.kind() {
            return Ok(None);
        }
        Ok(Some(match x.kind() {
            Kind::Str => {
                let (s, t) = (
                    x.downcast::<Str>().unwrap().as_str(),
                    y.downcast::<Str>().unwrap().as_str(),
                );
                let mut r = String::with_capacity(s.len() + t.len());
                r.push_str(s);
                r.push_str(t);
                Value::Obj(self.new_string(r))
            }
            Kind::List => {
                let mut v = x.downcast::<List>().unwrap().snapshot();
                v.extend(y.downcast::<List>().unwrap().items.borrow().iter().cloned());
                Value::Obj(self.new_list(v))
            }
            Kind::Tuple => {
                let mut v = x.downcast::<Tuple>().unwrap().as_slice().to_vec();
                v.extend(y.downcast::<Tuple>().unwrap().as_slice().iter().cloned());
                Value::Obj(self.new_tuple(v))
            }
            Kind::Bytes => {
                let mut v = x.downcast::<Bytes>().unwrap().data.clone();
                v.extend_from_slice(&y.downcast::<Bytes>().unwrap().data);
                Value::Obj(self.new_bytes(v))
            }
            _ => return Ok(None),
        }))
    }

    fn seq_repeat(&mut self, s: &Value, n: Num) -> PyResult<Value> {
        let n = match n {
            Num::Int(i) => i.max(0) as usize,
            Num::Big(b) => {
                if b.is_negative() {
                    0
                } else {
                    return Err(self.overflow_error("cannot fit 'int' into an index-sized integer"));
                }
            }
            Num::Float(_) => 0,
        };
        let o = s.as_obj().unwrap();
        let too_big = |len: usize| len.checked_mul(n).is_none_or(|t| t > (1 << 34));
        Ok(match o.kind() {
            Kind::Str => {
                let t = o.downcast::<Str>().unwrap().as_str();
                if too_big(t.len()) {
                    return Err(self.new_memory_error());
                }
                Value::Obj(self.new_string(t.repeat(n)))
            }
            Kind::List => {
                let items = o.downcast::<List>().unwrap().snapshot();
                if too_big(items.len()) {
                    return Err(self.new_memory_error());
                }
                let mut v = Vec::with_capacity(items.len() * n);
                for _ in 0..n {
                    v.extend(items.iter().cloned());
                }
                Value::Obj(self.new_list(v))
            }
            Kind::Tuple => {
                let items = o.downcast::<Tuple>().unwrap().as_slice().to_vec();
                if too_big(items.len()) {
                    return Err(self.new_memory_error());
                }
                let mut v = Vec::with_capacity(items.len() * n);
                for _ in 0..n {
                    v.extend(items.iter().cloned());
                }
                Value::Obj(self.new_tuple(v))
            }
            Kind::Bytes => {
                let d = &o.downcast::<Bytes>().unwrap().data;
                if too_big(d.len()) {
                    return Err(self.new_memory_error());
                }
                let v = d.repeat(n);
                Value::Obj(self.new_bytes(v))
            }
            _ => unreachable!(),
        })
    }

    pub(crate) fn new_memory_error(&mut self) -> crate::vm::PyErr {
        let c = self.types.exc.memory_error.clone();
        crate::vm::PyErr {
            exc: self.new_exception(&c, vec![]),
        }
    }

    /// `a op= b`: `__iop__` first, then the plain operator.
    pub fn inplace_op(&mut self, op: BinOp, a: Value, b: &Value) -> PyResult<Value> {
        if let Value::Obj(o) = &a {
            if !o.owns_cls() {
                match (op, o.kind()) {
                    (BinOp::Add, Kind::List) => {
                        self.list_extend(&a, b)?;
                        return Ok(a);
                    }
                    (BinOp::Mul, Kind::List) => {
                        if let Some(n) = as_int(b) {
                            let n = match n {
                                Num::Int(i) => i.max(0) as usize,
                                _ => 0,
                            };
                            let l = o.downcast::<List>().unwrap();
                            let items = l.snapshot();
                            let mut v = Vec::with_capacity(items.len() * n);
                            for _ in 0..n {
                                v.extend(items.iter().cloned());
                            }
                            let old = std::mem::replace(&mut *l.items.borrow_mut(), v);
                            drop(old);
                            return Ok(a);
                        }
                    }
                    (BinOp::Or | BinOp::And | BinOp::Xor | BinOp::Sub, Kind::Set) => {
                        if let Some(r) = self.set_inplace(op, &a, b)? {
                            return Ok(r);
                        }
                    }
                    (BinOp::Or, Kind::Dict) => {
                        // `d |= other` accepts anything dict.update accepts.
                        let d = a.as_obj().unwrap().clone();
                        crate::modules::types::dict::update_from_arg(self, &d, b.clone())?;
                        return Ok(a);
                    }
                    _ => {}
                }
                return self.binary_op(op, &a, b);
            }
            let (_, _, iname) = op.dunders();
            let n = self.intern(iname);
            let cls = o.class();
            if let Some(m) = self.lookup_mro(&cls, &n) {
                let r = self.call(&m, vec![a.clone(), b.clone()])?;
                if !r.is(&Value::Obj(self.not_implemented.clone())) {
                    return Ok(r);
                }
            }
        }
        self.binary_op(op, &a, b)
    }

    /// Unary `-x`, `+x`, `~x`, `not x`.
    pub fn unary_op(&mut self, op: UnaryOp, v: &Value) -> PyResult<Value> {
        if op == UnaryOp::Not {
            return Ok(Value::Bool(!self.truthy(v)?));
        }
        let heap = matches!(v, Value::Obj(o) if o.owns_cls());
        if !heap {
            if let Some(n) = as_num(v) {
                return Ok(match (op, n) {
                    (UnaryOp::Neg, Num::Int(i)) => match i.checked_neg() {
                        Some(r) => Value::Int(r),
                        None => self.new_bigint(-BigInt::from(i)),
                    },
                    (UnaryOp::Neg, Num::Big(b)) => self.new_bigint(-b),
                    (UnaryOp::Neg, Num::Float(f)) => Value::Float(-f),
                    (UnaryOp::Pos, Num::Float(f)) => Value::Float(f),
                    (UnaryOp::Pos, Num::Int(i)) => Value::Int(i),
                    (UnaryOp::Pos, Num::Big(b)) => self.new_bigint(b),
                    (UnaryOp::Invert, Num::Int(i)) => Value::Int(!i),
                    (UnaryOp::Invert, Num::Big(b)) => self.new_bigint(-b - 1),
                    (UnaryOp::Invert, Num::Float(_)) => {
                        return Err(self.type_error("bad operand type for unary ~: 'float'"))
                    }
                    (UnaryOp::Not, _) => unreachable!(),
                });
            }
        }
        let name = match op {
            UnaryOp::Neg => self.names.neg.clone(),
            UnaryOp::Pos => self.names.pos.clone(),
            UnaryOp::Invert => self.names.invert.clone(),
            UnaryOp::Not => unreachable!(),
        };
        if let Some(m) = self.lookup_special(v, &name) {
            return self.call(&m, vec![v.clone()]);
        }
        let sym = match op {
            UnaryOp::Neg => "-",
            UnaryOp::Pos => "+",
            _ => "~",
        };
        let t = self.type_name(v);
        Err(self.type_error(format!("bad operand type for unary {sym}: '{t}'")))
    }
}

fn is_seq_kind(k: Kind) -> bool {
    matches!(k, Kind::Str | Kind::List | Kind::Tuple | Kind::Bytes)
}

/// CPython's `float_divmod`: (floor quotient, remainder with the divisor's sign).
pub fn float_divmod(vx: f64, wx: f64) -> (f64, f64) {
    let mut m = vx % wx;
    let mut div = (vx - m) / wx;
    if m != 0.0 {
        if (wx < 0.0) != (m < 0.0) {
            m += wx;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(wx);
    }
    let floordiv = if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0.0f64.copysign(vx / wx)
    };
    (floordiv, m)
}
