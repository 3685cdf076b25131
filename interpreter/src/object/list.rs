//! The `list` payload: a growable vector of values behind a `RefCell`.
//! Invariant: no borrow of `items` is held while Python code can run (calls,
//! comparisons with user `__eq__`/`__lt__`); take what you need, release the
//! borrow, then call out. Dropping elements never runs Python code (finalizers
//! are deferred), so dropping while borrowed is safe.

use std::cell::RefCell;

use super::kind::Kind;
use super::rc::{ObjRef, Payload};
use super::value::Value;

#[derive(Default)]
pub struct List {
    pub items: RefCell<Vec<Value>>,
}

impl List {
    pub fn new(items: Vec<Value>) -> List {
        List {
            items: RefCell::new(items),
        }
    }

    pub fn len(&self) -> usize {
        self.items.borrow().len()
    }

    pub fn get(&self, i: usize) -> Option<Value> {
        self.items.borrow().get(i).cloned()
    }

    pub fn snapshot(&self) -> Vec<Value> {
        self.items.borrow().clone()
    }
}

/// Releases `items` from the last to the first. CPython's list and tuple
/// deallocation, `list.clear` and slice replacement drop their items in this
/// order, so finalizers of the items run in the same order as there.
pub fn release_reversed(mut items: Vec<Value>) {
    while let Some(v) = items.pop() {
        drop(v);
    }
}

impl Drop for List {
    fn drop(&mut self) {
        release_reversed(std::mem::take(self.items.get_mut()));
    }
}

impl Payload for List {
    const KIND: Kind = Kind::List;
    const NAME: &'static str = "list";
    const IS_GC: bool = true;
    /// Last item first, as CPython's `list_traverse`.
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        if let Ok(items) = self.items.try_borrow() {
            for v in items.iter().rev() {
                if let Value::Obj(o) = v {
                    visit(o);
                }
            }
        }
    }
    fn clear(&self) {
        let old = std::mem::take(&mut *self.items.borrow_mut());
        release_reversed(old);
    }
}
