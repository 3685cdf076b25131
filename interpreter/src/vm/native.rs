//! The VM side of native objects: forwards protocol operations to the
//! object's `NativeObject` implementation and turns "not supported" into
//! CPython's TypeErrors.

use crate::object::native::Native;
use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::{PyResult, Vm};

fn inner(o: &ObjRef) -> &Native {
    o.downcast::<Native>().expect("native object")
}

impl Vm {
    pub(crate) fn native_len(&mut self, o: &ObjRef) -> Option<usize> {
        inner(o).inner.len(self, o)
    }

    pub(crate) fn native_iter(&mut self, o: &ObjRef) -> PyResult<Value> {
        match inner(o).inner.iter(self, o) {
            Some(r) => r,
            None => {
                if inner(o).inner.is_iterator() {
                    return Ok(Value::Obj(o.clone()));
                }
                let t = self.type_name(&Value::Obj(o.clone()));
                Err(self.type_error(format!("'{t}' object is not iterable")))
            }
        }
    }

    pub(crate) fn native_next(&mut self, o: &ObjRef) -> PyResult<Option<Value>> {
        match inner(o).inner.next(self, o) {
            Some(r) => r,
            None => {
                let t = self.type_name(&Value::Obj(o.clone()));
                Err(self.type_error(format!("'{t}' object is not an iterator")))
            }
        }
    }

    pub(crate) fn native_getitem(&mut self, o: &ObjRef, key: &Value) -> PyResult<Value> {
        match inner(o).inner.getitem(self, o, key) {
            Some(r) => r,
            None => {
                let t = self.type_name(&Value::Obj(o.clone()));
                Err(self.type_error(format!("'{t}' object is not subscriptable")))
            }
        }
    }

    pub(crate) fn native_setitem(
        &mut self,
        o: &ObjRef,
        key: Value,
        v: Option<Value>,
    ) -> PyResult<()> {
        let deleting = v.is_none();
        match inner(o).inner.setitem(self, o, key, v) {
            Some(r) => r,
            None => {
                let t = self.type_name(&Value::Obj(o.clone()));
                Err(self.type_error(if deleting {
                    format!("'{t}' object doesn't support item deletion")
                } else {
                    format!("'{t}' object does not support item assignment")
                }))
            }
        }
    }

    pub(crate) fn native_contains(&mut self, o: &ObjRef, item: &Value) -> PyResult<Option<bool>> {
        match inner(o).inner.contains(self, o, item) {
            Some(r) => r.map(Some),
            None => Ok(None),
        }
    }

    pub(crate) fn native_repr(&mut self, o: &ObjRef) -> PyResult<String> {
        match inner(o).inner.repr(self, o) {
            Some(r) => r,
            None => Ok(self.default_repr(o)),
        }
    }

    pub(crate) fn native_hash(&mut self, o: &ObjRef) -> PyResult<i64> {
        match inner(o).inner.hash(self, o) {
            Some(r) => r,
            None => Ok(crate::vm::hash::hash_pointer(o.addr())),
        }
    }

    pub(crate) fn native_getattr(&mut self, o: &ObjRef, name: &str) -> Option<PyResult<Value>> {
        inner(o).inner.getattr(self, o, name)
    }

    pub(crate) fn native_setattr(
        &mut self,
        o: &ObjRef,
        name: &str,
        v: Option<Value>,
    ) -> Option<PyResult<()>> {
        inner(o).inner.setattr(self, o, name, v)
    }
}
