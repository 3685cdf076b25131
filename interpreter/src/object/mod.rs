//! The object model. Handle types, by ownership:
//!
//! | handle | owns a count | typed | use |
//! |---|---|---|---|
//! | `Value` | yes (for `Obj`) | no | registers, container slots, arguments |
//! | `ObjRef` | yes | no | any heap object |
//! | `&T` from `ObjRef::downcast::<T>()` | no | yes | reading a payload |
//! | `RawValue` | no | no | caches whose validity check proves liveness |
//!
//! `rc.rs` is the unsafe core (layout, counting, allocation); every other
//! file is a payload type, one per kind of object.

pub mod bytes;
pub mod dict;
pub mod exception;
pub mod float;
pub mod function;
pub mod instance;
pub mod int;
pub mod iter;
pub mod kind;
pub mod list;
pub mod module;
pub mod native;
pub mod range;
pub mod rc;
pub mod set;
pub mod str;
pub mod super_obj;
pub mod tuple;
pub mod typeobj;
pub mod value;

pub use rc::ObjRef;
pub use value::Value;
