//! Methods of `list`, including a stable merge sort that calls `<` through
//! the VM (never panics on inconsistent comparisons, stops at the first
//! error) with a fast path for lists of numbers, strings and tuples thereof.

use std::cmp::Ordering;

use crate::compile::opcode::CmpOp;
use crate::object::kind::Kind;
use crate::object::list::List;
use crate::object::str::Str;
use crate::object::tuple::Tuple;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

use super::self_obj;

pub fn install(vm: &mut Vm) {
    let t = vm.types.list.clone();
    let methods: &[(&'static str, crate::object::function::NativeFn)] = &[
        ("append", append),
        ("extend", extend),
        ("insert", insert),
        ("pop", pop),
        ("remove", remove),
        ("index", index),
        ("count", count),
        ("sort", sort),
        ("reverse", reverse),
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
        ("__iadd__", iadd),
        ("__repr__", repr),
    ];
    for (n, f) in methods {
        vm.add_method(&t, n, *f);
    }
    vm.add_staticmethod(&t, "__new__", new);
    let d = t
        .downcast::<crate::object::typeobj::TypeObj>()
        .unwrap()
        .dict
        .clone();
    vm.set_in(&d, "__hash__", Value::None);
}

fn items_of(o: &crate::object::rc::ObjRef) -> &List {
    o.downcast::<List>().expect("list receiver")
}

fn new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let cls = args.pos.remove(0).into_obj().unwrap();
    let lt = vm.types.list.clone();
    Ok(Value::Obj(vm.alloc_instance(&cls, &lt, List::default())))
}

fn init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "list", 1, 2)?;
    let o = self_obj(&args);
    let items = match args.pos.get(1) {
        Some(v) => vm.collect_iter(&v.clone())?,
        None => Vec::new(),
    };
    let old = std::mem::replace(&mut *items_of(&o).items.borrow_mut(), items);
    drop(old);
    crate::gc::alloc_trace::note_resize(o.as_ptr());
    Ok(Value::None)
}

fn append(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if args.pos.len() != 2 {
        args.check(vm, "list.append", 2, 2)?;
    }
    let o = self_obj(&args);
    let mut args = args;
    let v = args.pos.pop().unwrap();
    items_of(&o).items.borrow_mut().push(v);
    crate::gc::alloc_trace::note_resize(o.as_ptr());
    Ok(Value::None)
}

fn extend(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "list.extend", 2, 2)?;
    vm.list_extend(&args.pos[0], &args.pos[1])?;
    Ok(Value::None)
}

fn iadd(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__iadd__", 2, 2)?;
    vm.list_extend(&args.pos[0], &args.pos[1])?;
    Ok(args.pos[0].clone())
}

fn insert(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "insert", 3, 3)?;
    let o = self_obj(&args);
    let i = vm.index_value(&args.pos[1])?;
    let l = items_of(&o);
    let n = l.len() as i64;
    let idx = if i < 0 { (i + n).max(0) } else { i.min(n) } as usize;
    l.items.borrow_mut().insert(idx, args.pos[2].clone());
    crate::gc::alloc_trace::note_resize(o.as_ptr());
    Ok(Value::None)
}

fn pop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "pop", 1, 2)?;
    let o = self_obj(&args);
    let l = items_of(&o);
    let n = l.len() as i64;
    if n == 0 {
        return Err(vm.index_error("pop from empty list"));
    }
    let i = match args.pos.get(1) {
        Some(v) => vm.index_value(&v.clone())?,
        None => -1,
    };
    let idx = if i < 0 { i + n } else { i };
    if idx < 0 || idx >= n {
        return Err(vm.index_error("pop index out of range"));
    }
    let v = l.items.borrow_mut().remove(idx as usize);
    Ok(v)
}

fn remove(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "remove", 2, 2)?;
    let o = self_obj(&args);
    let items = items_of(&o).snapshot();
    for (i, x) in items.iter().enumerate() {
        if vm.eq(x, &args.pos[1])? {
            let l = items_of(&o);
            let mut b = l.items.borrow_mut();
            if i < b.len() {
                let old = b.remove(i);
                drop(b);
                drop(old);
            }
            return Ok(Value::None);
        }
    }
    Err(vm.value_error("list.remove(x): x not in list"))
}

fn index(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "index", 2, 4)?;
    let o = self_obj(&args);
    let items = items_of(&o).snapshot();
    let n = items.len() as i64;
    let norm = |x: i64| if x < 0 { (x + n).max(0) } else { x.min(n) } as usize;
    let start = match args.pos.get(2) {
        Some(v) => norm(vm.index_value(&v.clone())?),
        None => 0,
    };
    let end = match args.pos.get(3) {
        Some(v) => norm(vm.index_value(&v.clone())?),
        None => n as usize,
    };
    for (i, item) in items
        .iter()
        .enumerate()
        .take(end.min(items.len()))
        .skip(start)
    {
        if vm.eq(item, &args.pos[1])? {
            return Ok(Value::Int(i as i64));
        }
    }
    let r = vm.repr(&args.pos[1])?;
    Err(vm.value_error(format!("{r} is not in list")))
}

fn count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "count", 2, 2)?;
    let o = self_obj(&args);
    let items = items_of(&o).snapshot();
    let mut c = 0;
    for x in &items {
        if vm.eq(x, &args.pos[1])? {
            c += 1;
        }
    }
    Ok(Value::Int(c))
}

fn reverse(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = self_obj(&args);
    items_of(&o).items.borrow_mut().reverse();
    Ok(Value::None)
}

fn copy(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = self_obj(&args);
    let v = items_of(&o).snapshot();
    Ok(Value::Obj(vm.new_list(v)))
}

fn clear(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = self_obj(&args);
    let old = std::mem::take(&mut *items_of(&o).items.borrow_mut());
    crate::object::list::release_reversed(old);
    Ok(Value::None)
}

fn len(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = self_obj(&args);
    Ok(Value::Int(items_of(&o).len() as i64))
}

fn plain(vm: &mut Vm, v: &Value) -> Value {
    match v {
        Value::Obj(o) if o.owns_cls() => Value::Obj(vm.new_list(items_of(o).snapshot())),
        _ => v.clone(),
    }
}

fn getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__getitem__", 2, 2)?;
    let o = self_obj(&args);
    if o.owns_cls() {
        // Avoid recursing into the subclass's __getitem__.
        let p = plain(vm, &args.pos[0]);
        return vm.get_item(&p, &args.pos[1]);
    }
    vm.get_item(&args.pos[0], &args.pos[1])
}

fn setitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__setitem__", 3, 3)?;
    let o = self_obj(&args);
    let l = items_of(&o);
    if let Value::Obj(k) = &args.pos[1] {
        if k.kind() == Kind::Slice {
            let tmp = vm.new_list(l.snapshot());
            vm.set_item(
                &Value::Obj(tmp.clone()),
                args.pos[1].clone(),
                args.pos[2].clone(),
            )?;
            let v = items_of(&tmp).snapshot();
            let old = std::mem::replace(&mut *l.items.borrow_mut(), v);
            drop(old);
            return Ok(Value::None);
        }
    }
    let n = l.len() as i64;
    let i = vm.index_value(&args.pos[1])?;
    let j = if i < 0 { i + n } else { i };
    if j < 0 || j >= n {
        return Err(vm.index_error("list assignment index out of range"));
    }
    let old = std::mem::replace(&mut l.items.borrow_mut()[j as usize], args.pos[2].clone());
    drop(old);
    Ok(Value::None)
}

fn delitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__delitem__", 2, 2)?;
    let o = self_obj(&args);
    let l = items_of(&o);
    let tmp = vm.new_list(l.snapshot());
    vm.del_item(&Value::Obj(tmp.clone()), &args.pos[1])?;
    let v = items_of(&tmp).snapshot();
    let old = std::mem::replace(&mut *l.items.borrow_mut(), v);
    drop(old);
    Ok(Value::None)
}

fn contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__contains__", 2, 2)?;
    let p = plain(vm, &args.pos[0]);
    Ok(Value::Bool(vm.contains(&p, &args.pos[1])?))
}

fn iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = self_obj(&args);
    let t = vm.types.list_iterator.clone();
    Ok(Value::Obj(vm.new_iter(
        &t,
        crate::object::iter::IterState::List { seq: o, index: 0 },
    )))
}

fn reversed(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = self_obj(&args);
    let n = items_of(&o).len();
    let t = vm.types.list_reverseiterator.clone();
    Ok(Value::Obj(vm.new_iter(
        &t,
        crate::object::iter::IterState::ListRev { seq: o, index: n },
    )))
}

fn repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let p = plain(vm, &args.pos[0]);
    let s = vm.repr(&p)?;
    Ok(vm.str_val(&s))
}

/// `a < b` without calling Python code, for numbers, strings and tuples
/// of those (None when Python code may be needed).
pub fn fast_lt(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x < y),
        (Value::Float(x), Value::Float(y)) => Some(x < y),
        (Value::Int(x), Value::Float(y)) => Some((*x as f64) < *y),
        (Value::Float(x), Value::Int(y)) => Some(*x < (*y as f64)),
        (Value::Obj(x), Value::Obj(y)) if !x.owns_cls() && !y.owns_cls() => {
            match (x.kind(), y.kind()) {
                (Kind::Str, Kind::Str) => Some(
                    x.downcast::<Str>().unwrap().as_str() < y.downcast::<Str>().unwrap().as_str(),
                ),
                (Kind::Tuple, Kind::Tuple) => {
                    let (p, q) = (
                        x.downcast::<Tuple>().unwrap().as_slice(),
                        y.downcast::<Tuple>().unwrap().as_slice(),
                    );
                    for (u, v) in p.iter().zip(q.iter()) {
                        match fast_eq(u, v)? {
                            true => continue,
                            false => return fast_lt(u, v),
                        }
                    }
                    Some(p.len() < q.len())
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// NaN keys have no consistent order: they take the general path.
fn has_nan(v: &Value) -> bool {
    match v {
        Value::Float(f) => f.is_nan(),
        Value::Obj(o) if o.kind() == Kind::Tuple => o
            .downcast::<Tuple>()
            .unwrap()
            .as_slice()
            .iter()
            .any(has_nan),
        _ => false,
    }
}

fn fast_eq(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Obj(x), Value::Obj(y))
            if x.kind() == Kind::Tuple
                && y.kind() == Kind::Tuple
                && !x.owns_cls()
                && !y.owns_cls() =>
        {
            let (p, q) = (
                x.downcast::<Tuple>().unwrap().as_slice(),
                y.downcast::<Tuple>().unwrap().as_slice(),
            );
            if p.len() != q.len() {
                return Some(false);
            }
            for (u, v) in p.iter().zip(q.iter()) {
                if !fast_eq(u, v)? {
                    return Some(false);
                }
            }
            Some(true)
        }
        _ => crate::object::dict::fast_key_eq(a, b),
    }
}

/// `a < b` for sorting.
fn lt(vm: &mut Vm, a: &Value, b: &Value) -> PyResult<bool> {
    if let Some(r) = fast_lt(a, b) {
        return Ok(r);
    }
    vm.compare_bool(CmpOp::Lt, a, b)
}

/// Stable merge sort of `keys` (and the parallel `vals`) by `lt`.
pub fn merge_sort(vm: &mut Vm, keys: &mut [Value], reverse: bool) -> PyResult<Vec<usize>> {
    let n = keys.len();
    let mut idx: Vec<usize> = (0..n).collect();
    if n < 2 {
        return Ok(idx);
    }
    // Fast path: all keys compare natively and consistently.
    let all_fast =
        !keys.iter().any(has_nan) && keys.windows(2).all(|w| fast_lt(&w[0], &w[1]).is_some()) && {
            let k0 = &keys[0];
            keys.iter().all(|k| fast_lt(k0, k).is_some())
        };
    if all_fast {
        let mut err = false;
        idx.sort_by(|&i, &j| {
            let (a, b) = if reverse {
                (&keys[j], &keys[i])
            } else {
                (&keys[i], &keys[j])
            };
            match (fast_lt(a, b), fast_lt(b, a)) {
                (Some(true), _) => Ordering::Less,
                (_, Some(true)) => Ordering::Greater,
                (Some(false), Some(false)) => Ordering::Equal,
                _ => {
                    err = true;
                    Ordering::Equal
                }
            }
        });
        if !err {
            return Ok(idx);
        }
        idx = (0..n).collect();
    }
    let mut buf = idx.clone();
    sort_range(vm, keys, &mut idx, &mut buf, 0, n, reverse)?;
    Ok(idx)
}

fn sort_range(
    vm: &mut Vm,
    keys: &[Value],
    idx: &mut [usize],
    buf: &mut [usize],
    lo: usize,
    hi: usize,
    reverse: bool,
) -> PyResult<()> {
    // `before(a, b)`: element a must come before b (strictly).
    if hi - lo <= 16 {
        for i in lo + 1..hi {
            let mut j = i;
            while j > lo {
                let (a, b) = (&keys[idx[j]], &keys[idx[j - 1]]);
                let smaller = if reverse {
                    lt(vm, b, a)?
                } else {
                    lt(vm, a, b)?
                };
                if !smaller {
                    break;
                }
                idx.swap(j, j - 1);
                j -= 1;
            }
        }
        return Ok(());
    }
    let mid = (lo + hi) / 2;
    sort_range(vm, keys, idx, buf, lo, mid, reverse)?;
    sort_range(vm, keys, idx, buf, mid, hi, reverse)?;
    let (mut i, mut j, mut k) = (lo, mid, lo);
    while i < mid && j < hi {
        let (a, b) = (&keys[idx[j]], &keys[idx[i]]);
        let take_right = if reverse {
            lt(vm, b, a)?
        } else {
            lt(vm, a, b)?
        };
        if take_right {
            buf[k] = idx[j];
            j += 1;
        } else {
            buf[k] = idx[i];
            i += 1;
        }
        k += 1;
    }
    while i < mid {
        buf[k] = idx[i];
        i += 1;
        k += 1;
    }
    while j < hi {
        buf[k] = idx[j];
        j += 1;
        k += 1;
    }
    idx[lo..hi].copy_from_slice(&buf[lo..hi]);
    Ok(())
}

/// `sorted`/`list.sort` core: sorts `items` in place by key.
pub fn sort_values(
    vm: &mut Vm,
    items: Vec<Value>,
    key: &Value,
    reverse: bool,
) -> PyResult<Vec<Value>> {
    let mut keys = if key.is_none() {
        items.clone()
    } else {
        let mut ks = Vec::with_capacity(items.len());
        for it in &items {
            ks.push(vm.call(key, vec![it.clone()])?);
        }
        ks
    };
    let order = merge_sort(vm, &mut keys, reverse)?;
    let mut slots: Vec<Option<Value>> = items.into_iter().map(Some).collect();
    Ok(order
        .into_iter()
        .map(|i| slots[i].take().unwrap())
        .collect())
}

fn sort(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let key = args.take_kw("key").unwrap_or(Value::None);
    let reverse = match args.take_kw("reverse") {
        Some(r) => vm.truthy(&r)?,
        None => false,
    };
    args.no_kw(vm, "sort")?;
    if args.pos.len() > 1 {
        return Err(vm.type_error("sort() takes no positional arguments"));
    }
    let o = self_obj(&args);
    let l = items_of(&o);
    let items = std::mem::take(&mut *l.items.borrow_mut());
    let backup = items.clone();
    let r = sort_values(vm, items, &key, reverse);
    let modified = !l.items.borrow().is_empty();
    match r {
        Ok(sorted) => {
            let old = std::mem::replace(&mut *l.items.borrow_mut(), sorted);
            drop(old);
            if modified {
                return Err(vm.value_error("list modified during sort"));
            }
            Ok(Value::None)
        }
        Err(e) => {
            if !modified {
                let old = std::mem::replace(&mut *l.items.borrow_mut(), backup);
                drop(old);
            }
            Err(e)
        }
    }
}
