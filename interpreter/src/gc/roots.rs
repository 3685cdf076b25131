//! The interpreter's roots, for tools that walk the heap by reachability
//! (guppy's heapy in `profiler/src/heapy/`): the values every active frame
//! holds in its registers, and the values the interpreter itself holds
//! outside any object (`sys.modules`, the builtins, the builtin types —
//! the counterpart of CPython's static types, alive for the interpreter's
//! whole life —, the exceptions being handled, the standard streams,
//! atexit and signal handlers, hook functions, `gc.garbage` and
//! `gc.callbacks`).
//!
//! The collector never needs roots (it works from reference counts, as
//! CPython's does); these lists answer "what is reachable from the running
//! program". Invariant: only reads; the returned values are new counted
//! references, so the caller may hold them across calls into Python code.

use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::Vm;

/// What one active frame refers to.
pub struct FrameRoots {
    /// The frame's code object.
    pub code: ObjRef,
    /// The frame's globals dict (lets a tool skip its own frames).
    pub globals: ObjRef,
    /// The function, the locals dict, the frame object and the generator
    /// when there are ones, then every initialised register of the frame's
    /// window (locals, cells, temporaries), in register order.
    pub values: Vec<Value>,
}

impl Vm {
    /// The active frames, outermost first.
    pub fn frame_roots(&self) -> Vec<FrameRoots> {
        let mut out = Vec::with_capacity(self.frames.len());
        for f in self.frames.iter() {
            let mut values = Vec::new();
            for o in [&f.func, &f.locals, &f.frame_obj, &f.gen]
                .into_iter()
                .flatten()
            {
                values.push(Value::Obj(o.clone()));
            }
            let end = (f.base + f.code().nregs as usize).min(self.stack.len());
            if f.base < end {
                values.extend(
                    self.stack
                        .slice(f.base, end)
                        .iter()
                        .filter(|v| !v.is_undef())
                        .cloned(),
                );
            }
            out.push(FrameRoots {
                code: f.code.clone(),
                globals: f.globals.clone(),
                values,
            });
        }
        out
    }

    /// The values the interpreter holds outside objects and frames.
    pub fn global_roots(&self) -> Vec<Value> {
        let mut out = vec![
            Value::Obj(self.sys_modules.clone()),
            Value::Obj(self.builtins_module.clone()),
            Value::Obj(self.builtins.clone()),
            Value::Obj(self.displayhook.clone()),
        ];
        if let Some(s) = &self.sys_module {
            out.push(Value::Obj(s.clone()));
        }
        out.extend(self.types.all().into_iter().map(|(_, t)| Value::Obj(t)));
        out.extend(self.types.exc.all().into_iter().map(|(_, t)| Value::Obj(t)));
        let mut extra: Vec<_> = self.extra_types.iter().collect();
        extra.sort_by_key(|(name, _)| **name);
        out.extend(extra.into_iter().map(|(_, t)| Value::Obj(t.clone())));
        out.extend(self.exc_stack.iter().cloned());
        if let Some((a, b, c)) = &self.std_streams {
            out.extend([a, b, c].into_iter().map(|o| Value::Obj(o.clone())));
        }
        out.extend(self.atexit.iter().map(|(f, _)| f.clone()));
        out.extend(self.signal_handlers.values().cloned());
        for h in [
            &self.hooks.profile,
            &self.hooks.trace,
            &self.hooks.native_profile_obj,
        ]
        .into_iter()
        .flatten()
        {
            out.push(h.clone());
        }
        for l in [&self.gc_state.garbage, &self.gc_state.callbacks]
            .into_iter()
            .flatten()
        {
            out.push(Value::Obj(l.clone()));
        }
        out
    }
}
