//! `decode_source`: the bytes of a source file → text, as CPython reads a
//! script: a UTF-8 BOM is dropped, a PEP 263 `coding: latin-1` declaration in
//! the first two lines is honoured, and otherwise the text must be UTF-8
//! ("Non-UTF-8 code starting with ...") and free of NUL bytes.

use crate::error::{SyntaxError, SyntaxErrorKind};

fn line_of(bytes: &[u8], pos: usize) -> usize {
    1 + bytes[..pos].iter().filter(|&&b| b == b'\n').count()
}

/// The encoding named by a PEP 263 comment in the first two lines, if any.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    for line in bytes.split(|&b| b == b'\n').take(2) {
        let text = String::from_utf8_lossy(line);
        let t = text.trim_start();
        if !t.starts_with('#') {
            if t.is_empty() {
                continue;
            }
            return None;
        }
        if let Some(k) = t.find("coding") {
            let rest = &t[k + 6..];
            if let Some(rest) = rest.strip_prefix([':', '=']) {
                let name: String = rest
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    .collect();
                return Some(name.to_ascii_lowercase().replace('_', "-"));
            }
        }
    }
    None
}

/// Decode a source file's bytes to text with CPython's errors.
pub fn decode_source(bytes: &[u8], filename: &str) -> Result<String, SyntaxError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let nul = bytes.iter().position(|&b| b == 0);
    let latin1 = matches!(
        declared_encoding(bytes).as_deref(),
        Some("latin-1" | "iso-8859-1" | "latin1" | "iso8859-1" | "l1")
    );
    let bad_utf8 = if latin1 {
        None
    } else {
        std::str::from_utf8(bytes).err().map(|e| e.valid_up_to())
    };
    if let Some(p) = nul {
        if bad_utf8.is_none_or(|b| p < b) {
            let mut e = SyntaxError::new(
                SyntaxErrorKind::SyntaxError,
                "source code cannot contain null bytes",
                filename,
                line_of(bytes, p),
                0,
                None,
            );
            e.end_offset = 0;
            return Err(e);
        }
    }
    if let Some(p) = bad_utf8 {
        let line = line_of(bytes, p);
        let msg = format!(
            "Non-UTF-8 code starting with '\\x{:02x}' in file {} on line {}, but no encoding declared; \
             see https://peps.python.org/pep-0263/ for details",
            bytes[p], filename, line
        );
        return Err(SyntaxError::new(
            SyntaxErrorKind::SyntaxError,
            msg,
            filename,
            line,
            0,
            None,
        ));
    }
    if latin1 {
        return Ok(bytes.iter().map(|&b| b as char).collect());
    }
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(
            decode_source(b"\xef\xbb\xbfx = 1\n", "f").unwrap(),
            "x = 1\n"
        );
        let e = decode_source(b"x = 1\ny = '\xff'\n", "f.py").unwrap_err();
        assert_eq!(
            e.msg,
            "Non-UTF-8 code starting with '\\xff' in file f.py on line 2, but no encoding declared; \
             see https://peps.python.org/pep-0263/ for details"
        );
        let e = decode_source(b"x = 1\ny = 2\0\n", "f.py").unwrap_err();
        assert_eq!(
            (e.msg.as_str(), e.lineno),
            ("source code cannot contain null bytes", 2)
        );
        assert_eq!(
            decode_source(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n", "f").unwrap(),
            "# -*- coding: latin-1 -*-\nx = '\u{e9}'\n"
        );
    }
}
