//! Exception instances. Every exception object (builtin or user class) is an
//! `Inst<ExcBase>`: the common exception state here plus the instance dict.
//! Invariant: `args` is always a tuple; `traceback` is a traceback object or
//! None; `cause`/`context` are exception instances or None.

use std::cell::{Cell, RefCell};

use super::kind::Kind;
use super::rc::{ObjRef, Payload};
use super::value::Value;

pub struct ExcBase {
    pub args: RefCell<ObjRef>,
    pub traceback: RefCell<Value>,
    pub cause: RefCell<Value>,
    pub context: RefCell<Value>,
    pub suppress_context: Cell<bool>,
}

impl ExcBase {
    pub fn new(args: ObjRef) -> ExcBase {
        ExcBase {
            args: RefCell::new(args),
            traceback: RefCell::new(Value::None),
            cause: RefCell::new(Value::None),
            context: RefCell::new(Value::None),
            suppress_context: Cell::new(false),
        }
    }
}

impl Payload for ExcBase {
    const KIND: Kind = Kind::Exception;
    const NAME: &'static str = "BaseException";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        if let Ok(a) = self.args.try_borrow() {
            visit(&a);
        }
        for c in [&self.traceback, &self.cause, &self.context] {
            if let Ok(v) = c.try_borrow() {
                if let Value::Obj(o) = &*v {
                    visit(o);
                }
            }
        }
    }
    fn clear(&self) {
        let vals: Vec<Value> = [&self.traceback, &self.cause, &self.context]
            .iter()
            .map(|c| std::mem::replace(&mut *c.borrow_mut(), Value::None))
            .collect();
        drop(vals);
    }
}
