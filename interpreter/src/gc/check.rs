//! The heap checker (in the spirit of Lua's `checkmemory`): walks every
//! tracked container and verifies the collector's invariants between
//! collections. It is cheap enough to call from tests, and the `debug-heap`
//! feature runs it before and after every collection; the `stress-gc`
//! feature runs it, with a dry-run collection, at every container
//! allocation (see `stress_check`).
//!
//! Invariants checked:
//! - every list (generations 0-2 and the permanent one) is a well-formed
//!   circular list: `next.prev` and `prev.next` lead back to each member;
//! - a member is a live container (`is_gc`, count above zero) with
//!   FLAG_TRACKED and neither FLAG_MARK nor FLAG_UNREACHABLE, and is in
//!   exactly one list;
//! - a container reached from a tracked one is linked iff it is tracked;
//! - references from tracked containers to a tracked container never exceed
//!   its count (otherwise a traversal reports a reference it does not own,
//!   and the collector would free something still in use).

use rustc_hash::FxHashMap;

use crate::gc::collector::traverse_all;
use crate::gc::heap::with_heap;
use crate::object::rc::{Header, ObjRef, FLAG_MARK, FLAG_TRACKED, FLAG_UNREACHABLE};

/// What a successful check saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HeapCheck {
    /// Members of generations 0, 1, 2 and the permanent generation.
    pub generation_sizes: [usize; 4],
    /// References followed from tracked containers.
    pub references: usize,
}

/// Checks the invariants listed above. Must not run during a collection.
/// Returns the first violation found, described.
pub fn check_heap() -> Result<HeapCheck, String> {
    check_generations(3)
}

/// `check_heap` restricted to generations `0..=upto` (3 = all, with the
/// permanent one): their lists and members, and the references their
/// members hold. A referent marked tracked but outside the checked lists
/// is only reported when every list is checked. The cost is proportional
/// to the generations checked, which lets `debug-heap` check around young
/// collections without walking the whole heap.
pub fn check_generations(upto: usize) -> Result<HeapCheck, String> {
    let whole = upto >= 3;
    if with_heap(|h| h.collecting.get()) {
        return Err("check_heap called during a collection".into());
    }
    let mut report = HeapCheck::default();
    // Member -> (generation, references to it from tracked containers).
    let mut members: FxHashMap<*const Header, (usize, usize)> = FxHashMap::default();
    with_heap(|heap| -> Result<(), String> {
        for (g, list) in heap.gens.iter().enumerate().take(upto + 1) {
            let head = list.head();
            // SAFETY: the sentinel is owned by the list; members' links are
            // checked for consistency before they are followed further.
            unsafe {
                let mut l = (*head).next.get();
                let mut prev = head;
                while l != head {
                    if l.is_null() {
                        return Err(format!("generation {g}: null link after {prev:p}"));
                    }
                    if (*l).prev.get() != prev {
                        return Err(format!("generation {g}: broken prev link at {l:p}"));
                    }
                    let h = ObjRef::from_link(l);
                    check_member(h, g)?;
                    if let Some((other, _)) = members.insert(h, (g, 0)) {
                        return Err(format!("{h:p} is in generations {other} and {g}"));
                    }
                    report.generation_sizes[g] += 1;
                    prev = l;
                    l = (*l).next.get();
                }
                if (*head).prev.get() != prev {
                    return Err(format!(
                        "generation {g}: the sentinel's prev is not the last"
                    ));
                }
            }
        }
        Ok(())
    })?;
    let all: Vec<*const Header> = members.keys().copied().collect();
    for h in all {
        let mut bad: Option<String> = None;
        traverse_all(h, &mut |r| {
            report.references += 1;
            if bad.is_some() {
                return;
            }
            // SAFETY: r is referenced by a live object, so it is live.
            let rh = unsafe { &*r };
            if !rh.vt.is_gc {
                return;
            }
            let tracked = rh.flags.get() & FLAG_TRACKED != 0;
            match members.get_mut(&r) {
                Some(entry) => entry.1 += 1,
                None if tracked && whole => {
                    bad = Some(format!(
                        "{r:p} ({}) is marked tracked but in no list",
                        rh.vt.name
                    ));
                }
                None if tracked => {}
                None => {
                    // SAFETY: containers have a link before their header.
                    let l = unsafe { &*ObjRef::gc_link(r) };
                    if !l.next.get().is_null() || !l.prev.get().is_null() {
                        bad = Some(format!("{r:p} ({}) is untracked but linked", rh.vt.name));
                    }
                }
            }
        });
        if let Some(msg) = bad {
            // SAFETY: h is a member, live.
            let name = unsafe { (*h).vt.name };
            return Err(format!("{msg} (referenced from {h:p}, a {name})"));
        }
    }
    for (h, (g, internal)) in &members {
        // SAFETY: members are live.
        let hd = unsafe { &**h };
        let count = hd.refcnt.get() as usize;
        if *internal > count {
            return Err(format!(
                "{h:p} ({}, generation {g}): {internal} references from tracked \
                 containers but a count of {count}",
                hd.vt.name
            ));
        }
    }
    Ok(report)
}

/// The per-member checks.
fn check_member(h: *const Header, g: usize) -> Result<(), String> {
    // SAFETY: a list member is a live container (checked as far as the
    // header allows: the vtable pointer of a freed object would be garbage,
    // which valgrind and the stress tests are there to catch).
    let hd = unsafe { &*h };
    let f = hd.flags.get();
    if !hd.vt.is_gc {
        return Err(format!(
            "{h:p} in generation {g} is not a container ({})",
            hd.vt.name
        ));
    }
    if hd.refcnt.get() == 0 {
        return Err(format!(
            "{h:p} ({}) in generation {g} has a count of 0",
            hd.vt.name
        ));
    }
    if f & FLAG_TRACKED == 0 {
        return Err(format!(
            "{h:p} ({}) is in generation {g} without FLAG_TRACKED",
            hd.vt.name
        ));
    }
    if f & (FLAG_MARK | FLAG_UNREACHABLE) != 0 {
        return Err(format!(
            "{h:p} ({}) in generation {g} keeps collector marks ({f:#x}) between collections",
            hd.vt.name
        ));
    }
    Ok(())
}

/// Panics with the violation when the heap is inconsistent: the hook of the
/// `debug-heap` and `stress-gc` features.
pub fn assert_heap_ok(upto: usize, when: &str) {
    if let Err(e) = check_generations(upto) {
        panic!("heap check failed {when}: {e}");
    }
}

/// The `stress-gc` feature's hook, run at the safe point after every
/// container allocation: a full check of the heap (which includes the
/// collector's `subtract_refs` step over every tracked object, without
/// freeing anything, so the program's observable behaviour is unchanged).
/// To keep a stressed test suite finishing, a heap of N tracked objects is
/// checked at one allocation in N / 20 (about twenty objects checked
/// per allocation, amortized).
#[cfg(feature = "stress-gc")]
pub fn stress_check() {
    use std::cell::Cell;
    thread_local! {
        static SKIP: Cell<usize> = const { Cell::new(0) };
    }
    if with_heap(|h| h.collecting.get()) {
        return;
    }
    let due = SKIP.with(|s| {
        let left = s.get();
        if left > 0 {
            s.set(left - 1);
        }
        left == 0
    });
    if !due {
        return;
    }
    match check_heap() {
        Ok(r) => {
            let size: usize = r.generation_sizes.iter().sum();
            SKIP.with(|s| s.set(size / 20));
        }
        Err(e) => panic!("stress-gc: heap check failed: {e}"),
    }
}
