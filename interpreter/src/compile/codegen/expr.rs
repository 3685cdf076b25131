//! Expression compilation. `expr_to(e, dst)` leaves e's value in `dst`;
//! `expr_any(e)` returns some register holding it (a local's own register
//! when e is a bound local, else a new temporary). Sub-expressions always go
//! to temporaries, so only an expression's last instruction writes `dst`:
//! an exception part-way leaves `dst` unchanged.

use mini_syntax::ast::{self, Constant, Expr, ExprKind, Span};
use num_traits::ToPrimitive;

use super::{CResult, Compiler, Mode};
use crate::compile::opcode::{BinOp, CmpOp, Instr, UnaryOp, FORMAT_HAS_SPEC};
use crate::compile::symtable::{self, Resolution, ScopeKind};
use crate::object::value::Value;

pub(super) fn binop(op: ast::BinOp) -> BinOp {
    match op {
        ast::BinOp::Add => BinOp::Add,
        ast::BinOp::Sub => BinOp::Sub,
        ast::BinOp::Mult => BinOp::Mul,
        ast::BinOp::MatMult => BinOp::MatMul,
        ast::BinOp::Div => BinOp::TrueDiv,
        ast::BinOp::Mod => BinOp::Mod,
        ast::BinOp::Pow => BinOp::Pow,
        ast::BinOp::LShift => BinOp::LShift,
        ast::BinOp::RShift => BinOp::RShift,
        ast::BinOp::BitOr => BinOp::Or,
        ast::BinOp::BitXor => BinOp::Xor,
        ast::BinOp::BitAnd => BinOp::And,
        ast::BinOp::FloorDiv => BinOp::FloorDiv,
    }
}

fn cmpop(op: ast::CmpOp) -> CmpOp {
    match op {
        ast::CmpOp::Eq => CmpOp::Eq,
        ast::CmpOp::NotEq => CmpOp::Ne,
        ast::CmpOp::Lt => CmpOp::Lt,
        ast::CmpOp::LtE => CmpOp::Le,
        ast::CmpOp::Gt => CmpOp::Gt,
        ast::CmpOp::GtE => CmpOp::Ge,
        ast::CmpOp::Is => CmpOp::Is,
        ast::CmpOp::IsNot => CmpOp::IsNot,
        ast::CmpOp::In => CmpOp::In,
        ast::CmpOp::NotIn => CmpOp::NotIn,
    }
}

/// Whether `e` contains an assignment expression (outside nested scopes).
pub(super) fn has_walrus(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::NamedExpr { .. } => true,
        ExprKind::Lambda { .. }
        | ExprKind::ListComp { .. }
        | ExprKind::SetComp { .. }
        | ExprKind::DictComp { .. }
        | ExprKind::GeneratorExp { .. } => false,
        ExprKind::BoolOp { values, .. } => values.iter().any(has_walrus),
        ExprKind::BinOp { left, right, .. } => has_walrus(left) || has_walrus(right),
        ExprKind::UnaryOp { operand, .. } => has_walrus(operand),
        ExprKind::IfExp { test, body, orelse } => {
            has_walrus(test) || has_walrus(body) || has_walrus(orelse)
        }
        ExprKind::Dict { keys, values } => {
            keys.iter().flatten().any(has_walrus) || values.iter().any(has_walrus)
        }
        ExprKind::Set(v) | ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::JoinedStr(v) => {
            v.iter().any(has_walrus)
        }
        ExprKind::Yield(v) => v.as_deref().is_some_and(has_walrus),
        ExprKind::YieldFrom(v) | ExprKind::Starred(v) => has_walrus(v),
        ExprKind::Compare {
            left, comparators, ..
        } => has_walrus(left) || comparators.iter().any(has_walrus),
        ExprKind::Call {
            func,
            args,
            keywords,
        } => {
            has_walrus(func)
                || args.iter().any(has_walrus)
                || keywords.iter().any(|k| has_walrus(&k.value))
        }
        ExprKind::FormattedValue {
            value, format_spec, ..
        } => has_walrus(value) || format_spec.as_deref().is_some_and(has_walrus),
        ExprKind::Attribute { value, .. } => has_walrus(value),
        ExprKind::Subscript { value, slice } => has_walrus(value) || has_walrus(slice),
        ExprKind::Slice { lower, upper, step } => [lower, upper, step]
            .into_iter()
            .flatten()
            .any(|x| has_walrus(x)),
        ExprKind::Constant(_) | ExprKind::Name(_) => false,
    }
}

impl<'a, 'v> Compiler<'a, 'v> {
    /// Emits `i` with the position of `span`.
    pub(super) fn emit_at(&mut self, span: Span, i: Instr) {
        let saved = self.set_pos(span);
        self.emit(i);
        self.restore_pos(saved);
    }

    /// Emits control-flow glue with no source line (CPython's NOLINE):
    /// it raises no `line` trace event, and a real line after it does.
    pub(super) fn emit_noline(&mut self, i: Instr) {
        let saved = std::mem::take(&mut self.u().pos);
        self.emit(i);
        self.restore_pos(saved);
    }

    /// The register of a function-local variable, if `name` is one.
    pub(super) fn local_reg(&self, name: &str) -> Option<u16> {
        let sc = self.scope();
        if !sc.is_function_like() {
            return None;
        }
        if sc.resolution(name) == Resolution::Local {
            self.ur().regs.get(name).copied()
        } else {
            None
        }
    }

    /// A register holding e's value (maybe a local's own register).
    pub(super) fn expr_any(&mut self, e: &'a Expr) -> CResult<u16> {
        if let ExprKind::Name(n) = &e.kind {
            if let Some(r) = self.local_reg(n) {
                self.check_bound(r, e.span);
                return Ok(r);
            }
        }
        let t = self.temp();
        self.expr_to(e, t)?;
        Ok(t)
    }

    /// A new temporary holding e's value (never a local's register).
    pub(super) fn expr_temp(&mut self, e: &'a Expr) -> CResult<u16> {
        let t = self.temp();
        self.expr_to(e, t)?;
        Ok(t)
    }

    /// Emits an unbound check for local register `r` unless flow proves it.
    pub(super) fn check_bound(&mut self, r: u16, span: Span) {
        if !self.ur().flow.is_bound(r as usize) {
            self.emit_at(span, Instr::CheckBound { reg: r });
            self.u().flow.bind(r as usize);
        }
    }

    pub(super) fn expr_to(&mut self, e: &'a Expr, dst: u16) -> CResult<()> {
        self.enter_depth(e.span)?;
        let r = self.expr_inner(e, dst);
        self.leave_depth();
        r
    }

    fn expr_inner(&mut self, e: &'a Expr, dst: u16) -> CResult<()> {
        let span = e.span;
        match &e.kind {
            ExprKind::Constant(c) => self.constant(c, dst, span),
            ExprKind::Name(n) => self.load_name(n, dst, span),
            ExprKind::BinOp { left, op, right } => {
                let m = self.mark();
                let a = if has_walrus(right) {
                    self.expr_temp(left)?
                } else {
                    self.expr_any(left)?
                };
                let op = binop(*op);
                if let Some(k) = self.small_const(right) {
                    self.emit_at(span, Instr::BinaryK { op, dst, a, k });
                } else {
                    let b = self.expr_any(right)?;
                    self.emit_at(span, Instr::Binary { op, dst, a, b });
                }
                self.release(m);
                Ok(())
            }
            ExprKind::UnaryOp { op, operand } => {
                if let Some(v) = self.fold_unary(*op, operand) {
                    let k = self.add_const(v);
                    self.emit_at(span, Instr::LoadConst { dst, k });
                    return Ok(());
                }
                let m = self.mark();
                let src = self.expr_any(operand)?;
                let op = match op {
                    ast::UnaryOp::Invert => UnaryOp::Invert,
                    ast::UnaryOp::Not => UnaryOp::Not,
                    ast::UnaryOp::UAdd => UnaryOp::Pos,
                    ast::UnaryOp::USub => UnaryOp::Neg,
                };
                self.emit_at(span, Instr::Unary { op, dst, src });
                self.release(m);
                Ok(())
            }
            ExprKind::BoolOp { op, values } => {
                let end = self.new_label();
                for (i, v) in values.iter().enumerate() {
                    self.expr_to(v, dst)?;
                    if i + 1 < values.len() {
                        let saved = self.set_pos(span);
                        match op {
                            ast::BoolOp::And => self.emit(Instr::JumpIfFalse {
                                cond: dst,
                                label: end,
                            }),
                            ast::BoolOp::Or => self.emit(Instr::JumpIfTrue {
                                cond: dst,
                                label: end,
                            }),
                        };
                        self.restore_pos(saved);
                    }
                }
                self.bind_label(end);
                Ok(())
            }
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } => self.compare(left, ops, comparators, dst, span),
            ExprKind::IfExp { test, body, orelse } => {
                let else_l = self.new_label();
                let end = self.new_label();
                self.cond_jump(test, false, else_l)?;
                self.expr_to(body, dst)?;
                self.emit(Instr::Jump { label: end });
                self.bind_label(else_l);
                self.expr_to(orelse, dst)?;
                self.bind_label(end);
                Ok(())
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => self.call(func, args, keywords, dst, span),
            ExprKind::Attribute { value, attr } => {
                let m = self.mark();
                let obj = self.expr_any(value)?;
                let site = self.site(attr);
                self.emit_at(span, Instr::LoadAttr { dst, obj, site });
                self.release(m);
                Ok(())
            }
            ExprKind::Subscript { value, slice } => {
                let m = self.mark();
                let obj = self.expr_any(value)?;
                let key = self.slice_key(slice)?;
                self.emit_at(span, Instr::GetItem { dst, obj, key });
                self.release(m);
                Ok(())
            }
            ExprKind::Tuple(items) => {
                if let Some(v) = self.const_tuple(items) {
                    let k = self.add_const(v);
                    self.emit_at(span, Instr::LoadConst { dst, k });
                    return Ok(());
                }
                self.sequence(items, dst, span, SeqKind::Tuple)
            }
            ExprKind::List(items) => self.sequence(items, dst, span, SeqKind::List),
            ExprKind::Set(items) => self.sequence(items, dst, span, SeqKind::Set),
            ExprKind::Dict { keys, values } => self.dict_display(keys, values, dst, span),
            ExprKind::ListComp { elt, generators } => {
                self.comprehension(e, CompKind::List, elt, None, generators, dst)
            }
            ExprKind::SetComp { elt, generators } => {
                self.comprehension(e, CompKind::Set, elt, None, generators, dst)
            }
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => self.comprehension(e, CompKind::Dict, key, Some(value), generators, dst),
            ExprKind::GeneratorExp { elt, generators } => {
                self.comprehension(e, CompKind::Gen, elt, None, generators, dst)
            }
            ExprKind::Lambda { args, body } => self.lambda(e, args, body, dst),
            ExprKind::JoinedStr(parts) => self.fstring(parts, dst, span),
            ExprKind::FormattedValue { .. } => self.fstring(std::slice::from_ref(e), dst, span),
            ExprKind::NamedExpr { target, value } => {
                self.expr_to(value, dst)?;
                if let ExprKind::Name(n) = &target.kind {
                    self.store_name(n, dst, target.span, false)?;
                }
                Ok(())
            }
            ExprKind::Yield(v) => {
                let m = self.mark();
                let src = match v {
                    Some(v) => self.expr_any(v)?,
                    None => {
                        let t = self.temp();
                        self.emit(Instr::LoadNone { dst: t });
                        t
                    }
                };
                self.emit_at(span, Instr::Yield { dst, src });
                self.release(m);
                Ok(())
            }
            ExprKind::YieldFrom(v) => {
                let m = self.mark();
                let src = self.expr_any(v)?;
                let it = self.temp();
                self.emit_at(span, Instr::GetIter { dst: it, src });
                self.emit_at(span, Instr::YieldFrom { dst, iter: it });
                self.release(m);
                Ok(())
            }
            ExprKind::Starred(_) => self.err("can't use starred expression here", span),
            ExprKind::Slice { .. } => {
                // A bare slice only appears inside subscripts; build it anyway.
                let k = self.slice_key(e)?;
                self.emit_at(span, Instr::Move { dst, src: k });
                Ok(())
            }
        }
    }

    pub(super) fn constant(&mut self, c: &Constant, dst: u16, span: Span) -> CResult<()> {
        let saved = self.set_pos(span);
        match c {
            Constant::None => {
                self.emit(Instr::LoadNone { dst });
            }
            Constant::True => {
                self.emit(Instr::LoadBool { dst, value: true });
            }
            Constant::False => {
                self.emit(Instr::LoadBool { dst, value: false });
            }
            Constant::Int(i) => match i.to_i32() {
                Some(v) => {
                    self.emit(Instr::LoadInt { dst, value: v });
                }
                None => {
                    let v = self.const_value(c)?;
                    let k = self.add_const(v);
                    self.emit(Instr::LoadConst { dst, k });
                }
            },
            _ => {
                let v = self.const_value(c)?;
                let k = self.add_const(v);
                self.emit(Instr::LoadConst { dst, k });
            }
        }
        self.restore_pos(saved);
        Ok(())
    }

    /// The run-time value of a literal.
    pub(super) fn const_value(&mut self, c: &Constant) -> CResult<Value> {
        Ok(match c {
            Constant::None => Value::None,
            Constant::True => Value::Bool(true),
            Constant::False => Value::Bool(false),
            Constant::Ellipsis => Value::Obj(self.vm.ellipsis.clone()),
            Constant::Int(i) => match i.to_i64() {
                Some(v) => Value::Int(v),
                None => self.vm.new_bigint(i.clone()),
            },
            Constant::Float(f) => Value::Float(*f),
            Constant::Imaginary(_) => {
                return self.err(
                    "complex numbers are not supported by mini",
                    ast::Span::default(),
                )
            }
            Constant::Str(s) => Value::Obj(if s.len() <= 40 && is_identifier_like(s) {
                self.vm.intern(s)
            } else {
                self.vm.new_str(s)
            }),
            Constant::Bytes(b) => Value::Obj(self.vm.new_bytes(b.clone())),
        })
    }

    /// A constant index when `e` is a number literal usable by BinaryK.
    fn small_const(&mut self, e: &Expr) -> Option<u16> {
        let v = match &e.kind {
            ExprKind::Constant(Constant::Int(i)) => Value::Int(i.to_i64()?),
            ExprKind::Constant(Constant::Float(f)) => Value::Float(*f),
            _ => return None,
        };
        Some(self.add_const(v))
    }

    fn fold_unary(&mut self, op: ast::UnaryOp, operand: &Expr) -> Option<Value> {
        match (op, &operand.kind) {
            (ast::UnaryOp::USub, ExprKind::Constant(Constant::Int(i))) => {
                let n = -i.clone();
                Some(match n.to_i64() {
                    Some(v) => Value::Int(v),
                    None => self.vm.new_bigint(n),
                })
            }
            (ast::UnaryOp::USub, ExprKind::Constant(Constant::Float(f))) => Some(Value::Float(-f)),
            _ => None,
        }
    }

    fn const_tuple(&mut self, items: &[Expr]) -> Option<Value> {
        if items.is_empty() {
            return Some(Value::Obj(self.vm.empty_tuple.clone()));
        }
        let mut vals = Vec::new();
        for i in items {
            match &i.kind {
                ExprKind::Constant(c) if !matches!(c, Constant::Imaginary(_)) => {
                    vals.push(self.const_value(c).ok()?)
                }
                ExprKind::UnaryOp { op, operand } => vals.push(self.fold_unary(*op, operand)?),
                _ => return None,
            }
        }
        Some(Value::Obj(self.vm.new_tuple(vals)))
    }

    // ----- names -----

    pub(super) fn load_name(&mut self, name: &str, dst: u16, span: Span) -> CResult<()> {
        let saved = self.set_pos(span);
        let kind = self.ur().kind;
        let res = self.resolve(name);
        match (kind, res) {
            (ScopeKind::Module, Resolution::GlobalExplicit) => {
                let site = self.site(name);
                self.emit(Instr::LoadGlobal { dst, site });
            }
            (ScopeKind::Module, _) => {
                let n = self.name(name);
                self.emit(Instr::LoadName { dst, name: n });
            }
            (ScopeKind::Class, Resolution::Free) | (ScopeKind::Class, Resolution::Cell) => {
                let cell = self.ur().regs[name];
                let n = self.name(name);
                self.emit(Instr::LoadClassDeref { dst, cell, name: n });
            }
            (ScopeKind::Class, Resolution::GlobalExplicit) => {
                let site = self.site(name);
                self.emit(Instr::LoadGlobal { dst, site });
            }
            (ScopeKind::Class, _) => {
                let n = self.name(name);
                self.emit(Instr::LoadName { dst, name: n });
            }
            (_, Resolution::Local) => {
                let r = self.ur().regs[name];
                self.check_bound(r, span);
                if r != dst {
                    self.emit(Instr::Move { dst, src: r });
                }
            }
            (_, Resolution::Cell) | (_, Resolution::Free) => {
                let cell = self.ur().regs[name];
                self.emit(Instr::LoadDeref { dst, cell });
            }
            (_, Resolution::GlobalExplicit) | (_, Resolution::GlobalImplicit) => {
                let site = self.site(name);
                self.emit(Instr::LoadGlobal { dst, site });
            }
        }
        self.restore_pos(saved);
        Ok(())
    }

    /// Stores register `src` into variable `name`. `take` moves the value out
    /// of `src` (a dead temporary) instead of copying it.
    pub(super) fn store_name(
        &mut self,
        name: &str,
        src: u16,
        span: Span,
        take: bool,
    ) -> CResult<()> {
        let saved = self.set_pos(span);
        let kind = self.ur().kind;
        let res = self.resolve(name);
        match (kind, res) {
            (ScopeKind::Module, Resolution::GlobalExplicit)
            | (ScopeKind::Class, Resolution::GlobalExplicit) => {
                let n = self.name(name);
                self.emit(Instr::StoreGlobal { src, name: n });
            }
            (ScopeKind::Module, _) | (ScopeKind::Class, _) => {
                let n = self.name(name);
                self.emit(Instr::StoreName { src, name: n });
            }
            (_, Resolution::Local) => {
                let r = self.ur().regs[name];
                if r != src {
                    if take && self.is_temp(src) {
                        self.emit(Instr::MoveOut { dst: r, src });
                    } else {
                        self.emit(Instr::Move { dst: r, src });
                    }
                }
                self.u().flow.bind(r as usize);
            }
            (_, Resolution::Cell) | (_, Resolution::Free) => {
                let cell = self.ur().regs[name];
                self.emit(Instr::StoreDeref { cell, src });
            }
            (_, Resolution::GlobalExplicit) | (_, Resolution::GlobalImplicit) => {
                let n = self.name(name);
                self.emit(Instr::StoreGlobal { src, name: n });
            }
        }
        self.restore_pos(saved);
        Ok(())
    }

    pub(super) fn delete_name(&mut self, name: &str, span: Span) -> CResult<()> {
        let saved = self.set_pos(span);
        let kind = self.ur().kind;
        let res = self.resolve(name);
        match (kind, res) {
            (ScopeKind::Module, Resolution::GlobalExplicit)
            | (ScopeKind::Class, Resolution::GlobalExplicit) => {
                let n = self.name(name);
                self.emit(Instr::DeleteGlobal { name: n });
            }
            (ScopeKind::Module, _) | (ScopeKind::Class, _) => {
                let n = self.name(name);
                self.emit(Instr::DeleteName { name: n });
            }
            (_, Resolution::Local) => {
                let r = self.ur().regs[name];
                self.emit(Instr::DeleteLocal { reg: r });
                self.u().flow.unbind(r as usize);
            }
            (_, Resolution::Cell) | (_, Resolution::Free) => {
                let cell = self.ur().regs[name];
                self.emit(Instr::DeleteDeref { cell });
            }
            (_, Resolution::GlobalExplicit) | (_, Resolution::GlobalImplicit) => {
                let n = self.name(name);
                self.emit(Instr::DeleteGlobal { name: n });
            }
        }
        self.restore_pos(saved);
        Ok(())
    }

    // ----- comparisons and branches -----

    fn compare(
        &mut self,
        left: &'a Expr,
        ops: &[ast::CmpOp],
        comparators: &'a [Expr],
        dst: u16,
        span: Span,
    ) -> CResult<()> {
        let m = self.mark();
        let walrus = comparators.iter().any(has_walrus);
        let mut a = if walrus {
            self.expr_temp(left)?
        } else {
            self.expr_any(left)?
        };
        let end = self.new_label();
        for (i, (op, c)) in ops.iter().zip(comparators).enumerate() {
            let last = i + 1 == ops.len();
            let b = if last || !walrus {
                self.expr_any(c)?
            } else {
                self.expr_temp(c)?
            };
            self.emit_at(
                span,
                Instr::Compare {
                    op: cmpop(*op),
                    dst,
                    a,
                    b,
                },
            );
            if !last {
                self.emit_at(
                    span,
                    Instr::JumpIfFalse {
                        cond: dst,
                        label: end,
                    },
                );
            }
            a = b;
        }
        self.bind_label(end);
        self.release(m);
        Ok(())
    }

    /// Jumps to `label` when the truth of `e` equals `when`.
    pub(super) fn cond_jump(&mut self, e: &'a Expr, when: bool, label: u16) -> CResult<()> {
        match &e.kind {
            ExprKind::UnaryOp {
                op: ast::UnaryOp::Not,
                operand,
            } => return self.cond_jump(operand, !when, label),
            ExprKind::BoolOp { op, values } => {
                let is_and = *op == ast::BoolOp::And;
                // and: jump-if-false on any false; or: jump-if-true on any true.
                if is_and != when {
                    for v in values {
                        self.cond_jump(v, when, label)?;
                    }
                } else {
                    let skip = self.new_label();
                    for v in &values[..values.len() - 1] {
                        self.cond_jump(v, !when, skip)?;
                    }
                    self.cond_jump(values.last().unwrap(), when, label)?;
                    self.bind_label(skip);
                }
                return Ok(());
            }
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } if ops.len() == 1 && !when && !has_walrus(&comparators[0]) => {
                let m = self.mark();
                let a = self.expr_any(left)?;
                let op = cmpop(ops[0]);
                let small = if matches!(op, CmpOp::In | CmpOp::NotIn) {
                    None
                } else {
                    self.small_const(&comparators[0])
                };
                if let Some(k) = small {
                    self.emit_at(e.span, Instr::CompareKJump { op, a, k, label });
                } else {
                    let b = self.expr_any(&comparators[0])?;
                    self.emit_at(e.span, Instr::CompareJump { op, a, b, label });
                }
                self.release(m);
                return Ok(());
            }
            ExprKind::Constant(Constant::True) => {
                if when {
                    self.emit_at(e.span, Instr::Jump { label });
                }
                return Ok(());
            }
            _ => {}
        }
        let m = self.mark();
        let r = self.expr_any(e)?;
        let i = if when {
            Instr::JumpIfTrue { cond: r, label }
        } else {
            Instr::JumpIfFalse { cond: r, label }
        };
        self.emit_at(e.span, i);
        self.release(m);
        Ok(())
    }

    // ----- subscripts -----

    /// A register holding the subscript key (building a slice if needed).
    pub(super) fn slice_key(&mut self, slice: &'a Expr) -> CResult<u16> {
        if let ExprKind::Slice { lower, upper, step } = &slice.kind {
            let n = if step.is_some() { 3 } else { 2 };
            let base = self.temps(n);
            for (i, part) in [lower, upper, step].iter().take(n).enumerate() {
                match part {
                    Some(x) => self.expr_to(x, base + i as u16)?,
                    None => {
                        self.emit(Instr::LoadNone {
                            dst: base + i as u16,
                        });
                    }
                }
            }
            self.emit_at(
                slice.span,
                Instr::BuildSlice {
                    dst: base,
                    base,
                    n: n as u16,
                },
            );
            return Ok(base);
        }
        self.expr_any(slice)
    }

    // ----- displays -----

    /// The value of a constant expression as CPython's AST optimizer folds
    /// it: literals, signed numbers and tuples of those.
    fn folded_const(&mut self, e: &Expr) -> CResult<Option<Value>> {
        Ok(match &e.kind {
            ExprKind::Constant(Constant::Imaginary(_)) => None,
            ExprKind::Constant(c) => Some(self.const_value(c)?),
            ExprKind::UnaryOp { op, operand } => self.fold_unary(*op, operand),
            ExprKind::Tuple(items) => {
                let mut vals = Vec::with_capacity(items.len());
                for it in items {
                    match self.folded_const(it)? {
                        Some(v) => vals.push(v),
                        None => return Ok(None),
                    }
                }
                Some(Value::Obj(self.vm.new_tuple(vals)))
            }
            _ => None,
        })
    }

    fn sequence(&mut self, items: &'a [Expr], dst: u16, span: Span, kind: SeqKind) -> CResult<()> {
        let m = self.mark();
        if kind == SeqKind::Set && items.len() > 2 {
            // Like CPython, a display of 3+ constants becomes an empty set
            // updated from a frozenset constant; that fixes the iteration
            // order (the frozenset's slot order, merged into a fresh table).
            let mut vals = Vec::with_capacity(items.len());
            for it in items {
                match self.folded_const(it)? {
                    Some(v) => vals.push(v),
                    None => break,
                }
            }
            if vals.len() == items.len() {
                // CPython's constant merging rebuilds the frozenset from its
                // own iteration order, so the constant is built twice.
                let twice = self.vm.new_set_from(vals, true).and_then(|fs| {
                    let order = fs
                        .downcast::<crate::object::set::Set>()
                        .map(|s| s.keys())
                        .unwrap_or_default();
                    self.vm.new_set_from(order, true)
                });
                if let Ok(fs) = twice {
                    let k = self.add_const(Value::Obj(fs));
                    let t = self.temp();
                    let saved = self.set_pos(span);
                    self.emit(Instr::BuildSet {
                        dst,
                        base: dst,
                        n: 0,
                    });
                    self.emit(Instr::LoadConst { dst: t, k });
                    self.emit(Instr::SetUpdate { set: dst, src: t });
                    self.restore_pos(saved);
                    self.release(m);
                    return Ok(());
                }
            }
        }
        let starred = items.iter().any(|i| matches!(i.kind, ExprKind::Starred(_)));
        if !starred {
            let base = self.temps(items.len());
            for (i, it) in items.iter().enumerate() {
                self.expr_to(it, base + i as u16)?;
            }
            let n = items.len() as u16;
            let i = match kind {
                SeqKind::Tuple => Instr::BuildTuple { dst, base, n },
                SeqKind::List => Instr::BuildList { dst, base, n },
                SeqKind::Set => Instr::BuildSet { dst, base, n },
            };
            self.emit_at(span, i);
            self.release(m);
            return Ok(());
        }
        let acc = self.temp();
        let saved = self.set_pos(span);
        match kind {
            SeqKind::Set => self.emit(Instr::BuildSet {
                dst: acc,
                base: acc,
                n: 0,
            }),
            _ => self.emit(Instr::BuildList {
                dst: acc,
                base: acc,
                n: 0,
            }),
        };
        self.restore_pos(saved);
        for it in items {
            let m2 = self.mark();
            match &it.kind {
                ExprKind::Starred(inner) => {
                    let v = self.expr_any(inner)?;
                    let i = match kind {
                        SeqKind::Set => Instr::SetUpdate { set: acc, src: v },
                        _ => Instr::ListExtend { list: acc, src: v },
                    };
                    self.emit_at(it.span, i);
                }
                _ => {
                    let v = self.expr_any(it)?;
                    let i = match kind {
                        SeqKind::Set => Instr::SetAdd { set: acc, src: v },
                        _ => Instr::ListAppend { list: acc, src: v },
                    };
                    self.emit_at(it.span, i);
                }
            }
            self.release(m2);
        }
        match kind {
            SeqKind::Tuple => self.emit_at(span, Instr::ListToTuple { dst, src: acc }),
            _ => self.emit_at(span, Instr::MoveOut { dst, src: acc }),
        }
        self.release(m);
        Ok(())
    }

    fn dict_display(
        &mut self,
        keys: &'a [Option<Expr>],
        values: &'a [Expr],
        dst: u16,
        span: Span,
    ) -> CResult<()> {
        let m = self.mark();
        if keys.iter().all(|k| k.is_some()) {
            let base = self.temps(keys.len() * 2);
            for (i, (k, v)) in keys.iter().zip(values).enumerate() {
                self.expr_to(k.as_ref().unwrap(), base + 2 * i as u16)?;
                self.expr_to(v, base + 2 * i as u16 + 1)?;
            }
            self.emit_at(
                span,
                Instr::BuildMap {
                    dst,
                    base,
                    n: keys.len() as u16,
                },
            );
            self.release(m);
            return Ok(());
        }
        let acc = self.temp();
        self.emit_at(
            span,
            Instr::BuildMap {
                dst: acc,
                base: acc,
                n: 0,
            },
        );
        for (k, v) in keys.iter().zip(values) {
            let m2 = self.mark();
            match k {
                Some(k) => {
                    let kr = self.expr_temp(k)?;
                    let vr = self.expr_any(v)?;
                    self.emit_at(
                        span,
                        Instr::MapAdd {
                            map: acc,
                            key: kr,
                            value: vr,
                        },
                    );
                }
                None => {
                    let vr = self.expr_any(v)?;
                    self.emit_at(v.span, Instr::DictUpdate { dict: acc, src: vr });
                }
            }
            self.release(m2);
        }
        self.emit_at(span, Instr::MoveOut { dst, src: acc });
        self.release(m);
        Ok(())
    }

    // ----- f-strings -----

    fn fstring(&mut self, parts: &'a [Expr], dst: u16, span: Span) -> CResult<()> {
        let m = self.mark();
        if parts.len() == 1 {
            if let ExprKind::Constant(Constant::Str(_)) = &parts[0].kind {
                self.expr_to(&parts[0], dst)?;
                return Ok(());
            }
        }
        if parts.is_empty() {
            let k = self.str_const("");
            self.emit_at(span, Instr::LoadConst { dst, k });
            return Ok(());
        }
        let base = self.temps(parts.len());
        for (i, p) in parts.iter().enumerate() {
            let r = base + i as u16;
            match &p.kind {
                ExprKind::FormattedValue {
                    value,
                    conversion,
                    format_spec,
                } => {
                    let m2 = self.mark();
                    let conv = match conversion {
                        Some('s') => 1,
                        Some('r') => 2,
                        Some('a') => 3,
                        _ => 0,
                    };
                    let (src, spec_flag) = match format_spec {
                        Some(spec) => {
                            let pair = self.temps(2);
                            self.expr_to(value, pair)?;
                            self.expr_to(spec, pair + 1)?;
                            (pair, FORMAT_HAS_SPEC)
                        }
                        None => (self.expr_any(value)?, 0),
                    };
                    self.emit_at(
                        p.span,
                        Instr::FormatValue {
                            dst: r,
                            src,
                            conv: conv | spec_flag,
                        },
                    );
                    self.release(m2);
                }
                _ => self.expr_to(p, r)?,
            }
        }
        if parts.len() == 1 {
            self.emit_at(span, Instr::MoveOut { dst, src: base });
        } else {
            self.emit_at(
                span,
                Instr::BuildString {
                    dst,
                    base,
                    n: parts.len() as u16,
                },
            );
        }
        self.release(m);
        Ok(())
    }

    // ----- calls -----

    /// CPython's compile-time "keyword argument repeated" check.
    pub(super) fn check_repeated_keywords(&self, keywords: &[ast::Keyword]) -> CResult<()> {
        for (i, k) in keywords.iter().enumerate() {
            if let Some(name) = &k.arg {
                if keywords[..i].iter().any(|o| o.arg.as_deref() == Some(name)) {
                    return self.err(format!("keyword argument repeated: {name}"), k.span);
                }
            }
        }
        Ok(())
    }

    pub(super) fn call(
        &mut self,
        func: &'a Expr,
        args: &'a [Expr],
        keywords: &'a [ast::Keyword],
        dst: u16,
        span: Span,
    ) -> CResult<()> {
        self.check_repeated_keywords(keywords)?;
        let m = self.mark();
        let dynamic = args.iter().any(|a| matches!(a.kind, ExprKind::Starred(_)))
            || keywords.iter().any(|k| k.arg.is_none());
        // Use dst itself as the call base when it is the newest temporary.
        let base = if dst + 1 == m && self.is_temp(dst) {
            dst
        } else {
            self.temp()
        };
        if dynamic {
            self.expr_to(func, base)?;
            self.call_ex_args(args, keywords, base, span)?;
            self.emit_at(span, Instr::CallEx { base });
        } else {
            let is_method = matches!(&func.kind, ExprKind::Attribute { .. });
            let argbase;
            if let ExprKind::Attribute { value, attr } = &func.kind {
                let selfreg = self.temp();
                debug_assert_eq!(selfreg, base + 1);
                let m2 = self.mark();
                let obj = self.expr_any(value)?;
                let site = self.site(attr);
                self.emit_at(
                    func.span,
                    Instr::LoadMethod {
                        dst: base,
                        obj,
                        site,
                    },
                );
                self.release(m2);
                argbase = base + 2;
            } else {
                self.expr_to(func, base)?;
                argbase = base + 1;
            }
            let n = args.len() + keywords.len();
            let first = self.temps(n);
            debug_assert_eq!(first, argbase);
            for (i, a) in args.iter().enumerate() {
                self.expr_to(a, argbase + i as u16)?;
            }
            for (i, k) in keywords.iter().enumerate() {
                self.expr_to(&k.value, argbase + (args.len() + i) as u16)?;
            }
            let argc = n as u16;
            let instr = if keywords.is_empty() {
                if is_method {
                    Instr::CallMethod { base, argc }
                } else {
                    Instr::Call { base, argc }
                }
            } else {
                let names: Vec<Value> = keywords
                    .iter()
                    .map(|k| Value::Obj(self.vm.intern(k.arg.as_deref().unwrap_or(""))))
                    .collect();
                let t = self.vm.new_tuple(names);
                let kwnames = self.add_const(Value::Obj(t));
                if is_method {
                    Instr::CallMethodKw {
                        base,
                        argc,
                        kwnames,
                    }
                } else {
                    Instr::CallKw {
                        base,
                        argc,
                        kwnames,
                    }
                }
            };
            self.emit_at(span, instr);
        }
        if base != dst {
            self.emit_at(span, Instr::MoveOut { dst, src: base });
        }
        self.release(m);
        Ok(())
    }

    /// Builds base+1 = args tuple and base+2 = kwargs dict (or None).
    fn call_ex_args(
        &mut self,
        args: &'a [Expr],
        keywords: &'a [ast::Keyword],
        base: u16,
        span: Span,
    ) -> CResult<()> {
        let a = self.temp();
        let kw = self.temp();
        debug_assert_eq!(a, base + 1);
        self.emit_at(
            span,
            Instr::BuildList {
                dst: a,
                base: a,
                n: 0,
            },
        );
        for x in args {
            let m = self.mark();
            match &x.kind {
                ExprKind::Starred(inner) => {
                    let v = self.expr_any(inner)?;
                    self.emit_at(x.span, Instr::ListExtend { list: a, src: v });
                }
                _ => {
                    let v = self.expr_any(x)?;
                    self.emit_at(x.span, Instr::ListAppend { list: a, src: v });
                }
            }
            self.release(m);
        }
        self.emit_at(span, Instr::ListToTuple { dst: a, src: a });
        if keywords.is_empty() {
            self.emit(Instr::LoadNone { dst: kw });
            return Ok(());
        }
        self.emit_at(
            span,
            Instr::BuildMap {
                dst: kw,
                base: kw,
                n: 0,
            },
        );
        for k in keywords {
            let m = self.mark();
            match &k.arg {
                Some(name) => {
                    let kr = self.temp();
                    let c = self.str_const(name);
                    self.emit(Instr::LoadConst { dst: kr, k: c });
                    let vr = self.expr_any(&k.value)?;
                    let one = self.temps(2);
                    self.emit(Instr::MoveOut { dst: one, src: kr });
                    self.emit(Instr::Move {
                        dst: one + 1,
                        src: vr,
                    });
                    let single = self.temp();
                    self.emit_at(
                        k.span,
                        Instr::BuildMap {
                            dst: single,
                            base: one,
                            n: 1,
                        },
                    );
                    self.emit_at(
                        k.span,
                        Instr::DictMerge {
                            dict: kw,
                            src: single,
                            func: base,
                        },
                    );
                }
                None => {
                    let vr = self.expr_any(&k.value)?;
                    self.emit_at(
                        k.value.span,
                        Instr::DictMerge {
                            dict: kw,
                            src: vr,
                            func: base,
                        },
                    );
                }
            }
            self.release(m);
        }
        Ok(())
    }

    // ----- functions -----

    /// Emits MakeFunction for a compiled code object, with defaults,
    /// keyword defaults and closure taken from `args` and the code's freevars.
    pub(super) fn make_function(
        &mut self,
        code: crate::object::rc::ObjRef,
        args: &'a ast::Arguments,
        dst: u16,
        span: Span,
    ) -> CResult<()> {
        let m = self.mark();
        let base = self.temps(4);
        let saved = self.set_pos(span);
        if args.defaults.is_empty() {
            self.emit(Instr::LoadNone { dst: base });
        } else {
            let n = args.defaults.len();
            let db = self.temps(n);
            for (i, d) in args.defaults.iter().enumerate() {
                self.expr_to(d, db + i as u16)?;
            }
            self.emit(Instr::BuildTuple {
                dst: base,
                base: db,
                n: n as u16,
            });
        }
        let kwd: Vec<(&ast::Arg, &Expr)> = args
            .kwonlyargs
            .iter()
            .zip(&args.kw_defaults)
            .filter_map(|(a, d)| d.as_ref().map(|d| (a, d)))
            .collect();
        if kwd.is_empty() {
            self.emit(Instr::LoadNone { dst: base + 1 });
        } else {
            let kb = self.temps(kwd.len() * 2);
            for (i, (a, d)) in kwd.iter().enumerate() {
                let k = self.str_const(&a.name);
                self.emit(Instr::LoadConst {
                    dst: kb + 2 * i as u16,
                    k,
                });
                self.expr_to(d, kb + 2 * i as u16 + 1)?;
            }
            self.emit(Instr::BuildMap {
                dst: base + 1,
                base: kb,
                n: kwd.len() as u16,
            });
        }
        self.closure_tuple(&code, base + 2);
        self.emit(Instr::LoadNone { dst: base + 3 });
        let k = self.add_const(Value::Obj(code));
        self.emit(Instr::MakeFunction { dst, k, base });
        self.restore_pos(saved);
        self.release(m);
        Ok(())
    }

    /// dst = tuple of this frame's cells for the free variables of `code`.
    fn closure_tuple(&mut self, code: &crate::object::rc::ObjRef, dst: u16) {
        let frees: Vec<String> = code
            .downcast::<crate::compile::code::Code>()
            .map(|c| {
                c.freevars
                    .iter()
                    .map(|f| crate::object::str::str_of(f).unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default();
        if frees.is_empty() {
            self.emit(Instr::LoadNone { dst });
            return;
        }
        let b = self.temps(frees.len());
        for (i, f) in frees.iter().enumerate() {
            let r = self.ur().regs.get(f).copied();
            match r {
                Some(r) => {
                    self.emit(Instr::Move {
                        dst: b + i as u16,
                        src: r,
                    });
                }
                None => {
                    self.emit(Instr::LoadNone { dst: b + i as u16 });
                }
            }
        }
        self.emit(Instr::BuildTuple {
            dst,
            base: b,
            n: frees.len() as u16,
        });
    }

    /// Sets the unit's parameter counts from an argument list.
    pub(super) fn set_params(&mut self, args: &ast::Arguments) {
        let u = self.u();
        u.posonly = args.posonlyargs.len() as u32;
        u.argcount = (args.posonlyargs.len() + args.args.len()) as u32;
        u.kwonly = args.kwonlyargs.len() as u32;
        if args.vararg.is_some() {
            u.flags |= crate::compile::code::CO_VARARGS;
        }
        if args.kwarg.is_some() {
            u.flags |= crate::compile::code::CO_VARKEYWORDS;
        }
    }

    fn lambda(
        &mut self,
        e: &'a Expr,
        args: &'a ast::Arguments,
        body: &'a Expr,
        dst: u16,
    ) -> CResult<()> {
        let scope = self.table.scope_of(symtable::node_key(e));
        let qual = self.qualname_for("<lambda>");
        let line = self.line_of(e.span);
        self.enter_unit(scope, "<lambda>", &qual, line);
        self.set_params(args);
        let saved = self.set_pos(body.span);
        let r = self.expr_any(body)?;
        self.emit(Instr::Return { src: r });
        self.restore_pos(saved);
        let code = self.pop_unit();
        self.make_function(code, args, dst, e.span)
    }

    // ----- comprehensions -----

    fn comprehension(
        &mut self,
        e: &'a Expr,
        kind: CompKind,
        elt: &'a Expr,
        value: Option<&'a Expr>,
        gens: &'a [ast::Comprehension],
        dst: u16,
    ) -> CResult<()> {
        let scope = self.table.scope_of(symtable::node_key(e));
        let name = match kind {
            CompKind::List => "<listcomp>",
            CompKind::Set => "<setcomp>",
            CompKind::Dict => "<dictcomp>",
            CompKind::Gen => "<genexpr>",
        };
        let m = self.mark();
        // The outermost iterable is evaluated here and passed in as `.0`.
        let base = self.temps(2);
        let src = self.expr_any(&gens[0].iter)?;
        self.emit_at(gens[0].iter.span, Instr::GetIter { dst: base + 1, src });
        let qual = self.qualname_for(name);
        let line = self.line_of(e.span);
        self.enter_unit(scope, name, &qual, line);
        self.u().argcount = 1;
        let saved = self.set_pos(e.span);
        let acc = if kind == CompKind::Gen {
            None
        } else {
            let acc = self.temp();
            match kind {
                CompKind::List => self.emit(Instr::BuildList {
                    dst: acc,
                    base: acc,
                    n: 0,
                }),
                CompKind::Set => self.emit(Instr::BuildSet {
                    dst: acc,
                    base: acc,
                    n: 0,
                }),
                _ => self.emit(Instr::BuildMap {
                    dst: acc,
                    base: acc,
                    n: 0,
                }),
            };
            Some(acc)
        };
        self.comp_loop(kind, gens, 0, elt, value, acc)?;
        match acc {
            Some(a) => self.emit(Instr::Return { src: a }),
            None => self.emit(Instr::ReturnNone),
        };
        self.restore_pos(saved);
        let code = self.pop_unit();
        self.make_function(code, &NO_ARGS, base, e.span)?;
        self.emit_at(e.span, Instr::Call { base, argc: 1 });
        if base != dst {
            self.emit_at(e.span, Instr::MoveOut { dst, src: base });
        }
        self.release(m);
        Ok(())
    }

    fn comp_loop(
        &mut self,
        kind: CompKind,
        gens: &'a [ast::Comprehension],
        i: usize,
        elt: &'a Expr,
        value: Option<&'a Expr>,
        acc: Option<u16>,
    ) -> CResult<()> {
        let g = &gens[i];
        let m = self.mark();
        let iter = if i == 0 {
            0
        } else {
            let src = self.expr_any(&g.iter)?;
            let t = self.temp();
            self.emit_at(g.iter.span, Instr::GetIter { dst: t, src });
            t
        };
        let top = self.new_label();
        let exit = self.new_label();
        self.bind_label(top);
        let item = self.temp();
        self.emit_at(
            g.iter.span,
            Instr::ForIter {
                iter,
                dst: item,
                exit,
            },
        );
        self.assign(&g.target, item, true)?;
        for cond in &g.ifs {
            self.cond_jump(cond, false, top)?;
        }
        if i + 1 < gens.len() {
            self.comp_loop(kind, gens, i + 1, elt, value, acc)?;
        } else {
            let m2 = self.mark();
            match kind {
                CompKind::Gen => {
                    let v = self.expr_any(elt)?;
                    let junk = self.temp();
                    self.emit_at(elt.span, Instr::Yield { dst: junk, src: v });
                }
                CompKind::List => {
                    let v = self.expr_any(elt)?;
                    self.emit_at(
                        elt.span,
                        Instr::ListAppend {
                            list: acc.unwrap(),
                            src: v,
                        },
                    );
                }
                CompKind::Set => {
                    let v = self.expr_any(elt)?;
                    self.emit_at(
                        elt.span,
                        Instr::SetAdd {
                            set: acc.unwrap(),
                            src: v,
                        },
                    );
                }
                CompKind::Dict => {
                    let k = self.expr_temp(elt)?;
                    let v = self.expr_any(value.unwrap())?;
                    self.emit_at(
                        elt.span,
                        Instr::MapAdd {
                            map: acc.unwrap(),
                            key: k,
                            value: v,
                        },
                    );
                }
            }
            self.release(m2);
        }
        self.emit(Instr::Jump { label: top });
        self.bind_label(exit);
        self.release(m);
        Ok(())
    }

    /// In interactive mode, the statement-expression printer.
    pub(super) fn is_interactive(&self) -> bool {
        self.mode == Mode::Single && self.units.len() == 1
    }
}

/// The parameter list of comprehension functions (only `.0`, no defaults).
static NO_ARGS: ast::Arguments = ast::Arguments {
    posonlyargs: Vec::new(),
    args: Vec::new(),
    vararg: None,
    kwonlyargs: Vec::new(),
    kw_defaults: Vec::new(),
    kwarg: None,
    defaults: Vec::new(),
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum SeqKind {
    Tuple,
    List,
    Set,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CompKind {
    List,
    Set,
    Dict,
    Gen,
}

fn is_identifier_like(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}
