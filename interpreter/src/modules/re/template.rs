//! Replacement templates for `sub`, `subn` and `Match.expand`: `\1`,
//! `\g<name>`, `\g<0>`, octal and character escapes, parsed with sre's
//! rules (an unknown non-letter escape stays as written) into literal
//! pieces and group references.

use super::ast::MAXGROUPS;
use super::tokenizer::{ch, is_identifier, parse_py_int, CompileError, Source, Tok, Warning};
use crate::vm::repr::str_repr;

#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Literal code points (Latin-1 bytes for bytes templates).
    Lit(Vec<u32>),
    Group(usize),
}

#[derive(Debug)]
pub enum TemplateError {
    Re(CompileError),
    /// `IndexError(msg)` for an unknown group name.
    Index(String),
}

impl From<CompileError> for TemplateError {
    fn from(e: CompileError) -> Self {
        TemplateError::Re(e)
    }
}

fn escape_char(c: u32) -> Option<u32> {
    Some(match ch(c) {
        'a' => 7,
        'b' => 8,
        'f' => 12,
        'n' => 10,
        'r' => 13,
        't' => 9,
        'v' => 11,
        '\\' => 92,
        _ => return None,
    })
}

fn is_oct(t: Option<Tok>) -> Option<u32> {
    match t {
        Some(Tok::Ch(c)) if (0x30..=0x37).contains(&c) => Some(c),
        _ => None,
    }
}

fn is_digit(t: Option<Tok>) -> Option<u32> {
    match t {
        Some(Tok::Ch(c)) if (0x30..=0x39).contains(&c) => Some(c),
        _ => None,
    }
}

/// Parses template `units` for a pattern with `groups` groups and the
/// named groups `names`; also returns the warnings issued.
pub fn parse(
    units: Vec<u32>,
    istext: bool,
    groups: usize,
    names: &[(String, usize)],
) -> (Result<Vec<Piece>, TemplateError>, Vec<Warning>) {
    let mut s = match Source::new(units, istext) {
        Ok(s) => s,
        Err(e) => return (Err(e.into()), Vec::new()),
    };
    let r = parse_source(&mut s, groups, names);
    (r, std::mem::take(&mut s.warnings))
}

fn parse_source(
    s: &mut Source,
    groups: usize,
    names: &[(String, usize)],
) -> Result<Vec<Piece>, TemplateError> {
    let mut pieces: Vec<Piece> = Vec::new();
    let mut lit: Vec<u32> = Vec::new();
    let add_group =
        |pieces: &mut Vec<Piece>, lit: &mut Vec<u32>, s: &Source, index: usize, back: usize| {
            if index > groups {
                return Err(TemplateError::Re(
                    s.error(format!("invalid group reference {index}"), back),
                ));
            }
            if !lit.is_empty() {
                pieces.push(Piece::Lit(std::mem::take(lit)));
            }
            pieces.push(Piece::Group(index));
            Ok(())
        };
    while let Some(this) = s.get()? {
        let c = match this {
            Tok::Ch(c) => {
                lit.push(c);
                continue;
            }
            Tok::Esc(c) => c,
        };
        if c == 'g' as u32 {
            if !s.matches('<')? {
                return Err(s.error("missing <", 0).into());
            }
            let name = s.getuntil('>', "group name")?;
            let nlen = name.chars().count() + 1;
            let index = if is_identifier(&name) {
                s.checkgroupname(&name, 1)?;
                match names.iter().find(|(n, _)| *n == name) {
                    Some((_, g)) => *g,
                    None => {
                        return Err(TemplateError::Index(format!(
                            "unknown group name {}",
                            str_repr(&name)
                        )))
                    }
                }
            } else {
                let Some(i) = parse_py_int(&name) else {
                    return Err(s
                        .error(
                            format!("bad character in group name {}", str_repr(&name)),
                            nlen,
                        )
                        .into());
                };
                if i >= MAXGROUPS as u64 {
                    return Err(s.error(format!("invalid group reference {i}"), nlen).into());
                }
                s.check_number_name(&name);
                i as usize
            };
            add_group(&mut pieces, &mut lit, s, index, nlen)?;
        } else if c == '0' as u32 {
            let mut v = 0u32;
            for _ in 0..2 {
                match is_oct(s.next) {
                    Some(d) => {
                        s.get()?;
                        v = v * 8 + (d - 0x30);
                    }
                    None => break,
                }
            }
            lit.push(v & 0xff);
        } else if (0x31..=0x39).contains(&c) {
            let mut digits = vec![c];
            let mut octal = false;
            if let Some(d) = is_digit(s.next) {
                s.get()?;
                digits.push(d);
                if let Some(d3) = is_oct(s.next) {
                    if (0x30..=0x37).contains(&c) && (0x30..=0x37).contains(&d) {
                        s.get()?;
                        digits.push(d3);
                        octal = true;
                        let v = digits.iter().fold(0u32, |a, &x| a * 8 + (x - 0x30));
                        if v > 0o377 {
                            let text: String = digits.iter().map(|&x| ch(x)).collect();
                            return Err(s
                                .error(
                                    format!("octal escape value \\{text} outside of range 0-0o377"),
                                    text.len() + 1,
                                )
                                .into());
                        }
                        lit.push(v);
                    }
                }
            }
            if !octal {
                let index = digits
                    .iter()
                    .fold(0usize, |a, &x| a * 10 + (x - 0x30) as usize);
                add_group(&mut pieces, &mut lit, s, index, digits.len())?;
            }
        } else if let Some(v) = escape_char(c) {
            lit.push(v);
        } else if ch(c).is_ascii_alphabetic() {
            return Err(s.error(format!("bad escape \\{}", ch(c)), 2).into());
        } else {
            lit.push('\\' as u32);
            lit.push(c);
        }
    }
    if !lit.is_empty() {
        pieces.push(Piece::Lit(lit));
    }
    Ok(pieces)
}
