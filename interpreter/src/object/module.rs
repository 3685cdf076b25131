//! Module objects: a name and a namespace dict (`__dict__`).
//! Invariant: `dict` is the same dict object the module's code ran with as
//! its globals, for the module's whole life.

use super::kind::Kind;
use super::rc::{ObjRef, Payload};

pub struct Module {
    pub dict: ObjRef,
}

impl Payload for Module {
    const KIND: Kind = Kind::Module;
    const NAME: &'static str = "module";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        visit(&self.dict);
    }
}

/// `NotImplemented`, `Ellipsis` and similar named singletons.
pub struct Singleton {
    pub name: &'static str,
}

impl Payload for Singleton {
    const KIND: Kind = Kind::Singleton;
    const NAME: &'static str = "singleton";
    const IS_GC: bool = false;
}
