//! faulthandler's OS signal handlers: the fatal ones `enable()` installs
//! for SIGSEGV, SIGFPE, SIGABRT, SIGBUS and SIGILL ("Fatal Python error:
//! ..." and the stack, then the previous handler runs), and the user ones
//! `register(signum)` installs (the stack, then optionally the previous
//! handler). Handlers only read atomics, call the async-signal-safe dumper
//! (`dump.rs`), sigaction(2) and raise(3).
//!
//! Invariants: a slot's `previous` action is written by the interpreter
//! thread only while the slot is disabled, before `enabled` is set with
//! release ordering; handlers read it only after seeing `enabled` (acquire).
//! Handlers run on an alternate signal stack (`ensure_altstack`), so a
//! stack overflow can still be reported.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use super::dump;

/// Signal numbers are below this (Linux's `_NSIG`, CPython's `Py_NSIG`).
pub(super) const NSIG: i32 = 65;

/// A saved `struct sigaction`, shared between the interpreter thread and
/// the handlers under the module invariant.
struct Saved(UnsafeCell<MaybeUninit<libc::sigaction>>);

// SAFETY: access follows the `enabled` protocol of the module invariant.
unsafe impl Sync for Saved {}

impl Saved {
    const fn new() -> Saved {
        Saved(UnsafeCell::new(MaybeUninit::zeroed()))
    }

    fn ptr(&self) -> *mut libc::sigaction {
        self.0.get().cast()
    }
}

struct Fatal {
    signum: i32,
    name: &'static [u8],
    enabled: AtomicBool,
    previous: Saved,
}

/// CPython's table, SIGSEGV last (`faulthandler_handlers`).
static FATAL: [Fatal; 5] = [
    Fatal::new(libc::SIGBUS, b"Bus error"),
    Fatal::new(libc::SIGILL, b"Illegal instruction"),
    Fatal::new(libc::SIGFPE, b"Floating point exception"),
    Fatal::new(libc::SIGABRT, b"Aborted"),
    Fatal::new(libc::SIGSEGV, b"Segmentation fault"),
];

impl Fatal {
    const fn new(signum: i32, name: &'static [u8]) -> Fatal {
        Fatal {
            signum,
            name,
            enabled: AtomicBool::new(false),
            previous: Saved::new(),
        }
    }
}

static FATAL_ENABLED: AtomicBool = AtomicBool::new(false);
static FATAL_FD: AtomicI32 = AtomicI32::new(2);
static FATAL_ALL_THREADS: AtomicBool = AtomicBool::new(true);

struct User {
    enabled: AtomicBool,
    fd: AtomicI32,
    all_threads: AtomicBool,
    chain: AtomicBool,
    previous: Saved,
}

#[allow(clippy::declare_interior_mutable_const)]
const USER_INIT: User = User {
    enabled: AtomicBool::new(false),
    fd: AtomicI32::new(-1),
    all_threads: AtomicBool::new(true),
    chain: AtomicBool::new(false),
    previous: Saved::new(),
};
static USER: [User; NSIG as usize] = [USER_INIT; NSIG as usize];

/// Set while a handler dumps, so a fault inside the dump does not recurse.
static DUMPING: AtomicBool = AtomicBool::new(false);

fn errno_location() -> *mut i32 {
    // SAFETY: returns this thread's errno slot; async-signal-safe.
    unsafe { libc::__errno_location() }
}

/// CPython's `faulthandler_dump_traceback`: all threads, or the current
/// thread's stack when it runs the interpreter; at most one at a time.
fn dump_from_handler(fd: i32, all_threads: bool) {
    if DUMPING.swap(true, Ordering::AcqRel) {
        return;
    }
    if all_threads {
        let _ = dump::dump_threads(fd, dump::on_interpreter_thread());
    } else if dump::on_interpreter_thread() {
        dump::dump_stack(fd);
    }
    DUMPING.store(false, Ordering::Release);
}

/// Installs `handler` for `signum` with `flags` (plus SA_ONSTACK), saving
/// the previous action in `previous` when given.
fn install(
    signum: i32,
    handler: extern "C" fn(i32),
    flags: i32,
    previous: Option<*mut libc::sigaction>,
) -> std::io::Result<()> {
    // SAFETY: a zeroed sigaction is a valid value; sigemptyset and
    // sigaction get valid pointers (`previous` points at a Saved slot).
    let r = unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler as usize;
        libc::sigemptyset(&mut action.sa_mask);
        action.sa_flags = flags | libc::SA_ONSTACK;
        libc::sigaction(signum, &action, previous.unwrap_or(std::ptr::null_mut()))
    };
    if r != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// The alternate signal stacks made by `ensure_altstack`, by thread: kept
/// for the life of the process and reused when a thread needs one again
/// (after `disable` removed it), so enabling repeatedly allocates nothing
/// new and leak checkers see the stacks as kept.
static ALTSTACKS: std::sync::Mutex<Vec<(u64, usize)>> = std::sync::Mutex::new(Vec::new());

/// Gives the calling thread an alternate signal stack if it has none (the
/// Rust runtime gives threads one; this covers embedders' threads).
pub(super) fn ensure_altstack() -> std::io::Result<()> {
    const SIZE: usize = 64 * 1024;
    // SAFETY: sigaltstack reads/writes the stack_t values we pass; the new
    // stack is leaked on purpose so it outlives every handler invocation.
    unsafe {
        let mut old: libc::stack_t = std::mem::zeroed();
        if libc::sigaltstack(std::ptr::null(), &mut old) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if old.ss_flags & libc::SS_DISABLE == 0 && old.ss_size >= 16 * 1024 {
            return Ok(());
        }
        let thread = libc::pthread_self() as u64;
        let mut stacks = ALTSTACKS.lock().unwrap_or_else(|e| e.into_inner());
        let sp = match stacks.iter().find(|(t, _)| *t == thread) {
            Some(&(_, p)) => p as *mut u8,
            None => {
                let mem: &'static mut [u8] = Box::leak(vec![0u8; SIZE].into_boxed_slice());
                stacks.push((thread, mem.as_mut_ptr() as usize));
                mem.as_mut_ptr()
            }
        };
        drop(stacks);
        let new = libc::stack_t {
            ss_sp: sp.cast(),
            ss_flags: 0,
            ss_size: SIZE,
        };
        if libc::sigaltstack(&new, std::ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Handler of the fatal signals (CPython's `faulthandler_fatal_error`).
extern "C" fn fatal_handler(signum: i32) {
    let errno = errno_location();
    // SAFETY: errno_location is this thread's errno.
    let saved_errno = unsafe { *errno };
    if !FATAL_ENABLED.load(Ordering::Acquire) {
        return;
    }
    let Some(slot) = FATAL.iter().find(|s| s.signum == signum) else {
        return;
    };
    disable_fatal_slot(slot);
    let fd = FATAL_FD.load(Ordering::Acquire);
    {
        let mut out = dump::Out::new(fd);
        out.put(b"Fatal Python error: ");
        out.put(slot.name);
        out.put(b"\n\n");
    }
    dump_from_handler(fd, FATAL_ALL_THREADS.load(Ordering::Acquire));
    // SAFETY: restoring this thread's errno.
    unsafe { *errno = saved_errno };
    // The previous handler is back in place and SA_NODEFER lets the
    // signal through at once.
    raise_fatal(signum);
    // SAFETY: as above.
    unsafe { *errno = saved_errno };
}

/// raise(3) for a signal meant to end the process, delivered a second
/// time if the handler in place returned after putting back the default
/// action: the Rust runtime's SIGSEGV/SIGBUS handler does that, counting
/// on the faulting instruction to fault again, but a signal sent with
/// kill() or raise() does not come back on its own. Async-signal-safe.
pub(super) fn raise_fatal(signum: i32) {
    // SAFETY: raise(3) and sigaction(2) with a valid signal number and a
    // valid out-pointer; both are async-signal-safe.
    unsafe {
        libc::raise(signum);
        let mut now: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(signum, std::ptr::null(), &mut now) == 0
            && now.sa_sigaction == libc::SIG_DFL
        {
            libc::raise(signum);
        }
    }
}

/// Puts back the action a fatal slot replaced.
fn disable_fatal_slot(slot: &Fatal) {
    if !slot.enabled.swap(false, Ordering::AcqRel) {
        return;
    }
    // SAFETY: `previous` was filled by sigaction before `enabled` was set.
    unsafe { libc::sigaction(slot.signum, slot.previous.ptr(), std::ptr::null_mut()) };
}

/// `enable()`: (re)targets the fatal handlers at `fd` and installs them
/// if they are not installed yet.
pub(super) fn enable_fatal(fd: i32, all_threads: bool) -> std::io::Result<()> {
    FATAL_FD.store(fd, Ordering::Release);
    FATAL_ALL_THREADS.store(all_threads, Ordering::Release);
    if FATAL_ENABLED.swap(true, Ordering::AcqRel) {
        return Ok(());
    }
    ensure_altstack()?;
    for slot in &FATAL {
        // The handler may be re-entered by a fault inside itself.
        install(
            slot.signum,
            fatal_handler,
            libc::SA_NODEFER,
            Some(slot.previous.ptr()),
        )?;
        slot.enabled.store(true, Ordering::Release);
    }
    Ok(())
}

/// `disable()`: restores the previous handlers; false if not enabled.
pub(super) fn disable_fatal() -> bool {
    if !FATAL_ENABLED.swap(false, Ordering::AcqRel) {
        return false;
    }
    for slot in &FATAL {
        disable_fatal_slot(slot);
    }
    true
}

pub(super) fn fatal_enabled() -> bool {
    FATAL_ENABLED.load(Ordering::Acquire)
}

/// True for the signals `enable()` owns (CPython refuses to `register`
/// them).
pub(super) fn is_fatal_signal(signum: i32) -> bool {
    FATAL.iter().any(|s| s.signum == signum)
}

/// Handler of `register()`ed signals (CPython's `faulthandler_user`).
extern "C" fn user_handler(signum: i32) {
    let errno = errno_location();
    // SAFETY: errno_location is this thread's errno.
    let saved_errno = unsafe { *errno };
    let Some(slot) = USER.get(signum as usize) else {
        return;
    };
    if !slot.enabled.load(Ordering::Acquire) {
        return;
    }
    dump_from_handler(
        slot.fd.load(Ordering::Acquire),
        slot.all_threads.load(Ordering::Acquire),
    );
    if slot.chain.load(Ordering::Acquire) {
        // SAFETY: `previous` was saved before `enabled` was set; the
        // calls are async-signal-safe.
        unsafe {
            libc::sigaction(signum, slot.previous.ptr(), std::ptr::null_mut());
            *errno = saved_errno;
            libc::raise(signum);
        }
        let _ = install(signum, user_handler, libc::SA_NODEFER, None);
    }
    // SAFETY: restoring this thread's errno.
    unsafe { *errno = saved_errno };
}

/// `register(signum, ...)`: installs the dump handler unless it already
/// is, and (re)sets where and how it dumps.
pub(super) fn register(
    signum: i32,
    fd: i32,
    all_threads: bool,
    chain: bool,
) -> std::io::Result<()> {
    let slot = &USER[signum as usize];
    if !slot.enabled.load(Ordering::Acquire) {
        ensure_altstack()?;
        let flags = if chain {
            libc::SA_NODEFER
        } else {
            libc::SA_RESTART
        };
        install(signum, user_handler, flags, Some(slot.previous.ptr()))?;
    }
    slot.fd.store(fd, Ordering::Release);
    slot.all_threads.store(all_threads, Ordering::Release);
    slot.chain.store(chain, Ordering::Release);
    slot.enabled.store(true, Ordering::Release);
    Ok(())
}

/// `unregister(signum)`: restores the previous action; false if the
/// signal was not registered.
pub(super) fn unregister(signum: i32) -> bool {
    let slot = &USER[signum as usize];
    if !slot.enabled.swap(false, Ordering::AcqRel) {
        return false;
    }
    // SAFETY: `previous` was saved when the slot was enabled.
    unsafe { libc::sigaction(signum, slot.previous.ptr(), std::ptr::null_mut()) };
    slot.fd.store(-1, Ordering::Release);
    true
}

/// Every registered user signal, for teardown.
pub(super) fn registered() -> impl Iterator<Item = i32> {
    (1..NSIG).filter(|&s| USER[s as usize].enabled.load(Ordering::Acquire))
}

/// CPython's `faulthandler_suppress_crash_report`: no core file for the
/// deliberate crashes of `_sigsegv()` and friends.
pub(super) fn suppress_crash_report() {
    // SAFETY: getrlimit/setrlimit on a valid struct.
    unsafe {
        let mut rl: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_CORE, &mut rl) == 0 {
            rl.rlim_cur = 0;
            libc::setrlimit(libc::RLIMIT_CORE, &rl);
        }
    }
}
