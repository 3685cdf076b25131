//! Definite-assignment tracking for function locals: which locals are
//! certainly bound at the current point of the code being generated. Reads of
//! locals that are not certainly bound get a `CheckBound` (UnboundLocalError);
//! all others read the register directly.
//! Invariant: `Bound(set)` under-approximates the bound locals on every path
//! reaching this point; `Unreachable` means no path reaches it.

use rustc_hash::FxHashSet;

use mini_syntax::ast::{ExprKind, Stmt, StmtKind};

#[derive(Clone, Debug, PartialEq)]
pub enum Flow {
    Unreachable,
    Bound(Vec<u64>),
}

impl Flow {
    pub fn entry(nlocals: usize) -> Flow {
        Flow::Bound(vec![0; nlocals.div_ceil(64).max(1)])
    }

    pub fn is_bound(&self, i: usize) -> bool {
        match self {
            Flow::Unreachable => true,
            Flow::Bound(b) => b.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0),
        }
    }

    pub fn bind(&mut self, i: usize) {
        if let Flow::Bound(b) = self {
            if let Some(w) = b.get_mut(i / 64) {
                *w |= 1 << (i % 64);
            }
        }
    }

    pub fn unbind(&mut self, i: usize) {
        if let Flow::Bound(b) = self {
            if let Some(w) = b.get_mut(i / 64) {
                *w &= !(1 << (i % 64));
            }
        }
    }

    /// The state after two paths join.
    pub fn join(&self, other: &Flow) -> Flow {
        match (self, other) {
            (Flow::Unreachable, x) | (x, Flow::Unreachable) => x.clone(),
            (Flow::Bound(a), Flow::Bound(b)) => {
                Flow::Bound(a.iter().zip(b.iter()).map(|(x, y)| x & y).collect())
            }
        }
    }

    pub fn is_unreachable(&self) -> bool {
        matches!(self, Flow::Unreachable)
    }
}

/// Names that may be unbound somewhere in `body` (by `del` or at the end of
/// an `except ... as name` handler), not looking into nested scopes.
pub fn unbound_in(body: &[Stmt]) -> FxHashSet<String> {
    let mut out = FxHashSet::default();
    for s in body {
        collect(s, &mut out);
    }
    out
}

fn collect(s: &Stmt, out: &mut FxHashSet<String>) {
    match &s.kind {
        StmtKind::Delete(targets) => {
            for t in targets {
                del_target(t, out);
            }
        }
        StmtKind::If { body, orelse, .. }
        | StmtKind::While { body, orelse, .. }
        | StmtKind::For { body, orelse, .. } => {
            for x in body.iter().chain(orelse) {
                collect(x, out);
            }
        }
        StmtKind::With { body, .. } => {
            for x in body {
                collect(x, out);
            }
        }
        StmtKind::Try {
            body,
            handlers,
            orelse,
            finalbody,
        } => {
            for x in body.iter().chain(orelse).chain(finalbody) {
                collect(x, out);
            }
            for h in handlers {
                if let Some(n) = &h.name {
                    out.insert(n.clone());
                }
                for x in &h.body {
                    collect(x, out);
                }
            }
        }
        _ => {}
    }
}

fn del_target(t: &mini_syntax::ast::Expr, out: &mut FxHashSet<String>) {
    match &t.kind {
        ExprKind::Name(n) => {
            out.insert(n.clone());
        }
        ExprKind::Tuple(items) | ExprKind::List(items) => {
            for i in items {
                del_target(i, out);
            }
        }
        _ => {}
    }
}
