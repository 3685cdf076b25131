//! The per-line memory accounting of memory_profiler's `LineProfiler`,
//! driven by native line events. Functions are registered as "top-level"
//! code objects; code nested in them (comprehensions, inner functions)
//! shares their table, as memory_profiler's `CodeMap` does.
//!
//! memory_profiler's rules, kept exactly: a `call` event of a profiled code
//! pushes the frame's line (its first line, the decorator's); each `line`
//! event samples memory and charges it to the line that just finished (the
//! top of that stack), then replaces the top with the new line; `return`
//! pops and charges the last line. Each charge updates the line's record
//! `(increment, max memory, occurrences)`: increment += sample − (max
//! memory of the previously charged line, looked up in this function's
//! table, or 0), max = max(max, sample), occurrences += 1. The previously
//! charged line is one value for the whole profiler, as in memory_profiler.
//!
//! Invariants: the hook keeps a stack with one entry per frame entered
//! while it is installed (true for profiled code), which answers
//! `lines_here`, so only profiled frames pay for line checks; registered
//! code objects are held (counted) so their addresses stay unique.

use std::cell::RefCell;
use std::rc::Rc;

use mini_interpreter::compile::code::Code;
use mini_interpreter::hooks::{Event, EventInfo, NativeHook};
use mini_interpreter::object::rc::ObjRef;
use mini_interpreter::object::value::Value;
use rustc_hash::FxHashMap;

use super::measure::{Backend, Meter};

/// One line's record; `occ == 0` means "never charged".
#[derive(Clone, Copy, Default)]
pub struct Rec {
    pub inc: f64,
    pub mem: f64,
    pub occ: u64,
}

/// The records of one top-level function, indexed by line − `base`.
pub struct Table {
    pub code: ObjRef,
    base: u32,
    recs: Vec<Rec>,
}

impl Table {
    #[inline]
    fn get(&self, line: u32) -> Option<&Rec> {
        let i = line.checked_sub(self.base)? as usize;
        self.recs.get(i).filter(|r| r.occ > 0)
    }

    #[inline]
    fn slot(&mut self, line: u32) -> Option<&mut Rec> {
        let i = line.checked_sub(self.base)? as usize;
        if i >= self.recs.len() {
            self.recs.resize(i + 1, Rec::default());
        }
        self.recs.get_mut(i)
    }

    /// (line, record) for every charged line, in line order.
    pub fn charged(&self) -> impl Iterator<Item = (u32, Rec)> + '_ {
        self.recs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.occ > 0)
            .map(|(i, r)| (self.base + i as u32, *r))
    }
}

pub struct State {
    pub tables: Vec<Table>,
    /// Code address → index in `tables`.
    codes: FxHashMap<usize, u32>,
    /// Every registered code object (keeps the address keys valid).
    held: Vec<ObjRef>,
    /// (table, line) of each profiled frame running: its last line.
    prevlines: Vec<(u32, u32)>,
    /// One entry per frame entered while installed: is it profiled?
    frames: Vec<bool>,
    prev_lineno: u32,
    meter: Meter,
    /// Last lookup: (code address, table + 1 or 0).
    last: (usize, u32),
    /// While enabled: the hook chain installed (this state last), and the
    /// profile object and chain it replaced, restored by `disable`.
    pub installed: Vec<Rc<RefCell<State>>>,
    pub replaced: Option<(
        mini_interpreter::object::value::Value,
        Vec<Rc<RefCell<State>>>,
    )>,
}

impl State {
    pub fn new(backend: Backend) -> State {
        State {
            tables: Vec::new(),
            codes: FxHashMap::default(),
            held: Vec::new(),
            prevlines: Vec::new(),
            frames: Vec::new(),
            prev_lineno: 0,
            meter: Meter::new(backend),
            last: (0, 0),
            installed: Vec::new(),
            replaced: None,
        }
    }

    pub fn backend(&self) -> Backend {
        self.meter.backend
    }

    /// Registers a function's code (and the code nested in it) as a new
    /// top-level entry; a code already registered is left as it is.
    pub fn add(&mut self, code: &ObjRef) {
        if self.codes.contains_key(&code.addr()) || code.downcast::<Code>().is_none() {
            return;
        }
        let base = code.downcast::<Code>().map_or(0, |c| c.firstlineno);
        let t = self.tables.len() as u32;
        self.tables.push(Table {
            code: code.clone(),
            base,
            recs: Vec::new(),
        });
        self.add_nested(code, t);
        self.last = (0, 0);
    }

    fn add_nested(&mut self, code: &ObjRef, t: u32) {
        if self.codes.contains_key(&code.addr()) {
            return;
        }
        let Some(c) = code.downcast::<Code>() else {
            return;
        };
        self.codes.insert(code.addr(), t);
        self.held.push(code.clone());
        for k in c.consts.iter() {
            if let Value::Obj(o) = k {
                if o.downcast::<Code>().is_some() {
                    self.add_nested(o, t);
                }
            }
        }
    }

    /// The table of a code object, if it is profiled.
    #[inline(always)]
    fn table_of(&mut self, code: Option<&ObjRef>) -> Option<u32> {
        let a = code?.addr();
        if self.last.0 == a {
            return self.last.1.checked_sub(1);
        }
        let t = self.codes.get(&a).copied();
        self.last = (a, t.map_or(0, |t| t + 1));
        t
    }

    /// memory_profiler's `CodeMap.trace`.
    #[inline]
    fn charge(&mut self, t: u32, line: u32, mem: f64) {
        let table = &mut self.tables[t as usize];
        let prev_line_mem = if self.prev_lineno != 0 {
            table.get(self.prev_lineno).map_or(0.0, |r| r.mem)
        } else {
            0.0
        };
        if let Some(r) = table.slot(line) {
            let (inc, max) = if r.occ > 0 {
                (r.inc, r.mem)
            } else {
                (0.0, 0.0)
            };
            r.inc = inc + (mem - prev_line_mem);
            r.mem = if mem > max { mem } else { max };
            r.occ += 1;
        }
    }

    fn event(&mut self, info: &EventInfo<'_>) {
        match info.event {
            Event::Call => {
                let t = self.table_of(info.code);
                self.frames.push(t.is_some());
                if let Some(t) = t {
                    self.prevlines.push((t, info.line));
                }
            }
            Event::Line => {
                if self.table_of(info.code).is_none() {
                    return;
                }
                let Some(&(t, prev)) = self.prevlines.last() else {
                    return;
                };
                let mem = self.meter.mib_gated();
                self.charge(t, prev, mem);
                self.prev_lineno = prev;
                if let Some(top) = self.prevlines.last_mut() {
                    top.1 = info.line;
                }
            }
            Event::Return => {
                if self.frames.pop() != Some(true) {
                    return;
                }
                let Some((t, line)) = self.prevlines.pop() else {
                    return;
                };
                let mem = self.meter.mib_gated();
                self.charge(t, line, mem);
                self.prev_lineno = line;
            }
            _ => {}
        }
    }
}

/// The native hook of enabled `LineMemory` objects: the one enabled last
/// and, chained behind it, those enabled before it and still enabled (a
/// profiled function calling another: memory_profiler's trace function
/// calls the one it replaced, so the outer profiler keeps its events).
pub struct Hook {
    pub chain: Vec<Rc<RefCell<State>>>,
}

impl NativeHook for Hook {
    #[inline]
    fn event(&mut self, info: &EventInfo<'_>) {
        for st in &self.chain {
            if let Ok(mut st) = st.try_borrow_mut() {
                st.event(info);
            }
        }
    }

    fn wants_lines(&self) -> bool {
        true
    }

    #[inline]
    fn lines_here(&mut self) -> bool {
        self.chain.iter().any(|st| {
            st.try_borrow()
                .is_ok_and(|st| st.frames.last() == Some(&true))
        })
    }
}

/// Resets the per-run stacks when the profiler is enabled again.
pub fn reset_stacks(st: &mut State) {
    st.frames.clear();
    st.prevlines.clear();
}
