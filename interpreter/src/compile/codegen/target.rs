//! Assignment, augmented assignment and deletion targets: names, attributes,
//! subscripts and (nested, possibly starred) tuple/list unpacking. The value
//! is always evaluated before the target's own sub-expressions, as in Python.

use mini_syntax::ast::{Expr, ExprKind};

use super::{CResult, Compiler};
use crate::compile::opcode::{BinOp, Instr};

impl<'a, 'v> Compiler<'a, 'v> {
    /// Stores register `src` into `target`. `take` allows moving the value
    /// out of `src` when it is a dead temporary.
    pub(super) fn assign(&mut self, target: &'a Expr, src: u16, take: bool) -> CResult<()> {
        let span = target.span;
        match &target.kind {
            ExprKind::Name(n) => self.store_name(n, src, span, take),
            ExprKind::Attribute { value, attr } => {
                let m = self.mark();
                let obj = self.expr_any(value)?;
                let site = self.site(attr);
                self.emit_at(span, Instr::StoreAttr { obj, src, site });
                self.release(m);
                Ok(())
            }
            ExprKind::Subscript { value, slice } => {
                let m = self.mark();
                let obj = self.expr_any(value)?;
                let key = self.slice_key(slice)?;
                self.emit_at(span, Instr::SetItem { obj, key, src });
                self.release(m);
                Ok(())
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let m = self.mark();
                let star = items
                    .iter()
                    .position(|i| matches!(i.kind, ExprKind::Starred(_)));
                let base = self.temps(items.len());
                match star {
                    None => {
                        self.emit_at(
                            span,
                            Instr::UnpackSeq {
                                src,
                                base,
                                n: items.len() as u16,
                            },
                        );
                    }
                    Some(s) => {
                        if items
                            .iter()
                            .filter(|i| matches!(i.kind, ExprKind::Starred(_)))
                            .count()
                            > 1
                        {
                            return self.err("multiple starred expressions in assignment", span);
                        }
                        let after = items.len() - s - 1;
                        if s > 255 || after > 255 {
                            return self
                                .err("too many expressions in star-unpacking assignment", span);
                        }
                        self.emit_at(
                            span,
                            Instr::UnpackEx {
                                src,
                                base,
                                before: s as u8,
                                after: after as u8,
                            },
                        );
                    }
                }
                for (i, it) in items.iter().enumerate() {
                    let t = match &it.kind {
                        ExprKind::Starred(inner) => inner,
                        _ => it,
                    };
                    self.assign(t, base + i as u16, true)?;
                }
                self.release(m);
                Ok(())
            }
            ExprKind::Starred(_) => {
                self.err("starred assignment target must be in a list or tuple", span)
            }
            _ => self.err("cannot assign to expression", span),
        }
    }

    pub(super) fn delete(&mut self, target: &'a Expr) -> CResult<()> {
        let span = target.span;
        match &target.kind {
            ExprKind::Name(n) => self.delete_name(n, span),
            ExprKind::Attribute { value, attr } => {
                let m = self.mark();
                let obj = self.expr_any(value)?;
                let name = self.name(attr);
                self.emit_at(span, Instr::DeleteAttr { obj, name });
                self.release(m);
                Ok(())
            }
            ExprKind::Subscript { value, slice } => {
                let m = self.mark();
                let obj = self.expr_any(value)?;
                let key = self.slice_key(slice)?;
                self.emit_at(span, Instr::DelItem { obj, key });
                self.release(m);
                Ok(())
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                for i in items {
                    self.delete(i)?;
                }
                Ok(())
            }
            _ => self.err("cannot delete expression", span),
        }
    }

    /// `target op= value`.
    pub(super) fn aug_assign(
        &mut self,
        target: &'a Expr,
        op: BinOp,
        value: &'a Expr,
    ) -> CResult<()> {
        let span = target.span.to(value.span);
        let m = self.mark();
        match &target.kind {
            ExprKind::Name(n) => {
                if let Some(r) = self.local_reg(n) {
                    self.check_bound(r, target.span);
                    let b = self.expr_any(value)?;
                    self.emit_at(
                        span,
                        Instr::Inplace {
                            op,
                            dst: r,
                            a: r,
                            b,
                        },
                    );
                } else {
                    let t = self.temp();
                    self.load_name(n, t, target.span)?;
                    let b = self.expr_any(value)?;
                    self.emit_at(
                        span,
                        Instr::Inplace {
                            op,
                            dst: t,
                            a: t,
                            b,
                        },
                    );
                    self.store_name(n, t, target.span, true)?;
                }
            }
            ExprKind::Attribute { value: obj, attr } => {
                let o = self.expr_any(obj)?;
                let t = self.temp();
                let site = self.site(attr);
                self.emit_at(
                    target.span,
                    Instr::LoadAttr {
                        dst: t,
                        obj: o,
                        site,
                    },
                );
                let b = self.expr_any(value)?;
                self.emit_at(
                    span,
                    Instr::Inplace {
                        op,
                        dst: t,
                        a: t,
                        b,
                    },
                );
                let site = self.site(attr);
                self.emit_at(
                    target.span,
                    Instr::StoreAttr {
                        obj: o,
                        src: t,
                        site,
                    },
                );
            }
            ExprKind::Subscript { value: obj, slice } => {
                let o = self.expr_any(obj)?;
                let k = self.slice_key(slice)?;
                let t = self.temp();
                self.emit_at(
                    target.span,
                    Instr::GetItem {
                        dst: t,
                        obj: o,
                        key: k,
                    },
                );
                let b = self.expr_any(value)?;
                self.emit_at(
                    span,
                    Instr::Inplace {
                        op,
                        dst: t,
                        a: t,
                        b,
                    },
                );
                self.emit_at(
                    target.span,
                    Instr::SetItem {
                        obj: o,
                        key: k,
                        src: t,
                    },
                );
            }
            _ => return self.err("illegal expression for augmented assignment", span),
        }
        self.release(m);
        Ok(())
    }
}
