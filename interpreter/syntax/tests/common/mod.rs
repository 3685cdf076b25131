//! Test helpers: `dump_module` prints an AST exactly as CPython 3.11's
//! `ast.dump(tree)` does with default arguments (no positions), inferring the
//! `ctx=Load()/Store()/Del()` fields from each node's position in the tree.
#![allow(dead_code)]

use mini_syntax::ast::*;
use mini_syntax::LineIndex;
use std::cell::RefCell;
use std::fmt::Write;

thread_local! {
    /// When set, nodes print their positions as `ast.dump(include_attributes=True)`.
    static INDEX: RefCell<Option<LineIndex>> = const { RefCell::new(None) };
}

/// Like `dump_module`, with `lineno`, `col_offset`, `end_lineno` and
/// `end_col_offset` on every node that has them.
pub fn dump_module_with_positions(m: &Module, src: &str) -> String {
    INDEX.with(|i| *i.borrow_mut() = Some(LineIndex::new(src)));
    let out = dump_module(m);
    INDEX.with(|i| *i.borrow_mut() = None);
    out
}

/// Close a node that has position attributes.
fn close(o: &mut String, span: Span) {
    INDEX.with(|i| {
        if let Some(ix) = i.borrow().as_ref() {
            let a = ix.position(span.start as usize);
            let b = ix.position(span.end as usize);
            if !o.ends_with('(') {
                o.push_str(", ");
            }
            let _ = write!(
                o,
                "lineno={}, col_offset={}, end_lineno={}, end_col_offset={}",
                a.line, a.col_bytes, b.line, b.col_bytes
            );
        }
    });
    o.push(')');
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Load,
    Store,
    Del,
}

impl Ctx {
    fn s(self) -> &'static str {
        match self {
            Ctx::Load => "Load()",
            Ctx::Store => "Store()",
            Ctx::Del => "Del()",
        }
    }
}

pub fn dump_module(m: &Module) -> String {
    let mut o = String::new();
    o.push_str("Module(body=");
    stmts(&mut o, &m.body);
    o.push_str(", type_ignores=[])");
    o
}

pub fn dump_expression(e: &Expr) -> String {
    let mut o = String::from("Expression(body=");
    expr(&mut o, e, Ctx::Load);
    o.push(')');
    o
}

fn stmts(o: &mut String, v: &[Stmt]) {
    o.push('[');
    for (i, s) in v.iter().enumerate() {
        if i > 0 {
            o.push_str(", ");
        }
        stmt(o, s);
    }
    o.push(']');
}

fn exprs(o: &mut String, v: &[Expr], ctx: Ctx) {
    o.push('[');
    for (i, e) in v.iter().enumerate() {
        if i > 0 {
            o.push_str(", ");
        }
        expr(o, e, ctx);
    }
    o.push(']');
}

fn opt(o: &mut String, name: &str, e: &Option<Expr>) {
    if let Some(e) = e {
        let _ = write!(o, ", {name}=");
        expr(o, e, Ctx::Load);
    }
}

fn binop(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "Add()",
        BinOp::Sub => "Sub()",
        BinOp::Mult => "Mult()",
        BinOp::MatMult => "MatMult()",
        BinOp::Div => "Div()",
        BinOp::Mod => "Mod()",
        BinOp::Pow => "Pow()",
        BinOp::LShift => "LShift()",
        BinOp::RShift => "RShift()",
        BinOp::BitOr => "BitOr()",
        BinOp::BitXor => "BitXor()",
        BinOp::BitAnd => "BitAnd()",
        BinOp::FloorDiv => "FloorDiv()",
    }
}

fn cmpop(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "Eq()",
        CmpOp::NotEq => "NotEq()",
        CmpOp::Lt => "Lt()",
        CmpOp::LtE => "LtE()",
        CmpOp::Gt => "Gt()",
        CmpOp::GtE => "GtE()",
        CmpOp::Is => "Is()",
        CmpOp::IsNot => "IsNot()",
        CmpOp::In => "In()",
        CmpOp::NotIn => "NotIn()",
    }
}

fn stmt(o: &mut String, s: &Stmt) {
    let mut t = String::new();
    stmt_inner(&mut t, s);
    t.pop();
    o.push_str(&t);
    close(o, s.span);
}

fn stmt_inner(o: &mut String, s: &Stmt) {
    match &s.kind {
        StmtKind::Expr(e) => {
            o.push_str("Expr(value=");
            expr(o, e, Ctx::Load);
            o.push(')');
        }
        StmtKind::Assign { targets, value } => {
            o.push_str("Assign(targets=");
            exprs(o, targets, Ctx::Store);
            o.push_str(", value=");
            expr(o, value, Ctx::Load);
            o.push(')');
        }
        StmtKind::AugAssign { target, op, value } => {
            o.push_str("AugAssign(target=");
            expr(o, target, Ctx::Store);
            let _ = write!(o, ", op={}, value=", binop(*op));
            expr(o, value, Ctx::Load);
            o.push(')');
        }
        StmtKind::AnnAssign {
            target,
            annotation,
            value,
            simple,
        } => {
            o.push_str("AnnAssign(target=");
            expr(o, target, Ctx::Store);
            o.push_str(", annotation=");
            expr(o, annotation, Ctx::Load);
            opt(o, "value", value);
            let _ = write!(o, ", simple={})", i32::from(*simple));
        }
        StmtKind::Pass => o.push_str("Pass()"),
        StmtKind::Break => o.push_str("Break()"),
        StmtKind::Continue => o.push_str("Continue()"),
        StmtKind::Delete(t) => {
            o.push_str("Delete(targets=");
            exprs(o, t, Ctx::Del);
            o.push(')');
        }
        StmtKind::Return(v) => {
            o.push_str("Return(");
            if let Some(v) = v {
                o.push_str("value=");
                expr(o, v, Ctx::Load);
            }
            o.push(')');
        }
        StmtKind::If { test, body, orelse } | StmtKind::While { test, body, orelse } => {
            o.push_str(if matches!(s.kind, StmtKind::If { .. }) {
                "If(test="
            } else {
                "While(test="
            });
            expr(o, test, Ctx::Load);
            o.push_str(", body=");
            stmts(o, body);
            o.push_str(", orelse=");
            stmts(o, orelse);
            o.push(')');
        }
        StmtKind::For {
            target,
            iter,
            body,
            orelse,
        } => {
            o.push_str("For(target=");
            expr(o, target, Ctx::Store);
            o.push_str(", iter=");
            expr(o, iter, Ctx::Load);
            o.push_str(", body=");
            stmts(o, body);
            o.push_str(", orelse=");
            stmts(o, orelse);
            o.push(')');
        }
        StmtKind::FunctionDef(f) => {
            let _ = write!(o, "FunctionDef(name={}, args=", py_str(&f.name));
            arguments(o, &f.args);
            o.push_str(", body=");
            stmts(o, &f.body);
            o.push_str(", decorator_list=");
            exprs(o, &f.decorators, Ctx::Load);
            opt(o, "returns", &f.returns);
            o.push(')');
        }
        StmtKind::ClassDef(c) => {
            let _ = write!(o, "ClassDef(name={}, bases=", py_str(&c.name));
            exprs(o, &c.bases, Ctx::Load);
            o.push_str(", keywords=");
            keywords(o, &c.keywords);
            o.push_str(", body=");
            stmts(o, &c.body);
            o.push_str(", decorator_list=");
            exprs(o, &c.decorators, Ctx::Load);
            o.push(')');
        }
        StmtKind::Try {
            body,
            handlers,
            orelse,
            finalbody,
        } => {
            o.push_str("Try(body=");
            stmts(o, body);
            o.push_str(", handlers=[");
            for (i, h) in handlers.iter().enumerate() {
                if i > 0 {
                    o.push_str(", ");
                }
                o.push_str("ExceptHandler(");
                if let Some(t) = &h.typ {
                    o.push_str("type=");
                    expr(o, t, Ctx::Load);
                    o.push_str(", ");
                }
                if let Some(n) = &h.name {
                    let _ = write!(o, "name={}, ", py_str(n));
                }
                o.push_str("body=");
                stmts(o, &h.body);
                close(o, h.span);
            }
            o.push_str("], orelse=");
            stmts(o, orelse);
            o.push_str(", finalbody=");
            stmts(o, finalbody);
            o.push(')');
        }
        StmtKind::Raise { exc, cause } => {
            o.push_str("Raise(");
            if let Some(e) = exc {
                o.push_str("exc=");
                expr(o, e, Ctx::Load);
                if let Some(c) = cause {
                    o.push_str(", cause=");
                    expr(o, c, Ctx::Load);
                }
            }
            o.push(')');
        }
        StmtKind::With { items, body } => {
            o.push_str("With(items=[");
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    o.push_str(", ");
                }
                o.push_str("withitem(context_expr=");
                expr(o, &it.context, Ctx::Load);
                if let Some(t) = &it.target {
                    o.push_str(", optional_vars=");
                    expr(o, t, Ctx::Store);
                }
                o.push(')');
            }
            o.push_str("], body=");
            stmts(o, body);
            o.push(')');
        }
        StmtKind::Import(names) => {
            o.push_str("Import(names=");
            aliases(o, names);
            o.push(')');
        }
        StmtKind::ImportFrom {
            module,
            names,
            level,
        } => {
            o.push_str("ImportFrom(");
            if let Some(m) = module {
                let _ = write!(o, "module={}, ", py_str(m));
            }
            o.push_str("names=");
            aliases(o, names);
            let _ = write!(o, ", level={level})");
        }
        StmtKind::Global(n) | StmtKind::Nonlocal(n) => {
            o.push_str(if matches!(s.kind, StmtKind::Global(_)) {
                "Global(names=["
            } else {
                "Nonlocal(names=["
            });
            let v: Vec<String> = n.iter().map(|x| py_str(x)).collect();
            o.push_str(&v.join(", "));
            o.push_str("])");
        }
        StmtKind::Assert { test, msg } => {
            o.push_str("Assert(test=");
            expr(o, test, Ctx::Load);
            opt(o, "msg", msg);
            o.push(')');
        }
    }
}

fn aliases(o: &mut String, names: &[Alias]) {
    o.push('[');
    for (i, a) in names.iter().enumerate() {
        if i > 0 {
            o.push_str(", ");
        }
        let _ = write!(o, "alias(name={}", py_str(&a.name));
        if let Some(x) = &a.asname {
            let _ = write!(o, ", asname={}", py_str(x));
        }
        close(o, a.span);
    }
    o.push(']');
}

fn keywords(o: &mut String, kws: &[Keyword]) {
    o.push('[');
    for (i, k) in kws.iter().enumerate() {
        if i > 0 {
            o.push_str(", ");
        }
        o.push_str("keyword(");
        if let Some(a) = &k.arg {
            let _ = write!(o, "arg={}, ", py_str(a));
        }
        o.push_str("value=");
        expr(o, &k.value, Ctx::Load);
        close(o, k.span);
    }
    o.push(']');
}

fn arg(o: &mut String, a: &Arg) {
    let _ = write!(o, "arg(arg={}", py_str(&a.name));
    opt(o, "annotation", &a.annotation);
    close(o, a.span);
}

fn args_list(o: &mut String, v: &[Arg]) {
    o.push('[');
    for (i, a) in v.iter().enumerate() {
        if i > 0 {
            o.push_str(", ");
        }
        arg(o, a);
    }
    o.push(']');
}

fn arguments(o: &mut String, a: &Arguments) {
    o.push_str("arguments(posonlyargs=");
    args_list(o, &a.posonlyargs);
    o.push_str(", args=");
    args_list(o, &a.args);
    if let Some(v) = &a.vararg {
        o.push_str(", vararg=");
        arg(o, v);
    }
    o.push_str(", kwonlyargs=");
    args_list(o, &a.kwonlyargs);
    o.push_str(", kw_defaults=[");
    for (i, d) in a.kw_defaults.iter().enumerate() {
        if i > 0 {
            o.push_str(", ");
        }
        match d {
            Some(e) => expr(o, e, Ctx::Load),
            None => o.push_str("None"),
        }
    }
    o.push(']');
    if let Some(k) = &a.kwarg {
        o.push_str(", kwarg=");
        arg(o, k);
    }
    o.push_str(", defaults=");
    exprs(o, &a.defaults, Ctx::Load);
    o.push(')');
}

fn comps(o: &mut String, gens: &[Comprehension]) {
    o.push('[');
    for (i, g) in gens.iter().enumerate() {
        if i > 0 {
            o.push_str(", ");
        }
        o.push_str("comprehension(target=");
        expr(o, &g.target, Ctx::Store);
        o.push_str(", iter=");
        expr(o, &g.iter, Ctx::Load);
        o.push_str(", ifs=");
        exprs(o, &g.ifs, Ctx::Load);
        o.push_str(", is_async=0)");
    }
    o.push(']');
}

fn expr(o: &mut String, e: &Expr, ctx: Ctx) {
    let mut t = String::new();
    expr_inner(&mut t, e, ctx);
    t.pop();
    o.push_str(&t);
    close(o, e.span);
}

fn expr_inner(o: &mut String, e: &Expr, ctx: Ctx) {
    match &e.kind {
        ExprKind::BoolOp { op, values } => {
            let op = if *op == BoolOp::And { "And()" } else { "Or()" };
            let _ = write!(o, "BoolOp(op={op}, values=");
            exprs(o, values, Ctx::Load);
            o.push(')');
        }
        ExprKind::NamedExpr { target, value } => {
            o.push_str("NamedExpr(target=");
            expr(o, target, Ctx::Store);
            o.push_str(", value=");
            expr(o, value, Ctx::Load);
            o.push(')');
        }
        ExprKind::BinOp { left, op, right } => {
            o.push_str("BinOp(left=");
            expr(o, left, Ctx::Load);
            let _ = write!(o, ", op={}, right=", binop(*op));
            expr(o, right, Ctx::Load);
            o.push(')');
        }
        ExprKind::UnaryOp { op, operand } => {
            let op = match op {
                UnaryOp::Invert => "Invert()",
                UnaryOp::Not => "Not()",
                UnaryOp::UAdd => "UAdd()",
                UnaryOp::USub => "USub()",
            };
            let _ = write!(o, "UnaryOp(op={op}, operand=");
            expr(o, operand, Ctx::Load);
            o.push(')');
        }
        ExprKind::Lambda { args, body } => {
            o.push_str("Lambda(args=");
            arguments(o, args);
            o.push_str(", body=");
            expr(o, body, Ctx::Load);
            o.push(')');
        }
        ExprKind::IfExp { test, body, orelse } => {
            o.push_str("IfExp(test=");
            expr(o, test, Ctx::Load);
            o.push_str(", body=");
            expr(o, body, Ctx::Load);
            o.push_str(", orelse=");
            expr(o, orelse, Ctx::Load);
            o.push(')');
        }
        ExprKind::Dict { keys, values } => {
            o.push_str("Dict(keys=[");
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    o.push_str(", ");
                }
                match k {
                    Some(k) => expr(o, k, Ctx::Load),
                    None => o.push_str("None"),
                }
            }
            o.push_str("], values=");
            exprs(o, values, Ctx::Load);
            o.push(')');
        }
        ExprKind::Set(v) => {
            o.push_str("Set(elts=");
            exprs(o, v, Ctx::Load);
            o.push(')');
        }
        ExprKind::ListComp { elt, generators }
        | ExprKind::SetComp { elt, generators }
        | ExprKind::GeneratorExp { elt, generators } => {
            let name = match e.kind {
                ExprKind::ListComp { .. } => "ListComp",
                ExprKind::SetComp { .. } => "SetComp",
                _ => "GeneratorExp",
            };
            let _ = write!(o, "{name}(elt=");
            expr(o, elt, Ctx::Load);
            o.push_str(", generators=");
            comps(o, generators);
            o.push(')');
        }
        ExprKind::DictComp {
            key,
            value,
            generators,
        } => {
            o.push_str("DictComp(key=");
            expr(o, key, Ctx::Load);
            o.push_str(", value=");
            expr(o, value, Ctx::Load);
            o.push_str(", generators=");
            comps(o, generators);
            o.push(')');
        }
        ExprKind::Yield(v) => {
            o.push_str("Yield(");
            if let Some(v) = v {
                o.push_str("value=");
                expr(o, v, Ctx::Load);
            }
            o.push(')');
        }
        ExprKind::YieldFrom(v) => {
            o.push_str("YieldFrom(value=");
            expr(o, v, Ctx::Load);
            o.push(')');
        }
        ExprKind::Compare {
            left,
            ops,
            comparators,
        } => {
            o.push_str("Compare(left=");
            expr(o, left, Ctx::Load);
            o.push_str(", ops=[");
            let v: Vec<&str> = ops.iter().map(|x| cmpop(*x)).collect();
            o.push_str(&v.join(", "));
            o.push_str("], comparators=");
            exprs(o, comparators, Ctx::Load);
            o.push(')');
        }
        ExprKind::Call {
            func,
            args,
            keywords: kws,
        } => {
            o.push_str("Call(func=");
            expr(o, func, Ctx::Load);
            o.push_str(", args=");
            exprs(o, args, Ctx::Load);
            o.push_str(", keywords=");
            keywords(o, kws);
            o.push(')');
        }
        ExprKind::FormattedValue {
            value,
            conversion,
            format_spec,
        } => {
            o.push_str("FormattedValue(value=");
            expr(o, value, Ctx::Load);
            let c = conversion.map_or(-1, |c| c as i32);
            let _ = write!(o, ", conversion={c}");
            if let Some(f) = format_spec {
                o.push_str(", format_spec=");
                expr(o, f, Ctx::Load);
            }
            o.push(')');
        }
        ExprKind::JoinedStr(v) => {
            o.push_str("JoinedStr(values=");
            exprs(o, v, Ctx::Load);
            o.push(')');
        }
        ExprKind::Constant(c) => {
            o.push_str("Constant(value=");
            o.push_str(&constant(c));
            o.push(')');
        }
        ExprKind::Attribute { value, attr } => {
            o.push_str("Attribute(value=");
            expr(o, value, Ctx::Load);
            let _ = write!(o, ", attr={}, ctx={})", py_str(attr), ctx.s());
        }
        ExprKind::Subscript { value, slice } => {
            o.push_str("Subscript(value=");
            expr(o, value, Ctx::Load);
            o.push_str(", slice=");
            expr(o, slice, Ctx::Load);
            let _ = write!(o, ", ctx={})", ctx.s());
        }
        ExprKind::Starred(v) => {
            o.push_str("Starred(value=");
            expr(o, v, ctx);
            let _ = write!(o, ", ctx={})", ctx.s());
        }
        ExprKind::Name(n) => {
            let _ = write!(o, "Name(id={}, ctx={})", py_str(n), ctx.s());
        }
        ExprKind::List(v) | ExprKind::Tuple(v) => {
            o.push_str(if matches!(e.kind, ExprKind::List(_)) {
                "List(elts="
            } else {
                "Tuple(elts="
            });
            exprs(o, v, ctx);
            let _ = write!(o, ", ctx={})", ctx.s());
        }
        ExprKind::Slice { lower, upper, step } => {
            o.push_str("Slice(");
            let mut parts = Vec::new();
            for (name, x) in [("lower", lower), ("upper", upper), ("step", step)] {
                if let Some(x) = x {
                    let mut s = String::new();
                    expr(&mut s, x, Ctx::Load);
                    parts.push(format!("{name}={s}"));
                }
            }
            o.push_str(&parts.join(", "));
            o.push(')');
        }
    }
}

fn constant(c: &Constant) -> String {
    match c {
        Constant::None => "None".into(),
        Constant::True => "True".into(),
        Constant::False => "False".into(),
        Constant::Ellipsis => "Ellipsis".into(),
        Constant::Int(i) => i.to_string(),
        Constant::Float(f) => py_float(*f),
        Constant::Imaginary(f) => {
            let s = py_float(*f);
            let s = s.strip_suffix(".0").unwrap_or(&s).to_string();
            format!("{s}j")
        }
        Constant::Str(s) => py_str(s),
        Constant::Bytes(b) => py_bytes(b),
    }
}

/// Python's `repr(float)`.
pub fn py_float(f: f64) -> String {
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f.is_nan() {
        return "nan".into();
    }
    let sci = format!("{:e}", f);
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp >= 0 {
            let e = exp as usize;
            if digits.len() <= e + 1 {
                out.push_str(&digits);
                out.push_str(&"0".repeat(e + 1 - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..e + 1]);
                out.push('.');
                out.push_str(&digits[e + 1..]);
            }
        } else {
            out.push_str("0.");
            out.push_str(&"0".repeat((-exp - 1) as usize));
            out.push_str(&digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exp.abs());
    }
    out
}

fn printable(c: char) -> bool {
    let u = c as u32;
    !(u < 0x20
        || (0x7f..=0xa0).contains(&u)
        || u == 0xad
        || (0xd800..=0xdfff).contains(&u)
        || (0x2028..=0x2029).contains(&u)
        || (0x200b..=0x200f).contains(&u)
        || u == 0xfeff)
}

/// Python's `repr(str)`.
pub fn py_str(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if !printable(c) => {
                let u = c as u32;
                if u < 0x100 {
                    let _ = write!(out, "\\x{u:02x}");
                } else if u < 0x10000 {
                    let _ = write!(out, "\\u{u:04x}");
                } else {
                    let _ = write!(out, "\\U{u:08x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

/// Python's `repr(bytes)`.
pub fn py_bytes(b: &[u8]) -> String {
    let q = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::from("b");
    out.push(q as char);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            c => {
                let _ = write!(out, "\\x{c:02x}");
            }
        }
    }
    out.push(q as char);
    out
}
