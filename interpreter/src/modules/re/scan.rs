//! Search acceleration: what every match must start with, computed once
//! per program (an anchor, a literal prefix, a first one-character matcher,
//! or a set of possible first characters), and the scans that skip to the
//! next position where a match can start. These only skip positions where
//! the engine would fail at once, so they never change results.

use super::compiler::{is_single, At, Inst, LookKind, Program};
use super::matchers::{single, Unit};

/// The possible first characters of a match: a bitmap below 256, and
/// whether any character from 256 up may start one.
#[derive(Debug, Clone)]
pub struct FirstSet {
    low: [u64; 4],
    high: bool,
}

impl FirstSet {
    #[inline(always)]
    fn has(&self, c: u32) -> bool {
        if c < 256 {
            self.low[(c >> 6) as usize] & (1 << (c & 63)) != 0
        } else {
            self.high
        }
    }
}

#[derive(Debug, Default)]
pub struct StartInfo {
    /// Matches can only start at position 0.
    pub anchored: bool,
    /// Literal characters every match starts with (no folding).
    pub prefix: Vec<u32>,
    /// A one-character matcher every match starts with.
    pub first: Option<Inst>,
    /// Otherwise, the characters a match can start with.
    pub set: Option<FirstSet>,
}

/// Computes the start information of a compiled program.
pub fn analyse(p: &Program) -> StartInfo {
    let mut info = StartInfo::default();
    let mut pc = 0;
    while let Some(Inst::Mark(_)) = p.insts.get(pc) {
        pc += 1;
    }
    match p.insts[pc] {
        Inst::At(At::Beginning) => info.anchored = true,
        Inst::RepOne { min, .. } if min >= 1 => info.first = Some(p.insts[pc + 1]),
        i if is_single(&i) => {
            info.first = Some(i);
            while pc < p.insts.len() {
                match p.insts[pc] {
                    Inst::Lit(c) => info.prefix.push(c),
                    Inst::Mark(_) => {}
                    _ => break,
                }
                pc += 1;
            }
        }
        _ => {
            let mut set = FirstSet {
                low: [0; 4],
                high: false,
            };
            if collect(p, pc, &mut set, 0) {
                info.set = Some(set);
            }
        }
    }
    info
}

/// Adds the first characters of matches starting at `pc`; false when a
/// match may be empty or start unpredictably.
fn collect(p: &Program, mut pc: usize, set: &mut FirstSet, depth: usize) -> bool {
    if depth > 64 {
        return false;
    }
    loop {
        match p.insts[pc] {
            i if is_single(&i) => {
                add(p, i, set);
                return true;
            }
            Inst::Mark(_) | Inst::At(_) => pc += 1,
            Inst::Jump(t) => pc = t as usize,
            Inst::Look {
                kind: LookKind::Atomic,
                ..
            } => pc += 1,
            Inst::Look { end, .. } => pc = end as usize,
            Inst::RepOne { min, next, .. } => {
                add(p, p.insts[pc + 1], set);
                if min >= 1 {
                    return true;
                }
                pc = next as usize;
            }
            Inst::Branch { .. } => {
                let mut alt = pc;
                loop {
                    let Inst::Branch { next } = p.insts[alt] else {
                        return false;
                    };
                    if !collect(p, alt + 1, set, depth + 1) {
                        return false;
                    }
                    if next == 0 {
                        return true;
                    }
                    alt = next as usize;
                }
            }
            _ => return false,
        }
    }
}

fn add(p: &Program, i: Inst, set: &mut FirstSet) {
    for c in 0..256u32 {
        if single(p, i, c) {
            set.low[(c >> 6) as usize] |= 1 << (c & 63);
        }
    }
    set.high |= match i {
        Inst::Lit(c) | Inst::LitA(c) | Inst::LitL(c) => c >= 256,
        _ => true,
    };
}

/// Index of the first `b` in `s`, eight bytes at a time.
fn memchr(b: u8, s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pat = LO.wrapping_mul(b as u64);
    let mut i = 0;
    while i + 8 <= s.len() {
        let w = u64::from_le_bytes(s[i..i + 8].try_into().unwrap()) ^ pat;
        if (w.wrapping_sub(LO) & !w & HI) != 0 {
            break;
        }
        i += 8;
    }
    s[i..].iter().position(|&x| x == b).map(|k| i + k)
}

/// A code unit slice that can be scanned for a literal.
pub trait Scan: Unit {
    fn find(s: &[Self], c: u32) -> Option<usize>;
}

impl Scan for u8 {
    fn find(s: &[u8], c: u32) -> Option<usize> {
        if c > 255 {
            return None;
        }
        memchr(c as u8, s)
    }
}

impl Scan for u32 {
    fn find(s: &[u32], c: u32) -> Option<usize> {
        s.iter().position(|&x| x == c)
    }
}

/// The next position in `p..end` where a match can start (None: none).
#[inline]
pub fn next_start<T: Scan>(
    prog: &Program,
    info: &StartInfo,
    text: &[T],
    mut p: usize,
    end: usize,
) -> Option<usize> {
    let prefix = &info.prefix[..];
    if prefix.len() >= 2 {
        while p + prefix.len() <= end {
            p += T::find(&text[p..end - prefix.len() + 1], prefix[0])?;
            if prefix[1..]
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
    if let Some(first) = info.first {
        if let Inst::Lit(c) = first {
            return T::find(&text[p..end], c).map(|i| p + i);
        }
        return (p..end).find(|&q| single(prog, first, text[q].get()));
    }
    let set = info.set.as_ref().unwrap();
    (p..end).find(|&q| set.has(text[q].get()))
}
