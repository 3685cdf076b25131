//! Number literals: `scan_number` follows CPython 3.11's tokenizer step by
//! step (`tok_nextc`/`tok_backup`, `verify_end_of_number`), so the same
//! inputs are refused with the same message at the same column; values are
//! built as BigInt (decimal literals limited to 4300 digits) or f64.

use crate::literal::{LexError, NumValue, MAX_STR_DIGITS};
use num_bigint::BigInt;
use num_traits::Num;

/// A cursor over the source that mimics CPython's `tok_nextc`/`tok_backup`.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cur<'_> {
    /// Next byte, or None at EOF (the cursor does not move at EOF).
    fn next(&mut self) -> Option<u8> {
        let c = self.b.get(self.i).copied();
        if c.is_some() {
            self.i += 1;
        }
        c
    }
    fn backup(&mut self, c: Option<u8>) {
        if c.is_some() {
            self.i -= 1;
        }
    }
    fn lookahead(&mut self, s: &[u8]) -> bool {
        self.b.get(self.i..self.i + s.len()) == Some(s)
    }
}

fn is_digit(c: Option<u8>) -> bool {
    matches!(c, Some(b'0'..=b'9'))
}

fn is_potential_identifier_char(c: Option<u8>) -> bool {
    matches!(c, Some(b'a'..=b'z' | b'A'..=b'Z' | b'_' | 0x80..=0xff))
}

/// CPython's `verify_end_of_number`: a number directly followed by a letter is
/// an error, except before the keywords that may follow a number.
fn verify_end(cur: &mut Cur, c: Option<u8>, kind: &str) -> Result<(), LexError> {
    let ok_kw = match c {
        Some(b'a') => cur.lookahead(b"nd"),
        Some(b'e') => cur.lookahead(b"lse"),
        Some(b'f') => cur.lookahead(b"or"),
        Some(b'i') => matches!(cur.b.get(cur.i), Some(b'f' | b'n' | b's')),
        Some(b'o') => cur.lookahead(b"r"),
        Some(b'n') => cur.lookahead(b"ot"),
        _ => false,
    };
    if !ok_kw && is_potential_identifier_char(c) {
        cur.backup(c);
        return Err(LexError::at_cur(format!("invalid {kind} literal"), cur.i));
    }
    Ok(())
}

/// CPython's `tok_decimal_tail`: digits with single `_` separators.
fn decimal_tail(cur: &mut Cur) -> Result<Option<u8>, LexError> {
    loop {
        let mut c;
        loop {
            c = cur.next();
            if !is_digit(c) {
                break;
            }
        }
        if c != Some(b'_') {
            return Ok(c);
        }
        c = cur.next();
        if !is_digit(c) {
            cur.backup(c);
            return Err(LexError::at_cur("invalid decimal literal", cur.i));
        }
    }
}

/// Scan a number starting at `start`; returns its value and end offset.
pub fn scan_number(src: &str, start: usize) -> Result<(NumValue, usize), LexError> {
    let mut cur = Cur {
        b: src.as_bytes(),
        i: start,
    };
    let first = cur.next();
    let mut c;
    enum Kind {
        Int(u32),
        Float,
        Imag,
    }
    let kind;
    if first == Some(b'.') {
        // `.5`: go straight to the fraction.
        c = cur.next();
        kind = fraction(&mut cur, c)?;
    } else if first == Some(b'0') {
        c = cur.next();
        match c {
            Some(b'x' | b'X') => {
                c = cur.next();
                loop {
                    if c == Some(b'_') {
                        c = cur.next();
                    }
                    if !c.is_some_and(|c| c.is_ascii_hexdigit()) {
                        cur.backup(c);
                        return Err(LexError::at_cur("invalid hexadecimal literal", cur.i));
                    }
                    loop {
                        c = cur.next();
                        if !c.is_some_and(|c| c.is_ascii_hexdigit()) {
                            break;
                        }
                    }
                    if c != Some(b'_') {
                        break;
                    }
                }
                verify_end(&mut cur, c, "hexadecimal")?;
                cur.backup(c);
                kind = Kind::Int(16);
            }
            Some(b'o' | b'O' | b'b' | b'B') => {
                let (radix, name) = if matches!(c, Some(b'o' | b'O')) {
                    (8u8, "octal")
                } else {
                    (2u8, "binary")
                };
                let ok = |c: Option<u8>| c.is_some_and(|c| c >= b'0' && c < b'0' + radix);
                c = cur.next();
                loop {
                    if c == Some(b'_') {
                        c = cur.next();
                    }
                    if !ok(c) {
                        if is_digit(c) {
                            return Err(LexError::at_cur(
                                format!(
                                    "invalid digit '{}' in {name} literal",
                                    c.unwrap_or(b'0') as char
                                ),
                                cur.i,
                            ));
                        }
                        cur.backup(c);
                        return Err(LexError::at_cur(format!("invalid {name} literal"), cur.i));
                    }
                    loop {
                        c = cur.next();
                        if !ok(c) {
                            break;
                        }
                    }
                    if c != Some(b'_') {
                        break;
                    }
                }
                if is_digit(c) {
                    return Err(LexError::at_cur(
                        format!(
                            "invalid digit '{}' in {name} literal",
                            c.unwrap_or(b'0') as char
                        ),
                        cur.i,
                    ));
                }
                verify_end(&mut cur, c, name)?;
                cur.backup(c);
                kind = Kind::Int(radix as u32);
            }
            _ => {
                let mut nonzero = false;
                loop {
                    if c == Some(b'_') {
                        c = cur.next();
                        if !is_digit(c) {
                            cur.backup(c);
                            return Err(LexError::at_cur("invalid decimal literal", cur.i));
                        }
                    }
                    if c != Some(b'0') {
                        break;
                    }
                    c = cur.next();
                }
                let zeros_end = cur.i;
                if is_digit(c) {
                    nonzero = true;
                    c = decimal_tail(&mut cur)?;
                }
                if c == Some(b'.') {
                    c = cur.next();
                    kind = fraction(&mut cur, c)?;
                } else if matches!(c, Some(b'e' | b'E')) {
                    kind = exponent(&mut cur, c, false)?;
                } else if matches!(c, Some(b'j' | b'J')) {
                    kind = imaginary(&mut cur)?;
                } else if nonzero {
                    cur.backup(c);
                    return Err(LexError::new(
                        "leading zeros in decimal integer literals are not permitted; \
                         use an 0o prefix for octal integers",
                        start,
                    )
                    .with_end(zeros_end - 1));
                } else {
                    verify_end(&mut cur, c, "decimal")?;
                    cur.backup(c);
                    kind = Kind::Int(10);
                }
            }
        }
    } else {
        cur.backup(first);
        c = decimal_tail(&mut cur)?;
        if c == Some(b'.') {
            c = cur.next();
            kind = fraction(&mut cur, c)?;
        } else if matches!(c, Some(b'e' | b'E')) {
            kind = exponent(&mut cur, c, false)?;
        } else if matches!(c, Some(b'j' | b'J')) {
            kind = imaginary(&mut cur)?;
        } else {
            verify_end(&mut cur, c, "decimal")?;
            cur.backup(c);
            kind = Kind::Int(10);
        }
    }
    let end = cur.i;
    let text: String = src[start..end].chars().filter(|&ch| ch != '_').collect();
    let value = match kind {
        Kind::Int(radix) => {
            let digits = if radix == 10 { &text[..] } else { &text[2..] };
            if radix == 10 {
                let significant = digits.trim_start_matches('0').len();
                if significant > MAX_STR_DIGITS {
                    let mut e = LexError::new(
                        format!(
                            "Exceeds the limit ({MAX_STR_DIGITS} digits) for integer string conversion: \
                             value has {significant} digits; use sys.set_int_max_str_digits() to increase \
                             the limit - Consider hexadecimal for huge integer literals to avoid decimal \
                             conversion limits."
                        ),
                        start,
                    );
                    e.fixed_offset = Some(0);
                    return Err(e);
                }
            }
            let v = BigInt::from_str_radix(if digits.is_empty() { "0" } else { digits }, radix)
                .unwrap_or_default();
            NumValue::Int(v)
        }
        Kind::Float => NumValue::Float(parse_float(&text)),
        Kind::Imag => NumValue::Imaginary(parse_float(&text[..text.len() - 1])),
    };
    return Ok((value, end));

    fn fraction(cur: &mut Cur, c: Option<u8>) -> Result<Kind, LexError> {
        let mut c = c;
        if is_digit(c) {
            c = decimal_tail(cur)?;
        }
        if matches!(c, Some(b'e' | b'E')) {
            return exponent(cur, c, true);
        }
        if matches!(c, Some(b'j' | b'J')) {
            return imaginary(cur);
        }
        verify_end(cur, c, "decimal")?;
        cur.backup(c);
        Ok(Kind::Float)
    }

    fn exponent(cur: &mut Cur, e: Option<u8>, was_float: bool) -> Result<Kind, LexError> {
        let mut c = cur.next();
        if matches!(c, Some(b'+' | b'-')) {
            c = cur.next();
            if !is_digit(c) {
                cur.backup(c);
                return Err(LexError::at_cur("invalid decimal literal", cur.i));
            }
        } else if !is_digit(c) {
            cur.backup(c);
            verify_end(cur, e, "decimal")?;
            // `1e` followed by a keyword such as `else`: the number ends before `e`.
            cur.backup(e);
            return Ok(if was_float {
                Kind::Float
            } else {
                Kind::Int(10)
            });
        }
        c = decimal_tail(cur)?;
        if matches!(c, Some(b'j' | b'J')) {
            return imaginary(cur);
        }
        verify_end(cur, c, "decimal")?;
        cur.backup(c);
        Ok(Kind::Float)
    }

    fn imaginary(cur: &mut Cur) -> Result<Kind, LexError> {
        let c = cur.next();
        verify_end(cur, c, "imaginary")?;
        cur.backup(c);
        Ok(Kind::Imag)
    }
}

fn parse_float(text: &str) -> f64 {
    text.parse::<f64>().unwrap_or(f64::INFINITY)
}
