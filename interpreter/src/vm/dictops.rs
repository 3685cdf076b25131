//! Dict operations that may run Python code (`__hash__`/`__eq__` of keys).
//! Lookups first compare without calling out (`DictTable::find_fast`); when
//! a candidate needs `__eq__`, the table borrow is released, the comparison
//! runs, and the lookup restarts if the dict changed meanwhile.

use crate::object::dict::{Dict, Fast};
use crate::object::kind::Kind;
use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::value::Value;
use crate::vm::{PyResult, Vm};

impl Vm {
    /// Position of `key` in dict `d`, if present.
    pub(crate) fn dict_find(
        &mut self,
        d: &Dict,
        key: &Value,
        hash: i64,
    ) -> PyResult<Option<usize>> {
        loop {
            let cands = {
                let t = d.table.borrow();
                match t.find_fast(hash, key) {
                    Fast::Found(ix) => return Ok(Some(ix)),
                    Fast::Absent => return Ok(None),
                    Fast::NeedsEq => {}
                }
                let version = t.keys_version();
                let c: Vec<(usize, Value)> = t
                    .candidates(hash)
                    .into_iter()
                    .map(|ix| (ix, t.entry(ix).unwrap().key.clone()))
                    .collect();
                (version, c)
            };
            let (version, c) = cands;
            let mut found = None;
            for (ix, k) in c {
                if self.eq(&k, key)? {
                    found = Some(ix);
                    break;
                }
            }
            if d.table.borrow().keys_version() != version {
                continue;
            }
            return Ok(found);
        }
    }

    /// `d.get(key)` for a dict object (None when missing).
    pub fn dict_get(&mut self, d: &ObjRef, key: &Value) -> PyResult<Option<Value>> {
        let dd = d.downcast::<Dict>().expect("dict");
        if let Value::Obj(k) = key {
            if k.kind() == Kind::Str && !k.owns_cls() {
                return Ok(dd.get_str(k));
            }
        }
        let h = self.hash(key)?;
        let ix = self.dict_find(dd, key, h)?;
        Ok(ix.and_then(|ix| dd.table.borrow().entry(ix).map(|e| e.value.clone())))
    }

    /// `d[key] = value` for a dict object.
    pub fn dict_set(&mut self, d: &ObjRef, key: Value, value: Value) -> PyResult<()> {
        let dd = d.downcast::<Dict>().expect("dict");
        if let Value::Obj(k) = &key {
            if k.kind() == Kind::Str && !k.owns_cls() {
                dd.set_str(k, value);
                return Ok(());
            }
        }
        let h = self.hash(&key)?;
        let old = match self.dict_find(dd, &key, h)? {
            Some(ix) => {
                dd.note_insert(&Value::None, &value);
                Some(dd.table.borrow_mut().replace_value(ix, value))
            }
            None => {
                dd.note_insert(&key, &value);
                dd.table.borrow_mut().insert_new(h, key, value);
                None
            }
        };
        crate::gc::alloc_trace::note_resize(d.as_ptr());
        drop(old);
        Ok(())
    }

    /// `del d[key]`; returns the removed value, None if missing.
    pub fn dict_del(&mut self, d: &ObjRef, key: &Value) -> PyResult<Option<Value>> {
        let dd = d.downcast::<Dict>().expect("dict");
        let h = self.hash(key)?;
        match self.dict_find(dd, key, h)? {
            Some(ix) => {
                let (k, v) = dd.table.borrow_mut().remove_at(ix);
                drop(k);
                Ok(Some(v))
            }
            None => Ok(None),
        }
    }

    /// `{**src}` / `d.update(src)`; with `func` set, duplicate keys are an
    /// error (`f(**a, **b)`) and keys must be strings.
    pub(crate) fn dict_update_from(
        &mut self,
        d: &Value,
        src: &Value,
        func: Option<&Value>,
    ) -> PyResult<()> {
        let d = d.as_obj().cloned().expect("dict");
        let pairs: Vec<(Value, Value)> = match src {
            Value::Obj(s) if s.kind() == Kind::Dict && !s.owns_cls() => {
                s.downcast::<Dict>().unwrap().items()
            }
            _ => {
                let keys_name = self.names.keys.clone();
                let keys = match self.get_attr_opt(src, &keys_name)? {
                    Some(k) => k,
                    None => {
                        let t = self.type_name(src);
                        return Err(match func {
                            Some(f) => {
                                let fname = self.callable_name(f);
                                self.type_error(format!(
                                    "{fname} argument after ** must be a mapping, not {t}"
                                ))
                            }
                            None => self.type_error(format!("'{t}' object is not a mapping")),
                        });
                    }
                };
                let ks = self.call(&keys, vec![])?;
                let ks = self.collect_iter(&ks)?;
                let mut out = Vec::new();
                for k in ks {
                    let v = self.get_item(src, &k)?;
                    out.push((k, v));
                }
                out
            }
        };
        for (k, v) in pairs {
            if let Some(f) = func {
                let is_str = matches!(&k, Value::Obj(o) if o.kind() == Kind::Str);
                if !is_str {
                    let fname = self.callable_name(f);
                    return Err(self.type_error(format!("{fname} keywords must be strings")));
                }
                if self.dict_get(&d, &k)?.is_some() {
                    let fname = self.callable_name(f);
                    let kn = str_of(k.as_obj().unwrap()).unwrap_or("").to_string();
                    return Err(self.type_error(format!(
                        "{fname} got multiple values for keyword argument '{kn}'"
                    )));
                }
            }
            self.dict_set(&d, k, v)?;
        }
        Ok(())
    }

    /// How CPython names a callable in argument errors (`f()`, `A.m()`).
    pub(crate) fn callable_name(&mut self, f: &Value) -> String {
        match f {
            Value::Obj(o) => match o.kind() {
                Kind::Function => {
                    let func = o.downcast::<crate::object::function::Function>().unwrap();
                    let q = str_of(&func.qualname.borrow()).unwrap_or("?").to_string();
                    let m = func.module.borrow().clone();
                    match m {
                        Value::Obj(ms) if str_of(&ms).is_some() => {
                            format!("{}.{}()", str_of(&ms).unwrap(), q)
                        }
                        _ => format!("{q}()"),
                    }
                }
                Kind::BuiltinFunction => {
                    format!(
                        "{}()",
                        o.downcast::<crate::object::function::BuiltinFunction>()
                            .unwrap()
                            .name
                    )
                }
                Kind::Type => format!("{}()", self.type_display_name(o)),
                Kind::BoundMethod => {
                    let bm = o
                        .downcast::<crate::object::function::BoundMethod>()
                        .unwrap();
                    let f = bm.func.clone();
                    self.callable_name(&f)
                }
                _ => format!("{} object", self.type_name(f)),
            },
            _ => format!("{} object", self.type_name(f)),
        }
    }

    pub(crate) fn type_display_name(&self, t: &ObjRef) -> String {
        t.downcast::<crate::object::typeobj::TypeObj>()
            .map(|t| t.name())
            .unwrap_or_default()
    }
}
