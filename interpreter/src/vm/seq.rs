//! Subscripts, slices, `len`, membership and unpacking for the builtin
//! containers, and the `__getitem__`/`__setitem__`/`__delitem__`/`__len__`/
//! `__contains__` protocol for instances. Index errors use CPython's texts.

use num_traits::{Signed, ToPrimitive};

use crate::object::bytes::Bytes;
use crate::object::dict::Dict;
use crate::object::kind::Kind;
use crate::object::list::List;
use crate::object::range::{Range, Slice};
use crate::object::rc::ObjRef;
use crate::object::set::Set;
use crate::object::str::Str;
use crate::object::tuple::Tuple;
use crate::object::value::Value;
use crate::vm::arith::{as_int, Num};
use crate::vm::{PyResult, Vm};

/// A slice resolved against a length: start, stop, step and item count.
#[derive(Clone, Copy, Debug)]
pub struct SliceIdx {
    pub start: i64,
    pub stop: i64,
    pub step: i64,
    pub len: usize,
}

impl SliceIdx {
    pub fn indices(&self) -> impl Iterator<Item = usize> {
        let (start, step) = (self.start, self.step);
        (0..self.len).map(move |i| (start + i as i64 * step) as usize)
    }
}

impl Vm {
    pub fn new_slice(&mut self, start: Value, stop: Value, step: Value) -> ObjRef {
        let t = self.types.slice.clone();
        self.alloc(&t, Slice { start, stop, step })
    }

    /// `operator.index(v)`: an int from ints, bools or `__index__`.
    pub fn index_value(&mut self, v: &Value) -> PyResult<i64> {
        match as_int(v) {
            Some(Num::Int(i)) => Ok(i),
            Some(Num::Big(_)) => {
                let t = self.type_name(v);
                Err(self.index_error(format!("cannot fit '{t}' into an index-sized integer")))
            }
            _ => {
                if let Some(f) = self.lookup_special(v, &self.names.index.clone()) {
                    let r = self.call(&f, vec![v.clone()])?;
                    return match as_int(&r) {
                        Some(Num::Int(i)) => Ok(i),
                        _ => {
                            let t = self.type_name(&r);
                            Err(self.type_error(format!("__index__ returned non-int (type {t})")))
                        }
                    };
                }
                let t = self.type_name(v);
                Err(self.type_error(format!("'{t}' object cannot be interpreted as an integer")))
            }
        }
    }

    /// Clamped slice bound (CPython's `_PyEval_SliceIndex`).
    fn slice_bound(&mut self, v: &Value) -> PyResult<Option<i64>> {
        match v {
            Value::None => Ok(None),
            _ => match as_int(v) {
                Some(Num::Int(i)) => Ok(Some(i)),
                Some(Num::Big(b)) => Ok(Some(if b.is_negative() {
                    i64::MIN / 2
                } else {
                    i64::MAX / 2
                })),
                _ => {
                    if self.lookup_special(v, &self.names.index.clone()).is_some() {
                        return self.index_value(v).map(Some);
                    }
                    Err(self.type_error(
                        "slice indices must be integers or None or have an __index__ method",
                    ))
                }
            },
        }
    }

    /// `slice.indices(len)`.
    pub fn slice_indices(&mut self, s: &Slice, len: usize) -> PyResult<SliceIdx> {
        let len = len as i64;
        let step = match self.slice_bound(&s.step)? {
            None => 1,
            Some(0) => return Err(self.value_error("slice step cannot be zero")),
            Some(st) => st,
        };
        let (lower, upper) = if step < 0 { (-1, len - 1) } else { (0, len) };
        let start = match self.slice_bound(&s.start)? {
            None => {
                if step < 0 {
                    upper
                } else {
                    lower
                }
            }
            Some(mut v) => {
                if v < 0 {
                    v += len;
                    if v < lower {
                        v = lower;
                    }
                } else if v > upper {
                    v = upper;
                }
                v
            }
        };
        let stop = match self.slice_bound(&s.stop)? {
            None => {
                if step < 0 {
                    lower
                } else {
                    upper
                }
            }
            Some(mut v) => {
                if v < 0 {
                    v += len;
                    if v < lower {
                        v = lower;
                    }
                } else if v > upper {
                    v = upper;
                }
                v
            }
        };
        let n = if step < 0 {
            if stop < start {
                (start - stop - 1) / (-step) + 1
            } else {
                0
            }
        } else if start < stop {
            (stop - start - 1) / step + 1
        } else {
            0
        };
        Ok(SliceIdx {
            start,
            stop,
            step,
            len: n as usize,
        })
    }

    /// Normalises a sequence index (negative from the end); None if out of range.
    fn seq_index(&mut self, key: &Value, len: usize) -> PyResult<Option<usize>> {
        let i = match as_int(key) {
            Some(Num::Int(i)) => i,
            Some(Num::Big(_)) => return Ok(None),
            _ => self.index_value(key)?,
        };
        let n = len as i64;
        let j = if i < 0 { i + n } else { i };
        Ok(if j >= 0 && j < n {
            Some(j as usize)
        } else {
            None
        })
    }

    fn bad_index_type(&mut self, what: &str, key: &Value) -> crate::vm::PyErr {
        let t = self.type_name(key);
        self.type_error(format!(
            "{what} indices must be integers or slices, not {t}"
        ))
    }

    /// `obj[key]`.
    pub fn get_item(&mut self, obj: &Value, key: &Value) -> PyResult<Value> {
        let Value::Obj(o) = obj else {
            let t = self.type_name(obj);
            return Err(self.type_error(format!("'{t}' object is not subscriptable")));
        };
        if o.owns_cls() {
            let cls = o.class();
            if let Some(f) = self.lookup_mro(&cls, &self.names.getitem.clone()) {
                if !crate::vm::is_builtin_slot(&f) {
                    return self.call(&f, vec![obj.clone(), key.clone()]);
                }
            }
            if o.kind() == Kind::Dict {
                if let Some(v) = self.dict_get(o, key)? {
                    return Ok(v);
                }
                if let Some(m) = self.lookup_mro(&cls, &self.names.missing.clone()) {
                    return self.call(&m, vec![obj.clone(), key.clone()]);
                }
                return Err(self.key_error(key.clone()));
            }
            if o.kind() == Kind::Type {
                return self.class_getitem(o, key);
            }
        }
        if let Value::Obj(k) = key {
            if k.kind() == Kind::Slice {
                let s = k.downcast::<Slice>().unwrap();
                return self.get_slice(o, s);
            }
        }
        match o.kind() {
            Kind::List => {
                let l = o.downcast::<List>().unwrap();
                let len = l.len();
                if as_int(key).is_none()
                    && self
                        .lookup_special(key, &self.names.index.clone())
                        .is_none()
                {
                    return Err(self.bad_index_type("list", key));
                }
                match self.seq_index(key, len)? {
                    Some(i) => Ok(l.get(i).unwrap_or(Value::None)),
                    None => Err(self.index_error("list index out of range")),
                }
            }
            Kind::Tuple => {
                let t = o.downcast::<Tuple>().unwrap();
                if as_int(key).is_none()
                    && self
                        .lookup_special(key, &self.names.index.clone())
                        .is_none()
                {
                    return Err(self.bad_index_type("tuple", key));
                }
                match self.seq_index(key, t.len())? {
                    Some(i) => Ok(t.as_slice()[i].clone()),
                    None => Err(self.index_error("tuple index out of range")),
                }
            }
            Kind::Str => {
                let s = o.downcast::<Str>().unwrap();
                if as_int(key).is_none()
                    && self
                        .lookup_special(key, &self.names.index.clone())
                        .is_none()
                {
                    let t = self.type_name(key);
                    return Err(
                        self.type_error(format!("string indices must be integers, not '{t}'"))
                    );
                }
                match self.seq_index(key, s.char_len())? {
                    Some(i) => {
                        let c = s.char_at(i).unwrap();
                        Ok(Value::Obj(self.char_str(c)))
                    }
                    None => Err(self.index_error("string index out of range")),
                }
            }
            Kind::Bytes => {
                let b = o.downcast::<Bytes>().unwrap();
                match self.seq_index(key, b.data.len())? {
                    Some(i) => Ok(Value::Int(b.data[i] as i64)),
                    None => Err(self.index_error("index out of range")),
                }
            }
            Kind::Dict => match self.dict_get(o, key)? {
                Some(v) => Ok(v),
                None => Err(self.key_error(key.clone())),
            },
            Kind::Range => {
                let r = o.downcast::<Range>().unwrap();
                if let Some(b) = &r.big {
                    let i = match crate::vm::arith::as_int(key) {
                        Some(Num::Int(i)) => num_bigint::BigInt::from(i),
                        Some(Num::Big(i)) => i,
                        _ => num_bigint::BigInt::from(self.index_value(key)?),
                    };
                    return crate::modules::types::range_big::item(self, b, &i);
                }
                if let Some(Num::Big(i)) = crate::vm::arith::as_int(key) {
                    let (start, stop, step) = crate::modules::types::range_big::bounds_of(r);
                    let b = crate::object::range::BigBounds { start, stop, step };
                    return crate::modules::types::range_big::item(self, &b, &i);
                }
                match self.seq_index(key, r.len() as usize)? {
                    Some(i) => Ok(Value::Int(r.item(i as i64))),
                    None => Err(self.index_error("range object index out of range")),
                }
            }
            Kind::Type => self.class_getitem(o, key),
            Kind::Native => self.native_getitem(o, key),
            _ => {
                let t = self.type_name(obj);
                Err(self.type_error(format!("'{t}' object is not subscriptable")))
            }
        }
    }

    fn class_getitem(&mut self, cls: &ObjRef, key: &Value) -> PyResult<Value> {
        let n = self.intern("__class_getitem__");
        if let Some(f) = self.get_attr_opt(&Value::Obj(cls.clone()), &n)? {
            return self.call(&f, vec![key.clone()]);
        }
        // list[int], dict[str, int]...: typing generics are accepted and
        // ignored (annotations).
        if !self.is_heap_class(cls) {
            return Ok(Value::Obj(cls.clone()));
        }
        let t = self.type_display_name(cls);
        Err(self.type_error(format!("'type' object is not subscriptable ({t})")))
    }

    fn get_slice(&mut self, o: &ObjRef, s: &Slice) -> PyResult<Value> {
        match o.kind() {
            Kind::List => {
                let items = o.downcast::<List>().unwrap().snapshot();
                let si = self.slice_indices(s, items.len())?;
                let v: Vec<Value> = si.indices().map(|i| items[i].clone()).collect();
                Ok(Value::Obj(self.new_list(v)))
            }
            Kind::Tuple => {
                let t = o.downcast::<Tuple>().unwrap();
                let si = self.slice_indices(s, t.len())?;
                if si.step == 1 && si.start == 0 && si.len == t.len() && !o.owns_cls() {
                    return Ok(Value::Obj(o.clone()));
                }
                let v: Vec<Value> = si.indices().map(|i| t.as_slice()[i].clone()).collect();
                Ok(Value::Obj(self.new_tuple(v)))
            }
            Kind::Str => {
                let st = o.downcast::<Str>().unwrap();
                let si = self.slice_indices(s, st.char_len())?;
                let r: String = if si.step == 1 {
                    st.slice_chars(si.start.max(0) as usize, si.start.max(0) as usize + si.len)
                        .to_string()
                } else if st.is_ascii() {
                    let b = st.as_str().as_bytes();
                    si.indices().map(|i| b[i] as char).collect()
                } else {
                    let chars: Vec<char> = st.as_str().chars().collect();
                    si.indices().map(|i| chars[i]).collect()
                };
                Ok(Value::Obj(self.new_string(r)))
            }
            Kind::Bytes => {
                let d = &o.downcast::<Bytes>().unwrap().data;
                let si = self.slice_indices(s, d.len())?;
                let v: Vec<u8> = si.indices().map(|i| d[i]).collect();
                Ok(Value::Obj(self.new_bytes(v)))
            }
            Kind::Range => {
                let r = o.downcast::<Range>().unwrap();
                let sub = crate::modules::types::range_big::slice(self, r, s)?;
                let t = self.types.range.clone();
                Ok(Value::Obj(self.alloc(&t, sub)))
            }
            Kind::Native => {
                let sl = self.new_slice(s.start.clone(), s.stop.clone(), s.step.clone());
                self.native_getitem(o, &Value::Obj(sl))
            }
            _ => {
                let t = self.type_name(&Value::Obj(o.clone()));
                Err(self.type_error(format!("'{t}' object is not subscriptable")))
            }
        }
    }

    /// `obj[key] = v`.
    pub fn set_item(&mut self, obj: &Value, key: Value, v: Value) -> PyResult<()> {
        let Value::Obj(o) = obj else {
            let t = self.type_name(obj);
            return Err(self.type_error(format!("'{t}' object does not support item assignment")));
        };
        if o.owns_cls() {
            let cls = o.class();
            if let Some(f) = self.lookup_mro(&cls, &self.names.setitem.clone()) {
                if !crate::vm::is_builtin_slot(&f) {
                    self.call(&f, vec![obj.clone(), key, v])?;
                    return Ok(());
                }
            }
        }
        match o.kind() {
            Kind::Dict => self.dict_set(o, key, v),
            Kind::List => {
                if let Value::Obj(k) = &key {
                    if k.kind() == Kind::Slice {
                        let s = k.downcast::<Slice>().unwrap();
                        return self.list_set_slice(o, s, &v);
                    }
                }
                if as_int(&key).is_none()
                    && self
                        .lookup_special(&key, &self.names.index.clone())
                        .is_none()
                {
                    return Err(self.bad_index_type("list", &key));
                }
                let l = o.downcast::<List>().unwrap();
                let len = l.len();
                match self.seq_index(&key, len)? {
                    Some(i) => {
                        let old = std::mem::replace(&mut l.items.borrow_mut()[i], v);
                        drop(old);
                        Ok(())
                    }
                    None => Err(self.index_error("list assignment index out of range")),
                }
            }
            Kind::Native => self.native_setitem(o, key, Some(v)),
            _ => {
                let t = self.type_name(obj);
                Err(self.type_error(format!("'{t}' object does not support item assignment")))
            }
        }
    }

    fn list_set_slice(&mut self, o: &ObjRef, s: &Slice, v: &Value) -> PyResult<()> {
        let items = if matches!(v, Value::Obj(x) if x.is(o)) {
            o.downcast::<List>().unwrap().snapshot()
        } else {
            match self.collect_iter(v) {
                Ok(x) => x,
                Err(e) => {
                    if self.err_is(&e, &self.types.exc.type_error.clone()) {
                        return Err(self.type_error("must assign iterable to extended slice"));
                    }
                    return Err(e);
                }
            }
        };
        let l = o.downcast::<List>().unwrap();
        let len = l.len();
        let si = self.slice_indices(s, len)?;
        if si.step == 1 {
            let start = si.start.max(0) as usize;
            let stop = (si.start.max(0) as usize + si.len).max(start);
            let old: Vec<Value> = l.items.borrow_mut().splice(start..stop, items).collect();
            crate::object::list::release_reversed(old);
            return Ok(());
        }
        if items.len() != si.len {
            return Err(self.value_error(format!(
                "attempt to assign sequence of size {} to extended slice of size {}",
                items.len(),
                si.len
            )));
        }
        let mut old = Vec::new();
        {
            let mut b = l.items.borrow_mut();
            for (i, v) in si.indices().zip(items) {
                old.push(std::mem::replace(&mut b[i], v));
            }
        }
        drop(old);
        Ok(())
    }

    /// `del obj[key]`.
    pub fn del_item(&mut self, obj: &Value, key: &Value) -> PyResult<()> {
        let Value::Obj(o) = obj else {
            let t = self.type_name(obj);
            return Err(self.type_error(format!("'{t}' object doesn't support item deletion")));
        };
        if o.owns_cls() {
            let cls = o.class();
            if let Some(f) = self.lookup_mro(&cls, &self.names.delitem.clone()) {
                if !crate::vm::is_builtin_slot(&f) {
                    self.call(&f, vec![obj.clone(), key.clone()])?;
                    return Ok(());
                }
            }
        }
        match o.kind() {
            Kind::Dict => match self.dict_del(o, key)? {
                Some(_) => Ok(()),
                None => Err(self.key_error(key.clone())),
            },
            Kind::List => {
                let l = o.downcast::<List>().unwrap();
                if let Value::Obj(k) = key {
                    if k.kind() == Kind::Slice {
                        let s = k.downcast::<Slice>().unwrap();
                        let si = self.slice_indices(s, l.len())?;
                        // Removed values are dropped after the borrow ends
                        // (a finalizer may look at the list).
                        let removed: Vec<Value> = {
                            let mut b = l.items.borrow_mut();
                            if si.step == 1 {
                                let end = (si.start as usize + si.len).min(b.len());
                                // CPython releases a contiguous slice last to first.
                                b.drain(si.start as usize..end).rev().collect()
                            } else {
                                let mut drop_at = vec![false; b.len()];
                                for i in si.indices() {
                                    drop_at[i] = true;
                                }
                                let mut kept = Vec::with_capacity(b.len() - si.len);
                                let mut gone = Vec::with_capacity(si.len);
                                for (i, v) in std::mem::take(&mut *b).into_iter().enumerate() {
                                    if drop_at[i] {
                                        gone.push(v);
                                    } else {
                                        kept.push(v);
                                    }
                                }
                                *b = kept;
                                gone
                            }
                        };
                        drop(removed);
                        return Ok(());
                    }
                }
                if as_int(key).is_none()
                    && self
                        .lookup_special(key, &self.names.index.clone())
                        .is_none()
                {
                    return Err(self.bad_index_type("list", key));
                }
                let len = l.len();
                match self.seq_index(key, len)? {
                    Some(i) => {
                        let old = l.items.borrow_mut().remove(i);
                        drop(old);
                        Ok(())
                    }
                    None => Err(self.index_error("list assignment index out of range")),
                }
            }
            Kind::Native => self.native_setitem(o, key.clone(), None),
            _ => {
                let t = self.type_name(obj);
                Err(self.type_error(format!("'{t}' object doesn't support item deletion")))
            }
        }
    }

    /// `len(v)`.
    pub fn len(&mut self, v: &Value) -> PyResult<usize> {
        if let Value::Obj(o) = v {
            if o.owns_cls() {
                let cls = o.class();
                if let Some(f) = self.lookup_mro(&cls, &self.names.len.clone()) {
                    if !crate::vm::is_builtin_slot(&f) {
                        let r = self.call(&f, vec![v.clone()])?;
                        let n = match as_int(&r) {
                            Some(Num::Int(i)) => i,
                            Some(Num::Big(b)) => {
                                if b.is_negative() {
                                    -1
                                } else {
                                    return Err(self.overflow_error(
                                        "cannot fit 'int' into an index-sized integer",
                                    ));
                                }
                            }
                            _ => {
                                let t = self.type_name(&r);
                                return Err(self.type_error(format!(
                                    "'{t}' object cannot be interpreted as an integer"
                                )));
                            }
                        };
                        if n < 0 {
                            return Err(self.value_error("__len__() should return >= 0"));
                        }
                        return Ok(n as usize);
                    }
                }
            }
            let n = match o.kind() {
                Kind::Str => Some(o.downcast::<Str>().unwrap().char_len()),
                Kind::List => Some(o.downcast::<List>().unwrap().len()),
                Kind::Tuple => Some(o.downcast::<Tuple>().unwrap().len()),
                Kind::Dict => Some(o.downcast::<Dict>().unwrap().len()),
                Kind::Set => Some(o.downcast::<Set>().unwrap().len()),
                Kind::Bytes => Some(o.downcast::<Bytes>().unwrap().data.len()),
                Kind::Range => {
                    let r = o.downcast::<Range>().unwrap();
                    match &r.big {
                        Some(b) => Some(crate::modules::types::range_big::len_checked(self, b)?),
                        None => Some(r.len().max(0) as usize),
                    }
                }
                Kind::Native => self.native_len(o),
                _ => None,
            };
            if let Some(n) = n {
                return Ok(n);
            }
        }
        let t = self.type_name(v);
        Err(self.type_error(format!("object of type '{t}' has no len()")))
    }

    /// `item in container`.
    pub fn contains(&mut self, container: &Value, item: &Value) -> PyResult<bool> {
        if let Value::Obj(o) = container {
            if o.owns_cls() {
                let cls = o.class();
                if let Some(f) = self.lookup_mro(&cls, &self.names.contains.clone()) {
                    if !crate::vm::is_builtin_slot(&f) {
                        let r = self.call(&f, vec![container.clone(), item.clone()])?;
                        return self.truthy(&r);
                    }
                }
            }
            match o.kind() {
                Kind::Dict => return Ok(self.dict_get(o, item)?.is_some()),
                Kind::Set => return self.set_contains(o, item),
                Kind::Str => {
                    let s = o.downcast::<Str>().unwrap().as_str();
                    return match item {
                        Value::Obj(i) if i.kind() == Kind::Str => {
                            Ok(s.contains(i.downcast::<Str>().unwrap().as_str()))
                        }
                        _ => {
                            let t = self.type_name(item);
                            Err(self.type_error(format!(
                                "'in <string>' requires string as left operand, not {t}"
                            )))
                        }
                    };
                }
                Kind::Bytes => {
                    let d = &o.downcast::<Bytes>().unwrap().data;
                    return match item {
                        Value::Int(i) => Ok(d.contains(&(*i as u8))),
                        Value::Obj(i) if i.kind() == Kind::Bytes => {
                            let n = &i.downcast::<Bytes>().unwrap().data;
                            Ok(n.is_empty() || d.windows(n.len()).any(|w| w == &n[..]))
                        }
                        _ => Err(self.type_error("a bytes-like object is required")),
                    };
                }
                Kind::List => {
                    let items = o.downcast::<List>().unwrap().snapshot();
                    for x in &items {
                        if self.eq(x, item)? {
                            return Ok(true);
                        }
                    }
                    return Ok(false);
                }
                Kind::Tuple => {
                    let items = o.downcast::<Tuple>().unwrap().as_slice().to_vec();
                    for x in &items {
                        if self.eq(x, item)? {
                            return Ok(true);
                        }
                    }
                    return Ok(false);
                }
                Kind::Range => {
                    let r = o.downcast::<Range>().unwrap();
                    if r.big.is_some() || matches!(as_int(item), Some(Num::Big(_))) {
                        if let Some(x) = match as_int(item) {
                            Some(Num::Int(i)) => Some(num_bigint::BigInt::from(i)),
                            Some(Num::Big(b)) => Some(b),
                            _ => None,
                        } {
                            let (start, stop, step) =
                                crate::modules::types::range_big::bounds_of(r);
                            let b = crate::object::range::BigBounds { start, stop, step };
                            return Ok(crate::modules::types::range_big::contains(&b, &x));
                        }
                    }
                    if let Some(Num::Int(i)) = as_int(item) {
                        let (start, stop, step) = (r.start, r.stop, r.step);
                        let inside = if step > 0 {
                            i >= start && i < stop
                        } else {
                            i <= start && i > stop
                        };
                        return Ok(inside && (i - start) % step == 0);
                    }
                }
                Kind::Native => {
                    if let Some(r) = self.native_contains(o, item)? {
                        return Ok(r);
                    }
                }
                _ => {}
            }
        }
        // Generic: iterate.
        let it = match self.get_iter(container) {
            Ok(it) => it,
            Err(_) => {
                let t = self.type_name(container);
                return Err(self.type_error(format!("argument of type '{t}' is not iterable")));
            }
        };
        while let Some(x) = self.next(&it)? {
            if self.eq(&x, item)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// `a, b = v` with exactly `n` targets.
    pub fn unpack(&mut self, v: &Value, n: usize) -> PyResult<Vec<Value>> {
        if let Value::Obj(o) = v {
            if !o.owns_cls() {
                let items = match o.kind() {
                    Kind::Tuple => Some(o.downcast::<Tuple>().unwrap().as_slice().to_vec()),
                    Kind::List => Some(o.downcast::<List>().unwrap().snapshot()),
                    _ => None,
                };
                if let Some(items) = items {
                    if items.len() == n {
                        return Ok(items);
                    }
                    return Err(if items.len() > n {
                        self.value_error(format!("too many values to unpack (expected {n})"))
                    } else {
                        self.value_error(format!(
                            "not enough values to unpack (expected {n}, got {})",
                            items.len()
                        ))
                    });
                }
            }
        }
        let it = match self.get_iter(v) {
            Ok(it) => it,
            Err(_) => {
                let t = self.type_name(v);
                return Err(self.type_error(format!("cannot unpack non-iterable {t} object")));
            }
        };
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            match self.next(&it)? {
                Some(x) => out.push(x),
                None => {
                    return Err(self.value_error(format!(
                        "not enough values to unpack (expected {n}, got {})",
                        out.len()
                    )))
                }
            }
        }
        if self.next(&it)?.is_some() {
            return Err(self.value_error(format!("too many values to unpack (expected {n})")));
        }
        Ok(out)
    }

    /// `a, *b, c = v`: `before` items, a list, `after` items.
    pub fn unpack_ex(&mut self, v: &Value, before: usize, after: usize) -> PyResult<Vec<Value>> {
        let items = match self.collect_iter(v) {
            Ok(x) => x,
            Err(e) => {
                if self.get_iter(v).is_err() {
                    let t = self.type_name(v);
                    return Err(self.type_error(format!("cannot unpack non-iterable {t} object")));
                }
                return Err(e);
            }
        };
        if items.len() < before + after {
            return Err(self.value_error(format!(
                "not enough values to unpack (expected at least {}, got {})",
                before + after,
                items.len()
            )));
        }
        let mut out: Vec<Value> = items[..before].to_vec();
        let mid = items[before..items.len() - after].to_vec();
        out.push(Value::Obj(self.new_list(mid)));
        out.extend(items[items.len() - after..].iter().cloned());
        Ok(out)
    }

    /// `list.extend(src)` / `ListExtend`.
    pub fn list_extend(&mut self, l: &Value, src: &Value) -> PyResult<()> {
        let lo = l.as_obj().cloned().expect("list");
        let items = match src {
            Value::Obj(s) if s.kind() == Kind::List && !s.owns_cls() => {
                s.downcast::<List>().unwrap().snapshot()
            }
            Value::Obj(s) if s.kind() == Kind::Tuple && !s.owns_cls() => {
                s.downcast::<Tuple>().unwrap().as_slice().to_vec()
            }
            _ => match self.collect_iter(src) {
                Ok(v) => v,
                Err(e) => {
                    if self.get_iter(src).is_err() {
                        let t = self.type_name(src);
                        return Err(
                            self.type_error(format!("Value after * must be an iterable, not {t}"))
                        );
                    }
                    return Err(e);
                }
            },
        };
        lo.downcast::<List>()
            .unwrap()
            .items
            .borrow_mut()
            .extend(items);
        crate::gc::alloc_trace::note_resize(lo.as_ptr());
        Ok(())
    }

    /// An int argument as usize, with CPython's errors.
    pub fn usize_arg(&mut self, v: &Value) -> PyResult<usize> {
        let i = self.index_value(v)?;
        Ok(i.max(0) as usize)
    }

    /// A BigInt-valued int argument as i64 when it fits.
    pub fn i64_of(&mut self, v: &Value) -> PyResult<i64> {
        match as_int(v) {
            Some(Num::Int(i)) => Ok(i),
            Some(Num::Big(b)) => b
                .to_i64()
                .ok_or_else(|| self.overflow_error("Python int too large to convert to C long")),
            _ => self.index_value(v),
        }
    }
}
