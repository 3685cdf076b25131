//! Instances of classes defined in mini: `Inst<T>` is a builtin payload `T`
//! (`ObjectBase` for plain classes, `List` for `class L(list)`, ...) followed
//! by the instance extension: the attribute dict and the `__slots__` values.
//! Invariant: `Inst<T>` is `#[repr(C)]` with `base` first, so an `Inst<T>`
//! object is also a valid `T` object (prefix layout); its vtable records where
//! the extension sits (`VTable::inst_ext`).

use std::cell::RefCell;
use std::marker::PhantomData;

use super::dict::Dict;
use super::exception::ExcBase;
use super::int::{FloatObj, IntObj};
use super::kind::Kind;
use super::list::List;
use super::rc::{inst_vtable, ObjRef, Payload, VTable, HEADER_SIZE};
use super::set::Set;
use super::str::Str;
use super::tuple::Tuple;
use super::value::Value;

/// Payload of `object()` itself: nothing.
pub struct ObjectBase;

impl Payload for ObjectBase {
    const KIND: Kind = Kind::Object;
    const NAME: &'static str = "object";
    const IS_GC: bool = false;
}

/// The per-instance part every class instance adds to its base payload.
#[derive(Default)]
pub struct InstExt {
    /// `__dict__` (None for classes whose `__slots__` exclude it, or until
    /// first needed).
    pub dict: RefCell<Option<ObjRef>>,
    /// Values of `__slots__` members; `Undef` when unset.
    pub slots: RefCell<Box<[Value]>>,
}

impl InstExt {
    pub fn new(nslots: usize) -> InstExt {
        InstExt {
            dict: RefCell::new(None),
            slots: RefCell::new(vec![Value::Undef; nslots].into_boxed_slice()),
        }
    }

    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        if let Ok(d) = self.dict.try_borrow() {
            if let Some(d) = d.as_ref() {
                visit(d);
            }
        }
        if let Ok(s) = self.slots.try_borrow() {
            for v in s.iter() {
                if let Value::Obj(o) = v {
                    visit(o);
                }
            }
        }
    }

    fn clear(&self) {
        let d = self.dict.borrow_mut().take();
        let s: Vec<Value> = self
            .slots
            .borrow_mut()
            .iter_mut()
            .map(|v| v.take())
            .collect();
        drop((d, s));
    }
}

#[repr(C)]
pub struct Inst<T> {
    pub base: T,
    pub ext: InstExt,
}

impl<T: Payload> Payload for Inst<T> {
    const KIND: Kind = T::KIND;
    const NAME: &'static str = T::NAME;
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        self.base.traverse(visit);
        self.ext.traverse(visit);
    }
    fn clear(&self) {
        self.ext.clear();
        self.base.clear();
    }
}

struct InstVt<T>(PhantomData<T>);

impl<T: Payload> InstVt<T> {
    const VT: VTable = inst_vtable::<Inst<T>>(HEADER_SIZE + std::mem::offset_of!(Inst<T>, ext));
}

/// The vtable for instances of a class whose builtin base has kind `k`
/// (None when that builtin cannot be subclassed with this layout).
pub fn inst_vtable_for(k: Kind) -> Option<&'static VTable> {
    Some(match k {
        Kind::Object => &InstVt::<ObjectBase>::VT,
        Kind::List => &InstVt::<List>::VT,
        Kind::Dict => &InstVt::<Dict>::VT,
        Kind::Tuple => &InstVt::<Tuple>::VT,
        Kind::Str => &InstVt::<Str>::VT,
        Kind::Int => &InstVt::<IntObj>::VT,
        Kind::Float => &InstVt::<FloatObj>::VT,
        Kind::Set => &InstVt::<Set>::VT,
        Kind::Exception => &InstVt::<ExcBase>::VT,
        Kind::WeakRef => &InstVt::<crate::gc::weakrefs::WeakRef>::VT,
        Kind::Native => &InstVt::<super::native::Native>::VT,
        _ => return None,
    })
}

/// The instance extension of a class instance, if the object has one.
#[inline]
pub fn inst_ext(o: &ObjRef) -> Option<&InstExt> {
    let off = o.vt().inst_ext?;
    // SAFETY: vtables with `inst_ext` are built by `InstVt<T>` for objects
    // whose payload is `Inst<T>`, and `off` is the extension's offset from the
    // header; the reference lives no longer than `o`.
    Some(unsafe { &*((o.as_ptr() as *const u8).add(off) as *const InstExt) })
}

/// The vtable of exception instances (`Inst<ExcBase>`).
pub fn exc_vtable() -> &'static VTable {
    &InstVt::<ExcBase>::VT
}
