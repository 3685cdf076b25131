//! The backtracking matcher: runs a `Program` over a slice of code units
//! (bytes for ASCII str and bytes subjects, u32 code points otherwise)
//! with CPython sre's semantics. Nothing recurses: alternatives, repeat
//! counters and lookaround frames live on an explicit backtrack stack.
//!
//! Group marks follow sre's model exactly: `lastmark` is the highest valid
//! mark slot, and a restore point (branch, single-character repeat,
//! negative lookahead, repeat iteration) restores `lastmark`/`lastindex`,
//! plus the marks themselves when sre would (inside a general repeat): those
//! points snapshot `marks[..=lastmark]` on `saves`. Positions are indexes
//! into the subject; `end` is `endpos`, while lookbehind and `\b` may look
//! before the search start. Invariant: each `Look` entry on `bt` pairs with
//! an entry of `looks`, in the same order, and snapshots on `saves` are in
//! the order of their restore points on `bt`.

use super::ast::{RepKind, MAXREPEAT};
use super::compiler::{Inst, LookKind, Program};
use super::matchers::{at, count, fit_literal, ref_eq, single, viable, Unit};
use super::scan::{next_start, Scan};

/// Marks not set.
pub const NONE: usize = usize::MAX;

/// What a restore point restores (sre's LASTMARK_SAVE and MARK_PUSH).
#[derive(Clone, Copy, Debug)]
struct Saved {
    lastmark: i32,
    lastindex: i32,
    /// Offset of the marks snapshot on `saves`, or `NO_SNAP`.
    snap: u32,
}

const NO_SNAP: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
enum Bt {
    /// Undo of repeat register `id`.
    Rep {
        id: u32,
        count: i64,
        last: usize,
        prev: i32,
    },
    /// Undo of the current-repeat register.
    CurRep { old: i32 },
    /// A branch; `next` is the next alternative's `Branch` (0: none left).
    Branch { s: Saved, next: u32, pos: usize },
    /// Greedy repeat `id`: the extra iteration failed, run the tail at `pos`.
    UntilTail {
        s: Saved,
        id: u32,
        tail: u32,
        pos: usize,
    },
    /// Greedy `RepOne`: retry the tail at positions below `cur` down to `lo`.
    RepOne {
        s: Saved,
        tail: u32,
        lo: usize,
        cur: usize,
    },
    /// Lazy `RepOne` at `item`: take one more character at `pos` (< `limit`).
    RepLazy {
        s: Saved,
        item: u32,
        pos: usize,
        limit: usize,
    },
    /// Lazy `Until` at `until`: the tail failed at `pos`, try another body.
    MinMore { s: Saved, until: u32, pos: usize },
    /// Bottom of a lookaround, atomic or possessive body.
    Look { s: Saved },
}

#[derive(Clone, Copy, Debug)]
struct Rep {
    count: i64,
    last: usize,
    prev: i32,
}

const FRESH: Rep = Rep {
    count: -1,
    last: NONE,
    prev: -1,
};

#[derive(Clone, Copy, Debug)]
struct LookCtx {
    bt: usize,
    pos: usize,
    end: u32,
    kind: LookKind,
    /// Length of `saves` when the body started.
    saves: usize,
}

/// Reusable matcher state; after a successful run the groups are read
/// with `group_span` and `lastindex`.
#[derive(Default)]
pub struct Matcher {
    bt: Vec<Bt>,
    marks: Vec<usize>,
    saves: Vec<usize>,
    reps: Vec<Rep>,
    looks: Vec<LookCtx>,
    lastmark: i32,
    pub lastindex: i32,
    cur_rep: i32,
    /// Backtracking steps since the last interrupt check.
    steps: u32,
}

/// Returned when the interrupt callback asks the matcher to stop.
#[derive(Debug, PartialEq, Eq)]
pub struct Interrupted;

/// How often (in backtracking steps) the interrupt callback runs.
const CHECK_EVERY: u32 = 1 << 16;

impl Matcher {
    pub fn new() -> Matcher {
        Matcher::default()
    }

    fn reset(&mut self, prog: &Program) {
        self.bt.clear();
        self.looks.clear();
        self.saves.clear();
        self.marks.clear();
        self.marks.resize(prog.nmarks, NONE);
        if self.reps.len() < prog.repeats.len() {
            self.reps.resize(prog.repeats.len(), FRESH);
        }
        self.lastmark = -1;
        self.lastindex = -1;
        self.cur_rep = -1;
    }

    /// The span of group `g` (1-based) after a successful run; `Err` for
    /// sre's "wrong span" (start after end).
    pub fn group_span(&self, g: usize) -> Result<Option<(usize, usize)>, ()> {
        let j = 2 * g - 2;
        if (j + 1) as i64 > self.lastmark as i64 {
            return Ok(None);
        }
        let (s, e) = (self.marks[j], self.marks[j + 1]);
        if s == NONE || e == NONE {
            return Ok(None);
        }
        if s > e {
            return Err(());
        }
        Ok(Some((s, e)))
    }

    /// The valid span of group slots `j`, `j+1` for backreferences.
    fn ref_span(&self, j: usize) -> Option<(usize, usize)> {
        if j as i64 >= self.lastmark as i64 {
            return None;
        }
        let (s, e) = (self.marks[j], self.marks[j + 1]);
        if s == NONE || e == NONE || e < s {
            None
        } else {
            Some((s, e))
        }
    }

    /// sre's LASTMARK_SAVE, plus MARK_PUSH when `full`.
    fn saved(&mut self, full: bool) -> Saved {
        let snap = if full && self.lastmark >= 0 {
            let at = self.saves.len() as u32;
            // Element by element: a memcpy call costs more for a few marks.
            for i in 0..=self.lastmark as usize {
                let m = self.marks[i];
                self.saves.push(m);
            }
            at
        } else {
            NO_SNAP
        };
        Saved {
            lastmark: self.lastmark,
            lastindex: self.lastindex,
            snap,
        }
    }

    /// sre's LASTMARK_RESTORE, plus MARK_POP (`keep`: MARK_POP_KEEP).
    fn restore(&mut self, s: Saved, keep: bool) {
        self.lastmark = s.lastmark;
        self.lastindex = s.lastindex;
        if s.snap != NO_SNAP {
            let at = s.snap as usize;
            let n = (s.lastmark + 1) as usize;
            for i in 0..n {
                self.marks[i] = self.saves[at + i];
            }
            if !keep {
                self.saves.truncate(at);
            }
        }
    }

    fn in_repeat(&self) -> bool {
        self.cur_rep >= 0
    }

    fn set_cur_rep(&mut self, v: i32) {
        self.bt.push(Bt::CurRep { old: self.cur_rep });
        self.cur_rep = v;
    }

    fn set_rep(&mut self, id: u32, r: Rep) {
        let o = self.reps[id as usize];
        self.bt.push(Bt::Rep {
            id,
            count: o.count,
            last: o.last,
            prev: o.prev,
        });
        self.reps[id as usize] = r;
    }

    /// Searches `text[..end]` from `pos` for the leftmost match; returns
    /// its (start, end). `must_advance` rejects an empty match at `pos`.
    pub fn search<T: Scan>(
        &mut self,
        prog: &Program,
        text: &[T],
        pos: usize,
        end: usize,
        must_advance: bool,
        check: &mut dyn FnMut() -> bool,
    ) -> Result<Option<(usize, usize)>, Interrupted> {
        if pos > end {
            return Ok(None);
        }
        let info = &prog.start;
        if info.anchored {
            return Ok(self
                .run(prog, text, end, pos, false, must_advance, check)?
                .map(|e| (pos, e)));
        }
        if info.first.is_some() || info.set.is_some() {
            let mut p = pos;
            while p < end {
                p = match next_start(prog, info, text, p, end) {
                    Some(q) => q,
                    None => return Ok(None),
                };
                if let Some(e) =
                    self.run(prog, text, end, p, false, must_advance && p == pos, check)?
                {
                    return Ok(Some((p, e)));
                }
                p += 1;
            }
            return Ok(None);
        }
        for p in pos..=end {
            if let Some(e) = self.run(prog, text, end, p, false, must_advance && p == pos, check)? {
                return Ok(Some((p, e)));
            }
        }
        Ok(None)
    }

    /// Matches at exactly `pos`; returns the end of the match.
    pub fn matches<T: Unit>(
        &mut self,
        prog: &Program,
        text: &[T],
        pos: usize,
        end: usize,
        match_all: bool,
        check: &mut dyn FnMut() -> bool,
    ) -> Result<Option<usize>, Interrupted> {
        self.run(prog, text, end, pos, match_all, false, check)
    }

    #[allow(clippy::too_many_arguments)]
    fn run<T: Unit>(
        &mut self,
        prog: &Program,
        text: &[T],
        end: usize,
        start: usize,
        match_all: bool,
        must_advance: bool,
        check: &mut dyn FnMut() -> bool,
    ) -> Result<Option<usize>, Interrupted> {
        self.reset(prog);
        let insts = &prog.insts[..];
        let mut pc = 0usize;
        let mut pos = start;
        loop {
            let inst = insts[pc];
            let ok = match inst {
                Inst::Lit(c) => {
                    let ok = pos < end && text[pos].get() == c;
                    pos += ok as usize;
                    pc += 1;
                    ok
                }
                Inst::Set(i) => {
                    let ok = pos < end && prog.sets[i as usize].contains(text[pos].get());
                    pos += ok as usize;
                    pc += 1;
                    ok
                }
                Inst::NotLit(_)
                | Inst::LitA(_)
                | Inst::NotLitA(_)
                | Inst::LitU(_)
                | Inst::NotLitU(_)
                | Inst::LitL(_)
                | Inst::NotLitL(_)
                | Inst::Any
                | Inst::AnyAll => {
                    let ok = pos < end && single(prog, inst, text[pos].get());
                    pos += ok as usize;
                    pc += 1;
                    ok
                }
                Inst::At(a) => {
                    pc += 1;
                    at(a, text, pos, end)
                }
                Inst::Mark(slot) => {
                    self.mark(slot, pos);
                    pc += 1;
                    true
                }
                Inst::Jump(t) => {
                    pc = t as usize;
                    true
                }
                Inst::Branch { .. } => match viable(prog, text, end, pc as u32, pos) {
                    Some(alt) => {
                        let Inst::Branch { next } = insts[alt as usize] else {
                            unreachable!("alternatives start with Branch")
                        };
                        let s = self.saved(self.in_repeat());
                        self.bt.push(Bt::Branch { s, next, pos });
                        pc = alt as usize + 1;
                        true
                    }
                    None => false,
                },
                Inst::RepOne {
                    min,
                    max,
                    next,
                    kind,
                } => self.rep_one(prog, text, end, &mut pc, &mut pos, min, max, next, kind),
                Inst::Repeat { id, until } => {
                    let prev = self.cur_rep;
                    self.set_rep(id, Rep { prev, ..FRESH });
                    self.set_cur_rep(id as i32);
                    pc = until as usize;
                    true
                }
                Inst::Until { id } => {
                    self.until(prog, id, &mut pc, pos);
                    true
                }
                Inst::GroupRef { slot, fold } => {
                    pc += 1;
                    match self.ref_span(slot as usize) {
                        Some((s, e)) if s == e || (pos <= end && end - pos >= e - s) => {
                            let ok = (0..e - s)
                                .all(|i| ref_eq(fold, text[s + i].get(), text[pos + i].get()));
                            pos += if ok { e - s } else { 0 };
                            ok
                        }
                        _ => false,
                    }
                }
                Inst::GroupExists { slot, no } => {
                    pc = if self.ref_span(slot as usize).is_some() {
                        pc + 1
                    } else {
                        no as usize
                    };
                    true
                }
                Inst::Look {
                    kind,
                    back,
                    end: after,
                } => {
                    let back = back as usize;
                    if pos < back {
                        pc = after as usize;
                        kind == LookKind::AssertNot
                    } else {
                        let full = kind == LookKind::AssertNot && self.in_repeat();
                        self.enter_body(kind, pos, after, full);
                        pos -= back;
                        pc += 1;
                        true
                    }
                }
                Inst::PossStart { id } => {
                    self.set_rep(id, Rep { count: 0, ..FRESH });
                    pc += 1;
                    true
                }
                Inst::PossLoop { id, exit } => {
                    let info = prog.repeats[id as usize];
                    let r = self.reps[id as usize];
                    if r.count < info.min as i64 {
                        self.enter_body(LookKind::PossMin, pos, pc as u32, false);
                        pc += 1;
                    } else if (info.max == MAXREPEAT || r.count < info.max as i64) && pos != r.last
                    {
                        self.set_rep(id, Rep { last: pos, ..r });
                        self.enter_body(LookKind::PossMore, pos, pc as u32, true);
                        pc += 1;
                    } else {
                        pc = exit as usize;
                    }
                    true
                }
                Inst::SubEnd => {
                    let ctx = self.looks.pop().expect("lookaround frame");
                    self.compact(ctx.bt, ctx.saves);
                    pc = ctx.end as usize;
                    match ctx.kind {
                        LookKind::Assert => {
                            pos = ctx.pos;
                            true
                        }
                        LookKind::Atomic => true,
                        LookKind::AssertNot => false,
                        LookKind::PossMin | LookKind::PossMore => {
                            let Inst::PossLoop { id, .. } = insts[pc] else {
                                unreachable!("possessive body returns to PossLoop")
                            };
                            let r = self.reps[id as usize];
                            self.set_rep(
                                id,
                                Rep {
                                    count: r.count + 1,
                                    ..r
                                },
                            );
                            true
                        }
                    }
                }
                Inst::Success => {
                    if (match_all && pos != end) || (must_advance && pos == start) {
                        false
                    } else {
                        return Ok(Some(pos));
                    }
                }
            };
            if !ok {
                match self.backtrack(prog, text, end, check)? {
                    Some((p, q)) => {
                        pc = p;
                        pos = q;
                    }
                    None => return Ok(None),
                }
            }
        }
    }

    /// sre's MARK: sets slot `i`, invalidating skipped slots.
    #[inline]
    fn mark(&mut self, slot: u32, pos: usize) {
        let i = slot as usize;
        if i & 1 == 1 {
            self.lastindex = (i / 2 + 1) as i32;
        }
        if i as i32 > self.lastmark {
            for j in (self.lastmark + 1) as usize..i {
                self.marks[j] = NONE;
            }
            self.lastmark = i as i32;
        }
        self.marks[i] = pos;
    }

    fn enter_body(&mut self, kind: LookKind, pos: usize, end: u32, full: bool) {
        self.looks.push(LookCtx {
            bt: self.bt.len(),
            pos,
            end,
            kind,
            saves: self.saves.len(),
        });
        let s = self.saved(full);
        self.bt.push(Bt::Look { s });
    }

    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn rep_one<T: Unit>(
        &mut self,
        prog: &Program,
        text: &[T],
        end: usize,
        pc: &mut usize,
        pos: &mut usize,
        min: u32,
        max: u32,
        next: u32,
        kind: RepKind,
    ) -> bool {
        let p = *pos;
        if p > end || (min as usize) > end - p {
            return false;
        }
        let item = prog.insts[*pc + 1];
        let cap = |n: u32| {
            if n == MAXREPEAT {
                end
            } else {
                end.min(p + n as usize)
            }
        };
        match kind {
            RepKind::Greedy => {
                let n = count(prog, item, text, p, cap(max));
                if n < min as usize {
                    return false;
                }
                let lo = p + min as usize;
                let Some(cur) = fit_literal(prog, next, text, end, lo, p + n) else {
                    return false;
                };
                let s = self.saved(self.in_repeat());
                self.bt.push(Bt::RepOne {
                    s,
                    tail: next,
                    lo,
                    cur,
                });
                *pos = cur;
            }
            RepKind::Possessive => {
                let n = count(prog, item, text, p, cap(max));
                if n < min as usize {
                    return false;
                }
                *pos = p + n;
            }
            RepKind::Lazy => {
                if min > 0 {
                    let n = count(prog, item, text, p, cap(min));
                    if n < min as usize {
                        return false;
                    }
                }
                let at = p + min as usize;
                let limit = if max == MAXREPEAT {
                    usize::MAX
                } else {
                    p + max as usize
                };
                let s = self.saved(self.in_repeat());
                self.bt.push(Bt::RepLazy {
                    s,
                    item: *pc as u32 + 1,
                    pos: at,
                    limit,
                });
                *pos = at;
            }
        }
        *pc = next as usize;
        true
    }

    /// sre's MAX_UNTIL / MIN_UNTIL.
    fn until(&mut self, prog: &Program, id: u32, pc: &mut usize, pos: usize) {
        let info = prog.repeats[id as usize];
        let r = self.reps[id as usize];
        let count = r.count + 1;
        if count < info.min as i64 {
            self.set_rep(id, Rep { count, ..r });
            *pc = info.body as usize;
        } else if info.greedy {
            if (info.max == MAXREPEAT || count < info.max as i64) && pos != r.last {
                let s = self.saved(true);
                let tail = *pc as u32 + 1;
                self.bt.push(Bt::UntilTail { s, id, tail, pos });
                self.set_rep(
                    id,
                    Rep {
                        count,
                        last: pos,
                        ..r
                    },
                );
                *pc = info.body as usize;
            } else {
                self.set_cur_rep(r.prev);
                *pc += 1;
            }
        } else {
            let s = self.saved(r.prev >= 0);
            self.bt.push(Bt::MinMore {
                s,
                until: *pc as u32,
                pos,
            });
            self.set_cur_rep(r.prev);
            *pc += 1;
        }
    }

    /// Drops the restore points of a finished body (from `from` up, with
    /// their snapshots from `saves` up), keeping its undo entries.
    fn compact(&mut self, from: usize, saves: usize) {
        let mut w = from;
        for r in from..self.bt.len() {
            let e = self.bt[r];
            if matches!(e, Bt::Rep { .. } | Bt::CurRep { .. }) {
                self.bt[w] = e;
                w += 1;
            }
        }
        self.bt.truncate(w);
        self.saves.truncate(saves);
    }

    /// Pops to the next alternative: Some((pc, pos)), or None when the
    /// match attempt failed.
    fn backtrack<T: Unit>(
        &mut self,
        prog: &Program,
        text: &[T],
        end: usize,
        check: &mut dyn FnMut() -> bool,
    ) -> Result<Option<(usize, usize)>, Interrupted> {
        loop {
            self.steps += 1;
            if self.steps >= CHECK_EVERY {
                self.steps = 0;
                if check() {
                    return Err(Interrupted);
                }
            }
            let Some(e) = self.bt.pop() else {
                return Ok(None);
            };
            match e {
                Bt::Rep {
                    id,
                    count,
                    last,
                    prev,
                } => self.reps[id as usize] = Rep { count, last, prev },
                Bt::CurRep { old } => self.cur_rep = old,
                Bt::Branch { s, next, pos } => {
                    let alt = if next == 0 {
                        None
                    } else {
                        viable(prog, text, end, next, pos)
                    };
                    self.restore(s, alt.is_some());
                    if let Some(alt) = alt {
                        let Inst::Branch { next: after } = prog.insts[alt as usize] else {
                            unreachable!("alternatives start with Branch")
                        };
                        self.bt.push(Bt::Branch {
                            s,
                            next: after,
                            pos,
                        });
                        return Ok(Some((alt as usize + 1, pos)));
                    }
                }
                Bt::UntilTail { s, id, tail, pos } => {
                    self.restore(s, false);
                    let prev = self.reps[id as usize].prev;
                    self.set_cur_rep(prev);
                    return Ok(Some((tail as usize, pos)));
                }
                Bt::RepOne { s, tail, lo, cur } => {
                    let next = if cur > lo {
                        fit_literal(prog, tail, text, end, lo, cur - 1)
                    } else {
                        None
                    };
                    self.restore(s, next.is_some());
                    if let Some(cur) = next {
                        self.bt.push(Bt::RepOne { s, tail, lo, cur });
                        return Ok(Some((tail as usize, cur)));
                    }
                }
                Bt::RepLazy {
                    s,
                    item,
                    pos,
                    limit,
                } => {
                    let more = pos < end
                        && pos < limit
                        && single(prog, prog.insts[item as usize], text[pos].get());
                    self.restore(s, more);
                    if more {
                        let Inst::RepOne { next, .. } = prog.insts[item as usize - 1] else {
                            unreachable!("RepLazy item follows RepOne")
                        };
                        self.bt.push(Bt::RepLazy {
                            s,
                            item,
                            pos: pos + 1,
                            limit,
                        });
                        return Ok(Some((next as usize, pos + 1)));
                    }
                }
                Bt::MinMore { s, until, pos } => {
                    self.restore(s, false);
                    let Inst::Until { id } = prog.insts[until as usize] else {
                        unreachable!("MinMore points at Until")
                    };
                    let info = prog.repeats[id as usize];
                    let r = self.reps[id as usize];
                    let count = r.count + 1;
                    if (info.max != MAXREPEAT && count >= info.max as i64) || pos == r.last {
                        continue;
                    }
                    self.set_rep(
                        id,
                        Rep {
                            count,
                            last: pos,
                            ..r
                        },
                    );
                    return Ok(Some((info.body as usize, pos)));
                }
                Bt::Look { s } => {
                    let ctx = self.looks.pop().expect("lookaround frame");
                    match ctx.kind {
                        LookKind::AssertNot => {
                            self.restore(s, false);
                            return Ok(Some((ctx.end as usize, ctx.pos)));
                        }
                        LookKind::PossMore => {
                            self.restore(s, false);
                            let Inst::PossLoop { exit, .. } = prog.insts[ctx.end as usize] else {
                                unreachable!("possessive frame ends at PossLoop")
                            };
                            return Ok(Some((exit as usize, ctx.pos)));
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}
