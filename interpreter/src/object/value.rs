//! `Value`: what a register, a container slot or an argument holds. Small
//! ints, floats, bools and None live inline (no allocation, no count: the
//! "immortal" inline values of LANGUAGE.md); everything else is an `ObjRef`.
//! `Undef` marks an unbound local slot inside the VM and never reaches a
//! program: reading it raises UnboundLocalError/NameError first.

use super::rc::ObjRef;

// A full-word tag keeps every payload at offset 8, so moving a Value is two
// aligned 8-byte moves (with a byte tag, `Bool` sat at offset 1 and copies
// were split into odd-sized pieces that stalled store forwarding).
#[derive(Clone, Default)]
#[repr(u64)]
pub enum Value {
    #[default]
    Undef,
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Obj(ObjRef),
}

impl Value {
    #[inline(always)]
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    #[inline(always)]
    pub fn is_undef(&self) -> bool {
        matches!(self, Value::Undef)
    }

    #[inline(always)]
    pub fn as_obj(&self) -> Option<&ObjRef> {
        match self {
            Value::Obj(o) => Some(o),
            _ => None,
        }
    }

    #[inline(always)]
    pub fn into_obj(self) -> Option<ObjRef> {
        match self {
            Value::Obj(o) => Some(o),
            _ => None,
        }
    }

    /// Identity (`is`): inline values compare by value, objects by address.
    pub fn is(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::None, Value::None) => true,
            (Value::Undef, Value::Undef) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            (Value::Obj(a), Value::Obj(b)) => a.is(b),
            _ => false,
        }
    }

    /// Takes the value out, leaving `Undef` (no count traffic).
    #[inline(always)]
    pub fn take(&mut self) -> Value {
        std::mem::take(self)
    }
}

impl From<ObjRef> for Value {
    #[inline(always)]
    fn from(o: ObjRef) -> Value {
        Value::Obj(o)
    }
}

impl From<bool> for Value {
    #[inline(always)]
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    #[inline(always)]
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    #[inline(always)]
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Undef => write!(f, "Undef"),
            Value::None => write!(f, "None"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::Obj(o) => write!(f, "{o:?}"),
        }
    }
}

/// An uncounted copy of a value, for caches whose validity check proves the
/// value is still owned elsewhere. Turn it back into a `Value` with
/// `to_value`, which takes a new count.
#[derive(Clone, Copy, Debug)]
pub enum RawValue {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Obj(*const super::rc::Header),
}

impl RawValue {
    pub fn of(v: &Value) -> RawValue {
        match v {
            Value::Undef | Value::None => RawValue::None,
            Value::Bool(b) => RawValue::Bool(*b),
            Value::Int(i) => RawValue::Int(*i),
            Value::Float(f) => RawValue::Float(*f),
            Value::Obj(o) => RawValue::Obj(o.as_ptr()),
        }
    }

    /// A counted value.
    ///
    /// # Safety
    /// For `Obj`, the object must still be alive (the cache check proved it).
    #[inline]
    pub unsafe fn to_value(self) -> Value {
        match self {
            RawValue::None => Value::None,
            RawValue::Bool(b) => Value::Bool(b),
            RawValue::Int(i) => Value::Int(i),
            RawValue::Float(f) => Value::Float(f),
            RawValue::Obj(p) => Value::Obj(unsafe { ObjRef::from_raw_incref(p) }),
        }
    }
}
