//! Native objects whose behaviour is written in Rust behind a trait object:
//! dict views, files, StringIO and module-specific types. The VM reaches
//! their protocols (len, iter, next, getitem, repr, ...) through
//! `NativeObject`; defaults say "not supported".

use std::any::Any;

use super::kind::Kind;
use super::rc::{ObjRef, Payload};
use super::value::Value;
use crate::vm::{PyResult, Vm};

pub trait NativeObject: Any {
    fn as_any(&self) -> &dyn Any;
    fn traverse(&self, _visit: &mut dyn FnMut(&ObjRef)) {}
    fn clear(&self) {}
    fn len(&self, _vm: &mut Vm, _me: &ObjRef) -> Option<usize> {
        None
    }
    fn iter(&self, _vm: &mut Vm, _me: &ObjRef) -> Option<PyResult<Value>> {
        None
    }
    /// Iterators return themselves from `iter()`.
    fn is_iterator(&self) -> bool {
        false
    }
    fn next(&self, _vm: &mut Vm, _me: &ObjRef) -> Option<PyResult<Option<Value>>> {
        None
    }
    fn getitem(&self, _vm: &mut Vm, _me: &ObjRef, _key: &Value) -> Option<PyResult<Value>> {
        None
    }
    fn setitem(
        &self,
        _vm: &mut Vm,
        _me: &ObjRef,
        _key: Value,
        _v: Option<Value>,
    ) -> Option<PyResult<()>> {
        None
    }
    fn contains(&self, _vm: &mut Vm, _me: &ObjRef, _item: &Value) -> Option<PyResult<bool>> {
        None
    }
    fn repr(&self, _vm: &mut Vm, _me: &ObjRef) -> Option<PyResult<String>> {
        None
    }
    fn hash(&self, _vm: &mut Vm, _me: &ObjRef) -> Option<PyResult<i64>> {
        None
    }
    fn getattr(&self, _vm: &mut Vm, _me: &ObjRef, _name: &str) -> Option<PyResult<Value>> {
        None
    }
    fn setattr(
        &self,
        _vm: &mut Vm,
        _me: &ObjRef,
        _name: &str,
        _v: Option<Value>,
    ) -> Option<PyResult<()>> {
        None
    }
    /// Bytes this object holds outside its header, for `sys.getsizeof`.
    fn extra_size(&self) -> usize {
        0
    }
}

pub struct Native {
    pub inner: Box<dyn NativeObject>,
}

impl Native {
    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.inner.as_any().downcast_ref::<T>()
    }
}

impl Payload for Native {
    const KIND: Kind = Kind::Native;
    const NAME: &'static str = "native";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        self.inner.traverse(visit);
    }
    fn clear(&self) {
        self.inner.clear();
    }
}

/// The native state of an object of type T, if it is one.
pub fn native_ref<T: 'static>(o: &ObjRef) -> Option<&T> {
    o.downcast::<Native>()?.get::<T>()
}
