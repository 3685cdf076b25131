//! The cycle collector: finds groups of tracked containers that refer only
//! to each other and frees them. CPython 3.11's `gc_collect_main`, step for
//! step; read `collect` first.
//!
//! Between collections every tracked container is in exactly one generation
//! list. During `collect`, `gc_refs` starts as the refcount and ends as the
//! number of references from outside the generation being collected; objects
//! with outside references, and everything they reach, survive. Breaking
//! cycles never frees memory directly: `clear` drops the references an
//! object owns and the reference counts do the rest.

use crate::gc::heap::{self, unlink, with_heap, GenList};
use crate::object::rc::{GcLink, Header, ObjRef, FLAG_FINALIZED, FLAG_MARK, FLAG_TRACKED};
use crate::object::value::Value;
use crate::vm::Vm;

/// `gc_refs` value of objects known to be reachable.
const REACHABLE: isize = isize::MIN;

/// Calls `visit` for every object `h` refers to, including its class when
/// the object holds a counted reference to it.
/// `h` must point at a live object (held by the caller or tracked); only
/// the collector and the heap walks in this crate call it.
pub(crate) fn traverse_all(h: *const Header, visit: &mut dyn FnMut(*const Header)) {
    // SAFETY: h is a live object (see above).
    let hdr = unsafe { &*h };
    if hdr.vt.owns_cls {
        visit(hdr.cls.get());
    }
    (hdr.vt.traverse)(hdr, &mut |r: &ObjRef| visit(r.as_ptr()));
}

fn link(h: *const Header) -> &'static GcLink {
    // SAFETY: only called for tracked containers, which have a GcLink.
    unsafe { &*ObjRef::gc_link(h) }
}

fn hdr(h: *const Header) -> &'static Header {
    // SAFETY: h is live for the duration of the collection step using it.
    unsafe { &*h }
}

fn is_collecting(h: *const Header) -> bool {
    let f = hdr(h).flags.get();
    f & FLAG_MARK != 0 && f & FLAG_TRACKED != 0
}

/// Result of one collection.
#[derive(Default, Debug, Clone, Copy)]
pub struct Collected {
    pub collected: usize,
    pub uncollectable: usize,
}

/// Marks `members`, computes outside references (`update_refs` +
/// `subtract_refs`) and returns those reachable from outside (CPython's
/// `deduce_unreachable`): after this, reachable members have
/// gc_refs == REACHABLE and the rest are unreachable.
fn deduce_reachable(members: &[*const Header], extra_holds: isize) {
    for &h in members {
        let f = hdr(h).flags.get();
        hdr(h).flags.set(f | FLAG_MARK);
        link(h).gc_refs.set(hdr(h).refcnt.get() as isize - extra_holds);
    }
    for &h in members {
        traverse_all(h, &mut |r| {
            if is_collecting(r) {
                let l = link(r);
                l.gc_refs.set(l.gc_refs.get() - 1);
            }
        });
    }
    let mut stack: Vec<*const Header> = Vec::new();
    for &h in members {
        if link(h).gc_refs.get() > 0 {
            link(h).gc_refs.set(REACHABLE);
            stack.push(h);
        }
    }
    while let Some(h) = stack.pop() {
        traverse_all(h, &mut |r| {
            if is_collecting(r) && link(r).gc_refs.get() != REACHABLE {
                link(r).gc_refs.set(REACHABLE);
                stack.push(r);
            }
        });
    }
}

fn unmark(members: &[*const Header]) {
    for &h in members {
        let f = hdr(h).flags.get();
        hdr(h).flags.set(f & !FLAG_MARK);
    }
}

/// Untracks tuples (and, in full collections, dicts) that can no longer be
/// part of a cycle (CPython's `untrack_tuples`/`untrack_dicts`).
fn untrack_atomic_containers(members: &[*const Header], dicts_too: bool) {
    use crate::object::kind::Kind;
    for &h in members {
        let hd = hdr(h);
        if hd.flags.get() & FLAG_TRACKED == 0 || hd.vt.owns_cls {
            continue;
        }
        let kind = hd.vt.kind;
        if kind != Kind::Tuple && !(dicts_too && kind == Kind::Dict) {
            continue;
        }
        let mut all_atomic = true;
        traverse_all(h, &mut |r| {
            if hdr(r).flags.get() & FLAG_TRACKED != 0 {
                all_atomic = false;
            }
        });
        if all_atomic {
            // SAFETY: tracked containers are linked in a list.
            unsafe { unlink(ObjRef::gc_link(h)) };
            hd.flags.set(hd.flags.get() & !FLAG_TRACKED);
        }
    }
}

impl Vm {
    /// Collects generation `generation` (and the younger ones). Read this to
    /// understand the collector; each step says what holds afterwards.
    pub fn collect(&mut self, generation: usize) -> Collected {
        let busy = with_heap(|h| h.collecting.replace(true));
        if busy {
            return Collected::default();
        }
        let generation = generation.min(2);
        // 1. Merge younger generations into the one collected; update counts.
        let members: Vec<*const Header> = with_heap(|h| {
            for i in 0..generation {
                let (young, target) = (&h.gens[i] as *const GenList, &h.gens[generation] as *const GenList);
                // SAFETY: distinct lists of the same heap.
                unsafe { (*target).merge_from(&*young) };
            }
            if generation + 1 < 3 {
                h.counts[generation + 1].set(h.counts[generation + 1].get() + 1);
            }
            for i in 0..=generation {
                h.counts[i].set(0);
            }
            h.gens[generation].members()
        });
        // 2. Which members are reachable from outside the generation.
        deduce_reachable(&members, 0);
        // 3. Move the unreachable ones to their own list, holding a count on
        //    each so nothing is freed while Python code runs below.
        let unreachable_list = GenList::new();
        let mut unreachable: Vec<ObjRef> = Vec::new();
        for &h in &members {
            if link(h).gc_refs.get() != REACHABLE {
                // SAFETY: h is tracked and linked in the young list.
                unsafe {
                    unlink(ObjRef::gc_link(h));
                    unreachable_list.push(ObjRef::gc_link(h));
                    unreachable.push(ObjRef::from_raw_incref(h));
                }
            }
        }
        unmark(&members);
        // 4. Survivors are promoted; atomic tuples (and dicts in a full
        //    collection) are untracked.
        let survivors: Vec<*const Header> = with_heap(|h| h.gens[generation].members());
        untrack_atomic_containers(&survivors, generation == 2);
        with_heap(|h| {
            if generation < 2 {
                let (young, old) = (&h.gens[generation] as *const GenList, &h.gens[generation + 1] as *const GenList);
                // SAFETY: distinct lists.
                unsafe { (*old).merge_from(&*young) };
            }
        });
        if self.gc_state.debug & crate::gc::DEBUG_COLLECTABLE != 0 && !self.gc_state.legacy {
            for o in &unreachable {
                let line = format!("gc: collectable <{} {:#x}>\n", self.type_name(&Value::Obj(o.clone())), o.addr());
                self.write_stderr(&line);
            }
        }
        // 5. Legacy mode (Python < 3.4): objects with __del__ in cycles, and
        //    everything they reach, are uncollectable.
        let mut uncollectable: Vec<ObjRef> = Vec::new();
        if self.gc_state.legacy && !unreachable.is_empty() {
            let (fin, rest) = self.split_legacy(unreachable);
            uncollectable = fin;
            unreachable = rest;
        }
        // 6. Weak references to unreachable objects are cleared; callbacks of
        //    weakrefs that are themselves reachable run.
        let weak_freed = crate::gc::weakrefs::handle_weakrefs(self, &unreachable);
        // 7. Finalizers (PEP 442: __del__ at most once per object).
        for o in &unreachable {
            if o.flags() & FLAG_FINALIZED == 0 && crate::gc::finalize::needs_finalizer(o.header()) {
                o.set_flag(FLAG_FINALIZED);
                self.call_finalizer(o);
            }
        }
        // 8. Objects a finalizer resurrected (and what they reach) survive.
        let ptrs: Vec<*const Header> = unreachable.iter().map(|o| o.as_ptr()).collect();
        let tracked_ptrs: Vec<*const Header> =
            ptrs.iter().copied().filter(|&h| hdr(h).flags.get() & FLAG_TRACKED != 0).collect();
        deduce_reachable(&tracked_ptrs, 1);
        let mut garbage: Vec<ObjRef> = Vec::new();
        let mut resurrected: Vec<ObjRef> = Vec::new();
        for o in unreachable {
            let h = o.as_ptr();
            if hdr(h).flags.get() & FLAG_TRACKED != 0 && link(h).gc_refs.get() == REACHABLE {
                resurrected.push(o);
            } else {
                garbage.push(o);
            }
        }
        unmark(&tracked_ptrs);
        let old_gen = (generation + 1).min(2);
        for o in &resurrected {
            if o.flags() & FLAG_TRACKED != 0 {
                // SAFETY: linked in unreachable_list; move to the old generation.
                unsafe {
                    unlink(ObjRef::gc_link(o.as_ptr()));
                    with_heap(|h| h.gens[old_gen].push(ObjRef::gc_link(o.as_ptr())));
                }
            }
        }
        drop(resurrected);
        // 9. Break the cycles: clear each object's references, then release
        //    our holds; reference counting frees the garbage.
        let collected = garbage.len() + weak_freed;
        if self.gc_state.debug & crate::gc::DEBUG_SAVEALL != 0 {
            for o in garbage.drain(..) {
                self.gc_state.add_garbage(Value::Obj(o.clone()));
                if o.flags() & FLAG_TRACKED != 0 {
                    // SAFETY: move from the unreachable list to the old one.
                    unsafe {
                        unlink(ObjRef::gc_link(o.as_ptr()));
                        with_heap(|h| h.gens[old_gen].push(ObjRef::gc_link(o.as_ptr())));
                    }
                }
            }
        }
        for o in &garbage {
            (o.vt().clear)(o.header());
        }
        drop(garbage);
        // 10. Uncollectable objects (legacy mode) are kept and reported.
        let n_uncollectable = uncollectable.len();
        for o in uncollectable {
            let has_del = crate::gc::finalize::has_del(o.header());
            if self.gc_state.debug & crate::gc::DEBUG_UNCOLLECTABLE != 0 {
                let line = format!("gc: uncollectable <{} {:#x}>\n", self.type_name(&Value::Obj(o.clone())), o.addr());
                self.write_stderr(&line);
            }
            if has_del || self.gc_state.debug & crate::gc::DEBUG_SAVEALL != 0 {
                self.gc_state.add_garbage(Value::Obj(o.clone()));
            }
            if o.flags() & FLAG_TRACKED != 0 {
                // SAFETY: linked in unreachable_list.
                unsafe {
                    unlink(ObjRef::gc_link(o.as_ptr()));
                    with_heap(|h| h.gens[old_gen].push(ObjRef::gc_link(o.as_ptr())));
                }
            }
        }
        // Anything still in the unreachable list is alive after all.
        for h in unreachable_list.members() {
            // SAFETY: members are live tracked objects.
            unsafe {
                unlink(ObjRef::gc_link(h));
                with_heap(|hp| hp.gens[old_gen].push(ObjRef::gc_link(h)));
            }
        }
        with_heap(|h| h.collecting.set(false));
        let r = Collected {
            collected,
            uncollectable: n_uncollectable,
        };
        self.gc_state.record(generation, r);
        // Finalizers queued by frees during the collection run now.
        self.run_finalizers();
        r
    }

    /// Splits unreachable objects into (legacy-finalizer set, the rest).
    fn split_legacy(&mut self, unreachable: Vec<ObjRef>) -> (Vec<ObjRef>, Vec<ObjRef>) {
        let ptrs: Vec<*const Header> = unreachable.iter().map(|o| o.as_ptr()).collect();
        for &h in &ptrs {
            let f = hdr(h).flags.get();
            hdr(h).flags.set(f | FLAG_MARK);
            link(h).gc_refs.set(0);
        }
        let mut stack: Vec<*const Header> = Vec::new();
        for &h in &ptrs {
            if crate::gc::finalize::has_del(hdr(h)) {
                link(h).gc_refs.set(REACHABLE);
                stack.push(h);
            }
        }
        while let Some(h) = stack.pop() {
            traverse_all(h, &mut |r| {
                if is_collecting(r) && link(r).gc_refs.get() != REACHABLE {
                    link(r).gc_refs.set(REACHABLE);
                    stack.push(r);
                }
            });
        }
        let (mut fin, mut rest) = (Vec::new(), Vec::new());
        for o in unreachable {
            if link(o.as_ptr()).gc_refs.get() == REACHABLE {
                fin.push(o);
            } else {
                rest.push(o);
            }
        }
        unmark(&ptrs);
        (fin, rest)
    }

    /// Automatic collection when generation 0 passed its threshold
    /// (CPython's `collect_generations`).
    pub(crate) fn collect_automatic(&mut self) {
        let (counts, thresholds, enabled) = with_heap(|h| {
            (
                [h.counts[0].get(), h.counts[1].get(), h.counts[2].get()],
                [h.thresholds[0].get(), h.thresholds[1].get(), h.thresholds[2].get()],
                h.enabled.get(),
            )
        });
        if !enabled || thresholds[0] == 0 {
            return;
        }
        for i in (0..3).rev() {
            if counts[i] > thresholds[i] {
                if i == 2 && self.gc_state.long_lived_pending < self.gc_state.long_lived_total / 4 {
                    continue;
                }
                self.collect_with_callbacks(i);
                break;
            }
        }
    }

    /// `gc.collect(generation)` with `gc.callbacks` and DEBUG_STATS output.
    pub fn collect_with_callbacks(&mut self, generation: usize) -> Collected {
        self.gc_invoke_callbacks("start", generation, Collected::default());
        let stats = self.gc_state.debug & crate::gc::DEBUG_STATS != 0;
        let t0 = std::time::Instant::now();
        if stats {
            let counts = with_heap(|h| [h.counts[0].get(), h.counts[1].get(), h.counts[2].get()]);
            let sizes = with_heap(|h| [h.gens[0].len(), h.gens[1].len(), h.gens[2].len()]);
            let mut s = format!("gc: collecting generation {generation}...\n");
            s.push_str(&format!(
                "gc: objects in each generation: {} {} {}\n",
                sizes[0], sizes[1], sizes[2]
            ));
            s.push_str("gc: objects in permanent generation: 0\n");
            let _ = counts;
            self.write_stderr(&s);
        }
        let r = self.collect(generation);
        if generation == 2 {
            self.gc_state.long_lived_pending = 0;
            self.gc_state.long_lived_total = with_heap(|h| h.gens[2].len());
        } else if generation == 1 {
            self.gc_state.long_lived_pending += 0;
        }
        if stats {
            let dt = t0.elapsed().as_secs_f64();
            let s = format!(
                "gc: done, {} unreachable, {} uncollectable, {:.4}s elapsed\n",
                r.collected + r.uncollectable,
                r.uncollectable,
                dt
            );
            self.write_stderr(&s);
        }
        self.gc_invoke_callbacks("stop", generation, r);
        r
    }

    /// Every tracked object (for `gc.get_objects`), optionally one generation.
    pub fn tracked_objects(&mut self, generation: Option<usize>) -> Vec<ObjRef> {
        let ptrs: Vec<*const Header> = with_heap(|h| match generation {
            Some(g) => h.gens[g.min(2)].members(),
            None => {
                let mut v = h.gens[0].members();
                v.extend(h.gens[1].members());
                v.extend(h.gens[2].members());
                v
            }
        });
        // SAFETY: tracked objects are live.
        ptrs.into_iter().map(|p| unsafe { ObjRef::from_raw_incref(p) }).collect()
    }

    /// Objects directly referred to by `o` (`gc.get_referents`).
    pub fn referents(&self, o: &ObjRef) -> Vec<ObjRef> {
        let mut out = Vec::new();
        traverse_all(o.as_ptr(), &mut |r| {
            // SAFETY: referents of a live object are live.
            out.push(unsafe { ObjRef::from_raw_incref(r) });
        });
        out
    }

    /// Tracked objects that refer to any of `targets` (`gc.get_referrers`).
    pub fn referrers(&mut self, targets: &[ObjRef]) -> Vec<ObjRef> {
        let all = self.tracked_objects(None);
        let set: Vec<*const Header> = targets.iter().map(|t| t.as_ptr()).collect();
        let mut out = Vec::new();
        for o in all {
            let mut hit = false;
            traverse_all(o.as_ptr(), &mut |r| {
                if set.contains(&r) {
                    hit = true;
                }
            });
            if hit {
                out.push(o);
            }
        }
        out
    }

    /// Frees every tracked object at interpreter shutdown (breaking cycles
    /// by clearing), so that nothing allocated by the program leaks.
    pub(crate) fn clear_all_tracked(&mut self) {
        let objs = self.tracked_objects(None);
        for o in &objs {
            if o.flags() & crate::object::rc::FLAG_IMMORTAL == 0 {
                (o.vt().clear)(o.header());
            }
        }
        drop(objs);
        let _ = heap::live_bytes();
    }
}
