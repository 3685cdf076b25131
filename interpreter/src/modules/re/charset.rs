//! Compiled character classes. Building follows sre's compiler: under
//! IGNORECASE the members are lowercased (plus sre's case fixes), members
//! beyond the BMP stay as they are, and only a class with a cased member
//! folds the subject character before testing. Invariant: `low` holds the
//! final answer (negation and folding included) for every code point below
//! 256, so the common case is one bit test.

use super::ast::{Category, SetItem, FLAG_IGNORECASE, FLAG_LOCALE, FLAG_UNICODE};
use super::unicode::*;

/// How the subject character is transformed before the membership test.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fold {
    None,
    Ascii,
    Unicode,
    /// `re.LOCALE` (C locale): the lowercase or the uppercase is a member.
    Locale,
}

#[derive(Clone, Debug)]
pub struct CharSet {
    low: [u64; 4],
    negate: bool,
    fold: Fold,
    uni: bool,
    ranges: Vec<(u32, u32)>,
    cats: Vec<Category>,
    /// Ranges reaching past the BMP under Unicode IGNORECASE: a folded
    /// character matches when it or its uppercase is inside.
    uni_ign: Vec<(u32, u32)>,
}

impl CharSet {
    /// Compiles class `items` under `flags`.
    pub fn build(negate: bool, items: &[SetItem], flags: u32) -> CharSet {
        let ignore = flags & FLAG_IGNORECASE != 0;
        let locale = flags & FLAG_LOCALE != 0;
        let uni = flags & FLAG_UNICODE != 0 && !locale;
        // The case transform applied to members while building.
        let fixup: Option<bool> = if ignore && !locale { Some(uni) } else { None };
        let mut chars: Vec<u32> = Vec::new();
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        let mut cats = Vec::new();
        let mut uni_ign = Vec::new();
        let mut hascased = false;
        let add_folded = |chars: &mut Vec<u32>, c: u32, uni: bool| {
            let lo = if uni { lower_uni(c) } else { lower_ascii(c) };
            chars.push(lo);
            if uni {
                chars.extend_from_slice(case_fixes(lo));
            }
        };
        for &it in items {
            match (it, fixup) {
                (SetItem::Lit(c), Some(u)) => {
                    if c >= 0x10000 {
                        hascased = true;
                        ranges.push((c, c));
                    } else {
                        add_folded(&mut chars, c, u);
                        if if u { uni_iscased(c) } else { ascii_iscased(c) } {
                            hascased = true;
                        }
                    }
                }
                (SetItem::Range(a, b), Some(u)) => {
                    for c in a..=b.min(0xffff) {
                        add_folded(&mut chars, c, u);
                    }
                    if b >= 0x10000 {
                        hascased = true;
                        uni_ign.push((a, b));
                    } else if !hascased {
                        hascased =
                            (a..=b).any(|c| if u { uni_iscased(c) } else { ascii_iscased(c) });
                    }
                }
                (SetItem::Lit(c), None) => ranges.push((c, c)),
                (SetItem::Range(a, b), None) => ranges.push((a, b)),
                (SetItem::Cat(cat), _) => cats.push(cat),
            }
        }
        chars.sort_unstable();
        chars.dedup();
        for c in chars {
            ranges.push((c, c));
        }
        let fold = if ignore && locale {
            Fold::Locale
        } else if !ignore || !hascased {
            Fold::None
        } else if uni {
            Fold::Unicode
        } else {
            Fold::Ascii
        };
        let mut set = CharSet {
            low: [0; 4],
            negate,
            fold,
            uni,
            ranges: merge(ranges),
            cats,
            uni_ign,
        };
        for c in 0..256u32 {
            if set.slow(c) {
                set.low[(c >> 6) as usize] |= 1 << (c & 63);
            }
        }
        set
    }

    fn raw(&self, c: u32) -> bool {
        let i = self.ranges.partition_point(|&(_, hi)| hi < c);
        if i < self.ranges.len() && self.ranges[i].0 <= c {
            return true;
        }
        if self.cats.iter().any(|&cat| in_category(cat, self.uni, c)) {
            return true;
        }
        self.uni_ign.iter().any(|&(lo, hi)| {
            let u = upper_uni(c);
            (lo <= c && c <= hi) || (lo <= u && u <= hi)
        })
    }

    fn slow(&self, c: u32) -> bool {
        let hit = match self.fold {
            Fold::None => self.raw(c),
            Fold::Ascii => self.raw(lower_ascii(c)),
            Fold::Unicode => self.raw(lower_uni(c)),
            Fold::Locale => {
                let (l, u) = if c < 256 {
                    (lower_ascii(c), upper_ascii(c))
                } else {
                    (c, c)
                };
                self.raw(l) || (u != l && self.raw(u))
            }
        };
        hit != self.negate
    }

    #[inline(always)]
    pub fn contains(&self, c: u32) -> bool {
        if c < 256 {
            self.low[(c >> 6) as usize] & (1 << (c & 63)) != 0
        } else {
            self.slow(c)
        }
    }
}

/// Sorts and merges overlapping or adjacent ranges.
fn merge(mut r: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    r.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(r.len());
    for (a, b) in r {
        match out.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}
