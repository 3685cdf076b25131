//! The accounting of `_lsprof` (CPython's Modules/_lsprof.c, the facts of
//! it): one `Entry` per profiled function, one `Sub` per caller→callee
//! pair (kept under the caller), and a stack of running calls.
//!
//! - Entering a function: its recursion level and the level of the
//!   (caller → it) pair go up by one, a context is pushed, and the clock is
//!   read last (the caller sets `t0` after `enter`).
//! - Leaving: the clock is read first; `tt` (the call's whole time) is
//!   added to the caller context's `subt`; `it = tt - subt` is the time spent
//!   in the function itself. `tt` goes into the entry's total only when
//!   the outermost activation ends (recursion level back to 0), otherwise
//!   the call is counted as recursive; the pair does the same with its own
//!   level. This is what keeps cumulative times free of double counting.
//! - A `return` with no running context (the function started before the
//!   profiler) is ignored; `flush` closes every open context (`disable`).
//!
//! Times are clock units (`i64`); the module turns them into seconds.
//! Invariants: `Ctx::entry` and `Sub::callee` index `entries`; `Ctx::sub`
//! is the (caller → entry) pair of the context below it, or `NO_SUB`.
//! Nothing here allocates once the tables have reached their working size.

use rustc_hash::FxHashMap;

pub const NO_SUB: u32 = u32::MAX;

/// Per-function counters.
#[derive(Default, Clone)]
pub struct Counters {
    pub callcount: u64,
    pub reccallcount: u64,
    /// Total time of the outermost activations (cumtime).
    pub tt: i64,
    /// Time inside the function itself (tottime).
    pub it: i64,
    /// Activations currently running (CPython lets it go negative on
    /// unmatched returns; so do we).
    pub level: i32,
}

impl Counters {
    #[inline(always)]
    fn stop(&mut self, tt: i64, it: i64) {
        self.level -= 1;
        if self.level == 0 {
            self.tt += tt;
        } else {
            self.reccallcount += 1;
        }
        self.it += it;
        self.callcount += 1;
    }
}

pub struct Entry {
    pub c: Counters,
    /// Callees of this function, in first-call order.
    pub subs: Vec<Sub>,
    /// The index in `subs` used last (most calls repeat the last callee).
    last_sub: u32,
}

pub struct Sub {
    pub callee: u32,
    pub c: Counters,
}

#[derive(Clone, Copy)]
struct Ctx {
    entry: u32,
    sub: u32,
    t0: i64,
    subt: i64,
}

/// Callee lists longer than this are indexed by `Engine::sub_index`.
const LINEAR_SUBS: usize = 8;

#[derive(Default)]
pub struct Engine {
    pub entries: Vec<Entry>,
    stack: Vec<Ctx>,
    /// (caller, callee) → index in the caller's `subs`, for long lists.
    sub_index: FxHashMap<u64, u32>,
    pub subcalls: bool,
}

impl Engine {
    pub fn new() -> Engine {
        Engine {
            subcalls: true,
            ..Default::default()
        }
    }

    /// A new entry (its key lives in the caller's tables); returns its index.
    pub fn add_entry(&mut self) -> u32 {
        self.entries.push(Entry {
            c: Counters::default(),
            subs: Vec::new(),
            last_sub: 0,
        });
        (self.entries.len() - 1) as u32
    }

    /// Whether a call is running (a `return` now has a context to close).
    #[inline(always)]
    pub fn running(&self) -> bool {
        !self.stack.is_empty()
    }

    /// The entry of the innermost running call.
    #[inline(always)]
    pub fn top_entry(&self) -> Option<u32> {
        self.stack.last().map(|c| c.entry)
    }

    #[inline(always)]
    fn find_sub(&self, caller: u32, callee: u32) -> Option<u32> {
        let e = &self.entries[caller as usize];
        if let Some(s) = e.subs.get(e.last_sub as usize) {
            if s.callee == callee {
                return Some(e.last_sub);
            }
        }
        self.find_sub_slow(caller, callee)
    }

    #[inline(never)]
    fn find_sub_slow(&self, caller: u32, callee: u32) -> Option<u32> {
        let e = &self.entries[caller as usize];
        if e.subs.len() <= LINEAR_SUBS {
            e.subs
                .iter()
                .position(|s| s.callee == callee)
                .map(|i| i as u32)
        } else {
            self.sub_index.get(&pair(caller, callee)).copied()
        }
    }

    /// The (caller → callee) pair with its recursion level raised.
    #[inline(always)]
    fn sub_enter(&mut self, caller: u32, callee: u32) -> u32 {
        let e = &mut self.entries[caller as usize];
        if let Some(s) = e.subs.get_mut(e.last_sub as usize) {
            if s.callee == callee {
                s.c.level += 1;
                return e.last_sub;
            }
        }
        let i = self.sub_or_new(caller, callee);
        self.entries[caller as usize].subs[i as usize].c.level += 1;
        i
    }

    #[inline(never)]
    fn sub_or_new(&mut self, caller: u32, callee: u32) -> u32 {
        let i = match self.find_sub_slow(caller, callee) {
            Some(i) => i,
            None => {
                let e = &mut self.entries[caller as usize];
                let i = e.subs.len() as u32;
                e.subs.push(Sub {
                    callee,
                    c: Counters::default(),
                });
                if e.subs.len() > LINEAR_SUBS {
                    if e.subs.len() == LINEAR_SUBS + 1 {
                        for (j, s) in e.subs.iter().enumerate() {
                            self.sub_index.insert(pair(caller, s.callee), j as u32);
                        }
                    } else {
                        self.sub_index.insert(pair(caller, callee), i);
                    }
                }
                i
            }
        };
        self.entries[caller as usize].last_sub = i;
        i
    }

    /// Starts a call of `entry`; the caller must then `set_t0` with a fresh
    /// clock reading.
    #[inline(always)]
    pub fn enter(&mut self, entry: u32) {
        self.entries[entry as usize].c.level += 1;
        let mut sub = NO_SUB;
        if self.subcalls {
            if let Some(caller) = self.stack.last().map(|c| c.entry) {
                sub = self.sub_enter(caller, entry);
            }
        }
        self.stack.push(Ctx {
            entry,
            sub,
            t0: 0,
            subt: 0,
        });
    }

    #[inline(always)]
    pub fn set_t0(&mut self, now: i64) {
        if let Some(c) = self.stack.last_mut() {
            c.t0 = now;
        }
    }

    /// Ends the innermost running call, charging it to `entry` (normally
    /// that context's own entry; `None` when the leaving function has no
    /// entry, which only pops the context).
    #[inline(always)]
    pub fn leave(&mut self, entry: Option<u32>, now: i64) {
        let Some(ctx) = self.stack.pop() else {
            return;
        };
        let Some(entry) = entry else {
            return;
        };
        let tt = now - ctx.t0;
        let it = tt - ctx.subt;
        let caller = match self.stack.last_mut() {
            Some(prev) => {
                prev.subt += tt;
                Some(prev.entry)
            }
            None => None,
        };
        self.entries[entry as usize].c.stop(tt, it);
        if let (true, Some(caller)) = (self.subcalls, caller) {
            let sub = if entry == ctx.entry && ctx.sub != NO_SUB {
                Some(ctx.sub)
            } else {
                self.find_sub(caller, entry)
            };
            if let Some(s) = sub {
                self.entries[caller as usize].subs[s as usize]
                    .c
                    .stop(tt, it);
            }
        }
    }

    /// Closes every running call at time `now()` (read once per context).
    pub fn flush(&mut self, mut now: impl FnMut() -> i64) {
        while let Some(c) = self.stack.last() {
            let e = c.entry;
            let t = now();
            self.leave(Some(e), t);
        }
    }

    /// Forgets everything (`Profiler.clear()`).
    pub fn clear(&mut self) {
        self.entries.clear();
        self.stack.clear();
        self.sub_index.clear();
    }
}

#[inline(always)]
fn pair(caller: u32, callee: u32) -> u64 {
    ((caller as u64) << 32) | callee as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The deterministic example of the reference notes: a(4) → b(3) →
    /// a(2) → b(1) → a(0), each `a` calling leaf once, then fact(3); the
    /// clock moves by 10 in a, 100 in b, 1 in leaf, 1000 in fact.
    #[test]
    fn mutual_recursion_and_self_recursion() {
        let mut e = Engine::new();
        let (a, b, leaf, fact) = (e.add_entry(), e.add_entry(), e.add_entry(), e.add_entry());
        let mut clk = 0i64;
        fn call_a(e: &mut Engine, clk: &mut i64, ids: (u32, u32, u32), n: i32) {
            let (a, b, leaf) = ids;
            e.enter(a);
            e.set_t0(*clk);
            *clk += 10;
            if n > 0 {
                e.enter(b);
                e.set_t0(*clk);
                *clk += 100;
                if n - 1 > 0 {
                    call_a(e, clk, ids, n - 2);
                }
                e.leave(Some(b), *clk);
            }
            e.enter(leaf);
            e.set_t0(*clk);
            *clk += 1;
            e.leave(Some(leaf), *clk);
            e.leave(Some(a), *clk);
        }
        fn call_fact(e: &mut Engine, clk: &mut i64, f: u32, n: i32) {
            e.enter(f);
            e.set_t0(*clk);
            *clk += 1000;
            if n > 1 {
                call_fact(e, clk, f, n - 1);
            }
            e.leave(Some(f), *clk);
        }
        call_a(&mut e, &mut clk, (a, b, leaf), 4);
        call_fact(&mut e, &mut clk, fact, 3);
        let c = |i: u32| e.entries[i as usize].c.clone();
        assert_eq!(
            (c(a).callcount, c(a).reccallcount, c(a).it, c(a).tt),
            (3, 2, 30, 233)
        );
        assert_eq!(
            (c(b).callcount, c(b).reccallcount, c(b).it, c(b).tt),
            (2, 1, 200, 222)
        );
        assert_eq!((c(leaf).callcount, c(leaf).it, c(leaf).tt), (3, 3, 3));
        assert_eq!(
            (c(fact).callcount, c(fact).reccallcount, c(fact).tt),
            (3, 2, 3000)
        );
        // b → a ran twice, the second inside the first: 2/1, cumtime 122.
        let ba = &e.entries[b as usize].subs[0];
        assert_eq!(
            (
                ba.callee,
                ba.c.callcount,
                ba.c.reccallcount,
                ba.c.it,
                ba.c.tt
            ),
            (a, 2, 1, 20, 122)
        );
        let ff = &e.entries[fact as usize].subs[0];
        assert_eq!((ff.c.callcount, ff.c.reccallcount, ff.c.tt), (2, 1, 2000));
        assert!(!e.running());
    }

    #[test]
    fn unmatched_return_is_ignored_and_flush_closes() {
        let mut e = Engine::new();
        let f = e.add_entry();
        e.leave(Some(f), 5);
        assert_eq!(e.entries[f as usize].c.callcount, 0);
        e.enter(f);
        e.set_t0(10);
        e.enter(f);
        e.set_t0(12);
        let mut t = 20;
        e.flush(|| {
            t += 1;
            t
        });
        let c = &e.entries[f as usize].c;
        assert_eq!((c.callcount, c.reccallcount, c.tt), (2, 1, 12));
    }

    #[test]
    fn many_callees_use_the_index() {
        let mut e = Engine::new();
        let main = e.add_entry();
        let callees: Vec<u32> = (0..20).map(|_| e.add_entry()).collect();
        e.enter(main);
        e.set_t0(0);
        for round in 0..3 {
            for &c in &callees {
                e.enter(c);
                e.set_t0(round);
                e.leave(Some(c), round + 1);
            }
        }
        e.leave(Some(main), 100);
        let subs = &e.entries[main as usize].subs;
        assert_eq!(subs.len(), 20);
        assert!(subs.iter().all(|s| s.c.callcount == 3 && s.c.tt == 3));
    }

    #[test]
    fn without_subcalls_no_pairs() {
        let mut e = Engine::new();
        e.subcalls = false;
        let (a, b) = (e.add_entry(), e.add_entry());
        e.enter(a);
        e.set_t0(0);
        e.enter(b);
        e.set_t0(1);
        e.leave(Some(b), 3);
        e.leave(Some(a), 4);
        assert!(e.entries[a as usize].subs.is_empty());
        assert_eq!(e.entries[a as usize].c.it, 2);
    }
}
