//! Source positions of instructions. Each instruction records the line and
//! column range of the source text it came from (CPython 3.11's
//! `co_positions`): lines for tracebacks, `f_lineno` and line events; columns
//! for the `~~~^^^` markers under the source line in tracebacks.
//! Invariants: lines are 1-based (0 = no line); columns are 0-based UTF-8 byte
//! offsets within their line; `NO_COL` marks an unknown column.

use mini_syntax::ast::Span;

pub const NO_COL: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    pub line: u32,
    pub end_line: u32,
    pub col: u32,
    pub end_col: u32,
}

/// Byte offsets of line starts, for turning spans into positions.
pub struct SourceMap {
    line_starts: Vec<u32>,
}

impl SourceMap {
    pub fn new(src: &str) -> SourceMap {
        let mut line_starts = vec![0u32];
        for (i, b) in src.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        SourceMap { line_starts }
    }

    /// 1-based line and 0-based byte column of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        let idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        (idx as u32 + 1, offset - self.line_starts[idx])
    }

    pub fn position(&self, span: Span) -> Position {
        let (line, col) = self.line_col(span.start);
        let (end_line, end_col) = self.line_col(span.end.max(span.start));
        Position {
            line,
            end_line,
            col,
            end_col,
        }
    }
}

/// `co_lines()`: runs of instructions with the same line, as
/// (start offset, end offset, line) with 2 bytes per instruction as CPython
/// reports offsets; line None is reported for instructions without a line.
pub fn co_lines(positions: &[Position]) -> Vec<(usize, usize, Option<u32>)> {
    let mut out: Vec<(usize, usize, Option<u32>)> = Vec::new();
    for (pc, p) in positions.iter().enumerate() {
        let line = if p.line == 0 { None } else { Some(p.line) };
        match out.last_mut() {
            Some(last) if last.2 == line && last.1 == pc * 2 => last.1 = pc * 2 + 2,
            _ => out.push((pc * 2, pc * 2 + 2, line)),
        }
    }
    out
}
