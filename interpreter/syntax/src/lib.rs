//! mini's front end: source text → tokens (logos) → layout tokens (NEWLINE,
//! INDENT, DEDENT) → AST (lalrpop). Nothing here knows about the VM.
//!
//! | file | role |
//! |---|---|
//! | `ast.rs` | AST node types, every node with its byte `Span` |
//! | `token.rs` | logos raw tokens and the parser's `Tok` (keywords, operators) |
//! | `literal.rs` | string scanning/decoding, `LexError`, with CPython's errors |
//! | `number.rs` | number scanning (CPython's tokenizer rules and messages) |
//! | `layout.rs` | NEWLINE/INDENT/DEDENT, bracket stack, tabs, implicit joining |
//! | `grammar.lalrpop` | the grammar: one `pub` rule, one marker token per mode |
//! | `parser.rs` | driver: tokenize, run lalrpop, hand failures to `diagnose.rs` |
//! | `ast_builder.rs` | grammar actions for expressions; depth tracking (`MAX_DEPTH`) |
//! | `stmt_builder.rs` | grammar actions for statements (elif chains, try, def, class) |
//! | `targets.rs` | assignment/deletion target checks with CPython's messages |
//! | `params.rs` | `def`/`lambda` parameter lists and their order rules |
//! | `fstring.rs` | joining adjacent literals, splitting and parsing f-strings |
//! | `diagnose.rs` | lalrpop errors → "invalid syntax", "expected ':'", ... |
//! | `tokscan.rs` | token-vector scanning helpers for `diagnose.rs` |
//! | `error.rs` | `SyntaxError` with CPython's messages, line, column and text |
//! | `span.rs` | `LineIndex`: byte offsets → 1-based lines and columns |
//! | `source.rs` | `decode_source`: bytes → text (BOM, UTF-8, NUL checks) |
//!
//! Entry points: [`parse_module`], [`parse_expression`], [`parse_interactive`],
//! [`decode_source`].
//!
//! ## Depth limits
//!
//! The parser never builds a tree deeper than [`MAX_DEPTH`]
//! (2991 levels of statements and expressions together), so every recursive
//! walk over the AST — derived `Drop`, `Clone`, `PartialEq`, and the compiler —
//! is bounded. That is CPython 3.11's own boundary: it compiles `-`×2989 `1`
//! and raises "RecursionError: maximum recursion depth exceeded during
//! compilation" for one more. mini reports such input as a `SyntaxError`
//! whose `msg` is that text and whose [`SyntaxError::is_recursion_error`] is
//! true; the caller raises RecursionError with that message instead. Other
//! caps, as in CPython's tokenizer: 200 nested brackets ("too many nested
//! parentheses") and 100 indentation levels ("too many levels of
//! indentation"). Consumers that recurse over the AST (a compiler at about
//! 3000 levels) should run on a thread with a large stack.
//!
//! ## Known differences from CPython 3.11
//!
//! - Identifiers are not NFKC-normalized (CPython normalizes non-ASCII ones).
//! - A `u''` prefix is accepted but not recorded (CPython's `Constant.kind`).
//! - Strings are Rust `String`s: lone surrogates (`'\ud800'`) become U+FFFD.
//! - `decode_source` honours only UTF-8 and latin-1 coding declarations.
//! - `parse_interactive` returns an empty module for blank or comment-only
//!   input (CPython's `compile(..., 'single')` raises); the REPL skips it.
//! - Error messages follow CPython's rules for common mistakes; rare ones can
//!   fall back to "invalid syntax" or a different caret (see `diagnose.rs`).

pub mod ast;
mod ast_builder;
mod diagnose;
pub mod error;
mod fstring;
mod layout;
mod literal;
mod number;
mod params;
mod parser;
mod source;
pub mod span;
mod stmt_builder;
mod targets;
mod token;
mod tokscan;

pub use ast_builder::{MAX_DEPTH, RECURSION_MSG};
pub use error::{SyntaxError, SyntaxErrorKind};
pub use layout::{MAX_BRACKET_DEPTH, MAX_INDENT};
pub use source::decode_source;
pub use span::LineIndex;

use ast_builder::Top;
use layout::Mode;

fn run(src: &str, filename: &str, mode: Mode) -> Result<Top, SyntaxError> {
    if src.len() >= u32::MAX as usize {
        // Spans are 32-bit byte offsets.
        return Err(SyntaxError::new(
            SyntaxErrorKind::SyntaxError,
            "source code is too large (4 GiB or more)",
            filename,
            1,
            0,
            None,
        ));
    }
    if let Some(nul) = src.find('\0') {
        let index = LineIndex::new(src);
        let line = index.line_of(nul);
        let mut e = SyntaxError::new(
            SyntaxErrorKind::SyntaxError,
            "source code string cannot contain null bytes",
            filename,
            line,
            0,
            None,
        );
        e.end_offset = 0;
        return Err(e);
    }
    let start = if src.starts_with('\u{feff}') { 3 } else { 0 };
    parser::parse_top(src, start, src.len(), mode, 0).map_err(|e| {
        let index = LineIndex::new(src);
        SyntaxError::from_lex(&e, filename, &index)
    })
}

fn stmts(body: Vec<ast_builder::St>) -> ast::Module {
    ast::Module {
        body: body.into_iter().map(|s| s.s).collect(),
    }
}

/// Parse a whole file (`exec` mode).
pub fn parse_module(src: &str, filename: &str) -> Result<ast::Module, SyntaxError> {
    match run(src, filename, Mode::Module)? {
        Top::Module(body) => Ok(stmts(body)),
        Top::Expr(_) => Ok(ast::Module { body: vec![] }),
    }
}

/// Parse one expression (`eval` mode); leading and trailing whitespace and
/// blank lines are allowed.
pub fn parse_expression(src: &str, filename: &str) -> Result<ast::Expr, SyntaxError> {
    match run(src, filename, Mode::Expression)? {
        Top::Expr(e) => Ok(e.e),
        Top::Module(_) => Err(SyntaxError::new(
            SyntaxErrorKind::SyntaxError,
            "invalid syntax",
            filename,
            1,
            1,
            None,
        )),
    }
}

/// Parse one REPL input (`single` mode): one simple-statement line or one
/// compound statement. An error with `incomplete == true` means the input
/// ended early (open bracket, block or string): ask for more lines.
pub fn parse_interactive(src: &str, filename: &str) -> Result<ast::Module, SyntaxError> {
    match run(src, filename, Mode::Interactive)? {
        Top::Module(body) => Ok(stmts(body)),
        Top::Expr(_) => Ok(ast::Module { body: vec![] }),
    }
}
