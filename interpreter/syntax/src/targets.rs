//! Validation of assignment, deletion, `for` and `with` targets, with
//! CPython 3.11's messages and caret positions ("cannot assign to literal",
//! the "here. Maybe you meant '=='" variants, augmented and annotated
//! assignment rules). Expressions are parsed first and checked afterwards;
//! recursion only follows tuples, lists and starred nodes (bounded by brackets).

use crate::ast::*;
use crate::ast_builder::{err_span, Ctx, Ex, R};

/// Which kind of target is being checked.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `=` targets and `with ... as` targets.
    Store,
    /// `for` targets (also in comprehensions).
    For,
    Del,
}

/// CPython's `_PyPegen_get_expr_name`: how error messages name a node.
pub fn expr_name(e: &Expr) -> &'static str {
    match &e.kind {
        ExprKind::Attribute { .. } => "attribute",
        ExprKind::Subscript { .. } => "subscript",
        ExprKind::Starred(_) => "starred",
        ExprKind::Name(_) => "name",
        ExprKind::List(_) => "list",
        ExprKind::Tuple(_) => "tuple",
        ExprKind::Lambda { .. } => "lambda",
        ExprKind::Call { .. } => "function call",
        ExprKind::BoolOp { .. } | ExprKind::BinOp { .. } | ExprKind::UnaryOp { .. } => "expression",
        ExprKind::GeneratorExp { .. } => "generator expression",
        ExprKind::Yield(_) | ExprKind::YieldFrom(_) => "yield expression",
        ExprKind::ListComp { .. } => "list comprehension",
        ExprKind::SetComp { .. } => "set comprehension",
        ExprKind::DictComp { .. } => "dict comprehension",
        ExprKind::Dict { .. } => "dict literal",
        ExprKind::Set(_) => "set display",
        ExprKind::JoinedStr(_) | ExprKind::FormattedValue { .. } => "f-string expression",
        ExprKind::Constant(c) => match c {
            Constant::None => "None",
            Constant::True => "True",
            Constant::False => "False",
            Constant::Ellipsis => "ellipsis",
            _ => "literal",
        },
        ExprKind::Compare { .. } => "comparison",
        ExprKind::IfExp { .. } => "conditional expression",
        ExprKind::NamedExpr { .. } => "named expression",
        ExprKind::Slice { .. } => "slice",
    }
}

/// CPython's `_PyPegen_get_invalid_target`: the first node that cannot be a
/// target, if any.
pub fn invalid_target(e: &Expr, kind: Kind) -> Option<&Expr> {
    match &e.kind {
        ExprKind::List(elts) | ExprKind::Tuple(elts) => {
            elts.iter().find_map(|x| invalid_target(x, kind))
        }
        ExprKind::Starred(v) => {
            if kind == Kind::Del {
                Some(e)
            } else {
                invalid_target(v, kind)
            }
        }
        ExprKind::Compare { left, ops, .. } => {
            if kind == Kind::For {
                if ops.first() == Some(&CmpOp::In) {
                    return invalid_target(left, kind);
                }
                return None;
            }
            Some(e)
        }
        ExprKind::Name(_) | ExprKind::Subscript { .. } | ExprKind::Attribute { .. } => None,
        _ => Some(e),
    }
}

/// Check one target; `Err` names the offending node as CPython does.
pub fn check(e: &Expr, kind: Kind) -> R<()> {
    if let Some(bad) = invalid_target(e, kind) {
        let verb = if kind == Kind::Del {
            "delete"
        } else {
            "assign to"
        };
        return Err(err_span(
            format!("cannot {verb} {}", expr_name(bad)),
            bad.span,
        ));
    }
    Ok(())
}

/// Is `e` an expression at the `bitwise_or` level of the grammar (what
/// CPython's `invalid_named_expression` rule can match)?
fn is_bitwise_or(e: &Expr) -> bool {
    !matches!(
        e.kind,
        ExprKind::BoolOp { .. }
            | ExprKind::Compare { .. }
            | ExprKind::IfExp { .. }
            | ExprKind::Lambda { .. }
            | ExprKind::Starred(_)
            | ExprKind::Yield(_)
            | ExprKind::YieldFrom(_)
            | ExprKind::NamedExpr { .. }
    ) && !matches!(
        e.kind,
        ExprKind::UnaryOp {
            op: UnaryOp::Not,
            ..
        }
    )
}

/// The leftmost sub-expression that starts where `e` starts, or None when
/// `e` starts with a parenthesized group.
fn leftmost<'a>(ctx: &Ctx, e: &'a Expr) -> Option<&'a Expr> {
    let mut node = e;
    loop {
        let child = match &node.kind {
            ExprKind::BinOp { left, .. } => left,
            ExprKind::Attribute { value, .. } | ExprKind::Subscript { value, .. } => value,
            ExprKind::Call { func, .. } => func,
            _ => return Some(node),
        };
        if child.span.start != node.span.start {
            // A group such as `(a).b`: the child starts after the `(`.
            let _ = ctx;
            return None;
        }
        node = child;
    }
}

/// Does `e` start with a list or tuple display, a generator expression or the
/// keywords True/None/False (CPython's `!(list|tuple|genexp|...)` lookahead)?
fn starts_excluded(ctx: &Ctx, e: &Ex) -> bool {
    if e.paren && !matches!(e.e.kind, ExprKind::Tuple(_)) {
        return false;
    }
    match leftmost(ctx, &e.e) {
        None => false,
        Some(n) => {
            if n.span.start == e.e.span.start && e.paren && matches!(n.kind, ExprKind::Tuple(_)) {
                return true;
            }
            match &n.kind {
                ExprKind::List(_) | ExprKind::GeneratorExp { .. } => true,
                ExprKind::Tuple(_) => ctx.src.as_bytes().get(n.span.start as usize) == Some(&b'('),
                ExprKind::Constant(Constant::True | Constant::False | Constant::None) => {
                    ctx.src.as_bytes().get(n.span.start as usize) != Some(&b'(')
                }
                _ => false,
            }
        }
    }
}

/// Does `e` start with a `bitwise_or`-level expression? `Some(true)` when
/// all of `e` is one (so whatever follows `e` follows it), `Some(false)` when
/// an operator inside `e` follows it, `None` when `e` starts otherwise
/// (`not`, `lambda`, `*`, `yield`).
fn leading_bitwise_or(e: &Expr, paren: bool) -> Option<bool> {
    if paren {
        return Some(true);
    }
    let inner = |x: &Expr| leading_bitwise_or(x, false).map(|_| false);
    match &e.kind {
        ExprKind::Compare { left, .. } => inner(left),
        ExprKind::BoolOp { values, .. } => values.first().and_then(inner),
        ExprKind::IfExp { body, .. } => inner(body),
        ExprKind::Tuple(elts) if !elts.is_empty() && elts[0].span.start == e.span.start => {
            inner(&elts[0])
        }
        ExprKind::UnaryOp {
            op: UnaryOp::Not, ..
        }
        | ExprKind::Lambda { .. }
        | ExprKind::Starred(_)
        | ExprKind::Yield(_)
        | ExprKind::YieldFrom(_)
        | ExprKind::NamedExpr { .. } => None,
        _ => Some(true),
    }
}

/// Validate `t1 = t2 = ... = value` (`all` holds the targets then the value).
pub fn check_assign(ctx: &Ctx, all: &[Ex]) -> R<()> {
    let n = all.len();
    let targets = &all[..n - 1];
    let valid = |t: &Ex| {
        !matches!(t.e.kind, ExprKind::Yield(_) | ExprKind::YieldFrom(_))
            && invalid_target(&t.e, Kind::Store).is_none()
    };
    if targets.iter().all(valid) {
        return Ok(());
    }
    // CPython's `invalid_named_expression`, reached through the first
    // statement element list: the element right before the first `=`.
    let first = &targets[0];
    let second = &all[1];
    let rhs_ok = match leading_bitwise_or(&second.e, second.paren) {
        Some(false) => true,
        Some(true) => n == 2,
        None => false,
    };
    if rhs_ok && !matches!(first.e.kind, ExprKind::Yield(_) | ExprKind::YieldFrom(_)) {
        let last_elt: Option<Ex> = match &first.e.kind {
            ExprKind::Tuple(elts) if !first.paren => elts.last().map(|x| Ex {
                e: x.clone(),
                d: 0,
                paren: is_grouped(ctx, x),
            }),
            _ => None,
        };
        let elt = last_elt.as_ref().unwrap_or(first);
        if elt.paren || is_bitwise_or(&elt.e) {
            if let ExprKind::Name(_) = elt.e.kind {
                if !elt.paren {
                    return Err(err_span(
                        "invalid syntax. Maybe you meant '==' or ':=' instead of '='?",
                        elt.e.span,
                    ));
                }
            } else if !starts_excluded(ctx, elt) && invalid_target(&elt.e, Kind::Store).is_some() {
                return Err(err_span(
                    format!(
                        "cannot assign to {} here. Maybe you meant '==' instead of '='?",
                        expr_name(&elt.e)
                    ),
                    elt.e.span,
                ));
            }
        }
    }
    for t in targets {
        if matches!(t.e.kind, ExprKind::Yield(_) | ExprKind::YieldFrom(_)) && !t.paren {
            return Err(err_span(
                "assignment to yield expression not possible",
                t.e.span,
            ));
        }
        check(&t.e, Kind::Store)?;
    }
    Ok(())
}

/// Whether the expression is written in parentheses (a group), judging by
/// the source text around it.
fn is_grouped(ctx: &Ctx, e: &Expr) -> bool {
    if matches!(e.kind, ExprKind::Tuple(_) | ExprKind::GeneratorExp { .. }) {
        return false;
    }
    let before = ctx.src[..(e.span.start as usize).min(ctx.src.len())].trim_end();
    before.ends_with('(')
}

/// Validate an augmented assignment target.
pub fn check_aug(_ctx: &Ctx, t: &Ex) -> R<()> {
    match t.e.kind {
        ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. } => Ok(()),
        _ => Err(err_span(
            format!(
                "'{}' is an illegal expression for augmented assignment",
                expr_name(&t.e)
            ),
            t.e.span,
        )),
    }
}

/// Validate an annotated assignment target; returns CPython's `simple` flag.
pub fn check_ann(_ctx: &Ctx, t: &Ex) -> R<bool> {
    match &t.e.kind {
        ExprKind::Name(_) => Ok(!t.paren),
        ExprKind::Attribute { .. } | ExprKind::Subscript { .. } => Ok(false),
        ExprKind::Tuple(elts) if !t.paren => Err(err_span(
            "only single target (not tuple) can be annotated",
            elts.first().map_or(t.e.span, |f| f.span),
        )),
        ExprKind::Tuple(_) => Err(err_span(
            "only single target (not tuple) can be annotated",
            t.e.span,
        )),
        ExprKind::List(_) => Err(err_span(
            "only single target (not list) can be annotated",
            t.e.span,
        )),
        _ => Err(err_span("illegal target for annotation", t.e.span)),
    }
}
