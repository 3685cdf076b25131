//! Module objects: a name and a namespace dict (`__dict__`).
//! Invariant: `dict` is the same dict object the module's code ran with as
//! its globals, for the module's whole life.

use std::cell::Cell;

use super::kind::Kind;
use super::rc::{ObjRef, Payload};

/// Where a module came from, for its repr when it has no `__file__`.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    /// Made by `types.ModuleType(...)` and the like: `<module 'm'>`.
    #[default]
    Plain,
    /// A native module: `<module 'sys' (built-in)>`.
    BuiltIn,
    /// Embedded standard-library source: `<module 'json' (frozen)>`.
    Frozen,
}

pub struct Module {
    pub dict: ObjRef,
    pub origin: Cell<Origin>,
}

impl Module {
    pub fn new(dict: ObjRef) -> Module {
        Module {
            dict,
            origin: Cell::new(Origin::Plain),
        }
    }
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
