//! What `gc.get_referents` and `gc.get_referrers` report, in the order
//! CPython's `tp_traverse` functions visit references (the order programs
//! see in the lists these functions return).
//!
//! The collector only needs the heap objects an object refers to and does
//! not care about their order; these functions answer the program's
//! question instead, so they list values exactly as CPython's traversal
//! reaches them:
//! - lists and tuples from the last item to the first;
//! - dicts entry by entry: only the value when every key is an exact `str`
//!   (CPython's "unicode" key table), else the value and then the key;
//! - instances of classes defined in the program: `__slots__` values in
//!   declaration order, the attribute dict, the class, then whatever the
//!   builtin base holds; classes that are not heap types (builtins) are not
//!   visited, as static types are not in CPython;
//! - sets in table order, cells their content.
//!
//! Values that mini keeps inline (small ints, floats, bools, None) appear in
//! the lists too, as CPython's objects for them would. Other kinds fall back
//! to the collector's traversal.
//! Invariant: only reads the objects; no Python code runs here.

use crate::gc::collector::traverse_all;
use crate::object::dict::Dict;
use crate::object::function::CellObj;
use crate::object::instance::inst_ext;
use crate::object::kind::Kind;
use crate::object::list::List;
use crate::object::rc::{Header, ObjRef};
use crate::object::set::Set;
use crate::object::str::Str;
use crate::object::tuple::Tuple;
use crate::object::typeobj::{TypeObj, TF_HEAP};
use crate::object::value::Value;

/// Whether `cls` is a class created at run time (CPython's heap types).
fn is_heap_type(cls: &ObjRef) -> bool {
    cls.downcast::<TypeObj>().is_some_and(|t| t.has(TF_HEAP))
}

/// The references of a builtin payload of kind `kind` (no class, no
/// instance extension), pushed in CPython's order.
fn payload_referents(o: &ObjRef, out: &mut Vec<Value>) -> bool {
    match o.kind() {
        Kind::List => {
            let Some(l) = o.downcast::<List>() else {
                return false;
            };
            out.extend(l.items.borrow().iter().rev().cloned());
        }
        Kind::Tuple => {
            let Some(t) = o.downcast::<Tuple>() else {
                return false;
            };
            out.extend(t.as_slice().iter().rev().cloned());
        }
        Kind::Dict => {
            let Some(d) = o.downcast::<Dict>() else {
                return false;
            };
            let t = d.table.borrow();
            let str_keys = t
                .iter()
                .all(|e| matches!(&e.key, Value::Obj(k) if k.kind() == Kind::Str && !k.owns_cls() && k.downcast::<Str>().is_some()));
            for e in t.iter() {
                out.push(e.value.clone());
                if !str_keys {
                    out.push(e.key.clone());
                }
            }
        }
        Kind::Set => {
            let Some(s) = o.downcast::<Set>() else {
                return false;
            };
            out.extend(s.keys());
        }
        Kind::Cell => {
            let Some(c) = o.downcast::<CellObj>() else {
                return false;
            };
            let v = c.value.borrow().clone();
            if !v.is_undef() {
                out.push(v);
            }
        }
        _ => return false,
    }
    true
}

/// The values `o` refers to, in CPython's traversal order
/// (`gc.get_referents` for one argument).
pub fn referents(o: &ObjRef) -> Vec<Value> {
    let mut out = Vec::new();
    if !o.vt().is_gc {
        return out;
    }
    if let Some(ext) = inst_ext(o) {
        for v in ext.slots.borrow().iter() {
            if !v.is_undef() {
                out.push(v.clone());
            }
        }
        if let Some(d) = ext.dict.borrow().as_ref() {
            out.push(Value::Obj(d.clone()));
        }
        let cls = o.class();
        if is_heap_type(&cls) {
            out.push(Value::Obj(cls));
        }
        // The builtin base's own references (a list subclass's items, an
        // exception's args and traceback...).
        if !payload_referents(o, &mut out) {
            // An instance's traversal visits the base payload, then the
            // extension: keep the first part.
            let mut all = Vec::new();
            (o.vt().traverse)(o.header(), &mut |r: &ObjRef| all.push(r.clone()));
            let in_ext = usize::from(ext.dict.borrow().is_some())
                + ext
                    .slots
                    .borrow()
                    .iter()
                    .filter(|v| matches!(v, Value::Obj(_)))
                    .count();
            all.truncate(all.len().saturating_sub(in_ext));
            out.extend(all.into_iter().map(Value::Obj));
        }
        return out;
    }
    if payload_referents(o, &mut out) {
        return out;
    }
    traverse_all(o.as_ptr(), &mut |r: *const Header| {
        // SAFETY: referents of a live object are live.
        let r = unsafe { ObjRef::from_raw_incref(r) };
        if r.kind() == Kind::Type && !is_heap_type(&r) && r.as_ptr() == o.class_ptr() {
            return;
        }
        out.push(Value::Obj(r));
    });
    out
}

/// Whether tracked object `o` refers to any of `targets` (the test
/// `gc.get_referrers` applies to each tracked object).
pub fn refers_to_any(o: &ObjRef, targets: &[*const Header]) -> bool {
    let mut hit = false;
    traverse_all(o.as_ptr(), &mut |r| {
        if targets.contains(&r) {
            hit = true;
        }
    });
    hit
}
