//! The backtracking matcher: runs a `Program` over a slice of code units
//! (bytes for ASCII str and bytes subjects, u32 code points otherwise)
//! with CPython sre's semantics. Nothing recurses: alternatives, repeat
//! counters, group marks and lookaround frames live on an explicit
//! backtrack stack (`bt`) whose undo entries restore marks and counters in
//! LIFO order. Positions are indexes into the subject; `end` is `endpos`
//! (text past it is invisible), while lookbehind and `\b` may look before
//! the search start. Invariant: a `LookMark` on `bt` pairs with the top
//! entry of `looks` until that lookaround finishes.

use super::ast::{RepKind, MAXREPEAT};
use super::compiler::{At, Inst, LookKind, Program, RefFold};
use super::unicode::{ascii_word, lower_ascii, lower_uni, uni_word, upper_ascii};

/// Marks not set.
pub const NONE: usize = usize::MAX;

/// A subject code unit.
pub trait Unit: Copy {
    fn get(self) -> u32;
}

impl Unit for u8 {
    #[inline(always)]
    fn get(self) -> u32 {
        self as u32
    }
}

impl Unit for u32 {
    #[inline(always)]
    fn get(self) -> u32 {
        self
    }
}

#[derive(Clone, Copy, Debug)]
enum Bt {
    /// Resume at `pc` with `pos`.
    Choice { pc: u32, pos: usize },
    /// Undo: mark slot `slot` was `old`, lastindex was `li`.
    Mark { slot: u32, li: i32, old: usize },
    /// Undo: repeat counter `id` was (`count`, `last`).
    Rep { id: u32, count: i64, last: usize },
    /// Greedy `RepOne`: retry the tail at positions below `cur` down to `lo`.
    RepOne { tail: u32, lo: usize, cur: usize },
    /// Lazy `RepOne` at `item`: take one more character at `pos` (up to `limit`).
    RepLazy { item: u32, pos: usize, limit: usize },
    /// Lazy `Until` at `until`: the tail failed at `pos`, try another body.
    MinMore { until: u32, pos: usize },
    /// Bottom of a lookaround or atomic body.
    LookMark,
}

#[derive(Clone, Copy, Debug)]
struct Rep {
    count: i64,
    last: usize,
}

#[derive(Clone, Copy, Debug)]
struct LookCtx {
    bt: usize,
    pos: usize,
    end: u32,
    kind: LookKind,
}

/// Reusable matcher state; results of the last successful run are in
/// `marks` and `lastindex`.
#[derive(Default)]
pub struct Matcher {
    bt: Vec<Bt>,
    pub marks: Vec<usize>,
    reps: Vec<Rep>,
    looks: Vec<LookCtx>,
    pub lastindex: i32,
    /// Backtrack entries popped since the last interrupt check.
    steps: u32,
}

/// Raised when the interrupt callback asks the matcher to stop.
#[derive(Debug, PartialEq, Eq)]
pub struct Interrupted;

/// How often (in backtracking steps) the interrupt callback runs.
const CHECK_EVERY: u32 = 1 << 16;

#[inline(always)]
pub fn single(prog: &Program, inst: Inst, c: u32) -> bool {
    match inst {
        Inst::Lit(x) => c == x,
        Inst::NotLit(x) => c != x,
        Inst::LitA(x) => lower_ascii(c) == x,
        Inst::NotLitA(x) => lower_ascii(c) != x,
        Inst::LitU(x) => lower_uni(c) == x,
        Inst::NotLitU(x) => lower_uni(c) != x,
        Inst::LitL(x) => locale_eq(c, x),
        Inst::NotLitL(x) => !locale_eq(c, x),
        Inst::Any => c != 10,
        Inst::AnyAll => true,
        Inst::Set(i) => prog.sets[i as usize].contains(c),
        _ => false,
    }
}

fn locale_eq(c: u32, x: u32) -> bool {
    c == x || (c < 256 && (lower_ascii(c) == x || upper_ascii(c) == x))
}

/// How many of `text[pos..limit]` match the one-character `item`.
fn count<T: Unit>(prog: &Program, item: Inst, text: &[T], pos: usize, limit: usize) -> usize {
    let s = &text[pos..limit];
    match item {
        Inst::AnyAll => s.len(),
        Inst::Any => s.iter().take_while(|c| c.get() != 10).count(),
        Inst::Lit(x) => s.iter().take_while(|c| c.get() == x).count(),
        Inst::NotLit(x) => s.iter().take_while(|c| c.get() != x).count(),
        Inst::Set(i) => {
            let set = &prog.sets[i as usize];
            s.iter().take_while(|c| set.contains(c.get())).count()
        }
        _ => s.iter().take_while(|c| single(prog, item, c.get())).count(),
    }
}

fn at<T: Unit>(a: At, text: &[T], pos: usize, end: usize) -> bool {
    let word = |f: fn(u32) -> bool| {
        let before = pos > 0 && pos <= text.len() && f(text[pos - 1].get());
        let here = pos < end && f(text[pos].get());
        (before, here)
    };
    match a {
        At::Beginning => pos == 0,
        At::BeginningLine => pos == 0 || (pos <= text.len() && text[pos - 1].get() == 10),
        At::End => pos == end || (pos + 1 == end && text[pos].get() == 10),
        At::EndLine => pos == end || (pos < end && text[pos].get() == 10),
        At::EndString => pos == end,
        At::Boundary | At::NonBoundary | At::UniBoundary | At::UniNonBoundary => {
            if end == 0 {
                return false;
            }
            let f = if matches!(a, At::Boundary | At::NonBoundary) {
                ascii_word
            } else {
                uni_word
            };
            let (b, h) = word(f);
            (b != h) == matches!(a, At::Boundary | At::UniBoundary)
        }
    }
}

fn ref_eq(fold: RefFold, a: u32, b: u32) -> bool {
    match fold {
        RefFold::Exact => a == b,
        RefFold::Ascii => lower_ascii(a) == lower_ascii(b),
        RefFold::Unicode => lower_uni(a) == lower_uni(b),
    }
}

/// Where `RepOne` may stop given the tail's leading literal: the highest
/// position in `lo..=cur` at which the literal matches.
fn fit_literal<T: Unit>(
    prog: &Program,
    tail: u32,
    text: &[T],
    end: usize,
    lo: usize,
    mut cur: usize,
) -> Option<usize> {
    if let Inst::Lit(c) = prog.insts[tail as usize] {
        loop {
            if cur < end && text[cur].get() == c {
                return Some(cur);
            }
            if cur == lo {
                return None;
            }
            cur -= 1;
        }
    }
    Some(cur)
}

impl Matcher {
    pub fn new() -> Matcher {
        Matcher::default()
    }

    fn reset(&mut self, prog: &Program) {
        self.bt.clear();
        self.looks.clear();
        self.marks.clear();
        self.marks.resize(prog.nmarks, NONE);
        if self.reps.len() < prog.repeats.len() {
            self.reps.resize(
                prog.repeats.len(),
                Rep {
                    count: -1,
                    last: NONE,
                },
            );
        }
        self.lastindex = -1;
    }

    /// The span of group `g` (1-based) after a successful run.
    pub fn group_span(&self, g: usize) -> Option<(usize, usize)> {
        let (s, e) = (self.marks[2 * g - 2], self.marks[2 * g - 1]);
        if s == NONE || e == NONE || e < s {
            None
        } else {
            Some((s, e))
        }
    }

    /// Searches `text[..end]` from `pos` for the leftmost match; returns
    /// its (start, end). `must_advance` rejects an empty match at `pos`.
    pub fn search<T: Unit>(
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
        if prog.anchored {
            return Ok(self
                .run(prog, text, end, pos, false, must_advance, check)?
                .map(|e| (pos, e)));
        }
        if let Some(first) = prog.first {
            let mut p = pos;
            while p < end {
                p = match find_first(prog, first, &prog.prefix, text, p, end) {
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
                    let s = slot as usize;
                    self.bt.push(Bt::Mark {
                        slot,
                        li: self.lastindex,
                        old: self.marks[s],
                    });
                    if s & 1 == 1 {
                        self.lastindex = (s / 2 + 1) as i32;
                    }
                    self.marks[s] = pos;
                    pc += 1;
                    true
                }
                Inst::Jump(t) => {
                    pc = t as usize;
                    true
                }
                Inst::Split(alt) => {
                    self.bt.push(Bt::Choice { pc: alt, pos });
                    pc += 1;
                    true
                }
                Inst::RepOne {
                    min,
                    max,
                    next,
                    kind,
                } => self.rep_one(prog, text, end, &mut pc, &mut pos, min, max, next, kind),
                Inst::Repeat { id, until } => {
                    let r = self.reps[id as usize];
                    self.bt.push(Bt::Rep {
                        id,
                        count: r.count,
                        last: r.last,
                    });
                    self.reps[id as usize] = Rep {
                        count: -1,
                        last: NONE,
                    };
                    pc = until as usize;
                    true
                }
                Inst::Until { id } => {
                    self.until(prog, id, &mut pc, pos);
                    true
                }
                Inst::GroupRef { slot, fold } => {
                    pc += 1;
                    let (s, e) = (self.marks[slot as usize], self.marks[slot as usize + 1]);
                    if s == NONE || e == NONE || e < s || pos > end || end - pos < e - s {
                        false
                    } else if (0..e - s)
                        .all(|i| ref_eq(fold, text[s + i].get(), text[pos + i].get()))
                    {
                        pos += e - s;
                        true
                    } else {
                        false
                    }
                }
                Inst::GroupExists { slot, no } => {
                    let (s, e) = (self.marks[slot as usize], self.marks[slot as usize + 1]);
                    if s == NONE || e == NONE || e < s {
                        pc = no as usize;
                    } else {
                        pc += 1;
                    }
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
                        self.looks.push(LookCtx {
                            bt: self.bt.len(),
                            pos,
                            end: after,
                            kind,
                        });
                        self.bt.push(Bt::LookMark);
                        pos -= back;
                        pc += 1;
                        true
                    }
                }
                Inst::SubEnd => {
                    let ctx = self.looks.pop().expect("lookaround frame");
                    pc = ctx.end as usize;
                    match ctx.kind {
                        LookKind::Assert => {
                            self.compact(ctx.bt);
                            pos = ctx.pos;
                            true
                        }
                        LookKind::Atomic => {
                            self.compact(ctx.bt);
                            true
                        }
                        LookKind::AssertNot => {
                            self.unwind(ctx.bt);
                            false
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
                if cur > lo {
                    self.bt.push(Bt::RepOne {
                        tail: next,
                        lo,
                        cur,
                    });
                }
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
                self.bt.push(Bt::RepLazy {
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

    fn until(&mut self, prog: &Program, id: u32, pc: &mut usize, pos: usize) {
        let info = prog.repeats[id as usize];
        let r = self.reps[id as usize];
        let count = r.count + 1;
        let undo = Bt::Rep {
            id,
            count: r.count,
            last: r.last,
        };
        if count < info.min as i64 {
            self.bt.push(undo);
            self.reps[id as usize].count = count;
            *pc = info.body as usize;
        } else if info.greedy {
            if (info.max == MAXREPEAT || count < info.max as i64) && pos != r.last {
                self.bt.push(Bt::Choice {
                    pc: *pc as u32 + 1,
                    pos,
                });
                self.bt.push(undo);
                self.reps[id as usize] = Rep { count, last: pos };
                *pc = info.body as usize;
            } else {
                *pc += 1;
            }
        } else {
            self.bt.push(Bt::MinMore {
                until: *pc as u32,
                pos,
            });
            *pc += 1;
        }
    }

    /// Keeps only the undo entries from `from` up (a finished lookahead
    /// or atomic group: its alternatives are gone, its marks stay).
    fn compact(&mut self, from: usize) {
        let mut w = from;
        for r in from..self.bt.len() {
            let e = self.bt[r];
            if matches!(e, Bt::Mark { .. } | Bt::Rep { .. }) {
                self.bt[w] = e;
                w += 1;
            }
        }
        self.bt.truncate(w);
    }

    /// Undoes and drops every entry from `from` up.
    fn unwind(&mut self, from: usize) {
        while self.bt.len() > from {
            let e = self.bt.pop().unwrap();
            self.undo(e);
        }
    }

    #[inline]
    fn undo(&mut self, e: Bt) {
        match e {
            Bt::Mark { slot, li, old } => {
                self.marks[slot as usize] = old;
                self.lastindex = li;
            }
            Bt::Rep { id, count, last } => self.reps[id as usize] = Rep { count, last },
            _ => {}
        }
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
                Bt::Choice { pc, pos } => return Ok(Some((pc as usize, pos))),
                Bt::Mark { .. } | Bt::Rep { .. } => self.undo(e),
                Bt::RepOne { tail, lo, cur } => {
                    if let Some(cur) = fit_literal(prog, tail, text, end, lo, cur - 1) {
                        if cur > lo {
                            self.bt.push(Bt::RepOne { tail, lo, cur });
                        }
                        return Ok(Some((tail as usize, cur)));
                    }
                }
                Bt::RepLazy { item, pos, limit } => {
                    if pos < end
                        && pos < limit
                        && single(prog, prog.insts[item as usize], text[pos].get())
                    {
                        let Inst::RepOne { next, .. } = prog.insts[item as usize - 1] else {
                            unreachable!("RepLazy item follows RepOne")
                        };
                        self.bt.push(Bt::RepLazy {
                            item,
                            pos: pos + 1,
                            limit,
                        });
                        return Ok(Some((next as usize, pos + 1)));
                    }
                }
                Bt::MinMore { until, pos } => {
                    let Inst::Until { id } = prog.insts[until as usize] else {
                        unreachable!("MinMore points at Until")
                    };
                    let info = prog.repeats[id as usize];
                    let r = self.reps[id as usize];
                    let count = r.count + 1;
                    if (info.max != MAXREPEAT && count >= info.max as i64) || pos == r.last {
                        continue;
                    }
                    self.bt.push(Bt::Rep {
                        id,
                        count: r.count,
                        last: r.last,
                    });
                    self.reps[id as usize] = Rep { count, last: pos };
                    return Ok(Some((info.body as usize, pos)));
                }
                Bt::LookMark => {
                    let ctx = self.looks.pop().expect("lookaround frame");
                    if ctx.kind == LookKind::AssertNot {
                        return Ok(Some((ctx.end as usize, ctx.pos)));
                    }
                }
            }
        }
    }
}

/// The next position at or after `p` where a match can start, using the
/// literal prefix or the first-character matcher.
fn find_first<T: Unit>(
    prog: &Program,
    first: Inst,
    prefix: &[u32],
    text: &[T],
    mut p: usize,
    end: usize,
) -> Option<usize> {
    if prefix.len() >= 2 {
        let c0 = prefix[0];
        while p + prefix.len() <= end {
            if text[p].get() == c0
                && prefix[1..]
                    .iter()
                    .enumerate()
                    .all(|(i, &c)| text[p + 1 + i].get() == c)
            {
                return Some(p);
            }
            p += 1;
        }
        return None;
    }
    if let Inst::Lit(c) = first {
        return text[p..end]
            .iter()
            .position(|x| x.get() == c)
            .map(|i| p + i);
    }
    while p < end {
        if single(prog, first, text[p].get()) {
            return Some(p);
        }
        p += 1;
    }
    None
}
