//! The cycle collector: finds groups of tracked containers that refer only
//! to each other and frees them. CPython 3.11's `gc_collect_main`, step for
//! step; read `collect` first.
//!
//! Between collections every tracked container is in exactly one generation
//! list and has neither FLAG_MARK nor FLAG_UNREACHABLE. During `collect`,
//! objects only move between intrusive lists (no side tables, so a
//! collection allocates nothing in proportion to the heap): `gc_refs` starts
//! as the refcount and ends as the number of references from outside the
//! generation being collected; objects with outside references, and
//! everything they reach, survive. FLAG_MARK means "in the set being
//! collected, not known reachable", FLAG_UNREACHABLE "in the unreachable
//! list". Breaking cycles never frees memory directly: `clear` drops the
//! references an object owns and the reference counts do the rest.

use crate::gc::heap::{self, unlink, with_heap, GenList};
use crate::object::rc::{
    GcLink, Header, ObjRef, FLAG_FINALIZED, FLAG_HAS_WEAKREFS, FLAG_MARK, FLAG_TRACKED,
    FLAG_UNREACHABLE,
};
use crate::object::value::Value;
use crate::vm::Vm;

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

/// Whether `h` is in the set being collected and not yet known reachable.
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

/// Calls `f` on every member of `list`; `f` may move the member it is
/// given to another list (see `GenList::iter`).
fn for_each(list: &GenList, mut f: impl FnMut(*mut GcLink, *const Header)) {
    for h in list.iter() {
        // SAFETY: h is a live container, so it has a link.
        f(unsafe { ObjRef::gc_link(h) }, h);
    }
}

/// Moves the member whose link is `l` to the end of `to`.
fn move_to(l: *mut GcLink, to: &GenList) {
    // SAFETY: `l` is the link of a live container linked in some list.
    unsafe {
        unlink(l);
        to.push(l);
    }
}

/// The first member of `list` and its link, if any.
fn first(list: &GenList) -> Option<(*const Header, *mut GcLink)> {
    let h = list.iter().next()?;
    // SAFETY: members are live containers.
    Some((h, unsafe { ObjRef::gc_link(h) }))
}

/// CPython's `update_refs`: marks every member of `list` as being collected
/// and starts its gc_refs at its reference count.
fn update_refs(list: &GenList) {
    for_each(list, |l, h| {
        let hd = hdr(h);
        hd.flags.set(hd.flags.get() | FLAG_MARK);
        // SAFETY: l is the link of h.
        unsafe { (*l).gc_refs.set(hd.refcnt.get() as isize) };
    });
}

/// CPython's `subtract_refs`: takes away, from every member of the set, one
/// for each reference another member holds to it. What remains in gc_refs is
/// the number of references from outside the set.
fn subtract_refs(list: &GenList) {
    for_each(list, |_, h| {
        traverse_all(h, &mut |r| {
            if is_collecting(r) {
                let l = link(r);
                l.gc_refs.set(l.gc_refs.get() - 1);
            }
        });
    });
}

/// CPython's `move_unreachable`, one pass over `young`. A member with
/// outside references is reachable: what it refers to is made reachable
/// too (gc_refs 1; brought back from `unreachable` if it was moved there
/// already), and its MARK is cleared. A member with none is moved to
/// `unreachable` for now (FLAG_UNREACHABLE). Members brought back go to the
/// end of `young`, so the same pass reaches them again.
///
/// With `untrack`, reachable tuples (and with `dicts_too` exact dicts) that
/// refer to no tracked object are untracked on the way (`untrack_tuples`).
/// Returns the number of reachable members left in `young`.
fn move_unreachable(
    young: &GenList,
    unreachable: &GenList,
    untrack: bool,
    dicts_too: bool,
) -> usize {
    let head = young.head();
    let mut kept = 0;
    // SAFETY: the list is well formed and every member is a live container;
    // members are only moved between `young` and `unreachable`, and `next`
    // is read after the traversal that may append to `young`.
    unsafe {
        let mut l = (*head).next.get();
        while l != head {
            let h = ObjRef::from_link(l);
            let hd = hdr(h);
            if (*l).gc_refs.get() > 0 {
                traverse_all(h, &mut |r| {
                    if !is_collecting(r) {
                        return;
                    }
                    let rl = ObjRef::gc_link(r);
                    let rh = hdr(r);
                    if rh.flags.get() & FLAG_UNREACHABLE != 0 {
                        rh.flags.set(rh.flags.get() & !FLAG_UNREACHABLE);
                        unlink(rl);
                        young.push(rl);
                        (*rl).gc_refs.set(1);
                    } else if (*rl).gc_refs.get() == 0 {
                        (*rl).gc_refs.set(1);
                    }
                });
                hd.flags.set(hd.flags.get() & !FLAG_MARK);
                let next = (*l).next.get();
                if !(untrack && untrack_if_atomic(h, dicts_too)) {
                    kept += 1;
                }
                l = next;
            } else {
                let next = (*l).next.get();
                hd.flags.set(hd.flags.get() | FLAG_UNREACHABLE);
                unlink(l);
                unreachable.push(l);
                l = next;
            }
        }
    }
    kept
}

/// Clears the collector's marks from every member of `list`.
fn clear_marks(list: &GenList) {
    for_each(list, |_, h| {
        let hd = hdr(h);
        hd.flags
            .set(hd.flags.get() & !(FLAG_MARK | FLAG_UNREACHABLE));
    });
}

/// Untracks `h` if it is a tuple (or, with `dicts_too`, an exact dict)
/// that can no longer be part of a cycle because it refers to no tracked
/// object (CPython's `untrack_tuples`/`untrack_dicts`). Returns whether it
/// did.
fn untrack_if_atomic(h: *const Header, dicts_too: bool) -> bool {
    use crate::object::kind::Kind;
    let hd = hdr(h);
    if hd.vt.owns_cls {
        return false;
    }
    let kind = hd.vt.kind;
    if kind != Kind::Tuple && !(dicts_too && kind == Kind::Dict) {
        return false;
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
    all_atomic
}

/// Legacy mode (CPython's `move_legacy_finalizers` and
/// `move_legacy_finalizer_reachable`): moves the unreachable objects whose
/// class defines `__del__`, and everything unreachable they refer to, to
/// `finalizers`.
fn move_legacy_finalizers(unreachable: &GenList, finalizers: &GenList) {
    for_each(unreachable, |l, h| {
        if crate::gc::finalize::has_del(hdr(h)) {
            let hd = hdr(h);
            hd.flags.set(hd.flags.get() & !FLAG_UNREACHABLE);
            move_to(l, finalizers);
        }
    });
    // Walk `finalizers` while appending to it: `next` is read after the
    // traversal.
    let head = finalizers.head();
    // SAFETY: as in move_unreachable.
    unsafe {
        let mut l = (*head).next.get();
        while l != head {
            traverse_all(ObjRef::from_link(l), &mut |r| {
                let rh = hdr(r);
                if rh.flags.get() & FLAG_UNREACHABLE != 0 && rh.flags.get() & FLAG_TRACKED != 0 {
                    rh.flags.set(rh.flags.get() & !FLAG_UNREACHABLE);
                    move_to(ObjRef::gc_link(r), finalizers);
                }
            });
            l = (*l).next.get();
        }
    }
}

impl Vm {
    /// Collects generation `generation` (and the younger ones), as CPython
    /// 3.11's `gc_collect_main` does. Read this to understand the collector;
    /// each step says what holds afterwards. No object is held by the
    /// collector: the lists it moves objects between are what it knows, and
    /// an object freed by reference counting meanwhile (by a finalizer)
    /// unlinks itself from whichever list holds it.
    pub fn collect(&mut self, generation: usize) -> Collected {
        let busy = with_heap(|h| h.collecting.replace(true));
        if busy {
            return Collected::default();
        }
        let generation = generation.min(2);
        let old_gen = (generation + 1).min(2);
        // A full collection checks every list; a young one the lists it
        // collects (the older list survivors join is checked by the next
        // collection of its generation).
        #[cfg(feature = "debug-heap")]
        let checked = if generation == 2 { 3 } else { generation };
        #[cfg(feature = "debug-heap")]
        {
            with_heap(|h| h.collecting.set(false));
            crate::gc::check::assert_heap_ok(checked, "before a collection");
            with_heap(|h| h.collecting.set(true));
        }
        // 1. Merge younger generations into the one collected; update counts.
        with_heap(|h| {
            for i in 0..generation {
                h.gens[generation].merge_from(&h.gens[i]);
            }
            if generation + 1 < 3 {
                h.counts[generation + 1].set(h.counts[generation + 1].get() + 1);
            }
            for i in 0..=generation {
                h.counts[i].set(0);
            }
        });
        let young: *const GenList = with_heap(|h| &h.gens[generation] as *const GenList);
        let old: *const GenList = with_heap(|h| &h.gens[old_gen] as *const GenList);
        // SAFETY: the heap lives as long as the thread; its generation lists
        // are never moved, and `collecting` keeps other collections away.
        let (young, old) = unsafe { (&*young, &*old) };
        // 2. Outside references: members with none, and not reachable from
        //    one that has, end up in `unreachable` (MARK | UNREACHABLE).
        //    Reachable members lose their MARK; atomic tuples (and dicts in
        //    a full collection) among them are untracked.
        update_refs(young);
        subtract_refs(young);
        let unreachable = GenList::new();
        let survivors = move_unreachable(young, &unreachable, true, generation == 2);
        // 3. Survivors are promoted (CPython's long-lived bookkeeping decides
        //    when a full collection is worth it).
        if generation < 2 {
            if generation == 1 {
                self.gc_state.long_lived_pending += survivors;
            }
            old.merge_from(young);
        } else {
            self.gc_state.long_lived_pending = 0;
            self.gc_state.long_lived_total = survivors;
        }
        // 4. Legacy mode (Python < 3.4): objects with __del__ in cycles, and
        //    everything they reach, are uncollectable.
        let finalizers = GenList::new();
        if self.gc_state.legacy {
            move_legacy_finalizers(&unreachable, &finalizers);
        }
        if self.gc_state.debug & crate::gc::DEBUG_COLLECTABLE != 0 {
            for_each(&unreachable, |_, h| self.debug_cycle("collectable", h));
        }
        // 5. One pass over the unreachable objects: count them, clear the
        //    weak references to them (queueing the callbacks of weakrefs
        //    that are not garbage themselves) and note which need a
        //    finalizer. Then the callbacks run.
        let mut found = 0;
        let mut callbacks = Vec::new();
        let mut to_finalize = Vec::new();
        for h in unreachable.iter() {
            found += 1;
            let f = hdr(h).flags.get();
            if f & FLAG_HAS_WEAKREFS != 0 {
                crate::gc::weakrefs::clear_for_collection(h, &mut callbacks);
            }
            if f & FLAG_FINALIZED == 0 && crate::gc::finalize::needs_finalizer(hdr(h)) {
                // SAFETY: h is a live tracked object; the hold keeps it
                // alive until its finalizer has run.
                to_finalize.push(unsafe { ObjRef::from_raw_incref(h) });
            }
        }
        // Callbacks cannot reach the unreachable set (its weakrefs are
        // cleared), so the set is unchanged after them.
        let (weak_freed, mut ran_code) =
            crate::gc::weakrefs::run_collection_callbacks(self, callbacks);
        // 6. Finalizers (PEP 442: __del__ at most once per object), in list
        //    order. What a finalizer frees leaves the lists by itself.
        for o in to_finalize {
            if o.flags() & FLAG_FINALIZED == 0 {
                o.set_flag(FLAG_FINALIZED);
                self.call_finalizer(&o);
                ran_code = true;
            }
        }
        // 7. Objects a finalizer or callback resurrected (and what they
        //    reach) survive and join the older generation. Without Python
        //    code having run nothing can have been resurrected.
        let garbage = GenList::new();
        let mut collected = weak_freed;
        if ran_code {
            clear_marks(&unreachable);
            update_refs(&unreachable);
            subtract_refs(&unreachable);
            move_unreachable(&unreachable, &garbage, false, false);
            old.merge_from(&unreachable);
            for_each(&garbage, |_, _| collected += 1);
        } else {
            garbage.merge_from(&unreachable);
            collected += found;
        }
        // 8. Break the cycles: clear each object's references (holding it
        //    meanwhile); reference counting frees the garbage. An object
        //    that survives its clearing is moved to the older generation.
        let saveall = self.gc_state.debug & crate::gc::DEBUG_SAVEALL != 0;
        while let Some((h, l)) = first(&garbage) {
            // SAFETY: members of `garbage` are live until cleared.
            let o = unsafe { ObjRef::from_raw_incref(h) };
            if saveall {
                self.gc_state.add_garbage(Value::Obj(o.clone()));
            } else {
                (o.vt().clear)(o.header());
            }
            if first(&garbage).map(|f| f.0) == Some(h) {
                let hd = hdr(h);
                hd.flags
                    .set(hd.flags.get() & !(FLAG_MARK | FLAG_UNREACHABLE));
                move_to(l, old);
            }
            drop(o);
        }
        // 9. Uncollectable objects (legacy mode) are reported, kept in
        //    gc.garbage when they have __del__, and join the old generation.
        let mut n_uncollectable = 0;
        let debug = self.gc_state.debug;
        for_each(&finalizers, |_, h| {
            n_uncollectable += 1;
            if debug & crate::gc::DEBUG_UNCOLLECTABLE != 0 {
                self.debug_cycle("uncollectable", h);
            }
        });
        for_each(&finalizers, |_, h| {
            if crate::gc::finalize::has_del(hdr(h)) || saveall {
                // SAFETY: h is a live tracked object.
                let o = unsafe { ObjRef::from_raw_incref(h) };
                self.gc_state.add_garbage(Value::Obj(o));
            }
        });
        clear_marks(&finalizers);
        old.merge_from(&finalizers);
        with_heap(|h| h.collecting.set(false));
        #[cfg(feature = "debug-heap")]
        crate::gc::check::assert_heap_ok(checked, "after a collection");
        let r = Collected {
            collected,
            uncollectable: n_uncollectable,
        };
        self.gc_state.record(generation, r);
        // Finalizers queued by frees during the collection run now.
        self.run_finalizers();
        r
    }

    /// One `gc: collectable <type 0xaddr>` line on stderr (DEBUG_* flags).
    fn debug_cycle(&mut self, what: &str, h: *const Header) {
        // SAFETY: h is a live tracked object.
        let o = unsafe { ObjRef::from_raw_incref(h) };
        let line = format!(
            "gc: {what} <{} {:#x}>\n",
            self.type_name(&Value::Obj(o.clone())),
            o.addr()
        );
        self.write_stderr(&line);
    }

    /// Automatic collection when generation 0 passed its threshold
    /// (CPython's `collect_generations`).
    pub(crate) fn collect_automatic(&mut self) {
        #[cfg(feature = "stress-gc")]
        crate::gc::check::stress_check();
        let (counts, thresholds, enabled) = with_heap(|h| {
            (
                [h.counts[0].get(), h.counts[1].get(), h.counts[2].get()],
                [
                    h.thresholds[0].get(),
                    h.thresholds[1].get(),
                    h.thresholds[2].get(),
                ],
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
        ptrs.into_iter()
            .map(|p| unsafe { ObjRef::from_raw_incref(p) })
            .collect()
    }

    /// Objects directly referred to by `o` (`gc.get_referents`), in the
    /// order of CPython's `subtype_traverse` for class instances: `__slots__`
    /// values, the attribute dict, the class, then the builtin base's
    /// references. (The collector's own walks need no particular order.)
    pub fn referents(&self, o: &ObjRef) -> Vec<ObjRef> {
        let mut all = Vec::new();
        traverse_all(o.as_ptr(), &mut |r| {
            // SAFETY: referents of a live object are live.
            all.push(unsafe { ObjRef::from_raw_incref(r) });
        });
        let Some(ext) = crate::object::instance::inst_ext(o) else {
            return all;
        };
        // `all` is [class, base..., dict?, slots...] (traverse_all visits
        // the class, then `Inst<T>` visits its base, then its extension).
        let has_dict = ext.dict.try_borrow().map(|d| d.is_some()).unwrap_or(false);
        let nslots = ext
            .slots
            .try_borrow()
            .map(|s| s.iter().filter(|v| matches!(v, Value::Obj(_))).count())
            .unwrap_or(0);
        let next = usize::from(has_dict) + nslots;
        if all.len() < 1 + next {
            return all;
        }
        let tail = all.split_off(all.len() - next);
        let cls = all.remove(0);
        let (dict, slots) = tail.split_at(usize::from(has_dict));
        let mut out: Vec<ObjRef> = slots.to_vec();
        out.extend(dict.iter().cloned());
        out.push(cls);
        out.extend(all);
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
