//! Finalizers: which objects need one when they die (instances of classes
//! with `__del__`, suspended generators), running them (PEP 442: at most
//! once per object), and reporting their errors as CPython does
//! ("Exception ignored in: ..." plus the traceback, on stderr).

use crate::object::kind::Kind;
use crate::object::rc::{Header, ObjRef, FLAG_FINALIZED};
use crate::object::typeobj::{TypeObj, TF_HAS_DEL};
use crate::object::value::Value;
use crate::vm::{PyErr, Vm};

/// Whether the object's class defines `__del__`.
pub fn has_del(h: &Header) -> bool {
    if !h.vt.owns_cls {
        return false;
    }
    let cls = h.cls.get();
    // SAFETY: an owns_cls object holds a counted reference to its class.
    let c = unsafe { &*cls };
    if c.vt.kind != Kind::Type {
        return false;
    }
    // SAFETY: the class is a type object (kind checked).
    let tp = unsafe { &(*(cls as *const crate::object::rc::Obj<TypeObj>)).data };
    tp.has(TF_HAS_DEL)
}

/// Whether an object needs its finalizer run before it is freed.
pub fn needs_finalizer(h: &Header) -> bool {
    if has_del(h) {
        return true;
    }
    h.vt.kind == Kind::Generator && !h.vt.owns_cls && Vm::gen_needs_close(h)
}

impl Vm {
    /// Runs the finalizer of an object from the finalizer queue, then
    /// releases the queue's reference.
    pub(crate) fn finalize_object(&mut self, obj: ObjRef) {
        if obj.flags() & FLAG_FINALIZED == 0 {
            obj.set_flag(FLAG_FINALIZED);
            self.call_finalizer(&obj);
        }
        drop(obj);
    }

    /// Calls `__del__` (or closes a generator); errors are reported.
    pub(crate) fn call_finalizer(&mut self, obj: &ObjRef) {
        if obj.kind() == Kind::Generator && !obj.owns_cls() {
            if let Err(e) = self.gen_close(obj) {
                let r = self.repr(&Value::Obj(obj.clone())).unwrap_or_default();
                self.report_unraisable(&e, &format!("Exception ignored in: {r}"));
            }
            return;
        }
        let cls = obj.class();
        let del = self.lookup_mro(&cls, &self.names.del.clone());
        if let Some(f) = del {
            if let Err(e) = self.call(&f, vec![Value::Obj(obj.clone())]) {
                let r = self.repr(&f).unwrap_or_default();
                self.report_unraisable(&e, &format!("Exception ignored in: {r}"));
            }
        }
    }

    /// Prints an error that cannot propagate (`sys.unraisablehook`).
    pub fn report_unraisable(&mut self, e: &PyErr, header: &str) {
        let text = self.format_exception(&e.exc);
        self.write_stderr(&format!("{header}\n{text}"));
    }
}
