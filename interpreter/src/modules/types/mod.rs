//! Methods of the builtin types, one file per type, installed into each
//! type's namespace at start-up as method descriptors. Binary-operator
//! dunders (`int.__add__`, `list.__mul__`, ...) are generated here for every
//! operator so subclasses and explicit calls reach the native operations.

pub mod bytes;
pub mod bytes_methods;
pub mod code;
pub mod descriptors;
pub mod dict;
pub mod exceptions;
pub mod float;
pub mod int;
pub mod list;
pub mod object;
pub mod range;
pub mod range_big;
pub mod set;
pub mod str;
pub mod tuple;
pub mod views;

use crate::compile::opcode::{BinOp, CmpOp};
use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

pub fn install(vm: &mut Vm) {
    object::install(vm);
    int::install(vm);
    float::install(vm);
    str::install(vm);
    bytes::install(vm);
    list::install(vm);
    tuple::install(vm);
    dict::install(vm);
    set::install(vm);
    range::install(vm);
    exceptions::install(vm);
    descriptors::install(vm);
    views::install(vm);
    code::install(vm);
    let mt = vm.types.method.clone();
    vm.add_staticmethod(&mt, "__new__", object::method_new);
    let modt = vm.types.module.clone();
    vm.add_staticmethod(&modt, "__new__", object::module_new);
    for t in [
        vm.types.bytes.clone(),
        vm.types.range.clone(),
        vm.types.slice.clone(),
        vm.types.none_type.clone(),
    ] {
        vm.add_method(&t, "__repr__", object::native_repr);
    }
    let numeric = [
        vm.types.int.clone(),
        vm.types.float.clone(),
        vm.types.bool.clone(),
    ];
    for t in &numeric {
        add_binops(vm, t, &BinOp::ALL);
    }
    let seq_ops = [BinOp::Add, BinOp::Mul];
    for t in [
        vm.types.str.clone(),
        vm.types.list.clone(),
        vm.types.tuple.clone(),
        vm.types.bytes.clone(),
    ] {
        add_binops(vm, &t, &seq_ops);
    }
    let str_t = vm.types.str.clone();
    add_binops(vm, &str_t, &[BinOp::Mod]);
    let set_ops = [BinOp::Or, BinOp::And, BinOp::Sub, BinOp::Xor];
    for t in [vm.types.set.clone(), vm.types.frozenset.clone()] {
        add_binops(vm, &t, &set_ops);
    }
    let dict_t = vm.types.dict.clone();
    add_binops(vm, &dict_t, &[BinOp::Or]);
    for t in [
        vm.types.object.clone(),
        vm.types.int.clone(),
        vm.types.float.clone(),
        vm.types.str.clone(),
        vm.types.list.clone(),
        vm.types.tuple.clone(),
        vm.types.dict.clone(),
        vm.types.set.clone(),
        vm.types.frozenset.clone(),
        vm.types.bytes.clone(),
    ] {
        add_cmpops(vm, &t);
    }
}

macro_rules! binop_fns {
    ($($op:ident => $fwd:ident, $rev:ident;)*) => {
        fn binop_fn(op: BinOp, reflected: bool) -> crate::object::function::NativeFn {
            match (op, reflected) {
                $((BinOp::$op, false) => $fwd, (BinOp::$op, true) => $rev,)*
            }
        }
        $(
            fn $fwd(vm: &mut Vm, args: Args) -> PyResult<Value> {
                native_dunder(vm, args, BinOp::$op, false)
            }
            fn $rev(vm: &mut Vm, args: Args) -> PyResult<Value> {
                native_dunder(vm, args, BinOp::$op, true)
            }
        )*
    };
}

binop_fns! {
    Add => add_f, add_r;
    Sub => sub_f, sub_r;
    Mul => mul_f, mul_r;
    TrueDiv => truediv_f, truediv_r;
    FloorDiv => floordiv_f, floordiv_r;
    Mod => mod_f, mod_r;
    Pow => pow_f, pow_r;
    LShift => lshift_f, lshift_r;
    RShift => rshift_f, rshift_r;
    And => and_f, and_r;
    Or => or_f, or_r;
    Xor => xor_f, xor_r;
    MatMul => matmul_f, matmul_r;
}

fn native_dunder(vm: &mut Vm, args: Args, op: BinOp, reflected: bool) -> PyResult<Value> {
    let (name, _, _) = op.dunders();
    args.check(vm, name, 2, 2)?;
    let (a, b) = if reflected {
        (&args.pos[1], &args.pos[0])
    } else {
        (&args.pos[0], &args.pos[1])
    };
    match vm.native_binop(op, a, b)? {
        Some(v) => Ok(v),
        None => Ok(Value::Obj(vm.not_implemented.clone())),
    }
}

fn add_binops(vm: &mut Vm, t: &ObjRef, ops: &[BinOp]) {
    for &op in ops {
        let (f, r, _) = op.dunders();
        vm.add_method(t, f, binop_fn(op, false));
        vm.add_method(t, r, binop_fn(op, true));
    }
}

macro_rules! cmp_fns {
    ($($op:ident => $f:ident;)*) => {
        fn cmp_fn(op: CmpOp) -> crate::object::function::NativeFn {
            match op {
                $(CmpOp::$op => $f,)*
                _ => eq_f,
            }
        }
        $(
            fn $f(vm: &mut Vm, args: Args) -> PyResult<Value> {
                args.check(vm, CmpOp::$op.dunder(), 2, 2)?;
                match vm.native_compare(CmpOp::$op, &args.pos[0], &args.pos[1])? {
                    Some(t) => Ok(Value::Bool(t)),
                    None => {
                        if CmpOp::$op == CmpOp::Eq && args.pos[0].is(&args.pos[1]) {
                            return Ok(Value::Bool(true));
                        }
                        Ok(Value::Obj(vm.not_implemented.clone()))
                    }
                }
            }
        )*
    };
}

cmp_fns! {
    Lt => lt_f;
    Le => le_f;
    Eq => eq_f;
    Ne => ne_f;
    Gt => gt_f;
    Ge => ge_f;
}

fn add_cmpops(vm: &mut Vm, t: &ObjRef) {
    for op in [
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Gt,
        CmpOp::Ge,
    ] {
        vm.add_method(t, op.dunder(), cmp_fn(op));
    }
}

/// The receiver of a method call as a Rust string (the method is a str method).
pub fn self_str(args: &Args) -> &str {
    match &args.pos[0] {
        Value::Obj(o) => crate::object::str::str_of(o).unwrap_or(""),
        _ => "",
    }
}

/// The receiver object.
pub fn self_obj(args: &Args) -> ObjRef {
    args.pos[0].as_obj().cloned().expect("method receiver")
}
