//! Code objects: the compiled form of one module, function, class body,
//! lambda or comprehension. Immutable after compilation except for the
//! inline caches in `sites`.
//!
//! Register layout of a frame running this code: `0..nlocals` are the named
//! locals (parameters first, `varnames`), then the registers of cell-only
//! variables, then `nfree` free-variable registers starting at `free_base`,
//! then temporaries up to `nregs`. Invariant: every register operand of every
//! instruction is `< nregs`, every label `< labels.len()` (checked by
//! `validate`, which the VM relies on to skip bounds checks).

use std::cell::RefCell;

use super::linetable::Position;
use super::opcode::Instr;
use crate::object::kind::Kind;
use crate::object::rc::{ObjRef, Payload};
use crate::object::value::{RawValue, Value};

pub const CO_OPTIMIZED: u32 = 0x1;
pub const CO_NEWLOCALS: u32 = 0x2;
pub const CO_VARARGS: u32 = 0x4;
pub const CO_VARKEYWORDS: u32 = 0x8;
pub const CO_NESTED: u32 = 0x10;
pub const CO_GENERATOR: u32 = 0x20;
pub const CO_NOFREE: u32 = 0x40;

/// What an inline-cache site remembers between executions.
#[derive(Clone, Default)]
pub enum SiteCache {
    #[default]
    Empty,
    /// A global found in `globals` (or builtins) at a known entry position.
    Global {
        globals: usize,
        gver: u64,
        builtins: usize,
        bver: u64,
        in_builtins: bool,
        index: u32,
    },
    /// Instance attribute stored in the instance dict; the classes listed
    /// have no data descriptor of that name. Each way is (class, usual entry
    /// position); up to `WAYS` classes share a site (polymorphic code).
    InstDict {
        epoch: u64,
        ways: [(usize, u32); WAYS],
    },
    /// Attribute found on the class (method or plain value), not shadowed by a
    /// data descriptor; the instance dict must still be checked for methods.
    /// Each way is (class, value); the value is borrowed from the class dict:
    /// the epoch matching proves classes and namespaces are unchanged, hence
    /// still hold it.
    ClassAttr {
        epoch: u64,
        ways: [(usize, RawValue); WAYS],
    },
    /// `__slots__` member at index.
    Slot { cls: usize, epoch: u64, index: u32 },
}

/// How many receiver classes one attribute site remembers.
pub const WAYS: usize = 4;

impl SiteCache {
    /// The dict-entry hint cached for instances of `cls`.
    #[inline(always)]
    pub fn inst_dict_hint(&self, cls: usize, epoch: u64) -> Option<u32> {
        match self {
            SiteCache::InstDict { epoch: e, ways } if *e == epoch => {
                ways.iter().find(|w| w.0 == cls).map(|w| w.1)
            }
            _ => None,
        }
    }

    /// Remembers that instances of `cls` keep the attribute at `hint`.
    pub fn add_inst_dict(&mut self, cls: usize, epoch: u64, hint: u32) {
        if let SiteCache::InstDict { epoch: e, ways } = self {
            if *e == epoch {
                let i = ways
                    .iter()
                    .position(|w| w.0 == cls || w.0 == 0)
                    .unwrap_or(WAYS - 1);
                ways[i] = (cls, hint);
                return;
            }
        }
        let mut ways = [(0, 0); WAYS];
        ways[0] = (cls, hint);
        *self = SiteCache::InstDict { epoch, ways };
    }

    /// The class attribute cached for receivers of class `cls`.
    #[inline(always)]
    pub fn class_attr(&self, cls: usize, epoch: u64) -> Option<RawValue> {
        match self {
            SiteCache::ClassAttr { epoch: e, ways } if *e == epoch => {
                ways.iter().find(|w| w.0 == cls).map(|w| w.1)
            }
            _ => None,
        }
    }

    /// Remembers the class attribute `value` for receivers of class `cls`.
    pub fn add_class_attr(&mut self, cls: usize, epoch: u64, value: RawValue) {
        if let SiteCache::ClassAttr { epoch: e, ways } = self {
            if *e == epoch {
                let i = ways
                    .iter()
                    .position(|w| w.0 == cls || w.0 == 0)
                    .unwrap_or(WAYS - 1);
                ways[i] = (cls, value);
                return;
            }
        }
        let mut ways = [(0, RawValue::None); WAYS];
        ways[0] = (cls, value);
        *self = SiteCache::ClassAttr { epoch, ways };
    }
}

/// One attribute or global access site: its name and its cache.
pub struct Site {
    pub name: ObjRef,
    pub cache: RefCell<SiteCache>,
}

/// A protected instruction range and where its exceptions go.
#[derive(Clone, Copy, Debug)]
pub struct ExcEntry {
    pub start: u32,
    pub end: u32,
    pub handler: u32,
    /// Register that receives the exception.
    pub exc_reg: u16,
}

pub struct Code {
    pub instrs: Box<[Instr]>,
    pub labels: Box<[u32]>,
    pub consts: Box<[Value]>,
    pub names: Box<[ObjRef]>,
    pub sites: Box<[Site]>,
    pub argcount: u32,
    pub posonlyargcount: u32,
    pub kwonlyargcount: u32,
    pub nlocals: u32,
    pub nregs: u32,
    pub flags: u32,
    pub varnames: Box<[ObjRef]>,
    pub cellvars: Box<[ObjRef]>,
    pub freevars: Box<[ObjRef]>,
    /// Register of each cell variable (parallel to `cellvars`).
    pub cell_regs: Box<[u16]>,
    /// First free-variable register (freevars occupy `free_base..+nfree`).
    pub free_base: u32,
    pub filename: ObjRef,
    pub name: ObjRef,
    pub qualname: ObjRef,
    pub firstlineno: u32,
    /// Source position of each instruction.
    pub positions: Box<[Position]>,
    pub exc_table: Box<[ExcEntry]>,
    /// The docstring (first constant statement) or None.
    pub doc: Value,
}

impl Code {
    /// Line of the instruction at `pc` (0 when it has none).
    pub fn line_at(&self, pc: usize) -> u32 {
        self.positions.get(pc).map(|p| p.line).unwrap_or(0)
    }

    /// The line to report for `pc` in tracebacks and `f_lineno`: an
    /// instruction without a line (control-flow glue) reports the nearest
    /// line before it.
    pub fn line_near(&self, pc: usize) -> u32 {
        let end = pc.min(self.positions.len().saturating_sub(1));
        self.positions[..=end]
            .iter()
            .rev()
            .map(|p| p.line)
            .find(|l| *l != 0)
            .unwrap_or(self.firstlineno)
    }

    /// Total number of parameters, including `*args` and `**kwargs`.
    pub fn total_params(&self) -> usize {
        let mut n = (self.argcount + self.kwonlyargcount) as usize;
        if self.flags & CO_VARARGS != 0 {
            n += 1;
        }
        if self.flags & CO_VARKEYWORDS != 0 {
            n += 1;
        }
        n
    }

    pub fn is_generator(&self) -> bool {
        self.flags & CO_GENERATOR != 0
    }

    /// The innermost exception-table entry covering `pc`.
    pub fn handler_for(&self, pc: u32) -> Option<&ExcEntry> {
        self.exc_table.iter().find(|e| e.start <= pc && pc < e.end)
    }

    /// Checks the register/label/constant invariants the VM relies on.
    pub fn validate(&self) -> Result<(), String> {
        let nregs = self.nregs as usize;
        let nl = self.labels.len();
        for (pc, ins) in self.instrs.iter().enumerate() {
            let ok = super::disasm::operands(ins).iter().all(|op| match op {
                super::disasm::Operand::Reg(r) => (*r as usize) < nregs,
                super::disasm::Operand::RegRange(r, n) => (*r as usize) + (*n as usize) <= nregs,
                super::disasm::Operand::Const(k) => (*k as usize) < self.consts.len(),
                super::disasm::Operand::Name(n) => (*n as usize) < self.names.len(),
                super::disasm::Operand::Site(s) => (*s as usize) < self.sites.len(),
                super::disasm::Operand::Label(l) => {
                    (*l as usize) < nl && self.labels[*l as usize] as usize <= self.instrs.len()
                }
                super::disasm::Operand::Imm(_) => true,
            });
            if !ok {
                return Err(format!("bad operand at {pc}: {ins:?}"));
            }
        }
        for e in self.exc_table.iter() {
            if e.handler as usize >= self.instrs.len()
                || e.start > e.end
                || e.end as usize > self.instrs.len()
            {
                return Err(format!(
                    "bad exception entry {}..{} -> {}",
                    e.start, e.end, e.handler
                ));
            }
        }
        if self.instrs.is_empty() {
            return Err("empty code".into());
        }
        Ok(())
    }
}

impl Payload for Code {
    const KIND: Kind = Kind::Code;
    const NAME: &'static str = "code";
    const IS_GC: bool = false;
}
