//! Callable payloads: Python functions, builtin functions and methods,
//! bound methods, closure cells, and the descriptor wrappers `staticmethod`,
//! `classmethod` and `property`.
//! Invariant: a `Function` always refers to a `Code` object and a globals
//! dict; `closure` (if any) is a tuple of cells matching `code.freevars`.

use std::cell::RefCell;

use super::kind::Kind;
use super::rc::{ObjRef, Payload};
use super::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

/// A function implemented in Rust: `args.pos[0]` is `self` for methods.
pub type NativeFn = fn(&mut Vm, Args) -> PyResult<Value>;

fn visit_value(v: &Value, visit: &mut dyn FnMut(&ObjRef)) {
    if let Value::Obj(o) = v {
        visit(o);
    }
}

fn visit_opt(v: &Option<ObjRef>, visit: &mut dyn FnMut(&ObjRef)) {
    if let Some(o) = v {
        visit(o);
    }
}

pub struct Function {
    pub code: ObjRef,
    pub globals: ObjRef,
    pub builtins: ObjRef,
    pub name: RefCell<ObjRef>,
    pub qualname: RefCell<ObjRef>,
    /// Positional defaults (a tuple) or None.
    pub defaults: RefCell<Option<ObjRef>>,
    /// Keyword-only defaults (a dict) or None.
    pub kwdefaults: RefCell<Option<ObjRef>>,
    /// Tuple of cells for the code's free variables.
    pub closure: Option<ObjRef>,
    pub doc: RefCell<Value>,
    pub module: RefCell<Value>,
    /// `__dict__`, created on first use.
    pub dict: RefCell<Option<ObjRef>>,
    pub annotations: RefCell<Option<ObjRef>>,
}

impl Payload for Function {
    const KIND: Kind = Kind::Function;
    const NAME: &'static str = "function";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        visit(&self.code);
        visit(&self.globals);
        visit(&self.builtins);
        if let Ok(n) = self.name.try_borrow() {
            visit(&n);
        }
        if let Ok(n) = self.qualname.try_borrow() {
            visit(&n);
        }
        if let Ok(d) = self.defaults.try_borrow() {
            visit_opt(&d, visit);
        }
        if let Ok(d) = self.kwdefaults.try_borrow() {
            visit_opt(&d, visit);
        }
        visit_opt(&self.closure, visit);
        if let Ok(d) = self.doc.try_borrow() {
            visit_value(&d, visit);
        }
        if let Ok(d) = self.module.try_borrow() {
            visit_value(&d, visit);
        }
        if let Ok(d) = self.dict.try_borrow() {
            visit_opt(&d, visit);
        }
        if let Ok(d) = self.annotations.try_borrow() {
            visit_opt(&d, visit);
        }
    }
    fn clear(&self) {
        let a = self.defaults.borrow_mut().take();
        let b = self.kwdefaults.borrow_mut().take();
        let c = std::mem::take(&mut *self.doc.borrow_mut());
        let d = std::mem::take(&mut *self.module.borrow_mut());
        let e = self.dict.borrow_mut().take();
        let f = self.annotations.borrow_mut().take();
        drop((a, b, c, d, e, f));
        // code, globals, builtins and closure stay: they are immutable here,
        // and the dict/closure cells are cleared through their own objects.
    }
}

/// A builtin function, or a builtin method bound to its receiver.
pub struct BuiltinFunction {
    pub name: &'static str,
    pub func: NativeFn,
    /// The receiver for bound methods (passed as the first argument), or the
    /// state object of a native closure.
    pub bound: Option<Value>,
    /// Module of a module-level function (`time` for `time.sleep`).
    pub module: Option<&'static str>,
    /// True for methods of a type (repr and profiler naming differ).
    pub is_method: bool,
}

impl Payload for BuiltinFunction {
    const KIND: Kind = Kind::BuiltinFunction;
    const NAME: &'static str = "builtin_function_or_method";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        if let Some(v) = &self.bound {
            visit_value(v, visit);
        }
    }
}

/// How a method descriptor binds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MethodKind {
    /// Called with the instance as first argument.
    Instance,
    /// Called with the class as first argument (`dict.fromkeys`).
    Class,
    /// Called with no implicit argument (`str.maketrans`).
    Static,
}

/// A method of a builtin type (`list.append`): binds to instances.
pub struct MethodDescr {
    pub name: &'static str,
    pub func: NativeFn,
    /// The type that defines it (a builtin type: lives as long as the VM).
    pub owner: ObjRef,
    pub kind: MethodKind,
}

impl Payload for MethodDescr {
    const KIND: Kind = Kind::MethodDescr;
    const NAME: &'static str = "method_descriptor";
    const IS_GC: bool = false;
}

/// A Python function bound to an instance (`obj.method`).
pub struct BoundMethod {
    pub func: Value,
    pub receiver: Value,
}

impl Payload for BoundMethod {
    const KIND: Kind = Kind::BoundMethod;
    const NAME: &'static str = "method";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        visit_value(&self.func, visit);
        visit_value(&self.receiver, visit);
    }
}

/// A closure cell holding one variable shared between scopes.
#[derive(Default)]
pub struct CellObj {
    pub value: RefCell<Value>,
}

impl Payload for CellObj {
    const KIND: Kind = Kind::Cell;
    const NAME: &'static str = "cell";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        if let Ok(v) = self.value.try_borrow() {
            visit_value(&v, visit);
        }
    }
    fn clear(&self) {
        let old = std::mem::take(&mut *self.value.borrow_mut());
        drop(old);
    }
}

/// `staticmethod(f)` and `classmethod(f)`.
pub struct MethodWrapper {
    pub func: RefCell<Value>,
    pub dict: RefCell<Option<ObjRef>>,
}

impl MethodWrapper {
    pub fn new(func: Value) -> MethodWrapper {
        MethodWrapper {
            func: RefCell::new(func),
            dict: RefCell::new(None),
        }
    }
    pub fn func(&self) -> Value {
        self.func.borrow().clone()
    }
}

pub struct StaticMethod(pub MethodWrapper);
pub struct ClassMethod(pub MethodWrapper);

fn traverse_wrapper(w: &MethodWrapper, visit: &mut dyn FnMut(&ObjRef)) {
    if let Ok(v) = w.func.try_borrow() {
        visit_value(&v, visit);
    }
    if let Ok(d) = w.dict.try_borrow() {
        visit_opt(&d, visit);
    }
}

fn clear_wrapper(w: &MethodWrapper) {
    let a = std::mem::take(&mut *w.func.borrow_mut());
    let b = w.dict.borrow_mut().take();
    drop((a, b));
}

impl Payload for StaticMethod {
    const KIND: Kind = Kind::StaticMethod;
    const NAME: &'static str = "staticmethod";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        traverse_wrapper(&self.0, visit);
    }
    fn clear(&self) {
        clear_wrapper(&self.0);
    }
}

impl Payload for ClassMethod {
    const KIND: Kind = Kind::ClassMethod;
    const NAME: &'static str = "classmethod";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        traverse_wrapper(&self.0, visit);
    }
    fn clear(&self) {
        clear_wrapper(&self.0);
    }
}

/// `property(fget, fset, fdel, doc)`.
pub struct Property {
    pub fget: RefCell<Value>,
    pub fset: RefCell<Value>,
    pub fdel: RefCell<Value>,
    pub doc: RefCell<Value>,
    /// Attribute name from `__set_name__` (for error messages).
    pub name: RefCell<Value>,
}

impl Payload for Property {
    const KIND: Kind = Kind::Property;
    const NAME: &'static str = "property";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        for c in [&self.fget, &self.fset, &self.fdel, &self.doc, &self.name] {
            if let Ok(v) = c.try_borrow() {
                visit_value(&v, visit);
            }
        }
    }
    fn clear(&self) {
        let vals: Vec<Value> = [&self.fget, &self.fset, &self.fdel, &self.doc, &self.name]
            .iter()
            .map(|c| std::mem::take(&mut *c.borrow_mut()))
            .collect();
        drop(vals);
    }
}

/// A `__slots__` member descriptor: reads and writes slot `index` of instances.
pub struct MemberDescr {
    pub name: ObjRef,
    pub index: usize,
    pub owner: ObjRef,
}

impl Payload for MemberDescr {
    const KIND: Kind = Kind::MemberDescr;
    const NAME: &'static str = "member_descriptor";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        visit(&self.name);
        visit(&self.owner);
    }
}

/// Arguments as passed to a native call, re-exported for convenience.
pub type NativeArgs = Args;
