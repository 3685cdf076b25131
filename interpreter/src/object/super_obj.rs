//! `super()` objects: attribute lookup continues in the MRO of `obj_type`
//! after `this_type`, binding to `obj`.

use super::kind::Kind;
use super::rc::{ObjRef, Payload};
use super::value::Value;

pub struct SuperObj {
    pub this_type: ObjRef,
    pub obj: Value,
    pub obj_type: ObjRef,
}

impl Payload for SuperObj {
    const KIND: Kind = Kind::Super;
    const NAME: &'static str = "super";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        visit(&self.this_type);
        if let Value::Obj(o) = &self.obj {
            visit(o);
        }
        visit(&self.obj_type);
    }
}
