//! Statement compilation, including the control-flow constructs: loops,
//! try/except/finally and with (exception table ranges plus the block stack
//! that early exits unwind), functions and classes, imports.

use mini_syntax::ast::{self, Expr, ExprKind, Span, Stmt, StmtKind};

use super::expr::binop;
use super::flow::{unbound_in, Flow};
use super::{Block, CResult, Compiler};
use crate::compile::opcode::{Instr, RaiseKind};
use crate::compile::symtable::{self, ScopeKind};
use crate::object::value::Value;

impl<'a, 'v> Compiler<'a, 'v> {
    pub(super) fn stmts(&mut self, body: &'a [Stmt]) -> CResult<()> {
        for s in body {
            self.stmt(s)?;
        }
        Ok(())
    }

    pub(super) fn stmt(&mut self, s: &'a Stmt) -> CResult<()> {
        let m = self.mark();
        let outer_end = std::mem::replace(&mut self.u().temp_end, m);
        let saved = self.set_pos(head_span(s));
        self.enter_depth(s.span)?;
        let r = self.stmt_inner(s);
        self.leave_depth();
        // Module and class code runs in long-lived frames: a temporary left
        // holding an object would keep it alive after the program dropped it
        // (`del x` then a weakref callback or `__del__` that never comes), so
        // the statement's temporaries are unbound when it ends. A function's
        // temporaries go when it returns.
        let end = self.ur().temp_end;
        if r.is_ok()
            && end > m
            && !self.scope().is_function_like()
            && !self.ur().flow.is_unreachable()
        {
            self.emit_noline(Instr::ClearTemps {
                base: m,
                n: end - m,
            });
        }
        let u = self.u();
        u.temp_end = outer_end.max(end);
        self.restore_pos(saved);
        self.release(m);
        r
    }

    fn stmt_inner(&mut self, s: &'a Stmt) -> CResult<()> {
        match &s.kind {
            StmtKind::Expr(e) => {
                if self.is_interactive() {
                    let base = self.temps(2);
                    let hook = self.vm.displayhook.clone();
                    let k = self.add_const(Value::Obj(hook));
                    self.emit(Instr::LoadConst { dst: base, k });
                    self.expr_to(e, base + 1)?;
                    self.emit(Instr::Call { base, argc: 1 });
                } else if let ExprKind::Constant(_) = &e.kind {
                    // A constant statement (docstring) has no effect.
                    self.emit(Instr::Nop);
                } else {
                    let t = self.temp();
                    self.expr_to(e, t)?;
                    // Drop the value now, as CPython's POP_TOP does.
                    self.emit(Instr::LoadNone { dst: t });
                }
                Ok(())
            }
            StmtKind::Assign { targets, value } => self.assign_stmt(targets, value),
            StmtKind::AugAssign { target, op, value } => self.aug_assign(target, binop(*op), value),
            StmtKind::AnnAssign { target, value, .. } => {
                if let Some(v) = value {
                    self.assign_stmt(std::slice::from_ref(target), v)
                } else {
                    Ok(())
                }
            }
            StmtKind::Pass => {
                self.emit(Instr::Nop);
                Ok(())
            }
            StmtKind::Break => self.break_continue(true, s.span),
            StmtKind::Continue => self.break_continue(false, s.span),
            StmtKind::Delete(targets) => {
                for t in targets {
                    self.delete(t)?;
                }
                Ok(())
            }
            StmtKind::Return(v) => self.return_stmt(v.as_ref(), s.span),
            StmtKind::If { test, body, orelse } => self.if_stmt(test, body, orelse),
            StmtKind::While { test, body, orelse } => self.while_stmt(test, body, orelse),
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => self.for_stmt(s.span, target, iter, body, orelse),
            StmtKind::FunctionDef(f) => self.function_def(f, s.span),
            StmtKind::ClassDef(c) => self.class_def(c, s.span),
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                self.emit(Instr::Nop);
                if finalbody.is_empty() {
                    self.try_except(body, handlers, orelse)
                } else {
                    self.try_finally(body, handlers, orelse, finalbody)
                }
            }
            StmtKind::Raise { exc, cause } => {
                let m = self.mark();
                let (kind, e, c) = match (exc, cause) {
                    (None, _) => (RaiseKind::Reraise, 0, 0),
                    (Some(e), None) => (RaiseKind::Raise, self.expr_any(e)?, 0),
                    (Some(e), Some(c)) => {
                        let er = self.expr_temp(e)?;
                        let cr = self.expr_any(c)?;
                        (RaiseKind::RaiseFrom, er, cr)
                    }
                };
                self.emit(Instr::Raise {
                    kind,
                    exc: e,
                    cause: c,
                });
                self.release(m);
                self.u().flow = Flow::Unreachable;
                Ok(())
            }
            StmtKind::With { items, body } => self.with_stmt(s.span, items, body),
            StmtKind::Import(names) => {
                let saved = self.set_pos(s.span);
                let r = self.import(names);
                self.restore_pos(saved);
                r
            }
            StmtKind::ImportFrom {
                module,
                names,
                level,
            } => self.import_from(module.as_deref(), names, *level, s.span),
            StmtKind::Global(_) | StmtKind::Nonlocal(_) => Ok(()),
            StmtKind::Assert { test, msg } => {
                let ok = self.new_label();
                self.cond_jump(test, true, ok)?;
                match msg {
                    Some(m) => {
                        let r = self.expr_any(m)?;
                        self.emit_at(
                            test.span,
                            Instr::RaiseAssert {
                                msg: r,
                                no_msg: false,
                            },
                        );
                    }
                    None => {
                        self.emit_at(
                            test.span,
                            Instr::RaiseAssert {
                                msg: 0,
                                no_msg: true,
                            },
                        );
                    }
                }
                self.bind_label(ok);
                Ok(())
            }
        }
    }

    fn assign_stmt(&mut self, targets: &'a [Expr], value: &'a Expr) -> CResult<()> {
        // `x = expr` into a local: compute straight into its register when the
        // last instruction is the only write (no partial updates on error).
        if targets.len() == 1 {
            if let ExprKind::Name(n) = &targets[0].kind {
                if let Some(r) = self.local_reg(n) {
                    if single_write(value) {
                        self.expr_to(value, r)?;
                        self.u().flow.bind(r as usize);
                        return Ok(());
                    }
                }
            }
            // `a, b = x, y`: no tuple needed.
            if let (ExprKind::Tuple(ts), ExprKind::Tuple(vs)) = (&targets[0].kind, &value.kind) {
                if ts.len() == vs.len()
                    && !ts
                        .iter()
                        .chain(vs)
                        .any(|e| matches!(e.kind, ExprKind::Starred(_)))
                {
                    let base = self.temps(vs.len());
                    for (i, v) in vs.iter().enumerate() {
                        self.expr_to(v, base + i as u16)?;
                    }
                    for (i, t) in ts.iter().enumerate() {
                        self.assign(t, base + i as u16, true)?;
                    }
                    return Ok(());
                }
            }
        }
        let t = self.temp();
        self.expr_to(value, t)?;
        let n = targets.len();
        for (i, target) in targets.iter().enumerate() {
            self.assign(target, t, i + 1 == n)?;
        }
        Ok(())
    }

    fn if_stmt(&mut self, test: &'a Expr, body: &'a [Stmt], orelse: &'a [Stmt]) -> CResult<()> {
        let else_l = self.new_label();
        self.cond_jump(test, false, else_l)?;
        let before = self.ur().flow.clone();
        self.stmts(body)?;
        if orelse.is_empty() {
            let after_body = self.ur().flow.clone();
            self.bind_label(else_l);
            self.u().flow = after_body.join(&before);
            return Ok(());
        }
        let end = self.new_label();
        let body_reachable = !self.ur().flow.is_unreachable();
        if body_reachable {
            self.emit_noline(Instr::Jump { label: end });
        }
        let after_body = std::mem::replace(&mut self.u().flow, before);
        self.bind_label(else_l);
        self.stmts(orelse)?;
        let after_else = self.ur().flow.clone();
        self.bind_label(end);
        self.u().flow = after_body.join(&after_else);
        Ok(())
    }

    fn loop_entry_flow(&mut self, body: &'a [Stmt], orelse: &'a [Stmt]) -> Flow {
        let mut f = self.ur().flow.clone();
        for name in unbound_in(body).iter().chain(unbound_in(orelse).iter()) {
            if let Some(r) = self.local_reg(name) {
                f.unbind(r as usize);
            }
        }
        f
    }

    fn while_stmt(&mut self, test: &'a Expr, body: &'a [Stmt], orelse: &'a [Stmt]) -> CResult<()> {
        let entry = self.loop_entry_flow(body, orelse);
        self.u().flow = entry.clone();
        let body_l = self.new_label();
        let cont = self.new_label();
        let else_l = self.new_label();
        let end = self.new_label();
        let forever = matches!(test.kind, ExprKind::Constant(ast::Constant::True));
        if !forever {
            self.cond_jump(test, false, else_l)?;
        } else {
            self.emit(Instr::Nop);
        }
        self.bind_label(body_l);
        self.u().blocks.push(Block::Loop {
            cont,
            brk: end,
            iter: None,
            break_flows: Vec::new(),
        });
        self.stmts(body)?;
        let breaks = match self.u().blocks.pop() {
            Some(Block::Loop { break_flows, .. }) => break_flows,
            _ => Vec::new(),
        };
        self.bind_label(cont);
        self.u().flow = entry.clone();
        let saved = self.set_pos(test.span);
        if forever {
            self.emit(Instr::Jump { label: body_l });
        } else {
            self.cond_jump(test, true, body_l)?;
        }
        self.restore_pos(saved);
        self.bind_label(else_l);
        self.u().flow = if forever {
            Flow::Unreachable
        } else {
            entry.clone()
        };
        self.stmts(orelse)?;
        self.bind_label(end);
        let mut f = self.ur().flow.clone();
        for b in &breaks {
            f = f.join(b);
        }
        self.u().flow = f;
        Ok(())
    }

    fn for_stmt(
        &mut self,
        span: Span,
        target: &'a Expr,
        iter: &'a Expr,
        body: &'a [Stmt],
        orelse: &'a [Stmt],
    ) -> CResult<()> {
        let m = self.mark();
        let src = self.expr_any(iter)?;
        let it = self.temp();
        // CPython locates GET_ITER and FOR_ITER at the whole statement.
        self.emit_at(span, Instr::GetIter { dst: it, src });
        let entry = self.loop_entry_flow(body, orelse);
        self.u().flow = entry.clone();
        let top = self.new_label();
        let else_l = self.new_label();
        let end = self.new_label();
        self.bind_label(top);
        // A plain local target receives the item directly.
        let direct = match &target.kind {
            ExprKind::Name(n) => self.local_reg(n),
            _ => None,
        };
        let saved = self.set_pos(span);
        match direct {
            Some(r) => {
                self.emit(Instr::ForIter {
                    iter: it,
                    dst: r,
                    exit: else_l,
                });
                self.restore_pos(saved);
                self.u().flow.bind(r as usize);
            }
            None => {
                let item = self.temp();
                self.emit(Instr::ForIter {
                    iter: it,
                    dst: item,
                    exit: else_l,
                });
                self.restore_pos(saved);
                self.assign(target, item, true)?;
            }
        }
        self.u().blocks.push(Block::Loop {
            cont: top,
            brk: end,
            iter: Some(it),
            break_flows: Vec::new(),
        });
        self.stmts(body)?;
        let breaks = match self.u().blocks.pop() {
            Some(Block::Loop { break_flows, .. }) => break_flows,
            _ => Vec::new(),
        };
        if !self.ur().flow.is_unreachable() {
            // Like CPython's, the back jump takes the location of the
            // instruction before it, so a loop iteration raises one `line`
            // event for the `for` line (at FOR_ITER, a backward jump target).
            let last = self.ur().positions.last().copied();
            // Jumps that land on the back jump (the end of an `if` in the
            // body, an inner loop's exit) go straight to the loop top
            // instead: the back jump carries the line of the instruction
            // before it, which is not where they come from (CPython gives
            // each path its own copy of the jump).
            let here = self.pc();
            let top_pc = self.ur().labels[top as usize];
            for l in self.u().labels.iter_mut() {
                if *l == here {
                    *l = top_pc;
                }
            }
            let saved = last.map(|p| std::mem::replace(&mut self.u().pos, p));
            self.emit(Instr::Jump { label: top });
            if let Some(p) = saved {
                self.restore_pos(p);
            }
        }
        self.bind_label(else_l);
        self.u().flow = entry;
        self.stmts(orelse)?;
        self.bind_label(end);
        let mut f = self.ur().flow.clone();
        for b in &breaks {
            f = f.join(b);
        }
        self.u().flow = f;
        self.release(m);
        Ok(())
    }

    fn break_continue(&mut self, is_break: bool, span: Span) -> CResult<()> {
        let idx = self
            .ur()
            .blocks
            .iter()
            .rposition(|b| matches!(b, Block::Loop { .. }));
        let Some(idx) = idx else {
            return if is_break {
                self.err("'break' outside loop", span)
            } else {
                self.err("'continue' not properly in loop", span)
            };
        };
        let suspended = self.unwind_blocks(idx + 1)?;
        let (cont, brk, iter) = match &self.ur().blocks[idx] {
            Block::Loop {
                cont, brk, iter, ..
            } => (*cont, *brk, *iter),
            _ => unreachable!(),
        };
        if is_break {
            if let Some(it) = iter {
                self.emit(Instr::LoadNone { dst: it });
            }
            let f = self.ur().flow.clone();
            if let Some(Block::Loop { break_flows, .. }) = self.u().blocks.get_mut(idx) {
                break_flows.push(f);
            }
            self.emit(Instr::Jump { label: brk });
        } else {
            self.emit(Instr::Jump { label: cont });
        }
        for p in suspended {
            self.resume_protect(p);
        }
        self.u().flow = Flow::Unreachable;
        Ok(())
    }

    fn return_stmt(&mut self, v: Option<&'a Expr>, span: Span) -> CResult<()> {
        if !self.scope().is_function_like() {
            return self.err("'return' outside function", span);
        }
        let has_blocks = !self.ur().blocks.is_empty();
        let src = match v {
            Some(e) => {
                if has_blocks {
                    Some(self.expr_temp(e)?)
                } else {
                    Some(self.expr_any(e)?)
                }
            }
            None => None,
        };
        let suspended = self.unwind_blocks(0)?;
        match src {
            Some(r) => self.emit(Instr::Return { src: r }),
            None => self.emit(Instr::ReturnNone),
        };
        for p in suspended {
            self.resume_protect(p);
        }
        self.u().flow = Flow::Unreachable;
        Ok(())
    }

    /// Emits the cleanup of every block from the innermost down to `to`
    /// (exclusive of blocks below `to`), suspending their protected ranges.
    /// Returns the ranges to resume after the jump that follows.
    fn unwind_blocks(&mut self, to: usize) -> CResult<Vec<usize>> {
        let mut suspended = Vec::new();
        let n = self.ur().blocks.len();
        for i in (to..n).rev() {
            enum Act<'b> {
                None,
                Iter(u16),
                Suspend(usize),
                Finally(usize, &'b [Stmt]),
                With(usize, u16),
                Handler(usize, Option<usize>, Option<(String, Span)>),
            }
            let act = match &self.ur().blocks[i] {
                Block::Loop { iter, .. } => match iter {
                    Some(it) => Act::Iter(*it),
                    None => Act::None,
                },
                Block::Try { protect } => Act::Suspend(*protect),
                Block::Finally { protect, body } => Act::Finally(*protect, body),
                Block::With { protect, exit } => Act::With(*protect, *exit),
                Block::Handler {
                    protect,
                    inner,
                    name,
                } => Act::Handler(*protect, *inner, name.clone()),
            };
            match act {
                Act::None => {}
                Act::Iter(it) => {
                    self.emit(Instr::LoadNone { dst: it });
                }
                Act::Suspend(p) => {
                    self.suspend_protect(p);
                    suspended.push(p);
                }
                Act::Finally(p, body) => {
                    self.suspend_protect(p);
                    suspended.push(p);
                    // Compile the finally body with only the outer blocks active.
                    let inner = self.u().blocks.split_off(i);
                    let flow = self.ur().flow.clone();
                    let r = self.stmts(body);
                    self.u().blocks.extend(inner);
                    r?;
                    if self.ur().flow.is_unreachable() {
                        // The finally body itself left (return/raise): done.
                        self.u().flow = flow;
                    }
                }
                Act::With(p, exit) => {
                    self.suspend_protect(p);
                    suspended.push(p);
                    self.call_exit_none(exit);
                }
                Act::Handler(p, inner, name) => {
                    if let Some(ip) = inner {
                        self.suspend_protect(ip);
                        suspended.push(ip);
                    }
                    self.suspend_protect(p);
                    suspended.push(p);
                    if let Some((n, sp)) = name {
                        self.clear_handler_name(&n, sp)?;
                    }
                    self.emit(Instr::PopExc);
                }
            }
        }
        Ok(suspended)
    }

    /// `name = None; del name` at the end of `except E as name`.
    fn clear_handler_name(&mut self, name: &str, span: Span) -> CResult<()> {
        let t = self.temp();
        self.emit(Instr::LoadNone { dst: t });
        self.store_name(name, t, span, true)?;
        self.delete_name(name, span)?;
        self.release(t);
        Ok(())
    }

    fn call_exit_none(&mut self, exit: u16) {
        let m = self.mark();
        let b = self.temps(4);
        self.emit(Instr::Move { dst: b, src: exit });
        for i in 1..4 {
            self.emit(Instr::LoadNone { dst: b + i });
        }
        self.emit(Instr::Call { base: b, argc: 3 });
        self.emit(Instr::LoadNone { dst: b });
        self.release(m);
    }

    fn try_except(
        &mut self,
        body: &'a [Stmt],
        handlers: &'a [ast::ExceptHandler],
        orelse: &'a [Stmt],
    ) -> CResult<()> {
        let handler_l = self.new_label();
        let end = self.new_label();
        let exc = self.temp();
        let entry = self.ur().flow.clone();
        let p = self.new_protect(handler_l, exc);
        self.u().blocks.push(Block::Try { protect: p });
        self.stmts(body)?;
        self.u().blocks.pop();
        self.close_protect(p);
        self.stmts(orelse)?;
        let mut out = self.ur().flow.clone();
        if !out.is_unreachable() {
            self.emit_noline(Instr::Jump { label: end });
        }
        // Handlers start from what was bound before the try, minus dels.
        let mut hflow = entry;
        for name in unbound_in(body) {
            if let Some(r) = self.local_reg(&name) {
                hflow.unbind(r as usize);
            }
        }
        self.bind_label(handler_l);
        self.u().flow = hflow.clone();
        self.emit_noline(Instr::PushExc { src: exc });
        let cleanup = self.new_label();
        let e2 = self.temp();
        let cp = self.new_protect(cleanup, e2);
        for h in handlers {
            let saved = self.set_pos(h.span);
            let next = self.new_label();
            if let Some(t) = &h.typ {
                let m = self.mark();
                let tr = self.expr_any(t)?;
                let mr = self.temp();
                self.emit(Instr::ExcMatch {
                    dst: mr,
                    exc,
                    typ: tr,
                });
                self.emit(Instr::JumpIfFalse {
                    cond: mr,
                    label: next,
                });
                self.release(m);
            }
            self.u().flow = hflow.clone();
            let name = h.name.clone().map(|n| (n, h.span));
            if let Some((n, sp)) = &name {
                self.store_name(n, exc, *sp, false)?;
            }
            // Each named handler gets its own cleanup that clears the name.
            let hclean = self.new_label();
            let hp = if name.is_some() {
                Some(self.new_protect(hclean, e2))
            } else {
                None
            };
            self.u().blocks.push(Block::Handler {
                protect: cp,
                inner: hp,
                name: name.clone(),
            });
            self.stmts(&h.body)?;
            self.u().blocks.pop();
            if let Some(hp) = hp {
                self.close_protect(hp);
            }
            if !self.ur().flow.is_unreachable() {
                if let Some((n, sp)) = &name {
                    self.clear_handler_name(n, *sp)?;
                }
                self.emit_noline(Instr::PopExc);
                self.emit_noline(Instr::Jump { label: end });
            }
            out = out.join(&self.ur().flow);
            if let Some((n, sp)) = &name {
                // Exceptional exit of a named handler: clear the name, then
                // leave through the common cleanup (still protected by cp).
                let skip = self.new_label();
                self.emit_noline(Instr::Jump { label: skip });
                self.bind_label(hclean);
                self.clear_handler_name(n, *sp)?;
                self.emit_noline(Instr::Reraise { exc: e2 });
                self.bind_label(skip);
            }
            self.bind_label(next);
            self.restore_pos(saved);
        }
        self.emit_noline(Instr::Reraise { exc });
        self.close_protect(cp);
        self.bind_label(cleanup);
        self.emit_noline(Instr::PopExc);
        self.emit_noline(Instr::Reraise { exc: e2 });
        self.bind_label(end);
        // The handled exception register must not keep it alive.
        self.emit_noline(Instr::LoadNone { dst: exc });
        self.u().flow = out;
        Ok(())
    }

    fn try_finally(
        &mut self,
        body: &'a [Stmt],
        handlers: &'a [ast::ExceptHandler],
        orelse: &'a [Stmt],
        finalbody: &'a [Stmt],
    ) -> CResult<()> {
        let fin_l = self.new_label();
        let end = self.new_label();
        let exc = self.temp();
        let entry = self.ur().flow.clone();
        let p = self.new_protect(fin_l, exc);
        self.u().blocks.push(Block::Finally {
            protect: p,
            body: finalbody,
        });
        if handlers.is_empty() {
            self.stmts(body)?;
            self.stmts(orelse)?;
        } else {
            self.try_except(body, handlers, orelse)?;
        }
        self.u().blocks.pop();
        self.close_protect(p);
        let normal_reachable = !self.ur().flow.is_unreachable();
        if normal_reachable {
            self.stmts(finalbody)?;
            if !self.ur().flow.is_unreachable() {
                self.emit_noline(Instr::Jump { label: end });
            }
        }
        let out = self.ur().flow.clone();
        // Exceptional path: the finally body runs with the exception active.
        let mut fflow = entry;
        for name in unbound_in(body)
            .into_iter()
            .chain(unbound_in(orelse))
            .chain(handlers.iter().flat_map(|h| unbound_in(&h.body)))
            .chain(handlers.iter().filter_map(|h| h.name.clone()))
        {
            if let Some(r) = self.local_reg(&name) {
                fflow.unbind(r as usize);
            }
        }
        self.bind_label(fin_l);
        self.u().flow = fflow;
        self.emit_noline(Instr::PushExc { src: exc });
        let cleanup = self.new_label();
        let e2 = self.temp();
        let cp = self.new_protect(cleanup, e2);
        self.u().blocks.push(Block::Handler {
            protect: cp,
            inner: None,
            name: None,
        });
        self.stmts(finalbody)?;
        self.u().blocks.pop();
        self.close_protect(cp);
        self.emit_noline(Instr::PopExc);
        self.emit_noline(Instr::Reraise { exc });
        self.bind_label(cleanup);
        self.emit_noline(Instr::PopExc);
        self.emit_noline(Instr::Reraise { exc: e2 });
        self.bind_label(end);
        self.emit_noline(Instr::LoadNone { dst: exc });
        self.u().flow = out;
        Ok(())
    }

    fn with_stmt(
        &mut self,
        span: Span,
        items: &'a [ast::WithItem],
        body: &'a [Stmt],
    ) -> CResult<()> {
        let item = &items[0];
        let m = self.mark();
        let ctx = self.expr_any(&item.context)?;
        let base = self.temps(2);
        self.emit_at(item.context.span, Instr::WithEnter { dst: base, ctx });
        match &item.target {
            Some(t) => self.assign(t, base + 1, true)?,
            None => {
                self.emit(Instr::LoadNone { dst: base + 1 });
            }
        }
        let handler = self.new_label();
        let end = self.new_label();
        let exc = self.temp();
        let p = self.new_protect(handler, exc);
        self.u().blocks.push(Block::With {
            protect: p,
            exit: base,
        });
        let entry = self.ur().flow.clone();
        if items.len() > 1 {
            self.with_stmt(span, &items[1..], body)?;
        } else {
            self.stmts(body)?;
        }
        self.u().blocks.pop();
        self.close_protect(p);
        let out = self.ur().flow.clone();
        if !out.is_unreachable() {
            // CPython places the __exit__ calls at the whole statement.
            let saved = self.set_pos(span);
            self.call_exit_none(base);
            self.restore_pos(saved);
            self.emit(Instr::Jump { label: end });
        }
        let mut hflow = entry;
        for name in unbound_in(body) {
            if let Some(r) = self.local_reg(&name) {
                hflow.unbind(r as usize);
            }
        }
        self.bind_label(handler);
        self.u().flow = hflow.clone();
        let saved = self.set_pos(span);
        self.emit(Instr::PushExc { src: exc });
        let cleanup = self.new_label();
        let swallow = self.new_label();
        let e2 = self.temp();
        let cp = self.new_protect(cleanup, e2);
        let r = self.temp();
        self.emit(Instr::WithExcExit {
            dst: r,
            exit: base,
            exc,
        });
        self.emit(Instr::JumpIfTrue {
            cond: r,
            label: swallow,
        });
        self.emit(Instr::Reraise { exc });
        self.close_protect(cp);
        self.bind_label(swallow);
        self.emit(Instr::PopExc);
        self.emit(Instr::Jump { label: end });
        self.bind_label(cleanup);
        self.emit(Instr::PopExc);
        self.emit(Instr::Reraise { exc: e2 });
        self.restore_pos(saved);
        self.bind_label(end);
        self.emit(Instr::LoadNone { dst: base });
        self.emit(Instr::LoadNone { dst: exc });
        self.u().flow = out.join(&hflow);
        self.release(m);
        Ok(())
    }

    fn function_def(&mut self, f: &'a ast::FunctionDef, span: Span) -> CResult<()> {
        let m = self.mark();
        let decos = self.temps(f.decorators.len());
        for (i, d) in f.decorators.iter().enumerate() {
            self.expr_to(d, decos + i as u16)?;
        }
        let scope = self.table.scope_of(symtable::node_key(f));
        let qual = self.qualname_for(&f.name);
        let first = match f.decorators.first() {
            Some(d) => self.line_of(d.span),
            None => self.line_of(span),
        };
        self.enter_unit(scope, &f.name, &qual, first);
        self.set_params(&f.args);
        self.docstring(&f.body)?;
        self.stmts(&f.body)?;
        if !self.ur().flow.is_unreachable() {
            let end = Span {
                start: span.end.saturating_sub(1),
                end: span.end,
            };
            let last = f.body.last().map(|s| s.span).unwrap_or(end);
            let saved = self.set_pos(last);
            self.emit(Instr::ReturnNone);
            self.restore_pos(saved);
        }
        let code = self.pop_unit();
        let func = self.temp();
        self.make_function(code, &f.args, func, span)?;
        self.apply_decorators(decos, f.decorators.len(), func, span);
        self.store_name(&f.name, func, span, true)?;
        self.release(m);
        Ok(())
    }

    /// func = dec_n(...(dec_1(func))), innermost (last written) first.
    fn apply_decorators(&mut self, decos: u16, n: usize, func: u16, span: Span) {
        for i in (0..n).rev() {
            let m = self.mark();
            let b = self.temps(2);
            self.emit_at(
                span,
                Instr::MoveOut {
                    dst: b,
                    src: decos + i as u16,
                },
            );
            self.emit_at(
                span,
                Instr::MoveOut {
                    dst: b + 1,
                    src: func,
                },
            );
            self.emit_at(span, Instr::Call { base: b, argc: 1 });
            self.emit_at(span, Instr::MoveOut { dst: func, src: b });
            self.release(m);
        }
    }

    fn class_def(&mut self, c: &'a ast::ClassDef, span: Span) -> CResult<()> {
        let m = self.mark();
        let decos = self.temps(c.decorators.len());
        for (i, d) in c.decorators.iter().enumerate() {
            self.expr_to(d, decos + i as u16)?;
        }
        let scope = self.table.scope_of(symtable::node_key(c));
        let qual = self.qualname_for(&c.name);
        let first = match c.decorators.first() {
            Some(d) => self.line_of(d.span),
            None => self.line_of(span),
        };
        self.check_repeated_keywords(&c.keywords)?;
        let nargs = 2 + c.bases.len() + c.keywords.len();
        let base = self.temps(1 + nargs);
        self.emit(Instr::LoadBuildClass { dst: base });
        // The class body.
        self.enter_unit(scope, &c.name, &qual, first);
        let t = self.temp();
        let dunder_name = self.name("__name__");
        self.emit(Instr::LoadName {
            dst: t,
            name: dunder_name,
        });
        let module = self.name("__module__");
        self.emit(Instr::StoreName {
            src: t,
            name: module,
        });
        let k = self.str_const(&qual);
        self.emit(Instr::LoadConst { dst: t, k });
        let qn = self.name("__qualname__");
        self.emit(Instr::StoreName { src: t, name: qn });
        if let Some(Stmt {
            kind: StmtKind::Expr(e),
            ..
        }) = c.body.first()
        {
            if let ExprKind::Constant(ast::Constant::Str(_)) = &e.kind {
                self.expr_to(e, t)?;
                let d = self.name("__doc__");
                self.emit(Instr::StoreName { src: t, name: d });
            }
        }
        self.release(t);
        self.stmts(&c.body)?;
        let needs_cell = self.scope().needs_class_cell && self.scope().kind == ScopeKind::Class;
        if needs_cell {
            let cell = self.ur().regs["__class__"];
            let t = self.temp();
            self.emit(Instr::Move { dst: t, src: cell });
            let cc = self.name("__classcell__");
            self.emit(Instr::StoreName { src: t, name: cc });
            self.emit(Instr::Return { src: t });
        } else {
            self.emit(Instr::ReturnNone);
        }
        let code = self.pop_unit();
        self.make_function(code, &NO_ARGS, base + 1, span)?;
        let k = self.str_const(&c.name);
        self.emit(Instr::LoadConst { dst: base + 2, k });
        for (i, b) in c.bases.iter().enumerate() {
            self.expr_to(b, base + 3 + i as u16)?;
        }
        for (i, kw) in c.keywords.iter().enumerate() {
            if kw.arg.is_none() {
                return self.err(
                    "**kwargs in class definition is not supported by mini",
                    kw.span,
                );
            }
            self.expr_to(&kw.value, base + 3 + (c.bases.len() + i) as u16)?;
        }
        let argc = nargs as u16;
        if c.keywords.is_empty() {
            self.emit_at(span, Instr::Call { base, argc });
        } else {
            let names: Vec<Value> = c
                .keywords
                .iter()
                .map(|k| Value::Obj(self.vm.intern(k.arg.as_deref().unwrap_or(""))))
                .collect();
            let tup = self.vm.new_tuple(names);
            let kwnames = self.add_const(Value::Obj(tup));
            self.emit_at(
                span,
                Instr::CallKw {
                    base,
                    argc,
                    kwnames,
                },
            );
        }
        self.apply_decorators(decos, c.decorators.len(), base, span);
        self.store_name(&c.name, base, span, true)?;
        self.release(m);
        Ok(())
    }

    fn import(&mut self, names: &'a [ast::Alias]) -> CResult<()> {
        for a in names {
            let m = self.mark();
            let t = self.temp();
            let name = self.name(&a.name);
            let spec = self.import_spec(None, 0);
            self.emit(Instr::ImportName {
                dst: t,
                name,
                k: spec,
            });
            match &a.asname {
                Some(asname) => {
                    // `import a.b.c as d` binds the submodule.
                    for part in a.name.split('.').skip(1) {
                        let n = self.name(part);
                        self.emit(Instr::ImportFrom {
                            dst: t,
                            module: t,
                            name: n,
                        });
                    }
                    self.store_name(asname, t, a.span, true)?;
                }
                None => {
                    let top = a.name.split('.').next().unwrap_or("").to_string();
                    self.store_name(&top, t, a.span, true)?;
                }
            }
            self.release(m);
        }
        Ok(())
    }

    /// A constant (fromlist tuple or None, level) for ImportName.
    fn import_spec(&mut self, fromlist: Option<Vec<&str>>, level: u32) -> u16 {
        let fl = match fromlist {
            Some(names) => {
                let vals = names
                    .iter()
                    .map(|n| Value::Obj(self.vm.intern(n)))
                    .collect();
                Value::Obj(self.vm.new_tuple(vals))
            }
            None => Value::None,
        };
        let t = self.vm.new_tuple(vec![fl, Value::Int(level as i64)]);
        self.add_const(Value::Obj(t))
    }

    fn import_from(
        &mut self,
        module: Option<&str>,
        names: &'a [ast::Alias],
        level: u32,
        span: Span,
    ) -> CResult<()> {
        let m = self.mark();
        let t = self.temp();
        let modname = self.name(module.unwrap_or(""));
        let fl: Vec<&str> = names.iter().map(|a| a.name.as_str()).collect();
        let spec = self.import_spec(Some(fl), level);
        self.emit(Instr::ImportName {
            dst: t,
            name: modname,
            k: spec,
        });
        if names.len() == 1 && names[0].name == "*" {
            self.emit_at(span, Instr::ImportStar { module: t });
        } else {
            for a in names {
                let v = self.temp();
                let n = self.name(&a.name);
                self.emit_at(
                    a.span,
                    Instr::ImportFrom {
                        dst: v,
                        module: t,
                        name: n,
                    },
                );
                let bound = a.asname.as_deref().unwrap_or(&a.name);
                self.store_name(bound, v, a.span, true)?;
                self.release(v);
            }
        }
        self.emit(Instr::LoadNone { dst: t });
        self.release(m);
        Ok(())
    }
}

/// The part of a statement whose position its own instructions take: the
/// header line of compound statements, the whole of simple ones.
fn head_span(s: &Stmt) -> Span {
    match &s.kind {
        StmtKind::If { test, .. } | StmtKind::While { test, .. } => test.span,
        StmtKind::For { iter, .. } => iter.span,
        StmtKind::FunctionDef(_)
        | StmtKind::ClassDef(_)
        | StmtKind::Try { .. }
        | StmtKind::With { .. } => Span {
            start: s.span.start,
            end: s.span.start,
        },
        _ => s.span,
    }
}

/// Whether compiling `e` straight into a variable's register is safe: its
/// value is written by one final instruction.
fn single_write(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::BoolOp { .. }
        | ExprKind::IfExp { .. }
        | ExprKind::NamedExpr { .. }
        | ExprKind::Yield(_)
        | ExprKind::YieldFrom(_) => false,
        ExprKind::Compare { ops, .. } => ops.len() == 1,
        _ => true,
    }
}

static NO_ARGS: ast::Arguments = ast::Arguments {
    posonlyargs: Vec::new(),
    args: Vec::new(),
    vararg: None,
    kwonlyargs: Vec::new(),
    kw_defaults: Vec::new(),
    kwarg: None,
    defaults: Vec::new(),
};
