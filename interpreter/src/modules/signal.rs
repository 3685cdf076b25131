//! The `signal` module (SIGINT, SIGUSR1, `signal.signal`) and the SIGINT
//! flag behind Ctrl-C → KeyboardInterrupt. The OS handler only sets an
//! atomic flag and the interpreter's trap; Python handlers run at the next
//! safe point.

use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::trap::{Trap, TRAP_SIGNAL};
use crate::vm::{PyResult, Vm};

static SIGINT: AtomicBool = AtomicBool::new(false);
static MAIN_TRAP: AtomicPtr<Trap> = AtomicPtr::new(std::ptr::null_mut());

extern "C" fn on_sigint(_sig: i32) {
    SIGINT.store(true, Ordering::SeqCst);
    let t = MAIN_TRAP.load(Ordering::SeqCst);
    if !t.is_null() {
        // SAFETY: the trap outlives the handler registration (cleared in
        // `Vm::drop` through `set_main_trap(null)`); `set` is an atomic op.
        unsafe { (*t).set(TRAP_SIGNAL) };
    }
}

extern "C" {
    fn signal(sig: i32, handler: usize) -> usize;
}

/// Routes SIGINT to this interpreter (the binary calls this once).
pub fn install_sigint(vm: &Vm) {
    MAIN_TRAP.store(&*vm.trap as *const Trap as *mut Trap, Ordering::SeqCst);
    // SAFETY: installing an async-signal-safe handler (it only does atomic stores).
    unsafe {
        signal(2, on_sigint as *const () as usize);
    }
}

pub fn clear_main_trap() {
    MAIN_TRAP.store(std::ptr::null_mut(), Ordering::SeqCst);
}

pub fn sigint_pending() -> bool {
    SIGINT.load(Ordering::SeqCst)
}

pub fn take_sigint() -> bool {
    SIGINT.swap(false, Ordering::SeqCst)
}

const M: &str = "signal";

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    Ok(vm.make_module("signal", |vm, d| {
        vm.add_function(d, M, "signal", signal_fn);
        vm.add_function(d, M, "getsignal", getsignal);
        vm.add_function(d, M, "default_int_handler", default_int_handler);
        for (n, v) in [("SIGINT", 2), ("SIGTERM", 15), ("SIGUSR1", 10), ("SIGUSR2", 12), ("SIGALRM", 14), ("SIG_DFL", 0), ("SIG_IGN", 1)] {
            vm.set_in(d, n, Value::Int(v));
        }
    }))
}

fn signal_fn(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "signal", 2, 2)?;
    let sig = vm.index_value(&args.pos[0])?;
    let old = vm.signal_handlers.get(&sig).cloned().unwrap_or(Value::Int(0));
    vm.signal_handlers.insert(sig, args.pos[1].clone());
    if sig == 2 {
        vm.sigint_handler = match &args.pos[1] {
            Value::Int(_) => None,
            h => Some(h.clone()),
        };
    }
    Ok(old)
}

fn getsignal(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "getsignal", 1, 1)?;
    let sig = vm.index_value(&args.pos[0])?;
    Ok(vm.signal_handlers.get(&sig).cloned().unwrap_or(Value::Int(0)))
}

fn default_int_handler(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    let c = vm.types.exc.keyboard_interrupt.clone();
    let e = vm.new_exception(&c, vec![]);
    Err(crate::vm::PyErr { exc: e })
}
