//! Builtin iterator objects (`list_iterator`, `range_iterator`, `enumerate`,
//! `zip`, `map`, ...): one payload whose state enum says which. Each state
//! owns what it iterates over; `Done` drops it (exhausted iterators free
//! their source early, as CPython's do).

use std::cell::RefCell;

use super::kind::Kind;
use super::rc::{ObjRef, Payload};
use super::value::Value;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DictPart {
    Keys,
    Values,
    Items,
}

pub enum IterState {
    Range {
        next: i64,
        step: i64,
        remaining: u64,
    },
    /// A range beyond 64 bits.
    BigRange {
        next: num_bigint::BigInt,
        step: num_bigint::BigInt,
        remaining: num_bigint::BigInt,
    },
    List {
        seq: ObjRef,
        index: usize,
    },
    ListRev {
        seq: ObjRef,
        index: usize,
    },
    Tuple {
        seq: ObjRef,
        index: usize,
    },
    Str {
        s: ObjRef,
        pos: usize,
    },
    Bytes {
        b: ObjRef,
        index: usize,
    },
    Dict {
        d: ObjRef,
        pos: usize,
        len: usize,
        part: DictPart,
    },
    DictRev {
        d: ObjRef,
        pos: usize,
        len: usize,
        part: DictPart,
    },
    Set {
        s: ObjRef,
        pos: usize,
        len: usize,
    },
    /// Old-style iteration through `__getitem__` with 0, 1, 2, ...
    Seq {
        obj: Value,
        index: i64,
    },
    /// `iter(callable, sentinel)`.
    Callable {
        func: Value,
        sentinel: Value,
    },
    Enumerate {
        it: Value,
        count: Value,
    },
    Zip {
        its: Vec<Value>,
        strict: bool,
    },
    Map {
        func: Value,
        its: Vec<Value>,
    },
    Filter {
        func: Value,
        it: Value,
    },
    /// `reversed(seq)` through `__len__`/`__getitem__`.
    Reversed {
        seq: Value,
        index: i64,
    },
    Done,
}

pub struct IterObj {
    pub state: RefCell<IterState>,
}

impl IterObj {
    pub fn new(s: IterState) -> IterObj {
        IterObj {
            state: RefCell::new(s),
        }
    }
}

fn visit_v(v: &Value, visit: &mut dyn FnMut(&ObjRef)) {
    if let Value::Obj(o) = v {
        visit(o);
    }
}

impl Payload for IterObj {
    const KIND: Kind = Kind::Iter;
    const NAME: &'static str = "iterator";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        let Ok(s) = self.state.try_borrow() else {
            return;
        };
        match &*s {
            IterState::List { seq, .. }
            | IterState::ListRev { seq, .. }
            | IterState::Tuple { seq, .. } => visit(seq),
            IterState::Str { s, .. } | IterState::Set { s, .. } => visit(s),
            IterState::Bytes { b, .. } => visit(b),
            IterState::Dict { d, .. } | IterState::DictRev { d, .. } => visit(d),
            IterState::Seq { obj, .. } => visit_v(obj, visit),
            IterState::Callable { func, sentinel } => {
                visit_v(func, visit);
                visit_v(sentinel, visit);
            }
            IterState::Enumerate { it, count } => {
                visit_v(it, visit);
                visit_v(count, visit);
            }
            IterState::Zip { its, .. } => its.iter().for_each(|v| visit_v(v, visit)),
            IterState::Map { func, its } => {
                visit_v(func, visit);
                its.iter().for_each(|v| visit_v(v, visit));
            }
            IterState::Filter { func, it } => {
                visit_v(func, visit);
                visit_v(it, visit);
            }
            IterState::Reversed { seq, .. } => visit_v(seq, visit),
            IterState::Range { .. } | IterState::BigRange { .. } | IterState::Done => {}
        }
    }
    fn clear(&self) {
        let old = std::mem::replace(&mut *self.state.borrow_mut(), IterState::Done);
        drop(old);
    }
}
