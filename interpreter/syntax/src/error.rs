//! Syntax errors as CPython reports them: kind, message, 1-based line and
//! column (in characters), and the offending source line. Invariant: `lineno`
//! and `offset` are 1-based; `offset` counts characters, not bytes.

use crate::literal::LexErrorKind;
use crate::span::LineIndex;
use thiserror::Error;

/// Which exception class a syntax error becomes at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    SyntaxError,
    IndentationError,
    TabError,
}

impl SyntaxErrorKind {
    pub fn name(self) -> &'static str {
        match self {
            SyntaxErrorKind::SyntaxError => "SyntaxError",
            SyntaxErrorKind::IndentationError => "IndentationError",
            SyntaxErrorKind::TabError => "TabError",
        }
    }
}

#[derive(Clone, Debug, Error, PartialEq)]
#[error("{msg} ({filename}, line {lineno})")]
pub struct SyntaxError {
    pub kind: SyntaxErrorKind,
    pub msg: String,
    pub filename: String,
    /// 1-based line of the error.
    pub lineno: usize,
    /// 1-based column (characters) where the caret goes.
    pub offset: usize,
    pub end_lineno: usize,
    pub end_offset: usize,
    /// The source line, without its line terminator (None for `<stdin>`-less cases).
    pub text: Option<String>,
    /// True when the input ended early (an open bracket, block or string):
    /// the REPL shows `... ` and reads more instead of reporting the error.
    pub incomplete: bool,
}

impl SyntaxError {
    /// A syntax error with an explicit position.
    pub fn new(
        kind: SyntaxErrorKind,
        msg: impl Into<String>,
        filename: &str,
        lineno: usize,
        offset: usize,
        text: Option<String>,
    ) -> SyntaxError {
        SyntaxError {
            kind,
            msg: msg.into(),
            filename: filename.to_string(),
            lineno,
            offset,
            end_lineno: lineno,
            end_offset: offset,
            text,
            incomplete: false,
        }
    }

    /// Place a positioned lexer/parser error in the source.
    pub(crate) fn from_lex(
        e: &crate::literal::LexError,
        filename: &str,
        index: &LineIndex,
    ) -> SyntaxError {
        let kind = match e.kind {
            LexErrorKind::Syntax => SyntaxErrorKind::SyntaxError,
            LexErrorKind::Indentation => SyntaxErrorKind::IndentationError,
            LexErrorKind::Tab => SyntaxErrorKind::TabError,
        };
        let p = index.position(e.pos);
        let lineno = e.fixed_line.unwrap_or(p.line);
        let offset = e.fixed_offset.unwrap_or(p.col_chars + usize::from(!e.cur));
        let (end_lineno, end_offset) = match (e.end, e.fixed_line.or(e.fixed_offset.map(|_| 0))) {
            (Some(end), None) => {
                let q = index.position(end);
                (q.line, q.col_chars + 1)
            }
            _ => (lineno, offset),
        };
        SyntaxError {
            kind,
            msg: e.msg.clone(),
            filename: filename.to_string(),
            lineno,
            offset,
            end_lineno,
            end_offset,
            text: Some(index.line_text(lineno).to_string()),
            incomplete: e.incomplete,
        }
    }

    /// True when this error stands for CPython's "RecursionError: maximum
    /// recursion depth exceeded during compilation" (an expression or block
    /// nested deeper than `MAX_DEPTH`); the caller should raise RecursionError
    /// with `msg` instead of a SyntaxError.
    pub fn is_recursion_error(&self) -> bool {
        self.msg == crate::ast_builder::RECURSION_MSG
    }
}
