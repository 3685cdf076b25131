//! String literal groups: adjacent literals are joined, f-strings are split
//! into literal parts and `{expr!c:spec}` fields following CPython 3.11's
//! rules (no backslash or `#` in the expression, `{{`/`}}` escapes, nested
//! fields in the spec at most two levels deep, the `=` form). Each field's
//! expression is parsed by re-entering the parser in f-string mode on its
//! own byte range, so spans stay offsets into the original source.

use crate::ast::*;
use crate::ast_builder::{mk, Ctx, Ex};
use crate::layout::Mode;
use crate::literal::{decode, decode_str, normalize_newlines, Decoded, LexError, StrToken};

/// One piece of an f-string.
enum Piece {
    Lit(String),
    Field(Expr),
}

/// An error reported, like CPython's, at the token after the string group.
fn after(msg: impl Into<String>, group_end: usize) -> LexError {
    let mut e = LexError::new(msg, group_end);
    e.after_strings = true;
    e
}

/// Join the literals of one atom (`'a' f'{b}' 'c'`) into a Constant or a
/// JoinedStr.
pub fn join_strings(ctx: &Ctx, parts: Vec<(usize, StrToken, usize)>) -> Result<Ex, LexError> {
    let l = parts.first().map_or(0, |p| p.0);
    let r = parts.last().map_or(0, |p| p.2);
    let span = Span::new(l, r);
    let all_bytes = parts.first().is_some_and(|p| p.1.bytes);
    let is_f = parts.iter().any(|p| p.1.fstring);
    let mut pieces: Vec<Piece> = Vec::new();
    let mut bytes = Vec::new();
    let mut text = String::new();
    let mut depth = 0;
    // Parts are handled in order, as CPython does: an error in an earlier
    // part wins over mixing bytes with text later on.
    for (start, tok, _end) in &parts {
        if tok.bytes != all_bytes {
            return Err(after("cannot mix bytes and nonbytes literals", r));
        }
        let body = &ctx.src[tok.body_start..tok.body_end];
        if tok.fstring {
            let mut i = tok.body_start;
            parse_fstring(ctx, tok, &mut i, 0, r, &mut pieces, &mut depth)?;
        } else {
            match decode(body, tok.raw, tok.bytes) {
                Ok(Decoded::Bytes(b)) => bytes.extend(b),
                Ok(Decoded::Str(s)) => {
                    if is_f {
                        pieces.push(Piece::Lit(s));
                    } else {
                        text.push_str(&s);
                    }
                }
                Err(e) => {
                    if e.msg.starts_with("bytes can only") {
                        return Err(LexError::new(e.msg, *start).with_end(_end.saturating_sub(1)));
                    }
                    return Err(after(e.msg, r));
                }
            }
        }
    }
    if all_bytes {
        return mk(ExprKind::Constant(Constant::Bytes(bytes)), span, 1).map_err(user);
    }
    if !is_f {
        return mk(ExprKind::Constant(Constant::Str(text)), span, 1).map_err(user);
    }
    let mut values = assemble(pieces, span);
    // CPython 3.11 gives every part of an f-string the whole literal's span.
    for v in &mut values {
        set_span(v, span);
    }
    mk(ExprKind::JoinedStr(values), span, depth + 1).map_err(user)
}

/// Give an f-string part (and its format spec's parts) the span `span`.
fn set_span(e: &mut Expr, span: Span) {
    e.span = span;
    if let ExprKind::FormattedValue {
        format_spec: Some(spec),
        ..
    } = &mut e.kind
    {
        spec.span = span;
        if let ExprKind::JoinedStr(parts) = &mut spec.kind {
            for p in parts {
                set_span(p, span);
            }
        }
    }
}

fn user(e: crate::ast_builder::PErr) -> LexError {
    match e {
        lalrpop_util::ParseError::User { error } => error,
        _ => LexError::new(crate::ast_builder::RECURSION_MSG, 0),
    }
}

/// Merge adjacent literal pieces, drop empty ones.
fn assemble(pieces: Vec<Piece>, span: Span) -> Vec<Expr> {
    let mut out = Vec::new();
    let mut lit = String::new();
    for p in pieces {
        match p {
            Piece::Lit(s) => lit.push_str(&s),
            Piece::Field(e) => {
                if !lit.is_empty() {
                    out.push(Expr {
                        kind: ExprKind::Constant(Constant::Str(std::mem::take(&mut lit))),
                        span,
                    });
                }
                out.push(e);
            }
        }
    }
    if !lit.is_empty() {
        out.push(Expr {
            kind: ExprKind::Constant(Constant::Str(lit)),
            span,
        });
    }
    out
}

/// Decode a literal chunk of an f-string.
fn decode_chunk(chunk: &str, raw: bool, group_end: usize) -> Result<String, LexError> {
    if raw {
        return Ok(normalize_newlines(chunk));
    }
    // A lone trailing backslash (before `{`) stays a backslash.
    let (body, tail) = match chunk.strip_suffix('\\') {
        Some(b)
            if !b.ends_with('\\')
                || b.chars().rev().take_while(|&c| c == '\\').count() % 2 == 0 =>
        {
            (b, "\\")
        }
        _ => (chunk, ""),
    };
    let mut s = decode_str(body).map_err(|e| after(e.msg, group_end))?;
    s.push_str(tail);
    Ok(s)
}

/// Parse an f-string body from `*i` up to its end (or, inside a format spec,
/// up to the closing `}`), appending pieces. `lvl` is the spec nesting level.
fn parse_fstring(
    ctx: &Ctx,
    tok: &StrToken,
    i: &mut usize,
    lvl: u32,
    group_end: usize,
    out: &mut Vec<Piece>,
    depth: &mut u32,
) -> Result<(), LexError> {
    let src = ctx.src.as_bytes();
    let end = tok.body_end;
    loop {
        // Literal part.
        let lit_start = *i;
        let mut s = *i;
        let mut resume = None;
        while s < end {
            let mut ch = src[s];
            s += 1;
            if !tok.raw && ch == b'\\' && s < end {
                ch = src[s];
                s += 1;
                if ch == b'N' {
                    if s < end && src[s] == b'{' {
                        s += 1;
                        while s < end && src[s] != b'}' {
                            s += 1;
                        }
                        s = (s + 1).min(end);
                    }
                    continue;
                }
            }
            if ch == b'{' || ch == b'}' {
                if lvl == 0 {
                    if s < end && src[s] == ch {
                        // Doubled brace: literal up to and including one brace.
                        resume = Some(s + 1);
                        break;
                    }
                    if ch == b'}' {
                        return Err(after("f-string: single '}' is not allowed", group_end));
                    }
                }
                s -= 1;
                break;
            }
        }
        let lit_end = match resume {
            Some(_) => s,
            None => s,
        };
        let chunk = &ctx.src[lit_start..lit_end];
        if !chunk.is_empty() {
            out.push(Piece::Lit(decode_chunk(chunk, tok.raw, group_end)?));
        }
        if let Some(r) = resume {
            *i = r;
            continue;
        }
        *i = s;
        if s >= end {
            return Ok(());
        }
        if src[s] == b'}' {
            // End of a format spec (lvl > 0).
            return Ok(());
        }
        // A field.
        *i = s + 1;
        field(ctx, tok, i, lvl, group_end, out, depth)?;
    }
}

/// Parse one `{...}` field starting after its `{`.
fn field(
    ctx: &Ctx,
    tok: &StrToken,
    i: &mut usize,
    lvl: u32,
    group_end: usize,
    out: &mut Vec<Piece>,
    depth: &mut u32,
) -> Result<(), LexError> {
    let src = ctx.src.as_bytes();
    let end = tok.body_end;
    if lvl >= 2 {
        return Err(after("f-string: expressions nested too deeply", group_end));
    }
    let expr_start = *i;
    let mut s = *i;
    let mut quote: Option<(u8, bool)> = None;
    let mut stack: Vec<u8> = Vec::new();
    while s < end {
        let ch = src[s];
        if ch == b'\\' {
            return Err(after(
                "f-string expression part cannot include a backslash",
                group_end,
            ));
        }
        if let Some((q, triple)) = quote {
            if ch == q {
                if triple {
                    if s + 2 < end && src[s + 1] == q && src[s + 2] == q {
                        s += 2;
                        quote = None;
                    }
                } else {
                    quote = None;
                }
            }
        } else if ch == b'\'' || ch == b'"' {
            let triple = s + 2 < end && src[s + 1] == ch && src[s + 2] == ch;
            if triple {
                s += 2;
            }
            quote = Some((ch, triple));
        } else if matches!(ch, b'[' | b'{' | b'(') {
            if stack.len() >= crate::layout::MAX_BRACKET_DEPTH {
                return Err(after("f-string: too many nested parenthesis", group_end));
            }
            stack.push(ch);
        } else if ch == b'#' {
            return Err(after(
                "f-string expression part cannot include '#'",
                group_end,
            ));
        } else if stack.is_empty() && matches!(ch, b'!' | b':' | b'}' | b'=' | b'>' | b'<') {
            if s + 1 < end {
                let next = src[s + 1];
                if next == b'=' && matches!(ch, b'!' | b'=' | b'<' | b'>') {
                    s += 2;
                    continue;
                }
            }
            if ch == b'>' || ch == b'<' {
                s += 1;
                continue;
            }
            break;
        } else if matches!(ch, b']' | b'}' | b')') {
            let Some(open) = stack.pop() else {
                return Err(after(
                    format!("f-string: unmatched '{}'", ch as char),
                    group_end,
                ));
            };
            let ok = matches!((open, ch), (b'(', b')') | (b'[', b']') | (b'{', b'}'));
            if !ok {
                return Err(after(
                    format!(
                        "f-string: closing parenthesis '{}' does not match opening parenthesis '{}'",
                        ch as char, open as char
                    ),
                    group_end,
                ));
            }
        }
        s += 1;
    }
    let expr_end = s;
    if quote.is_some() {
        return Err(after("f-string: unterminated string", group_end));
    }
    if let Some(&open) = stack.last() {
        return Err(after(
            format!("f-string: unmatched '{}'", open as char),
            group_end,
        ));
    }
    if s >= end {
        return Err(after("f-string: expecting '}'", group_end));
    }
    let text = &ctx.src[expr_start..expr_end];
    if text
        .trim_matches([' ', '\t', '\n', '\r', '\x0c'])
        .is_empty()
    {
        let c = src[expr_end];
        if matches!(c, b'!' | b':' | b'=') {
            return Err(after(
                format!("f-string: expression required before '{}'", c as char),
                group_end,
            ));
        }
        return Err(after("f-string: empty expression not allowed", group_end));
    }
    let value = parse_field_expr(ctx, expr_start, expr_end)?;
    let mut d = value.d;
    let mut s = expr_end;
    let mut debug_text = None;
    if src[s] == b'=' {
        s += 1;
        while s < end && matches!(src[s], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'\x0b') {
            s += 1;
        }
        if s >= end {
            return Err(after("f-string: expecting '}'", group_end));
        }
        debug_text = Some(normalize_newlines(&ctx.src[expr_start..s]));
    }
    let mut conversion = None;
    if src[s] == b'!' {
        s += 1;
        if s >= end {
            return Err(after("f-string: expecting '}'", group_end));
        }
        let c = ctx.src[s..].chars().next().unwrap_or('\0');
        s += c.len_utf8();
        if !matches!(c, 's' | 'r' | 'a') {
            return Err(after(
                "f-string: invalid conversion character: expected 's', 'r', or 'a'",
                group_end,
            ));
        }
        conversion = Some(c);
    }
    let mut format_spec = None;
    if s < end && src[s] == b':' {
        s += 1;
        if s >= end {
            return Err(after("f-string: expecting '}'", group_end));
        }
        let mut spec = Vec::new();
        let mut sd = 0;
        *i = s;
        parse_fstring(ctx, tok, i, lvl + 1, group_end, &mut spec, &mut sd)?;
        s = *i;
        d = d.max(sd + 1);
        let span = Span::new(expr_start, s);
        format_spec = Some(Box::new(Expr {
            kind: ExprKind::JoinedStr(assemble(spec, span)),
            span,
        }));
    }
    if s >= end || src[s] != b'}' {
        return Err(after("f-string: expecting '}'", group_end));
    }
    *i = s + 1;
    if let Some(t) = debug_text {
        out.push(Piece::Lit(t));
        if conversion.is_none() && format_spec.is_none() {
            conversion = Some('r');
        }
    }
    let span = Span::new(expr_start.saturating_sub(1), s + 1);
    let fv = mk(
        ExprKind::FormattedValue {
            value: Box::new(value.e),
            conversion,
            format_spec,
        },
        span,
        d + 1,
    )
    .map_err(user)?;
    *depth = (*depth).max(fv.d);
    out.push(Piece::Field(fv.e));
    Ok(())
}

/// Parse the expression of a field (`src[start..end]`), re-entering the
/// parser. Errors get CPython 3.11's "f-string: " prefix and positions
/// relative to the text `(expr)` placed on the field's first line.
fn parse_field_expr(ctx: &Ctx, start: usize, end: usize) -> Result<Ex, LexError> {
    match crate::parser::parse_range(ctx.src, start, end, Mode::FString, ctx.fstring_depth + 1) {
        Ok(e) => Ok(e),
        Err(mut e) => {
            if e.msg == crate::ast_builder::RECURSION_MSG {
                return Err(e);
            }
            let pos = e.pos.clamp(start, end);
            let rel = &ctx.src[start..pos];
            let sub_line = crate::literal::count_line(rel) - 1;
            let col = match rel.rfind(['\n', '\r']) {
                Some(k) => rel[k + 1..].chars().count(),
                None => 1 + rel.chars().count(),
            };
            let base_line = crate::literal::count_line(&ctx.src[..start]);
            let offset = if e.cur { col } else { col + 1 };
            e.fixed_line = Some(base_line + sub_line);
            e.fixed_offset = Some(offset);
            if !e.msg.starts_with("f-string") {
                e.msg = format!("f-string: {}", e.msg);
            }
            e.incomplete = false;
            Err(e)
        }
    }
}
