//! faulthandler's stack dumper: writes the interpreter thread's Python
//! stack in CPython 3.11's layout (`  File "path", line N in name`,
//! innermost first, at most 100 frames, names escaped to ASCII and cut at
//! 500 characters) straight to a file descriptor.
//!
//! Everything here is async-signal-safe: no allocation, no lock, no
//! formatting machinery, no panic (every index is checked by hand); output
//! goes through write(2) from a fixed buffer on the stack. The dumper runs
//! in three settings:
//! - on the interpreter thread inside a native call (`dump_traceback()`):
//!   nothing changes the frames while it reads them;
//! - in a signal handler (`enable`, `register`), usually on the interpreter
//!   thread, which it interrupted at an arbitrary instruction;
//! - on the watchdog thread (`dump_traceback_later`), while the interpreter
//!   thread is blocked, stuck in native code, or still running.
//!
//! Invariant: `TARGET` is empty or describes a live `Vm`: the address of
//! its `frames` vector, the pthread id of the thread that runs it and the
//! address of that thread's heap `collecting` flag. `publish` and `retract`
//! run on the interpreter thread, and the Vm retracts before it is freed
//! (`faulthandler::detach`), after the watchdog has been joined and the
//! signal handlers restored, so no reader outlives what it reads.

use std::mem::ManuallyDrop;
use std::ptr::{addr_of, read_volatile};
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use crate::compile::code::Code;
use crate::object::rc::ObjRef;
use crate::object::str::Str;
use crate::vm::frame::Frame;
use crate::vm::trap::{Trap, TRAP_ASYNC};
use crate::vm::Vm;

/// CPython's limits (Python/traceback.c).
const MAX_FRAME_DEPTH: usize = 100;
const MAX_STRING_LENGTH: usize = 500;

/// The interpreter whose stack is dumped.
struct Target {
    frames: AtomicPtr<Vec<Frame>>,
    thread: AtomicU64,
    /// The kernel's id of the interpreter thread (for /proc).
    tid: AtomicU64,
    collecting: AtomicPtr<bool>,
    trap: AtomicPtr<Trap>,
}

static TARGET: Target = Target {
    frames: AtomicPtr::new(std::ptr::null_mut()),
    thread: AtomicU64::new(0),
    tid: AtomicU64::new(0),
    collecting: AtomicPtr::new(std::ptr::null_mut()),
    trap: AtomicPtr::new(std::ptr::null_mut()),
};

/// The calling thread's pthread id (CPython's `threading.get_ident()`).
pub(super) fn thread_ident() -> u64 {
    // SAFETY: pthread_self has no preconditions and is async-signal-safe.
    unsafe { libc::pthread_self() as u64 }
}

/// Makes `vm` (running on the calling thread) the interpreter to dump.
pub(super) fn publish(vm: &Vm) {
    let collecting = crate::gc::heap::with_heap(|h| h.collecting.as_ptr());
    TARGET.thread.store(thread_ident(), Ordering::SeqCst);
    // SAFETY: gettid has no preconditions.
    TARGET
        .tid
        .store(unsafe { libc::gettid() } as u64, Ordering::SeqCst);
    TARGET.collecting.store(collecting, Ordering::SeqCst);
    TARGET
        .trap
        .store(&*vm.trap as *const Trap as *mut Trap, Ordering::SeqCst);
    TARGET
        .frames
        .store(addr_of!(vm.frames) as *mut Vec<Frame>, Ordering::SeqCst);
}

/// True when `vm` is the published interpreter.
pub(super) fn is_published(vm: &Vm) -> bool {
    std::ptr::eq(TARGET.frames.load(Ordering::SeqCst), addr_of!(vm.frames))
}

/// Forgets the published interpreter (readers see an empty target).
pub(super) fn retract() {
    TARGET.frames.store(std::ptr::null_mut(), Ordering::SeqCst);
    TARGET
        .collecting
        .store(std::ptr::null_mut(), Ordering::SeqCst);
    TARGET.trap.store(std::ptr::null_mut(), Ordering::SeqCst);
}

/// Whether the published interpreter's thread is running or runnable
/// (Linux's /proc state `R`), rather than blocked in a system call;
/// None when that cannot be told. For the watchdog only (it allocates).
pub(super) fn interpreter_running() -> Option<bool> {
    let tid = TARGET.tid.load(Ordering::SeqCst);
    if tid == 0 {
        return None;
    }
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    let state = stat.rsplit_once(')')?.1.trim_start().chars().next()?;
    Some(state == 'R')
}

/// Asks the published interpreter to stop at its next instruction
/// (`TRAP_ASYNC`); false when none is published.
pub(super) fn interrupt_interpreter() -> bool {
    let t = TARGET.trap.load(Ordering::SeqCst);
    if t.is_null() {
        return false;
    }
    // SAFETY: a published trap belongs to a live Vm (module invariant);
    // setting a bit is one atomic operation.
    unsafe { (*t).set(TRAP_ASYNC) };
    true
}

/// A small output buffer over a raw file descriptor. Write errors are
/// ignored (there is nowhere to report them), EINTR is retried.
pub(super) struct Out {
    fd: i32,
    len: usize,
    buf: [u8; 256],
}

impl Out {
    pub(super) fn new(fd: i32) -> Out {
        Out {
            fd,
            len: 0,
            buf: [0; 256],
        }
    }

    pub(super) fn put(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.len == self.buf.len() {
                self.flush();
            }
            let n = bytes.len().min(self.buf.len() - self.len);
            self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
            self.len += n;
            bytes = &bytes[n..];
        }
    }

    /// `v` in decimal.
    pub(super) fn dec(&mut self, mut v: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.put(&digits[i..]);
    }

    /// `v` in lowercase hexadecimal, zero-padded to `width` digits.
    pub(super) fn hex(&mut self, mut v: u64, width: usize) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut digits = [0u8; 16];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = HEX[(v & 15) as usize];
            v >>= 4;
            if v == 0 && digits.len() - i >= width.min(16) {
                break;
            }
        }
        self.put(&digits[i..]);
    }

    pub(super) fn flush(&mut self) {
        let mut done = 0;
        while done < self.len {
            let rest = &self.buf[done..self.len];
            // SAFETY: `rest` is a valid buffer of `rest.len()` bytes;
            // write(2) is async-signal-safe.
            let n = unsafe { libc::write(self.fd, rest.as_ptr().cast(), rest.len()) };
            if n > 0 {
                done += n as usize;
            } else if n < 0
                && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted
            {
                continue;
            } else {
                break;
            }
        }
        self.len = 0;
    }
}

impl Drop for Out {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Writes `text` as CPython's `_Py_DumpASCII` does: printable ASCII as is,
/// other code points as `\xNN`, `\uNNNN` or `\UNNNNNNNN`, at most 500 of
/// them, then `...` if there were more.
fn put_ascii(out: &mut Out, text: &[u8]) {
    // Bytes that are not UTF-8 can only come from a racy read of freed
    // memory; print the valid prefix.
    let text = match std::str::from_utf8(text) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&text[..e.valid_up_to()]).unwrap_or(""),
    };
    let mut truncated = false;
    for (count, ch) in text.chars().enumerate() {
        if count == MAX_STRING_LENGTH {
            truncated = true;
            break;
        }
        let c = ch as u32;
        if (0x20..0x7f).contains(&c) {
            out.put(&[c as u8]);
        } else if c <= 0xff {
            out.put(b"\\x");
            out.hex(c as u64, 2);
        } else if c <= 0xffff {
            out.put(b"\\u");
            out.hex(c as u64, 4);
        } else {
            out.put(b"\\U");
            out.hex(c as u64, 8);
        }
    }
    if truncated {
        out.put(b"...");
    }
}

/// The text of a str object, if `o` is one.
fn str_bytes(o: &ObjRef) -> Option<&[u8]> {
    o.downcast::<Str>().map(|s| s.as_str().as_bytes())
}

/// The line a frame is at, as `Frame::lineno` computes it (the `def` line
/// before the first instruction; an instruction without a line reports
/// the nearest line before it), with every index checked.
fn line_of(code: &Code, pc: usize) -> u32 {
    if pc == 0 {
        return code.firstlineno;
    }
    let positions = &code.positions[..];
    if positions.is_empty() {
        return code.firstlineno;
    }
    let mut i = (pc - 1).min(positions.len() - 1);
    loop {
        if positions[i].line != 0 {
            return positions[i].line;
        }
        if i == 0 {
            return code.firstlineno;
        }
        i -= 1;
    }
}

/// One `  File "path", line N in name` line.
///
/// # Safety
/// `f` must point at a frame slot of the published frame vector (see
/// `dump_frames` for what may be racing with the reads).
unsafe fn dump_frame(out: &mut Out, f: *const Frame) {
    // SAFETY: `f` is in bounds of the vector's buffer (caller). Volatile
    // reads of the two word-sized fields that change while a frame runs:
    // the compiler must not assume they are stable.
    let (code, pc) = unsafe {
        (
            read_volatile(addr_of!((*f).code_ptr)),
            read_volatile(addr_of!((*f).pc)),
        )
    };
    out.put(b"  File ");
    if code.is_null() {
        out.put(b"???, line ??? in ???\n");
        return;
    }
    // SAFETY: a frame holds a counted reference to its code object, so
    // `code_ptr` is valid while the frame is on the stack; code objects and
    // their name strings never change after compilation.
    let code = unsafe { &*code };
    match str_bytes(&code.filename) {
        Some(name) => {
            out.put(b"\"");
            put_ascii(out, name);
            out.put(b"\"");
        }
        None => out.put(b"???"),
    }
    out.put(b", line ");
    out.dec(line_of(code, pc) as u64);
    out.put(b" in ");
    match str_bytes(&code.name) {
        Some(name) => put_ascii(out, name),
        None => out.put(b"???"),
    }
    out.put(b"\n");
}

/// The frames of the vector at `frames`, innermost first.
///
/// # Safety
/// `frames` must be the address of a live `Vec<Frame>` (a published Vm's).
unsafe fn dump_frames(out: &mut Out, frames: *const Vec<Frame>) {
    // SAFETY: `frames` is live (caller). The vector header is copied with
    // a volatile read and never dropped (ManuallyDrop): we only look at
    // its pointer, length and capacity.
    //
    // What may race with this read, and why the dump stays bounded:
    // - On the interpreter thread inside a native call, nothing does.
    // - In a signal handler that interrupted the interpreter thread, a
    //   push or pop may be half done: the slots below `len` were written
    //   before `len` grew (push_frame_raw), so at worst the newest frame
    //   is missing or a just-popped one is shown.
    // - On the watchdog thread the interpreter may still be running. As in
    //   CPython's faulthandler, the frames are then read racily: word-sized
    //   aligned loads (no torn pointers on the supported targets), `len`
    //   checked against `capacity`, every index into a code object checked.
    //   A frame popped and its code object freed during the read can make
    //   the dump show garbage for that frame; this is the documented price
    //   of dumping a stack without stopping the program, and the watchdog
    //   first gives the interpreter a chance to dump itself at a safe point
    //   (see `watchdog.rs`).
    let v = unsafe { read_volatile(frames as *const ManuallyDrop<Vec<Frame>>) };
    let (base, len) = (v.as_ptr(), v.len());
    if len == 0 || len > v.capacity() {
        out.put(b"  <no Python frame>\n");
        return;
    }
    for depth in 0..len {
        if depth == MAX_FRAME_DEPTH {
            out.put(b"  ...\n");
            break;
        }
        // SAFETY: len - 1 - depth < len <= capacity: inside the buffer.
        unsafe { dump_frame(out, base.add(len - 1 - depth)) };
    }
}

/// CPython's `_Py_DumpTraceback`: "Stack (most recent call first):" and
/// the frames. Nothing is written when no interpreter is published.
pub(super) fn dump_stack(fd: i32) {
    let frames = TARGET.frames.load(Ordering::SeqCst);
    if frames.is_null() {
        return;
    }
    let mut out = Out::new(fd);
    out.put(b"Stack (most recent call first):\n");
    // SAFETY: a published frame vector is live (module invariant).
    unsafe { dump_frames(&mut out, frames) };
}

/// True when the calling thread runs the published interpreter.
pub(super) fn on_interpreter_thread() -> bool {
    !TARGET.frames.load(Ordering::SeqCst).is_null()
        && TARGET.thread.load(Ordering::SeqCst) == thread_ident()
}

/// CPython's `_Py_DumpTracebackThreads` for mini's one interpreter thread:
/// "Current thread 0x… (most recent call first):" when `current` (the dump
/// is made for the interpreter thread itself), "Thread 0x…" otherwise (the
/// watchdog's dumps, even when the interpreter wrote them at a safe point),
/// a "Garbage-collecting" line when the current thread is collecting, then
/// the frames. Returns CPython's error text when there is nothing to dump.
pub(super) fn dump_threads(fd: i32, current: bool) -> Result<(), &'static str> {
    let frames = TARGET.frames.load(Ordering::SeqCst);
    if frames.is_null() {
        return Err("unable to get the interpreter state");
    }
    let thread = TARGET.thread.load(Ordering::SeqCst);
    let mut out = Out::new(fd);
    out.put(if current {
        b"Current thread 0x".as_slice()
    } else {
        b"Thread 0x".as_slice()
    });
    out.hex(thread, 16);
    out.put(b" (most recent call first):\n");
    let collecting = TARGET.collecting.load(Ordering::SeqCst);
    // SAFETY: the flag lives in the interpreter thread's heap state, alive
    // while the interpreter is published; it is read only on that thread.
    if current && !collecting.is_null() && unsafe { read_volatile(collecting) } {
        out.put(b"  Garbage-collecting\n");
    }
    // SAFETY: a published frame vector is live (module invariant).
    unsafe { dump_frames(&mut out, frames) };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captured(f: impl FnOnce(&mut Out)) -> String {
        let mut fds = [0i32; 2];
        // SAFETY: `fds` has room for the two descriptors pipe() returns.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        {
            let mut out = Out::new(fds[1]);
            f(&mut out);
        }
        let mut buf = vec![0u8; 4096];
        // SAFETY: reading into a buffer of the given size; closing our fds.
        let n = unsafe {
            libc::close(fds[1]);
            let n = libc::read(fds[0], buf.as_mut_ptr().cast(), buf.len());
            libc::close(fds[0]);
            n
        };
        buf.truncate(n.max(0) as usize);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn numbers() {
        let s = captured(|o| {
            o.dec(0);
            o.put(b" ");
            o.dec(1234567890123);
            o.put(b" ");
            o.hex(0x7f12ab, 16);
            o.put(b" ");
            o.hex(0xe9, 2);
            o.put(b" ");
            o.hex(0x12345, 4);
        });
        assert_eq!(s, "0 1234567890123 00000000007f12ab e9 12345");
    }

    #[test]
    fn ascii_escapes_and_truncation() {
        let s = captured(|o| put_ascii(o, "fé中\u{1F600}\t".as_bytes()));
        assert_eq!(s, "f\\xe9\\u4e2d\\U0001f600\\x09");
        let long = "a".repeat(600);
        let s = captured(|o| put_ascii(o, long.as_bytes()));
        assert_eq!(s, format!("{}...", "a".repeat(500)));
        let exact = "b".repeat(500);
        assert_eq!(captured(|o| put_ascii(o, exact.as_bytes())), exact);
    }

    #[test]
    fn long_output_is_flushed_in_pieces() {
        let text = "x".repeat(1000);
        assert_eq!(captured(|o| o.put(text.as_bytes())), text);
    }
}
