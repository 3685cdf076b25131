//! The instruction set of mini's register VM. Each instruction is 8 bytes.
//! Operands named `dst`, `src`, `a`, `b`, `obj`, `base`... are register
//! numbers in the current frame's window (locals first, then temporaries);
//! `k` indexes the code's constants, `name` its names, `site` its inline-cache
//! sites (each site records its name), `label` its label table (jump targets).
//!
//! Conventions: a call's callee sits at `base` and its arguments at
//! `base+1..`; the result replaces the callee at `base`. Calls consume
//! (move out) their argument registers. `LoadMethod` fills `dst` with the
//! callable and `dst+1` with `self` (or `Undef` when the attribute was not a
//! method), which `CallMethod` understands.

/// Bit of `FormatValue::conv` saying a format spec follows in `src+1`.
pub const FORMAT_HAS_SPEC: u8 = 4;

/// Binary operators (also used for in-place forms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    TrueDiv,
    FloorDiv,
    Mod,
    Pow,
    LShift,
    RShift,
    And,
    Or,
    Xor,
    MatMul,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::TrueDiv => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::LShift => "<<",
            BinOp::RShift => ">>",
            BinOp::And => "&",
            BinOp::Or => "|",
            BinOp::Xor => "^",
            BinOp::MatMul => "@",
        }
    }

    /// `__add__`, `__radd__`, `__iadd__` names.
    pub fn dunders(self) -> (&'static str, &'static str, &'static str) {
        match self {
            BinOp::Add => ("__add__", "__radd__", "__iadd__"),
            BinOp::Sub => ("__sub__", "__rsub__", "__isub__"),
            BinOp::Mul => ("__mul__", "__rmul__", "__imul__"),
            BinOp::TrueDiv => ("__truediv__", "__rtruediv__", "__itruediv__"),
            BinOp::FloorDiv => ("__floordiv__", "__rfloordiv__", "__ifloordiv__"),
            BinOp::Mod => ("__mod__", "__rmod__", "__imod__"),
            BinOp::Pow => ("__pow__", "__rpow__", "__ipow__"),
            BinOp::LShift => ("__lshift__", "__rlshift__", "__ilshift__"),
            BinOp::RShift => ("__rshift__", "__rrshift__", "__irshift__"),
            BinOp::And => ("__and__", "__rand__", "__iand__"),
            BinOp::Or => ("__or__", "__ror__", "__ior__"),
            BinOp::Xor => ("__xor__", "__rxor__", "__ixor__"),
            BinOp::MatMul => ("__matmul__", "__rmatmul__", "__imatmul__"),
        }
    }

    pub const ALL: [BinOp; 13] = [
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::TrueDiv,
        BinOp::FloorDiv,
        BinOp::Mod,
        BinOp::Pow,
        BinOp::LShift,
        BinOp::RShift,
        BinOp::And,
        BinOp::Or,
        BinOp::Xor,
        BinOp::MatMul,
    ];
}

/// Comparison operators, including identity and membership.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum CmpOp {
    Lt,
    Le,
    Eq,
    Ne,
    Gt,
    Ge,
    Is,
    IsNot,
    In,
    NotIn,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Is => "is",
            CmpOp::IsNot => "is not",
            CmpOp::In => "in",
            CmpOp::NotIn => "not in",
        }
    }
    /// The operator with operands swapped (`a < b` == `b > a`).
    pub fn swapped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }
    pub fn dunder(self) -> &'static str {
        match self {
            CmpOp::Lt => "__lt__",
            CmpOp::Le => "__le__",
            CmpOp::Eq => "__eq__",
            CmpOp::Ne => "__ne__",
            CmpOp::Gt => "__gt__",
            CmpOp::Ge => "__ge__",
            _ => "",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum UnaryOp {
    Neg,
    Pos,
    Invert,
    Not,
}

/// What `Raise` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RaiseKind {
    /// Bare `raise`: re-raise the exception being handled.
    Reraise,
    /// `raise exc`.
    Raise,
    /// `raise exc from cause`.
    RaiseFrom,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Instr {
    Nop,
    /// Unbinds registers base..base+n (dead temporaries of a finished
    /// statement in module or class code, so they do not keep objects alive).
    ClearTemps {
        base: u16,
        n: u16,
    },
    /// dst = src (a new reference).
    Move {
        dst: u16,
        src: u16,
    },
    /// dst = src, leaving src unbound (no count traffic; src is a dead temporary).
    MoveOut {
        dst: u16,
        src: u16,
    },
    LoadConst {
        dst: u16,
        k: u16,
    },
    LoadInt {
        dst: u16,
        value: i32,
    },
    LoadNone {
        dst: u16,
    },
    LoadBool {
        dst: u16,
        value: bool,
    },
    /// Raise UnboundLocalError if local `reg` (named varnames[reg]) is unbound.
    CheckBound {
        reg: u16,
    },
    /// `del local`: error if unbound, then unbind.
    DeleteLocal {
        reg: u16,
    },
    /// dst = contents of the cell in register `cell` (free/cell variable `idx`).
    LoadDeref {
        dst: u16,
        cell: u16,
    },
    StoreDeref {
        cell: u16,
        src: u16,
    },
    DeleteDeref {
        cell: u16,
    },
    /// In a class body: name from the class namespace, else the cell.
    LoadClassDeref {
        dst: u16,
        cell: u16,
        name: u16,
    },
    LoadGlobal {
        dst: u16,
        site: u16,
    },
    StoreGlobal {
        src: u16,
        name: u16,
    },
    DeleteGlobal {
        name: u16,
    },
    /// Module/class/exec scopes: locals dict, then globals, then builtins.
    LoadName {
        dst: u16,
        name: u16,
    },
    StoreName {
        src: u16,
        name: u16,
    },
    DeleteName {
        name: u16,
    },
    LoadAttr {
        dst: u16,
        obj: u16,
        site: u16,
    },
    StoreAttr {
        obj: u16,
        src: u16,
        site: u16,
    },
    DeleteAttr {
        obj: u16,
        name: u16,
    },
    /// dst = callable, dst+1 = self or Undef.
    LoadMethod {
        dst: u16,
        obj: u16,
        site: u16,
    },
    GetItem {
        dst: u16,
        obj: u16,
        key: u16,
    },
    SetItem {
        obj: u16,
        key: u16,
        src: u16,
    },
    DelItem {
        obj: u16,
        key: u16,
    },
    /// dst = slice(base, base+1[, base+2]) for n = 2 or 3.
    BuildSlice {
        dst: u16,
        base: u16,
        n: u16,
    },
    Binary {
        op: BinOp,
        dst: u16,
        a: u16,
        b: u16,
    },
    /// `a op= b`: tries the in-place method first.
    Inplace {
        op: BinOp,
        dst: u16,
        a: u16,
        b: u16,
    },
    /// dst = a op constant k.
    BinaryK {
        op: BinOp,
        dst: u16,
        a: u16,
        k: u16,
    },
    Unary {
        op: UnaryOp,
        dst: u16,
        src: u16,
    },
    Compare {
        op: CmpOp,
        dst: u16,
        a: u16,
        b: u16,
    },
    /// Jump to `label` unless `a op b` is true.
    CompareJump {
        op: CmpOp,
        a: u16,
        b: u16,
        label: u16,
    },
    /// Jump to `label` unless `a op k` is true.
    CompareKJump {
        op: CmpOp,
        a: u16,
        k: u16,
        label: u16,
    },
    Jump {
        label: u16,
    },
    JumpIfTrue {
        cond: u16,
        label: u16,
    },
    JumpIfFalse {
        cond: u16,
        label: u16,
    },
    GetIter {
        dst: u16,
        src: u16,
    },
    /// dst = next(iter), or jump to `exit` (unbinding `iter`) when exhausted.
    ForIter {
        iter: u16,
        dst: u16,
        exit: u16,
    },
    Call {
        base: u16,
        argc: u16,
    },
    /// Keyword call: the last len(consts[kwnames]) arguments are keywords.
    CallKw {
        base: u16,
        argc: u16,
        kwnames: u16,
    },
    CallMethod {
        base: u16,
        argc: u16,
    },
    CallMethodKw {
        base: u16,
        argc: u16,
        kwnames: u16,
    },
    /// base = callee, base+1 = args tuple, base+2 = kwargs dict or None.
    CallEx {
        base: u16,
    },
    Return {
        src: u16,
    },
    ReturnNone,
    BuildTuple {
        dst: u16,
        base: u16,
        n: u16,
    },
    BuildList {
        dst: u16,
        base: u16,
        n: u16,
    },
    BuildSet {
        dst: u16,
        base: u16,
        n: u16,
    },
    /// n key/value pairs at base, base+1, ...
    BuildMap {
        dst: u16,
        base: u16,
        n: u16,
    },
    /// Concatenates n strings (f-string parts).
    BuildString {
        dst: u16,
        base: u16,
        n: u16,
    },
    ListAppend {
        list: u16,
        src: u16,
    },
    ListExtend {
        list: u16,
        src: u16,
    },
    SetAdd {
        set: u16,
        src: u16,
    },
    SetUpdate {
        set: u16,
        src: u16,
    },
    MapAdd {
        map: u16,
        key: u16,
        value: u16,
    },
    /// `{**src}` in a display.
    DictUpdate {
        dict: u16,
        src: u16,
    },
    /// `f(**src)`: like DictUpdate but duplicate keys are an error; `func` names the callee.
    DictMerge {
        dict: u16,
        src: u16,
        func: u16,
    },
    ListToTuple {
        dst: u16,
        src: u16,
    },
    /// dst = format(src, spec) after conversion: `conv & 3` is 0 none, 1 str,
    /// 2 repr, 3 ascii; when `conv & FORMAT_HAS_SPEC` the spec is in src+1.
    FormatValue {
        dst: u16,
        src: u16,
        conv: u8,
    },
    /// base..base+n = the n items of src.
    UnpackSeq {
        src: u16,
        base: u16,
        n: u16,
    },
    /// `a, *b, c = src`: before + list + after values at base...
    UnpackEx {
        src: u16,
        base: u16,
        before: u8,
        after: u8,
    },
    /// dst = function from code consts[k]; base..base+4 hold defaults, kwdefaults,
    /// closure tuple and annotations (or None).
    MakeFunction {
        dst: u16,
        k: u16,
        base: u16,
    },
    Raise {
        kind: RaiseKind,
        exc: u16,
        cause: u16,
    },
    /// Re-raise `exc` without a new traceback entry or trace event.
    Reraise {
        exc: u16,
    },
    /// Enter an `except` block: `src` becomes the exception being handled.
    PushExc {
        src: u16,
    },
    /// Leave an `except` block.
    PopExc,
    /// dst = isinstance-match of exception `exc` against `typ` (a class or tuple).
    ExcMatch {
        dst: u16,
        exc: u16,
        typ: u16,
    },
    /// `assert` failure: raise AssertionError(msg) (msg register unless `no_msg`).
    RaiseAssert {
        msg: u16,
        no_msg: bool,
    },
    /// dst = ctx.__exit__ (bound), dst+1 = ctx.__enter__().
    WithEnter {
        dst: u16,
        ctx: u16,
    },
    /// dst = bool(exit(type(exc), exc, exc.__traceback__)).
    WithExcExit {
        dst: u16,
        exit: u16,
        exc: u16,
    },
    /// Suspend, producing src; on resume the sent value goes to dst.
    Yield {
        dst: u16,
        src: u16,
    },
    /// Delegate to iterator `iter` until it is exhausted; dst = its return value.
    YieldFrom {
        dst: u16,
        iter: u16,
    },
    /// dst = __import__(names[name], fromlist/level from consts[k]).
    ImportName {
        dst: u16,
        name: u16,
        k: u16,
    },
    /// dst = getattr(module, name) with ImportError on failure.
    ImportFrom {
        dst: u16,
        module: u16,
        name: u16,
    },
    ImportStar {
        module: u16,
    },
    /// dst = the builtin `__build_class__` (not looked up by name).
    LoadBuildClass {
        dst: u16,
    },
    /// Wrap the value of register `reg` in a new cell (at function entry).
    MakeCell {
        reg: u16,
    },
}

impl Instr {
    /// The label this instruction may jump to, if any.
    pub fn label(&self) -> Option<u16> {
        match *self {
            Instr::Jump { label }
            | Instr::JumpIfTrue { label, .. }
            | Instr::JumpIfFalse { label, .. }
            | Instr::CompareJump { label, .. }
            | Instr::CompareKJump { label, .. } => Some(label),
            Instr::ForIter { exit, .. } => Some(exit),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn instr_is_eight_bytes() {
        assert_eq!(std::mem::size_of::<super::Instr>(), 8);
    }
}
