//! `_heapy`, the native half of guppy's heapy (`stdlib/lib/guppy/`): node
//! sets by identity, the walk that finds the visible heap, the partitions
//! by kind, referrers, referents and dominated sets. The tables, kind names
//! and the rest of heapy's interface are written in mini on top of these.
//!
//! | file | role |
//! |---|---|
//! | `nodeset.rs` | `NodeSet`, the immutable identity set behind IdentitySet |
//! | `walk.rs` | what an object refers to; the visible heap; dominated objects |
//! | `classify.rs` | partitions by type, class-or-dict-owner, size, referrer kinds, reference names, identity |
//! | `via.rs` | the names of an object's references (`['key']`, `[3]`, `.__dict__`) |
//!
//! Functions that walk the heap take `hidden`, a pair (classes, globals
//! dicts): instances of those classes are heapy's own objects, frames
//! running with those globals are heapy's own frames; both are left out,
//! as are NodeSets, with everything only they keep reachable.

pub mod classify;
pub mod nodeset;
pub mod via;
pub mod walk;

use mini_interpreter::modules::builtins::id_of;
use mini_interpreter::object::list::List;
use mini_interpreter::object::str::str_of;
use mini_interpreter::object::tuple::Tuple;
use mini_interpreter::vm::args::Args;
use mini_interpreter::{ObjRef, PyResult, Value, Vm};
use rustc_hash::FxHashSet;

use nodeset::{new_nodeset, nodeset_arg, NodeSet};
use walk::{refs, visible_heap, Hidden};

const M: &str = "_heapy";

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    let t = vm.extra_type("NodeSet", M);
    Ok(vm.make_module(M, |vm, d| {
        vm.set_in(d, "NodeSet", Value::Obj(t.clone()));
        vm.add_function(d, M, "nodeset", nodeset);
        vm.add_function(d, M, "items", items);
        vm.add_function(d, M, "size", size);
        vm.add_function(d, M, "union", union);
        vm.add_function(d, M, "intersection", intersection);
        vm.add_function(d, M, "difference", difference);
        vm.add_function(d, M, "symmetric_difference", symmetric_difference);
        vm.add_function(d, M, "heap", heap);
        vm.add_function(d, M, "unreachable", unreachable);
        vm.add_function(d, M, "partition", partition);
        vm.add_function(d, M, "referents", referents);
        vm.add_function(d, M, "referrers", referrers);
        vm.add_function(d, M, "dominos", dominos);
    }))
}

/// The items of a tuple or list argument.
fn seq_items(vm: &mut Vm, v: &Value, fname: &str) -> PyResult<Vec<Value>> {
    if let Value::Obj(o) = v {
        if let Some(t) = o.downcast::<Tuple>() {
            return Ok(t.as_slice().to_vec());
        }
        if let Some(l) = o.downcast::<List>() {
            return Ok(l.snapshot());
        }
    }
    let t = vm.type_name(v);
    Err(vm.type_error(format!(
        "{fname}() argument must be a tuple or list, not '{t}'"
    )))
}

/// `hidden` = (classes, globals dicts), see the module comment.
/// The arguments themselves are heapy's own values (see `Hidden::own`).
fn hidden_arg(vm: &mut Vm, args: &Args, i: usize, fname: &str) -> PyResult<Hidden> {
    let pair = seq_items(vm, &args.pos[i], fname)?;
    if pair.len() != 2 {
        return Err(vm.type_error(format!(
            "{fname}() hidden must be a pair (classes, globals)"
        )));
    }
    let mut h = Hidden {
        own: args.pos.to_vec(),
        ..Hidden::default()
    };
    for c in seq_items(vm, &pair[0], fname)? {
        if let Value::Obj(o) = c {
            h.classes.insert(o.addr());
        }
    }
    for g in seq_items(vm, &pair[1], fname)? {
        if let Value::Obj(o) = g {
            h.globals.insert(o.addr());
        }
    }
    Ok(h)
}

fn wrap(vm: &mut Vm, s: NodeSet) -> Value {
    Value::Obj(new_nodeset(vm, s))
}

/// `nodeset(seq)`: the set of the items of a tuple or list.
fn nodeset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "nodeset", 1, 1)?;
    let items = seq_items(vm, &args.pos[0], "nodeset")?;
    Ok(wrap(vm, NodeSet::from_values(items)))
}

/// `items(ns)`: the members as a list.
fn items(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "items", 1, 1)?;
    let v = nodeset_arg(vm, &args.pos[0], "items")?.items().to_vec();
    Ok(Value::Obj(vm.new_list(v)))
}

/// `size(ns)`: the total size of the members, in bytes.
fn size(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "size", 1, 1)?;
    let s = nodeset_arg(vm, &args.pos[0], "size")?;
    let total: usize = s.items().iter().map(|v| vm.getsizeof(v)).sum();
    Ok(Value::Int(total as i64))
}

fn two_sets<'a>(vm: &mut Vm, args: &'a Args, fname: &str) -> PyResult<(&'a NodeSet, &'a NodeSet)> {
    args.check(vm, fname, 2, 2)?;
    let a = nodeset_arg(vm, &args.pos[0], fname)?;
    let b = nodeset_arg(vm, &args.pos[1], fname)?;
    Ok((a, b))
}

fn union(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (a, b) = two_sets(vm, &args, "union")?;
    let s = NodeSet::from_values(a.items().iter().chain(b.items()).cloned());
    Ok(wrap(vm, s))
}

fn intersection(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (a, b) = two_sets(vm, &args, "intersection")?;
    let s = NodeSet::from_values(a.items().iter().filter(|v| b.contains(v)).cloned());
    Ok(wrap(vm, s))
}

fn difference(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (a, b) = two_sets(vm, &args, "difference")?;
    let s = NodeSet::from_values(a.items().iter().filter(|v| !b.contains(v)).cloned());
    Ok(wrap(vm, s))
}

fn symmetric_difference(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (a, b) = two_sets(vm, &args, "symmetric_difference")?;
    let s = NodeSet::from_values(
        a.items()
            .iter()
            .filter(|v| !b.contains(v))
            .chain(b.items().iter().filter(|v| !a.contains(v)))
            .cloned(),
    );
    Ok(wrap(vm, s))
}

/// `heap(hidden)`: the visible heap.
fn heap(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "heap", 1, 1)?;
    let hidden = hidden_arg(vm, &args, 0, "heap")?;
    let w = visible_heap(vm, &hidden);
    Ok(wrap(vm, NodeSet::from_values(w.order)))
}

/// `unreachable(hidden)`: the visible objects no root reaches (held only
/// by native state), with what only they keep alive.
fn unreachable(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "unreachable", 1, 1)?;
    let hidden = hidden_arg(vm, &args, 0, "unreachable")?;
    let mut w = visible_heap(vm, &hidden);
    let rest = w.order.split_off(w.from_roots);
    Ok(wrap(vm, NodeSet::from_values(rest)))
}

/// `partition(ns, how, hidden)`: a list of (kind, count, size, NodeSet).
fn partition(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "partition", 3, 3)?;
    let how = match &args.pos[1] {
        Value::Obj(o) => str_of(o).map(str::to_string),
        _ => None,
    };
    let Some(how) = how else {
        return Err(vm.type_error("partition() argument 'how' must be str"));
    };
    let hidden = hidden_arg(vm, &args, 2, "partition")?;
    let members = nodeset_arg(vm, &args.pos[0], "partition")?.items().to_vec();
    let Some(parts) = classify::partition(vm, &members, &how, &hidden) else {
        return Err(vm.value_error(format!("partition(): unknown relation {how:?}")));
    };
    let mut rows = Vec::with_capacity(parts.len());
    for p in parts {
        let count = Value::Int(p.members.len() as i64);
        let ns = wrap(vm, NodeSet::from_values(p.members));
        let row = vm.new_tuple(vec![p.kind, count, Value::Int(p.size as i64), ns]);
        rows.push(Value::Obj(row));
    }
    Ok(Value::Obj(vm.new_list(rows)))
}

/// `referents(ns, hidden)`: what the members refer to (heapy's own objects left out).
fn referents(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "referents", 2, 2)?;
    let hidden = hidden_arg(vm, &args, 1, "referents")?;
    let s = nodeset_arg(vm, &args.pos[0], "referents")?;
    let mut out = Vec::new();
    for v in s.items() {
        refs(v, &mut out);
    }
    out.retain(|v| !v.is_undef() && !matches!(v, Value::Obj(o) if hidden.is_hidden(o)));
    Ok(wrap(vm, NodeSet::from_values(out)))
}

/// `referrers(ns, hidden)`: the objects of the visible heap that refer to a member.
fn referrers(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "referrers", 2, 2)?;
    let hidden = hidden_arg(vm, &args, 1, "referrers")?;
    let targets: FxHashSet<i64> = nodeset_arg(vm, &args.pos[0], "referrers")?
        .items()
        .iter()
        .map(id_of)
        .collect();
    let heap = visible_heap(vm, &hidden);
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for r in heap.order {
        buf.clear();
        refs(&r, &mut buf);
        if buf
            .iter()
            .any(|t| !t.is_undef() && targets.contains(&id_of(t)))
        {
            out.push(r);
        }
    }
    Ok(wrap(vm, NodeSet::from_values(out)))
}

/// `dominos(ns, hidden)`: the members and what only they keep reachable.
fn dominos(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "dominos", 2, 2)?;
    let hidden = hidden_arg(vm, &args, 1, "dominos")?;
    let members = nodeset_arg(vm, &args.pos[0], "dominos")?.items().to_vec();
    let d = walk::dominated(vm, &hidden, &members);
    Ok(wrap(vm, NodeSet::from_values(d)))
}
