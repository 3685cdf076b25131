//! Memory management beyond reference counting: the per-thread heap state
//! (`heap.rs`), the cycle collector (`collector.rs`), finalizers
//! (`finalize.rs`) and weak references (`weakrefs.rs`). This file holds the
//! collector's interpreter-level state (`gc.garbage`, debug flags, the legacy
//! finalizer mode, `gc.callbacks`, statistics) and the public heap API.

pub mod alloc_trace;
pub mod check;
pub mod collector;
pub mod finalize;
pub mod heap;
pub mod referents;
pub mod roots;
pub mod weakrefs;

use crate::object::value::Value;
use crate::vm::Vm;

pub const DEBUG_STATS: u32 = 1;
pub const DEBUG_COLLECTABLE: u32 = 2;
pub const DEBUG_UNCOLLECTABLE: u32 = 4;
pub const DEBUG_SAVEALL: u32 = 32;
pub const DEBUG_LEAK: u32 = DEBUG_COLLECTABLE | DEBUG_UNCOLLECTABLE | DEBUG_SAVEALL;

/// Per-generation statistics (`gc.get_stats`).
#[derive(Clone, Copy, Default, Debug)]
pub struct GenStats {
    pub collections: usize,
    pub collected: usize,
    pub uncollectable: usize,
}

#[derive(Default)]
pub struct GcState {
    /// `gc.garbage` (a list object), created with the gc module.
    pub garbage: Option<crate::object::rc::ObjRef>,
    /// `gc.callbacks` (a list object).
    pub callbacks: Option<crate::object::rc::ObjRef>,
    pub debug: u32,
    /// Pre-3.4 behaviour: cycles with `__del__` are not collected.
    pub legacy: bool,
    pub stats: [GenStats; 3],
    pub long_lived_total: usize,
    pub long_lived_pending: usize,
}

impl GcState {
    pub(crate) fn add_garbage(&mut self, v: Value) {
        if let Some(g) = &self.garbage {
            if let Some(l) = g.downcast::<crate::object::list::List>() {
                l.items.borrow_mut().push(v);
            }
        }
    }

    pub(crate) fn record(&mut self, generation: usize, r: collector::Collected) {
        let s = &mut self.stats[generation];
        s.collections += 1;
        s.collected += r.collected;
        s.uncollectable += r.uncollectable;
    }
}

impl Vm {
    /// Calls each of `gc.callbacks` with (phase, info).
    pub(crate) fn gc_invoke_callbacks(
        &mut self,
        phase: &str,
        generation: usize,
        r: collector::Collected,
    ) {
        let cbs = match &self.gc_state.callbacks {
            Some(l) => l
                .downcast::<crate::object::list::List>()
                .map(|l| l.snapshot())
                .unwrap_or_default(),
            None => return,
        };
        if cbs.is_empty() {
            return;
        }
        let info = self.new_dict();
        let pairs = [
            ("generation", Value::Int(generation as i64)),
            ("collected", Value::Int(r.collected as i64)),
            ("uncollectable", Value::Int(r.uncollectable as i64)),
        ];
        for (k, v) in pairs {
            let key = self.intern(k);
            info.downcast::<crate::object::dict::Dict>()
                .unwrap()
                .set_str(&key, v);
        }
        let ph = self.str_val(phase);
        for cb in cbs {
            if let Err(e) = self.call(&cb, vec![ph.clone(), Value::Obj(info.clone())]) {
                let r = self.repr(&cb).unwrap_or_default();
                self.report_unraisable(
                    &e,
                    &format!("Exception ignored in garbage collector callback {r}"),
                );
            }
        }
    }
}
