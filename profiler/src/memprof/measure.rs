//! Memory readings for `memory_profiler` and `mprof`: the process's
//! resident set size (`'rss'`, memory_profiler's default `'psutil'`
//! backend) read from `/proc/self/statm`, and mini's own count of live heap
//! bytes (`'heap'`, deterministic: the same program prints the same figures
//! on every run). Invariant: a reading is a byte count; callers convert to
//! MiB (bytes / 2**20) as memory_profiler does.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::time::{Duration, Instant};

/// Which memory a profiler reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Rss,
    Heap,
}

impl Backend {
    /// `'rss'` and `'psutil'` (memory_profiler's name for RSS) → Rss,
    /// `'heap'` → Heap.
    pub fn parse(name: &str) -> Option<Backend> {
        match name {
            "rss" | "psutil" => Some(Backend::Rss),
            "heap" => Some(Backend::Heap),
            _ => None,
        }
    }
}

/// Bytes per MiB.
pub const MIB: f64 = 1_048_576.0;

/// A reader of the resident set size. The statm file stays open and is
/// read with `pread`, one system call per reading.
pub struct Rss {
    file: Option<File>,
    page: u64,
}

impl Rss {
    pub fn open() -> Rss {
        Rss::open_path("/proc/self/statm")
    }

    /// The reader of another process (`None` when it does not exist).
    pub fn open_pid(pid: i64) -> Option<Rss> {
        let r = Rss::open_path(&format!("/proc/{pid}/statm"));
        r.file.is_some().then_some(r)
    }

    fn open_path(path: &str) -> Rss {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        Rss {
            file: File::open(path).ok(),
            page: if page > 0 { page as u64 } else { 4096 },
        }
    }

    /// The resident set size in bytes (0 when /proc is unreadable).
    pub fn bytes(&self) -> u64 {
        let Some(f) = &self.file else {
            return 0;
        };
        let mut buf = [0u8; 128];
        let n = f.read_at(&mut buf, 0).unwrap_or(0);
        // statm: "size resident shared text lib data dt" in pages.
        let mut fields = buf[..n].split(|b| *b == b' ');
        fields.next();
        let pages = fields
            .next()
            .map(|s| {
                s.iter()
                    .fold(0u64, |a, d| a * 10 + d.wrapping_sub(b'0') as u64)
            })
            .unwrap_or(0);
        pages * self.page
    }
}

/// mini's live heap bytes: object blocks, plus the container buffers
/// counted while a `'heap'` profiler runs (`buffers.rs`).
#[inline]
pub fn heap_bytes() -> u64 {
    let b = mini_interpreter::gc::heap::live_bytes() as i64 + super::buffers::buffer_bytes();
    b.max(0) as u64
}

/// How far the live heap may move, and how long may pass, before a gated
/// RSS reading reads `/proc` again.
const RSS_HEAP_STEP: u64 = 64 * 1024;
const RSS_MAX_AGE: Duration = Duration::from_millis(1);

/// A reader for one backend. `mib` reads every time; `mib_gated` (the
/// per-line reading of `LineMemory`) reads RSS again only when the live
/// heap moved by 64 KiB or a millisecond passed since the last reading,
/// and otherwise repeats it: a `/proc` read costs microseconds, far more
/// than a line of mini, and RSS only changes when memory is allocated,
/// freed or first touched.
pub struct Meter {
    pub backend: Backend,
    rss: Option<Rss>,
    /// Last RSS reading: (MiB, when, live heap bytes).
    last: std::cell::Cell<(f64, Option<Instant>, u64)>,
}

impl Meter {
    pub fn new(backend: Backend) -> Meter {
        Meter {
            backend,
            rss: (backend == Backend::Rss).then(Rss::open),
            last: std::cell::Cell::new((0.0, None, 0)),
        }
    }

    /// The current reading in MiB.
    #[inline]
    pub fn mib(&self) -> f64 {
        match &self.rss {
            Some(r) => {
                let v = r.bytes() as f64 / MIB;
                self.last.set((v, Some(Instant::now()), heap_bytes()));
                v
            }
            None => heap_bytes() as f64 / MIB,
        }
    }

    /// The reading for a line event (see the type's comment).
    #[inline]
    pub fn mib_gated(&self) -> f64 {
        let Some(r) = &self.rss else {
            return heap_bytes() as f64 / MIB;
        };
        let (v, t, h) = self.last.get();
        let heap = heap_bytes();
        let now = Instant::now();
        if let Some(t) = t {
            if heap.abs_diff(h) < RSS_HEAP_STEP && now.duration_since(t) < RSS_MAX_AGE {
                return v;
            }
        }
        let v = r.bytes() as f64 / MIB;
        self.last.set((v, Some(now), heap));
        v
    }
}
