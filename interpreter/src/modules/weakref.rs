//! The `_weakref` module: the `weakref` type (`weakref.ref`, also
//! `ReferenceType`) with callbacks, hashing and equality as CPython's,
//! `getweakrefcount`, `getweakrefs`, and `_remove_dead_weakref`. The table
//! from referents to their weakrefs and the clearing on death live in
//! `gc/weakrefs.rs`; `stdlib/lib/weakref.mini` builds `proxy`,
//! `WeakValueDictionary`, `WeakKeyDictionary`, `WeakSet`, `WeakMethod` and
//! `finalize` on top of this.
//! Invariant: a callback-less `ref(o)` is shared: asking again returns the
//! same weakref object while it lives (CPython's behaviour, observable with
//! `is`).

use crate::gc::weakrefs::{self, WeakRef};
use crate::object::kind::Kind;
use crate::object::rc::ObjRef;
use crate::object::typeobj::{TypeObj, TF_WEAKREFABLE};
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

const M: &str = "_weakref";

pub fn install(vm: &mut Vm) {
    let t = vm.types.weakref.clone();
    vm.add_staticmethod(&t, "__new__", ref_new);
    vm.add_method(&t, "__init__", ref_init);
    vm.add_method(&t, "__call__", ref_call);
    vm.add_method(&t, "__hash__", ref_hash);
    vm.add_method(&t, "__repr__", ref_repr);
    vm.add_method(&t, "__eq__", ref_eq);
    vm.add_method(&t, "__ne__", ref_ne);
    vm.add_getter(&t, "__callback__", ref_callback);
    for s in [
        vm.types.set.clone(),
        vm.types.frozenset.clone(),
        vm.types.code.clone(),
        vm.types.property.clone(),
        vm.types.builtin_function.clone(),
        vm.types.method_descriptor.clone(),
    ] {
        if let Some(tp) = s.downcast::<TypeObj>() {
            tp.flags.set(tp.flags.get() | TF_WEAKREFABLE);
        }
    }
}

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    Ok(vm.make_module("_weakref", |vm, d| {
        let t = vm.types.weakref.clone();
        vm.set_in(d, "ref", Value::Obj(t.clone()));
        vm.set_in(d, "ReferenceType", Value::Obj(t));
        vm.add_function(d, M, "getweakrefcount", getweakrefcount);
        vm.add_function(d, M, "getweakrefs", getweakrefs);
        vm.add_function(d, M, "_remove_dead_weakref", remove_dead_weakref);
    }))
}

/// Whether objects of `v`'s type accept weak references.
fn weakrefable(vm: &Vm, v: &Value) -> bool {
    let Value::Obj(o) = v else { return false };
    let cls = o.class();
    cls.downcast::<TypeObj>()
        .is_some_and(|t| t.has(TF_WEAKREFABLE))
        || o.kind() == Kind::Type
        || {
            let _ = vm;
            false
        }
}

/// `weakref.ref(obj, callback=None)` (and subclasses of it).
fn ref_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let cls = args.pos.remove(0).into_obj().expect("class");
    args.no_kw(vm, "weakref")?;
    if args.pos.is_empty() || args.pos.len() > 2 {
        let n = args.pos.len();
        return Err(vm.type_error(format!("__new__ expected at most 2 arguments, got {n}")));
    }
    let obj = args.pos[0].clone();
    let callback = args.pos.get(1).cloned().unwrap_or(Value::None);
    if !weakrefable(vm, &obj) {
        let t = vm.type_name(&obj);
        return Err(vm.type_error(format!("cannot create weak reference to '{t}' object")));
    }
    let referent = obj
        .as_obj()
        .cloned()
        .expect("weakrefable objects are heap objects");
    let exact = cls.is(&vm.types.weakref);
    if exact && callback.is_none() {
        // Reuse a live callback-less plain ref, as CPython does.
        for w in weakrefs::weakrefs_of(&referent) {
            if w.class().is(&vm.types.weakref) {
                if let Some(wr) = w.downcast::<WeakRef>() {
                    if wr.callback.borrow().is_none() && !wr.proxy {
                        return Ok(Value::Obj(w));
                    }
                }
            }
        }
    }
    let payload = WeakRef {
        referent: std::cell::Cell::new(referent.as_ptr()),
        callback: std::cell::RefCell::new(callback),
        hash: std::cell::Cell::new(-1),
        id: weakrefs::next_id(),
        proxy: false,
    };
    let t = vm.types.weakref.clone();
    let w = vm.alloc_instance(&cls, &t, payload);
    weakrefs::register(&referent, &w);
    Ok(Value::Obj(w))
}

fn ref_init(_vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Ok(Value::None)
}

fn me(args: &Args) -> &WeakRef {
    args.pos[0]
        .as_obj()
        .and_then(|o| o.downcast::<WeakRef>())
        .expect("weakref receiver")
}

/// `r()`: the referent, or None once it died.
fn ref_call(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "weakref", 1, 1)?;
    Ok(me(&args).get().map(Value::Obj).unwrap_or(Value::None))
}

fn ref_callback(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(me(&args).callback.borrow().clone())
}

/// The hash of the referent, computed once (a dead ref keeps it).
fn ref_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let w = me(&args);
    if w.hash.get() != -1 {
        return Ok(Value::Int(w.hash.get()));
    }
    match w.get() {
        Some(o) => {
            let h = vm.hash(&Value::Obj(o))?;
            me(&args).hash.set(h);
            Ok(Value::Int(h))
        }
        None => Err(vm.type_error("weak object has gone away")),
    }
}

fn ref_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = args.pos[0].as_obj().cloned().expect("weakref");
    let s = weakref_repr(vm, &o);
    Ok(vm.str_val(&s))
}

/// `<weakref at 0x..; to 'T' at 0x..>` or `<weakref at 0x..; dead>`.
pub fn weakref_repr(vm: &mut Vm, o: &ObjRef) -> String {
    let w = o.downcast::<WeakRef>().expect("weakref");
    let addr = crate::modules::builtins::id_of(&Value::Obj(o.clone()));
    let s = match w.get() {
        None => format!("<weakref at {addr:#x}; dead>"),
        Some(r) => {
            let rv = Value::Obj(r.clone());
            let tn = vm.type_name(&rv);
            let raddr = crate::modules::builtins::id_of(&rv);
            let name_key = vm.intern("__name__");
            let name = vm
                .get_attr_opt(&rv, &name_key)
                .ok()
                .flatten()
                .and_then(|n| {
                    n.as_obj()
                        .and_then(|s| crate::object::str::str_of(s).map(|x| x.to_string()))
                });
            match name {
                Some(n) => format!("<weakref at {addr:#x}; to '{tn}' at {raddr:#x} ({n})>"),
                None => format!("<weakref at {addr:#x}; to '{tn}' at {raddr:#x}>"),
            }
        }
    };
    s
}

/// Two refs are equal when both referents live and are equal; otherwise
/// only a ref is equal to itself.
fn ref_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__eq__", 2, 2)?;
    let Some(other) = args.pos[1].as_obj().and_then(|o| o.downcast::<WeakRef>()) else {
        return Ok(Value::Obj(vm.not_implemented.clone()));
    };
    let a = me(&args).get();
    let b = other.get();
    match (a, b) {
        (Some(x), Some(y)) => Ok(Value::Bool(vm.eq(&Value::Obj(x), &Value::Obj(y))?)),
        _ => Ok(Value::Bool(args.pos[0].is(&args.pos[1]))),
    }
}

fn ref_ne(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match ref_eq(vm, args)? {
        Value::Bool(b) => Ok(Value::Bool(!b)),
        other => Ok(other),
    }
}

fn getweakrefcount(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "getweakrefcount", 1, 1)?;
    Ok(Value::Int(match args.pos[0].as_obj() {
        Some(o) => weakrefs::weakrefs_of(o).len() as i64,
        None => 0,
    }))
}

fn getweakrefs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "getweakrefs", 1, 1)?;
    let items: Vec<Value> = match args.pos[0].as_obj() {
        Some(o) => weakrefs::weakrefs_of(o)
            .into_iter()
            .map(Value::Obj)
            .collect(),
        None => Vec::new(),
    };
    Ok(Value::Obj(vm.new_list(items)))
}

/// `_remove_dead_weakref(dict, key)`: deletes `dict[key]` if it holds a
/// dead weakref (used by WeakValueDictionary's callbacks).
fn remove_dead_weakref(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "_remove_dead_weakref", 2, 2)?;
    let d = args.pos[0].clone();
    let key = args.pos[1].clone();
    let Value::Obj(dobj) = &d else {
        return Ok(Value::None);
    };
    if let Some(v) = vm.dict_get(dobj, &key)? {
        let dead = v
            .as_obj()
            .and_then(|o| o.downcast::<WeakRef>())
            .is_some_and(|w| w.get().is_none());
        if dead {
            vm.del_item(&d, &key)?;
        }
    }
    Ok(Value::None)
}
