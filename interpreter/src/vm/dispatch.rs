//! The dispatch loop: read this first. `run` executes frames from the top of
//! the frame stack until the frame it started with returns. Each arm is a
//! line or two: fast paths for the common cases (small ints, floats, lists,
//! cached attribute and global lookups, calls of Python functions) and a
//! named helper for everything else.
//!
//! Before each instruction the loop tests the trap word (`trap.rs`): with no
//! hook, finalizer, signal or collection pending, that is one load and one
//! untaken branch. Invariants: `regs` points at the current frame's first
//! register and stays valid while the frame is on the stack (the register
//! stack never moves); `code` is the current frame's code object, kept alive
//! by the frame; register operands were checked against `nregs` when the code
//! was compiled (`Code::validate`), so they are read without bounds checks.

use crate::compile::code::Code;
use crate::compile::opcode::{BinOp, CmpOp, Instr, RaiseKind, UnaryOp, FORMAT_HAS_SPEC};
use crate::object::list::List;
use crate::object::tuple::Tuple;
use crate::object::value::Value;
use crate::vm::call::CallOutcome;
use crate::vm::{PyErr, PyResult, Vm};

/// What a frame-level control transfer asks the loop to do next.
pub(crate) enum Next {
    /// Keep running the (possibly new) top frame.
    Continue,
    /// The entry frame finished: return this value to the Rust caller.
    Return(Value),
}

#[inline(always)]
fn int_cmp(op: CmpOp, x: i64, y: i64) -> Option<bool> {
    Some(match op {
        CmpOp::Lt => x < y,
        CmpOp::Le => x <= y,
        CmpOp::Eq => x == y,
        CmpOp::Ne => x != y,
        CmpOp::Gt => x > y,
        CmpOp::Ge => x >= y,
        _ => return None,
    })
}

#[inline(always)]
fn float_cmp(op: CmpOp, x: f64, y: f64) -> Option<bool> {
    Some(match op {
        CmpOp::Lt => x < y,
        CmpOp::Le => x <= y,
        CmpOp::Eq => x == y,
        CmpOp::Ne => x != y,
        CmpOp::Gt => x > y,
        CmpOp::Ge => x >= y,
        _ => return None,
    })
}

/// Comparison of two inline numbers without calling out.
#[inline(always)]
pub(crate) fn fast_compare(op: CmpOp, a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => int_cmp(op, *x, *y),
        (Value::Float(x), Value::Float(y)) => float_cmp(op, *x, *y),
        (Value::Int(x), Value::Float(y)) if x.unsigned_abs() < (1 << 53) => {
            float_cmp(op, *x as f64, *y)
        }
        (Value::Float(x), Value::Int(y)) if y.unsigned_abs() < (1 << 53) => {
            float_cmp(op, *x, *y as f64)
        }
        _ => fast_compare_other(op, a, b),
    }
}

/// `is`/`is not` on any values, and `==`/`!=` between exact strs (or a str
/// and None): decided without calling out, so no `__eq__` can be skipped.
#[inline(never)]
fn fast_compare_other(op: CmpOp, a: &Value, b: &Value) -> Option<bool> {
    fn exact_str(v: &Value) -> bool {
        match v {
            Value::Obj(o) => o.kind() == crate::object::kind::Kind::Str && !o.owns_cls(),
            _ => false,
        }
    }
    match op {
        CmpOp::Is => Some(a.is(b)),
        CmpOp::IsNot => Some(!a.is(b)),
        CmpOp::Eq | CmpOp::Ne => {
            let eq = match (a, b) {
                (Value::Obj(_), Value::Obj(_)) if exact_str(a) && exact_str(b) => {
                    crate::object::dict::fast_key_eq(a, b)?
                }
                (Value::Obj(_), Value::None) if exact_str(a) => false,
                (Value::None, Value::Obj(_)) if exact_str(b) => false,
                _ => return None,
            };
            Some(eq == (op == CmpOp::Eq))
        }
        _ => None,
    }
}

/// Arithmetic on two inline numbers without calling out (None: slow path).
#[inline(always)]
pub(crate) fn fast_binary(op: BinOp, a: &Value, b: &Value) -> Option<Value> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => {
            let (x, y) = (*x, *y);
            match op {
                BinOp::Add => x.checked_add(y).map(Value::Int),
                BinOp::Sub => x.checked_sub(y).map(Value::Int),
                BinOp::Mul => x.checked_mul(y).map(Value::Int),
                BinOp::Mod if y > 0 && x >= 0 => Some(Value::Int(x % y)),
                BinOp::FloorDiv if y > 0 && x >= 0 => Some(Value::Int(x / y)),
                BinOp::TrueDiv
                    if y != 0 && x.unsigned_abs() < (1 << 53) && y.unsigned_abs() < (1 << 53) =>
                {
                    Some(Value::Float(x as f64 / y as f64))
                }
                BinOp::And => Some(Value::Int(x & y)),
                BinOp::Or => Some(Value::Int(x | y)),
                BinOp::Xor => Some(Value::Int(x ^ y)),
                BinOp::RShift if (0..64).contains(&y) => Some(Value::Int(x >> y)),
                _ => None,
            }
        }
        (Value::Float(x), Value::Float(y)) => float_op(op, *x, *y),
        (Value::Int(x), Value::Float(y)) if x.unsigned_abs() < (1 << 53) => {
            float_op(op, *x as f64, *y)
        }
        (Value::Float(x), Value::Int(y)) if y.unsigned_abs() < (1 << 53) => {
            float_op(op, *x, *y as f64)
        }
        _ => None,
    }
}

#[inline(always)]
fn float_op(op: BinOp, x: f64, y: f64) -> Option<Value> {
    match op {
        BinOp::Add => Some(Value::Float(x + y)),
        BinOp::Sub => Some(Value::Float(x - y)),
        BinOp::Mul => Some(Value::Float(x * y)),
        BinOp::TrueDiv if y != 0.0 => Some(Value::Float(x / y)),
        _ => None,
    }
}

impl Vm {
    /// Runs the frame stack until the frame at index `entry` returns.
    pub(crate) fn run(&mut self, entry: usize) -> PyResult<Value> {
        let trap: *const crate::vm::trap::Trap = &*self.trap;
        'frame: loop {
            let fi = self.frames.len() - 1;
            let (code_ptr, base, mut pc) = {
                let f = &self.frames[fi];
                (f.code_ptr, f.base, f.pc)
            };
            // SAFETY: the frame keeps its code alive until it is popped, and
            // we leave this block (continue 'frame) whenever frames change.
            let code: &Code = unsafe { &*code_ptr };
            let instrs = code.instrs.as_ptr();
            let consts = code.consts.as_ptr();
            // SAFETY: the register stack never moves; the window was reserved
            // when the frame was pushed.
            let regs: *mut Value = unsafe { self.stack.base_ptr().add(base) };

            macro_rules! r {
                ($i:expr) => {
                    unsafe { &*regs.add($i as usize) }
                };
            }
            macro_rules! set {
                ($i:expr, $v:expr) => {{
                    let v = $v;
                    unsafe { *regs.add($i as usize) = v };
                }};
            }
            macro_rules! take {
                ($i:expr) => {
                    unsafe { std::mem::take(&mut *regs.add($i as usize)) }
                };
            }
            macro_rules! konst {
                ($k:expr) => {
                    unsafe { &*consts.add($k as usize) }
                };
            }
            macro_rules! jump {
                ($l:expr) => {
                    pc = unsafe { *code.labels.get_unchecked($l as usize) } as usize
                };
            }

            let err: PyErr = 'dispatch: loop {
                macro_rules! tri {
                    ($e:expr) => {
                        match $e {
                            Ok(v) => v,
                            Err(e) => break 'dispatch e,
                        }
                    };
                }
                macro_rules! sync {
                    () => {
                        self.frames[fi].pc = pc
                    };
                }
                // SAFETY: trap points at this Vm's trap, alive as long as self.
                let bits = unsafe { (*trap).get() };
                if bits != 0 {
                    // While the trap runs, the instruction about to execute
                    // is the frame's current one (f_lineno, tracebacks).
                    self.frames[fi].pc = pc + 1;
                    // TRAP_SYNC alone only asks for that store (tracemalloc);
                    // a native line hook's trap needs the handler only where
                    // a line event may fire (`hooks::line_quiet`).
                    if bits != crate::vm::trap::TRAP_SYNC
                        && !(bits & !crate::vm::trap::TRAP_SYNC == crate::vm::trap::TRAP_LINE
                            && self.line_quiet(fi, code, pc))
                    {
                        tri!(self.handle_trap(pc));
                        pc = self.frames[fi].pc - 1;
                    }
                }
                // SAFETY: every code object ends in a return or jump, so pc
                // stays within instrs (checked by Code::validate).
                let ins = unsafe { *instrs.add(pc) };
                pc += 1;
                match ins {
                    Instr::Nop => {}
                    Instr::ClearTemps { base: b, n } => {
                        for i in b..b + n {
                            if let Value::Obj(_) = r!(i) {
                                let old = take!(i);
                                drop(old);
                            } else {
                                set!(i, Value::Undef);
                            }
                        }
                    }
                    Instr::Move { dst, src } => set!(dst, r!(src).clone()),
                    Instr::MoveOut { dst, src } => {
                        let v = take!(src);
                        set!(dst, v)
                    }
                    Instr::LoadConst { dst, k } => set!(dst, konst!(k).clone()),
                    Instr::LoadInt { dst, value } => set!(dst, Value::Int(value as i64)),
                    Instr::LoadNone { dst } => set!(dst, Value::None),
                    Instr::LoadBool { dst, value } => set!(dst, Value::Bool(value)),
                    Instr::CheckBound { reg } => {
                        if r!(reg).is_undef() {
                            sync!();
                            break 'dispatch self.unbound_local(code, reg);
                        }
                    }
                    Instr::DeleteLocal { reg } => {
                        if r!(reg).is_undef() {
                            sync!();
                            break 'dispatch self.unbound_local(code, reg);
                        }
                        set!(reg, Value::Undef)
                    }
                    Instr::LoadDeref { dst, cell } => {
                        let v = tri!(self.load_deref(code, r!(cell), cell));
                        set!(dst, v)
                    }
                    Instr::StoreDeref { cell, src } => {
                        let v = r!(src).clone();
                        self.store_deref(r!(cell), v);
                    }
                    Instr::DeleteDeref { cell } => tri!(self.delete_deref(code, r!(cell), cell)),
                    Instr::LoadClassDeref { dst, cell, name } => {
                        sync!();
                        let v = tri!(self.load_class_deref(fi, code, r!(cell), cell, name));
                        set!(dst, v)
                    }
                    Instr::LoadGlobal { dst, site } => {
                        let v = tri!(self.load_global(fi, code, site));
                        set!(dst, v)
                    }
                    Instr::StoreGlobal { src, name } => {
                        let v = r!(src).clone();
                        self.store_global(fi, code, name, v);
                    }
                    Instr::DeleteGlobal { name } => tri!(self.delete_global(fi, code, name)),
                    Instr::LoadName { dst, name } => {
                        let v = tri!(self.load_name(fi, code, name));
                        set!(dst, v)
                    }
                    Instr::StoreName { src, name } => {
                        let v = r!(src).clone();
                        sync!();
                        tri!(self.store_name(fi, code, name, v));
                    }
                    Instr::DeleteName { name } => {
                        sync!();
                        tri!(self.delete_name(fi, code, name))
                    }
                    Instr::LoadAttr { dst, obj, site } => {
                        sync!();
                        let v = tri!(self.load_attr_site(code, site, r!(obj)));
                        set!(dst, v)
                    }
                    Instr::StoreAttr { obj, src, site } => {
                        sync!();
                        let v = r!(src).clone();
                        let o = r!(obj).clone();
                        tri!(self.store_attr_site(code, site, &o, v));
                    }
                    Instr::DeleteAttr { obj, name } => {
                        sync!();
                        let o = r!(obj).clone();
                        let n = code.names[name as usize].clone();
                        tri!(self.del_attr(&o, &n));
                    }
                    Instr::LoadMethod { dst, obj, site } => {
                        sync!();
                        let o = r!(obj).clone();
                        let (m, s) = tri!(self.load_method_site(code, site, o));
                        set!(dst, m);
                        set!(dst + 1, s);
                    }
                    Instr::GetItem { dst, obj, key } => {
                        let fast = match (r!(obj), r!(key)) {
                            (Value::Obj(o), Value::Int(i)) if !o.owns_cls() => {
                                if let Some(l) = o.downcast::<List>() {
                                    let items = l.items.borrow();
                                    let n = items.len() as i64;
                                    let j = if *i < 0 { *i + n } else { *i };
                                    if j >= 0 && j < n {
                                        Some(items[j as usize].clone())
                                    } else {
                                        None
                                    }
                                } else if let Some(t) = o.downcast::<Tuple>() {
                                    let items = t.as_slice();
                                    let n = items.len() as i64;
                                    let j = if *i < 0 { *i + n } else { *i };
                                    if j >= 0 && j < n {
                                        Some(items[j as usize].clone())
                                    } else {
                                        None
                                    }
                                } else {
                                    None
                                }
                            }
                            _ => None,
                        };
                        let v = match fast {
                            Some(v) => v,
                            None => {
                                sync!();
                                let o = r!(obj).clone();
                                let k = r!(key).clone();
                                tri!(self.get_item(&o, &k))
                            }
                        };
                        set!(dst, v)
                    }
                    Instr::SetItem { obj, key, src } => {
                        let done = match (r!(obj), r!(key)) {
                            (Value::Obj(o), Value::Int(i)) if !o.owns_cls() => {
                                match o.downcast::<List>() {
                                    Some(l) => {
                                        let mut items = l.items.borrow_mut();
                                        let n = items.len() as i64;
                                        let j = if *i < 0 { *i + n } else { *i };
                                        if j >= 0 && j < n {
                                            let old = std::mem::replace(
                                                &mut items[j as usize],
                                                r!(src).clone(),
                                            );
                                            drop(items);
                                            drop(old);
                                            true
                                        } else {
                                            false
                                        }
                                    }
                                    None => false,
                                }
                            }
                            _ => false,
                        };
                        if !done {
                            sync!();
                            let o = r!(obj).clone();
                            let k = r!(key).clone();
                            let v = r!(src).clone();
                            tri!(self.set_item(&o, k, v));
                        }
                    }
                    Instr::DelItem { obj, key } => {
                        sync!();
                        let o = r!(obj).clone();
                        let k = r!(key).clone();
                        tri!(self.del_item(&o, &k));
                    }
                    Instr::BuildSlice { dst, base, n } => {
                        let start = r!(base).clone();
                        let stop = r!(base + 1).clone();
                        let step = if n == 3 {
                            r!(base + 2).clone()
                        } else {
                            Value::None
                        };
                        let s = self.new_slice(start, stop, step);
                        set!(dst, Value::Obj(s))
                    }
                    Instr::Binary { op, dst, a, b } => {
                        let v = match fast_binary(op, r!(a), r!(b)) {
                            Some(v) => v,
                            None => {
                                sync!();
                                let (x, y) = (r!(a).clone(), r!(b).clone());
                                tri!(self.binary_op(op, &x, &y))
                            }
                        };
                        set!(dst, v)
                    }
                    Instr::BinaryK { op, dst, a, k } => {
                        let v = match fast_binary(op, r!(a), konst!(k)) {
                            Some(v) => v,
                            None => {
                                sync!();
                                let x = r!(a).clone();
                                tri!(self.binary_op(op, &x, konst!(k)))
                            }
                        };
                        set!(dst, v)
                    }
                    Instr::Inplace { op, dst, a, b } => {
                        let v = match fast_binary(op, r!(a), r!(b)) {
                            Some(v) => v,
                            None => {
                                sync!();
                                let (x, y) = (r!(a).clone(), r!(b).clone());
                                tri!(self.inplace_op(op, x, &y))
                            }
                        };
                        set!(dst, v)
                    }
                    Instr::Unary { op, dst, src } => {
                        let v = match (op, r!(src)) {
                            (UnaryOp::Neg, Value::Int(i)) if *i != i64::MIN => Value::Int(-i),
                            (UnaryOp::Neg, Value::Float(f)) => Value::Float(-f),
                            (UnaryOp::Not, Value::Bool(b)) => Value::Bool(!b),
                            _ => {
                                sync!();
                                let x = r!(src).clone();
                                tri!(self.unary_op(op, &x))
                            }
                        };
                        set!(dst, v)
                    }
                    Instr::Compare { op, dst, a, b } => {
                        let v = match fast_compare(op, r!(a), r!(b)) {
                            Some(t) => Value::Bool(t),
                            None => {
                                sync!();
                                let (x, y) = (r!(a).clone(), r!(b).clone());
                                tri!(self.compare_op(op, &x, &y))
                            }
                        };
                        set!(dst, v)
                    }
                    Instr::CompareJump { op, a, b, label } => {
                        let t = match fast_compare(op, r!(a), r!(b)) {
                            Some(t) => t,
                            None => {
                                sync!();
                                let (x, y) = (r!(a).clone(), r!(b).clone());
                                tri!(self.compare_bool(op, &x, &y))
                            }
                        };
                        if !t {
                            jump!(label);
                        }
                    }
                    Instr::CompareKJump { op, a, k, label } => {
                        let t = match fast_compare(op, r!(a), konst!(k)) {
                            Some(t) => t,
                            None => {
                                sync!();
                                let x = r!(a).clone();
                                tri!(self.compare_bool(op, &x, konst!(k)))
                            }
                        };
                        if !t {
                            jump!(label);
                        }
                    }
                    Instr::Jump { label } => jump!(label),
                    Instr::JumpIfTrue { cond, label } => {
                        let t = match r!(cond) {
                            Value::Bool(b) => *b,
                            Value::None => false,
                            Value::Int(i) => *i != 0,
                            v => {
                                sync!();
                                let v = v.clone();
                                tri!(self.truthy(&v))
                            }
                        };
                        if t {
                            jump!(label);
                        }
                    }
                    Instr::JumpIfFalse { cond, label } => {
                        let t = match r!(cond) {
                            Value::Bool(b) => *b,
                            Value::None => false,
                            Value::Int(i) => *i != 0,
                            v => {
                                sync!();
                                let v = v.clone();
                                tri!(self.truthy(&v))
                            }
                        };
                        if !t {
                            jump!(label);
                        }
                    }
                    Instr::GetIter { dst, src } => {
                        sync!();
                        let v = r!(src).clone();
                        let it = tri!(self.get_iter(&v));
                        set!(dst, it)
                    }
                    Instr::ForIter { iter, dst, exit } => {
                        if let Value::Obj(o) = r!(iter) {
                            match crate::vm::iter::fast_next(o) {
                                Some(Some(v)) => {
                                    set!(dst, v);
                                    continue;
                                }
                                Some(None) => {
                                    set!(iter, Value::Undef);
                                    jump!(exit);
                                    continue;
                                }
                                None => {}
                            }
                        }
                        sync!();
                        match tri!(self.for_iter(fi, base, iter, dst, exit)) {
                            crate::vm::iter::ForStep::Item(v) => set!(dst, v),
                            crate::vm::iter::ForStep::Done => {
                                set!(iter, Value::Undef);
                                jump!(exit);
                            }
                            crate::vm::iter::ForStep::Resumed => continue 'frame,
                        }
                    }
                    Instr::Call { base: b, argc } => {
                        sync!();
                        // Fast path: a plain Python function called with exactly
                        // its positional parameters, no hooks: push its frame
                        // right here (the general path is `call_instr`).
                        if let Value::Obj(callee) = r!(b) {
                            if self.try_fast_call(
                                callee,
                                base + b as usize + 1,
                                argc as usize,
                                base + b as usize,
                            ) {
                                continue 'frame;
                            }
                        }
                        match tri!(self.call_instr(
                            fi,
                            base + b as usize,
                            argc as usize,
                            None,
                            false
                        )) {
                            CallOutcome::Done | CallOutcome::Immediate(_) => {}
                            CallOutcome::Pushed => continue 'frame,
                        }
                    }
                    Instr::CallKw {
                        base: b,
                        argc,
                        kwnames,
                    } => {
                        sync!();
                        let names = konst!(kwnames).clone();
                        match tri!(self.call_instr(
                            fi,
                            base + b as usize,
                            argc as usize,
                            Some(&names),
                            false
                        )) {
                            CallOutcome::Done | CallOutcome::Immediate(_) => {}
                            CallOutcome::Pushed => continue 'frame,
                        }
                    }
                    Instr::CallMethod { base: b, argc } => {
                        sync!();
                        if let Value::Obj(callee) = r!(b) {
                            let abs = base + b as usize;
                            let (first, n) = if r!(b + 1).is_undef() {
                                (abs + 2, argc as usize)
                            } else {
                                (abs + 1, argc as usize + 1)
                            };
                            if self.try_fast_call(callee, first, n, abs) {
                                continue 'frame;
                            }
                        }
                        match tri!(self.call_instr(
                            fi,
                            base + b as usize,
                            argc as usize,
                            None,
                            true
                        )) {
                            CallOutcome::Done | CallOutcome::Immediate(_) => {}
                            CallOutcome::Pushed => continue 'frame,
                        }
                    }
                    Instr::CallMethodKw {
                        base: b,
                        argc,
                        kwnames,
                    } => {
                        sync!();
                        let names = konst!(kwnames).clone();
                        match tri!(self.call_instr(
                            fi,
                            base + b as usize,
                            argc as usize,
                            Some(&names),
                            true
                        )) {
                            CallOutcome::Done | CallOutcome::Immediate(_) => {}
                            CallOutcome::Pushed => continue 'frame,
                        }
                    }
                    Instr::CallEx { base: b } => {
                        sync!();
                        match tri!(self.call_ex_instr(fi, base + b as usize)) {
                            CallOutcome::Done | CallOutcome::Immediate(_) => {}
                            CallOutcome::Pushed => continue 'frame,
                        }
                    }
                    Instr::Return { src } => {
                        sync!();
                        let v = take!(src);
                        let v = match self.try_fast_return(v, entry) {
                            Ok(()) => continue 'frame,
                            Err(v) => v,
                        };
                        match tri!(self.return_from_frame(v, entry)) {
                            Next::Continue => continue 'frame,
                            Next::Return(v) => return Ok(v),
                        }
                    }
                    Instr::ReturnNone => {
                        sync!();
                        if self.try_fast_return(Value::None, entry).is_ok() {
                            continue 'frame;
                        }
                        match tri!(self.return_from_frame(Value::None, entry)) {
                            Next::Continue => continue 'frame,
                            Next::Return(v) => return Ok(v),
                        }
                    }
                    Instr::BuildTuple { dst, base: b, n } => {
                        let items: Vec<Value> = (b..b + n).map(|i| take!(i)).collect();
                        let t = self.new_tuple(items);
                        set!(dst, Value::Obj(t))
                    }
                    Instr::BuildList { dst, base: b, n } => {
                        let items: Vec<Value> = (b..b + n).map(|i| take!(i)).collect();
                        let l = self.new_list(items);
                        set!(dst, Value::Obj(l))
                    }
                    Instr::BuildSet { dst, base: b, n } => {
                        sync!();
                        let items: Vec<Value> = (b..b + n).map(|i| take!(i)).collect();
                        let s = tri!(self.new_set_from(items, false));
                        set!(dst, Value::Obj(s))
                    }
                    Instr::BuildMap { dst, base: b, n } => {
                        sync!();
                        let d = self.new_dict();
                        for i in 0..n {
                            let k = take!(b + 2 * i);
                            let v = take!(b + 2 * i + 1);
                            tri!(self.dict_set(&d, k, v));
                        }
                        set!(dst, Value::Obj(d))
                    }
                    Instr::BuildString { dst, base: b, n } => {
                        let mut s = String::new();
                        for i in b..b + n {
                            if let Value::Obj(o) = r!(i) {
                                if let Some(t) = crate::object::str::str_of(o) {
                                    s.push_str(t);
                                }
                            }
                        }
                        for i in b..b + n {
                            set!(i, Value::Undef);
                        }
                        let o = self.new_string(s);
                        set!(dst, Value::Obj(o))
                    }
                    Instr::ListAppend { list, src } => {
                        let v = r!(src).clone();
                        if let Value::Obj(l) = r!(list) {
                            if let Some(li) = l.downcast::<List>() {
                                li.items.borrow_mut().push(v);
                                crate::gc::alloc_trace::note_resize(l.as_ptr());
                            }
                        }
                    }
                    Instr::ListExtend { list, src } => {
                        sync!();
                        let l = r!(list).clone();
                        let v = r!(src).clone();
                        tri!(self.list_extend(&l, &v));
                    }
                    Instr::SetAdd { set, src } => {
                        sync!();
                        let s = r!(set).clone();
                        let v = r!(src).clone();
                        tri!(self.set_add(&s, v));
                    }
                    Instr::SetUpdate { set, src } => {
                        sync!();
                        let s = r!(set).clone();
                        let v = r!(src).clone();
                        tri!(self.set_update(&s, &v));
                    }
                    Instr::MapAdd { map, key, value } => {
                        sync!();
                        let d = r!(map).clone();
                        let k = take!(key);
                        let v = r!(value).clone();
                        if let Value::Obj(d) = d {
                            tri!(self.dict_set(&d, k, v));
                        }
                    }
                    Instr::DictUpdate { dict, src } => {
                        sync!();
                        let d = r!(dict).clone();
                        let s = r!(src).clone();
                        tri!(self.dict_update_from(&d, &s, None));
                    }
                    Instr::DictMerge { dict, src, func } => {
                        sync!();
                        let d = r!(dict).clone();
                        let s = r!(src).clone();
                        let f = r!(func).clone();
                        tri!(self.dict_update_from(&d, &s, Some(&f)));
                    }
                    Instr::ListToTuple { dst, src } => {
                        let l = take!(src);
                        let items = match &l {
                            Value::Obj(o) => o
                                .downcast::<List>()
                                .map(|l| std::mem::take(&mut *l.items.borrow_mut()))
                                .unwrap_or_default(),
                            _ => Vec::new(),
                        };
                        let t = self.new_tuple(items);
                        set!(dst, Value::Obj(t))
                    }
                    Instr::FormatValue { dst, src, conv } => {
                        sync!();
                        let v = r!(src).clone();
                        let spec = if conv & FORMAT_HAS_SPEC != 0 {
                            Some(r!(src + 1).clone())
                        } else {
                            None
                        };
                        let s = tri!(self.format_value(v, conv & 3, spec));
                        set!(dst, Value::Obj(s))
                    }
                    Instr::UnpackSeq { src, base: b, n } => {
                        sync!();
                        let v = r!(src).clone();
                        let items = tri!(self.unpack(&v, n as usize));
                        for (i, it) in items.into_iter().enumerate() {
                            set!(b as usize + i, it);
                        }
                    }
                    Instr::UnpackEx {
                        src,
                        base: b,
                        before,
                        after,
                    } => {
                        sync!();
                        let v = r!(src).clone();
                        let items = tri!(self.unpack_ex(&v, before as usize, after as usize));
                        for (i, it) in items.into_iter().enumerate() {
                            set!(b as usize + i, it);
                        }
                    }
                    Instr::MakeFunction { dst, k, base: b } => {
                        sync!();
                        let f = tri!(self.make_function_instr(
                            fi,
                            konst!(k),
                            take!(b),
                            take!(b + 1),
                            take!(b + 2),
                            take!(b + 3)
                        ));
                        set!(dst, Value::Obj(f))
                    }
                    Instr::Raise { kind, exc, cause } => {
                        sync!();
                        if kind == RaiseKind::Reraise {
                            // A bare `raise` keeps the traceback as it is.
                            if let Some(Value::Obj(o)) = self.exc_stack.last().cloned() {
                                match self.unwind_reraise(PyErr { exc: o }, entry) {
                                    Ok(()) => continue 'frame,
                                    Err(e) => return Err(e),
                                }
                            }
                        }
                        let e = if kind == RaiseKind::Reraise {
                            Value::None
                        } else {
                            r!(exc).clone()
                        };
                        let c = if kind == RaiseKind::RaiseFrom {
                            Some(r!(cause).clone())
                        } else {
                            None
                        };
                        break 'dispatch self.raise_instr(kind, e, c);
                    }
                    Instr::Reraise { exc } => {
                        sync!();
                        let e = r!(exc).clone();
                        let err = self.reraise_value(e);
                        match self.unwind_reraise(err, entry) {
                            Ok(()) => continue 'frame,
                            Err(e) => return Err(e),
                        }
                    }
                    Instr::PushExc { src } => {
                        let v = r!(src).clone();
                        self.exc_stack.push(v);
                    }
                    Instr::PopExc => {
                        let old = self.exc_stack.pop();
                        drop(old);
                    }
                    Instr::ExcMatch { dst, exc, typ } => {
                        sync!();
                        let e = r!(exc).clone();
                        let t = r!(typ).clone();
                        let m = tri!(self.exc_match(&e, &t));
                        set!(dst, Value::Bool(m))
                    }
                    Instr::RaiseAssert { msg, no_msg } => {
                        sync!();
                        let args = if no_msg {
                            vec![]
                        } else {
                            vec![r!(msg).clone()]
                        };
                        let c = self.types.exc.assertion_error.clone();
                        let e = self.new_exception(&c, args);
                        break 'dispatch PyErr { exc: e };
                    }
                    Instr::WithEnter { dst, ctx } => {
                        sync!();
                        let c = r!(ctx).clone();
                        let (exit, entered) = tri!(self.with_enter(&c));
                        set!(dst, exit);
                        set!(dst + 1, entered);
                    }
                    Instr::WithExcExit { dst, exit, exc } => {
                        sync!();
                        let x = r!(exit).clone();
                        let e = r!(exc).clone();
                        let t = tri!(self.with_exc_exit(&x, &e));
                        set!(dst, Value::Bool(t))
                    }
                    Instr::Yield { dst: _, src } => {
                        sync!();
                        // The source may be a local that lives on.
                        let v = r!(src).clone();
                        match tri!(self.yield_value(v, entry)) {
                            Next::Continue => continue 'frame,
                            Next::Return(v) => return Ok(v),
                        }
                    }
                    Instr::YieldFrom { dst, iter } => {
                        sync!();
                        let it = r!(iter).clone();
                        match tri!(self.yield_from(&it)) {
                            crate::vm::generator::Delegate::Yielded(v) => {
                                // Re-run this instruction when resumed.
                                self.frames[fi].pc = pc - 1;
                                match tri!(self.yield_value(v, entry)) {
                                    Next::Continue => continue 'frame,
                                    Next::Return(v) => return Ok(v),
                                }
                            }
                            crate::vm::generator::Delegate::Returned(v) => {
                                set!(iter, Value::None);
                                set!(dst, v)
                            }
                        }
                    }
                    Instr::ImportName { dst, name, k } => {
                        sync!();
                        let v = tri!(self.import_name_instr(fi, code, name, konst!(k)));
                        set!(dst, v)
                    }
                    Instr::ImportFrom { dst, module, name } => {
                        sync!();
                        let m = r!(module).clone();
                        let v = tri!(self.import_from(&m, &code.names[name as usize]));
                        set!(dst, v)
                    }
                    Instr::ImportStar { module } => {
                        sync!();
                        let m = r!(module).clone();
                        tri!(self.import_star(fi, &m));
                    }
                    Instr::LoadBuildClass { dst } => {
                        let b = self.build_class_fn();
                        set!(dst, b)
                    }
                    Instr::MakeCell { reg } => {
                        let v = take!(reg);
                        let c = self.new_cell(v);
                        set!(reg, Value::Obj(c))
                    }
                }
            };
            // An exception was raised by the instruction before `pc`.
            self.frames[fi].pc = pc;
            match self.unwind(err, entry) {
                Ok(()) => continue 'frame,
                Err(e) => return Err(e),
            }
        }
    }
}
