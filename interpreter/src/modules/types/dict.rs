//! Methods of `dict`.

use crate::object::dict::Dict;
use crate::object::iter::{DictPart, IterState};
use crate::object::kind::Kind;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

use super::self_obj;

pub fn install(vm: &mut Vm) {
    let t = vm.types.dict.clone();
    let methods: &[(&'static str, crate::object::function::NativeFn)] = &[
        ("get", get),
        ("setdefault", setdefault),
        ("pop", pop),
        ("popitem", popitem),
        ("items", items),
        ("keys", keys),
        ("values", values),
        ("update", update),
        ("copy", copy),
        ("clear", clear),
        ("__init__", init),
        ("__len__", len),
        ("__getitem__", getitem),
        ("__setitem__", setitem),
        ("__delitem__", delitem),
        ("__contains__", contains),
        ("__iter__", iter),
        ("__reversed__", reversed),
        ("__ior__", ior),
        ("__repr__", repr),
    ];
    for (n, f) in methods {
        vm.add_method(&t, n, *f);
    }
    vm.add_staticmethod(&t, "__new__", new);
    vm.add_classmethod(&t, "fromkeys", fromkeys);
    let d = t
        .downcast::<crate::object::typeobj::TypeObj>()
        .unwrap()
        .dict
        .clone();
    vm.set_in(&d, "__hash__", Value::None);
}

fn new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let cls = args.pos.remove(0).into_obj().unwrap();
    let dt = vm.types.dict.clone();
    Ok(Value::Obj(vm.alloc_instance(&cls, &dt, Dict::new())))
}

/// `dict.update(other, **kw)` semantics, shared by `__init__`.
fn update_impl(
    vm: &mut Vm,
    d: &crate::object::rc::ObjRef,
    args: &mut Args,
    name: &str,
) -> PyResult<()> {
    if args.pos.len() > 2 {
        return Err(vm.type_error(format!(
            "{name} expected at most 1 argument, got {}",
            args.pos.len() - 1
        )));
    }
    if let Some(src) = args.pos.get(1).cloned() {
        update_from_arg(vm, d, src)?;
    }
    for (k, v) in std::mem::take(&mut args.kw) {
        vm.dict_set(d, Value::Obj(k), v)?;
    }
    Ok(())
}

/// `d.update(src)` for one positional argument: a mapping (anything with
/// `keys`) or an iterable of pairs.
pub(crate) fn update_from_arg(
    vm: &mut Vm,
    d: &crate::object::rc::ObjRef,
    src: Value,
) -> PyResult<()> {
    {
        let is_mapping = match &src {
            Value::Obj(o) if o.kind() == Kind::Dict => true,
            _ => vm.get_attr_opt(&src, &vm.names.keys.clone())?.is_some(),
        };
        if is_mapping {
            vm.dict_update_from(&Value::Obj(d.clone()), &src, None)?;
        } else {
            let it = vm.get_iter(&src)?;
            let mut i = 0;
            while let Some(item) = vm.next(&it)? {
                let pair = match vm.collect_iter(&item) {
                    Ok(p) => p,
                    Err(_) => {
                        return Err(vm.type_error(format!(
                            "cannot convert dictionary update sequence element #{i} to a sequence"
                        )))
                    }
                };
                if pair.len() != 2 {
                    return Err(vm.value_error(format!(
                        "dictionary update sequence element #{i} has length {}; 2 is required",
                        pair.len()
                    )));
                }
                let mut p = pair.into_iter();
                let (k, v) = (p.next().unwrap(), p.next().unwrap());
                vm.dict_set(d, k, v)?;
                i += 1;
            }
        }
    }
    Ok(())
}

fn init(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let d = self_obj(&args);
    update_impl(vm, &d, &mut args, "dict")?;
    Ok(Value::None)
}

fn update(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let d = self_obj(&args);
    update_impl(vm, &d, &mut args, "update")?;
    Ok(Value::None)
}

fn ior(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let d = self_obj(&args);
    update_impl(vm, &d, &mut args, "update")?;
    Ok(args.pos[0].clone())
}

fn get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "get", 2, 3)?;
    let d = self_obj(&args);
    match vm.dict_get(&d, &args.pos[1])? {
        Some(v) => Ok(v),
        None => Ok(args.pos.get(2).cloned().unwrap_or(Value::None)),
    }
}

fn setdefault(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "setdefault", 2, 3)?;
    let d = self_obj(&args);
    match vm.dict_get(&d, &args.pos[1])? {
        Some(v) => Ok(v),
        None => {
            let v = args.pos.get(2).cloned().unwrap_or(Value::None);
            vm.dict_set(&d, args.pos[1].clone(), v.clone())?;
            Ok(v)
        }
    }
}

fn pop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "pop", 2, 3)?;
    let d = self_obj(&args);
    match vm.dict_del(&d, &args.pos[1])? {
        Some(v) => Ok(v),
        None => match args.pos.get(2) {
            Some(def) => Ok(def.clone()),
            None => Err(vm.key_error(args.pos[1].clone())),
        },
    }
}

fn popitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_obj(&args);
    let dd = d.downcast::<Dict>().unwrap();
    let pos = dd.table.borrow().last_position();
    match pos {
        Some(ix) => {
            let (k, v) = dd.table.borrow_mut().remove_at(ix);
            Ok(Value::Obj(vm.new_tuple(vec![k, v])))
        }
        None => Err(vm.key_error_msg("popitem(): dictionary is empty")),
    }
}

fn view(vm: &mut Vm, args: &Args, part: DictPart) -> PyResult<Value> {
    let d = self_obj(args);
    Ok(Value::Obj(vm.new_dict_view(&d, part)))
}

fn items(vm: &mut Vm, args: Args) -> PyResult<Value> {
    view(vm, &args, DictPart::Items)
}

fn keys(vm: &mut Vm, args: Args) -> PyResult<Value> {
    view(vm, &args, DictPart::Keys)
}

fn values(vm: &mut Vm, args: Args) -> PyResult<Value> {
    view(vm, &args, DictPart::Values)
}

fn copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_obj(&args);
    let n = vm.new_dict();
    for (k, v) in d.downcast::<Dict>().unwrap().items() {
        vm.dict_set(&n, k, v)?;
    }
    Ok(Value::Obj(n))
}

fn clear(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_obj(&args);
    let old = d.downcast::<Dict>().unwrap().table.borrow_mut().take_all();
    drop(old);
    Ok(Value::None)
}

fn fromkeys(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "fromkeys", 2, 3)?;
    let cls = args.pos[0].clone();
    let keys = vm.collect_iter(&args.pos[1])?;
    let value = args.pos.get(2).cloned().unwrap_or(Value::None);
    let d = vm.call(&cls, vec![])?;
    for k in keys {
        vm.set_item(&d, k, value.clone())?;
    }
    Ok(d)
}

fn len(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_obj(&args);
    Ok(Value::Int(d.downcast::<Dict>().unwrap().len() as i64))
}

fn getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__getitem__", 2, 2)?;
    let d = self_obj(&args);
    match vm.dict_get(&d, &args.pos[1])? {
        Some(v) => Ok(v),
        None => {
            if d.owns_cls() {
                let cls = d.class();
                if let Some(m) = vm.lookup_mro(&cls, &vm.names.missing.clone()) {
                    return vm.call(&m, vec![args.pos[0].clone(), args.pos[1].clone()]);
                }
            }
            Err(vm.key_error(args.pos[1].clone()))
        }
    }
}

fn setitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__setitem__", 3, 3)?;
    let d = self_obj(&args);
    vm.dict_set(&d, args.pos[1].clone(), args.pos[2].clone())?;
    Ok(Value::None)
}

fn delitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__delitem__", 2, 2)?;
    let d = self_obj(&args);
    match vm.dict_del(&d, &args.pos[1])? {
        Some(_) => Ok(Value::None),
        None => Err(vm.key_error(args.pos[1].clone())),
    }
}

fn contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__contains__", 2, 2)?;
    let d = self_obj(&args);
    Ok(Value::Bool(vm.dict_get(&d, &args.pos[1])?.is_some()))
}

fn iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_obj(&args);
    let len = d.downcast::<Dict>().unwrap().len();
    let t = vm.types.dict_keyiterator.clone();
    Ok(Value::Obj(vm.new_iter(
        &t,
        IterState::Dict {
            d,
            pos: 0,
            len,
            part: DictPart::Keys,
        },
    )))
}

fn reversed(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_obj(&args);
    let dd = d.downcast::<Dict>().unwrap();
    let (len, pos) = (dd.len(), dd.table.borrow().positions());
    let t = vm.types.dict_reversekeyiterator.clone();
    Ok(Value::Obj(vm.new_iter(
        &t,
        IterState::DictRev {
            d,
            pos,
            len,
            part: DictPart::Keys,
        },
    )))
}

fn repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = self_obj(&args);
    let plain = vm.new_dict();
    for (k, v) in d.downcast::<Dict>().unwrap().items() {
        vm.dict_set(&plain, k, v)?;
    }
    let s = vm.repr(&Value::Obj(plain))?;
    Ok(vm.str_val(&s))
}

impl Vm {
    /// KeyError with a message (not a key).
    pub fn key_error_msg(&mut self, msg: &str) -> crate::vm::PyErr {
        let c = self.types.exc.key_error.clone();
        self.new_error(&c, msg)
    }
}
