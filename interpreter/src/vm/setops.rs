//! Set operations that may run Python code, following setobject.c's
//! iteration orders (which element set is walked, when a copy is made) so
//! results print in CPython's order: add/discard/contains, update (with the
//! table-copy fast path of `set_merge`), union, intersection, difference,
//! symmetric difference, subset tests.

use crate::compile::opcode::BinOp;
use crate::object::dict::Dict;
use crate::object::kind::Kind;
use crate::object::rc::ObjRef;
use crate::object::set::{Set, SetFast};
use crate::object::value::Value;
use crate::vm::{PyResult, Vm};

impl Vm {
    pub fn new_set(&mut self, frozen: bool) -> ObjRef {
        let t = if frozen {
            self.types.frozenset.clone()
        } else {
            self.types.set.clone()
        };
        self.alloc(&t, Set::new(frozen))
    }

    pub fn new_set_from(&mut self, items: Vec<Value>, frozen: bool) -> PyResult<ObjRef> {
        let s = self.new_set(frozen);
        for it in items {
            self.set_add_raw(&s, it)?;
        }
        Ok(s)
    }

    /// Slot of `key` in the set's table, if present.
    fn set_find(&mut self, s: &Set, key: &Value, hash: i64) -> PyResult<Option<usize>> {
        loop {
            let (version_len, cands) = {
                let t = s.table.borrow();
                match t.find_fast(hash, key) {
                    SetFast::Found(i) => return Ok(Some(i)),
                    SetFast::Absent => return Ok(None),
                    SetFast::NeedsEq => {}
                }
                ((t.len(), t.capacity()), t.candidates(hash))
            };
            let mut found = None;
            for (slot, k) in cands {
                if self.eq(&k, key)? {
                    found = Some(slot);
                    break;
                }
            }
            let t = s.table.borrow();
            if (t.len(), t.capacity()) != version_len {
                continue;
            }
            return Ok(found);
        }
    }

    /// Adds to a set object without the frozen check (construction).
    pub(crate) fn set_add_raw(&mut self, so: &ObjRef, key: Value) -> PyResult<()> {
        let h = self.hash(&key)?;
        self.set_add_hashed(so, key, h)
    }

    fn set_add_hashed(&mut self, so: &ObjRef, key: Value, h: i64) -> PyResult<()> {
        let s = so.downcast::<Set>().unwrap();
        if self.set_find(s, &key, h)?.is_none() {
            s.table.borrow_mut().insert_absent(h, key);
            crate::gc::alloc_trace::note_resize(so.as_ptr());
        }
        Ok(())
    }

    /// `s.add(key)` (the `SetAdd` instruction).
    pub fn set_add(&mut self, s: &Value, key: Value) -> PyResult<()> {
        let so = s.as_obj().cloned().expect("set");
        self.set_add_raw(&so, key)
    }

    pub fn set_contains(&mut self, so: &ObjRef, key: &Value) -> PyResult<bool> {
        let s = so.downcast::<Set>().unwrap();
        let h = match self.hash(key) {
            Ok(h) => h,
            Err(e) => {
                // `x in s` for an unhashable set x looks for frozenset(x).
                if let Value::Obj(k) = key {
                    if k.kind() == Kind::Set {
                        let items = k.downcast::<Set>().unwrap().keys();
                        let f = self.new_set_from(items, true)?;
                        return self.set_contains(so, &Value::Obj(f));
                    }
                }
                return Err(e);
            }
        };
        Ok(self.set_find(s, key, h)?.is_some())
    }

    /// Removes `key`; returns whether it was present.
    pub fn set_discard(&mut self, so: &ObjRef, key: &Value) -> PyResult<bool> {
        let s = so.downcast::<Set>().unwrap();
        let h = self.hash(key)?;
        match self.set_find(s, key, h)? {
            Some(slot) => {
                let old = s.table.borrow_mut().remove_slot(slot);
                drop(old);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// `s |= other` / `s.update(other)` (CPython's `set_update_internal`).
    pub fn set_update(&mut self, s: &Value, other: &Value) -> PyResult<()> {
        let so = s.as_obj().cloned().expect("set");
        match other {
            Value::Obj(o) if o.kind() == Kind::Set => {
                if o.is(&so) {
                    return Ok(());
                }
                let dst = so.downcast::<Set>().unwrap();
                let src = o.downcast::<Set>().unwrap();
                let empty_target = dst.table.borrow().fill() == 0;
                if empty_target {
                    let other_t = src.table.borrow();
                    dst.table.borrow_mut().merge_from(&other_t);
                    return Ok(());
                }
                let entries: Vec<(i64, Value)> = src
                    .table
                    .borrow()
                    .iter()
                    .map(|e| (e.hash, e.key.clone()))
                    .collect();
                {
                    let mut t = dst.table.borrow_mut();
                    if (t.fill() + entries.len()) * 5 >= t.mask() * 3 {
                        let want = (t.len() + entries.len()) * 2;
                        t.resize(want);
                    }
                }
                for (h, k) in entries {
                    self.set_add_hashed(&so, k, h)?;
                }
                Ok(())
            }
            Value::Obj(o) if o.kind() == Kind::Dict && !o.owns_cls() => {
                let d = o.downcast::<Dict>().unwrap();
                let entries: Vec<(i64, Value)> = d
                    .table
                    .borrow()
                    .iter()
                    .map(|e| (e.hash, e.key.clone()))
                    .collect();
                {
                    let dst = so.downcast::<Set>().unwrap();
                    let mut t = dst.table.borrow_mut();
                    if (t.fill() + entries.len()) * 5 >= t.mask() * 3 {
                        let want = (t.len() + entries.len()) * 2;
                        t.resize(want);
                    }
                }
                for (h, k) in entries {
                    let h = if matches!(&k, Value::Obj(x) if x.kind() == Kind::Str) {
                        h
                    } else {
                        self.hash(&k)?
                    };
                    self.set_add_hashed(&so, k, h)?;
                }
                Ok(())
            }
            _ => {
                let items = self.collect_iter(other)?;
                for it in items {
                    self.set_add_raw(&so, it)?;
                }
                Ok(())
            }
        }
    }

    fn set_copy(&mut self, so: &ObjRef, frozen: bool) -> PyResult<ObjRef> {
        let n = self.new_set(frozen);
        self.set_update(&Value::Obj(n.clone()), &Value::Obj(so.clone()))?;
        Ok(n)
    }

    /// The result type of a binary set operation (type of the left operand).
    fn is_frozen(o: &ObjRef) -> bool {
        o.downcast::<Set>().is_some_and(|s| s.frozen)
    }

    /// `a | b`, `a & b`, `a - b`, `a ^ b` for sets (None: not both sets).
    pub(crate) fn set_binop(&mut self, op: BinOp, a: &Value, b: &Value) -> PyResult<Option<Value>> {
        let (Value::Obj(x), Value::Obj(y)) = (a, b) else {
            return Ok(None);
        };
        if x.kind() != Kind::Set || y.kind() != Kind::Set {
            if op == BinOp::Or && x.kind() == Kind::Dict && y.kind() == Kind::Dict {
                let n = self.new_dict();
                self.dict_update_from(&Value::Obj(n.clone()), a, None)?;
                self.dict_update_from(&Value::Obj(n.clone()), b, None)?;
                return Ok(Some(Value::Obj(n)));
            }
            return Ok(None);
        }
        let frozen = Self::is_frozen(x);
        let r = match op {
            BinOp::Or => {
                let r = self.set_copy(x, frozen)?;
                self.set_update(&Value::Obj(r.clone()), b)?;
                r
            }
            BinOp::And => self.set_intersection(x, y, frozen)?,
            BinOp::Sub => self.set_difference(x, y, frozen)?,
            BinOp::Xor => {
                let r = self.set_copy(y, frozen)?;
                self.set_symmetric_update(&r, x)?;
                r
            }
            _ => return Ok(None),
        };
        Ok(Some(Value::Obj(r)))
    }

    pub(crate) fn set_intersection(
        &mut self,
        x: &ObjRef,
        y: &ObjRef,
        frozen: bool,
    ) -> PyResult<ObjRef> {
        let result = self.new_set(frozen);
        let (mut small, mut big) = (y.clone(), x.clone());
        if small.downcast::<Set>().unwrap().len() > big.downcast::<Set>().unwrap().len() {
            std::mem::swap(&mut small, &mut big);
        }
        let entries: Vec<(i64, Value)> = small
            .downcast::<Set>()
            .unwrap()
            .table
            .borrow()
            .iter()
            .map(|e| (e.hash, e.key.clone()))
            .collect();
        for (h, k) in entries {
            let bs = big.downcast::<Set>().unwrap();
            if self.set_find(bs, &k, h)?.is_some() {
                self.set_add_hashed(&result, k, h)?;
            }
        }
        Ok(result)
    }

    pub(crate) fn set_difference(
        &mut self,
        x: &ObjRef,
        y: &ObjRef,
        frozen: bool,
    ) -> PyResult<ObjRef> {
        let xs = x.downcast::<Set>().unwrap();
        let ys = y.downcast::<Set>().unwrap();
        if (xs.len() >> 2) > ys.len() {
            let r = self.set_copy(x, frozen)?;
            for k in ys.keys() {
                self.set_discard(&r, &k)?;
            }
            return Ok(r);
        }
        let result = self.new_set(frozen);
        let entries: Vec<(i64, Value)> = xs
            .table
            .borrow()
            .iter()
            .map(|e| (e.hash, e.key.clone()))
            .collect();
        for (h, k) in entries {
            if self.set_find(ys, &k, h)?.is_none() {
                self.set_add_hashed(&result, k, h)?;
            }
        }
        Ok(result)
    }

    pub(crate) fn set_symmetric_update(&mut self, so: &ObjRef, other: &ObjRef) -> PyResult<()> {
        let entries: Vec<(i64, Value)> = other
            .downcast::<Set>()
            .unwrap()
            .table
            .borrow()
            .iter()
            .map(|e| (e.hash, e.key.clone()))
            .collect();
        for (h, k) in entries {
            let s = so.downcast::<Set>().unwrap();
            match self.set_find(s, &k, h)? {
                Some(slot) => {
                    let old = s.table.borrow_mut().remove_slot(slot);
                    drop(old);
                }
                None => self.set_add_hashed(so, k, h)?,
            }
        }
        Ok(())
    }

    /// In-place set operators on a `set` (None: other is not a set).
    pub(crate) fn set_inplace(
        &mut self,
        op: BinOp,
        a: &Value,
        b: &Value,
    ) -> PyResult<Option<Value>> {
        let (Value::Obj(x), Value::Obj(y)) = (a, b) else {
            return Ok(None);
        };
        if y.kind() != Kind::Set {
            return Ok(None);
        }
        match op {
            BinOp::Or => self.set_update(a, b)?,
            BinOp::Sub => {
                if x.is(y) {
                    let old = x.downcast::<Set>().unwrap().table.borrow_mut().take_all();
                    drop(old);
                } else {
                    for k in y.downcast::<Set>().unwrap().keys() {
                        self.set_discard(x, &k)?;
                    }
                }
            }
            BinOp::And => {
                let r = self.set_intersection(x, y, false)?;
                let new_table =
                    std::mem::take(&mut *r.downcast::<Set>().unwrap().table.borrow_mut());
                let old = std::mem::replace(
                    &mut *x.downcast::<Set>().unwrap().table.borrow_mut(),
                    new_table,
                );
                drop(old);
            }
            BinOp::Xor => {
                if x.is(y) {
                    let old = x.downcast::<Set>().unwrap().table.borrow_mut().take_all();
                    drop(old);
                } else {
                    self.set_symmetric_update(x, y)?;
                }
            }
            _ => return Ok(None),
        }
        Ok(Some(a.clone()))
    }

    /// Whether every element of set `a` is in set `b`.
    pub(crate) fn set_is_subset(&mut self, a: &ObjRef, b: &ObjRef) -> PyResult<bool> {
        let sa = a.downcast::<Set>().unwrap();
        let sb = b.downcast::<Set>().unwrap();
        if sa.len() > sb.len() {
            return Ok(false);
        }
        let entries: Vec<(i64, Value)> = sa
            .table
            .borrow()
            .iter()
            .map(|e| (e.hash, e.key.clone()))
            .collect();
        for (h, k) in entries {
            if self.set_find(sb, &k, h)?.is_none() {
                return Ok(false);
            }
        }
        Ok(true)
    }
}
