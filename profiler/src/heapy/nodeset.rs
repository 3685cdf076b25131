//! `_heapy.NodeSet`: an immutable set of objects by identity, the storage
//! behind guppy's IdentitySet (`stdlib/lib/guppy/`). It holds a counted
//! reference to each member, so members stay alive as long as the set does
//! (as heapy's node sets do).
//!
//! Identity is `id()`: for heap objects their address; values mini keeps
//! inline (small ints, floats, bools, None) are identified by value, so two
//! equal small ints are one member, like CPython's shared small ints.
//! Invariants: `items` has no two members with the same id; `index` maps
//! every member's id to its position in `items`. Heap walks never count or
//! enter a NodeSet (heapy hides its own sets).

use std::any::Any;

use mini_interpreter::modules::builtins::id_of;
use mini_interpreter::object::native::{native_ref, Native, NativeObject};
use mini_interpreter::{ObjRef, PyResult, Value, Vm};
use rustc_hash::FxHashMap;

pub struct NodeSet {
    items: Vec<Value>,
    index: FxHashMap<i64, usize>,
}

impl NodeSet {
    /// A set of `values`, keeping the first of any duplicates (by id).
    pub fn from_values(values: impl IntoIterator<Item = Value>) -> NodeSet {
        let mut s = NodeSet {
            items: Vec::new(),
            index: FxHashMap::default(),
        };
        for v in values {
            s.insert(v);
        }
        s
    }

    fn insert(&mut self, v: Value) {
        if v.is_undef() {
            return;
        }
        let id = id_of(&v);
        if let std::collections::hash_map::Entry::Vacant(e) = self.index.entry(id) {
            e.insert(self.items.len());
            self.items.push(v);
        }
    }

    pub fn items(&self) -> &[Value] {
        &self.items
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn contains_id(&self, id: i64) -> bool {
        self.index.contains_key(&id)
    }

    pub fn contains(&self, v: &Value) -> bool {
        self.contains_id(id_of(v))
    }
}

impl NativeObject for NodeSet {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        for v in &self.items {
            if let Value::Obj(o) = v {
                visit(o);
            }
        }
    }

    // `clear` (breaking cycles) is not provided: the items are immutable
    // after creation and a cycle through a NodeSet also runs through the
    // IdentitySet instance that owns it, which the collector clears.

    fn len(&self, _vm: &mut Vm, _me: &ObjRef) -> Option<usize> {
        Some(self.items.len())
    }

    fn contains(&self, _vm: &mut Vm, _me: &ObjRef, item: &Value) -> Option<PyResult<bool>> {
        Some(Ok(self.contains(item)))
    }

    fn repr(&self, _vm: &mut Vm, _me: &ObjRef) -> Option<PyResult<String>> {
        Some(Ok(format!(
            "<_heapy.NodeSet of {} objects>",
            self.items.len()
        )))
    }

    fn extra_size(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<Value>()
    }
}

/// The NodeSet behind `o`, if it is one.
pub fn nodeset_of(o: &ObjRef) -> Option<&NodeSet> {
    native_ref::<NodeSet>(o)
}

/// Wraps a NodeSet in a new `_heapy.NodeSet` object.
pub fn new_nodeset(vm: &mut Vm, s: NodeSet) -> ObjRef {
    let t = vm.extra_type("NodeSet", "_heapy");
    vm.alloc(&t, Native { inner: Box::new(s) })
}

/// The NodeSet argument `v`, or a TypeError naming `fname`.
pub fn nodeset_arg<'a>(vm: &mut Vm, v: &'a Value, fname: &str) -> PyResult<&'a NodeSet> {
    match v {
        Value::Obj(o) => match nodeset_of(o) {
            Some(s) => Ok(s),
            None => {
                let t = vm.type_name(v);
                Err(vm.type_error(format!("{fname}() argument must be a NodeSet, not '{t}'")))
            }
        },
        _ => {
            let t = vm.type_name(v);
            Err(vm.type_error(format!("{fname}() argument must be a NodeSet, not '{t}'")))
        }
    }
}
