//! The `atexit` module: callbacks run (last registered first) when the
//! interpreter exits normally or through SystemExit.

use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

const M: &str = "atexit";

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    Ok(vm.make_module("atexit", |vm, d| {
        vm.add_function(d, M, "register", register);
        vm.add_function(d, M, "unregister", unregister);
        vm.add_function(d, M, "_run_exitfuncs", run_exitfuncs);
        vm.add_function(d, M, "_clear", clear);
    }))
}

fn register(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    if args.pos.is_empty() {
        return Err(vm.type_error("register() takes at least 1 argument (0 given)"));
    }
    let f = args.pos.remove(0);
    if !crate::modules::builtins::is_callable(vm, &f) {
        return Err(vm.type_error("the first argument must be callable"));
    }
    vm.atexit.push((f.clone(), args));
    Ok(f)
}

fn unregister(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "unregister", 1, 1)?;
    let f = args.pos[0].clone();
    let mut kept = Vec::new();
    for (g, a) in std::mem::take(&mut vm.atexit) {
        if !vm.eq(&g, &f)? {
            kept.push((g, a));
        }
    }
    vm.atexit = kept;
    Ok(Value::None)
}

fn run_exitfuncs(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    vm.run_atexit();
    Ok(Value::None)
}

fn clear(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    vm.atexit.clear();
    Ok(Value::None)
}

impl Vm {
    /// Runs the atexit callbacks, last registered first; errors are
    /// reported as CPython does and do not stop the others.
    pub fn run_atexit(&mut self) {
        while let Some((f, args)) = self.atexit.pop() {
            if let Err(e) = self.call_value(&f, args) {
                if self.err_is(&e, &self.types.exc.system_exit.clone()) {
                    continue;
                }
                let r = self.repr(&f).unwrap_or_default();
                self.report_unraisable(&e, &format!("Exception ignored in atexit callback: {r}"));
            }
        }
    }
}
