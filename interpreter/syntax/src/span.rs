//! `LineIndex`: turns byte offsets into 1-based line numbers and 0-based
//! columns (counted both in characters and in UTF-8 bytes), and gives the
//! text of a line. Lines end at `\n`, `\r\n` or a lone `\r`, as in CPython's
//! tokenizer. Invariant: `line_starts[0] == 0` and the vector is increasing.

/// Line-start table for one source text.
#[derive(Clone, Debug)]
pub struct LineIndex {
    src: String,
    line_starts: Vec<usize>,
}

/// A position in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 0-based column in characters.
    pub col_chars: usize,
    /// 0-based column in UTF-8 bytes (CPython's `col_offset`).
    pub col_bytes: usize,
}

impl LineIndex {
    pub fn new(src: &str) -> LineIndex {
        let mut line_starts = vec![0];
        let bytes = src.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => line_starts.push(i + 1),
                b'\r' => {
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    line_starts.push(i + 1);
                }
                _ => {}
            }
            i += 1;
        }
        LineIndex {
            src: src.to_string(),
            line_starts,
        }
    }

    /// The source this index was built from.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// Number of lines (a trailing newline does not start a counted line
    /// unless text follows it).
    pub fn line_count(&self) -> usize {
        let n = self.line_starts.len();
        if n > 1 && self.line_starts[n - 1] == self.src.len() {
            n - 1
        } else {
            n
        }
    }

    /// Clamp `offset` into the text and onto a character boundary.
    fn clamp(&self, offset: usize) -> usize {
        let mut o = offset.min(self.src.len());
        while o > 0 && !self.src.is_char_boundary(o) {
            o -= 1;
        }
        o
    }

    /// 1-based line containing byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = self.clamp(offset);
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// Byte offset where 1-based `line` starts (the end of text if past it).
    pub fn line_start(&self, line: usize) -> usize {
        if line == 0 {
            return 0;
        }
        self.line_starts
            .get(line - 1)
            .copied()
            .unwrap_or(self.src.len())
    }

    /// Line and columns of byte `offset`.
    pub fn position(&self, offset: usize) -> Position {
        let offset = self.clamp(offset);
        let line = self.line_of(offset);
        let start = self.line_start(line);
        Position {
            line,
            col_chars: self.src[start..offset].chars().count(),
            col_bytes: offset - start,
        }
    }

    /// The text of 1-based `line` without its terminator (empty past the end).
    pub fn line_text(&self, line: usize) -> &str {
        if line == 0 || line > self.line_starts.len() {
            return "";
        }
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.src.len());
        self.src[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The text of 1-based `line` including its terminator, if any.
    pub fn line_text_with_newline(&self, line: usize) -> &str {
        if line == 0 || line > self.line_starts.len() {
            return "";
        }
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.src.len());
        &self.src[start..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let ix = LineIndex::new("ab\r\nçd\re\n");
        assert_eq!(ix.line_of(0), 1);
        assert_eq!(ix.line_of(4), 2);
        let p = ix.position(6);
        assert_eq!((p.line, p.col_chars, p.col_bytes), (2, 1, 2));
        assert_eq!(ix.line_text(2), "çd");
        assert_eq!(ix.line_text(3), "e");
        assert_eq!(ix.line_count(), 3);
    }
}
