//! The `set`/`frozenset` payload: an open-addressing table that follows
//! CPython 3.11's setobject.c step for step (minimum size 8, 9 linear probes
//! then perturbed jumps, resize when fill*5 >= mask*3 to used*4 or used*2,
//! dummies for deleted keys, the `pop` finger), so that iteration order of
//! sets of ints and tuples is the same as CPython's.
//!
//! Invariants: `table.len()` is a power of two >= 8; `fill` counts active and
//! dummy slots, `used` active ones; an empty slot has hash 0 and key Undef, a
//! dummy hash -1 and key Undef. Comparisons that may run Python code happen in
//! `vm::setops`, outside any borrow.

use std::cell::RefCell;

use super::dict::fast_key_eq;
use super::kind::Kind;
use super::rc::{ObjRef, Payload};
use super::value::Value;

const MINSIZE: usize = 8;
const LINEAR_PROBES: usize = 9;
const PERTURB_SHIFT: u32 = 5;

#[derive(Clone)]
pub struct SetEntry {
    pub hash: i64,
    pub key: Value,
}

impl SetEntry {
    fn empty() -> SetEntry {
        SetEntry {
            hash: 0,
            key: Value::Undef,
        }
    }
    #[inline]
    fn is_empty(&self) -> bool {
        self.key.is_undef() && self.hash == 0
    }
    #[inline]
    fn is_dummy(&self) -> bool {
        self.key.is_undef() && self.hash == -1
    }
    #[inline]
    pub fn is_active(&self) -> bool {
        !self.key.is_undef()
    }
}

pub struct SetTable {
    table: Vec<SetEntry>,
    fill: usize,
    used: usize,
    finger: usize,
}

pub enum SetFast {
    Found(usize),
    Absent,
    NeedsEq,
}

impl Default for SetTable {
    fn default() -> Self {
        SetTable::new()
    }
}

/// The probe sequence of CPython's set: runs of up to 10 consecutive slots
/// (the start plus 9 linear probes, when they fit) then a perturbed jump.
struct Probe {
    i: usize,
    j: usize,
    run: usize,
    mask: usize,
    perturb: u64,
}

impl Probe {
    fn new(hash: i64, mask: usize) -> Probe {
        let i = (hash as u64 as usize) & mask;
        Probe {
            i,
            j: 0,
            run: if i + LINEAR_PROBES <= mask {
                LINEAR_PROBES
            } else {
                0
            },
            mask,
            perturb: hash as u64,
        }
    }
    #[inline]
    fn next(&mut self) -> usize {
        if self.j > self.run {
            self.perturb >>= PERTURB_SHIFT;
            self.i = (self
                .i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(self.perturb as usize))
                & self.mask;
            self.j = 0;
            self.run = if self.i + LINEAR_PROBES <= self.mask {
                LINEAR_PROBES
            } else {
                0
            };
        }
        let slot = self.i + self.j;
        self.j += 1;
        slot
    }
}

impl SetTable {
    pub fn new() -> SetTable {
        SetTable {
            table: vec![SetEntry::empty(); MINSIZE],
            fill: 0,
            used: 0,
            finger: 0,
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.used
    }

    pub fn mask(&self) -> usize {
        self.table.len() - 1
    }

    /// Active plus dummy slots.
    pub fn fill(&self) -> usize {
        self.fill
    }

    pub fn slots(&self) -> &[SetEntry] {
        &self.table
    }

    pub fn iter(&self) -> impl Iterator<Item = &SetEntry> {
        self.table.iter().filter(|e| e.is_active())
    }

    pub fn keys(&self) -> Vec<Value> {
        self.iter().map(|e| e.key.clone()).collect()
    }

    /// Looks a key up, comparing without Python code.
    pub fn find_fast(&self, hash: i64, key: &Value) -> SetFast {
        let mut p = Probe::new(hash, self.mask());
        let mut needs = false;
        loop {
            let s = p.next();
            let e = &self.table[s];
            if e.is_empty() {
                return if needs {
                    SetFast::NeedsEq
                } else {
                    SetFast::Absent
                };
            }
            if e.hash == hash && e.is_active() {
                match fast_key_eq(&e.key, key) {
                    Some(true) => return SetFast::Found(s),
                    Some(false) => {}
                    None => needs = true,
                }
            }
        }
    }

    /// Active keys along `hash`'s probe path that have an equal hash.
    pub fn candidates(&self, hash: i64) -> Vec<(usize, Value)> {
        let mut out = Vec::new();
        let mut p = Probe::new(hash, self.mask());
        loop {
            let s = p.next();
            let e = &self.table[s];
            if e.is_empty() {
                return out;
            }
            if e.hash == hash && e.is_active() {
                out.push((s, e.key.clone()));
            }
        }
    }

    /// Inserts a key known to be absent (CPython's `set_add_entry` tail:
    /// reuse the first dummy on the probe path, else the first empty slot).
    pub fn insert_absent(&mut self, hash: i64, key: Value) {
        let mut p = Probe::new(hash, self.mask());
        let mut freeslot = None;
        let slot = loop {
            let s = p.next();
            let e = &self.table[s];
            if e.is_empty() {
                break s;
            }
            if e.is_dummy() && freeslot.is_none() {
                freeslot = Some(s);
            }
        };
        if let Some(f) = freeslot {
            self.table[f] = SetEntry { hash, key };
            self.used += 1;
            return;
        }
        self.table[slot] = SetEntry { hash, key };
        self.fill += 1;
        self.used += 1;
        let mask = self.mask();
        if self.fill * 5 >= mask * 3 {
            let minused = if self.used > 50000 {
                self.used * 2
            } else {
                self.used * 4
            };
            self.resize(minused);
        }
    }

    fn insert_clean(table: &mut [SetEntry], hash: i64, key: Value) {
        let mask = table.len() - 1;
        let mut p = Probe::new(hash, mask);
        loop {
            let s = p.next();
            if table[s].key.is_undef() {
                table[s] = SetEntry { hash, key };
                return;
            }
        }
    }

    /// CPython's `set_table_resize`.
    pub fn resize(&mut self, minused: usize) {
        let mut newsize = MINSIZE;
        while newsize <= minused {
            newsize <<= 1;
        }
        let old = std::mem::replace(&mut self.table, vec![SetEntry::empty(); newsize]);
        self.fill = self.used;
        for e in old {
            if e.is_active() {
                Self::insert_clean(&mut self.table, e.hash, e.key);
            }
        }
    }

    /// Turns the active slot `s` into a dummy, returning its key.
    pub fn remove_slot(&mut self, s: usize) -> Value {
        let e = &mut self.table[s];
        let k = std::mem::take(&mut e.key);
        e.hash = -1;
        self.used -= 1;
        k
    }

    /// CPython's `set_pop`: the first active slot at or after the finger.
    pub fn pop(&mut self) -> Option<Value> {
        if self.used == 0 {
            return None;
        }
        let mask = self.mask();
        let mut s = self.finger & mask;
        while !self.table[s].is_active() {
            s += 1;
            if s > mask {
                s = 0;
            }
        }
        let k = self.remove_slot(s);
        self.finger = s + 1;
        Some(k)
    }

    /// Copies another table into this empty one as CPython's `set_merge` does
    /// (same-size tables are copied slot for slot, preserving order).
    pub fn merge_from(&mut self, other: &SetTable) {
        if other.used == 0 {
            return;
        }
        if (self.fill + other.used) * 5 >= self.mask() * 3 {
            self.resize((self.used + other.used) * 2);
        }
        if self.fill == 0 && self.mask() == other.mask() && other.fill == other.used {
            for (i, e) in other.table.iter().enumerate() {
                if e.is_active() {
                    self.table[i] = e.clone();
                }
            }
            self.fill = other.fill;
            self.used = other.used;
            return;
        }
        if self.fill == 0 {
            self.fill = other.used;
            self.used = other.used;
            for e in other.table.iter() {
                if e.is_active() {
                    Self::insert_clean(&mut self.table, e.hash, e.key.clone());
                }
            }
        }
        // Non-empty targets go through ordinary insertion (`vm::setops`).
    }

    pub fn take_all(&mut self) -> Vec<SetEntry> {
        self.fill = 0;
        self.used = 0;
        self.finger = 0;
        std::mem::replace(&mut self.table, vec![SetEntry::empty(); MINSIZE])
    }

    /// Slots in the table (for the size model).
    pub fn capacity(&self) -> usize {
        self.table.len()
    }
}

/// `set` and `frozenset` share this payload; `frozen` tells them apart.
pub struct Set {
    pub table: RefCell<SetTable>,
    pub frozen: bool,
    /// Cached frozenset hash (-1 = not computed).
    pub hash: std::cell::Cell<i64>,
}

impl Set {
    pub fn new(frozen: bool) -> Set {
        Set {
            table: RefCell::new(SetTable::new()),
            frozen,
            hash: std::cell::Cell::new(-1),
        }
    }
    pub fn len(&self) -> usize {
        self.table.borrow().len()
    }
    pub fn keys(&self) -> Vec<Value> {
        self.table.borrow().keys()
    }
}

impl Payload for Set {
    const KIND: Kind = Kind::Set;
    const NAME: &'static str = "set";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        if let Ok(t) = self.table.try_borrow() {
            for e in t.iter() {
                if let Value::Obj(o) = &e.key {
                    visit(o);
                }
            }
        }
    }
    fn clear(&self) {
        let old = self.table.borrow_mut().take_all();
        drop(old);
    }
}
