//! Comparisons and truth: identity, membership, rich comparison with
//! Python's rules (numbers across int/float/bool, strings and bytes by code
//! point, sequences lexicographically, sets by inclusion, `__eq__`/`__lt__`
//! with reflection for instances, `==` falling back to identity) and
//! `bool(x)` (`__bool__`, then `__len__`).

use std::cmp::Ordering;

use crate::compile::opcode::CmpOp;
use crate::object::bytes::Bytes;
use crate::object::dict::Dict;
use crate::object::kind::Kind;
use crate::object::list::List;
use crate::object::set::Set;
use crate::object::str::Str;
use crate::object::tuple::Tuple;
use crate::object::value::Value;
use crate::vm::arith::{as_num, big_to_f64, Num};
use crate::vm::{PyResult, Vm};

fn ord_matches(op: CmpOp, o: Ordering) -> bool {
    match op {
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::Le => o != Ordering::Greater,
        CmpOp::Eq => o == Ordering::Equal,
        CmpOp::Ne => o != Ordering::Equal,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::Ge => o != Ordering::Less,
        _ => false,
    }
}

/// Compares two numbers exactly (ints and floats mixed like CPython).
pub fn num_cmp(a: &Num, b: &Num) -> Option<Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(y)),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(y),
        (Num::Big(x), Num::Big(y)) => Some(x.cmp(y)),
        (Num::Int(x), Num::Big(y)) => Some(num_bigint::BigInt::from(*x).cmp(y)),
        (Num::Big(x), Num::Int(y)) => Some(x.cmp(&num_bigint::BigInt::from(*y))),
        (Num::Float(f), other) => int_float_cmp(other, *f).map(|o| o.reverse()),
        (other, Num::Float(f)) => int_float_cmp(other, *f),
    }
}

/// Exact comparison of an int with a float.
fn int_float_cmp(i: &Num, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f.is_infinite() {
        return Some(if f > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    let big = match i {
        Num::Int(x) => {
            if x.unsigned_abs() < (1 << 53) {
                return (*x as f64).partial_cmp(&f);
            }
            num_bigint::BigInt::from(*x)
        }
        Num::Big(b) => b.clone(),
        Num::Float(_) => return None,
    };
    // Compare big with the float's integral part, then the fraction.
    let fl = f.floor();
    let fb = num_bigint::BigInt::from(fl as i128);
    let fb = if fl.abs() < 1e38 {
        fb
    } else {
        match num_traits::FromPrimitive::from_f64(fl) {
            Some(b) => b,
            None => return big_to_f64(&big).and_then(|x| x.partial_cmp(&f)),
        }
    };
    match big.cmp(&fb) {
        Ordering::Equal => {
            if f > fl {
                Some(Ordering::Less)
            } else {
                Some(Ordering::Equal)
            }
        }
        o => Some(o),
    }
}

impl Vm {
    /// `a op b` as a value (rich comparisons may return non-bools).
    pub fn compare_op(&mut self, op: CmpOp, a: &Value, b: &Value) -> PyResult<Value> {
        match op {
            CmpOp::Is => return Ok(Value::Bool(a.is(b))),
            CmpOp::IsNot => return Ok(Value::Bool(!a.is(b))),
            CmpOp::In => return Ok(Value::Bool(self.contains(b, a)?)),
            CmpOp::NotIn => return Ok(Value::Bool(!self.contains(b, a)?)),
            _ => {}
        }
        let a_heap = matches!(a, Value::Obj(o) if o.owns_cls());
        let b_heap = matches!(b, Value::Obj(o) if o.owns_cls());
        if !a_heap && !b_heap {
            if let Some(r) = self.native_compare(op, a, b)? {
                return Ok(Value::Bool(r));
            }
            return self.compare_fallback(op, a, b);
        }
        self.rich_compare(op, a, b)
    }

    /// `a op b` as a bool.
    pub fn compare_bool(&mut self, op: CmpOp, a: &Value, b: &Value) -> PyResult<bool> {
        match self.compare_op(op, a, b)? {
            Value::Bool(t) => Ok(t),
            v => self.truthy(&v),
        }
    }

    /// `a == b`, with identity shortcut (as containers compare items).
    pub fn eq(&mut self, a: &Value, b: &Value) -> PyResult<bool> {
        if a.is(b) {
            if let Value::Float(f) = a {
                return Ok(!f.is_nan());
            }
            return Ok(true);
        }
        if let Some(r) = crate::object::dict::fast_key_eq(a, b) {
            return Ok(r);
        }
        self.compare_bool(CmpOp::Eq, a, b)
    }

    fn compare_fallback(&mut self, op: CmpOp, a: &Value, b: &Value) -> PyResult<Value> {
        match op {
            CmpOp::Eq => Ok(Value::Bool(a.is(b))),
            CmpOp::Ne => Ok(Value::Bool(!a.is(b))),
            _ => {
                let (ta, tb) = (self.type_name(a), self.type_name(b));
                Err(self.type_error(format!(
                    "'{}' not supported between instances of '{ta}' and '{tb}'",
                    op.symbol()
                )))
            }
        }
    }

    /// CPython's `do_richcompare` for operands where a class is involved.
    fn rich_compare(&mut self, op: CmpOp, a: &Value, b: &Value) -> PyResult<Value> {
        let ta = self.type_of(a);
        let tb = self.type_of(b);
        let ni = Value::Obj(self.not_implemented.clone());
        let name = self.intern(op.dunder());
        let rname = self.intern(op.swapped().dunder());
        let reflected_first =
            !ta.is(&tb) && self.is_subclass(&tb, &ta) && self.lookup_mro(&tb, &rname).is_some();
        if reflected_first {
            let f = self.lookup_mro(&tb, &rname).unwrap();
            let r = self.call_cmp_method(&f, b, a, op.swapped())?;
            if !r.is(&ni) {
                return Ok(r);
            }
        }
        if let Some(f) = self.lookup_mro(&ta, &name) {
            let r = self.call_cmp_method(&f, a, b, op)?;
            if !r.is(&ni) {
                return Ok(r);
            }
        }
        if !reflected_first {
            if let Some(f) = self.lookup_mro(&tb, &rname) {
                let r = self.call_cmp_method(&f, b, a, op.swapped())?;
                if !r.is(&ni) {
                    return Ok(r);
                }
            }
        }
        self.compare_fallback(op, a, b)
    }

    /// Calls a comparison method; builtin ones compare natively.
    fn call_cmp_method(&mut self, f: &Value, a: &Value, b: &Value, op: CmpOp) -> PyResult<Value> {
        if let Value::Obj(fo) = f {
            if fo.kind() == Kind::MethodDescr {
                // A builtin type's comparison (inherited by a subclass, or
                // object's default identity comparison).
                if op == CmpOp::Ne {
                    // object.__ne__ inverts a Python-level __eq__.
                    let cls = self.type_of(a);
                    let eqn = self.names.eq.clone();
                    if let Some(eqf) = self.lookup_mro(&cls, &eqn) {
                        if !crate::vm::is_builtin_slot(&eqf) {
                            let r = self.call(&eqf, vec![a.clone(), b.clone()])?;
                            if r.is(&Value::Obj(self.not_implemented.clone())) {
                                return Ok(r);
                            }
                            return Ok(Value::Bool(!self.truthy(&r)?));
                        }
                    }
                }
                return match self.native_compare(op, a, b)? {
                    Some(t) => Ok(Value::Bool(t)),
                    None => {
                        if op == CmpOp::Eq && a.is(b) {
                            return Ok(Value::Bool(true));
                        }
                        Ok(Value::Obj(self.not_implemented.clone()))
                    }
                };
            }
        }
        self.call(f, vec![a.clone(), b.clone()])
    }

    /// Comparisons between builtin values (None = not comparable natively).
    pub(crate) fn native_compare(
        &mut self,
        op: CmpOp,
        a: &Value,
        b: &Value,
    ) -> PyResult<Option<bool>> {
        if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
            return Ok(Some(match num_cmp(&x, &y) {
                Some(o) => ord_matches(op, o),
                None => op == CmpOp::Ne,
            }));
        }
        let (Value::Obj(x), Value::Obj(y)) = (a, b) else {
            if let (Value::None, Value::None) = (a, b) {
                if matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    return Ok(Some(op == CmpOp::Eq));
                }
            }
            return Ok(None);
        };
        if x.is(y) && matches!(op, CmpOp::Eq) && !matches!(x.kind(), Kind::List | Kind::Tuple) {
            return Ok(Some(true));
        }
        let (kx, ky) = (x.kind(), y.kind());
        if kx == Kind::Native || ky == Kind::Native {
            // Keys and items views compare as sets.
            use crate::modules::types::views::view_as_set;
            let sx = if kx == Kind::Set {
                Some(x.clone())
            } else {
                view_as_set(self, a)?
            };
            let sy = if ky == Kind::Set {
                Some(y.clone())
            } else {
                view_as_set(self, b)?
            };
            if let (Some(sx), Some(sy)) = (sx, sy) {
                if !(sx.is(x) && sy.is(y)) {
                    return self.native_compare(op, &Value::Obj(sx), &Value::Obj(sy));
                }
            }
        }
        let same_family = kx == ky;
        if !same_family {
            return Ok(None);
        }
        match kx {
            Kind::Str => {
                let o = x
                    .downcast::<Str>()
                    .unwrap()
                    .as_str()
                    .cmp(y.downcast::<Str>().unwrap().as_str());
                Ok(Some(ord_matches(op, o)))
            }
            Kind::Bytes => {
                let o = x
                    .downcast::<Bytes>()
                    .unwrap()
                    .data
                    .cmp(&y.downcast::<Bytes>().unwrap().data);
                Ok(Some(ord_matches(op, o)))
            }
            Kind::List => {
                let va = x.downcast::<List>().unwrap().snapshot();
                let vb = y.downcast::<List>().unwrap().snapshot();
                self.seq_compare(op, &va, &vb).map(Some)
            }
            Kind::Tuple => {
                let va = x.downcast::<Tuple>().unwrap().as_slice().to_vec();
                let vb = y.downcast::<Tuple>().unwrap().as_slice().to_vec();
                self.seq_compare(op, &va, &vb).map(Some)
            }
            Kind::Dict => {
                if !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    return Ok(None);
                }
                let e = self.dict_equal(x, y)?;
                Ok(Some(if op == CmpOp::Eq { e } else { !e }))
            }
            Kind::Set => {
                let na = x.downcast::<Set>().unwrap().len();
                let nb = y.downcast::<Set>().unwrap().len();
                let r = match op {
                    CmpOp::Eq => na == nb && self.set_is_subset(x, y)?,
                    CmpOp::Ne => !(na == nb && self.set_is_subset(x, y)?),
                    CmpOp::Le => self.set_is_subset(x, y)?,
                    CmpOp::Lt => na < nb && self.set_is_subset(x, y)?,
                    CmpOp::Ge => self.set_is_subset(y, x)?,
                    CmpOp::Gt => na > nb && self.set_is_subset(y, x)?,
                    _ => return Ok(None),
                };
                Ok(Some(r))
            }
            Kind::Range => {
                if !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    return Ok(None);
                }
                let ra = x.downcast::<crate::object::range::Range>().unwrap();
                let rb = y.downcast::<crate::object::range::Range>().unwrap();
                let e = if ra.big.is_none() && rb.big.is_none() {
                    let (la, lb) = (ra.len(), rb.len());
                    la == lb
                        && (la == 0 || (ra.start == rb.start && (la == 1 || ra.step == rb.step)))
                } else {
                    use crate::modules::types::range_big::{bounds_of, len};
                    use crate::object::range::BigBounds;
                    let (a, b) = (bounds_of(ra), bounds_of(rb));
                    let (a, b) = (
                        BigBounds {
                            start: a.0,
                            stop: a.1,
                            step: a.2,
                        },
                        BigBounds {
                            start: b.0,
                            stop: b.1,
                            step: b.2,
                        },
                    );
                    let (la, lb) = (len(&a), len(&b));
                    use num_traits::{One, Zero};
                    la == lb
                        && (la.is_zero()
                            || (a.start == b.start && (la.is_one() || a.step == b.step)))
                };
                Ok(Some(if op == CmpOp::Eq { e } else { !e }))
            }
            Kind::Slice => {
                let (sa, sb) = (
                    x.downcast::<crate::object::range::Slice>().unwrap(),
                    y.downcast::<crate::object::range::Slice>().unwrap(),
                );
                let va = [sa.start.clone(), sa.stop.clone(), sa.step.clone()];
                let vb = [sb.start.clone(), sb.stop.clone(), sb.step.clone()];
                self.seq_compare(op, &va, &vb).map(Some)
            }
            Kind::WeakRef if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                // Equal referents while both live; otherwise identity.
                let (wa, wb) = (
                    x.downcast::<crate::gc::weakrefs::WeakRef>().unwrap().get(),
                    y.downcast::<crate::gc::weakrefs::WeakRef>().unwrap().get(),
                );
                let e = match (wa, wb) {
                    (Some(p), Some(q)) => self.eq(&Value::Obj(p), &Value::Obj(q))?,
                    _ => x.is(y),
                };
                Ok(Some(if op == CmpOp::Eq { e } else { !e }))
            }
            Kind::BoundMethod if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                let (ma, mb) = (
                    x.downcast::<crate::object::function::BoundMethod>()
                        .unwrap(),
                    y.downcast::<crate::object::function::BoundMethod>()
                        .unwrap(),
                );
                let (fa, fb, ra, rb) = (
                    ma.func.clone(),
                    mb.func.clone(),
                    ma.receiver.clone(),
                    mb.receiver.clone(),
                );
                let e = ra.is(&rb) && self.eq(&fa, &fb)?;
                Ok(Some(if op == CmpOp::Eq { e } else { !e }))
            }
            _ => {
                if matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    let e = x.is(y);
                    return Ok(Some(if op == CmpOp::Eq { e } else { !e }));
                }
                Ok(None)
            }
        }
    }

    /// Lexicographic comparison of two sequences.
    fn seq_compare(&mut self, op: CmpOp, a: &[Value], b: &[Value]) -> PyResult<bool> {
        if matches!(op, CmpOp::Eq | CmpOp::Ne) && a.len() != b.len() {
            return Ok(op == CmpOp::Ne);
        }
        let n = a.len().min(b.len());
        for i in 0..n {
            if !self.eq(&a[i], &b[i])? {
                return match op {
                    CmpOp::Eq => Ok(false),
                    CmpOp::Ne => Ok(true),
                    _ => self.compare_bool(op, &a[i], &b[i]),
                };
            }
        }
        Ok(ord_matches(op, a.len().cmp(&b.len())))
    }

    fn dict_equal(
        &mut self,
        x: &crate::object::rc::ObjRef,
        y: &crate::object::rc::ObjRef,
    ) -> PyResult<bool> {
        let da = x.downcast::<Dict>().unwrap();
        let db = y.downcast::<Dict>().unwrap();
        if da.len() != db.len() {
            return Ok(false);
        }
        for (k, v) in da.items() {
            match self.dict_get(y, &k)? {
                Some(w) => {
                    if !self.eq(&v, &w)? {
                        return Ok(false);
                    }
                }
                None => return Ok(false),
            }
        }
        Ok(true)
    }

    /// `bool(v)`.
    pub fn truthy(&mut self, v: &Value) -> PyResult<bool> {
        match v {
            Value::None | Value::Undef => Ok(false),
            Value::Bool(b) => Ok(*b),
            Value::Int(i) => Ok(*i != 0),
            Value::Float(f) => Ok(*f != 0.0),
            Value::Obj(o) => {
                if o.owns_cls() {
                    let cls = o.class();
                    if let Some(f) = self.lookup_mro(&cls, &self.names.bool_.clone()) {
                        if !crate::vm::is_builtin_slot(&f) {
                            let r = self.call(&f, vec![v.clone()])?;
                            return match r {
                                Value::Bool(b) => Ok(b),
                                other => {
                                    let t = self.type_name(&other);
                                    Err(self.type_error(format!(
                                        "__bool__ should return bool, returned {t}"
                                    )))
                                }
                            };
                        }
                    }
                    if let Some(f) = self.lookup_mro(&cls, &self.names.len.clone()) {
                        if !crate::vm::is_builtin_slot(&f) {
                            let r = self.call(&f, vec![v.clone()])?;
                            let n = self.index_value(&r)?;
                            if n < 0 {
                                return Err(self.value_error("__len__() should return >= 0"));
                            }
                            return Ok(n != 0);
                        }
                    }
                }
                Ok(match o.kind() {
                    Kind::Str => o.downcast::<Str>().unwrap().char_len() != 0,
                    Kind::List => o.downcast::<List>().unwrap().len() != 0,
                    Kind::Tuple => o.downcast::<Tuple>().unwrap().len() != 0,
                    Kind::Dict => o.downcast::<Dict>().unwrap().len() != 0,
                    Kind::Set => o.downcast::<Set>().unwrap().len() != 0,
                    Kind::Bytes => !o.downcast::<Bytes>().unwrap().data.is_empty(),
                    Kind::Int | Kind::Float => match as_num(v) {
                        Some(Num::Int(i)) => i != 0,
                        Some(Num::Big(_)) => true,
                        Some(Num::Float(f)) => f != 0.0,
                        None => true,
                    },
                    Kind::Range => {
                        let r = o.downcast::<crate::object::range::Range>().unwrap();
                        match &r.big {
                            Some(b) => !num_traits::Zero::is_zero(
                                &crate::modules::types::range_big::len(b),
                            ),
                            None => r.len() != 0,
                        }
                    }
                    Kind::Native => self.native_len(o).map(|n| n != 0).unwrap_or(true),
                    _ => true,
                })
            }
        }
    }
}
