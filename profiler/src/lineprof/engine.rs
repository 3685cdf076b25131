//! The line profiler's bookkeeping, run inside the VM's native hook.
//!
//! `Prof` is one `LineProfiler`: the code objects added to it (`Entry`,
//! found by code address through a direct-mapped cache), hits and clock
//! ticks per line, and per running frame the "last line" record
//! (line, time) that line_profiler keeps: at a `line` event the previous
//! line of the frame gets one hit and the time since its record, then the
//! record moves to the new line; at a `return` (also a yield, or an
//! exception leaving the frame) the last line gets its hit and time and
//! the record is dropped. Time spent in callees counts toward the calling
//! line, as in line_profiler.
//!
//! `Manager` is the one native hook shared by every enabled profiler (as
//! line_profiler's per-thread manager): it keeps a shadow stack of the
//! frames entered while it is installed (Call pushes, Return pops; each
//! slot says whether an enabled profiler watches that frame's code), which
//! identifies frames (their depth) and answers the VM's `lines_here`, so
//! frames nobody watches run without per-instruction checks.
//!
//! Invariants: entries hold a counted reference to their code object, so
//! a code address cannot be reused while its profiler lives; a record is
//! only used by the entry that made it (`Last::entry`), so a stale record
//! left at a depth by another frame is never charged; no borrow of a
//! `Prof` or of the manager is held while the VM runs mini code.

use std::cell::RefCell;
use std::rc::Rc;

use mini_interpreter::hooks::{Event, EventInfo, NativeHook};
use mini_interpreter::object::rc::ObjRef;
use rustc_hash::FxHashMap;

use crate::clock::Wall;

/// The clock a profiler reads.
#[derive(Clone, Copy)]
pub enum Clock {
    Wall(Wall),
    /// Bytecode instructions executed: the same table on every run.
    Instructions,
}

/// One added code object and its per-line counters.
pub struct Entry {
    pub code: ObjRef,
    /// co_firstlineno: `lines[i]` is line `first + i`.
    pub first: u32,
    /// (hits, clock ticks) per line.
    pub lines: Vec<(u64, i64)>,
}

/// A frame's last-line record (`entry` is the entry index + 1; 0: none).
#[derive(Clone, Copy, Default)]
struct Last {
    entry: u32,
    line: u32,
    time: i64,
}

const CACHE: usize = 64;

/// One line profiler's state.
pub struct Prof {
    pub entries: Vec<Entry>,
    map: FxHashMap<usize, u32>,
    cache: [(usize, u32); CACHE],
    last: Vec<Last>,
    pub clock: Clock,
    wall_last: i64,
    pub enable_count: u32,
}

impl Prof {
    pub fn new(clock: Clock) -> Prof {
        Prof {
            entries: Vec::new(),
            map: FxHashMap::default(),
            cache: [(0, 0); CACHE],
            last: Vec::new(),
            clock,
            wall_last: 0,
            enable_count: 0,
        }
    }

    /// Adds a code object; false when it was already there.
    pub fn add(&mut self, code: &ObjRef, first: u32) -> bool {
        let a = code.addr();
        if self.map.contains_key(&a) {
            return false;
        }
        let e = self.entries.len() as u32;
        self.entries.push(Entry {
            code: code.clone(),
            first,
            lines: Vec::new(),
        });
        self.map.insert(a, e);
        true
    }

    /// The entry of the code at address `a`.
    #[inline(always)]
    fn lookup(&mut self, a: usize) -> Option<u32> {
        let s = (a >> 4) & (CACHE - 1);
        let c = self.cache[s];
        if c.0 == a {
            return Some(c.1);
        }
        let e = *self.map.get(&a)?;
        self.cache[s] = (a, e);
        Some(e)
    }

    #[inline(always)]
    pub fn watches(&mut self, a: usize) -> bool {
        self.lookup(a).is_some()
    }

    #[inline(always)]
    fn now(&mut self, instructions: u64) -> i64 {
        match self.clock {
            Clock::Wall(w) => {
                let t = w.now().max(self.wall_last);
                self.wall_last = t;
                t
            }
            Clock::Instructions => instructions as i64,
        }
    }

    /// Charges the record at `depth` (if it belongs to `entry`) up to `t`.
    #[inline(always)]
    fn charge(&mut self, entry: u32, depth: usize, t: i64) {
        let Some(rec) = self.last.get(depth).copied() else {
            return;
        };
        if rec.entry != entry + 1 || rec.line == 0 {
            return;
        }
        let en = &mut self.entries[entry as usize];
        let i = rec.line.saturating_sub(en.first) as usize;
        if i >= en.lines.len() {
            en.lines.resize(i + 1, (0, 0));
        }
        let slot = &mut en.lines[i];
        slot.0 += 1;
        slot.1 += t - rec.time;
    }

    /// A `line` event of a frame at shadow depth `depth`.
    #[inline]
    fn line(&mut self, a: usize, depth: usize, line: u32, instructions: u64) {
        let Some(e) = self.lookup(a) else {
            return;
        };
        let t = self.now(instructions);
        self.charge(e, depth, t);
        if depth >= self.last.len() {
            self.last.resize(depth + 1, Last::default());
        }
        self.last[depth] = Last {
            entry: e + 1,
            line,
            time: t,
        };
    }

    /// A `return` event of a frame at shadow depth `depth`.
    #[inline]
    fn ret(&mut self, a: usize, depth: usize, instructions: u64) {
        let Some(e) = self.lookup(a) else {
            return;
        };
        let t = self.now(instructions);
        self.charge(e, depth, t);
        if let Some(rec) = self.last.get_mut(depth) {
            *rec = Last::default();
        }
    }

    /// Drops every frame's record (on disable, as line_profiler does).
    pub fn forget_frames(&mut self) {
        self.last.clear();
    }

    /// Seconds per clock unit.
    pub fn secs_per_unit(&self) -> f64 {
        match self.clock {
            Clock::Wall(w) => w.secs_per_tick(),
            // An instruction is shown as one nanosecond (see mod.rs).
            Clock::Instructions => 1e-9,
        }
    }
}

/// The state shared by every enabled profiler and the installed hook.
#[derive(Default)]
pub struct Manager {
    /// Shadow frames since the hook was installed: watched or not.
    stack: Vec<bool>,
    pub active: Vec<Rc<RefCell<Prof>>>,
    /// The object given to the VM with the hook (identifies it in
    /// `sys.getprofile()` and tells whether our hook is still installed).
    pub installed: Option<ObjRef>,
}

impl Manager {
    pub fn reset_stack(&mut self) {
        self.stack.clear();
    }

    pub fn counts_instructions(&self) -> bool {
        self.active
            .iter()
            .any(|p| matches!(p.borrow().clock, Clock::Instructions))
    }

    #[inline]
    fn event(&mut self, info: &EventInfo<'_>) {
        match info.event {
            Event::Line => {
                let d = self.stack.len();
                if d == 0 || !self.stack[d - 1] {
                    return;
                }
                let Some(c) = info.code else { return };
                let a = c.addr();
                for p in &self.active {
                    if let Ok(mut p) = p.try_borrow_mut() {
                        p.line(a, d - 1, info.line, info.instructions);
                    }
                }
            }
            Event::Call => {
                let watched = match info.code {
                    Some(c) => {
                        let a = c.addr();
                        self.active
                            .iter()
                            .any(|p| p.try_borrow_mut().is_ok_and(|mut p| p.watches(a)))
                    }
                    None => false,
                };
                self.stack.push(watched);
            }
            Event::Return => {
                let d = self.stack.len();
                let Some(watched) = self.stack.pop() else {
                    return;
                };
                if !watched {
                    return;
                }
                let Some(c) = info.code else { return };
                let a = c.addr();
                for p in &self.active {
                    if let Ok(mut p) = p.try_borrow_mut() {
                        p.ret(a, d - 1, info.instructions);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The native hook installed while at least one profiler is enabled.
pub struct Hook {
    pub manager: Rc<RefCell<Manager>>,
    pub instructions: bool,
}

impl NativeHook for Hook {
    #[inline]
    fn event(&mut self, info: &EventInfo<'_>) {
        if let Ok(mut m) = self.manager.try_borrow_mut() {
            m.event(info);
        }
    }

    fn counts_instructions(&self) -> bool {
        self.instructions
    }

    fn wants_lines(&self) -> bool {
        true
    }

    fn lines_here(&mut self) -> bool {
        self.manager
            .try_borrow()
            .is_ok_and(|m| m.stack.last().copied().unwrap_or(false))
    }
}
