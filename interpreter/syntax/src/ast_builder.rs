//! Helpers called by the grammar's actions to build expression nodes (the
//! statement builders are in `stmt_builder.rs`). Every expression and
//! statement travels with its nesting depth (`Ex`, `St`), and no node deeper
//! than `MAX_DEPTH` is ever built, so recursive code over the AST (Drop,
//! Clone, the compiler) stays within a bounded stack.

use crate::ast::*;
use crate::literal::{LexError, NumValue, StrToken};
use crate::token::Tok;
use lalrpop_util::ParseError;

/// Deepest AST nesting accepted (statements and expressions together, the
/// module itself not counted). CPython 3.11 accepts `-`×2989 `1` and refuses
/// one more with "RecursionError: maximum recursion depth exceeded during
/// compilation"; this limit reproduces that boundary for such chains.
pub const MAX_DEPTH: u32 = 2991;

/// The message of the error raised when `MAX_DEPTH` is exceeded; callers turn
/// it into a RecursionError (see `SyntaxError::is_recursion_error`).
pub const RECURSION_MSG: &str = "maximum recursion depth exceeded during compilation";

pub type PErr = ParseError<usize, Tok, LexError>;
pub type R<T> = Result<T, PErr>;

/// Parser-wide context: the whole source (string tokens are decoded from it)
/// and how deep in nested f-string parsing we are.
pub struct Ctx<'s> {
    pub src: &'s str,
    pub fstring_depth: u32,
}

/// What `Top` parsed.
pub enum Top {
    Module(Vec<St>),
    Expr(Ex),
}

/// An expression with its nesting depth and whether it was written in
/// parentheses (CPython keeps the inner span for a parenthesized expression).
#[derive(Debug)]
pub struct Ex {
    pub e: Expr,
    pub d: u32,
    pub paren: bool,
}

/// A statement with its nesting depth.
#[derive(Debug)]
pub struct St {
    pub s: Stmt,
    pub d: u32,
}

pub enum ArgItem {
    Pos(Ex),
    /// An unparenthesized generator expression argument; usize = its end.
    Gen(Ex, Vec<CompClause>, usize),
    Kw(String, Ex, usize, usize),
    Star(Ex, usize, usize),
    KwStar(Ex, usize, usize),
}

pub enum ParamItem {
    /// name, annotation, default, start, end of name and annotation.
    Plain(String, Option<Ex>, Option<Ex>, usize, usize),
    /// `*name: ann` (None for a bare `*`), default (always an error).
    Star(Option<(String, Option<Ex>)>, Option<Ex>, usize, usize),
    StarStar(String, Option<Ex>, Option<Ex>, usize, usize),
    Slash(usize),
}

/// `for target in iter if cond...`
pub type CompClause = (Ex, Ex, Vec<Ex>);
/// A dict display entry: `k: v`, or `(None, m)` for `**m`.
pub type DictItem = (Option<Ex>, Ex);
/// `name as asname` in an import, with its span.
pub type ImportName = (String, Option<String>, usize, usize);
/// An except clause: optional (type, name), body, start offset.
pub type Handler = (Option<(Ex, Option<String>)>, Vec<St>, usize);

pub enum SimpleKind {
    Pass,
    Break,
    Continue,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CompKind {
    Gen,
    List,
    Set,
    Dict,
}

/// A user error at a source position (caret on byte `pos`).
pub fn err_at(msg: impl Into<String>, pos: usize) -> PErr {
    ParseError::User {
        error: LexError::new(msg, pos),
    }
}

pub fn err_span(msg: impl Into<String>, span: Span) -> PErr {
    ParseError::User {
        error: LexError::new(msg, span.start as usize).with_end(span.end as usize),
    }
}

pub(crate) fn sp(l: usize, r: usize) -> Span {
    Span::new(l, r.max(l))
}

/// Build an expression node of depth `d`, refusing nodes that are too deep.
pub fn mk(kind: ExprKind, span: Span, d: u32) -> R<Ex> {
    if d > MAX_DEPTH {
        return Err(err_at(RECURSION_MSG, span.start as usize));
    }
    Ok(Ex {
        e: Expr { kind, span },
        d,
        paren: false,
    })
}

pub(crate) fn mk_stmt(kind: StmtKind, span: Span, d: u32) -> R<St> {
    if d > MAX_DEPTH {
        return Err(err_at(RECURSION_MSG, span.start as usize));
    }
    Ok(St {
        s: Stmt { kind, span },
        d,
    })
}

fn leaf(kind: ExprKind, l: usize, r: usize) -> Ex {
    Ex {
        e: Expr {
            kind,
            span: sp(l, r),
        },
        d: 1,
        paren: false,
    }
}

/// Depth of a list of expressions (0 when empty).
pub(crate) fn dmax(v: &[Ex]) -> u32 {
    v.iter().map(|x| x.d).max().unwrap_or(0)
}

pub(crate) fn dopt(v: &Option<Ex>) -> u32 {
    v.as_ref().map_or(0, |x| x.d)
}

pub(crate) fn unwrap(v: Vec<Ex>) -> Vec<Expr> {
    v.into_iter().map(|x| x.e).collect()
}

fn bx(x: Ex) -> Box<Expr> {
    Box::new(x.e)
}

/// Split a block into statements and its depth.
pub fn block(v: Vec<St>) -> (Vec<Stmt>, u32) {
    let d = v.iter().map(|s| s.d).max().unwrap_or(0);
    (v.into_iter().map(|s| s.s).collect(), d)
}

pub(crate) fn block_end(v: &[Stmt], default: usize) -> usize {
    v.last().map_or(default, |s| s.span.end as usize)
}

// ---------------------------------------------------------------- atoms

pub fn name(n: String, l: usize, r: usize) -> Ex {
    leaf(ExprKind::Name(n), l, r)
}

pub fn constant(c: Constant, l: usize, r: usize) -> Ex {
    leaf(ExprKind::Constant(c), l, r)
}

pub fn number(n: NumValue, l: usize, r: usize) -> Ex {
    let c = match n {
        NumValue::Int(i) => Constant::Int(i),
        NumValue::Float(f) => Constant::Float(f),
        NumValue::Imaginary(f) => Constant::Imaginary(f),
    };
    constant(c, l, r)
}

pub fn paren(mut e: Ex) -> Ex {
    e.paren = true;
    e
}

pub fn push_opt(mut v: Vec<Ex>, e: Option<Ex>) -> Vec<Ex> {
    v.extend(e);
    v
}

/// Adjacent string literals, joined (see `fstring.rs` for f-strings).
pub fn strings(ctx: &Ctx, parts: Vec<(usize, StrToken, usize)>) -> R<Ex> {
    crate::fstring::join_strings(ctx, parts).map_err(|error| ParseError::User { error })
}

// ---------------------------------------------------------------- operators

pub fn bin(a: Ex, op: BinOp, c: Ex, l: usize, r: usize) -> R<Ex> {
    let d = a.d.max(c.d) + 1;
    mk(
        ExprKind::BinOp {
            left: bx(a),
            op,
            right: bx(c),
        },
        sp(l, r),
        d,
    )
}

pub fn unary(op: UnaryOp, e: Ex, l: usize, r: usize) -> R<Ex> {
    let d = e.d + 1;
    mk(ExprKind::UnaryOp { op, operand: bx(e) }, sp(l, r), d)
}

pub fn boolop(op: BoolOp, first: Ex, rest: Vec<Ex>, l: usize, r: usize) -> R<Ex> {
    let mut values = vec![first];
    values.extend(rest);
    let d = dmax(&values) + 1;
    mk(
        ExprKind::BoolOp {
            op,
            values: unwrap(values),
        },
        sp(l, r),
        d,
    )
}

pub fn compare(left: Ex, rest: Vec<(CmpOp, Ex)>, l: usize, r: usize) -> R<Ex> {
    let mut d = left.d;
    let mut ops = Vec::with_capacity(rest.len());
    let mut comparators = Vec::with_capacity(rest.len());
    for (op, e) in rest {
        d = d.max(e.d);
        ops.push(op);
        comparators.push(e.e);
    }
    mk(
        ExprKind::Compare {
            left: bx(left),
            ops,
            comparators,
        },
        sp(l, r),
        d + 1,
    )
}

pub fn ifexp(body: Ex, test: Ex, orelse: Ex, l: usize, r: usize) -> R<Ex> {
    let d = body.d.max(test.d).max(orelse.d) + 1;
    mk(
        ExprKind::IfExp {
            test: bx(test),
            body: bx(body),
            orelse: bx(orelse),
        },
        sp(l, r),
        d,
    )
}

pub fn named(t: Ex, v: Ex, l: usize, r: usize) -> R<Ex> {
    if !matches!(t.e.kind, ExprKind::Name(_)) {
        return Err(err_span(
            format!(
                "cannot use assignment expressions with {}",
                crate::targets::expr_name(&t.e)
            ),
            t.e.span,
        ));
    }
    let d = t.d.max(v.d) + 1;
    mk(
        ExprKind::NamedExpr {
            target: bx(t),
            value: bx(v),
        },
        sp(l, r),
        d,
    )
}

pub fn lambda(ctx: &Ctx, p: Vec<ParamItem>, body: Ex, l: usize, r: usize) -> R<Ex> {
    let (args, ad) = crate::params::arguments(p, Some(ctx.src))?;
    let d = ad.max(body.d) + 1;
    mk(
        ExprKind::Lambda {
            args: Box::new(args),
            body: bx(body),
        },
        sp(l, r),
        d,
    )
}

pub fn starred(e: Ex, l: usize, r: usize) -> R<Ex> {
    let d = e.d + 1;
    mk(ExprKind::Starred(bx(e)), sp(l, r), d)
}

pub fn bad_star(e: Ex) -> R<Ex> {
    Err(err_span("cannot use starred expression here", e.e.span))
}

pub fn bad_dict_comp(_e: Ex, l: usize) -> R<Ex> {
    Err(err_at(
        "dict unpacking cannot be used in dict comprehension",
        l,
    ))
}

pub fn yield_(v: Option<Ex>, l: usize, r: usize) -> R<Ex> {
    let d = dopt(&v) + 1;
    mk(ExprKind::Yield(v.map(bx)), sp(l, r), d)
}

pub fn yield_from(v: Ex, l: usize, r: usize) -> R<Ex> {
    let d = v.d + 1;
    mk(ExprKind::YieldFrom(bx(v)), sp(l, r), d)
}

// ---------------------------------------------------------------- displays

/// `first, rest...` — a tuple when there is a comma, else `first` itself.
pub fn maybe_tuple(s: (Vec<Ex>, bool), l: usize, r: usize) -> R<Ex> {
    let (mut v, trailing) = s;
    if v.len() == 1 && !trailing {
        return Ok(v.pop().expect("one element"));
    }
    tuple(v, l, r)
}

pub fn tuple(v: Vec<Ex>, l: usize, r: usize) -> R<Ex> {
    let d = dmax(&v) + 1;
    mk(ExprKind::Tuple(unwrap(v)), sp(l, r), d)
}

pub fn list(v: Vec<Ex>, l: usize, r: usize) -> R<Ex> {
    let d = dmax(&v) + 1;
    mk(ExprKind::List(unwrap(v)), sp(l, r), d)
}

pub fn set(v: Vec<Ex>, l: usize, r: usize) -> R<Ex> {
    let d = dmax(&v) + 1;
    mk(ExprKind::Set(unwrap(v)), sp(l, r), d)
}

pub fn dict(items: Vec<DictItem>, l: usize, r: usize) -> R<Ex> {
    let mut d = 0;
    let mut keys = Vec::with_capacity(items.len());
    let mut values = Vec::with_capacity(items.len());
    for (k, v) in items {
        d = d.max(dopt(&k)).max(v.d);
        keys.push(k.map(|k| k.e));
        values.push(v.e);
    }
    mk(ExprKind::Dict { keys, values }, sp(l, r), d + 1)
}

fn generators(clauses: Vec<CompClause>) -> R<(Vec<Comprehension>, u32)> {
    let mut d = 0;
    let mut out = Vec::with_capacity(clauses.len());
    for (t, it, ifs) in clauses {
        crate::targets::check(&t.e, crate::targets::Kind::For)?;
        d = d.max(t.d).max(it.d).max(dmax(&ifs));
        out.push(Comprehension {
            target: t.e,
            iter: it.e,
            ifs: unwrap(ifs),
        });
    }
    Ok((out, d))
}

pub fn comp(
    kind: CompKind,
    elt: Ex,
    value: Option<Ex>,
    c: Vec<CompClause>,
    l: usize,
    r: usize,
) -> R<Ex> {
    if let ExprKind::Starred(_) = elt.e.kind {
        return Err(err_span(
            "iterable unpacking cannot be used in comprehension",
            elt.e.span,
        ));
    }
    let (generators, gd) = generators(c)?;
    let d = elt.d.max(dopt(&value)).max(gd) + 1;
    let kind = match kind {
        CompKind::Gen => ExprKind::GeneratorExp {
            elt: bx(elt),
            generators,
        },
        CompKind::List => ExprKind::ListComp {
            elt: bx(elt),
            generators,
        },
        CompKind::Set => ExprKind::SetComp {
            elt: bx(elt),
            generators,
        },
        CompKind::Dict => ExprKind::DictComp {
            key: bx(elt),
            value: Box::new(value.map(|v| v.e).unwrap_or(Expr {
                kind: ExprKind::Constant(Constant::None),
                span: sp(l, l),
            })),
            generators,
        },
    };
    mk(kind, sp(l, r), d)
}

// ---------------------------------------------------------------- trailers

pub fn attribute(v: Ex, n: String, l: usize, r: usize) -> R<Ex> {
    let d = v.d + 1;
    mk(
        ExprKind::Attribute {
            value: bx(v),
            attr: n,
        },
        sp(l, r),
        d,
    )
}

pub fn subscript(v: Ex, s: Ex, l: usize, r: usize) -> R<Ex> {
    let d = v.d.max(s.d) + 1;
    mk(
        ExprKind::Subscript {
            value: bx(v),
            slice: bx(s),
        },
        sp(l, r),
        d,
    )
}

pub fn subscript_list(s: (Vec<Ex>, bool), l: usize, r: usize) -> R<Ex> {
    let (mut v, trailing) = s;
    // `a[*b]` is a one-element tuple, as in CPython 3.11.
    let lone_star = matches!(v[0].e.kind, ExprKind::Starred(_));
    if v.len() == 1 && !trailing && !lone_star {
        return Ok(v.pop().expect("one element"));
    }
    tuple(v, l, r)
}

pub fn slice(lo: Option<Ex>, hi: Option<Ex>, st: Option<Ex>, l: usize, r: usize) -> R<Ex> {
    let d = dopt(&lo).max(dopt(&hi)).max(dopt(&st)) + 1;
    mk(
        ExprKind::Slice {
            lower: lo.map(bx),
            upper: hi.map(bx),
            step: st.map(bx),
        },
        sp(l, r),
        d,
    )
}

/// Positional args, keywords and depth of a call's argument list.
pub fn call_args(args: Vec<ArgItem>, lp: usize, r: usize) -> R<(Vec<Expr>, Vec<Keyword>, u32)> {
    let n = args.len();
    let mut pos = Vec::new();
    let mut kws = Vec::new();
    let mut d = 0;
    let mut seen_kw = false;
    let mut seen_kwstar = false;
    for a in args {
        match a {
            ArgItem::Pos(e) => {
                // CPython reports these at the last token it read: the `)`.
                let at = r.saturating_sub(1).max(e.e.span.end as usize);
                if seen_kwstar {
                    return Err(err_at(
                        "positional argument follows keyword argument unpacking",
                        at,
                    ));
                }
                if seen_kw {
                    return Err(err_at("positional argument follows keyword argument", at));
                }
                d = d.max(e.d);
                pos.push(e.e);
            }
            ArgItem::Gen(e, c, end) => {
                if n > 1 {
                    return Err(err_span(
                        "Generator expression must be parenthesized",
                        sp(e.e.span.start as usize, end),
                    ));
                }
                // CPython gives a sole generator argument the call's parentheses.
                let g = comp(CompKind::Gen, e, None, c, lp, r)?;
                d = d.max(g.d);
                pos.push(g.e);
            }
            ArgItem::Star(e, l, r) => {
                if seen_kwstar {
                    return Err(err_at(
                        "iterable argument unpacking follows keyword argument unpacking",
                        l,
                    ));
                }
                let s = starred(e, l, r)?;
                d = d.max(s.d);
                pos.push(s.e);
            }
            ArgItem::Kw(name, v, l, r) => {
                seen_kw = true;
                d = d.max(v.d);
                kws.push(Keyword {
                    arg: Some(name),
                    value: v.e,
                    span: sp(l, r),
                });
            }
            ArgItem::KwStar(v, l, r) => {
                seen_kwstar = true;
                d = d.max(v.d);
                kws.push(Keyword {
                    arg: None,
                    value: v.e,
                    span: sp(l, r),
                });
            }
        }
    }
    Ok((pos, kws, d))
}

pub fn call(f: Ex, args: Vec<ArgItem>, l: usize, lp: usize, r: usize) -> R<Ex> {
    let (args, keywords, ad) = call_args(args, lp, r)?;
    let d = f.d.max(ad) + 1;
    mk(
        ExprKind::Call {
            func: bx(f),
            args,
            keywords,
        },
        sp(l, r),
        d,
    )
}
