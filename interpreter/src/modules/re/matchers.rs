//! One-character matchers and zero-width tests as the engine evaluates
//! them on subject code units, with sre's definitions: `.` stops only at
//! `\n`, `$` also matches before a final newline, `\b` is false in an
//! empty subject, and case-insensitive tests compare lowercases.

use super::compiler::{is_single, At, Inst, Program, RefFold};
use super::unicode::{ascii_word, lower_ascii, lower_uni, uni_word, upper_ascii};

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

#[inline]
fn locale_eq(c: u32, x: u32) -> bool {
    c == x || (c < 256 && (lower_ascii(c) == x || upper_ascii(c) == x))
}

/// How many of `text[pos..limit]` match the one-character `item`.
#[inline]
pub fn count<T: Unit>(prog: &Program, item: Inst, text: &[T], pos: usize, limit: usize) -> usize {
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

#[inline]
pub fn at<T: Unit>(a: At, text: &[T], pos: usize, end: usize) -> bool {
    match a {
        At::Beginning => pos == 0,
        At::BeginningLine => pos == 0 || text[pos - 1].get() == 10,
        At::End => pos == end || (pos + 1 == end && text[pos].get() == 10),
        // Past `end` (only when pos > endpos) sre still reads the character.
        At::EndLine => pos == end || (pos < text.len() && text[pos].get() == 10),
        At::EndString => pos == end,
        At::Boundary | At::NonBoundary | At::UniBoundary | At::UniNonBoundary => {
            if end == 0 {
                return false;
            }
            let f: fn(u32) -> bool = if matches!(a, At::Boundary | At::NonBoundary) {
                ascii_word
            } else {
                uni_word
            };
            let before = pos > 0 && f(text[pos - 1].get());
            let here = pos < end && f(text[pos].get());
            (before != here) == matches!(a, At::Boundary | At::UniBoundary)
        }
    }
}

#[inline]
pub fn ref_eq(fold: RefFold, a: u32, b: u32) -> bool {
    match fold {
        RefFold::Exact => a == b,
        RefFold::Ascii => lower_ascii(a) == lower_ascii(b),
        RefFold::Unicode => lower_uni(a) == lower_uni(b),
    }
}

/// The first alternative from the one at `alt` that can start at `pos`:
/// one starting with a one-character matcher that fails here is skipped
/// (it would fail at once; sre skips literal and class starts the same way).
#[inline]
pub fn viable<T: Unit>(
    prog: &Program,
    text: &[T],
    end: usize,
    mut alt: u32,
    pos: usize,
) -> Option<u32> {
    loop {
        let first = prog.insts[alt as usize + 1];
        if !is_single(&first) || (pos < end && single(prog, first, text[pos].get())) {
            return Some(alt);
        }
        match prog.insts[alt as usize] {
            Inst::Branch { next } if next != 0 => alt = next,
            _ => return None,
        }
    }
}

/// Where a greedy `RepOne` may stop given the tail's leading literal: the
/// highest position in `lo..=cur` at which the literal matches.
#[inline]
pub fn fit_literal<T: Unit>(
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
