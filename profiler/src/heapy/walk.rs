//! Heap walks for heapy: what an object refers to (all of it, not only the
//! collector's view), the visible heap reachable from the interpreter's
//! roots, and the objects a set dominates.
//!
//! The visible heap is found as guppy's `View.heap()` finds it, adapted to
//! mini's roots:
//! 1. everything reachable from the interpreter's global roots and from the
//!    active frames, except frames running heapy's own code (their globals
//!    are in `Hidden::globals`);
//! 2. everything reachable only through heapy's own objects (its NodeSets
//!    and instances of its classes, `Hidden::classes`) or its own frames
//!    is marked invisible;
//! 3. tracked containers found by neither walk (held only by native state)
//!    are walked as further roots, so nothing the program can reach is
//!    missed.
//!
//! Hidden objects are never counted and never entered by the visible walk.
//! Values mini keeps inline (ints, floats, bools, None) are members like
//! any object, identified by `id()` (see `nodeset.rs`).
//! Invariant: walks only read objects; no Python code runs.

use mini_interpreter::compile::code::Code;
use mini_interpreter::gc::referents::referents;
use mini_interpreter::modules::builtins::id_of;
use mini_interpreter::object::dict::Dict;
use mini_interpreter::object::kind::Kind;
use mini_interpreter::vm::generator::Generator;
use mini_interpreter::{ObjRef, Value, Vm};
use rustc_hash::FxHashSet;

use super::nodeset::nodeset_of;

/// What heapy hides: instances of its classes and frames of its modules.
#[derive(Default)]
pub struct Hidden {
    /// Addresses of heapy's classes.
    pub classes: FxHashSet<usize>,
    /// Addresses of the globals dicts of heapy's modules.
    pub globals: FxHashSet<usize>,
    /// Values heapy is passing to the native call (held by Rust, not by
    /// any frame): heapy's own.
    pub own: Vec<Value>,
}

impl Hidden {
    pub fn is_hidden(&self, o: &ObjRef) -> bool {
        nodeset_of(o).is_some() || self.classes.contains(&(o.class_ptr() as usize))
    }

    fn is_hidden_value(&self, v: &Value) -> bool {
        matches!(v, Value::Obj(o) if self.is_hidden(o))
    }
}

/// Pushes every value `v` refers to onto `out` (duplicates allowed).
pub fn refs(v: &Value, out: &mut Vec<Value>) {
    let Value::Obj(o) = v else {
        return;
    };
    if let Some(c) = o.downcast::<Code>() {
        out.extend(c.consts.iter().cloned());
        for n in c
            .names
            .iter()
            .chain(c.varnames.iter())
            .chain(c.cellvars.iter())
            .chain(c.freevars.iter())
            .chain([&c.filename, &c.name, &c.qualname])
        {
            out.push(Value::Obj(n.clone()));
        }
        out.push(c.doc.clone());
        return;
    }
    if !o.vt().is_gc {
        if o.owns_cls() {
            out.push(Value::Obj(o.class()));
        }
        return;
    }
    out.extend(referents(o));
    match o.kind() {
        // The collector's view skips the keys of str-keyed dicts (as
        // CPython's dict traversal does); the keys are objects too.
        Kind::Dict => {
            if let Some(d) = o.downcast::<Dict>() {
                if let Ok(t) = d.table.try_borrow() {
                    out.extend(t.iter().map(|e| e.key.clone()));
                }
            }
        }
        // A suspended generator's registers may hold inline values.
        Kind::Generator => {
            if let Some(g) = o.downcast::<Generator>() {
                if let Ok(inner) = g.inner.try_borrow() {
                    if let Some(s) = &inner.saved {
                        out.extend(s.regs.iter().cloned());
                    }
                }
            }
        }
        _ => {}
    }
}

/// The result of a walk: the objects reached, in discovery order.
#[derive(Default)]
pub struct Walk {
    pub seen: FxHashSet<i64>,
    pub order: Vec<Value>,
    /// Hidden objects met on the way (not entered).
    pub hidden_met: Vec<ObjRef>,
    /// How many of `order` were reached from the roots; the rest hang only
    /// from native state (heapy's `heapu`). Set by `visible_heap`.
    pub from_roots: usize,
}

impl Walk {
    /// Walks from `seeds`, never entering hidden objects or objects whose
    /// id is in `avoid`.
    pub fn run(&mut self, seeds: Vec<Value>, hidden: &Hidden, avoid: Option<&FxHashSet<i64>>) {
        let mut stack = seeds;
        let mut hidden_seen: FxHashSet<i64> = FxHashSet::default();
        while let Some(v) = stack.pop() {
            if v.is_undef() {
                continue;
            }
            let id = id_of(&v);
            if self.seen.contains(&id) || avoid.is_some_and(|a| a.contains(&id)) {
                continue;
            }
            if let Value::Obj(o) = &v {
                if hidden.is_hidden(o) {
                    if hidden_seen.insert(id) {
                        self.hidden_met.push(o.clone());
                    }
                    continue;
                }
            }
            self.seen.insert(id);
            refs(&v, &mut stack);
            self.order.push(v);
        }
    }
}

/// The seeds of the visible walk: global roots, and what each frame not
/// running heapy's code refers to.
pub fn root_seeds(vm: &Vm, hidden: &Hidden) -> Vec<Value> {
    let mut seeds = vm.global_roots();
    for f in vm.frame_roots() {
        if hidden.globals.contains(&f.globals.addr()) {
            continue;
        }
        seeds.push(Value::Obj(f.code));
        seeds.push(Value::Obj(f.globals));
        seeds.extend(f.values);
    }
    seeds
}

/// Marks what is reachable from `seeds` (hidden objects included) without
/// passing through objects in `visible`.
fn mark_hidden(seeds: Vec<Value>, visible: &FxHashSet<i64>) -> FxHashSet<i64> {
    let mut marked = FxHashSet::default();
    let mut stack = seeds;
    let mut buf = Vec::new();
    while let Some(v) = stack.pop() {
        let id = id_of(&v);
        if visible.contains(&id) || !marked.insert(id) {
            continue;
        }
        // A NodeSet's members are the program's objects, reachable from
        // heapy only; they are invisible unless reached otherwise.
        buf.clear();
        refs(&v, &mut buf);
        stack.extend(buf.drain(..).filter(|v| !v.is_undef()));
    }
    marked
}

/// The visible heap (steps 1–3 of the module comment).
pub fn visible_heap(vm: &mut Vm, hidden: &Hidden) -> Walk {
    let mut w = Walk::default();
    let seeds = root_seeds(vm, hidden);
    w.run(seeds, hidden, None);
    w.from_roots = w.order.len();
    let tracked = vm.tracked_objects(None);
    let mut hseeds: Vec<Value> = w.hidden_met.iter().map(|o| Value::Obj(o.clone())).collect();
    hseeds.extend(hidden.own.iter().cloned());
    // What heapy's own frames hold is heapy's too (its arguments, its
    // temporaries), unless the program reaches it otherwise.
    for f in vm.frame_roots() {
        if hidden.globals.contains(&f.globals.addr()) {
            hseeds.extend(f.values);
        }
    }
    hseeds.extend(
        tracked
            .iter()
            .filter(|o| hidden.is_hidden(o))
            .map(|o| Value::Obj(o.clone())),
    );
    let marked = mark_hidden(hseeds, &w.seen);
    for o in tracked {
        let v = Value::Obj(o);
        let id = id_of(&v);
        if w.seen.contains(&id) || marked.contains(&id) || hidden.is_hidden_value(&v) {
            continue;
        }
        w.run(vec![v], hidden, Some(&marked));
    }
    w
}

/// The objects of the visible heap that only `set` keeps reachable: what
/// would be freed if the members of `set` went away (heapy's `dominos`),
/// the members themselves included.
pub fn dominated(vm: &mut Vm, hidden: &Hidden, set: &[Value]) -> Vec<Value> {
    let avoid: FxHashSet<i64> = set.iter().map(id_of).collect();
    let full = visible_heap(vm, hidden);
    let mut rest = Walk::default();
    rest.run(root_seeds(vm, hidden), hidden, Some(&avoid));
    // Objects only reachable from native state were roots of the full walk.
    let reached_from_roots = {
        let mut w = Walk::default();
        w.run(root_seeds(vm, hidden), hidden, None);
        w.seen
    };
    let extra: Vec<Value> = full
        .order
        .iter()
        .filter(|v| !reached_from_roots.contains(&id_of(v)) && !avoid.contains(&id_of(v)))
        .cloned()
        .collect();
    rest.run(extra, hidden, Some(&avoid));
    let mut from_set = Walk::default();
    from_set.run(set.to_vec(), hidden, None);
    from_set
        .order
        .into_iter()
        .filter(|v| {
            !rest.seen.contains(&id_of(v)) && full.seen.contains(&id_of(v))
                || avoid.contains(&id_of(v))
        })
        .collect()
}
