//! Built-in modules and the methods of builtin types. `install_core` fills
//! the builtin type dicts (`types/`), the `builtins` module and `sys`, and
//! registers the native modules importable by name (the one list, like
//! Lua's `linit.c`). Modules written in mini come from the `Registry`'s
//! sources, which the binary fills from the `mini-stdlib` crate.

pub mod atexit;
pub mod builtins;
pub mod builtins_iter;
pub mod faulthandler;
pub mod gc_module;
pub mod io;
pub mod marshal;
pub mod math;
pub mod misc;
pub mod os;
pub mod os_fd;
pub mod random;
pub mod random_dist;
pub mod re;
pub mod signal;
pub mod structseq;
pub mod sys;
pub mod time;
pub mod types;
pub mod weakref;

use rustc_hash::FxHashMap;

use crate::object::dict::Dict;
use crate::object::function::{BuiltinFunction, MethodDescr, MethodKind, NativeFn};
use crate::object::rc::ObjRef;
use crate::object::typeobj::TypeObj;
use crate::object::value::Value;
use crate::vm::{PyResult, Vm};

/// Creates a native module (called on first import).
pub type ModuleInit = fn(&mut Vm) -> PyResult<ObjRef>;

/// What `import` can find besides files: native modules and embedded
/// sources of modules written in mini.
#[derive(Default)]
pub struct Registry {
    pub native: FxHashMap<String, ModuleInit>,
    pub sources: FxHashMap<String, &'static str>,
}

impl Registry {
    pub fn add_native(&mut self, name: &str, init: ModuleInit) {
        self.native.insert(name.to_string(), init);
    }

    pub fn add_source(&mut self, name: &str, src: &'static str) {
        self.sources.insert(name.to_string(), src);
    }
}

impl Vm {
    /// A builtin function object.
    pub fn new_builtin(
        &mut self,
        module: Option<&'static str>,
        name: &'static str,
        func: NativeFn,
    ) -> ObjRef {
        let t = self.types.builtin_function.clone();
        self.alloc(
            &t,
            BuiltinFunction {
                name,
                func,
                bound: None,
                module,
                is_method: false,
            },
        )
    }

    /// A builtin function carrying a state value (passed as first argument).
    pub fn new_builtin_bound(
        &mut self,
        name: &'static str,
        func: NativeFn,
        state: Value,
    ) -> ObjRef {
        let t = self.types.builtin_function.clone();
        self.alloc(
            &t,
            BuiltinFunction {
                name,
                func,
                bound: Some(state),
                module: None,
                is_method: false,
            },
        )
    }

    /// Adds function `name` to a module dict.
    pub fn add_function(
        &mut self,
        dict: &ObjRef,
        module: &'static str,
        name: &'static str,
        func: NativeFn,
    ) {
        let f = self.new_builtin(Some(module), name, func);
        let k = self.intern(name);
        dict.downcast::<Dict>().unwrap().set_str(&k, Value::Obj(f));
    }

    /// Sets `name` in a module or class dict.
    pub fn set_in(&mut self, dict: &ObjRef, name: &str, v: Value) {
        let k = self.intern(name);
        dict.downcast::<Dict>().unwrap().set_str(&k, v);
    }

    fn add_descr(&mut self, cls: &ObjRef, name: &'static str, func: NativeFn, kind: MethodKind) {
        let t = self.types.method_descriptor.clone();
        let d = self.alloc(
            &t,
            MethodDescr {
                name,
                func,
                owner: cls.clone(),
                kind,
            },
        );
        let dict = cls.downcast::<TypeObj>().unwrap().dict.clone();
        self.set_in(&dict, name, Value::Obj(d));
    }

    /// Adds an instance method to a builtin type.
    pub fn add_method(&mut self, cls: &ObjRef, name: &'static str, func: NativeFn) {
        self.add_descr(cls, name, func, MethodKind::Instance);
    }

    pub fn add_classmethod(&mut self, cls: &ObjRef, name: &'static str, func: NativeFn) {
        self.add_descr(cls, name, func, MethodKind::Class);
    }

    pub fn add_staticmethod(&mut self, cls: &ObjRef, name: &'static str, func: NativeFn) {
        self.add_descr(cls, name, func, MethodKind::Static);
    }

    /// Adds a read-only data attribute computed by `func(self)` (a property
    /// whose getter is native, like CPython's getset descriptors).
    pub fn add_getter(&mut self, cls: &ObjRef, name: &'static str, func: NativeFn) {
        let f = self.new_builtin(None, name, func);
        let t = self.types.property.clone();
        let n = self.str_val(name);
        let p = self.alloc(
            &t,
            crate::object::function::Property {
                fget: std::cell::RefCell::new(Value::Obj(f)),
                fset: std::cell::RefCell::new(Value::None),
                fdel: std::cell::RefCell::new(Value::None),
                doc: std::cell::RefCell::new(Value::None),
                name: std::cell::RefCell::new(n),
            },
        );
        let dict = cls.downcast::<TypeObj>().unwrap().dict.clone();
        self.set_in(&dict, name, Value::Obj(p));
    }

    /// Creates a new module object populated by `fill`.
    pub fn make_module(&mut self, name: &str, fill: impl FnOnce(&mut Vm, &ObjRef)) -> ObjRef {
        let m = self.new_module(name);
        let md = m.downcast::<crate::object::module::Module>().unwrap();
        md.origin.set(crate::object::module::Origin::BuiltIn);
        let d = md.dict.clone();
        fill(self, &d);
        m
    }

    /// Sets the module name builtin types report (`module_name`).
    fn set_type_module(&self, t: &ObjRef, m: &str) {
        if let Some(tp) = t.downcast::<TypeObj>() {
            tp.module_name.replace(m.to_string());
        }
    }
}

/// Sets up the builtin types, `builtins`, `sys` and the native module list.
pub fn install_core(vm: &mut Vm) {
    types::install(vm);
    builtins::install(vm);
    builtins_iter::install(vm);
    sys::install(vm);
    io::install(vm);
    weakref::install(vm);
    let r = &mut vm.registry;
    r.add_native("sys", sys::init);
    r.add_native("builtins", builtins::init_module);
    r.add_native("time", time::init);
    r.add_native("math", math::init);
    r.add_native("gc", gc_module::init);
    r.add_native("_io", io::init);
    r.add_native("io", io::init);
    r.add_native("os", os::init);
    r.add_native("os.path", os::init_path);
    r.add_native("posixpath", os::init_path);
    r.add_native("random", random::init);
    r.add_native("_random", random::init);
    r.add_native("re", re::init);
    r.add_native("signal", signal::init);
    r.add_native("_weakref", weakref::init);
    r.add_native("atexit", atexit::init);
    r.add_native("platform", misc::init_platform);
    r.add_native("errno", misc::init_errno);
    r.add_native("marshal", marshal::init);
    r.add_native("faulthandler", faulthandler::init);
    let t = vm.types.none_type.clone();
    vm.set_type_module(&t, "builtins");
}
