//! The string a pattern runs over, as engine code units: the bytes of an
//! ASCII str or of a bytes object (one unit per character), or the code
//! points of any other str (decoded once and shared by every match of the
//! call through `Rc`). Positions are character indexes either way.

use std::rc::Rc;

use crate::object::bytes::Bytes;
use crate::object::rc::ObjRef;
use crate::object::str::Str;
use crate::object::value::Value;
use crate::vm::{PyResult, Vm};

pub enum Units {
    Ascii,
    Bytes,
    Wide(Vec<u32>),
}

pub struct Subject {
    pub obj: ObjRef,
    pub units: Units,
    pub len: usize,
}

/// The units of a subject, borrowed for one engine run.
pub enum View<'a> {
    Narrow(&'a [u8]),
    Wide(&'a [u32]),
}

impl Subject {
    /// A str or bytes object's units; None for other types.
    pub fn new(o: &ObjRef) -> Option<Subject> {
        if let Some(s) = o.downcast::<Str>() {
            if s.is_ascii() {
                return Some(Subject {
                    obj: o.clone(),
                    units: Units::Ascii,
                    len: s.char_len(),
                });
            }
            let chars: Vec<u32> = s.as_str().chars().map(|c| c as u32).collect();
            return Some(Subject {
                obj: o.clone(),
                len: chars.len(),
                units: Units::Wide(chars),
            });
        }
        let b = o.downcast::<Bytes>()?;
        Some(Subject {
            obj: o.clone(),
            units: Units::Bytes,
            len: b.data.len(),
        })
    }

    pub fn is_bytes(&self) -> bool {
        matches!(self.units, Units::Bytes)
    }

    pub fn view(&self) -> View<'_> {
        match &self.units {
            Units::Ascii => View::Narrow(self.obj.downcast::<Str>().unwrap().as_str().as_bytes()),
            Units::Bytes => View::Narrow(&self.obj.downcast::<Bytes>().unwrap().data),
            Units::Wide(v) => View::Wide(v),
        }
    }

    /// Characters `a..b` as a str (or bytes) value.
    pub fn slice(&self, vm: &mut Vm, a: usize, b: usize) -> Value {
        if a == 0 && b == self.len && is_exact(vm, &self.obj) {
            return Value::Obj(self.obj.clone());
        }
        if let Units::Ascii = self.units {
            // An ASCII str: character indexes are byte indexes.
            let s = &self.obj.downcast::<Str>().unwrap().as_str()[a..b];
            return Value::Obj(vm.new_str(s));
        }
        match self.view() {
            View::Narrow(t) => Value::Obj(vm.new_bytes(t[a..b].to_vec())),
            View::Wide(t) => {
                let s: String = t[a..b]
                    .iter()
                    .map(|&c| char::from_u32(c).unwrap_or('\u{fffd}'))
                    .collect();
                Value::Obj(vm.new_string(s))
            }
        }
    }

    /// Text of characters `a..b`, for str subjects.
    pub fn push_str(&self, out: &mut String, a: usize, b: usize) {
        if let Units::Ascii = self.units {
            out.push_str(&self.obj.downcast::<Str>().unwrap().as_str()[a..b]);
            return;
        }
        match self.view() {
            View::Narrow(_) => {}
            View::Wide(t) => out.extend(
                t[a..b]
                    .iter()
                    .map(|&c| char::from_u32(c).unwrap_or('\u{fffd}')),
            ),
        }
    }

    /// Bytes `a..b`, for bytes subjects.
    pub fn push_bytes(&self, out: &mut Vec<u8>, a: usize, b: usize) {
        if let View::Narrow(t) = self.view() {
            out.extend_from_slice(&t[a..b]);
        }
    }
}

/// Whether `o` is exactly a str or bytes (not a subclass instance).
fn is_exact(vm: &Vm, o: &ObjRef) -> bool {
    let c = o.class();
    c.is(&vm.types.str) || c.is(&vm.types.bytes)
}

/// The subject for `v`, reusing `last` when it is the same object.
pub fn subject_of(vm: &mut Vm, v: &Value, last: &mut Option<Rc<Subject>>) -> PyResult<Rc<Subject>> {
    if let Value::Obj(o) = v {
        if let Some(s) = last.as_ref() {
            if s.obj.is(o) {
                return Ok(s.clone());
            }
        }
        if let Some(s) = Subject::new(o) {
            let s = Rc::new(s);
            if matches!(s.units, Units::Wide(_)) {
                *last = Some(s.clone());
            }
            return Ok(s);
        }
    }
    let t = vm.type_name(v);
    Err(vm.type_error(format!("expected string or bytes-like object, got '{t}'")))
}
