//! The `str` payload: immutable UTF-8 text with a cached hash and its length
//! in characters (Python indexes strings by code point; ASCII strings, the
//! common case, index by byte). Invariant: `nchars == s.chars().count()`;
//! `hash` is -1 until first computed and never -1 afterwards.

use std::cell::Cell;
use std::hash::Hasher;

use super::kind::Kind;
use super::rc::{ObjRef, Payload};

pub struct Str {
    s: Box<str>,
    hash: Cell<i64>,
    nchars: usize,
}

impl Str {
    pub fn new(s: impl Into<Box<str>>) -> Str {
        let s: Box<str> = s.into();
        let nchars = if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        };
        Str {
            s,
            hash: Cell::new(-1),
            nchars,
        }
    }

    #[inline(always)]
    pub fn as_str(&self) -> &str {
        &self.s
    }

    /// Length in code points.
    #[inline(always)]
    pub fn char_len(&self) -> usize {
        self.nchars
    }

    #[inline(always)]
    pub fn is_ascii(&self) -> bool {
        self.nchars == self.s.len()
    }

    /// The string's hash (deterministic: mini does not randomise hashing).
    #[inline]
    pub fn hash(&self) -> i64 {
        let h = self.hash.get();
        if h != -1 {
            return h;
        }
        let h = str_hash(&self.s);
        self.hash.set(h);
        h
    }

    /// The `i`-th code point (0-based), if in range.
    pub fn char_at(&self, i: usize) -> Option<char> {
        if self.is_ascii() {
            self.s.as_bytes().get(i).map(|b| *b as char)
        } else {
            self.s.chars().nth(i)
        }
    }

    /// Byte offset of the `i`-th code point (`i <= char_len`).
    pub fn byte_offset(&self, i: usize) -> usize {
        if self.is_ascii() {
            i
        } else {
            self.s
                .char_indices()
                .nth(i)
                .map(|(b, _)| b)
                .unwrap_or(self.s.len())
        }
    }

    /// Substring by code-point range `[start, end)`.
    pub fn slice_chars(&self, start: usize, end: usize) -> &str {
        let a = self.byte_offset(start);
        let b = self.byte_offset(end);
        &self.s[a..b]
    }
}

/// Hash of a string's UTF-8 bytes; never -1 (reserved for "not computed").
pub fn str_hash(s: &str) -> i64 {
    let mut h = rustc_hash::FxHasher::default();
    h.write(s.as_bytes());
    h.write_u8(0xff);
    let v = h.finish() as i64;
    if v == -1 {
        -2
    } else {
        v
    }
}

impl Payload for Str {
    const KIND: Kind = Kind::Str;
    const NAME: &'static str = "str";
    const IS_GC: bool = false;
}

/// The text of a str object (or a str subclass instance).
pub fn str_of(o: &ObjRef) -> Option<&str> {
    o.downcast::<Str>().map(|s| s.as_str())
}
