//! Interpreter shutdown in CPython 3.11's order (`Py_FinalizeEx` and its
//! `finalize_modules`), so that finalizers run when, and see what, they
//! would under CPython:
//!
//! 1. `atexit` handlers, last registered first, with everything intact;
//!    then `sys.is_finalizing()` becomes true and the streams are flushed;
//! 2. a full collection (with `gc.callbacks`, unless gc is disabled);
//! 3. the special names are reset (`sys.last_*`, `sys.path`... become None,
//!    `sys.stdout` & co. get their `__stdout__` values back);
//! 4. every module is removed from `sys.modules`, remembered only weakly:
//!    modules nothing else holds die, and their globals, usually in a cycle
//!    with the module's functions, become garbage;
//! 5. a full collection finalizes that garbage (globals still intact inside
//!    `__del__`), without `gc.callbacks`;
//! 6. modules still alive have their globals set to None, later imports
//!    first: names with one leading underscore, then the others in
//!    definition order (`_PyModule_ClearDict`); finalizers that use a
//!    cleared global fail and are reported as "Exception ignored in";
//! 7. `sys` and `builtins` are wiped the same way and a last collection
//!    runs.
//!
//! From step 4 on, tracebacks printed for such failures have no source
//! lines: CPython can no longer import what reads them.
//! Invariant: runs once, after the program's last instruction; finalizers
//! queued by each step run before the next step starts.

use crate::object::dict::Dict;
use crate::object::module::Module;
use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::value::Value;
use crate::vm::Vm;

/// `sys` attributes reset to None before the modules are removed.
const SYS_DELETES: [&str; 11] = [
    "path",
    "argv",
    "ps1",
    "ps2",
    "last_type",
    "last_value",
    "last_traceback",
    "path_hooks",
    "path_importer_cache",
    "meta_path",
    "__interactivehook__",
];

/// `sys` streams restored from their `__dunder__` originals.
const SYS_FILES: [(&str, &str); 3] = [
    ("stdin", "__stdin__"),
    ("stdout", "__stdout__"),
    ("stderr", "__stderr__"),
];

impl Vm {
    /// The whole shutdown sequence (see the module documentation).
    pub fn finalize_interpreter(&mut self) {
        self.run_atexit();
        self.run_finalizers();
        self.finalizing = true;
        self.flush_std_streams();
        if crate::gc::heap::with_heap(|h| h.enabled.get()) {
            self.collect_with_callbacks(2);
            self.run_finalizers();
        }
        self.delete_special_names();
        let weaklist = self.remove_modules();
        self.modules_removed = true;
        self.collect(2);
        self.run_finalizers();
        self.report_shutdown_garbage();
        for (_, w) in weaklist.into_iter().rev() {
            let Some(m) = w.upgrade() else { continue };
            if m.is(&self.builtins_module) || self.sys_module.as_ref().is_some_and(|s| s.is(&m)) {
                continue;
            }
            if let Some(md) = m.downcast::<Module>() {
                let d = md.dict.clone();
                drop(m);
                self.clear_module_dict(&d);
            }
        }
        if let Some(sys) = self.sys_module.clone() {
            if let Some(md) = sys.downcast::<Module>() {
                let d = md.dict.clone();
                self.clear_module_dict(&d);
            }
        }
        let b = self.builtins.clone();
        self.clear_module_dict(&b);
        self.collect(2);
        self.run_finalizers();
        self.flush_std_streams();
        crate::modules::faulthandler::detach(self);
    }

    /// Step 3: `builtins._` and the `sys` names CPython resets first.
    fn delete_special_names(&mut self) {
        let key = self.intern("_");
        let bd = self.builtins.clone();
        if let Some(b) = bd.downcast::<Dict>() {
            if b.get_str(&key).is_some() {
                b.set_str(&key, Value::None);
                self.run_finalizers();
            }
        }
        let Some(sys) = self.sys_module.clone() else {
            return;
        };
        let Some(sd) = sys.downcast::<Module>().map(|m| m.dict.clone()) else {
            return;
        };
        let Some(d) = sd.downcast::<Dict>() else {
            return;
        };
        for name in SYS_DELETES {
            let k = self.intern(name);
            if d.get_str(&k).is_some() {
                d.set_str(&k, Value::None);
                self.run_finalizers();
            }
        }
        for (name, orig) in SYS_FILES {
            let (k, ko) = (self.intern(name), self.intern(orig));
            let v = d.get_str(&ko).unwrap_or(Value::None);
            d.set_str(&k, v);
            self.run_finalizers();
        }
    }

    /// Step 4: sets every `sys.modules` entry to None, then empties it;
    /// returns (name, weak handle) for each module, in import order.
    fn remove_modules(&mut self) -> Vec<(Value, WeakModule)> {
        let mods = self.sys_modules.clone();
        let Some(d) = mods.downcast::<Dict>() else {
            return Vec::new();
        };
        let mut weaklist = Vec::new();
        for (name, m) in d.items() {
            if let Value::Obj(mo) = &m {
                if mo.downcast::<Module>().is_some() {
                    weaklist.push((name.clone(), WeakModule::new(self, mo)));
                }
            }
            if let Value::Obj(k) = &name {
                if str_of(k).is_some() {
                    d.set_str(k, Value::None);
                }
            }
            drop(m);
            self.run_finalizers();
        }
        let old = d.table.borrow_mut().take_all();
        drop(old);
        self.run_finalizers();
        weaklist
    }

    /// CPython's `_PyModule_ClearDict`: first the names that start with one
    /// underscore, then every name but `__builtins__`, each set to None in
    /// definition order; finalizers run as each value dies.
    fn clear_module_dict(&mut self, d: &ObjRef) {
        let Some(dd) = d.downcast::<Dict>() else {
            return;
        };
        for pass in 0..2 {
            for (k, v) in dd.items() {
                let Value::Obj(ko) = &k else { continue };
                let Some(name) = str_of(ko) else { continue };
                if v.is_none() {
                    continue;
                }
                let mut chars = name.chars();
                let first_under = chars.next() == Some('_');
                let second_under = chars.next() == Some('_');
                let clear = if pass == 0 {
                    first_under && !second_under
                } else {
                    name != "__builtins__"
                };
                if clear {
                    dd.set_str(ko, Value::None);
                    drop(v);
                    self.run_finalizers();
                }
            }
        }
    }

    /// `_PyGC_DumpShutdownStats`: with DEBUG_UNCOLLECTABLE set (and not
    /// DEBUG_SAVEALL), a non-empty `gc.garbage` is listed on stderr after
    /// the (normally filtered) ResourceWarning about it.
    fn report_shutdown_garbage(&mut self) {
        let debug = self.gc_state.debug;
        if debug & crate::gc::DEBUG_SAVEALL != 0 || debug & crate::gc::DEBUG_UNCOLLECTABLE == 0 {
            return;
        }
        let Some(g) = self.gc_state.garbage.clone() else {
            return;
        };
        let empty = g
            .downcast::<crate::object::list::List>()
            .is_none_or(|l| l.len() == 0);
        if empty {
            return;
        }
        let r = self.repr(&Value::Obj(g)).unwrap_or_default();
        self.write_stderr(&format!("      {r}\n"));
    }
}

/// A module remembered without keeping it alive (a weakref in CPython).
pub(crate) struct WeakModule {
    weak: Option<ObjRef>,
}

impl WeakModule {
    fn new(vm: &mut Vm, m: &ObjRef) -> WeakModule {
        let t = vm.types.weakref.clone();
        let weak = match vm.call(&Value::Obj(t), vec![Value::Obj(m.clone())]) {
            Ok(Value::Obj(w)) => Some(w),
            _ => None,
        };
        WeakModule { weak }
    }

    fn upgrade(&self) -> Option<ObjRef> {
        let w = self.weak.as_ref()?;
        w.downcast::<crate::gc::weakrefs::WeakRef>()?.get()
    }
}
