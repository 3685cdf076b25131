//! The `signal` module and signal delivery. The OS-level handler only
//! records the signal in an atomic flag and sets the interpreter's trap;
//! the Python handler (or KeyboardInterrupt for an unhandled SIGINT) runs
//! at the next safe point of the dispatch loop, as in CPython.
//! Invariant: `MAIN_TRAP` is either null or points at the trap of a live
//! interpreter (cleared in `Vm::drop`).

use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::trap::{Trap, TRAP_SIGNAL};
use crate::vm::{PyResult, Vm};

const NSIG: usize = 65;
const SIGINT: i64 = 2;
const SIG_DFL: usize = 0;
const SIG_IGN: usize = 1;

#[allow(clippy::declare_interior_mutable_const)]
const UNSET: AtomicBool = AtomicBool::new(false);
static PENDING: [AtomicBool; NSIG] = [UNSET; NSIG];
static ANY_PENDING: AtomicBool = AtomicBool::new(false);
static MAIN_TRAP: AtomicPtr<Trap> = AtomicPtr::new(std::ptr::null_mut());

extern "C" fn on_signal(sig: i32) {
    if (sig as usize) < NSIG {
        PENDING[sig as usize].store(true, Ordering::SeqCst);
        ANY_PENDING.store(true, Ordering::SeqCst);
    }
    let t = MAIN_TRAP.load(Ordering::SeqCst);
    if !t.is_null() {
        // SAFETY: MAIN_TRAP is null or points at a live interpreter's trap
        // (module invariant); `set` is a single atomic operation, which is
        // async-signal-safe.
        unsafe { (*t).set(TRAP_SIGNAL) };
    }
}

extern "C" {
    #[link_name = "signal"]
    fn c_signal(sig: i32, handler: usize) -> usize;
}

fn set_os_handler(sig: i64, handler: usize) -> bool {
    // SAFETY: `handler` is SIG_DFL, SIG_IGN or `on_signal`, which only does
    // atomic stores; libc's signal() is safe to call from this thread.
    unsafe { c_signal(sig as i32, handler) != usize::MAX }
}

/// Routes SIGINT to this interpreter (the binary calls this once).
pub fn install_sigint(vm: &Vm) {
    MAIN_TRAP.store(&*vm.trap as *const Trap as *mut Trap, Ordering::SeqCst);
    set_os_handler(SIGINT, on_signal as *const () as usize);
}

/// Blocks every signal on the calling thread, so that the kernel
/// delivers process-directed signals (Ctrl-C, `kill`, `os.kill` of our own
/// pid, SIGSEGV or SIGFPE sent with kill included) to the interpreter
/// thread, where CPython's main thread gets them: handlers such as
/// faulthandler's then see the interrupted interpreter as the current
/// thread, and a signal sent by `os.kill` is handled before the call
/// returns. The binary's main thread, which only waits for the interpreter
/// thread, calls this after starting it; it executes nothing that could
/// fault (a real fault is delivered to the faulting thread regardless).
pub fn leave_signals_to_other_threads() {
    // SAFETY: sigfillset/pthread_sigmask on a valid local set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut set);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

pub fn clear_main_trap() {
    MAIN_TRAP.store(std::ptr::null_mut(), Ordering::SeqCst);
}

/// True when a signal arrived and its handler has not run yet.
pub fn signal_pending() -> bool {
    ANY_PENDING.load(Ordering::SeqCst)
}

const M: &str = "signal";

/// `signal.default_int_handler`, the same object every time it is asked for.
fn default_int_handler_obj(vm: &mut Vm) -> Value {
    let key = "signal.default_int_handler";
    if let Some(h) = vm.extra_types.get(key) {
        return Value::Obj(h.clone());
    }
    let h = vm.new_builtin(Some(M), "default_int_handler", default_int_handler);
    vm.extra_types.insert(key, h.clone());
    Value::Obj(h)
}

/// The Python-visible handler of `sig` (what `getsignal` returns).
fn current_handler(vm: &mut Vm, sig: i64) -> Value {
    match vm.signal_handlers.get(&sig) {
        Some(h) => h.clone(),
        None if sig == SIGINT => default_int_handler_obj(vm),
        None => Value::Int(SIG_DFL as i64),
    }
}

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    let dih = default_int_handler_obj(vm);
    Ok(vm.make_module("signal", |vm, d| {
        vm.add_function(d, M, "signal", signal_fn);
        vm.add_function(d, M, "getsignal", getsignal);
        vm.add_function(d, M, "raise_signal", raise_signal);
        vm.set_in(d, "default_int_handler", dih);
        // Linux's numbers, as CPython's signal module lists them.
        for (n, v) in [
            ("SIGHUP", 1),
            ("SIGINT", 2),
            ("SIGQUIT", 3),
            ("SIGILL", 4),
            ("SIGTRAP", 5),
            ("SIGABRT", 6),
            ("SIGIOT", 6),
            ("SIGBUS", 7),
            ("SIGFPE", 8),
            ("SIGKILL", 9),
            ("SIGUSR1", 10),
            ("SIGSEGV", 11),
            ("SIGUSR2", 12),
            ("SIGPIPE", 13),
            ("SIGALRM", 14),
            ("SIGTERM", 15),
            ("SIGSTKFLT", 16),
            ("SIGCHLD", 17),
            ("SIGCLD", 17),
            ("SIGCONT", 18),
            ("SIGSTOP", 19),
            ("SIGTSTP", 20),
            ("SIGTTIN", 21),
            ("SIGTTOU", 22),
            ("SIGURG", 23),
            ("SIGXCPU", 24),
            ("SIGXFSZ", 25),
            ("SIGVTALRM", 26),
            ("SIGPROF", 27),
            ("SIGWINCH", 28),
            ("SIGIO", 29),
            ("SIGPOLL", 29),
            ("SIGPWR", 30),
            ("SIGSYS", 31),
            ("SIGRTMIN", 34),
            ("SIGRTMAX", 64),
            ("SIG_DFL", SIG_DFL as i64),
            ("SIG_IGN", SIG_IGN as i64),
            ("NSIG", NSIG as i64),
        ] {
            vm.set_in(d, n, Value::Int(v));
        }
    }))
}

fn signal_number(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    let sig = vm.index_value(v)?;
    if sig < 1 || sig as usize >= NSIG {
        return Err(vm.value_error("signal number out of range"));
    }
    Ok(sig)
}

fn signal_fn(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "signal", 2, 2)?;
    let sig = signal_number(vm, &args.pos[0])?;
    let handler = args.pos[1].clone();
    let os = match &handler {
        Value::Int(n) if *n as usize == SIG_DFL || *n as usize == SIG_IGN => *n as usize,
        h if super::builtins::is_callable(vm, h) => on_signal as *const () as usize,
        _ => {
            return Err(vm.type_error(
                "signal handler must be signal.SIG_IGN, signal.SIG_DFL, or a callable object",
            ));
        }
    };
    if sig == 9 || sig == 19 || !set_os_handler(sig, os) {
        return Err(vm.os_error_errno(22, "Invalid argument"));
    }
    let old = current_handler(vm, sig);
    vm.signal_handlers.insert(sig, handler);
    Ok(old)
}

fn getsignal(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "getsignal", 1, 1)?;
    let sig = signal_number(vm, &args.pos[0])?;
    Ok(current_handler(vm, sig))
}

fn raise_signal(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "raise_signal", 1, 1)?;
    let sig = signal_number(vm, &args.pos[0])?;
    extern "C" {
        fn raise(sig: i32) -> i32;
    }
    // SAFETY: raise() delivers the signal to this thread; handlers we install
    // only set flags.
    unsafe { raise(sig as i32) };
    vm.run_pending_signals()?;
    Ok(Value::None)
}

fn default_int_handler(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    let c = vm.types.exc.keyboard_interrupt.clone();
    let e = vm.new_exception(&c, vec![]);
    Err(crate::vm::PyErr { exc: e })
}

impl Vm {
    /// Runs the Python handlers of the signals that arrived (SIGINT without
    /// one raises KeyboardInterrupt).
    pub fn run_pending_signals(&mut self) -> PyResult<()> {
        if !ANY_PENDING.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        for (sig, flag) in PENDING.iter().enumerate() {
            if !flag.swap(false, Ordering::SeqCst) {
                continue;
            }
            let h = current_handler(self, sig as i64);
            if matches!(h, Value::Int(_)) {
                continue;
            }
            let frame = match self.frames.len() {
                0 => Value::None,
                n => Value::Obj(self.frame_object(n - 1)),
            };
            self.call(&h, vec![Value::Int(sig as i64), frame])?;
        }
        Ok(())
    }
}
