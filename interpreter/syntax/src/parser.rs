//! The parser driver: tokenizes a byte range of the source, prepends the
//! mode's marker token, runs the lalrpop parser and hands failures to
//! `diagnose.rs`. F-string fields re-enter here with `Mode::FString` and a
//! depth counter, which is bounded so re-entry cannot recurse without limit.

use crate::ast_builder::{Ctx, Ex, Top};
use crate::layout::{tokenize, Mode, Tokens};
use crate::literal::LexError;
use crate::token::Tok;

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, unused)]
    grammar
);

/// Nested f-strings deeper than this are refused (quotes already limit
/// CPython 3.11 to a handful of levels).
const MAX_FSTRING_DEPTH: u32 = 8;

/// Parse `src[start..end]` in `mode`.
pub(crate) fn parse_top(
    src: &str,
    start: usize,
    end: usize,
    mode: Mode,
    fdepth: u32,
) -> Result<Top, LexError> {
    if fdepth > MAX_FSTRING_DEPTH {
        let mut e = LexError::new("f-string: expressions nested too deeply", start);
        e.after_strings = true;
        return Err(e);
    }
    let Tokens { tokens, error } = tokenize(src, start, end, mode);
    let marker = match mode {
        Mode::Module => Tok::StartModule,
        Mode::Expression => Tok::StartExpression,
        Mode::Interactive => Tok::StartInteractive,
        Mode::FString => Tok::StartFString,
    };
    let ctx = Ctx {
        src,
        fstring_depth: fdepth,
    };
    let stream = std::iter::once(Ok((start, marker, start)))
        .chain(tokens.iter().cloned().map(Ok))
        .chain(error.clone().map(Err));
    match grammar::TopParser::new().parse(&ctx, stream) {
        Ok(top) => Ok(top),
        Err(pe) => Err(crate::diagnose::diagnose(
            src, end, mode, &tokens, error, pe,
        )),
    }
}

/// Parse the expression of an f-string field.
pub(crate) fn parse_range(
    src: &str,
    start: usize,
    end: usize,
    mode: Mode,
    fdepth: u32,
) -> Result<Ex, LexError> {
    match parse_top(src, start, end, mode, fdepth)? {
        Top::Expr(e) => Ok(e),
        Top::Module(_) => Err(LexError::new("invalid syntax", start)),
    }
}
