//! Weak references: the table from referents to the weakref objects that
//! point at them, clearing them when the referent dies (by refcount or by
//! the collector), and queueing their callbacks (CPython's
//! `PyObject_ClearWeakRefs` and `handle_weakrefs`).
//!
//! Invariants: an object has FLAG_HAS_WEAKREFS iff the table has an entry
//! for it; a weakref's `referent` is null once the referent died; a weakref
//! object removes itself from the table when it is freed.

use std::cell::{Cell, RefCell};

use rustc_hash::FxHashMap;

use crate::object::kind::Kind;
use crate::object::rc::{Header, ObjRef, Payload, FLAG_HAS_WEAKREFS, FLAG_UNREACHABLE};
use crate::object::value::Value;
use crate::vm::trap::TRAP_FINALIZE;
use crate::vm::Vm;

/// A weak reference (also the base of proxies).
pub struct WeakRef {
    /// The referent, or null once it died.
    pub referent: Cell<*const Header>,
    pub callback: RefCell<Value>,
    /// Cached hash of the referent (-1 = not computed).
    pub hash: Cell<i64>,
    /// Unique id used to find this weakref in the table.
    pub id: u64,
    /// True for `weakref.proxy` objects.
    pub proxy: bool,
}

impl WeakRef {
    /// The referent if still alive.
    pub fn get(&self) -> Option<ObjRef> {
        let p = self.referent.get();
        if p.is_null() {
            None
        } else {
            // SAFETY: non-null means the referent is alive (cleared on death).
            Some(unsafe { ObjRef::from_raw_incref(p) })
        }
    }
}

impl Drop for WeakRef {
    fn drop(&mut self) {
        let p = self.referent.get();
        if p.is_null() {
            return;
        }
        TABLE.with(|t| {
            let mut t = t.borrow_mut();
            if let Some(v) = t.get_mut(&(p as usize)) {
                v.retain(|(id, _)| *id != self.id);
                if v.is_empty() {
                    t.remove(&(p as usize));
                    // SAFETY: the referent is alive (referent non-null).
                    let h = unsafe { &*p };
                    h.flags.set(h.flags.get() & !FLAG_HAS_WEAKREFS);
                }
            }
        });
    }
}

impl Payload for WeakRef {
    const KIND: Kind = Kind::WeakRef;
    const NAME: &'static str = "weakref";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        if let Ok(cb) = self.callback.try_borrow() {
            if let Value::Obj(o) = &*cb {
                visit(o);
            }
        }
    }
    fn clear(&self) {
        let old = std::mem::replace(&mut *self.callback.borrow_mut(), Value::None);
        drop(old);
    }
}

type Entry = (u64, *const Header);

thread_local! {
    static TABLE: RefCell<FxHashMap<usize, Vec<Entry>>> = RefCell::new(FxHashMap::default());
    static PENDING: RefCell<Vec<(Value, ObjRef)>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
}

/// Registers weakref object `wr` (payload WeakRef) for `referent`.
pub fn register(referent: &ObjRef, wr: &ObjRef) {
    let id = wr.downcast::<WeakRef>().map(|w| w.id).unwrap_or(0);
    TABLE.with(|t| {
        t.borrow_mut()
            .entry(referent.addr())
            .or_default()
            .push((id, wr.as_ptr()))
    });
    referent.set_flag(FLAG_HAS_WEAKREFS);
}

pub fn next_id() -> u64 {
    NEXT_ID.with(|c| {
        let v = c.get();
        c.set(v + 1);
        v
    })
}

/// The live weakref objects of `referent`, oldest first.
pub fn weakrefs_of(referent: &ObjRef) -> Vec<ObjRef> {
    TABLE.with(|t| {
        t.borrow()
            .get(&referent.addr())
            .map(|v| {
                // SAFETY: weakrefs in the table are alive (they remove
                // themselves when freed).
                v.iter()
                    .map(|(_, p)| unsafe { ObjRef::from_raw_incref(*p) })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Detaches every weakref from `h` (which is dying); returns the weakref
/// objects (counted) so the caller can queue callbacks.
fn detach_all(h: *const Header) -> Vec<ObjRef> {
    let entries = TABLE
        .with(|t| t.borrow_mut().remove(&(h as usize)))
        .unwrap_or_default();
    // SAFETY: h is still a valid object while it is being torn down.
    let hdr = unsafe { &*h };
    hdr.flags.set(hdr.flags.get() & !FLAG_HAS_WEAKREFS);
    let mut out = Vec::with_capacity(entries.len());
    for (_, p) in entries {
        // SAFETY: table entries are live weakref objects.
        let w = unsafe { ObjRef::from_raw_incref(p) };
        if let Some(wr) = w.downcast::<WeakRef>() {
            wr.referent.set(std::ptr::null());
        }
        out.push(w);
    }
    out
}

/// The referent `h` died by refcount: clear its weakrefs; callbacks run at
/// the VM's next safe point (newest weakref first, as CPython does).
pub(crate) fn clear_weakrefs_on_dealloc(h: *const Header) {
    let wrs = detach_all(h);
    let mut queued = false;
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        for w in wrs.into_iter().rev() {
            let cb = w
                .downcast::<WeakRef>()
                .map(|x| x.callback.borrow().clone())
                .unwrap_or(Value::None);
            if !cb.is_none() {
                p.push((cb, w));
                queued = true;
            }
        }
    });
    if queued {
        crate::gc::heap::raise(TRAP_FINALIZE);
    }
}

/// Callbacks waiting to run: (callback, weakref).
pub(crate) fn take_pending_callbacks() -> Vec<(Value, ObjRef)> {
    PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()))
}

/// The collector's weakref step, first half, for one unreachable object
/// `h` that has weak references: clears them and queues, in `callbacks`,
/// the callbacks of those that are not themselves garbage (CPython's rule:
/// a weakref in the unreachable set is as dead as its referent, so its
/// callback must not run).
pub(crate) fn clear_for_collection(h: *const Header, callbacks: &mut Vec<(Value, ObjRef)>) {
    for w in detach_all(h).into_iter().rev() {
        if w.flags() & FLAG_UNREACHABLE != 0 {
            continue;
        }
        let cb = w
            .downcast::<WeakRef>()
            .map(|x| x.callback.borrow().clone())
            .unwrap_or(Value::None);
        if !cb.is_none() {
            callbacks.push((cb, w));
        }
    }
}

/// Second half: runs the queued callbacks once every weakref to the
/// unreachable set is cleared. Returns the number of weakref objects freed
/// by it and whether any callback ran (Python code may then have
/// resurrected something).
pub(crate) fn run_collection_callbacks(
    vm: &mut Vm,
    callbacks: Vec<(Value, ObjRef)>,
) -> (usize, bool) {
    let ran = !callbacks.is_empty();
    let mut freed = 0;
    for (cb, w) in callbacks {
        if let Err(e) = vm.call(&cb, vec![Value::Obj(w.clone())]) {
            let r = vm.repr(&cb).unwrap_or_default();
            vm.report_unraisable(&e, &format!("Exception ignored in: {r}"));
        }
        if w.refcount() == 1 {
            freed += 1;
        }
    }
    (freed, ran)
}
