//! The `tuple` payload: a fixed sequence of values.
//! Invariant: the items never change after construction, except that the
//! collector's `clear` empties a tuple that is unreachable garbage. A borrow of
//! the items can only exist through a live reference chain from a counted
//! handle, so no reader can observe a cleared (unreachable) tuple.

use std::cell::UnsafeCell;

use super::kind::Kind;
use super::rc::{ObjRef, Payload};
use super::value::Value;

pub struct Tuple {
    items: UnsafeCell<Box<[Value]>>,
}

impl Tuple {
    pub fn new(items: Vec<Value>) -> Tuple {
        Tuple {
            items: UnsafeCell::new(items.into_boxed_slice()),
        }
    }

    #[inline(always)]
    pub fn as_slice(&self) -> &[Value] {
        // SAFETY: see the module invariant: only `clear` mutates, and only on
        // unreachable tuples that no reader can reach.
        unsafe { &*self.items.get() }
    }

    #[inline(always)]
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }
}

impl Drop for Tuple {
    /// Items are released last to first, as CPython's tuple deallocation does.
    fn drop(&mut self) {
        let items = std::mem::take(self.items.get_mut());
        super::list::release_reversed(items.into_vec());
    }
}

impl Payload for Tuple {
    const KIND: Kind = Kind::Tuple;
    const NAME: &'static str = "tuple";
    const IS_GC: bool = true;
    /// Last item first, as CPython's tuple traversal.
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        for v in self.as_slice().iter().rev() {
            if let Value::Obj(o) = v {
                visit(o);
            }
        }
    }
    fn clear(&self) {
        // SAFETY: the collector clears only unreachable tuples (module doc);
        // the old items are moved out before being dropped.
        let old = unsafe { std::mem::take(&mut *self.items.get()) };
        super::list::release_reversed(old.into_vec());
    }
}
