//! Parameter lists of `def` and `lambda`: the grammar collects a flat list of
//! items (`a`, `a=1`, `/`, `*`, `*args`, `**kw`) and this file checks their
//! order with CPython 3.11's messages, then builds `ast::Arguments` (defaults
//! for the last positional parameters, one `kw_defaults` slot per keyword-only
//! parameter).

use crate::ast::{Arg, Arguments, Span};
use crate::ast_builder::{err_at, ParamItem, R};

/// An `arg` spans its name and annotation (`r`, before any default).
fn arg(name: String, ann: Option<crate::ast_builder::Ex>, l: usize, r: usize, d: &mut u32) -> Arg {
    if let Some(a) = &ann {
        *d = (*d).max(a.d);
    }
    let end = r;
    Arg {
        name,
        annotation: ann.map(|a| a.e),
        span: Span::new(l, end.max(l)),
    }
}

/// Position of the `=` of a default value: just before the default starts.
fn eq_pos(default: &crate::ast_builder::Ex, item_start: usize) -> usize {
    // The default's span starts after `=` and optional spaces; CPython puts
    // the caret on the `=` itself.  We do not have the source here, so use
    // the item start when the default starts at it (cannot happen).
    let s = default.e.span.start as usize;
    if s > item_start {
        s - 1
    } else {
        item_start
    }
}

/// Build `Arguments` from the parameter items, validating their order.
/// `lambda_src` is the source text for a lambda (whose bare-`*` error CPython
/// reports at the token after `*,`), None for a `def`.
pub fn arguments(items: Vec<ParamItem>, lambda_src: Option<&str>) -> R<(Arguments, u32)> {
    let mut a = Arguments::default();
    let mut d = 0u32;
    let mut seen_slash = false;
    let mut seen_star = false;
    let mut seen_kwarg = false;
    let mut seen_default = false;
    let n = items.len();
    let mut iter = items.into_iter().enumerate().peekable();
    while let Some((i, item)) = iter.next() {
        let start = match &item {
            ParamItem::Plain(_, _, _, l, _)
            | ParamItem::Star(_, _, l, _)
            | ParamItem::StarStar(_, _, _, l, _)
            | ParamItem::Slash(l) => *l,
        };
        if seen_kwarg {
            return Err(err_at(
                "arguments cannot follow var-keyword argument",
                start,
            ));
        }
        match item {
            ParamItem::Plain(name, ann, default, l, r) => {
                let has_default = default.is_some();
                let x = arg(name, ann, l, r, &mut d);
                if seen_star {
                    a.kwonlyargs.push(x);
                    if let Some(v) = &default {
                        d = d.max(v.d);
                    }
                    a.kw_defaults.push(default.map(|v| v.e));
                } else {
                    if has_default {
                        seen_default = true;
                    } else if seen_default {
                        return Err(err_at("non-default argument follows default argument", l));
                    }
                    a.args.push(x);
                    if let Some(v) = default {
                        d = d.max(v.d);
                        a.defaults.push(v.e);
                    }
                }
            }
            ParamItem::Slash(l) => {
                if seen_slash {
                    return Err(err_at("/ may appear only once", l));
                }
                if seen_star {
                    return Err(err_at("/ must be ahead of *", l));
                }
                if a.args.is_empty() {
                    return Err(err_at("at least one argument must precede /", l));
                }
                seen_slash = true;
                a.posonlyargs = std::mem::take(&mut a.args);
            }
            ParamItem::Star(name, default, l, r) => {
                if seen_star {
                    return Err(err_at("* argument may appear only once", l));
                }
                if let Some(v) = &default {
                    return Err(err_at(
                        "var-positional argument cannot have default value",
                        eq_pos(v, l),
                    ));
                }
                seen_star = true;
                match name {
                    Some((name, ann)) => {
                        let start = l + 1;
                        a.vararg = Some(arg(name, ann, start, r, &mut d));
                    }
                    None => {
                        let next_ok = matches!(iter.peek(), Some((_, ParamItem::Plain(..))));
                        if !next_ok || i + 1 == n {
                            let at = lambda_src.map_or(l, |src| after_star_comma(src, l));
                            return Err(err_at("named arguments must follow bare *", at));
                        }
                    }
                }
            }
            ParamItem::StarStar(name, ann, default, l, r) => {
                if let Some(v) = &default {
                    return Err(err_at(
                        "var-keyword argument cannot have default value",
                        eq_pos(v, l),
                    ));
                }
                seen_kwarg = true;
                a.kwarg = Some(arg(name, ann, l + 2, r, &mut d));
            }
        }
    }
    Ok((a, d))
}

/// Position of the token after `*` and an optional `,` (for lambdas).
fn after_star_comma(src: &str, star: usize) -> usize {
    let b = src.as_bytes();
    let mut i = star + 1;
    let skip = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\x0c') {
            *i += 1;
        }
    };
    skip(&mut i);
    if i < b.len() && b[i] == b',' {
        i += 1;
        skip(&mut i);
    }
    i.min(b.len())
}
