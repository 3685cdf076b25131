//! heapy's equivalence relations, computed natively over a set of objects:
//! - `type`: the object's class;
//! - `clodo` (class or dict owner, heapy's default): the class, except
//!   that an exact dict is classified by the object whose `__dict__` it is
//!   ("dict of C", C the owner's class) or as owned by nothing;
//! - `size`: the object's size;
//! - `rcs` (referrer classification set): the set of `clodo` kinds of the
//!   object's referrers in the visible heap;
//! - `via`: the set of names of the references to the object (`via.rs`);
//! - `id`: every object is its own class.
//!
//! Kinds are returned as Python values the mini side renders by name: a
//! class; `(owner_class,)` for a dict of an owner; `()` for a dict with no
//! owner; an int size; a tuple of clodo kinds for `rcs`. Sizes follow
//! `sys.getsizeof`'s model (GC header included), as heapy's do.
//! Invariant: nothing here runs Python code.

use mini_interpreter::modules::builtins::id_of;
use mini_interpreter::object::function::Function;
use mini_interpreter::object::instance::inst_ext;
use mini_interpreter::object::kind::Kind;
use mini_interpreter::object::module::Module;
use mini_interpreter::object::typeobj::TypeObj;
use mini_interpreter::{ObjRef, Value, Vm};
use rustc_hash::{FxHashMap, FxHashSet};

use super::walk::{refs, visible_heap, Hidden};

/// A clodo kind, by identity: the class, or the owner's class of a dict.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClodoKey {
    Class(usize),
    DictOf(usize),
    DictNoOwner,
}

/// The attribute dict an object owns, if any (instances, classes,
/// modules, functions).
fn owned_dict(o: &ObjRef) -> Option<ObjRef> {
    if let Some(m) = o.downcast::<Module>() {
        Some(m.dict.clone())
    } else if let Some(t) = o.downcast::<TypeObj>() {
        Some(t.dict.clone())
    } else if let Some(f) = o.downcast::<Function>() {
        f.dict.try_borrow().ok().and_then(|d| d.clone())
    } else if let Some(ext) = inst_ext(o) {
        ext.dict.try_borrow().ok().and_then(|d| d.clone())
    } else {
        None
    }
}

/// Maps the address of each of the exact dicts among `items` that has an
/// owner to the class of its owner. Owners are looked for among the
/// tracked objects, then (only if some dict is still unowned) in the
/// visible heap, where the untracked builtin classes are.
pub fn dict_owners(vm: &mut Vm, hidden: &Hidden, items: &[Value]) -> FxHashMap<usize, ObjRef> {
    let mut owners = FxHashMap::default();
    let dicts: FxHashSet<usize> = items
        .iter()
        .filter_map(|v| match v {
            Value::Obj(o) if o.kind() == Kind::Dict && vm.type_of(v).is(&vm.types.dict) => {
                Some(o.addr())
            }
            _ => None,
        })
        .collect();
    if dicts.is_empty() {
        return owners;
    }
    let note = |owners: &mut FxHashMap<usize, ObjRef>, o: &ObjRef| {
        if let Some(d) = owned_dict(o) {
            if dicts.contains(&d.addr()) {
                owners.insert(d.addr(), o.class());
            }
        }
    };
    for o in vm.tracked_objects(None) {
        note(&mut owners, &o);
    }
    if owners.len() < dicts.len() {
        for v in visible_heap(vm, hidden).order {
            if let Value::Obj(o) = v {
                note(&mut owners, &o);
            }
        }
    }
    owners
}

/// Classifies values by class or dict owner.
pub struct Clodo<'a> {
    pub owners: &'a FxHashMap<usize, ObjRef>,
    /// The class object of each key, to build the Python value.
    pub classes: FxHashMap<usize, ObjRef>,
}

impl Clodo<'_> {
    pub fn key(&mut self, vm: &Vm, v: &Value) -> ClodoKey {
        let cls = vm.type_of(v);
        if let Value::Obj(o) = v {
            if o.kind() == Kind::Dict && cls.is(&vm.types.dict) {
                return match self.owners.get(&o.addr()) {
                    Some(owner) => {
                        let a = owner.addr();
                        self.classes.entry(a).or_insert_with(|| owner.clone());
                        ClodoKey::DictOf(a)
                    }
                    None => ClodoKey::DictNoOwner,
                };
            }
        }
        let a = cls.addr();
        self.classes.entry(a).or_insert(cls);
        ClodoKey::Class(a)
    }

    pub fn value(&self, vm: &mut Vm, k: ClodoKey) -> Value {
        match k {
            ClodoKey::Class(a) => Value::Obj(self.classes[&a].clone()),
            ClodoKey::DictOf(a) => {
                let c = Value::Obj(self.classes[&a].clone());
                Value::Obj(vm.new_tuple(vec![c]))
            }
            ClodoKey::DictNoOwner => Value::Obj(vm.empty_tuple.clone()),
        }
    }
}

/// One class of a partition: its kind, and its members with their sizes.
pub struct Part {
    pub kind: Value,
    pub members: Vec<Value>,
    pub size: usize,
}

/// Groups `items` by `key`, keeping first-seen order of the kinds.
fn group<K: std::hash::Hash + Eq + Clone>(
    vm: &Vm,
    items: &[Value],
    mut key: impl FnMut(&Value) -> K,
) -> Vec<(K, Vec<Value>, usize)> {
    let mut at: FxHashMap<K, usize> = FxHashMap::default();
    let mut out: Vec<(K, Vec<Value>, usize)> = Vec::new();
    for v in items {
        let k = key(v);
        let size = vm.getsizeof(v);
        let i = *at.entry(k.clone()).or_insert_with(|| {
            out.push((k, Vec::new(), 0));
            out.len() - 1
        });
        out[i].1.push(v.clone());
        out[i].2 += size;
    }
    out
}

/// Partitions `items` by the relation named `how`; None for an unknown name.
pub fn partition(vm: &mut Vm, items: &[Value], how: &str, hidden: &Hidden) -> Option<Vec<Part>> {
    let parts = match how {
        "type" => {
            let mut classes: FxHashMap<usize, ObjRef> = FxHashMap::default();
            let groups = group(vm, items, |v| {
                let c = vm.type_of(v);
                let a = c.addr();
                classes.entry(a).or_insert(c);
                a
            });
            groups
                .into_iter()
                .map(|(k, members, size)| Part {
                    kind: Value::Obj(classes[&k].clone()),
                    members,
                    size,
                })
                .collect()
        }
        "clodo" => {
            let owners = dict_owners(vm, hidden, items);
            let mut c = Clodo {
                owners: &owners,
                classes: FxHashMap::default(),
            };
            let groups = group(vm, items, |v| c.key(vm, v));
            groups
                .into_iter()
                .map(|(k, members, size)| Part {
                    kind: c.value(vm, k),
                    members,
                    size,
                })
                .collect()
        }
        "size" => group(vm, items, |v| vm.getsizeof(v))
            .into_iter()
            .map(|(k, members, size)| Part {
                kind: Value::Int(k as i64),
                members,
                size,
            })
            .collect(),
        "id" => items
            .iter()
            .map(|v| Part {
                kind: v.clone(),
                members: vec![v.clone()],
                size: vm.getsizeof(v),
            })
            .collect(),
        "rcs" => rcs_partition(vm, items, hidden),
        "via" => via_partition(vm, items, hidden),
        _ => return None,
    };
    Some(parts)
}

/// Partition by the set of clodo kinds of each object's referrers.
fn rcs_partition(vm: &mut Vm, items: &[Value], hidden: &Hidden) -> Vec<Part> {
    let at: FxHashMap<i64, usize> = items
        .iter()
        .enumerate()
        .map(|(i, v)| (id_of(v), i))
        .collect();
    let mut kinds: Vec<Vec<ClodoKey>> = vec![Vec::new(); items.len()];
    let heap = visible_heap(vm, hidden);
    let dicts: Vec<Value> = heap.order.to_vec();
    let owners = dict_owners(vm, hidden, &dicts);
    let mut c = Clodo {
        owners: &owners,
        classes: FxHashMap::default(),
    };
    let mut buf = Vec::new();
    for r in &heap.order {
        buf.clear();
        refs(r, &mut buf);
        let mut rkey = None;
        for t in &buf {
            if t.is_undef() {
                continue;
            }
            if let Some(&i) = at.get(&id_of(t)) {
                let k = *rkey.get_or_insert_with(|| c.key(vm, r));
                if !kinds[i].contains(&k) {
                    kinds[i].push(k);
                }
            }
        }
    }
    for k in kinds.iter_mut() {
        k.sort();
    }
    let mut index = 0usize;
    let groups = group(vm, items, |_| {
        index += 1;
        kinds[index - 1].clone()
    });
    groups
        .into_iter()
        .map(|(k, members, size)| {
            let vals: Vec<Value> = k.iter().map(|k| c.value(vm, *k)).collect();
            Part {
                kind: Value::Obj(vm.new_tuple(vals)),
                members,
                size,
            }
        })
        .collect()
}

/// Partition by the set of names of the references to each object.
fn via_partition(vm: &mut Vm, items: &[Value], hidden: &Hidden) -> Vec<Part> {
    let at: FxHashMap<i64, usize> = items
        .iter()
        .enumerate()
        .map(|(i, v)| (id_of(v), i))
        .collect();
    let mut names: Vec<Vec<String>> = vec![Vec::new(); items.len()];
    for r in visible_heap(vm, hidden).order {
        for (label, t) in super::via::labelled_refs(&r) {
            if t.is_undef() {
                continue;
            }
            if let Some(&i) = at.get(&id_of(&t)) {
                if !names[i].contains(&label) {
                    names[i].push(label);
                }
            }
        }
    }
    for n in names.iter_mut() {
        n.sort();
    }
    let mut index = 0usize;
    let groups = group(vm, items, |_| {
        index += 1;
        names[index - 1].clone()
    });
    groups
        .into_iter()
        .map(|(k, members, size)| {
            let vals: Vec<Value> = k.iter().map(|s| vm.str_val(s)).collect();
            Part {
                kind: Value::Obj(vm.new_tuple(vals)),
                members,
                size,
            }
        })
        .collect()
}
