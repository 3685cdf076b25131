//! Character predicates and case mappings with sre's semantics: the ASCII
//! flavours (bytes patterns, `re.ASCII`, and the C locale for `re.LOCALE`)
//! and the Unicode ones (tables generated from CPython in `unicode_data`).
//! Case mappings are "simple" (one code point to one code point).

use super::ast::Category;
use super::unicode_data::{CASE_FIXES, DIGIT, LOWER, SPACE, UPPER, WORD};

fn in_ranges(t: &[(u32, u32)], c: u32) -> bool {
    let i = t.partition_point(|&(_, hi)| hi < c);
    i < t.len() && t[i].0 <= c
}

fn map_runs(t: &[(u32, u32, i32, u32)], c: u32) -> u32 {
    let i = t.partition_point(|&(_, e, _, _)| e < c);
    if let Some(&(s, _, d, step)) = t.get(i) {
        if s <= c && (c - s).is_multiple_of(step) {
            return (c as i64 + d as i64) as u32;
        }
    }
    c
}

#[inline]
pub fn lower_ascii(c: u32) -> u32 {
    if (0x41..=0x5a).contains(&c) {
        c + 32
    } else {
        c
    }
}

#[inline]
pub fn upper_ascii(c: u32) -> u32 {
    if (0x61..=0x7a).contains(&c) {
        c - 32
    } else {
        c
    }
}

#[inline]
pub fn lower_uni(c: u32) -> u32 {
    if c < 128 {
        lower_ascii(c)
    } else {
        map_runs(&LOWER, c)
    }
}

#[inline]
pub fn upper_uni(c: u32) -> u32 {
    if c < 128 {
        upper_ascii(c)
    } else {
        map_runs(&UPPER, c)
    }
}

pub fn ascii_iscased(c: u32) -> bool {
    c < 128 && (c as u8).is_ascii_alphabetic()
}

pub fn uni_iscased(c: u32) -> bool {
    c != lower_uni(c) || c != upper_uni(c)
}

/// Other lowercase characters with the same uppercase as lowercase `lo`.
pub fn case_fixes(lo: u32) -> &'static [u32] {
    match CASE_FIXES.binary_search_by_key(&lo, |e| e.0) {
        Ok(i) => {
            let e = &CASE_FIXES[i];
            &e.1[..e.2 as usize]
        }
        Err(_) => &[],
    }
}

#[inline]
pub fn ascii_word(c: u32) -> bool {
    c < 128 && ((c as u8).is_ascii_alphanumeric() || c == 0x5f)
}

#[inline]
pub fn uni_word(c: u32) -> bool {
    if c < 128 {
        ascii_word(c)
    } else {
        in_ranges(&WORD, c)
    }
}

#[inline]
fn ascii_space(c: u32) -> bool {
    matches!(c, 0x20 | 0x09..=0x0d)
}

/// Unicode whitespace; unlike the ASCII flavour it includes \x1c-\x1f.
fn uni_space(c: u32) -> bool {
    in_ranges(&SPACE, c)
}

fn uni_digit(c: u32) -> bool {
    if c < 128 {
        (0x30..=0x39).contains(&c)
    } else {
        in_ranges(&DIGIT, c)
    }
}

/// Whether `c` is in category `cat` (Unicode or ASCII flavour).
pub fn in_category(cat: Category, uni: bool, c: u32) -> bool {
    match (cat, uni) {
        (Category::Digit, false) => (0x30..=0x39).contains(&c),
        (Category::Digit, true) => uni_digit(c),
        (Category::NotDigit, u) => !in_category(Category::Digit, u, c),
        (Category::Space, false) => ascii_space(c),
        (Category::Space, true) => uni_space(c),
        (Category::NotSpace, u) => !in_category(Category::Space, u, c),
        (Category::Word, false) => ascii_word(c),
        (Category::Word, true) => uni_word(c),
        (Category::NotWord, u) => !in_category(Category::Word, u, c),
    }
}
