//! The disassembler behind `mini --dis`: prints every code object of a
//! compiled module (nested ones after their parent) with line numbers, jump
//! targets, constants and names, for learners and for golden tests. Also
//! lists each instruction's operands by role (used by `Code::validate`).

use std::fmt::Write;

use super::code::Code;
use super::opcode::Instr;
use crate::object::kind::Kind;
use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::value::Value;

/// An operand and what it refers to.
pub enum Operand {
    Reg(u16),
    /// `n` consecutive registers from the first.
    RegRange(u16, u16),
    Const(u16),
    Name(u16),
    Site(u16),
    Label(u16),
    Imm(i64),
}

/// The operands of an instruction, in display order.
pub fn operands(i: &Instr) -> Vec<Operand> {
    use Instr::*;
    use Operand as O;
    match *i {
        Nop | ReturnNone | PopExc => vec![],
        ClearTemps { base, n } => vec![O::RegRange(base, n)],
        Move { dst, src } | MoveOut { dst, src } => vec![O::Reg(dst), O::Reg(src)],
        LoadConst { dst, k } => vec![O::Reg(dst), O::Const(k)],
        LoadInt { dst, value } => vec![O::Reg(dst), O::Imm(value as i64)],
        LoadNone { dst } | LoadBuildClass { dst } => vec![O::Reg(dst)],
        LoadBool { dst, value } => vec![O::Reg(dst), O::Imm(value as i64)],
        CheckBound { reg } | DeleteLocal { reg } | MakeCell { reg } => vec![O::Reg(reg)],
        LoadDeref { dst, cell } => vec![O::Reg(dst), O::Reg(cell)],
        StoreDeref { cell, src } => vec![O::Reg(cell), O::Reg(src)],
        DeleteDeref { cell } => vec![O::Reg(cell)],
        LoadClassDeref { dst, cell, name } => vec![O::Reg(dst), O::Reg(cell), O::Name(name)],
        LoadGlobal { dst, site } => vec![O::Reg(dst), O::Site(site)],
        StoreGlobal { src, name } | StoreName { src, name } => vec![O::Reg(src), O::Name(name)],
        DeleteGlobal { name } | DeleteName { name } => vec![O::Name(name)],
        LoadName { dst, name } => vec![O::Reg(dst), O::Name(name)],
        LoadAttr { dst, obj, site } => vec![O::Reg(dst), O::Reg(obj), O::Site(site)],
        StoreAttr { obj, src, site } => vec![O::Reg(obj), O::Reg(src), O::Site(site)],
        DeleteAttr { obj, name } => vec![O::Reg(obj), O::Name(name)],
        LoadMethod { dst, obj, site } => vec![O::RegRange(dst, 2), O::Reg(obj), O::Site(site)],
        GetItem { dst, obj, key } => vec![O::Reg(dst), O::Reg(obj), O::Reg(key)],
        SetItem { obj, key, src } => vec![O::Reg(obj), O::Reg(key), O::Reg(src)],
        DelItem { obj, key } => vec![O::Reg(obj), O::Reg(key)],
        BuildSlice { dst, base, n }
        | BuildTuple { dst, base, n }
        | BuildList { dst, base, n }
        | BuildSet { dst, base, n }
        | BuildString { dst, base, n } => vec![O::Reg(dst), O::RegRange(base, n)],
        BuildMap { dst, base, n } => vec![O::Reg(dst), O::RegRange(base, n * 2)],
        Binary { dst, a, b, .. } | Inplace { dst, a, b, .. } | Compare { dst, a, b, .. } => {
            vec![O::Reg(dst), O::Reg(a), O::Reg(b)]
        }
        BinaryK { dst, a, k, .. } => vec![O::Reg(dst), O::Reg(a), O::Const(k)],
        Unary { dst, src, .. } => vec![O::Reg(dst), O::Reg(src)],
        CompareJump { a, b, label, .. } => vec![O::Reg(a), O::Reg(b), O::Label(label)],
        CompareKJump { a, k, label, .. } => vec![O::Reg(a), O::Const(k), O::Label(label)],
        Jump { label } => vec![O::Label(label)],
        JumpIfTrue { cond, label } | JumpIfFalse { cond, label } => {
            vec![O::Reg(cond), O::Label(label)]
        }
        GetIter { dst, src } => vec![O::Reg(dst), O::Reg(src)],
        ForIter { iter, dst, exit } => vec![O::Reg(iter), O::Reg(dst), O::Label(exit)],
        Call { base, argc } => vec![O::RegRange(base, argc + 1)],
        CallMethod { base, argc } => vec![O::RegRange(base, argc + 2)],
        CallKw {
            base,
            argc,
            kwnames,
        } => vec![O::RegRange(base, argc + 1), O::Const(kwnames)],
        CallMethodKw {
            base,
            argc,
            kwnames,
        } => {
            vec![O::RegRange(base, argc + 2), O::Const(kwnames)]
        }
        CallEx { base } => vec![O::RegRange(base, 3)],
        Return { src } => vec![O::Reg(src)],
        ListAppend { list, src } | ListExtend { list, src } => vec![O::Reg(list), O::Reg(src)],
        SetAdd { set, src } | SetUpdate { set, src } => vec![O::Reg(set), O::Reg(src)],
        MapAdd { map, key, value } => vec![O::Reg(map), O::Reg(key), O::Reg(value)],
        DictUpdate { dict, src } => vec![O::Reg(dict), O::Reg(src)],
        DictMerge { dict, src, func } => vec![O::Reg(dict), O::Reg(src), O::Reg(func)],
        ListToTuple { dst, src } => vec![O::Reg(dst), O::Reg(src)],
        FormatValue { dst, src, conv } => {
            let n = if conv & super::opcode::FORMAT_HAS_SPEC != 0 {
                2
            } else {
                1
            };
            vec![O::Reg(dst), O::RegRange(src, n), O::Imm(conv as i64)]
        }
        UnpackSeq { src, base, n } => vec![O::Reg(src), O::RegRange(base, n)],
        UnpackEx {
            src,
            base,
            before,
            after,
        } => vec![
            O::Reg(src),
            O::RegRange(base, before as u16 + after as u16 + 1),
        ],
        MakeFunction { dst, k, base } => vec![O::Reg(dst), O::Const(k), O::RegRange(base, 4)],
        Raise { exc, cause, .. } => vec![O::Reg(exc), O::Reg(cause)],
        Reraise { exc } | PushExc { src: exc } => vec![O::Reg(exc)],
        ExcMatch { dst, exc, typ } => vec![O::Reg(dst), O::Reg(exc), O::Reg(typ)],
        RaiseAssert { msg, .. } => vec![O::Reg(msg)],
        WithEnter { dst, ctx } => vec![O::RegRange(dst, 2), O::Reg(ctx)],
        WithExcExit { dst, exit, exc } => vec![O::Reg(dst), O::Reg(exit), O::Reg(exc)],
        Yield { dst, src } => vec![O::Reg(dst), O::Reg(src)],
        YieldFrom { dst, iter } => vec![O::Reg(dst), O::Reg(iter)],
        ImportName { dst, name, k } => vec![O::Reg(dst), O::Name(name), O::Const(k)],
        ImportFrom { dst, module, name } => vec![O::Reg(dst), O::Reg(module), O::Name(name)],
        ImportStar { module } => vec![O::Reg(module)],
    }
}

fn opname(i: &Instr) -> String {
    let dbg = format!("{i:?}");
    let name = dbg.split([' ', '{']).next().unwrap_or("").to_string();
    match i {
        Instr::Binary { op, .. } | Instr::Inplace { op, .. } | Instr::BinaryK { op, .. } => {
            format!("{name}({})", op.symbol())
        }
        Instr::Compare { op, .. }
        | Instr::CompareJump { op, .. }
        | Instr::CompareKJump { op, .. } => {
            format!("{name}({})", op.symbol())
        }
        Instr::Unary { op, .. } => format!("{name}({op:?})"),
        Instr::Raise { kind, .. } => format!("{name}({kind:?})"),
        _ => name,
    }
}

fn short_repr(v: &Value) -> String {
    match v {
        Value::Undef => "<undef>".into(),
        Value::None => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => crate::object::float::float_repr(*f),
        Value::Obj(o) => match o.kind() {
            Kind::Str => format!("{:?}", str_of(o).unwrap_or("")),
            Kind::Code => {
                let c = o.downcast::<Code>().unwrap();
                format!("<code {}>", str_of(&c.qualname).unwrap_or("?"))
            }
            Kind::Tuple => {
                let t = o.downcast::<crate::object::tuple::Tuple>().unwrap();
                let parts: Vec<String> = t.as_slice().iter().map(short_repr).collect();
                if parts.len() == 1 {
                    format!("({},)", parts[0])
                } else {
                    format!("({})", parts.join(", "))
                }
            }
            _ => format!("<{}>", o.vt().name),
        },
    }
}

/// The disassembly of a code object and, after it, of the code objects in
/// its constants.
pub fn disassemble(code: &ObjRef) -> String {
    let mut out = String::new();
    let mut todo = vec![code.clone()];
    while let Some(c) = todo.pop() {
        let code = c.downcast::<Code>().expect("code object");
        dis_one(code, &mut out);
        let nested: Vec<ObjRef> = code
            .consts
            .iter()
            .filter_map(|v| v.as_obj().filter(|o| o.kind() == Kind::Code).cloned())
            .collect();
        for n in nested.into_iter().rev() {
            todo.push(n);
        }
    }
    out
}

fn dis_one(code: &Code, out: &mut String) {
    let _ = writeln!(
        out,
        "Disassembly of <code {} at line {}> ({} registers: {} locals{}{}):",
        str_of(&code.qualname).unwrap_or("?"),
        code.firstlineno,
        code.nregs,
        code.nlocals,
        if code.cellvars.is_empty() {
            String::new()
        } else {
            format!(", cells {}", names(&code.cellvars))
        },
        if code.freevars.is_empty() {
            String::new()
        } else {
            format!(", free {}", names(&code.freevars))
        },
    );
    if !code.varnames.is_empty() {
        let _ = writeln!(out, "  locals: {}", names(&code.varnames));
    }
    let mut targets = vec![Vec::new(); code.instrs.len() + 1];
    for (l, pc) in code.labels.iter().enumerate() {
        if (*pc as usize) < targets.len() {
            targets[*pc as usize].push(l);
        }
    }
    let mut last_line = 0;
    for (pc, ins) in code.instrs.iter().enumerate() {
        let line = code.positions[pc].line;
        let line_col = if line != last_line && line != 0 {
            last_line = line;
            format!("{line:>4}")
        } else {
            "    ".to_string()
        };
        let mark = if targets[pc].is_empty() { "  " } else { ">>" };
        let mut ops = Vec::new();
        for op in operands(ins) {
            ops.push(match op {
                Operand::Reg(r) => reg_name(code, r),
                Operand::RegRange(r, n) => {
                    if n == 0 {
                        format!("r{r}[0]")
                    } else {
                        format!("r{r}..r{}", r + n - 1)
                    }
                }
                Operand::Const(k) => short_repr(&code.consts[k as usize]).to_string(),
                Operand::Name(n) => str_of(&code.names[n as usize]).unwrap_or("?").to_string(),
                Operand::Site(s) => {
                    format!(".{}", str_of(&code.sites[s as usize].name).unwrap_or("?"))
                }
                Operand::Label(l) => format!("-> {}", code.labels[l as usize]),
                Operand::Imm(i) => format!("#{i}"),
            });
        }
        let _ = writeln!(
            out,
            "{line_col} {mark} {pc:>4} {:<20} {}",
            opname(ins),
            ops.join(", ")
        );
    }
    for e in code.exc_table.iter() {
        let _ = writeln!(
            out,
            "  ExceptionTable: {} to {} -> {} [{}]",
            e.start,
            e.end,
            e.handler,
            reg_name(code, e.exc_reg)
        );
    }
    out.push('\n');
}

fn names(v: &[ObjRef]) -> String {
    v.iter()
        .map(|n| str_of(n).unwrap_or("?"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn reg_name(code: &Code, r: u16) -> String {
    if (r as u32) < code.nlocals {
        format!(
            "r{r}({})",
            str_of(&code.varnames[r as usize]).unwrap_or("?")
        )
    } else if let Some(i) = code.cell_regs.iter().position(|c| *c == r) {
        format!("r{r}(cell {})", str_of(&code.cellvars[i]).unwrap_or("?"))
    } else if r as u32 >= code.free_base
        && ((r as u32 - code.free_base) as usize) < code.freevars.len()
    {
        let i = (r as u32 - code.free_base) as usize;
        format!("r{r}(free {})", str_of(&code.freevars[i]).unwrap_or("?"))
    } else {
        format!("r{r}")
    }
}
