//! Backslash escapes in patterns, inside and outside character classes,
//! with sre's rules: `\x` `\u` `\U` take exactly 2/4/8 hex digits, octal
//! escapes stop at 0o377, `\1`..`\99` are group references outside
//! classes, and an unknown ASCII-letter escape is an error.

use super::ast::{AtCode, Category, Node, SetItem};
use super::parser::State;
use super::tokenizer::{ch, CompileError, PResult, Source, Tok};
use crate::vm::repr::str_repr;

fn is_hex(c: u32) -> bool {
    char::from_u32(c).is_some_and(|c| c.is_ascii_hexdigit())
}

fn is_oct(c: u32) -> bool {
    (0x30..=0x37).contains(&c)
}

fn is_digit(c: u32) -> bool {
    (0x30..=0x39).contains(&c)
}

fn text(digits: &[u32]) -> String {
    digits.iter().map(|&c| ch(c)).collect()
}

fn value(digits: &[u32], radix: u32) -> u32 {
    digits.iter().fold(0u32, |v, &c| {
        v.wrapping_mul(radix)
            .wrapping_add(ch(c).to_digit(radix).unwrap_or(0))
    })
}

fn category(c: char) -> Option<Category> {
    Some(match c {
        'd' => Category::Digit,
        'D' => Category::NotDigit,
        's' => Category::Space,
        'S' => Category::NotSpace,
        'w' => Category::Word,
        'W' => Category::NotWord,
        _ => return None,
    })
}

/// sre's ESCAPES table (`\b` is a backspace only inside classes).
fn simple(c: char) -> Option<u32> {
    Some(match c {
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

fn bad_escape(source: &Source, esc: &str) -> CompileError {
    source.error(format!("bad escape {esc}"), esc.chars().count())
}

/// The hex and `\N` escapes shared by both contexts; None when `c` is not
/// one of them.
fn numeric(source: &mut Source, c: char) -> PResult<Option<u32>> {
    let want = match c {
        'x' => 2,
        'u' if source.istext => 4,
        'U' if source.istext => 8,
        'N' if source.istext => {
            if !source.matches('{')? {
                return Err(source.error("missing {", 0));
            }
            let name = source.getuntil('}', "character name")?;
            return Err(source.error(
                format!("undefined character name {}", str_repr(&name)),
                name.chars().count() + 4,
            ));
        }
        _ => return Ok(None),
    };
    let digits = source.getwhile(want, is_hex)?;
    let esc = format!("\\{c}{}", text(&digits));
    if digits.len() != want {
        return Err(source.error(format!("incomplete escape {esc}"), esc.len()));
    }
    let v = value(&digits, 16);
    if c == 'U' && v > 0x10ffff {
        return Err(bad_escape(source, &esc));
    }
    Ok(Some(v))
}

/// An escape inside a character class.
pub fn class_escape(source: &mut Source, e: u32) -> PResult<SetItem> {
    let c = ch(e);
    if let Some(v) = simple(c) {
        return Ok(SetItem::Lit(v));
    }
    if let Some(cat) = category(c) {
        return Ok(SetItem::Cat(cat));
    }
    if let Some(v) = numeric(source, c)? {
        return Ok(SetItem::Lit(v));
    }
    if is_oct(e) {
        let mut digits = vec![e];
        digits.extend(source.getwhile(2, is_oct)?);
        let v = value(&digits, 8);
        if v > 0o377 {
            let esc = format!("\\{}", text(&digits));
            return Err(source.error(
                format!("octal escape value {esc} outside of range 0-0o377"),
                esc.len(),
            ));
        }
        return Ok(SetItem::Lit(v));
    }
    if is_digit(e) || c.is_ascii_alphabetic() {
        return Err(bad_escape(source, &format!("\\{c}")));
    }
    Ok(SetItem::Lit(e))
}

/// An escape outside a character class.
pub fn escape(source: &mut Source, e: u32, state: &State) -> PResult<Node> {
    let c = ch(e);
    match c {
        'A' => return Ok(Node::At(AtCode::BeginningString)),
        'b' => return Ok(Node::At(AtCode::Boundary)),
        'B' => return Ok(Node::At(AtCode::NonBoundary)),
        'Z' => return Ok(Node::At(AtCode::EndString)),
        _ => {}
    }
    if let Some(cat) = category(c) {
        return Ok(Node::In {
            negate: false,
            items: vec![SetItem::Cat(cat)],
        });
    }
    if let Some(v) = simple(c) {
        return Ok(Node::Lit(v));
    }
    if let Some(v) = numeric(source, c)? {
        return Ok(Node::Lit(v));
    }
    if c == '0' {
        let digits = source.getwhile(2, is_oct)?;
        return Ok(Node::Lit(value(&digits, 8)));
    }
    if is_digit(e) {
        let mut digits = vec![e];
        if let Some(Tok::Ch(d)) = source.next {
            if is_digit(d) {
                source.get()?;
                digits.push(d);
                if let Some(Tok::Ch(d3)) = source.next {
                    if is_oct(digits[0]) && is_oct(digits[1]) && is_oct(d3) {
                        source.get()?;
                        digits.push(d3);
                        let v = value(&digits, 8);
                        if v > 0o377 {
                            let esc = format!("\\{}", text(&digits));
                            return Err(source.error(
                                format!("octal escape value {esc} outside of range 0-0o377"),
                                esc.len(),
                            ));
                        }
                        return Ok(Node::Lit(v));
                    }
                }
            }
        }
        let group = value(&digits, 10) as usize;
        let esc_len = digits.len() + 1;
        if group < state.groups() {
            if !state.checkgroup(group) {
                return Err(source.error("cannot refer to an open group", esc_len));
            }
            state.check_lookbehind_ref(group, source)?;
            return Ok(Node::GroupRef(group));
        }
        return Err(source.error(format!("invalid group reference {group}"), esc_len - 1));
    }
    if c.is_ascii_alphabetic() {
        return Err(bad_escape(source, &format!("\\{c}")));
    }
    Ok(Node::Lit(e))
}
