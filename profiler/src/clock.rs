//! Clocks for the profilers, read on every hook event, so each read must be
//! cheap and must not allocate.
//!
//! - `Wall`: a monotonic high-resolution clock. On x86-64 with an invariant
//!   TSC (constant rate, not stopped in sleep states) it is the time-stamp
//!   counter, a few nanoseconds per read instead of a `clock_gettime` call;
//!   its ticks are turned into seconds once, when the results are read
//!   (`Wall::secs_per_tick`), by comparing the counter with
//!   `std::time::Instant` over the whole time since the first read.
//!   Elsewhere it counts nanoseconds from `Instant` (CLOCK_MONOTONIC).
//! - `cpu_ns`: CPU time of the process (CLOCK_PROCESS_CPUTIME_ID), a system
//!   call per read.
//!
//! Invariant: readings of the TSC may go back by a few ticks when a thread
//! migrates between cores; users of `Wall::now` clamp to their last reading.

use std::sync::OnceLock;
use std::time::Instant;

/// The first reading of the wall clock: (Instant, ticks).
static ORIGIN: OnceLock<(Instant, u64)> = OnceLock::new();

/// Whether the time-stamp counter runs at a constant rate (CPUID leaf
/// 0x80000007, EDX bit 8: "invariant TSC").
#[cfg(target_arch = "x86_64")]
fn invariant_tsc() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| {
        if std::env::var_os("MINI_PROFILER_NO_TSC").is_some() {
            return false;
        }
        let max = core::arch::x86_64::__cpuid(0x8000_0000).eax;
        if max < 0x8000_0007 {
            return false;
        }
        let edx = core::arch::x86_64::__cpuid(0x8000_0007).edx;
        edx & (1 << 8) != 0
    })
}

/// The wall clock.
#[derive(Clone, Copy)]
pub struct Wall {
    tsc: bool,
}

impl Wall {
    /// Chooses the counter (TSC when usable) and records the origin.
    pub fn new() -> Wall {
        #[cfg(target_arch = "x86_64")]
        let tsc = invariant_tsc();
        #[cfg(not(target_arch = "x86_64"))]
        let tsc = false;
        let w = Wall { tsc };
        ORIGIN.get_or_init(|| (Instant::now(), raw_tsc(tsc)));
        w
    }

    /// The current reading, in ticks.
    #[inline(always)]
    pub fn now(&self) -> i64 {
        if self.tsc {
            raw_tsc(true) as i64
        } else {
            ORIGIN
                .get()
                .map(|o| o.0.elapsed().as_nanos() as i64)
                .unwrap_or(0)
        }
    }

    /// Seconds per tick. For the TSC this is measured against `Instant`
    /// over the time since the first reading (at least 20 ms, waiting if
    /// needed), which makes the error far below a part per thousand.
    pub fn secs_per_tick(&self) -> f64 {
        if !self.tsc {
            return 1e-9;
        }
        static STABLE: OnceLock<f64> = OnceLock::new();
        if let Some(f) = STABLE.get() {
            return *f;
        }
        let (i0, t0) = *ORIGIN.get().expect("origin recorded by Wall::new");
        let min = std::time::Duration::from_millis(20);
        let e = i0.elapsed();
        if e < min {
            std::thread::sleep(min - e);
        }
        let secs = i0.elapsed().as_secs_f64();
        let ticks = raw_tsc(true).wrapping_sub(t0) as f64;
        let f = if ticks > 0.0 { secs / ticks } else { 1e-9 };
        if secs >= 1.0 {
            let _ = STABLE.set(f);
        }
        f
    }
}

impl Default for Wall {
    fn default() -> Self {
        Wall::new()
    }
}

#[inline(always)]
fn raw_tsc(tsc: bool) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if tsc {
        // SAFETY: RDTSC has no preconditions on x86-64.
        return unsafe { core::arch::x86_64::_rdtsc() };
    }
    let _ = tsc;
    0
}

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

extern "C" {
    fn clock_gettime(clk: i32, ts: *mut Timespec) -> i32;
}

/// CPU time used by the process, in nanoseconds.
pub fn cpu_ns() -> i64 {
    const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a valid out-pointer.
    if unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) } == 0 {
        ts.tv_sec * 1_000_000_000 + ts.tv_nsec
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_is_monotonic_and_calibrated() {
        let w = Wall::new();
        let a = w.now();
        std::thread::sleep(std::time::Duration::from_millis(30));
        let b = w.now();
        assert!(b > a);
        let secs = (b - a) as f64 * w.secs_per_tick();
        assert!((0.025..0.5).contains(&secs), "measured {secs}");
    }

    #[test]
    fn cpu_clock_advances() {
        let a = cpu_ns();
        let mut x = 0u64;
        for i in 0..2_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(cpu_ns() > a);
    }
}
