//! String literals and lexical errors: scanning (called from the logos callbacks in
//! `token.rs`) and decoding (escapes, raw, bytes), with CPython 3.11's error
//! texts and caret positions. Scanning follows CPython's tokenizer step by
//! step so the same inputs are refused at the same column; decoding happens
//! later, when the parser joins adjacent literals.

use num_bigint::BigInt;

/// A lexical error. `pos` is a byte offset; CPython's 1-based `offset` is the
/// number of characters before `pos` on its line, plus one unless `cur` is set
/// (CPython then reports the tokenizer's current position as is).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct LexError {
    /// Empty for "no pattern matched" (logos' default error).
    pub msg: String,
    pub kind: LexErrorKind,
    pub pos: usize,
    pub cur: bool,
    /// Forced `(offset)` when CPython reports a fixed column (e.g. 0).
    pub fixed_offset: Option<usize>,
    /// Forced line (f-string field errors use CPython's odd coordinates).
    pub fixed_line: Option<usize>,
    /// `pos` is the end of a string group: report at the next token instead.
    pub after_strings: bool,
    /// A tokenizer error that CPython reports even when the parser failed
    /// earlier (it tokenizes the rest of the file after a syntax error).
    pub overrides: bool,
    pub end: Option<usize>,
    /// Input ended early (open string, bracket or block).
    pub incomplete: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LexErrorKind {
    #[default]
    Syntax,
    Indentation,
    Tab,
}

impl LexError {
    pub fn new(msg: impl Into<String>, pos: usize) -> LexError {
        LexError {
            msg: msg.into(),
            pos,
            ..LexError::default()
        }
    }
    /// An error whose offset is the tokenizer's cursor (no +1).
    pub fn at_cur(msg: impl Into<String>, cur: usize) -> LexError {
        LexError {
            msg: msg.into(),
            pos: cur,
            cur: true,
            ..LexError::default()
        }
    }
    pub fn with_kind(mut self, kind: LexErrorKind) -> LexError {
        self.kind = kind;
        self
    }
    pub fn incomplete(mut self) -> LexError {
        self.incomplete = true;
        self
    }
    pub fn with_end(mut self, end: usize) -> LexError {
        self.end = Some(end);
        self
    }
    pub fn overriding(mut self) -> LexError {
        self.overrides = true;
        self
    }
}

/// The value of a number token.
#[derive(Clone, Debug, PartialEq)]
pub enum NumValue {
    Int(BigInt),
    Float(f64),
    Imaginary(f64),
}

/// A string token: its prefix flags and where its body lies in the source.
#[derive(Clone, Debug, PartialEq)]
pub struct StrToken {
    pub raw: bool,
    pub bytes: bool,
    pub fstring: bool,
    /// The quote character, `'` or `"`.
    pub quote: char,
    pub triple: bool,
    /// Byte range of the text between the quotes.
    pub body_start: usize,
    pub body_end: usize,
}

/// CPython's limit on decimal digits in an int literal (`sys.int_info`).
pub const MAX_STR_DIGITS: usize = 4300;

pub fn invalid_character(c: char, pos: usize) -> LexError {
    if is_printable(c) {
        LexError::new(
            format!("invalid character '{}' (U+{:04X})", c, c as u32),
            pos,
        )
    } else {
        LexError::new(
            format!("invalid non-printable character U+{:04X}", c as u32),
            pos,
        )
    }
}

/// Python's `str.isprintable` for one character, approximately: control,
/// format, separator and unassigned/private code points are not printable.
fn is_printable(c: char) -> bool {
    let u = c as u32;
    if c == ' ' {
        return true;
    }
    if u < 0x20 || (0x7f..=0xa0).contains(&u) || u == 0xad {
        return false;
    }
    if c.is_whitespace() {
        return false;
    }
    !matches!(u,
        0x0600..=0x0605 | 0x061c | 0x06dd | 0x070f | 0x180e | 0x200b..=0x200f
        | 0x2028..=0x202e | 0x2060..=0x206f | 0xfeff | 0xfff9..=0xfffb
        | 0xe000..=0xf8ff | 0xf0000..=0x10ffff | 0xd800..=0xdfff)
}

/// Error for a `\` that is not followed by a newline.
pub fn backslash_error(src: &str, pos: usize) -> LexError {
    let rest = &src[pos + 1..];
    if rest.is_empty() {
        return LexError::new("unexpected EOF while parsing", pos + 1).incomplete();
    }
    // CPython reports the column after the character that follows `\`.
    let next_len = rest.chars().next().map_or(1, |c| c.len_utf8());
    LexError::at_cur(
        "unexpected character after line continuation character",
        pos + 1 + next_len,
    )
}

/// Lines (1-based) spanned by `text`: one more than its line breaks.
pub fn count_line(text: &str) -> usize {
    count_line_bytes(text.as_bytes())
}

/// `count_line` over raw bytes (no character-boundary requirement).
pub fn count_line_bytes(b: &[u8]) -> usize {
    let mut n = 1;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\n' {
            n += 1;
        } else if b[i] == b'\r' {
            n += 1;
            if b.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
        }
        i += 1;
    }
    n
}

/// Scan a string literal whose prefix starts at `start` and whose opening
/// quote is at `quote_pos`. Returns the token and the end offset.
pub fn scan_string(
    src: &str,
    start: usize,
    quote_pos: usize,
) -> Result<(StrToken, usize), LexError> {
    let b = src.as_bytes();
    let prefix = &src[start..quote_pos];
    let mut tok = StrToken {
        raw: false,
        bytes: false,
        fstring: false,
        quote: b[quote_pos] as char,
        triple: false,
        body_start: 0,
        body_end: 0,
    };
    for c in prefix.chars() {
        match c.to_ascii_lowercase() {
            'r' => tok.raw = true,
            'b' => tok.bytes = true,
            'f' => tok.fstring = true,
            _ => {}
        }
    }
    let q = b[quote_pos];
    let mut i = quote_pos + 1;
    if b.get(i) == Some(&q) && b.get(i + 1) == Some(&q) {
        tok.triple = true;
        i += 2;
    }
    tok.body_start = i;
    loop {
        if i >= b.len() {
            let detected = count_line_bytes(&b[..b.len().saturating_sub(1)]);
            return Err(unterminated(src, start, tok.triple, detected, true));
        }
        let c = b[i];
        if c == q {
            if !tok.triple {
                tok.body_end = i;
                return Ok((tok, i + 1));
            }
            if b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q) {
                tok.body_end = i;
                return Ok((tok, i + 3));
            }
            i += 1;
        } else if c == b'\\' {
            i += 1;
            if i < b.len() {
                if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
                    i += 2;
                } else {
                    i += 1;
                }
            }
        } else if (c == b'\n' || c == b'\r') && !tok.triple {
            let detected = count_line(&src[..i]);
            return Err(unterminated(src, start, false, detected, false));
        } else {
            i += 1;
        }
    }
}

fn unterminated(src: &str, start: usize, triple: bool, detected: usize, eof: bool) -> LexError {
    let _ = src;
    let msg = if triple {
        format!("unterminated triple-quoted string literal (detected at line {detected})")
    } else {
        format!("unterminated string literal (detected at line {detected})")
    };
    let e = LexError::new(msg, start);
    if triple && eof {
        e.incomplete()
    } else {
        e
    }
}

/// Why decoding a string body failed.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeError {
    pub msg: String,
}

/// Decode the body of a non-f string token (escapes, raw, bytes).
pub enum Decoded {
    Str(String),
    Bytes(Vec<u8>),
}

/// Decode `body` (the text between the quotes) of a str or bytes literal.
pub fn decode(body: &str, raw: bool, bytes: bool) -> Result<Decoded, DecodeError> {
    if bytes {
        if !body.is_ascii() {
            return Err(DecodeError {
                msg: "bytes can only contain ASCII literal characters".into(),
            });
        }
        if raw {
            return Ok(Decoded::Bytes(normalize_newlines(body).into_bytes()));
        }
        return decode_bytes(body).map(Decoded::Bytes);
    }
    if raw {
        return Ok(Decoded::Str(normalize_newlines(body)));
    }
    decode_str(body).map(Decoded::Str)
}

/// `\r\n` and lone `\r` become `\n`, as CPython's newline translation does.
pub fn normalize_newlines(s: &str) -> String {
    if !s.contains('\r') {
        return s.to_string();
    }
    s.replace("\r\n", "\n").replace('\r', "\n")
}

fn unicode_error(msg: &str, start: usize, end: usize) -> DecodeError {
    DecodeError {
        msg: format!(
            "(unicode error) 'unicodeescape' codec can't decode bytes in position {start}-{end}: {msg}"
        ),
    }
}

/// Decode escapes of a str literal body.
pub fn decode_str(body: &str) -> Result<String, DecodeError> {
    if !body.contains('\\') && !body.contains('\r') {
        return Ok(body.to_string());
    }
    let b = body.as_bytes();
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\r' {
            out.push('\n');
            i += if b.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
            continue;
        }
        if c != b'\\' {
            let ch = body[i..].chars().next().unwrap_or('\0');
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        let esc_start = i;
        i += 1;
        let Some(&e) = b.get(i) else {
            return Err(unicode_error("\\ at end of string", esc_start, esc_start));
        };
        i += 1;
        match e {
            b'\n' => {}
            b'\r' => {
                if b.get(i) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\\' => out.push('\\'),
            b'\'' => out.push('\''),
            b'"' => out.push('"'),
            b'a' => out.push('\x07'),
            b'b' => out.push('\x08'),
            b'f' => out.push('\x0c'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'v' => out.push('\x0b'),
            b'0'..=b'7' => {
                let mut v = (e - b'0') as u32;
                for _ in 0..2 {
                    match b.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + (d - b'0') as u32;
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            b'x' | b'u' | b'U' => {
                let (n, what) = match e {
                    b'x' => (2, "truncated \\xXX escape"),
                    b'u' => (4, "truncated \\uXXXX escape"),
                    _ => (8, "truncated \\UXXXXXXXX escape"),
                };
                let mut v: u32 = 0;
                for k in 0..n {
                    match b.get(i + k) {
                        Some(d) if d.is_ascii_hexdigit() => {
                            v = v * 16 + (*d as char).to_digit(16).unwrap_or(0);
                        }
                        _ => {
                            return Err(unicode_error(what, esc_start, i + k - 1));
                        }
                    }
                }
                i += n;
                match char::from_u32(v) {
                    Some(ch) => out.push(ch),
                    None if v < 0x110000 => out.push('\u{fffd}'),
                    None => {
                        return Err(unicode_error("illegal Unicode character", esc_start, i - 1))
                    }
                }
            }
            b'N' => {
                if b.get(i) != Some(&b'{') {
                    return Err(unicode_error(
                        "malformed \\N character escape",
                        esc_start,
                        i - 1,
                    ));
                }
                let close = body[i..].find('}');
                match close {
                    Some(k) if k > 1 => {
                        // Unicode names match case-insensitively, as in CPython.
                        let name = &body[i + 1..i + k];
                        match unicode_names2::character(name) {
                            Some(ch) => {
                                out.push(ch);
                                i += k + 1;
                            }
                            None => {
                                return Err(unicode_error(
                                    "unknown Unicode character name",
                                    esc_start,
                                    i + k,
                                ))
                            }
                        }
                    }
                    _ => {
                        return Err(unicode_error(
                            "malformed \\N character escape",
                            esc_start,
                            (i + close.unwrap_or(body.len() - i)).min(body.len()) - 1,
                        ))
                    }
                }
            }
            _ => {
                // Unknown escapes are kept as is (CPython warns).
                out.push('\\');
                i -= 1;
            }
        }
    }
    Ok(out)
}

/// Decode escapes of a bytes literal body (already checked to be ASCII).
pub fn decode_bytes(body: &str) -> Result<Vec<u8>, DecodeError> {
    let b = body.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\r' {
            out.push(b'\n');
            i += if b.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
            continue;
        }
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let esc_start = i;
        i += 1;
        let Some(&e) = b.get(i) else {
            return Err(DecodeError {
                msg: "(value error) Trailing \\ in string".into(),
            });
        };
        i += 1;
        match e {
            b'\n' => {}
            b'\r' => {
                if b.get(i) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\\' => out.push(b'\\'),
            b'\'' => out.push(b'\''),
            b'"' => out.push(b'"'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v = (e - b'0') as u32;
                for _ in 0..2 {
                    match b.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + (d - b'0') as u32;
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((v & 0xff) as u8);
            }
            b'x' => {
                let h = b
                    .get(i..i + 2)
                    .filter(|h| h.iter().all(|d| d.is_ascii_hexdigit()));
                match h {
                    Some(h) => {
                        let s = std::str::from_utf8(h).unwrap_or("0");
                        out.push(u8::from_str_radix(s, 16).unwrap_or(0));
                        i += 2;
                    }
                    None => {
                        return Err(DecodeError {
                            msg: format!(
                                "(value error) invalid \\x escape at position {esc_start}"
                            ),
                        })
                    }
                }
            }
            _ => {
                out.push(b'\\');
                i -= 1;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Result<(NumValue, usize), LexError> {
        crate::number::scan_number(s, 0)
    }

    #[test]
    fn numbers() {
        assert_eq!(num("123").unwrap(), (NumValue::Int(123.into()), 3));
        assert_eq!(num("0x_1f ").unwrap(), (NumValue::Int(31.into()), 5));
        assert_eq!(num("0o17").unwrap(), (NumValue::Int(15.into()), 4));
        assert_eq!(num("0b101\n").unwrap(), (NumValue::Int(5.into()), 5));
        assert_eq!(num("1_000.5").unwrap(), (NumValue::Float(1000.5), 7));
        assert_eq!(num("1.").unwrap(), (NumValue::Float(1.0), 2));
        assert_eq!(num(".5)").unwrap(), (NumValue::Float(0.5), 2));
        assert_eq!(num("1e-3").unwrap(), (NumValue::Float(0.001), 4));
        assert_eq!(num("2j").unwrap(), (NumValue::Imaginary(2.0), 2));
        assert_eq!(num("00").unwrap(), (NumValue::Int(0.into()), 2));
        assert_eq!(num("1if").unwrap(), (NumValue::Int(1.into()), 1));
        assert_eq!(num("1else").unwrap(), (NumValue::Int(1.into()), 1));
        assert_eq!(num("0x1for").unwrap(), (NumValue::Int(31.into()), 4));
        assert!(num("1_").is_err());
        assert!(num("0777").is_err());
        assert!(num("1abc").is_err());
    }

    #[test]
    fn strings() {
        assert_eq!(decode_str("a\\n\\x41\\u00e9\\101").unwrap(), "a\nAéA");
        assert_eq!(decode_bytes("\\xff\\777").unwrap(), vec![0xff, 0xff]);
        assert!(decode_str("\\x1").is_err());
    }
}
