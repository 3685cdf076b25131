//! The pattern tokenizer shared by the pattern parser and the template
//! parser: it reads code points (bytes patterns are decoded as Latin-1); a
//! token is one character or a backslash pair, and `tell()` is the index of
//! the token not yet consumed, so errors carry sre's positions. Also the
//! error and warning types of compilation.

use crate::vm::repr::str_repr;

/// Why a pattern could not be compiled.
#[derive(Debug, Clone, PartialEq)]
pub enum CompileError {
    /// `re.error(msg, pattern, pos)`.
    Re {
        msg: String,
        pos: Option<usize>,
    },
    Overflow(String),
    Value(String),
    Recursion,
}

pub type PResult<T> = Result<T, CompileError>;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tok {
    Ch(u32),
    Esc(u32),
}

impl Tok {
    pub fn len(self) -> usize {
        match self {
            Tok::Ch(_) => 1,
            Tok::Esc(_) => 2,
        }
    }
    pub fn text(self) -> String {
        match self {
            Tok::Ch(c) => ch(c).to_string(),
            Tok::Esc(c) => format!("\\{}", ch(c)),
        }
    }
    pub fn is(self, c: char) -> bool {
        self == Tok::Ch(c as u32)
    }
}

pub fn ch(c: u32) -> char {
    char::from_u32(c).unwrap_or('\u{fffd}')
}

/// A FutureWarning or DeprecationWarning the parser issues.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub future: bool,
    pub msg: String,
}

pub struct Source {
    chars: Vec<u32>,
    pub istext: bool,
    index: usize,
    pub next: Option<Tok>,
    pub warnings: Vec<Warning>,
}

impl Source {
    pub fn new(chars: Vec<u32>, istext: bool) -> PResult<Source> {
        let mut s = Source {
            chars,
            istext,
            index: 0,
            next: None,
            warnings: Vec::new(),
        };
        s.advance()?;
        Ok(s)
    }

    fn advance(&mut self) -> PResult<()> {
        let i = self.index;
        let Some(&c) = self.chars.get(i) else {
            self.next = None;
            return Ok(());
        };
        if c == '\\' as u32 {
            let Some(&d) = self.chars.get(i + 1) else {
                return Err(CompileError::Re {
                    msg: "bad escape (end of pattern)".into(),
                    pos: Some(self.chars.len() - 1),
                });
            };
            self.index = i + 2;
            self.next = Some(Tok::Esc(d));
        } else {
            self.index = i + 1;
            self.next = Some(Tok::Ch(c));
        }
        Ok(())
    }

    pub fn matches(&mut self, c: char) -> PResult<bool> {
        if self.next == Some(Tok::Ch(c as u32)) {
            self.advance()?;
            return Ok(true);
        }
        Ok(false)
    }

    pub fn get(&mut self) -> PResult<Option<Tok>> {
        let t = self.next;
        self.advance()?;
        Ok(t)
    }

    /// Up to `n` plain characters accepted by `ok`.
    pub fn getwhile(&mut self, n: usize, ok: impl Fn(u32) -> bool) -> PResult<Vec<u32>> {
        let mut out = Vec::new();
        for _ in 0..n {
            match self.next {
                Some(Tok::Ch(c)) if ok(c) => {
                    out.push(c);
                    self.advance()?;
                }
                _ => break,
            }
        }
        Ok(out)
    }

    /// Characters up to `term`, for names (`missing group name` errors).
    pub fn getuntil(&mut self, term: char, name: &str) -> PResult<String> {
        let mut result = String::new();
        let mut n = 0usize;
        loop {
            let c = self.next;
            self.advance()?;
            match c {
                None => {
                    if n == 0 {
                        return Err(self.error(format!("missing {name}"), 0));
                    }
                    return Err(self.error(format!("missing {term}, unterminated name"), n));
                }
                Some(t) if t.is(term) => {
                    if n == 0 {
                        return Err(self.error(format!("missing {name}"), 1));
                    }
                    break;
                }
                Some(t) => {
                    result.push_str(&t.text());
                    n += t.len();
                }
            }
        }
        Ok(result)
    }

    pub fn tell(&self) -> usize {
        self.index - self.next.map(|t| t.len()).unwrap_or(0)
    }

    pub fn seek(&mut self, index: usize) -> PResult<()> {
        self.index = index;
        self.advance()
    }

    pub fn error(&self, msg: impl Into<String>, offset: usize) -> CompileError {
        let mut msg = msg.into();
        if !self.istext {
            msg = ascii_backslash(&msg);
        }
        CompileError::Re {
            msg,
            pos: Some(self.tell().saturating_sub(offset)),
        }
    }

    pub fn checkgroupname(&mut self, name: &str, offset: usize) -> PResult<()> {
        let n = name.chars().count();
        if !is_identifier(name) {
            return Err(self.error(
                format!("bad character in group name {}", str_repr(name)),
                n + offset,
            ));
        }
        if !self.istext && !name.is_ascii() {
            let pos = self.tell() - n - offset;
            self.warn(
                false,
                format!(
                    "bad character in group name {} at position {pos}",
                    ascii_repr(name)
                ),
            );
        }
        Ok(())
    }

    pub fn warn(&mut self, future: bool, msg: String) {
        self.warnings.push(Warning { future, msg });
    }

    /// The DeprecationWarning for a group number that is not plain ASCII
    /// digits (`\g<+1>`, `(?(١)...)`).
    pub fn check_number_name(&mut self, name: &str) {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_digit()) {
            let pos = self.tell() - name.chars().count() - 1;
            let shown = if self.istext {
                str_repr(name)
            } else {
                ascii_repr(name)
            };
            self.warn(
                false,
                format!("bad character in group name {shown} at position {pos}"),
            );
        }
    }
}

/// `msg.encode('ascii', 'backslashreplace').decode()`.
pub fn ascii_backslash(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let v = c as u32;
        if v < 128 {
            out.push(c);
        } else if v < 256 {
            out.push_str(&format!("\\x{v:02x}"));
        } else if v < 0x10000 {
            out.push_str(&format!("\\u{v:04x}"));
        } else {
            out.push_str(&format!("\\U{v:08x}"));
        }
    }
    out
}

/// `ascii(s)` for a str.
fn ascii_repr(s: &str) -> String {
    ascii_backslash(&str_repr(s))
}

/// An approximation of `str.isidentifier()`.
pub fn is_identifier(s: &str) -> bool {
    let mut it = s.chars();
    match it.next() {
        Some(c) if c == '_' || c.is_alphabetic() => {}
        _ => return false,
    }
    it.all(|c| c == '_' || c.is_alphanumeric() || is_mark(c))
}

fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x300..=0x36f | 0x483..=0x487 | 0x591..=0x5bd | 0x610..=0x61a | 0x64b..=0x65f | 0x900..=0x903 | 0x93a..=0x94f | 0x200c | 0x200d)
}

/// `int(s)` for a non-negative group number (None when Python would
/// raise ValueError or the value is negative).
pub fn parse_py_int(s: &str) -> Option<u64> {
    let t = s.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || t.starts_with('_') || t.ends_with('_') || t.contains("__") {
        return None;
    }
    let mut v: u64 = 0;
    for c in t.chars() {
        if c == '_' {
            continue;
        }
        let d = c.to_digit(10)?;
        v = v.saturating_mul(10).saturating_add(d as u64);
    }
    Some(v)
}
