//! The watchdog thread of `dump_traceback_later(timeout, repeat, file,
//! exit)`: after each timeout it writes the "Timeout (H:MM:SS.ffffff)!"
//! header and the interpreter thread's stack, then exits the process with
//! `_exit(1)` when asked, and waits again when `repeat` is set.
//!
//! The dump must not wait for the program to reach a safe point: a
//! program stuck in `time.sleep` or in a long native call still gets its
//! stack dumped. It first asks for one all the same, because a running
//! interpreter keeps the current instruction in a register: the watchdog
//! sets the trap (`TRAP_ASYNC`) and lets the interpreter write the dump
//! itself at its next instruction (exact line numbers, no racing reads):
//! for up to `GRACE` while the interpreter thread is running or runnable
//! (it may just be waiting for a CPU), for `BLOCKED_GRACE` when it sleeps
//! in a system call. If the interpreter does not get there in time (it is
//! blocked, or busy in native code), the watchdog dumps the frames itself
//! with racy reads, as CPython's watchdog always does, and
//! an interpreter reaching its next instruction meanwhile waits for the
//! dump to finish. `HANDOFF` decides, by compare-and-swap, who dumps.
//!
//! Invariants: at most one watchdog runs (`WATCHDOG`, touched only by
//! interpreter-thread calls); the thread blocks every signal, so signal
//! handlers never run on it; `HANDOFF` is IDLE whenever no dump is under
//! way.

use std::sync::atomic::{AtomicI32, AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::dump;

/// How long a running interpreter gets to dump at a safe point.
const GRACE: Duration = Duration::from_millis(250);
/// The same for an interpreter thread blocked in a system call (it will
/// not get there soon), or whose state cannot be read.
const BLOCKED_GRACE: Duration = Duration::from_millis(2);
const UNKNOWN_GRACE: Duration = Duration::from_millis(20);

const IDLE: u8 = 0;
/// The watchdog wants a dump to `HANDOFF_FD`.
const REQUESTED: u8 = 1;
/// The interpreter thread is dumping at a safe point.
const BY_INTERPRETER: u8 = 2;
/// The watchdog is dumping; the interpreter must not run meanwhile.
const BY_WATCHDOG: u8 = 3;
const DONE: u8 = 4;

static HANDOFF: AtomicU8 = AtomicU8::new(IDLE);
static HANDOFF_FD: AtomicI32 = AtomicI32::new(-1);

/// The running watchdog: its cancel flag and thread.
struct Watchdog {
    cancel: Arc<(Mutex<bool>, Condvar)>,
    thread: JoinHandle<()>,
}

static WATCHDOG: Mutex<Option<Watchdog>> = Mutex::new(None);

/// What one watchdog does.
pub(super) struct Plan {
    pub fd: i32,
    pub timeout: Duration,
    pub repeat: bool,
    pub exit: bool,
    /// "Timeout (0:00:00.500000)!\n"
    pub header: String,
}

/// CPython's `format_timeout`: "Timeout (H:MM:SS)!" with ".ffffff" when
/// the timeout has a fraction of a second.
pub(super) fn header(timeout_us: u64) -> String {
    let (secs, us) = (timeout_us / 1_000_000, timeout_us % 1_000_000);
    let (hours, mins, secs) = (secs / 3600, secs / 60 % 60, secs % 60);
    if us != 0 {
        format!("Timeout ({hours}:{mins:02}:{secs:02}.{us:06})!\n")
    } else {
        format!("Timeout ({hours}:{mins:02}:{secs:02})!\n")
    }
}

/// Starts a watchdog (the caller cancelled any previous one).
pub(super) fn start(plan: Plan) -> std::io::Result<()> {
    let cancel = Arc::new((Mutex::new(false), Condvar::new()));
    let flag = cancel.clone();
    let thread = std::thread::Builder::new()
        .name("faulthandler".into())
        .spawn(move || run(plan, &flag))?;
    *lock(&WATCHDOG) = Some(Watchdog { cancel, thread });
    Ok(())
}

/// Stops the watchdog, if any, and waits for its thread to end (a dump
/// under way is finished first).
pub(super) fn cancel() {
    let Some(w) = lock(&WATCHDOG).take() else {
        return;
    };
    *lock(&w.cancel.0) = true;
    w.cancel.1.notify_all();
    let _ = w.thread.join();
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The watchdog thread's body.
fn run(plan: Plan, cancel: &(Mutex<bool>, Condvar)) {
    block_all_signals();
    loop {
        if wait_cancelled(cancel, plan.timeout) {
            return;
        }
        let mut out = dump::Out::new(plan.fd);
        out.put(plan.header.as_bytes());
        drop(out);
        let ok = dump_now(plan.fd);
        if plan.exit {
            // SAFETY: _exit ends the process at once, as CPython's
            // watchdog does; no Rust state needs to be unwound.
            unsafe { libc::_exit(1) };
        }
        if !(ok && plan.repeat) {
            return;
        }
    }
}

/// Waits `timeout` unless cancelled first; true when cancelled.
fn wait_cancelled(cancel: &(Mutex<bool>, Condvar), timeout: Duration) -> bool {
    let start = Instant::now();
    let mut cancelled = lock(&cancel.0);
    while !*cancelled {
        let Some(left) = timeout
            .checked_sub(start.elapsed())
            .filter(|d| !d.is_zero())
        else {
            return false;
        };
        cancelled = cancel
            .1
            .wait_timeout(cancelled, left)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
    true
}

/// One dump of the interpreter's stack, by the interpreter at a safe
/// point if it gets there within `GRACE`, else by this thread.
fn dump_now(fd: i32) -> bool {
    HANDOFF_FD.store(fd, Ordering::SeqCst);
    HANDOFF.store(REQUESTED, Ordering::SeqCst);
    if !dump::interrupt_interpreter() {
        HANDOFF.store(IDLE, Ordering::SeqCst);
        return false;
    }
    let start = Instant::now();
    while HANDOFF.load(Ordering::SeqCst) == REQUESTED {
        let waited = start.elapsed();
        let limit = match dump::interpreter_running() {
            Some(true) => GRACE,
            Some(false) => BLOCKED_GRACE,
            None => UNKNOWN_GRACE,
        };
        if waited >= limit {
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let ok = match HANDOFF.compare_exchange(
        REQUESTED,
        BY_WATCHDOG,
        Ordering::SeqCst,
        Ordering::SeqCst,
    ) {
        Ok(_) => {
            let ok = dump::dump_threads(fd, false).is_ok();
            HANDOFF.store(DONE, Ordering::SeqCst);
            ok
        }
        Err(_) => {
            // The interpreter took it: wait for its dump to end.
            while HANDOFF.load(Ordering::SeqCst) != DONE {
                std::thread::sleep(Duration::from_micros(200));
            }
            true
        }
    };
    HANDOFF.store(IDLE, Ordering::SeqCst);
    ok
}

/// Called by the interpreter thread at a safe point when `TRAP_ASYNC` was
/// set: writes a requested dump, or waits while the watchdog is reading
/// the frames so they do not change under it.
pub(crate) fn at_safe_point() {
    match HANDOFF.compare_exchange(
        REQUESTED,
        BY_INTERPRETER,
        Ordering::SeqCst,
        Ordering::SeqCst,
    ) {
        Ok(_) => {
            // Written as the watchdog would ("Thread 0x..."): CPython's
            // watchdog is not the current thread of its dump.
            let _ = dump::dump_threads(HANDOFF_FD.load(Ordering::SeqCst), false);
            HANDOFF.store(DONE, Ordering::SeqCst);
        }
        Err(BY_WATCHDOG) => {
            while HANDOFF.load(Ordering::SeqCst) == BY_WATCHDOG {
                std::thread::yield_now();
            }
        }
        Err(_) => {}
    }
}

/// The watchdog never runs signal handlers (CPython's does the same).
fn block_all_signals() {
    // SAFETY: sigfillset/pthread_sigmask on a valid local set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut set);
        libc::pthread_sigmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::header;

    #[test]
    fn timeout_headers() {
        assert_eq!(header(500_000), "Timeout (0:00:00.500000)!\n");
        assert_eq!(header(1), "Timeout (0:00:00.000001)!\n");
        assert_eq!(header(3_600_000_000), "Timeout (1:00:00)!\n");
        assert_eq!(header(90_061_250_000), "Timeout (25:01:01.250000)!\n");
    }
}
