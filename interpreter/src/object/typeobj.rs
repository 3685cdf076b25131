//! Type objects: builtin types and classes created by `class` statements.
//! A type has a name, bases, a C3 method resolution order, a namespace dict
//! and flags summarising which special methods its MRO defines (so hot paths
//! can skip lookups). Invariant: `mro[0]` is the type itself; the flags and
//! the lookup cache are recomputed whenever any class namespace changes
//! (`TYPE_EPOCH` is bumped, invalidating every cache at once).

use std::cell::{Cell, RefCell};

use rustc_hash::FxHashMap;

use super::kind::Kind;
use super::rc::{ObjRef, Payload, VTable};
use super::value::Value;

/// Class defined at run time (counted instances, may change).
pub const TF_HEAP: u32 = 1;
/// Some class in the MRO defines `__del__`.
pub const TF_HAS_DEL: u32 = 2;
/// Defines `__getattr__` (fallback after normal lookup fails).
pub const TF_HAS_GETATTR: u32 = 4;
/// Overrides `__getattribute__`.
pub const TF_HAS_GETATTRIBUTE: u32 = 8;
/// Overrides `__setattr__` or `__delattr__`.
pub const TF_HAS_SETATTR: u32 = 16;
/// Instances have a `__dict__`.
pub const TF_HAS_DICT: u32 = 32;
/// May be subclassed.
pub const TF_BASETYPE: u32 = 64;
/// Subclass of BaseException.
pub const TF_EXCEPTION: u32 = 128;
/// Instances may have weak references.
pub const TF_WEAKREFABLE: u32 = 256;
/// A user class somewhere in the MRO overrides a comparison/hash/eq slot.
pub const TF_CUSTOM_EQ: u32 = 512;
/// Some instance of this class may have an instance-dict entry named like
/// one of its class attributes (or its dict escaped to Python code), so a
/// cached method must be checked against the instance dict. Only ever set.
pub const TF_SHADOWED: u32 = 1024;

/// Which payload the instances of a type carry (decides how `__new__`
/// allocates them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// A builtin payload of this kind (exact instances of a builtin type).
    Builtin(Kind),
    /// `Inst<T>` for a class deriving (directly or not) from builtin base of kind.
    Inst(Kind),
}

pub struct TypeObj {
    pub name: RefCell<String>,
    pub qualname: RefCell<String>,
    /// Direct bases (`__bases__`).
    pub bases: RefCell<Vec<ObjRef>>,
    /// C3 linearisation, starting with the type itself.
    pub mro: RefCell<Vec<ObjRef>>,
    /// The namespace (`__dict__`), a dict object.
    pub dict: ObjRef,
    pub flags: Cell<u32>,
    /// The builtin kind instances have (their base payload).
    pub base_kind: Kind,
    /// Vtable for instances of a heap class (None for builtin types).
    pub inst_vt: Option<&'static VTable>,
    /// `__slots__` names in slot order (inherited ones first).
    pub slot_names: RefCell<Vec<ObjRef>>,
    /// MRO lookup cache: interned name address → found attribute.
    pub(crate) cache: RefCell<FxHashMap<usize, Option<Value>>>,
    pub(crate) cache_epoch: Cell<u64>,
    /// Name of the module that defines a builtin type (`builtins`, `_io`...).
    pub module_name: RefCell<String>,
}

impl TypeObj {
    pub fn name(&self) -> String {
        self.name.borrow().clone()
    }

    pub fn has(&self, flag: u32) -> bool {
        self.flags.get() & flag != 0
    }

    pub fn set_flag(&self, flag: u32, on: bool) {
        let f = self.flags.get();
        self.flags.set(if on { f | flag } else { f & !flag });
    }
}

impl Payload for TypeObj {
    const KIND: Kind = Kind::Type;
    const NAME: &'static str = "type";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        visit(&self.dict);
        if let Ok(b) = self.bases.try_borrow() {
            for x in b.iter() {
                visit(x);
            }
        }
        if let Ok(m) = self.mro.try_borrow() {
            // mro[0] is the type itself, a counted reference like the others:
            // visiting it lets the collector see that this count comes from
            // inside (CPython's mro tuple holds the type the same way).
            for x in m.iter() {
                visit(x);
            }
        }
        if let Ok(c) = self.cache.try_borrow() {
            for v in c.values().flatten() {
                if let Value::Obj(o) = v {
                    visit(o);
                }
            }
        }
    }
    fn clear(&self) {
        let bases = std::mem::take(&mut *self.bases.borrow_mut());
        let mro: Vec<ObjRef> = std::mem::take(&mut *self.mro.borrow_mut());
        let cache = std::mem::take(&mut *self.cache.borrow_mut());
        drop((bases, mro, cache));
        super::dict::dict_clear_raw(&self.dict);
    }
}

thread_local! {
    /// Bumped whenever any class namespace, base list or `__class__` changes.
    static TYPE_EPOCH: Cell<u64> = const { Cell::new(1) };
}

pub fn type_epoch() -> u64 {
    TYPE_EPOCH.with(|e| e.get())
}

pub fn bump_type_epoch() {
    TYPE_EPOCH.with(|e| e.set(e.get() + 1));
}

/// Computes the C3 linearisation of a class with the given bases.
/// Returns None when no consistent order exists.
pub fn c3_mro(this: &ObjRef, bases: &[ObjRef]) -> Result<Vec<ObjRef>, Vec<ObjRef>> {
    let mut seqs: Vec<Vec<ObjRef>> = Vec::new();
    for b in bases {
        let Some(t) = b.downcast::<TypeObj>() else {
            return Err(vec![]);
        };
        seqs.push(t.mro.borrow().clone());
    }
    seqs.push(bases.to_vec());
    let mut out = vec![this.clone()];
    loop {
        seqs.retain(|s| !s.is_empty());
        if seqs.is_empty() {
            return Ok(out);
        }
        let mut found = None;
        for s in &seqs {
            let cand = &s[0];
            let in_tail = seqs.iter().any(|t| t[1..].iter().any(|x| x.is(cand)));
            if !in_tail {
                found = Some(cand.clone());
                break;
            }
        }
        let Some(c) = found else {
            // The heads that could not be placed, each once, for the error.
            let mut heads: Vec<ObjRef> = Vec::new();
            for s in &seqs {
                if !heads.iter().any(|h| h.is(&s[0])) {
                    heads.push(s[0].clone());
                }
            }
            return Err(heads);
        };
        for s in seqs.iter_mut() {
            if s[0].is(&c) {
                s.remove(0);
            }
        }
        out.push(c);
    }
}
