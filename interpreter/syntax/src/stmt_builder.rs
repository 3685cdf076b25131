//! Helpers called by the grammar's actions to build statements: simple
//! statements, imports, and compound statements whose `elif` chains are
//! folded iteratively. Depths are propagated from bodies and expressions so
//! `MAX_DEPTH` bounds the whole tree (see `ast_builder.rs`).

use crate::ast::*;
use crate::ast_builder::{
    block, block_end, call_args, dmax, dopt, err_at, mk_stmt, sp, unwrap, ArgItem, Ctx, Ex,
    Handler, ImportName, ParamItem, SimpleKind, St, R,
};

pub fn simple(k: SimpleKind, l: usize, r: usize) -> St {
    let kind = match k {
        SimpleKind::Pass => StmtKind::Pass,
        SimpleKind::Break => StmtKind::Break,
        SimpleKind::Continue => StmtKind::Continue,
    };
    St {
        s: Stmt {
            kind,
            span: sp(l, r),
        },
        d: 1,
    }
}

pub fn expr_stmt(e: Ex, l: usize, r: usize) -> R<St> {
    let d = e.d + 1;
    mk_stmt(StmtKind::Expr(e.e), sp(l, r), d)
}

pub fn assign(ctx: &Ctx, first: Ex, rest: Vec<Ex>, l: usize, r: usize) -> R<St> {
    let mut all = vec![first];
    all.extend(rest);
    crate::targets::check_assign(ctx, &all)?;
    let value = all.pop().expect("assignment has a value");
    let d = dmax(&all).max(value.d) + 1;
    mk_stmt(
        StmtKind::Assign {
            targets: unwrap(all),
            value: value.e,
        },
        sp(l, r),
        d,
    )
}

pub fn aug_assign(ctx: &Ctx, t: Ex, op: BinOp, v: Ex, l: usize, r: usize) -> R<St> {
    crate::targets::check_aug(ctx, &t)?;
    let d = t.d.max(v.d) + 1;
    mk_stmt(
        StmtKind::AugAssign {
            target: t.e,
            op,
            value: v.e,
        },
        sp(l, r),
        d,
    )
}

pub fn ann_assign(ctx: &Ctx, t: Ex, a: Ex, v: Option<Ex>, l: usize, r: usize) -> R<St> {
    let simple = crate::targets::check_ann(ctx, &t)?;
    let d = t.d.max(a.d).max(dopt(&v)) + 1;
    mk_stmt(
        StmtKind::AnnAssign {
            target: t.e,
            annotation: a.e,
            value: v.map(|v| v.e),
            simple,
        },
        sp(l, r),
        d,
    )
}

pub fn delete(t: Ex, l: usize, r: usize) -> R<St> {
    let d = t.d + 1;
    // `del a, b` deletes each element; `del (a, b)` is one tuple target.
    let out = match t.e.kind {
        ExprKind::Tuple(elts) if !t.paren => elts,
        kind => vec![Expr {
            kind,
            span: t.e.span,
        }],
    };
    for t in &out {
        crate::targets::check(t, crate::targets::Kind::Del)?;
    }
    mk_stmt(StmtKind::Delete(out), sp(l, r), d)
}

pub fn return_(v: Option<Ex>, l: usize, r: usize) -> R<St> {
    let d = dopt(&v) + 1;
    mk_stmt(StmtKind::Return(v.map(|v| v.e)), sp(l, r), d)
}

pub fn raise(e: Option<Ex>, c: Option<Ex>, l: usize, r: usize) -> R<St> {
    let d = dopt(&e).max(dopt(&c)) + 1;
    mk_stmt(
        StmtKind::Raise {
            exc: e.map(|e| e.e),
            cause: c.map(|c| c.e),
        },
        sp(l, r),
        d,
    )
}

pub fn global(names: Vec<String>, nonlocal: bool, l: usize, r: usize) -> St {
    let kind = if nonlocal {
        StmtKind::Nonlocal(names)
    } else {
        StmtKind::Global(names)
    };
    St {
        s: Stmt {
            kind,
            span: sp(l, r),
        },
        d: 1,
    }
}

pub fn assert(t: Ex, m: Option<Ex>, l: usize, r: usize) -> R<St> {
    let d = t.d.max(dopt(&m)) + 1;
    mk_stmt(
        StmtKind::Assert {
            test: t.e,
            msg: m.map(|m| m.e),
        },
        sp(l, r),
        d,
    )
}

pub fn dotted(first: String, rest: Vec<String>) -> String {
    let mut s = first;
    for r in rest {
        s.push('.');
        s.push_str(&r);
    }
    s
}

fn aliases(names: Vec<ImportName>) -> Vec<Alias> {
    names
        .into_iter()
        .map(|(name, asname, l, r)| Alias {
            name,
            asname,
            span: sp(l, r),
        })
        .collect()
}

pub fn import(names: Vec<ImportName>, l: usize, r: usize) -> St {
    St {
        s: Stmt {
            kind: StmtKind::Import(aliases(names)),
            span: sp(l, r),
        },
        d: 1,
    }
}

pub fn import_from(
    dots: Vec<u32>,
    module: Option<String>,
    names: Vec<ImportName>,
    l: usize,
    i: usize,
    r: usize,
) -> R<St> {
    if dots.is_empty() && module.is_none() {
        return Err(err_at("invalid syntax", i));
    }
    Ok(St {
        s: Stmt {
            kind: StmtKind::ImportFrom {
                module,
                names: aliases(names),
                level: dots.iter().sum(),
            },
            span: sp(l, r),
        },
        d: 1,
    })
}

pub fn if_stmt(
    test: Ex,
    body: Vec<St>,
    elifs: Vec<(usize, Ex, Vec<St>)>,
    orelse: Option<Vec<St>>,
    l: usize,
) -> R<St> {
    // Build the elif chain from the innermost clause outwards.
    let (mut tail, mut td) = block(orelse.unwrap_or_default());
    for (el, t, b) in elifs.into_iter().rev() {
        let (b, bd) = block(b);
        let end = block_end(&tail, block_end(&b, el));
        let d = t.d.max(bd).max(td) + 1;
        let st = mk_stmt(
            StmtKind::If {
                test: t.e,
                body: b,
                orelse: tail,
            },
            sp(el, end),
            d,
        )?;
        td = st.d;
        tail = vec![st.s];
    }
    let (body, bd) = block(body);
    let end = block_end(&tail, block_end(&body, l));
    let d = test.d.max(bd).max(td) + 1;
    mk_stmt(
        StmtKind::If {
            test: test.e,
            body,
            orelse: tail,
        },
        sp(l, end),
        d,
    )
}

pub fn while_stmt(test: Ex, body: Vec<St>, orelse: Option<Vec<St>>, l: usize) -> R<St> {
    let (body, bd) = block(body);
    let (orelse, od) = block(orelse.unwrap_or_default());
    let end = block_end(&orelse, block_end(&body, l));
    let d = test.d.max(bd).max(od) + 1;
    mk_stmt(
        StmtKind::While {
            test: test.e,
            body,
            orelse,
        },
        sp(l, end),
        d,
    )
}

pub fn for_stmt(t: Ex, it: Ex, body: Vec<St>, orelse: Option<Vec<St>>, l: usize) -> R<St> {
    crate::targets::check(&t.e, crate::targets::Kind::For)?;
    let (body, bd) = block(body);
    let (orelse, od) = block(orelse.unwrap_or_default());
    let end = block_end(&orelse, block_end(&body, l));
    let d = t.d.max(it.d).max(bd).max(od) + 1;
    mk_stmt(
        StmtKind::For {
            target: t.e,
            iter: it.e,
            body,
            orelse,
        },
        sp(l, end),
        d,
    )
}

pub fn try_stmt(
    body: Vec<St>,
    handlers: Vec<Handler>,
    orelse: Option<Vec<St>>,
    fin: Option<Vec<St>>,
    l: usize,
) -> R<St> {
    let (body, mut d) = block(body);
    let mut hs = Vec::with_capacity(handlers.len());
    let mut end = block_end(&body, l);
    let n = handlers.len();
    for (i, (typ, hbody, hl)) in handlers.into_iter().enumerate() {
        if typ.is_none() && i + 1 < n {
            return Err(err_at("default 'except:' must be last", hl));
        }
        let (hbody, hd) = block(hbody);
        let (typ, name) = match typ {
            Some((t, n)) => {
                d = d.max(t.d);
                (Some(t.e), n)
            }
            None => (None, None),
        };
        d = d.max(hd);
        let hend = block_end(&hbody, hl);
        end = hend;
        hs.push(ExceptHandler {
            typ,
            name,
            body: hbody,
            span: sp(hl, hend),
        });
    }
    let (orelse, od) = block(orelse.unwrap_or_default());
    let (finalbody, fd) = block(fin.unwrap_or_default());
    end = block_end(&finalbody, block_end(&orelse, end));
    let d = d.max(od).max(fd) + 1;
    mk_stmt(
        StmtKind::Try {
            body,
            handlers: hs,
            orelse,
            finalbody,
        },
        sp(l, end),
        d,
    )
}

pub fn with_stmt(items: Vec<(Ex, Option<Ex>)>, body: Vec<St>, l: usize) -> R<St> {
    let mut d = 0;
    let mut out = Vec::with_capacity(items.len());
    for (c, t) in items {
        if let Some(t) = &t {
            crate::targets::check(&t.e, crate::targets::Kind::Store)?;
        }
        d = d.max(c.d).max(dopt(&t));
        out.push(WithItem {
            context: c.e,
            target: t.map(|t| t.e),
        });
    }
    let (body, bd) = block(body);
    let end = block_end(&body, l);
    mk_stmt(
        StmtKind::With { items: out, body },
        sp(l, end),
        d.max(bd) + 1,
    )
}

pub fn func_def(
    decorators: Vec<Ex>,
    name: String,
    params: Vec<ParamItem>,
    returns: Option<Ex>,
    body: Vec<St>,
    l: usize,
) -> R<St> {
    let (args, ad) = crate::params::arguments(params, None)?;
    let (body, bd) = block(body);
    let end = block_end(&body, l);
    let d = dmax(&decorators).max(ad).max(dopt(&returns)).max(bd) + 1;
    mk_stmt(
        StmtKind::FunctionDef(Box::new(FunctionDef {
            name,
            args,
            body,
            decorators: unwrap(decorators),
            returns: returns.map(|r| r.e),
        })),
        sp(l, end),
        d,
    )
}

pub fn class_def(
    decorators: Vec<Ex>,
    name: String,
    args: Option<Vec<ArgItem>>,
    body: Vec<St>,
    l: usize,
) -> R<St> {
    let (bases, keywords, ad) = match args {
        Some(a) => call_args(a, l, l)?,
        None => (vec![], vec![], 0),
    };
    let (body, bd) = block(body);
    let end = block_end(&body, l);
    let d = dmax(&decorators).max(ad).max(bd) + 1;
    mk_stmt(
        StmtKind::ClassDef(Box::new(ClassDef {
            name,
            bases,
            keywords,
            body,
            decorators: unwrap(decorators),
        })),
        sp(l, end),
        d,
    )
}
