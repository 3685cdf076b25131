//! The `dict` payload: an insertion-ordered hash table in CPython's compact
//! layout (a dense `entries` vector in insertion order plus a sparse `indices`
//! table of positions into it). Tables of up to 8 entries have no index
//! table and are scanned linearly (most instance dicts).
//!
//! Invariants: `indices` is empty or a power of two long; every live entry has
//! exactly one index slot pointing at it; deleted entries keep their place in
//! `entries` (key `Undef`) until the next rebuild; `keys_version` changes
//! whenever the key set or entry positions change (never on value updates), so
//! `(dict, keys_version, entry index)` is a valid cache of where a key lives.
//! Key comparison that may run Python code happens in `vm::dictops`, outside
//! any borrow of the table.

use std::cell::{Cell, RefCell};

use super::kind::Kind;
use super::rc::{ObjRef, Payload};
use super::str::Str;
use super::value::Value;

const EMPTY: u32 = u32::MAX;
const DUMMY: u32 = u32::MAX - 1;
/// Tables with at most this many entries (live or deleted) skip the index.
const SMALL: usize = 8;

pub struct DictEntry {
    pub hash: i64,
    pub key: Value,
    pub value: Value,
}

#[derive(Default)]
pub struct DictTable {
    indices: Box<[u32]>,
    entries: Vec<DictEntry>,
    used: usize,
    keys_version: u64,
}

thread_local! {
    static NEXT_KEYS_VERSION: Cell<u64> = const { Cell::new(1) };
}

fn next_keys_version() -> u64 {
    NEXT_KEYS_VERSION.with(|c| {
        let v = c.get();
        c.set(v + 1);
        v
    })
}

/// Result of a lookup that compares keys without running Python code.
pub enum Fast {
    Found(usize),
    Absent,
    /// A candidate with an equal hash needs a Python-level `__eq__`.
    NeedsEq,
}

/// Equality of two keys when it can be decided without Python code.
pub fn fast_key_eq(a: &Value, b: &Value) -> Option<bool> {
    fast_key_eq_depth(a, b, 0)
}

/// Nested tuples deeper than this go to the general comparison.
const FAST_TUPLE_DEPTH: u32 = 4;

fn fast_key_eq_depth(a: &Value, b: &Value, depth: u32) -> Option<bool> {
    match (a, b) {
        (Value::Obj(x), Value::Obj(y)) => {
            if x.is(y) {
                return Some(true);
            }
            if let (Some(s), Some(t)) = (x.downcast::<Str>(), y.downcast::<Str>()) {
                if x.owns_cls() || y.owns_cls() {
                    return None;
                }
                return Some(s.as_str() == t.as_str());
            }
            // Exact tuples (the keys of profilers' tables, say): compared
            // item by item as tuple equality does, stopping at the first
            // unequal item. An item that needs `__eq__` before any unequal
            // one sends the whole comparison to the general path (the checks
            // done here have no side effects, so it may start over).
            if x.kind() == Kind::Tuple
                && y.kind() == Kind::Tuple
                && !x.owns_cls()
                && !y.owns_cls()
                && depth < FAST_TUPLE_DEPTH
            {
                let (Some(s), Some(t)) = (
                    x.downcast::<super::tuple::Tuple>(),
                    y.downcast::<super::tuple::Tuple>(),
                ) else {
                    return None;
                };
                let (s, t) = (s.as_slice(), t.as_slice());
                if s.len() != t.len() {
                    return Some(false);
                }
                for (i, j) in s.iter().zip(t) {
                    match fast_key_eq_depth(i, j, depth + 1)? {
                        true => {}
                        false => return Some(false),
                    }
                }
                return Some(true);
            }
            None
        }
        (Value::Obj(_), _) | (_, Value::Obj(_)) => None,
        (Value::Int(x), Value::Int(y)) => Some(x == y),
        (Value::Float(x), Value::Float(y)) => Some(x == y),
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => {
            Some((*x as f64) == *y && (*y as i64) == *x)
        }
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
        (Value::Bool(x), Value::Int(y)) | (Value::Int(y), Value::Bool(x)) => Some(*x as i64 == *y),
        (Value::Bool(x), Value::Float(y)) | (Value::Float(y), Value::Bool(x)) => {
            Some(*x as i64 as f64 == *y)
        }
        (Value::None, Value::None) => Some(true),
        _ => Some(false),
    }
}

impl DictTable {
    pub fn new() -> DictTable {
        DictTable {
            keys_version: next_keys_version(),
            ..Default::default()
        }
    }

    pub fn with_capacity(n: usize) -> DictTable {
        let mut t = DictTable::new();
        t.entries.reserve(n);
        if n > SMALL {
            let size = (n * 3 / 2 + 1).next_power_of_two().max(16);
            t.indices = vec![EMPTY; size].into_boxed_slice();
        }
        t
    }

    #[inline(always)]
    pub fn len(&self) -> usize {
        self.used
    }

    #[inline(always)]
    pub fn keys_version(&self) -> u64 {
        self.keys_version
    }

    /// Number of entry positions (live and deleted); iteration bound.
    #[inline(always)]
    pub fn positions(&self) -> usize {
        self.entries.len()
    }

    /// The live entry at position `ix`, if any.
    #[inline(always)]
    pub fn entry(&self, ix: usize) -> Option<&DictEntry> {
        match self.entries.get(ix) {
            Some(e) if !e.key.is_undef() => Some(e),
            _ => None,
        }
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &DictEntry> {
        self.entries.iter().filter(|e| !e.key.is_undef())
    }

    /// Positions of entries whose hash equals `hash`, in probe order.
    pub fn candidates(&self, hash: i64) -> smallvec::SmallVec<[usize; 4]> {
        let mut out = smallvec::SmallVec::new();
        if self.indices.is_empty() {
            for (i, e) in self.entries.iter().enumerate() {
                if e.hash == hash && !e.key.is_undef() {
                    out.push(i);
                }
            }
            return out;
        }
        let mask = self.indices.len() - 1;
        let mut perturb = hash as u64;
        let mut i = (hash as u64 as usize) & mask;
        loop {
            let ix = self.indices[i];
            if ix == EMPTY {
                return out;
            }
            if ix != DUMMY {
                let e = &self.entries[ix as usize];
                if e.hash == hash {
                    out.push(ix as usize);
                }
            }
            perturb >>= 5;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(perturb as usize)
                .wrapping_add(1))
                & mask;
        }
    }

    /// Looks `key` up comparing without Python code.
    #[inline]
    pub fn find_fast(&self, hash: i64, key: &Value) -> Fast {
        if self.indices.is_empty() {
            let mut needs = false;
            for (i, e) in self.entries.iter().enumerate() {
                if e.hash == hash && !e.key.is_undef() {
                    match fast_key_eq(&e.key, key) {
                        Some(true) => return Fast::Found(i),
                        Some(false) => {}
                        None => needs = true,
                    }
                }
            }
            return if needs { Fast::NeedsEq } else { Fast::Absent };
        }
        let mask = self.indices.len() - 1;
        let mut perturb = hash as u64;
        let mut i = (hash as u64 as usize) & mask;
        let mut needs = false;
        loop {
            let ix = self.indices[i];
            if ix == EMPTY {
                return if needs { Fast::NeedsEq } else { Fast::Absent };
            }
            if ix != DUMMY {
                let e = &self.entries[ix as usize];
                if e.hash == hash {
                    match fast_key_eq(&e.key, key) {
                        Some(true) => return Fast::Found(ix as usize),
                        Some(false) => {}
                        None => needs = true,
                    }
                }
            }
            perturb >>= 5;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(perturb as usize)
                .wrapping_add(1))
                & mask;
        }
    }

    /// Lookup of an exact `str` key (interned names hit on pointer equality).
    #[inline]
    pub fn find_str(&self, key: &ObjRef, s: &str, hash: i64) -> Option<usize> {
        let matches = |e: &DictEntry| -> bool {
            if e.hash != hash {
                return false;
            }
            match &e.key {
                Value::Obj(k) => {
                    k.is(key)
                        || (!k.owns_cls() && k.downcast::<Str>().is_some_and(|t| t.as_str() == s))
                }
                _ => false,
            }
        };
        if self.indices.is_empty() {
            return self.entries.iter().position(matches);
        }
        let mask = self.indices.len() - 1;
        let mut perturb = hash as u64;
        let mut i = (hash as u64 as usize) & mask;
        loop {
            let ix = self.indices[i];
            if ix == EMPTY {
                return None;
            }
            if ix != DUMMY && matches(&self.entries[ix as usize]) {
                return Some(ix as usize);
            }
            perturb >>= 5;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(perturb as usize)
                .wrapping_add(1))
                & mask;
        }
    }

    /// Appends a new entry (the caller checked the key is absent).
    pub fn insert_new(&mut self, hash: i64, key: Value, value: Value) -> usize {
        if self.needs_grow() {
            self.rebuild(self.used + 1);
        }
        let ix = self.entries.len();
        self.entries.push(DictEntry { hash, key, value });
        self.used += 1;
        if !self.indices.is_empty() {
            self.place_index(hash, ix as u32);
        }
        self.keys_version = next_keys_version();
        ix
    }

    fn needs_grow(&self) -> bool {
        if self.indices.is_empty() {
            self.entries.len() >= SMALL
        } else {
            (self.entries.len() + 1) * 3 > self.indices.len() * 2
        }
    }

    fn place_index(&mut self, hash: i64, ix: u32) {
        let mask = self.indices.len() - 1;
        let mut perturb = hash as u64;
        let mut i = (hash as u64 as usize) & mask;
        loop {
            let slot = self.indices[i];
            if slot == EMPTY || slot == DUMMY {
                self.indices[i] = ix;
                return;
            }
            perturb >>= 5;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(perturb as usize)
                .wrapping_add(1))
                & mask;
        }
    }

    /// Drops deleted entries and rebuilds the index for at least `want` keys.
    fn rebuild(&mut self, want: usize) {
        self.entries.retain(|e| !e.key.is_undef());
        let n = want.max(self.used);
        if n <= SMALL && self.entries.len() < SMALL {
            self.indices = Box::new([]);
        } else {
            let size = (n * 3).next_power_of_two().max(16);
            self.indices = vec![EMPTY; size].into_boxed_slice();
            for ix in 0..self.entries.len() {
                let h = self.entries[ix].hash;
                self.place_index(h, ix as u32);
            }
        }
        self.keys_version = next_keys_version();
    }

    /// Replaces the value at a live position, returning the old one.
    #[inline]
    pub fn replace_value(&mut self, ix: usize, value: Value) -> Value {
        std::mem::replace(&mut self.entries[ix].value, value)
    }

    /// Removes the live entry at `ix`, returning its key and value.
    pub fn remove_at(&mut self, ix: usize) -> (Value, Value) {
        let hash = self.entries[ix].hash;
        if !self.indices.is_empty() {
            let mask = self.indices.len() - 1;
            let mut perturb = hash as u64;
            let mut i = (hash as u64 as usize) & mask;
            loop {
                if self.indices[i] == ix as u32 {
                    self.indices[i] = DUMMY;
                    break;
                }
                if self.indices[i] == EMPTY {
                    break;
                }
                perturb >>= 5;
                i = (i
                    .wrapping_mul(5)
                    .wrapping_add(perturb as usize)
                    .wrapping_add(1))
                    & mask;
            }
        }
        let e = &mut self.entries[ix];
        let k = std::mem::take(&mut e.key);
        let v = std::mem::take(&mut e.value);
        self.used -= 1;
        self.keys_version = next_keys_version();
        if self.used == 0 {
            self.entries.clear();
            self.indices = Box::new([]);
        } else if self.indices.is_empty() && ix + 1 == self.entries.len() {
            self.entries.pop();
        }
        (k, v)
    }

    /// Position of the last live entry (for `popitem`).
    pub fn last_position(&self) -> Option<usize> {
        self.entries.iter().rposition(|e| !e.key.is_undef())
    }

    /// Removes everything, returning the entries so the caller can drop them
    /// after releasing its borrow.
    pub fn take_all(&mut self) -> Vec<DictEntry> {
        self.indices = Box::new([]);
        self.used = 0;
        self.keys_version = next_keys_version();
        std::mem::take(&mut self.entries)
    }

    /// Capacity figures for the size model: (index slots, entry slots).
    pub fn capacity(&self) -> (usize, usize) {
        (self.indices.len(), self.entries.capacity())
    }
}

#[derive(Default)]
pub struct Dict {
    pub table: RefCell<DictTable>,
}

impl Dict {
    /// CPython's MAINTAIN_TRACKING: an exact dict starts untracked and is
    /// tracked by the collector once a key or value that could be part of
    /// a reference cycle is stored in it.
    #[inline]
    pub fn note_insert(&self, key: &Value, value: &Value) {
        let h = self.header();
        if h.flags.get() & crate::object::rc::FLAG_TRACKED != 0 {
            return;
        }
        if may_be_tracked(key) || may_be_tracked(value) {
            // SAFETY: `h` is the header of the live object holding this dict.
            unsafe { crate::gc::heap::track_header(h) };
        }
    }

    /// The header of the object this payload lives in.
    fn header(&self) -> &crate::object::rc::Header {
        // Exact dicts (`Obj<Dict>`) and dict subclass instances
        // (`Obj<Inst<Dict>>`, base first, both repr(C)) keep the payload at
        // the same offset after the header.
        const OFF: usize = std::mem::offset_of!(crate::object::rc::Obj<Dict>, data);
        const _: () = assert!(
            OFF == std::mem::offset_of!(
                crate::object::rc::Obj<crate::object::instance::Inst<Dict>>,
                data
            ) + std::mem::offset_of!(crate::object::instance::Inst<Dict>, base)
        );
        // SAFETY: dict payloads only exist inside heap objects, OFF bytes
        // after their header (checked above for both layouts).
        unsafe {
            &*((self as *const Dict as *const u8).sub(OFF) as *const crate::object::rc::Header)
        }
    }

    pub fn new() -> Dict {
        Dict {
            table: RefCell::new(DictTable::new()),
        }
    }

    pub fn len(&self) -> usize {
        self.table.borrow().len()
    }

    /// Value of an exact `str` key, without Python code.
    #[inline]
    pub fn get_str(&self, key: &ObjRef) -> Option<Value> {
        let s = key.downcast::<Str>()?;
        let t = self.table.borrow();
        let ix = t.find_str(key, s.as_str(), s.hash())?;
        Some(t.entries[ix].value.clone())
    }

    /// Sets an exact `str` key (no Python code can run).
    pub fn set_str(&self, key: &ObjRef, value: Value) {
        let s = key.downcast::<Str>().expect("set_str: key must be a str");
        let hash = s.hash();
        let old = {
            let mut t = self.table.borrow_mut();
            match t.find_str(key, s.as_str(), hash) {
                Some(ix) => {
                    self.note_insert(&Value::None, &value);
                    Some(t.replace_value(ix, value))
                }
                None => {
                    self.note_insert(&Value::None, &value);
                    t.insert_new(hash, Value::Obj(key.clone()), value);
                    None
                }
            }
        };
        crate::gc::alloc_trace::note_resize(self.header());
        drop(old);
    }

    /// Removes an exact `str` key; returns the old value.
    pub fn del_str(&self, key: &ObjRef) -> Option<Value> {
        let s = key.downcast::<Str>()?;
        let removed = {
            let mut t = self.table.borrow_mut();
            let ix = t.find_str(key, s.as_str(), s.hash())?;
            t.remove_at(ix)
        };
        Some(removed.1)
    }

    /// Live (key, value) pairs, cloned.
    pub fn items(&self) -> Vec<(Value, Value)> {
        self.table
            .borrow()
            .iter()
            .map(|e| (e.key.clone(), e.value.clone()))
            .collect()
    }

    pub fn keys(&self) -> Vec<Value> {
        self.table.borrow().iter().map(|e| e.key.clone()).collect()
    }
}

impl Payload for Dict {
    const KIND: Kind = Kind::Dict;
    const NAME: &'static str = "dict";
    const IS_GC: bool = true;
    /// Each entry's value, then its key, as CPython's `dict_traverse`;
    /// exact `str` keys are skipped (CPython visits only the values of a
    /// str-keyed table, and a str never refers to anything).
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        if let Ok(t) = self.table.try_borrow() {
            for e in t.iter() {
                if let Value::Obj(o) = &e.value {
                    visit(o);
                }
                if let Value::Obj(o) = &e.key {
                    if o.kind() != Kind::Str || o.vt().owns_cls {
                        visit(o);
                    }
                }
            }
        }
    }
    fn clear(&self) {
        let old = self.table.borrow_mut().take_all();
        drop(old);
    }
}

/// Empties a dict object (used when clearing a type's namespace).
pub fn dict_clear_raw(d: &ObjRef) {
    if let Some(d) = d.downcast::<Dict>() {
        let old = d.table.borrow_mut().take_all();
        drop(old);
    }
}

/// CPython's `_PyObject_GC_MAY_BE_TRACKED`: a container, except an exact
/// tuple that the collector has already untracked.
fn may_be_tracked(v: &Value) -> bool {
    match v {
        Value::Obj(o) => {
            o.vt().is_gc
                && (o.kind() != super::kind::Kind::Tuple
                    || o.owns_cls()
                    || o.flags() & crate::object::rc::FLAG_TRACKED != 0)
        }
        _ => false,
    }
}
