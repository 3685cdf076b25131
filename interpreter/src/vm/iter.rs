//! Iteration: `iter(x)` for the builtin containers and the `__iter__` /
//! `__getitem__` protocols, `next(it)` (None when exhausted), and the
//! `ForIter` instruction, which steps ranges, lists and tuples in place and
//! resumes generators inside the dispatch loop (no Rust recursion).

use crate::object::bytes::Bytes;
use crate::object::dict::Dict;
use crate::object::iter::{DictPart, IterObj, IterState};
use crate::object::kind::Kind;
use crate::object::list::List;
use crate::object::range::Range;
use crate::object::rc::ObjRef;
use crate::object::set::Set;
use crate::object::str::Str;
use crate::object::tuple::Tuple;
use crate::object::value::Value;
use crate::vm::frame::RetKind;
use crate::vm::{PyResult, Vm};

/// What one step of a `for` loop produced.
pub(crate) enum ForStep {
    Item(Value),
    Done,
    /// A generator frame was pushed; the loop continues in it.
    Resumed,
}

/// The next item of a range, list or tuple iterator without calling into
/// the VM: `Some(Some(v))` an item, `Some(None)` exhausted, `None` when the
/// iterator is of another kind (or busy) and the general path must run.
#[inline(always)]
pub(crate) fn fast_next(o: &ObjRef) -> Option<Option<Value>> {
    if o.kind() != Kind::Iter || o.owns_cls() {
        return None;
    }
    // SAFETY: the kind was just checked.
    let it = unsafe { o.payload_unchecked::<IterObj>() };
    let mut st = it.state.try_borrow_mut().ok()?;
    match &mut *st {
        IterState::Range {
            next,
            step,
            remaining,
        } => {
            if *remaining == 0 {
                return Some(None);
            }
            let v = *next;
            *remaining -= 1;
            *next = next.wrapping_add(*step);
            Some(Some(Value::Int(v)))
        }
        IterState::List { seq, index } => {
            // SAFETY: list iterators are created over list payloads only.
            let l = unsafe { seq.payload_unchecked::<List>() };
            let item = l.items.try_borrow().ok()?.get(*index).cloned();
            match item {
                Some(v) => {
                    *index += 1;
                    Some(Some(v))
                }
                None => None,
            }
        }
        IterState::Tuple { seq, index } => {
            // SAFETY: tuple iterators are created over tuple payloads only.
            let t = unsafe { seq.payload_unchecked::<Tuple>() };
            match t.as_slice().get(*index) {
                Some(v) => {
                    *index += 1;
                    Some(Some(v.clone()))
                }
                None => None,
            }
        }
        _ => None,
    }
}

impl Vm {
    pub fn new_iter(&mut self, cls: &ObjRef, s: IterState) -> ObjRef {
        // A range iterator holds only numbers: CPython does not track it.
        let atomic = matches!(s, IterState::Range { .. } | IterState::BigRange { .. });
        let o = self.alloc(cls, IterObj::new(s));
        if atomic {
            crate::gc::heap::untrack(&o);
        }
        o
    }

    /// `iter(v)`.
    pub fn get_iter(&mut self, v: &Value) -> PyResult<Value> {
        let Value::Obj(o) = v else {
            let t = self.type_name(v);
            return Err(self.type_error(format!("'{t}' object is not iterable")));
        };
        if o.owns_cls() {
            let cls = o.class();
            if let Some(f) = self.lookup_mro(&cls, &self.names.iter.clone()) {
                if f.is_none() {
                    let t = self.type_name(v);
                    return Err(self.type_error(format!("'{t}' object is not iterable")));
                }
                if !crate::vm::is_builtin_slot(&f) {
                    let it = self.call(&f, vec![v.clone()])?;
                    if self.lookup_special(&it, &self.names.next.clone()).is_none() {
                        let t = self.type_name(&it);
                        return Err(
                            self.type_error(format!("iter() returned non-iterator of type '{t}'"))
                        );
                    }
                    return Ok(it);
                }
            } else if self.lookup_mro(&cls, &self.names.getitem.clone()).is_some() {
                let t = self.types.seq_iterator.clone();
                return Ok(Value::Obj(self.new_iter(
                    &t,
                    IterState::Seq {
                        obj: v.clone(),
                        index: 0,
                    },
                )));
            }
        }
        let (cls, state) = match o.kind() {
            Kind::Iter | Kind::Generator => return Ok(v.clone()),
            Kind::List => (
                self.types.list_iterator.clone(),
                IterState::List {
                    seq: o.clone(),
                    index: 0,
                },
            ),
            Kind::Tuple => (
                self.types.tuple_iterator.clone(),
                IterState::Tuple {
                    seq: o.clone(),
                    index: 0,
                },
            ),
            Kind::Str => (
                self.types.str_iterator.clone(),
                IterState::Str {
                    s: o.clone(),
                    pos: 0,
                },
            ),
            Kind::Bytes => (
                self.types.bytes_iterator.clone(),
                IterState::Bytes {
                    b: o.clone(),
                    index: 0,
                },
            ),
            Kind::Range => {
                let r = o.downcast::<Range>().unwrap();
                if let Some(b) = &r.big {
                    let (next, step, remaining) =
                        crate::modules::types::range_big::iter_parts(b, false);
                    (
                        self.types.range_iterator.clone(),
                        IterState::BigRange {
                            next,
                            step,
                            remaining,
                        },
                    )
                } else {
                    (
                        self.types.range_iterator.clone(),
                        IterState::Range {
                            next: r.start,
                            step: r.step,
                            remaining: r.len().max(0) as u64,
                        },
                    )
                }
            }
            Kind::Dict => {
                let len = o.downcast::<Dict>().unwrap().len();
                (
                    self.types.dict_keyiterator.clone(),
                    IterState::Dict {
                        d: o.clone(),
                        pos: 0,
                        len,
                        part: DictPart::Keys,
                    },
                )
            }
            Kind::Set => {
                let len = o.downcast::<Set>().unwrap().len();
                (
                    self.types.set_iterator.clone(),
                    IterState::Set {
                        s: o.clone(),
                        pos: 0,
                        len,
                    },
                )
            }
            Kind::Native => return self.native_iter(o),
            _ => {
                let t = self.type_name(v);
                return Err(self.type_error(format!("'{t}' object is not iterable")));
            }
        };
        Ok(Value::Obj(self.new_iter(&cls, state)))
    }

    /// `next(it)`: Some(item) or None when exhausted.
    pub fn next(&mut self, it: &Value) -> PyResult<Option<Value>> {
        let Value::Obj(o) = it else {
            let t = self.type_name(it);
            return Err(self.type_error(format!("'{t}' object is not an iterator")));
        };
        if o.owns_cls() {
            return self.next_dunder(it);
        }
        match o.kind() {
            Kind::Iter => self.iter_next(o),
            Kind::Generator => self.gen_next(o),
            Kind::Native => self.native_next(o),
            _ => self.next_dunder(it),
        }
    }

    fn next_dunder(&mut self, it: &Value) -> PyResult<Option<Value>> {
        let Some(f) = self.lookup_special(it, &self.names.next.clone()) else {
            let t = self.type_name(it);
            return Err(self.type_error(format!("'{t}' object is not an iterator")));
        };
        match self.call(&f, vec![it.clone()]) {
            Ok(v) => Ok(Some(v)),
            Err(e) if self.err_is(&e, &self.types.exc.stop_iteration.clone()) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Steps a builtin iterator.
    pub(crate) fn iter_next(&mut self, o: &ObjRef) -> PyResult<Option<Value>> {
        let it = o.downcast::<IterObj>().unwrap();
        // Fast states step without calling out.
        {
            let mut st = it.state.borrow_mut();
            match &mut *st {
                IterState::Range {
                    next,
                    step,
                    remaining,
                } => {
                    if *remaining == 0 {
                        return Ok(None);
                    }
                    let v = *next;
                    *remaining -= 1;
                    *next = next.wrapping_add(*step);
                    return Ok(Some(Value::Int(v)));
                }
                IterState::List { seq, index } => {
                    let l = seq.downcast::<List>().unwrap();
                    let r = l.items.borrow().get(*index).cloned();
                    match r {
                        Some(v) => {
                            *index += 1;
                            return Ok(Some(v));
                        }
                        None => {
                            *st = IterState::Done;
                            return Ok(None);
                        }
                    }
                }
                IterState::ListRev { seq, index } => {
                    let l = seq.downcast::<List>().unwrap();
                    let n = l.len();
                    if *index == 0 || *index > n {
                        *st = IterState::Done;
                        return Ok(None);
                    }
                    *index -= 1;
                    let v = l.items.borrow()[*index].clone();
                    return Ok(Some(v));
                }
                IterState::Tuple { seq, index } => {
                    let t = seq.downcast::<Tuple>().unwrap();
                    match t.as_slice().get(*index).cloned() {
                        Some(v) => {
                            *index += 1;
                            return Ok(Some(v));
                        }
                        None => {
                            *st = IterState::Done;
                            return Ok(None);
                        }
                    }
                }
                IterState::Str { s, pos } => {
                    let text = s.downcast::<Str>().unwrap().as_str();
                    match text[*pos..].chars().next() {
                        Some(c) => {
                            *pos += c.len_utf8();
                            drop(st);
                            return Ok(Some(Value::Obj(self.char_str(c))));
                        }
                        None => {
                            *st = IterState::Done;
                            return Ok(None);
                        }
                    }
                }
                IterState::Bytes { b, index } => {
                    let d = &b.downcast::<Bytes>().unwrap().data;
                    match d.get(*index) {
                        Some(x) => {
                            *index += 1;
                            return Ok(Some(Value::Int(*x as i64)));
                        }
                        None => {
                            *st = IterState::Done;
                            return Ok(None);
                        }
                    }
                }
                IterState::Done => return Ok(None),
                IterState::BigRange {
                    next,
                    step,
                    remaining,
                } => {
                    if num_traits::Zero::is_zero(remaining) {
                        return Ok(None);
                    }
                    let v = next.clone();
                    *remaining -= 1u32;
                    *next += &*step;
                    drop(st);
                    return Ok(Some(self.new_bigint(v)));
                }
                _ => {}
            }
        }
        self.iter_next_slow(o, it)
    }

    fn iter_next_slow(&mut self, o: &ObjRef, it: &IterObj) -> PyResult<Option<Value>> {
        let _ = o;
        // Take the state out while Python code may run, then put it back.
        let mut state = std::mem::replace(&mut *it.state.borrow_mut(), IterState::Done);
        let r = self.step_state(&mut state);
        if matches!(r, Ok(Some(_))) {
            *it.state.borrow_mut() = state;
        } else {
            drop(state);
        }
        r
    }

    fn step_state(&mut self, state: &mut IterState) -> PyResult<Option<Value>> {
        match state {
            IterState::Dict { d, pos, len, part } => {
                let dd = d.downcast::<Dict>().unwrap();
                if dd.len() != *len {
                    *len = usize::MAX;
                    return Err(self.runtime_error("dictionary changed size during iteration"));
                }
                let t = dd.table.borrow();
                while *pos < t.positions() {
                    let p = *pos;
                    *pos += 1;
                    if let Some(e) = t.entry(p) {
                        let (k, v) = (e.key.clone(), e.value.clone());
                        drop(t);
                        return Ok(Some(match part {
                            DictPart::Keys => k,
                            DictPart::Values => v,
                            DictPart::Items => Value::Obj(self.new_tuple(vec![k, v])),
                        }));
                    }
                }
                Ok(None)
            }
            IterState::DictRev { d, pos, len, part } => {
                let dd = d.downcast::<Dict>().unwrap();
                if dd.len() != *len {
                    return Err(self.runtime_error("dictionary changed size during iteration"));
                }
                let t = dd.table.borrow();
                while *pos > 0 {
                    *pos -= 1;
                    if let Some(e) = t.entry(*pos) {
                        let (k, v) = (e.key.clone(), e.value.clone());
                        drop(t);
                        return Ok(Some(match part {
                            DictPart::Keys => k,
                            DictPart::Values => v,
                            DictPart::Items => Value::Obj(self.new_tuple(vec![k, v])),
                        }));
                    }
                }
                Ok(None)
            }
            IterState::Set { s, pos, len } => {
                let so = s.downcast::<Set>().unwrap();
                if so.len() != *len {
                    return Err(self.runtime_error("Set changed size during iteration"));
                }
                let t = so.table.borrow();
                let slots = t.slots();
                while *pos < slots.len() {
                    let p = *pos;
                    *pos += 1;
                    if slots[p].is_active() {
                        return Ok(Some(slots[p].key.clone()));
                    }
                }
                Ok(None)
            }
            IterState::Seq { obj, index } => {
                let i = *index;
                *index += 1;
                let o = obj.clone();
                match self.get_item(&o, &Value::Int(i)) {
                    Ok(v) => Ok(Some(v)),
                    Err(e)
                        if self.err_is(&e, &self.types.exc.index_error.clone())
                            || self.err_is(&e, &self.types.exc.stop_iteration.clone()) =>
                    {
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            }
            IterState::Callable { func, sentinel } => {
                let (f, s) = (func.clone(), sentinel.clone());
                let v = self.call(&f, vec![])?;
                if self.eq(&v, &s)? {
                    return Ok(None);
                }
                Ok(Some(v))
            }
            IterState::Enumerate { it, count } => {
                let it = it.clone();
                match self.next(&it)? {
                    Some(v) => {
                        let c = count.clone();
                        let next =
                            self.binary_op(crate::compile::opcode::BinOp::Add, &c, &Value::Int(1))?;
                        *count = next;
                        Ok(Some(Value::Obj(self.new_tuple(vec![c, v]))))
                    }
                    None => Ok(None),
                }
            }
            IterState::Zip { its, strict } => {
                if its.is_empty() {
                    return Ok(None);
                }
                let its2 = its.clone();
                let strict = *strict;
                let mut out = Vec::with_capacity(its2.len());
                for (i, it) in its2.iter().enumerate() {
                    match self.next(it)? {
                        Some(v) => out.push(v),
                        None => {
                            if strict {
                                if i > 0 {
                                    let s = if i == 1 { " " } else { "s 1-" };
                                    return Err(self.value_error(format!(
                                        "zip() argument {} is shorter than argument{}{}",
                                        i + 1,
                                        s,
                                        i
                                    )));
                                }
                                for (j, other) in its2.iter().enumerate().skip(1) {
                                    if self.next(other)?.is_some() {
                                        let s = if j == 1 { " " } else { "s 1-" };
                                        return Err(self.value_error(format!(
                                            "zip() argument {} is longer than argument{}{}",
                                            j + 1,
                                            s,
                                            j
                                        )));
                                    }
                                }
                            }
                            return Ok(None);
                        }
                    }
                }
                Ok(Some(Value::Obj(self.new_tuple(out))))
            }
            IterState::Map { func, its } => {
                let (f, its2) = (func.clone(), its.clone());
                let mut args = Vec::with_capacity(its2.len());
                for it in &its2 {
                    match self.next(it)? {
                        Some(v) => args.push(v),
                        None => return Ok(None),
                    }
                }
                Ok(Some(self.call(&f, args)?))
            }
            IterState::Filter { func, it } => {
                let (f, it) = (func.clone(), it.clone());
                loop {
                    let Some(v) = self.next(&it)? else {
                        return Ok(None);
                    };
                    let keep = if f.is_none() {
                        self.truthy(&v)?
                    } else {
                        let r = self.call(&f, vec![v.clone()])?;
                        self.truthy(&r)?
                    };
                    if keep {
                        return Ok(Some(v));
                    }
                }
            }
            IterState::Reversed { seq, index } => {
                if *index < 0 {
                    return Ok(None);
                }
                let i = *index;
                *index -= 1;
                let s = seq.clone();
                match self.get_item(&s, &Value::Int(i)) {
                    Ok(v) => Ok(Some(v)),
                    Err(e)
                        if self.err_is(&e, &self.types.exc.index_error.clone())
                            || self.err_is(&e, &self.types.exc.stop_iteration.clone()) =>
                    {
                        *index = -1;
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            }
            _ => Ok(None),
        }
    }

    /// One step of `ForIter`: iterator in register `iter` of frame `fi`.
    pub(crate) fn for_iter(
        &mut self,
        fi: usize,
        base: usize,
        iter: u16,
        dst: u16,
        exit: u16,
    ) -> PyResult<ForStep> {
        let it = self.stack.get(base + iter as usize).clone();
        let Value::Obj(o) = &it else {
            return match self.next(&it)? {
                Some(v) => Ok(ForStep::Item(v)),
                None => Ok(ForStep::Done),
            };
        };
        match o.kind() {
            Kind::Iter if !o.owns_cls() => match self.iter_next(o)? {
                Some(v) => Ok(ForStep::Item(v)),
                None => Ok(ForStep::Done),
            },
            Kind::Generator if !o.owns_cls() => {
                let exit_pc = self.frames[fi].code().labels[exit as usize];
                let ret = RetKind::ForIter {
                    slot: base + dst as usize,
                    iter: base + iter as usize,
                    exit: exit_pc,
                };
                if self.gen_resume_inline(o, ret)? {
                    Ok(ForStep::Resumed)
                } else {
                    Ok(ForStep::Done)
                }
            }
            _ => match self.next(&it)? {
                Some(v) => Ok(ForStep::Item(v)),
                None => Ok(ForStep::Done),
            },
        }
    }

    /// All items of an iterable, as a vector.
    pub fn collect_iter(&mut self, v: &Value) -> PyResult<Vec<Value>> {
        if let Value::Obj(o) = v {
            if !o.owns_cls() {
                match o.kind() {
                    Kind::List => return Ok(o.downcast::<List>().unwrap().snapshot()),
                    Kind::Tuple => return Ok(o.downcast::<Tuple>().unwrap().as_slice().to_vec()),
                    _ => {}
                }
            }
        }
        let it = self.get_iter(v)?;
        let mut out = Vec::new();
        while let Some(x) = self.next(&it)? {
            out.push(x);
        }
        Ok(out)
    }
}
