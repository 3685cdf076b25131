//! Turns lalrpop failures into CPython 3.11's messages: "invalid syntax" with
//! the caret on the offending token, "expected ':'", "expected an indented
//! block after ...", "unexpected indent", "Perhaps you forgot a comma?",
//! "Missing parentheses in call to 'print'", "expected 'else' after 'if'
//! expression". Works on the token vector, looking around the failure point.

use crate::layout::{Mode, Spanned};
use crate::literal::{LexError, LexErrorKind};
use crate::token::Tok;
use crate::tokscan::*;
use lalrpop_util::ParseError;

type PErr = ParseError<usize, Tok, LexError>;

/// Where a caret goes for an error at the end of input: on the final line
/// break if the text ends with one, else just past the text.
pub fn eof_pos(src: &str, end: usize) -> usize {
    let t = &src[..end];
    if t.ends_with("\r\n") {
        end - 2
    } else if t.ends_with('\n') || t.ends_with('\r') {
        end - 1
    } else {
        end
    }
}

pub fn diagnose(
    src: &str,
    end: usize,
    mode: Mode,
    toks: &[Spanned],
    lex: Option<LexError>,
    pe: PErr,
) -> LexError {
    // The token where the parser stopped, when there is one.
    let (stop, stop_tok) = match &pe {
        ParseError::UnrecognizedToken { token, .. } | ParseError::ExtraToken { token } => {
            (Some(token.0), Some(token.1.clone()))
        }
        _ => (None, None),
    };
    let e = parser_error(src, end, mode, toks, &lex, pe);
    if e.msg == "unexpected indent" {
        return e;
    }
    if let Some(le) = lex {
        // CPython tokenizes the rest of the input after a parser error: a
        // tokenizer error found there replaces the parser's message, and so
        // does a bracket left open on an earlier line than the failure.
        if le.overrides {
            return le;
        }
        // CPython's error rules look one token past the failure; if that
        // token is a tokenizer error, that error is what gets reported.
        if let (Some(at), Some(last)) = (stop, toks.last()) {
            if last.0 == at && stop_tok.as_ref() == Some(&last.1) && le.pos >= at {
                return le;
            }
        }
        if le.msg.ends_with("was never closed") {
            // CPython's error rules read on after a stray `=` and reach the
            // end of the input.
            let i = stop.and_then(|p| {
                toks.iter()
                    .position(|t| t.0 == p && Some(&t.1) == stop_tok.as_ref())
            });
            if let Some(i) = i {
                if reads_to_eof(src, toks, i, le.pos) {
                    return le;
                }
            }
            if let Some(at) = stop {
                if crate::literal::count_line(&src[..at.min(end)])
                    > crate::literal::count_line(&src[..le.pos])
                {
                    return le;
                }
            }
        }
    }
    e
}

fn parser_error(
    src: &str,
    end: usize,
    mode: Mode,
    toks: &[Spanned],
    lex: &Option<LexError>,
    pe: PErr,
) -> LexError {
    match pe {
        ParseError::User { mut error } => {
            if error.after_strings {
                error.after_strings = false;
                let p = error.pos;
                match toks.iter().find(|t| t.0 >= p) {
                    Some(t) => error.pos = t.0,
                    None => error.pos = eof_pos(src, end),
                }
                error.end = None;
            }
            error
        }
        ParseError::UnrecognizedToken { token, expected } => {
            let i = toks
                .iter()
                .position(|t| t.0 == token.0 && t.1 == token.1)
                .unwrap_or(toks.len());
            let mut e = unrecognized(src, end, mode, toks, i, &token, &expected, lex.clone());
            if token.0 >= end && !matches!(token.1, Tok::Newline) {
                e.incomplete = true;
            }
            e
        }
        ParseError::UnrecognizedEof { expected, .. } => {
            let pos = eof_pos(src, end);
            let mut e = if is_only(&expected, "Indent") {
                indented_block_error(src, toks, toks.len(), pos)
            } else if expects(&expected, "except") && expects(&expected, "finally") {
                LexError::new("expected 'except' or 'finally' block", pos)
            } else {
                LexError::new("invalid syntax", pos)
            };
            e.incomplete = true;
            e
        }
        ParseError::ExtraToken { token } => LexError::new("invalid syntax", token.0),
        ParseError::InvalidToken { location } => LexError::new("invalid syntax", location),
    }
}

fn is_only(expected: &[String], name: &str) -> bool {
    expected.len() == 1 && expected[0] == name
}

fn expects(expected: &[String], term: &str) -> bool {
    let quoted = format!("\"{term}\"");
    expected.contains(&quoted)
}

pub(crate) fn compound_name(t: &Tok) -> Option<&'static str> {
    Some(match t {
        Tok::If => "'if' statement",
        Tok::Elif => "'elif' statement",
        Tok::Else => "'else' statement",
        Tok::While => "'while' statement",
        Tok::For => "'for' statement",
        Tok::Try => "'try' statement",
        Tok::Except => "'except' statement",
        Tok::Finally => "'finally' statement",
        Tok::With => "'with' statement",
        Tok::Def => "function definition",
        Tok::Class => "class definition",
        _ => return None,
    })
}

fn indented_block_error(src: &str, toks: &[Spanned], i: usize, pos: usize) -> LexError {
    // toks[i - 1] is the NEWLINE ending the header line.
    let hdr = line_first(toks, i.saturating_sub(1));
    let msg = match toks.get(hdr) {
        Some((p, t, _)) => match compound_name(t) {
            Some(what) => {
                let line = crate::literal::count_line(&src[..*p]);
                format!("expected an indented block after {what} on line {line}")
            }
            None => "expected an indented block".to_string(),
        },
        None => "expected an indented block".to_string(),
    };
    LexError::new(msg, pos).with_kind(LexErrorKind::Indentation)
}

fn is_legacy_name(t: &Tok) -> bool {
    matches!(t, Tok::Name(n) if n == "print" || n == "exec")
}

#[allow(clippy::too_many_arguments)]
fn unrecognized(
    src: &str,
    end: usize,
    mode: Mode,
    toks: &[Spanned],
    i: usize,
    token: &Spanned,
    expected: &[String],
    lex: Option<LexError>,
) -> LexError {
    let (l, tok, _r) = token;
    let l = *l;
    if *tok == Tok::Indent {
        let mut e = LexError::at_cur("unexpected indent", l).with_kind(LexErrorKind::Indentation);
        e.end = None;
        return e;
    }
    let pos = if l >= end { eof_pos(src, end) } else { l };
    if is_only(expected, "Indent") {
        let mut e = indented_block_error(src, toks, i, pos);
        // A DEDENT has no column of its own: CPython reports the cursor.
        e.cur = *tok == Tok::Dedent && l < end;
        return e;
    }
    let prev = if i > 0 {
        toks.get(i - 1).map(|t| &t.1)
    } else {
        None
    };
    if mode == Mode::Interactive && matches!(prev, Some(Tok::Newline)) {
        // CPython points at the end of the first statement's line.
        return LexError::new(
            "multiple statements found while compiling a single statement",
            toks[i - 1].0,
        );
    }
    // `print "x"`
    if let Some(p) = prev {
        let after_dot = i >= 2 && toks[i - 2].1 == Tok::Dot;
        if is_legacy_name(p)
            && !after_dot
            && tok.starts_operand()
            && !matches!(tok, Tok::LPar | Tok::LSqb)
        {
            let name = match p {
                Tok::Name(n) => n.clone(),
                _ => String::new(),
            };
            return LexError::new(
                format!("Missing parentheses in call to '{name}'. Did you mean {name}(...)?"),
                toks[i - 1].0,
            );
        }
    }
    // `x = a if b` without `else`.
    if expects(expected, "else") && *tok != Tok::Colon && i > 0 {
        if let Some(a) = if_expression_start(toks, i) {
            return LexError::new("expected 'else' after 'if' expression", toks[a].0);
        }
    }
    let first = line_first(toks, i);
    let head = toks.get(first).map(|t| &t.1);
    // `if x = 1:`
    if *tok == Tok::Equal && i > 0 && toks[i - 1].1.ends_expr() {
        if let Some(e) = named_expression_error(src, toks, i, head) {
            return e;
        }
    }
    if expects(expected, ":") {
        // CPython forces the colon after `def ...)`, `try`, `else` and
        // `finally`; after other headers it only says so at a line end.
        let forced = match head {
            Some(Tok::Def) => {
                depth_at(toks, i) == depth_at(toks, first) && !header_ended(toks, first, i)
            }
            Some(Tok::Try | Tok::Else | Tok::Finally) => i == first + 1,
            _ => false,
        };
        let at_eol = *tok == Tok::Newline
            && matches!(
                head,
                Some(
                    Tok::If
                        | Tok::Elif
                        | Tok::While
                        | Tok::For
                        | Tok::With
                        | Tok::Class
                        | Tok::Except
                )
            );
        if forced || at_eol {
            return LexError::new("expected ':'", pos);
        }
    }
    // `def f() -> <not an expression>`: CPython stops at the arrow.
    if head == Some(&Tok::Def)
        && i >= 1
        && toks[i - 1].1 == Tok::RArrow
        && !header_ended(toks, first, i)
    {
        return LexError::new("expected ':'", toks[i - 1].0);
    }
    if expects(expected, "except") && expects(expected, "finally") {
        return LexError::new("expected 'except' or 'finally' block", pos);
    }
    if expects(expected, "(")
        && i >= 2
        && matches!(toks[i - 1].1, Tok::Name(_))
        && toks[i - 2].1 == Tok::Def
    {
        return LexError::new("expected '('", pos);
    }
    // `x: ` with nothing after the colon: CPython stops at the colon when
    // what precedes it cannot be annotated.
    if *tok == Tok::Newline && i >= 2 && toks[i - 1].1 == Tok::Colon {
        let start = stmt_start(toks, i - 1);
        let has_lambda = toks[start..i].iter().any(|t| t.1 == Tok::Lambda);
        if !has_lambda && depth_at(toks, i - 1) == 0 && !annotatable(toks, start, i - 1) {
            return LexError::new("invalid syntax", toks[i - 1].0);
        }
    }
    // In a dict display, an entry without `:` after `k: v` entries.
    if matches!(tok, Tok::RBrace | Tok::Comma) && i >= 2 {
        if let Some(e) = dict_key_error(toks, i) {
            return e;
        }
    }
    // `for <not a target> ...`
    if head == Some(&Tok::For) && i > first + 1 {
        let has_in = toks[first + 1..i].iter().any(|t| t.1 == Tok::In);
        if !has_in {
            if let Some(e) = bad_for_target(src, toks, first, i) {
                return e;
            }
        }
    }
    // A string group before the failure is decoded first, as CPython does.
    if i >= 1 && matches!(toks[i - 1].1, Tok::Str(_)) {
        if let Some(e) = string_group_error(src, toks, i) {
            return e;
        }
    }
    if let Some(e) = comma_hint(src, mode, toks, i, tok, &lex) {
        return e;
    }
    LexError::new("invalid syntax", pos)
}

/// Start of `a` in `a if b <error>` when the error follows an if-expression
/// condition on the same line.
fn if_expression_start(toks: &[Spanned], i: usize) -> Option<usize> {
    let d0 = depth_at(toks, i);
    let mut k = i;
    let mut d = d0;
    while k > 0 {
        k -= 1;
        let t = &toks[k].1;
        if is_closer(t) {
            d += 1;
        } else if is_opener(t) {
            d -= 1;
        }
        if matches!(t, Tok::Newline | Tok::Indent | Tok::Dedent) || d < d0 {
            return None;
        }
        if d == d0 && *t == Tok::If {
            if k > 0 && toks[k - 1].1.ends_expr() && !in_comprehension(toks, k) {
                return Some(node_start(toks, disjunction_start(toks, k - 1), k - 1));
            }
            return None;
        }
    }
    None
}

/// Can `toks[first..colon]` be the target of an annotation (a name, an
/// attribute, a subscript, or a parenthesized name)?
fn annotatable(toks: &[Spanned], first: usize, colon: usize) -> bool {
    if colon <= first {
        return false;
    }
    let last = colon - 1;
    match &toks[last].1 {
        Tok::Name(_) => last == first || (last > first && toks[last - 1].1 == Tok::Dot),
        Tok::RSqb => {
            let open = matching_open(toks, last);
            open > first && toks[open - 1].1.ends_expr()
        }
        Tok::RPar => {
            last == first + 2
                && toks[first].1 == Tok::LPar
                && matches!(toks[first + 1].1, Tok::Name(_))
        }
        _ => false,
    }
}

/// CPython's soft keywords as its 3.11 parser matches them: a name that is
/// a prefix of `_`, `case` or `match` counts.
fn soft_keyword_like(t: &Tok) -> bool {
    match t {
        Tok::Name(n) => {
            !n.is_empty()
                && ("case".starts_with(n.as_str()) || "match".starts_with(n.as_str()) || n == "_")
        }
        _ => false,
    }
}

/// "invalid syntax. Perhaps you forgot a comma?" for two expressions in a
/// row inside brackets, following CPython's `invalid_expression` rule.
fn comma_hint(
    src: &str,
    mode: Mode,
    toks: &[Spanned],
    i: usize,
    tok: &Tok,
    lex: &Option<LexError>,
) -> Option<LexError> {
    let in_brackets = depth_at(toks, i) > 0 || mode == Mode::FString;
    if i == 0 || !in_brackets {
        return None;
    }
    let (mut a, mut b) = (None, i);
    if toks[i - 1].1.ends_expr() && tok.starts_operand() && !matches!(tok, Tok::LPar | Tok::LSqb) {
        a = Some(disjunction_start(toks, i - 1));
    } else if *tok == Tok::RSqb
        && i >= 2
        && toks[i - 1].1 == Tok::LSqb
        && toks[i - 2].1.ends_expr()
        && (depth_at(toks, i - 1) > 0 || mode == Mode::FString)
    {
        // `n []`: CPython reads `[]` as a second expression.
        a = Some(disjunction_start(toks, i - 2));
        b = i - 1;
    }
    let mut a = a?;
    // `x 's' y`: a NAME directly followed by a STRING is skipped, and the
    // check is made again from the string.
    if matches!(toks[a].1, Tok::Name(_))
        && matches!(toks.get(a + 1).map(|t| &t.1), Some(Tok::Str(_)))
    {
        let mut s = a + 1;
        while matches!(toks.get(s + 1).map(|t| &t.1), Some(Tok::Str(_))) {
            s += 1;
        }
        let next = toks.get(s + 1).map(|t| &t.1);
        if !next.is_some_and(|t| t.starts_operand() && !matches!(t, Tok::LPar | Tok::LSqb)) {
            return None;
        }
        a += 1;
        b = s + 1;
    }
    if soft_keyword_like(&toks[a].1) || (a + 1 == b && is_legacy_name(&toks[a].1)) {
        return None;
    }
    // Parameter lists are not expressions.
    if let Some(o) = innermost_open(toks, a) {
        if o >= 2 && toks[o].1 == Tok::LPar && toks[o - 2].1 == Tok::Def {
            return None;
        }
    }
    if a > 0 {
        let before = &toks[a - 1].1;
        // Comprehension iterables and conditions are plain disjunctions
        // (no hint); a comprehension target gets one.
        let iter_part = *before == Tok::For && toks[a..b].iter().any(|t| t.1 == Tok::In);
        if iter_part || (matches!(before, Tok::If | Tok::In) && in_comprehension(toks, a - 1)) {
            return None;
        }
        if matches!(before, Tok::Star | Tok::DoubleStar) {
            let call = innermost_open(toks, a - 1)
                .is_some_and(|o| toks[o].1 == Tok::LPar && o > 0 && toks[o - 1].1.ends_expr());
            if !call {
                return None;
            }
        }
    }
    if let Some(le) = lex {
        if le.msg.ends_with("was never closed")
            && le.pos < toks[b].0
            && fetches_past(src, toks, expr_end(toks, b), le.pos)
        {
            return Some(le.clone());
        }
    }
    let a = node_start(toks, a, b - 1);
    // CPython highlights from the first expression to the end of the second.
    let e = expr_end(toks, b).clamp(b + 1, toks.len());
    Some(
        LexError::new("invalid syntax. Perhaps you forgot a comma?", toks[a].0)
            .with_end(toks[e - 1].2),
    )
}

/// "':' expected after dictionary key" for `{k: v, x}`.
fn dict_key_error(toks: &[Spanned], i: usize) -> Option<LexError> {
    let open = innermost_open(toks, i)?;
    if toks[open].1 != Tok::LBrace || !toks[i - 1].1.ends_expr() {
        return None;
    }
    // The entry that lacks its colon starts after the last top-level comma.
    let mut d = 0i64;
    let mut entry = open + 1;
    let mut saw_dict_entry = false;
    let mut colon_in_entry = false;
    for (j, t) in toks.iter().enumerate().take(i).skip(open + 1) {
        if is_opener(&t.1) {
            d += 1;
        } else if is_closer(&t.1) {
            d -= 1;
        } else if d == 0 {
            match t.1 {
                Tok::Comma => {
                    entry = j + 1;
                    colon_in_entry = false;
                }
                Tok::Colon => {
                    colon_in_entry = true;
                    saw_dict_entry = true;
                }
                Tok::DoubleStar if j == entry => saw_dict_entry = true,
                Tok::For | Tok::Lambda => return None,
                _ => {}
            }
        }
    }
    if !saw_dict_entry
        || colon_in_entry
        || entry == open + 1
        || entry >= i
        || toks[entry].1 == Tok::DoubleStar
    {
        return None;
    }
    Some(LexError::at_cur(
        "':' expected after dictionary key",
        toks[i - 1].2,
    ))
}

/// `for f() in x`: parse what follows `for` and name the bad target.
fn bad_for_target(src: &str, toks: &[Spanned], first: usize, i: usize) -> Option<LexError> {
    let (start, end) = (toks[first + 1].0, toks[i - 1].2);
    let e = crate::parser::parse_range(src, start, end, Mode::FString, 1).ok()?;
    let bad = crate::targets::invalid_target(&e.e, crate::targets::Kind::For)?;
    Some(LexError::new(
        format!("cannot assign to {}", crate::targets::expr_name(bad)),
        bad.span.start as usize,
    ))
}

/// Decode the string group that ends just before token `i`.
fn string_group_error(src: &str, toks: &[Spanned], i: usize) -> Option<LexError> {
    let mut s = i - 1;
    while s > 0 && matches!(toks[s - 1].1, Tok::Str(_)) {
        s -= 1;
    }
    let parts: Vec<(usize, crate::literal::StrToken, usize)> = toks[s..i]
        .iter()
        .filter_map(|t| match &t.1 {
            Tok::Str(st) => Some((t.0, st.clone(), t.2)),
            _ => None,
        })
        .collect();
    let ctx = crate::ast_builder::Ctx {
        src,
        fstring_depth: 1,
    };
    let mut e = crate::fstring::join_strings(&ctx, parts).err()?;
    if e.after_strings {
        e.after_strings = false;
        e.pos = toks[i].0;
        e.end = None;
    }
    Some(e)
}

/// CPython's `invalid_named_expression`: `x = 1` where an expression is
/// expected (an `if`/`while` condition, inside brackets).
fn named_expression_error(
    src: &str,
    toks: &[Spanned],
    i: usize,
    head: Option<&Tok>,
) -> Option<LexError> {
    let cond = matches!(head, Some(Tok::If | Tok::Elif | Tok::While)) && depth_at(toks, i) == 0;
    let bracket = innermost_open(toks, i).is_some_and(|o| {
        // Not in a call's argument list, where `f(a.b=1)` has its own message.
        !(toks[o].1 == Tok::LPar && o > 0 && toks[o - 1].1.ends_expr())
    });
    if !cond && !bracket {
        return None;
    }
    // The right side must start a `bitwise_or` that is not followed by `=`.
    let next = toks.get(i + 1).map(|t| &t.1)?;
    if !next.starts_operand() || matches!(next, Tok::Not | Tok::Lambda) {
        return None;
    }
    let a = disjunction_start(toks, i - 1);
    // `a` must be a bitwise_or: no comparison or boolean operator inside.
    let mut d = 0i64;
    for t in &toks[a..i] {
        if is_opener(&t.1) {
            d += 1;
        } else if is_closer(&t.1) {
            d -= 1;
        } else if d == 0
            && matches!(
                t.1,
                Tok::Less
                    | Tok::Greater
                    | Tok::EqEqual
                    | Tok::NotEqual
                    | Tok::LessEqual
                    | Tok::GreaterEqual
                    | Tok::In
                    | Tok::Is
                    | Tok::Not
                    | Tok::And
                    | Tok::Or
            )
        {
            return None;
        }
    }
    if a == i - 1 && matches!(toks[a].1, Tok::Name(_)) {
        // Highlighted from the name to the end of the value.
        let e = expr_end(toks, i + 1).clamp(i + 2, toks.len());
        return Some(
            LexError::new(
                "invalid syntax. Maybe you meant '==' or ':=' instead of '='?",
                toks[a].0,
            )
            .with_end(toks[e - 1].2),
        );
    }
    if matches!(toks[a].1, Tok::LSqb | Tok::True | Tok::False | Tok::None) {
        return None;
    }
    let e = crate::parser::parse_range(src, toks[a].0, toks[i - 1].2, Mode::FString, 1).ok()?;
    if matches!(
        e.e.kind,
        crate::ast::ExprKind::Tuple(_) | crate::ast::ExprKind::GeneratorExp { .. }
    ) {
        return None;
    }
    Some(LexError::new(
        format!(
            "cannot assign to {} here. Maybe you meant '==' instead of '='?",
            crate::targets::expr_name(&e.e)
        ),
        e.e.span.start as usize,
    ))
}

/// Would CPython's error rules, exploring from the failing token `i`, read
/// past the line of the bracket left open at `open_pos` (or to the end)?
fn reads_to_eof(src: &str, toks: &[Spanned], i: usize, open_pos: usize) -> bool {
    if i == 0 || !toks[i - 1].1.ends_expr() {
        return false;
    }
    let next_operand = toks
        .get(i + 1)
        .is_some_and(|t| t.1.starts_operand() && !matches!(t.1, Tok::Not | Tok::Lambda));
    match toks[i].1 {
        // `x = y` where an expression is expected: CPython parses the right
        // side and looks at the token after it (unless the left side is a
        // display).
        Tok::Equal if toks[i].0 > open_pos => {
            let a = disjunction_start(toks, i - 1);
            !matches!(
                toks[a].1,
                Tok::LSqb | Tok::LPar | Tok::True | Tok::False | Tok::None
            ) && next_operand
                && fetches_past(src, toks, expr_end(toks, i + 1), open_pos)
        }
        // `name{...` with the unclosed bracket itself: read as a second
        // expression after a missing comma.
        Tok::LBrace | Tok::LSqb | Tok::LPar if toks[i].0 == open_pos => next_operand,
        _ => false,
    }
}

/// Is token `k` (the one CPython fetches last) past the end of the tokens
/// or on a later line than the bracket at `open_pos`?
fn fetches_past(src: &str, toks: &[Spanned], k: usize, open_pos: usize) -> bool {
    match toks.get(k) {
        None => true,
        Some(t) => {
            crate::literal::count_line(&src[..t.0]) > crate::literal::count_line(&src[..open_pos])
        }
    }
}
