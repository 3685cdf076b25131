//! Token-level scanning used by `diagnose.rs` to explain a parse failure
//! the way CPython's error rules would: bracket matching and depth, where the
//! expression before or after a token starts and ends, which statement or
//! comprehension a token belongs to. Pure functions over the token vector.

use crate::layout::Spanned;
use crate::token::Tok;

/// Index of the first token of the logical line holding token `i`.
pub fn line_first(toks: &[Spanned], i: usize) -> usize {
    let mut j = i.min(toks.len());
    while j > 0 && !matches!(toks[j - 1].1, Tok::Newline | Tok::Indent | Tok::Dedent) {
        j -= 1;
    }
    j
}

pub fn is_opener(t: &Tok) -> bool {
    matches!(t, Tok::LPar | Tok::LSqb | Tok::LBrace | Tok::WithLPar)
}

pub fn is_closer(t: &Tok) -> bool {
    matches!(t, Tok::RPar | Tok::RSqb | Tok::RBrace)
}

/// Bracket depth just before token `i` (within this parse).
pub fn depth_at(toks: &[Spanned], i: usize) -> i64 {
    let mut d = 0i64;
    for t in &toks[..i.min(toks.len())] {
        if is_opener(&t.1) {
            d += 1;
        } else if is_closer(&t.1) {
            d -= 1;
        }
    }
    d
}

pub fn matching_open(toks: &[Spanned], close: usize) -> usize {
    let mut d = 0i64;
    let mut k = close;
    loop {
        if is_closer(&toks[k].1) {
            d += 1;
        } else if is_opener(&toks[k].1) {
            d -= 1;
            if d == 0 {
                return k;
            }
        }
        if k == 0 {
            return 0;
        }
        k -= 1;
    }
}

pub fn matching_close(toks: &[Spanned], open: usize) -> Option<usize> {
    let mut d = 0i64;
    for (k, t) in toks.iter().enumerate().skip(open) {
        if is_opener(&t.1) {
            d += 1;
        } else if is_closer(&t.1) {
            d -= 1;
            if d == 0 {
                return Some(k);
            }
        }
    }
    None
}

pub fn is_binop(t: &Tok) -> bool {
    matches!(
        t,
        Tok::Plus
            | Tok::Minus
            | Tok::Star
            | Tok::Slash
            | Tok::DoubleSlash
            | Tok::Percent
            | Tok::At
            | Tok::DoubleStar
            | Tok::LeftShift
            | Tok::RightShift
            | Tok::Amper
            | Tok::VBar
            | Tok::CircumFlex
            | Tok::Less
            | Tok::Greater
            | Tok::EqEqual
            | Tok::NotEqual
            | Tok::LessEqual
            | Tok::GreaterEqual
            | Tok::In
            | Tok::Is
            | Tok::And
            | Tok::Or
    )
}

/// Index of the first token of the `disjunction` ending at token `last`.
pub fn disjunction_start(toks: &[Spanned], last: usize) -> usize {
    let mut k = last;
    loop {
        // Move to the start of this primary.
        loop {
            if is_closer(&toks[k].1) {
                k = matching_open(toks, k);
            }
            if k > 0 && matches!(toks[k].1, Tok::LPar | Tok::LSqb) && toks[k - 1].1.ends_expr() {
                k -= 1;
                continue;
            }
            if k >= 2 && toks[k - 1].1 == Tok::Dot && toks[k - 2].1.ends_expr() {
                k -= 2;
                continue;
            }
            if k > 0 && matches!(toks[k].1, Tok::Str(_)) && matches!(toks[k - 1].1, Tok::Str(_)) {
                k -= 1;
                continue;
            }
            break;
        }
        // Unary prefixes.
        while k > 0 {
            let p = &toks[k - 1].1;
            let unary = match p {
                Tok::Not | Tok::Tilde => true,
                Tok::Minus | Tok::Plus => !(k >= 2 && toks[k - 2].1.ends_expr()),
                _ => false,
            };
            if !unary {
                break;
            }
            k -= 1;
        }
        if k >= 3
            && toks[k - 1].1 == Tok::In
            && toks[k - 2].1 == Tok::Not
            && toks[k - 3].1.ends_expr()
        {
            k -= 3;
            continue;
        }
        if k >= 3
            && toks[k - 1].1 == Tok::Not
            && toks[k - 2].1 == Tok::Is
            && toks[k - 3].1.ends_expr()
        {
            k -= 3;
            continue;
        }
        if k >= 2 && is_binop(&toks[k - 1].1) && toks[k - 2].1.ends_expr() {
            k -= 2;
            continue;
        }
        return k;
    }
}

/// Index just past the expression that starts at token `k` (operands,
/// trailers and binary operators), or `toks.len()` when it runs to the end.
pub fn expr_end(toks: &[Spanned], mut k: usize) -> usize {
    let n = toks.len();
    loop {
        while k < n && matches!(toks[k].1, Tok::Minus | Tok::Plus | Tok::Tilde | Tok::Not) {
            k += 1;
        }
        if k >= n {
            return n;
        }
        if is_opener(&toks[k].1) {
            match matching_close(toks, k) {
                Some(c) => k = c + 1,
                None => return n,
            }
        } else if toks[k].1.starts_operand() {
            k += 1;
        } else {
            return k;
        }
        loop {
            if k < n && matches!(toks[k].1, Tok::LPar | Tok::LSqb) {
                match matching_close(toks, k) {
                    Some(c) => k = c + 1,
                    None => return n,
                }
            } else if k + 1 < n && toks[k].1 == Tok::Dot {
                k += 2;
            } else if k < n
                && k > 0
                && matches!(toks[k].1, Tok::Str(_))
                && matches!(toks[k - 1].1, Tok::Str(_))
            {
                k += 1;
            } else {
                break;
            }
        }
        if k < n && (is_binop(&toks[k].1) || toks[k].1 == Tok::Not) {
            k += 1;
            if k < n && matches!(toks[k].1, Tok::In | Tok::Not) {
                k += 1;
            }
            continue;
        }
        return k;
    }
}

/// Innermost open bracket before token `i`.
pub fn innermost_open(toks: &[Spanned], i: usize) -> Option<usize> {
    let mut d = 0i64;
    let mut j = i;
    while j > 0 {
        j -= 1;
        if is_closer(&toks[j].1) {
            d += 1;
        } else if is_opener(&toks[j].1) {
            if d == 0 {
                return Some(j);
            }
            d -= 1;
        }
    }
    None
}

/// Is the token at `k` (an `if`, `for` or `in`) part of a comprehension
/// clause in the innermost open bracket?
pub fn in_comprehension(toks: &[Spanned], k: usize) -> bool {
    let mut d = 0i64;
    let mut j = k;
    while j > 0 {
        j -= 1;
        let t = &toks[j].1;
        if is_closer(t) {
            d += 1;
        } else if is_opener(t) {
            if d == 0 {
                return false;
            }
            d -= 1;
        } else if d == 0 && *t == Tok::For {
            return true;
        } else if matches!(t, Tok::Newline | Tok::Indent | Tok::Dedent) {
            return false;
        }
    }
    false
}

/// CPython gives a parenthesized group the position of what is inside it:
/// if `toks[a..=last]` is exactly `( expr )`, return where `expr` starts.
pub fn node_start(toks: &[Spanned], a: usize, last: usize) -> usize {
    let mut a = a;
    let mut last = last;
    while a < last
        && toks[a].1 == Tok::LPar
        && is_closer(&toks[last].1)
        && matching_open(toks, last) == a
    {
        let mut d = 0i64;
        let mut plain = a + 1 < last;
        for t in &toks[a + 1..last] {
            if is_opener(&t.1) {
                d += 1;
            } else if is_closer(&t.1) {
                d -= 1;
            } else if d == 0 && matches!(t.1, Tok::Comma | Tok::For | Tok::Yield) {
                plain = false;
            }
        }
        if !plain {
            break;
        }
        a += 1;
        last -= 1;
    }
    a
}

/// First token of the simple statement holding token `k` (after a `;`, a
/// header's `:` or the start of the line).
pub fn stmt_start(toks: &[Spanned], k: usize) -> usize {
    let first = line_first(toks, k);
    let mut start = first;
    let mut d = 0i64;
    for (j, t) in toks.iter().enumerate().take(k).skip(first) {
        if is_opener(&t.1) {
            d += 1;
        } else if is_closer(&t.1) {
            d -= 1;
        } else if d == 0
            && (t.1 == Tok::Semi
                || (t.1 == Tok::Colon && crate::diagnose::compound_name(&toks[first].1).is_some()))
        {
            start = j + 1;
        }
    }
    start
}

/// Has the `def` header starting at `first` reached its `:` before token `i`?
pub fn header_ended(toks: &[Spanned], first: usize, i: usize) -> bool {
    let base = depth_at(toks, first);
    let mut d = base;
    for t in &toks[first..i] {
        if is_opener(&t.1) {
            d += 1;
        } else if is_closer(&t.1) {
            d -= 1;
        } else if d == base && t.1 == Tok::Colon {
            return true;
        }
    }
    false
}
