//! How many source lines a function's block spans, starting at its first
//! line (decorators included): what line_profiler lists under a function,
//! through `inspect.getblock`. The rules are those of CPython 3.11's
//! `inspect.BlockFinder` over `tokenize`'s token stream:
//!
//! - tokens before the first `def`/`class`/`lambda` (decorators) are
//!   skipped, a decorator ending at its NEWLINE;
//! - the block's last line is the line of the last NEWLINE seen (the end
//!   of a logical line), or of a comment line indented at least as deep as
//!   the body's first INDENT;
//! - the block ends at the DEDENT that closes its first INDENT, at the
//!   first NEWLINE for a lambda, or at another statement on the `def`
//!   line's level (one-line definitions); an indentation error ends it.
//!
//! The tokenizer here only tells apart what those rules look at: names,
//! `@`, comments (with their column), NL, NEWLINE, INDENT, DEDENT; strings
//! (prefixed, triple-quoted, spanning lines), brackets (no NEWLINE inside)
//! and backslash continuations are followed so that their contents never
//! count as tokens. Tabs advance to the next multiple of 8, as tokenize.

/// A token, as far as the block rules care.
#[derive(Debug, PartialEq)]
enum Tok<'a> {
    Name(&'a str),
    At,
    Other,
    Comment { row: usize, col: usize },
    Nl,
    Newline { row: usize },
    Indent { col: usize },
    Dedent,
}

/// Raised (as Err) when the block is complete.
struct End;

#[derive(Default)]
struct Finder {
    indent: i64,
    islambda: bool,
    started: bool,
    passline: bool,
    indecorator: bool,
    last: usize,
    body_col0: Option<usize>,
}

impl Finder {
    fn eat(&mut self, t: Tok<'_>) -> Result<(), End> {
        if !self.started && !self.indecorator {
            match t {
                Tok::At => self.indecorator = true,
                Tok::Name(n @ ("def" | "class" | "lambda")) => {
                    if n == "lambda" {
                        self.islambda = true;
                    }
                    self.started = true;
                }
                _ => {}
            }
            self.passline = true;
            return Ok(());
        }
        match t {
            Tok::Newline { row } => {
                self.passline = false;
                self.last = row;
                if self.islambda {
                    return Err(End);
                }
                self.indecorator = false;
            }
            _ if self.passline => {}
            Tok::Indent { col } => {
                if self.body_col0.is_none() && self.started {
                    self.body_col0 = Some(col);
                }
                self.indent += 1;
                self.passline = true;
            }
            Tok::Dedent => {
                self.indent -= 1;
                if self.indent <= 0 {
                    return Err(End);
                }
            }
            Tok::Comment { row, col } if self.body_col0.is_some_and(|c| col >= c) => {
                self.last = row;
            }
            Tok::Comment { .. } => {}
            Tok::Nl => {}
            _ if self.indent == 0 => return Err(End),
            _ => {}
        }
        Ok(())
    }
}

/// Column of the first non-blank character (tabs to multiples of 8) and
/// its byte offset.
fn indentation(line: &str) -> (usize, usize) {
    let mut col = 0;
    for (i, c) in line.char_indices() {
        match c {
            ' ' => col += 1,
            '\t' => col = (col / 8 + 1) * 8,
            '\x0c' => col = 0,
            _ => return (col, i),
        }
    }
    (col, line.len())
}

fn is_string_prefix(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "r" | "u" | "b" | "f" | "br" | "rb" | "fr" | "rf"
    )
}

/// Scans the lines, feeding tokens to the finder until it says the block
/// is complete or the lines run out.
struct Scanner<'a> {
    lines: &'a [&'a str],
    row: usize,
    pos: usize,
    depth: usize,
}

impl<'a> Scanner<'a> {
    fn line(&self) -> &'a str {
        self.lines.get(self.row).copied().unwrap_or("")
    }

    /// Skips a string literal whose opening quote is at `self.pos`,
    /// possibly over several lines.
    fn skip_string(&mut self) {
        let line = self.line().as_bytes();
        let q = line[self.pos];
        let triple =
            line.len() >= self.pos + 3 && line[self.pos + 1] == q && line[self.pos + 2] == q;
        self.pos += if triple { 3 } else { 1 };
        loop {
            let line = self.line().as_bytes();
            while self.pos < line.len() {
                let c = line[self.pos];
                if c == b'\\' {
                    self.pos += 2;
                    continue;
                }
                if c == q {
                    if !triple {
                        self.pos += 1;
                        return;
                    }
                    if line.len() >= self.pos + 3
                        && line[self.pos + 1] == q
                        && line[self.pos + 2] == q
                    {
                        self.pos += 3;
                        return;
                    }
                }
                if !triple && (c == b'\n' || c == b'\r') {
                    // Unterminated single-quoted string: stop at the line end.
                    self.pos = line.len();
                    return;
                }
                self.pos += 1;
            }
            // Continued on the next line (triple quotes, or a backslash
            // before the newline in a single-quoted string).
            self.row += 1;
            self.pos = 0;
            if self.row >= self.lines.len() {
                return;
            }
        }
    }

    /// Feeds the tokens of one logical line, starting at `self.pos` of
    /// `self.row`; ends after its NEWLINE (or at the end of the input).
    fn logical_line(&mut self, f: &mut Finder) -> Result<(), End> {
        loop {
            let text = self.line();
            let bytes = text.as_bytes();
            if self.pos >= bytes.len() || bytes[self.pos] == b'\n' || bytes[self.pos] == b'\r' {
                let row = self.row + 1;
                self.row += 1;
                self.pos = 0;
                if self.depth > 0 {
                    f.eat(Tok::Nl)?;
                    if self.row >= self.lines.len() {
                        return f.eat(Tok::Newline { row });
                    }
                    continue;
                }
                return f.eat(Tok::Newline { row });
            }
            let c = bytes[self.pos];
            match c {
                b' ' | b'\t' | b'\x0c' => self.pos += 1,
                b'#' => {
                    let col = indentation(&text[..self.pos]).0.max(self.pos);
                    f.eat(Tok::Comment {
                        row: self.row + 1,
                        col,
                    })?;
                    self.pos = bytes.len();
                }
                b'\\'
                    if bytes[self.pos + 1..]
                        .iter()
                        .all(|&b| b == b'\n' || b == b'\r') =>
                {
                    self.row += 1;
                    self.pos = 0;
                    if self.row >= self.lines.len() {
                        return f.eat(Tok::Newline { row: self.row });
                    }
                }
                b'\'' | b'"' => {
                    self.skip_string();
                    f.eat(Tok::Other)?;
                }
                b'@' => {
                    self.pos += 1;
                    f.eat(Tok::At)?;
                }
                b'(' | b'[' | b'{' => {
                    self.depth += 1;
                    self.pos += 1;
                    f.eat(Tok::Other)?;
                }
                b')' | b']' | b'}' => {
                    self.depth = self.depth.saturating_sub(1);
                    self.pos += 1;
                    f.eat(Tok::Other)?;
                }
                _ if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                    let start = self.pos;
                    let mut end = start;
                    for (i, ch) in text[start..].char_indices() {
                        if ch == '_' || ch.is_alphanumeric() {
                            end = start + i + ch.len_utf8();
                        } else {
                            break;
                        }
                    }
                    self.pos = end.max(start + 1);
                    let word = &text[start..self.pos];
                    let next = bytes.get(self.pos).copied();
                    if matches!(next, Some(b'\'' | b'"')) && is_string_prefix(word) {
                        self.skip_string();
                        f.eat(Tok::Other)?;
                    } else {
                        f.eat(Tok::Name(word))?;
                    }
                }
                _ => {
                    self.pos += 1;
                    f.eat(Tok::Other)?;
                }
            }
            if self.row >= self.lines.len() {
                return f.eat(Tok::Newline { row: self.row });
            }
        }
    }
}

/// The number of lines of the block at the top of `lines` (at least 1
/// when there are lines).
pub fn block_len(lines: &[&str]) -> usize {
    let mut f = Finder {
        last: 1,
        ..Finder::default()
    };
    let mut s = Scanner {
        lines,
        row: 0,
        pos: 0,
        depth: 0,
    };
    let mut indents = vec![0usize];
    let _ = (|| -> Result<(), End> {
        while s.row < lines.len() {
            let text = s.line();
            let (col, at) = indentation(text);
            let rest = &text[at..];
            if rest.is_empty() || rest.starts_with('\n') || rest.starts_with('\r') {
                f.eat(Tok::Nl)?;
                s.row += 1;
                continue;
            }
            if rest.starts_with('#') {
                f.eat(Tok::Comment {
                    row: s.row + 1,
                    col,
                })?;
                f.eat(Tok::Nl)?;
                s.row += 1;
                continue;
            }
            let top = *indents.last().unwrap_or(&0);
            if col > top {
                indents.push(col);
                f.eat(Tok::Indent { col })?;
            } else if col < top {
                while indents.last().is_some_and(|&t| t > col) {
                    indents.pop();
                    f.eat(Tok::Dedent)?;
                }
                if indents.last() != Some(&col) {
                    // An indentation error: the block ends here.
                    return Err(End);
                }
            }
            s.pos = at;
            s.logical_line(&mut f)?;
        }
        while indents.len() > 1 {
            indents.pop();
            f.eat(Tok::Dedent)?;
        }
        Ok(())
    })();
    f.last.min(lines.len().max(1))
}

#[cfg(test)]
mod tests {
    use super::block_len;

    fn n(src: &str) -> usize {
        let lines: Vec<&str> = src.split_inclusive('\n').collect();
        block_len(&lines)
    }

    #[test]
    fn plain_function_ends_before_the_next_statement() {
        assert_eq!(n("def f():\n    x = 1\n\n    return x\n\n\ny = 2\n"), 4);
    }

    #[test]
    fn decorators_and_multiline_signature() {
        let src = "@deco(follow=[a,\n   b])\n@plain\ndef f(a,\n      b):\n    return a\nx = 1\n";
        assert_eq!(n(src), 6);
    }

    #[test]
    fn comments_at_body_depth_are_kept_others_not() {
        let src = "def f():\n    x = 1\n# outside\n    # inside\n\n# after\nz = 3\n";
        assert_eq!(n(src), 4);
    }

    #[test]
    fn strings_and_brackets_hide_their_contents() {
        let src =
            "def f():\n    s = '''\ndef g():\n# no'''\n    t = (1,\n2)\n    return s\nq = 1\n";
        assert_eq!(n(src), 7);
    }

    #[test]
    fn method_in_a_class_and_end_of_file() {
        let src = "    def m(self):\n        return 1\n\n    def n(self):\n        pass\n";
        assert_eq!(n(src), 2);
        assert_eq!(n("def f():\n    return 1"), 2);
    }

    #[test]
    fn one_line_definitions_and_lambdas() {
        assert_eq!(n("def f(): return 1\nx = 2\n"), 1);
        assert_eq!(n("f = lambda x: (x +\n  1)\ny = 1\n"), 2);
    }
}
