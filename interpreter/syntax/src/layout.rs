//! The layout pass: raw logos tokens → parser triples `(start, Tok, end)` with
//! NEWLINE / INDENT / DEDENT, as CPython's tokenizer makes them. Owns the
//! indentation stack (two columns per level: tabs to multiples of 8 and tabs
//! as 1, TabError when they disagree), the bracket stack (capped at 200) and
//! implicit line joining. Blank and comment-only lines produce nothing; the
//! end of input yields a final NEWLINE plus one DEDENT per open level.

use crate::literal::{LexError, LexErrorKind};
use crate::token::{RawTok, Tok};
use logos::Logos;

/// A parser token with its byte span.
pub type Spanned = (usize, Tok, usize);

/// CPython's `MAXLEVEL`: deepest bracket nesting.
pub const MAX_BRACKET_DEPTH: usize = 200;
/// CPython's `MAXINDENT`: indentation stack size (including level 0).
pub const MAX_INDENT: usize = 100;

/// What the token stream is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A file (`exec`).
    Module,
    /// One expression (`eval`): indentation is not tracked.
    Expression,
    /// One REPL input (`single`).
    Interactive,
    /// The expression part of an f-string field: parsed as if inside brackets.
    FString,
}

/// The tokens of a source text, plus the first lexical error if any (the
/// tokens are those before it).
pub struct Tokens {
    pub tokens: Vec<Spanned>,
    pub error: Option<LexError>,
}

/// Tokenize `src[start..end]` (positions stay relative to `src`).
pub fn tokenize(src: &str, start: usize, end: usize, mode: Mode) -> Tokens {
    let mut lay = Layout {
        src,
        mode,
        indents: vec![(0, 0)],
        brackets: Vec::new(),
        at_bol: true,
        line_start: start,
        out: Vec::new(),
    };
    let mut lex = RawTok::lexer(&src[..end]);
    lex.bump(start);
    let error = lay.run(&mut lex, end).err();
    let mut tokens = lay.out;
    mark_with_parens(&mut tokens);
    Tokens { tokens, error }
}

/// Turn `with (` into `with WithLPar` when the matching `)` is followed by
/// `:`, so the grammar can parse parenthesized with-items without conflicts.
fn mark_with_parens(toks: &mut [Spanned]) {
    for i in 0..toks.len().saturating_sub(1) {
        if toks[i].1 != Tok::With || toks[i + 1].1 != Tok::LPar {
            continue;
        }
        let mut depth = 0usize;
        for j in i + 1..toks.len() {
            match toks[j].1 {
                Tok::LPar | Tok::LSqb | Tok::LBrace | Tok::WithLPar => depth += 1,
                Tok::RPar | Tok::RSqb | Tok::RBrace => {
                    depth -= 1;
                    if depth == 0 {
                        if toks.get(j + 1).map(|t| &t.1) == Some(&Tok::Colon) {
                            toks[i + 1].1 = Tok::WithLPar;
                        }
                        break;
                    }
                }
                Tok::Newline => break,
                _ => {}
            }
        }
    }
}

struct Layout<'s> {
    src: &'s str,
    mode: Mode,
    /// (column with tabs to multiples of 8, column with tabs as 1).
    indents: Vec<(usize, usize)>,
    /// Open brackets: (character, byte offset).
    brackets: Vec<(u8, usize)>,
    /// At the beginning of a logical line (no token yet on it).
    at_bol: bool,
    /// Byte offset where the current physical line starts.
    line_start: usize,
    out: Vec<Spanned>,
}

impl Layout<'_> {
    fn tracks_indent(&self) -> bool {
        matches!(self.mode, Mode::Module | Mode::Interactive)
    }

    fn depth(&self) -> usize {
        self.brackets.len() + usize::from(self.mode == Mode::FString)
    }

    fn run(&mut self, lex: &mut logos::Lexer<'_, RawTok>, end: usize) -> Result<(), LexError> {
        while let Some(item) = lex.next() {
            let span = lex.span();
            let raw = match item {
                Ok(raw) => raw,
                Err(e) => {
                    // Indentation is checked before the first token of a line.
                    if self.at_bol && self.tracks_indent() && self.depth() == 0 {
                        self.indentation(span.start)?;
                    }
                    let e = self.fix_error(e, span.start);
                    let layout_kind = matches!(
                        e.msg.as_str(),
                        "invalid syntax"
                            | "unexpected EOF while parsing"
                            | "unexpected character after line continuation character"
                    );
                    return Err(if layout_kind { e } else { e.overriding() });
                }
            };
            if raw == RawTok::Newline {
                if self.depth() == 0 && !self.at_bol {
                    self.out.push((span.start, Tok::Newline, span.end));
                    self.at_bol = true;
                }
                self.line_start = span.end;
                continue;
            }
            if self.at_bol {
                self.at_bol = false;
                if self.tracks_indent() && self.depth() == 0 {
                    self.indentation(span.start)?;
                }
            }
            match raw {
                RawTok::LPar | RawTok::LSqb | RawTok::LBrace => {
                    if self.brackets.len() >= MAX_BRACKET_DEPTH {
                        return Err(
                            LexError::new("too many nested parentheses", span.start).overriding()
                        );
                    }
                    self.brackets
                        .push((self.src.as_bytes()[span.start], span.start));
                }
                RawTok::RPar | RawTok::RSqb | RawTok::RBrace => {
                    let close = self.src.as_bytes()[span.start];
                    self.close_bracket(close, span.start)?;
                }
                _ => {}
            }
            let text = &self.src[span.clone()];
            self.out
                .push((span.start, Tok::from_raw(raw, text), span.end));
        }
        self.finish(end)
    }

    /// Turn logos' "nothing matched" error into CPython's message.
    fn fix_error(&self, e: LexError, start: usize) -> LexError {
        if !e.msg.is_empty() {
            return e;
        }
        let c = self.src[start..].chars().next().unwrap_or('\0');
        if c == '\0' {
            return LexError::new("source code cannot contain null bytes", start);
        }
        if c.is_ascii() {
            // `$`, `?`, `` ` `` and friends: CPython reports "invalid syntax".
            let mut e = LexError::new("invalid syntax", start);
            e.end = Some(start + 1);
            e
        } else {
            crate::literal::invalid_character(c, start)
        }
    }

    fn close_bracket(&mut self, close: u8, pos: usize) -> Result<(), LexError> {
        let Some(&(open, open_pos)) = self.brackets.last() else {
            return Err(LexError::new(format!("unmatched '{}'", close as char), pos).overriding());
        };
        let want = match open {
            b'(' => b')',
            b'[' => b']',
            _ => b'}',
        };
        if close != want {
            let idx = crate::span::LineIndex::new(&self.src[..pos.min(self.src.len())]);
            let open_line = idx.line_of(open_pos);
            let close_line = idx.line_of(pos);
            let msg = if open_line != close_line {
                format!(
                    "closing parenthesis '{}' does not match opening parenthesis '{}' on line {}",
                    close as char, open as char, open_line
                )
            } else {
                format!(
                    "closing parenthesis '{}' does not match opening parenthesis '{}'",
                    close as char, open as char
                )
            };
            return Err(LexError::new(msg, pos).overriding());
        }
        self.brackets.pop();
        Ok(())
    }

    /// Measure the indentation of the line holding the token at `tok_start`
    /// and emit INDENT/DEDENT tokens.
    fn indentation(&mut self, tok_start: usize) -> Result<(), LexError> {
        let (mut col, mut alt) = (0usize, 0usize);
        for &b in self.src.as_bytes()[self.line_start..tok_start].iter() {
            match b {
                b' ' => {
                    col += 1;
                    alt += 1;
                }
                b'\t' => {
                    col = (col / 8 + 1) * 8;
                    alt += 1;
                }
                b'\x0c' => {
                    col = 0;
                    alt = 0;
                }
                _ => break,
            }
        }
        let (top, top_alt) = *self.indents.last().unwrap_or(&(0, 0));
        let tab_error = || {
            LexError::new(
                "inconsistent use of tabs and spaces in indentation",
                self.line_start,
            )
            .with_kind(LexErrorKind::Tab)
        };
        if col == top {
            if alt != top_alt {
                return Err(tab_error());
            }
        } else if col > top {
            if self.indents.len() >= MAX_INDENT {
                return Err(
                    LexError::new("too many levels of indentation", self.line_start)
                        .with_kind(LexErrorKind::Indentation),
                );
            }
            if alt <= top_alt {
                return Err(tab_error());
            }
            self.indents.push((col, alt));
            self.out.push((tok_start, Tok::Indent, tok_start));
        } else {
            // Check the target level before emitting any DEDENT, as CPython's
            // tokenizer reports a bad dedent before producing tokens.
            let keep = self
                .indents
                .iter()
                .take_while(|l| l.0 <= col)
                .count()
                .max(1);
            let dedents = self.indents.len() - keep;
            let (top, top_alt) = self.indents[keep - 1];
            if col != top {
                // CPython puts the caret after the whole line.
                let line_end = self.src[tok_start..]
                    .find(['\n', '\r'])
                    .map_or(self.src.len(), |k| tok_start + k);
                return Err(LexError::new(
                    "unindent does not match any outer indentation level",
                    line_end,
                )
                .with_kind(LexErrorKind::Indentation));
            }
            if alt != top_alt {
                return Err(tab_error());
            }
            self.indents.truncate(keep);
            for _ in 0..dedents {
                self.out.push((tok_start, Tok::Dedent, tok_start));
            }
        }
        Ok(())
    }

    fn finish(&mut self, end: usize) -> Result<(), LexError> {
        if let Some(&(open, pos)) = self.brackets.last() {
            // CPython names the innermost unclosed bracket.
            let _ = pos;
            let (open, pos) = self.brackets.last().copied().unwrap_or((open, pos));
            return Err(
                LexError::new(format!("'{}' was never closed", open as char), pos).incomplete(),
            );
        }
        // A `\` continuation right before the end of input.
        let tail = self.src[..end].trim_end_matches(['\n', '\r']);
        if tail.ends_with('\\') && tail.len() < end && self.mode != Mode::FString {
            let bs = tail.len() - 1;
            if self.is_continuation(bs) {
                return Err(LexError::new("unexpected EOF while parsing", bs + 1).incomplete());
            }
        }
        if !self.at_bol || self.mode == Mode::FString {
            self.out.push((end, Tok::Newline, end));
            self.at_bol = true;
        }
        if self.tracks_indent() {
            while self.indents.len() > 1 {
                self.indents.pop();
                self.out.push((end, Tok::Dedent, end));
            }
        }
        Ok(())
    }

    /// Whether the backslash at `bs` is a line continuation (not inside a
    /// comment or string: the last token must end before it).
    fn is_continuation(&self, bs: usize) -> bool {
        match self.out.last() {
            Some(&(_, _, e)) => e <= bs && !self.src[e..bs].contains('#'),
            None => !self.src[..bs].contains('#'),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<String> {
        let t = tokenize(src, 0, src.len(), Mode::Module);
        let mut v: Vec<String> = t
            .tokens
            .iter()
            .map(|(_, t, _)| match t {
                Tok::Newline => "NL".to_string(),
                Tok::Indent => "IN".to_string(),
                Tok::Dedent => "DE".to_string(),
                Tok::Name(n) => n.clone(),
                other => format!("{other:?}"),
            })
            .collect();
        if let Some(e) = t.error {
            v.push(format!("ERR:{}", e.msg));
        }
        v
    }

    #[test]
    fn blocks_and_blank_lines() {
        assert_eq!(
            kinds("if x:\n    a\n\n  # c\n    b\nc\n"),
            ["If", "x", "Colon", "NL", "IN", "a", "NL", "b", "NL", "DE", "c", "NL"]
        );
    }

    #[test]
    fn eof_without_newline() {
        assert_eq!(
            kinds("if x:\n  a"),
            ["If", "x", "Colon", "NL", "IN", "a", "NL", "DE"]
        );
    }

    #[test]
    fn brackets_join_lines() {
        assert_eq!(
            kinds("f(a,\n  b)\n"),
            ["f", "LPar", "a", "Comma", "b", "RPar", "NL"]
        );
        assert_eq!(
            kinds("x = 1 + \\\n  2\n"),
            [
                "x",
                "Equal",
                "Number(Int(1))",
                "Plus",
                "Number(Int(2))",
                "NL"
            ]
        );
    }

    #[test]
    fn crlf() {
        assert_eq!(
            kinds("if x:\r\n  a\r\nb\r\n"),
            ["If", "x", "Colon", "NL", "IN", "a", "NL", "DE", "b", "NL"]
        );
    }

    #[test]
    fn tabs() {
        // A tab equals 8 spaces in both columns only when used consistently.
        assert_eq!(kinds("if x:\n\ta\n\tb\n").last().unwrap(), "DE");
        assert_eq!(
            kinds("if x:\n\ta\n        b\n").last().unwrap(),
            "ERR:inconsistent use of tabs and spaces in indentation"
        );
        assert_eq!(
            kinds("if x:\n  a\n\tb\n").last().unwrap(),
            "ERR:inconsistent use of tabs and spaces in indentation"
        );
    }

    #[test]
    fn bad_dedent_and_brackets() {
        assert_eq!(
            kinds("if x:\n    a\n  b\n").last().unwrap(),
            "ERR:unindent does not match any outer indentation level"
        );
        assert_eq!(kinds("(\n").last().unwrap(), "ERR:'(' was never closed");
        assert_eq!(kinds("x)").last().unwrap(), "ERR:unmatched ')'");
        assert_eq!(
            kinds("(]").last().unwrap(),
            "ERR:closing parenthesis ']' does not match opening parenthesis '('"
        );
        let deep = "[".repeat(10_000);
        assert_eq!(
            kinds(&deep).last().unwrap(),
            "ERR:too many nested parentheses"
        );
    }
}
