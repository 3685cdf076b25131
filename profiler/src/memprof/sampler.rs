//! Memory over time, for `memory_usage` and `mprof run`: samples of
//! (MiB, unix time) taken every `interval` seconds while a program runs in
//! this process.
//!
//! With the `'rss'` backend a native thread reads `/proc/self/statm`; it
//! takes one sample when started, then one per interval, and a last one
//! after it is told to stop (memory_profiler's `MemTimer` does the same
//! from a child process). With a `path` it appends `MEM <MiB> <time>` lines
//! to that file (mprof's format) instead of keeping them. The `'heap'`
//! backend counts live bytes of this interpreter, which only its own thread
//! may read: it samples from a native hook, on calls, returns and line
//! events, whenever an interval has passed since its last sample.
//!
//! Invariants: the thread touches no interpreter state; `stop` joins it
//! before returning, so a stopped sampler holds no thread.

use std::cell::RefCell;
use std::fs::OpenOptions;
use std::io::Write;
use std::rc::Rc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mini_interpreter::hooks::{EventInfo, NativeHook};

use super::measure::{heap_bytes, Rss, MIB};

/// Seconds since the epoch, as `time.time()`.
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The result of a sampling run: the samples, or the error writing them.
pub type Samples = Result<Vec<(f64, f64)>, String>;

/// A running RSS sampler thread.
pub struct RssThread {
    stop: Arc<(Mutex<bool>, Condvar)>,
    handle: JoinHandle<Samples>,
}

impl RssThread {
    /// Starts sampling every `interval` seconds; with `path`, samples are
    /// appended to that file as `MEM` lines (and not returned).
    pub fn start(interval: f64, path: Option<String>) -> Result<RssThread, String> {
        let mut out = match &path {
            Some(p) => Some(
                OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(p)
                    .map_err(|e| format!("{p}: {e}"))?,
            ),
            None => None,
        };
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let flag = stop.clone();
        let rss = Rss::open();
        // The baseline sample is taken before the caller goes on.
        let first = (rss.bytes() as f64 / MIB, unix_now());
        let period = Duration::from_secs_f64(interval.max(1e-6));
        let to_file = out.is_some();
        let handle = std::thread::spawn(move || {
            let mut samples = vec![first];
            let mut lines = 0;
            let mut emit = |s: (f64, f64), samples: &mut Vec<(f64, f64)>| -> Result<(), String> {
                match out.as_mut() {
                    Some(f) => {
                        writeln!(f, "MEM {:.6} {:.4}", s.0, s.1).map_err(|e| e.to_string())?;
                        lines += 1;
                        if lines > 50 {
                            lines = 0;
                            f.flush().map_err(|e| e.to_string())?;
                        }
                    }
                    None => samples.push(s),
                }
                Ok(())
            };
            if to_file {
                samples.clear();
                emit(first, &mut samples)?;
            }
            let (lock, cv) = &*flag;
            let mut deadline = Instant::now() + period;
            loop {
                let s = (rss.bytes() as f64 / MIB, unix_now());
                emit(s, &mut samples)?;
                let mut stopped = lock.lock().map_err(|e| e.to_string())?;
                if *stopped {
                    break;
                }
                // Wait for the next tick or the stop request.
                loop {
                    let now = Instant::now();
                    if *stopped || now >= deadline {
                        break;
                    }
                    stopped = cv
                        .wait_timeout(stopped, deadline - now)
                        .map_err(|e| e.to_string())?
                        .0;
                }
                let was_stopped = *stopped;
                drop(stopped);
                deadline += period;
                if was_stopped {
                    // One more sample after the stop, as MemTimer takes.
                    let s = (rss.bytes() as f64 / MIB, unix_now());
                    emit(s, &mut samples)?;
                    break;
                }
            }
            // `File` writes are unbuffered: every line is in the file now.
            Ok(samples)
        });
        Ok(RssThread { stop, handle })
    }

    /// Stops the thread and returns its samples.
    pub fn stop(self) -> Samples {
        {
            let (lock, cv) = &*self.stop;
            if let Ok(mut s) = lock.lock() {
                *s = true;
            }
            cv.notify_all();
        }
        self.handle
            .join()
            .unwrap_or_else(|_| Err("sampler thread failed".into()))
    }
}

/// Samples of the live heap taken from hook events.
pub struct HeapTicks {
    pub samples: Vec<(f64, f64)>,
    period: Duration,
    next: Instant,
}

impl HeapTicks {
    pub fn new(interval: f64) -> HeapTicks {
        let period = Duration::from_secs_f64(interval.max(1e-6));
        HeapTicks {
            samples: vec![(heap_bytes() as f64 / MIB, unix_now())],
            period,
            next: Instant::now() + period,
        }
    }

    /// The sample taken at the end.
    pub fn finish(&mut self) {
        self.samples.push((heap_bytes() as f64 / MIB, unix_now()));
    }
}

/// The hook that feeds `HeapTicks`: every frame raises line events, and
/// any event past the next tick takes a sample.
pub struct HeapHook {
    pub ticks: Rc<RefCell<HeapTicks>>,
}

impl NativeHook for HeapHook {
    fn event(&mut self, _info: &EventInfo<'_>) {
        let Ok(mut t) = self.ticks.try_borrow_mut() else {
            return;
        };
        let now = Instant::now();
        if now >= t.next {
            t.samples.push((heap_bytes() as f64 / MIB, unix_now()));
            t.next = now + t.period;
        }
    }

    fn wants_lines(&self) -> bool {
        true
    }
}
