//! AST → bytecode. One `Unit` per code object being compiled (module,
//! function, class body, lambda, comprehension), kept on a stack while nested
//! scopes are compiled. Statements are in `stmt.rs`, expressions in `expr.rs`,
//! assignment targets in `target.rs`, definite-assignment tracking (which
//! decides where `CheckBound` is needed) in `flow.rs`.
//!
//! Registers: named locals first, then cell-only and free variables, then
//! temporaries allocated like a stack (`temp`, `release`). Invariant: a
//! temporary is only live between its allocation and the `release` that
//! frees it; statement compilation releases everything it allocated.

mod expr;
mod flow;
mod stmt;
mod target;

use rustc_hash::FxHashMap;

use mini_syntax::ast::{self, Span, Stmt};

use super::code::{Code, ExcEntry, Site, CO_NESTED, CO_NEWLOCALS, CO_NOFREE, CO_OPTIMIZED};
use super::linetable::{Position, SourceMap};
use super::opcode::Instr;
use super::symtable::{self, Resolution, ScopeKind, SymbolTable};
use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::Vm;
use flow::Flow;

/// A compile-time error (becomes SyntaxError or RecursionError).
#[derive(Debug)]
pub struct CompileError {
    pub msg: String,
    pub span: Span,
    /// RecursionError instead of SyntaxError (nesting too deep to compile).
    pub recursion: bool,
}

pub type CResult<T> = Result<T, CompileError>;

/// What kind of source is being compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A module or `exec` string.
    Exec,
    /// An `eval` expression (the module holds one expression statement).
    Eval,
    /// One interactive input: expression statements are echoed.
    Single,
}

/// A region of code whose exceptions go to one handler.
struct Protect {
    ranges: Vec<(u32, u32)>,
    open: Option<u32>,
    handler: u16,
    exc_reg: u16,
}

/// What an early exit (break/continue/return) must undo on its way out.
enum Block<'a> {
    Loop {
        cont: u16,
        brk: u16,
        /// The `for` loop's iterator register, unbound on `break`.
        iter: Option<u16>,
        break_flows: Vec<Flow>,
    },
    /// A protected try body (nothing to undo, but its range must not cover
    /// cleanup code of outer blocks emitted for the exit).
    Try { protect: usize },
    /// Inside `finally`-protected code: run the finally body on exit.
    Finally { protect: usize, body: &'a [Stmt] },
    /// Inside a `with` body: call `__exit__(None, None, None)` on exit.
    With { protect: usize, exit: u16 },
    /// Inside an `except` handler: leave the handled exception on exit.
    Handler {
        protect: usize,
        /// The per-handler range of a named handler (inside `protect`).
        inner: Option<usize>,
        name: Option<(String, Span)>,
    },
}

struct Unit<'a> {
    scope: usize,
    kind: ScopeKind,
    instrs: Vec<Instr>,
    positions: Vec<Position>,
    labels: Vec<u32>,
    consts: Vec<Value>,
    names: Vec<ObjRef>,
    name_idx: FxHashMap<String, u16>,
    sites: Vec<ObjRef>,
    /// Register of every local, cell and free variable.
    regs: FxHashMap<String, u16>,
    nlocals: u16,
    next_temp: u16,
    max_reg: u16,
    /// One past the highest temporary handed out since the current
    /// statement began (for `ClearTemps`).
    temp_end: u16,
    protects: Vec<Protect>,
    exc_entries: Vec<ExcEntry>,
    blocks: Vec<Block<'a>>,
    flow: Flow,
    pos: Position,
    name: String,
    qualname: String,
    firstlineno: u32,
    argcount: u32,
    posonly: u32,
    kwonly: u32,
    flags: u32,
    varnames: Vec<String>,
    cellvars: Vec<String>,
    freevars: Vec<String>,
    cell_regs: Vec<u16>,
    free_base: u16,
    doc: Value,
    /// Nesting depth of expressions being compiled (bounded).
    depth: u32,
}

pub struct Compiler<'a, 'v> {
    vm: &'v mut Vm,
    table: SymbolTable,
    src: SourceMap,
    filename: ObjRef,
    units: Vec<Unit<'a>>,
    mode: Mode,
}

/// Expressions nested deeper than this are refused (CPython raises
/// RecursionError "maximum recursion depth exceeded during compilation").
const MAX_DEPTH: u32 = 3100;

/// Compiles a parsed module into a code object.
pub fn compile_module(
    vm: &mut Vm,
    module: &ast::Module,
    source: &str,
    filename: &str,
    mode: Mode,
) -> CResult<ObjRef> {
    let table = symtable::build(module).map_err(|e| CompileError {
        msg: e.msg,
        span: e.span,
        recursion: false,
    })?;
    let filename = vm.intern(filename);
    let mut c = Compiler {
        vm,
        table,
        src: SourceMap::new(source),
        filename,
        units: Vec::new(),
        mode,
    };
    let scope = c.table.scope_of(symtable::node_key(module));
    c.enter_unit(scope, "<module>", "<module>", 1);
    if mode == Mode::Exec {
        c.docstring(&module.body)?;
        // A module docstring becomes `__doc__`.
        if let Some(ast::Stmt {
            kind: ast::StmtKind::Expr(e),
            span,
        }) = module.body.first()
        {
            if let ast::ExprKind::Constant(ast::Constant::Str(_)) = &e.kind {
                let saved = c.set_pos(*span);
                let t = c.temp();
                c.expr_to(e, t)?;
                let d = c.name("__doc__");
                c.emit(Instr::StoreName { src: t, name: d });
                c.release(t);
                c.restore_pos(saved);
            }
        }
    }
    if mode == Mode::Eval {
        let e = match module.body.first().map(|s| &s.kind) {
            Some(ast::StmtKind::Expr(e)) => e,
            _ => {
                return Err(CompileError {
                    msg: "invalid syntax".into(),
                    span: Span::default(),
                    recursion: false,
                })
            }
        };
        let r = c.expr_any(e)?;
        c.emit(Instr::Return { src: r });
    } else {
        for s in &module.body {
            c.stmt(s)?;
        }
        c.emit(Instr::ReturnNone);
    }
    let u = c.units.pop().expect("module unit");
    Ok(c.finish_unit(u))
}

impl<'a, 'v> Compiler<'a, 'v> {
    fn u(&mut self) -> &mut Unit<'a> {
        self.units.last_mut().expect("unit")
    }

    fn ur(&self) -> &Unit<'a> {
        self.units.last().expect("unit")
    }

    fn scope(&self) -> &symtable::Scope {
        &self.table.scopes[self.ur().scope]
    }

    fn err<T>(&self, msg: impl Into<String>, span: Span) -> CResult<T> {
        Err(CompileError {
            msg: msg.into(),
            span,
            recursion: false,
        })
    }

    /// Starts compiling a new code object for symbol-table scope `scope`.
    fn enter_unit(&mut self, scope: usize, name: &str, qualname: &str, firstlineno: u32) {
        let sc = &self.table.scopes[scope];
        let kind = sc.kind;
        let mut regs = FxHashMap::default();
        let mut next: u16 = 0;
        for v in &sc.varnames {
            regs.insert(v.clone(), next);
            next += 1;
        }
        let nlocals = next;
        let mut cell_regs = Vec::new();
        for c in &sc.cellvars {
            let r = match regs.get(c) {
                Some(r) => *r,
                None => {
                    let r = next;
                    next += 1;
                    regs.insert(c.clone(), r);
                    r
                }
            };
            cell_regs.push(r);
        }
        let free_base = next;
        for f in &sc.freevars {
            regs.insert(f.clone(), next);
            next += 1;
        }
        let mut flags = 0;
        if sc.is_function_like() {
            flags |= CO_OPTIMIZED | CO_NEWLOCALS;
        }
        if sc.is_generator {
            flags |= super::code::CO_GENERATOR;
        }
        if sc.freevars.is_empty() && sc.cellvars.is_empty() {
            flags |= CO_NOFREE;
        }
        if sc
            .parent
            .is_some_and(|p| self.table.scopes[p].is_function_like())
        {
            flags |= CO_NESTED;
        }
        let mut flow = Flow::entry(nlocals as usize);
        for p in 0..sc.params.len() {
            flow.bind(p);
        }
        let unit = Unit {
            scope,
            kind,
            instrs: Vec::new(),
            positions: Vec::new(),
            labels: Vec::new(),
            consts: Vec::new(),
            names: Vec::new(),
            name_idx: FxHashMap::default(),
            sites: Vec::new(),
            regs,
            nlocals,
            next_temp: next,
            max_reg: next,
            temp_end: next,
            protects: Vec::new(),
            exc_entries: Vec::new(),
            blocks: Vec::new(),
            flow,
            pos: Position {
                line: firstlineno,
                end_line: firstlineno,
                col: super::linetable::NO_COL,
                end_col: super::linetable::NO_COL,
            },
            name: name.to_string(),
            qualname: qualname.to_string(),
            firstlineno,
            argcount: 0,
            posonly: 0,
            kwonly: 0,
            flags,
            varnames: sc.varnames.clone(),
            cellvars: sc.cellvars.clone(),
            freevars: sc.freevars.clone(),
            cell_regs,
            free_base,
            doc: Value::None,
            depth: 0,
        };
        self.units.push(unit);
        // Cells are created on entry (parameters are wrapped in place),
        // with no line: as CPython's prologue, they raise no `line` event.
        let cell_regs = self.ur().cell_regs.clone();
        for r in cell_regs {
            self.emit_noline(Instr::MakeCell { reg: r });
        }
    }

    /// Turns a finished unit into a code object.
    fn finish_unit(&mut self, mut u: Unit<'a>) -> ObjRef {
        // Entries name their handler by label until the labels are bound.
        for e in u.exc_entries.iter_mut() {
            e.handler = u.labels[e.handler as usize];
        }
        let vm = &mut *self.vm;
        let code = Code {
            instrs: u.instrs.into_boxed_slice(),
            labels: u.labels.into_boxed_slice(),
            consts: u.consts.into_boxed_slice(),
            names: u.names.into_boxed_slice(),
            sites: u
                .sites
                .into_iter()
                .map(|name| Site {
                    name,
                    cache: Default::default(),
                })
                .collect(),
            argcount: u.argcount,
            posonlyargcount: u.posonly,
            kwonlyargcount: u.kwonly,
            nlocals: u.nlocals as u32,
            nregs: u.max_reg as u32 + 1,
            flags: u.flags,
            varnames: u.varnames.iter().map(|s| vm.intern(s)).collect(),
            cellvars: u.cellvars.iter().map(|s| vm.intern(s)).collect(),
            freevars: u.freevars.iter().map(|s| vm.intern(s)).collect(),
            cell_regs: u.cell_regs.into_boxed_slice(),
            free_base: u.free_base as u32,
            filename: self.filename.clone(),
            name: vm.intern(&u.name),
            qualname: vm.new_str(&u.qualname),
            firstlineno: u.firstlineno,
            positions: u.positions.into_boxed_slice(),
            exc_table: u.exc_entries.into_boxed_slice(),
            doc: u.doc,
        };
        debug_assert!(code.validate().is_ok(), "{:?}", code.validate());
        vm.new_code(code)
    }

    // ----- emission -----

    fn emit(&mut self, i: Instr) -> usize {
        let u = self.u();
        u.instrs.push(i);
        let p = u.pos;
        u.positions.push(p);
        u.instrs.len() - 1
    }

    fn pc(&self) -> u32 {
        self.ur().instrs.len() as u32
    }

    fn new_label(&mut self) -> u16 {
        let u = self.u();
        u.labels.push(u32::MAX);
        (u.labels.len() - 1) as u16
    }

    fn bind_label(&mut self, l: u16) {
        let pc = self.pc();
        self.u().labels[l as usize] = pc;
    }

    /// Sets the source position for the instructions emitted next.
    fn set_pos(&mut self, span: Span) -> Position {
        let p = self.src.position(span);
        std::mem::replace(&mut self.u().pos, p)
    }

    fn restore_pos(&mut self, p: Position) {
        self.u().pos = p;
    }

    fn line_of(&self, span: Span) -> u32 {
        self.src.line_col(span.start).0
    }

    // ----- registers -----

    fn temp(&mut self) -> u16 {
        let u = self.u();
        let r = u.next_temp;
        u.next_temp += 1;
        if r > u.max_reg {
            u.max_reg = r;
        }
        if r >= u.temp_end {
            u.temp_end = r + 1;
        }
        r
    }

    /// Allocates `n` consecutive temporaries, returning the first.
    fn temps(&mut self, n: usize) -> u16 {
        let first = self.ur().next_temp;
        for _ in 0..n {
            self.temp();
        }
        first
    }

    fn mark(&self) -> u16 {
        self.ur().next_temp
    }

    fn release(&mut self, mark: u16) {
        self.u().next_temp = mark;
    }

    fn is_temp(&self, r: u16) -> bool {
        r >= self.ur().free_base + self.ur().freevars.len() as u16
    }

    // ----- constants and names -----

    fn add_const(&mut self, v: Value) -> u16 {
        let u = self.u();
        for (i, c) in u.consts.iter().enumerate() {
            if const_identical(c, &v) {
                return i as u16;
            }
        }
        u.consts.push(v);
        (u.consts.len() - 1) as u16
    }

    fn str_const(&mut self, s: &str) -> u16 {
        let o = self.vm.intern(s);
        self.add_const(Value::Obj(o))
    }

    fn name(&mut self, s: &str) -> u16 {
        if let Some(i) = self.ur().name_idx.get(s) {
            return *i;
        }
        let o = self.vm.intern(s);
        let u = self.u();
        u.names.push(o);
        let i = (u.names.len() - 1) as u16;
        u.name_idx.insert(s.to_string(), i);
        i
    }

    fn site(&mut self, s: &str) -> u16 {
        let o = self.vm.intern(s);
        let u = self.u();
        u.sites.push(o);
        (u.sites.len() - 1) as u16
    }

    // ----- exception ranges -----

    fn new_protect(&mut self, handler: u16, exc_reg: u16) -> usize {
        let pc = self.pc();
        let u = self.u();
        u.protects.push(Protect {
            ranges: Vec::new(),
            open: Some(pc),
            handler,
            exc_reg,
        });
        u.protects.len() - 1
    }

    fn suspend_protect(&mut self, p: usize) {
        let pc = self.pc();
        let pr = &mut self.u().protects[p];
        if let Some(s) = pr.open.take() {
            if s < pc {
                pr.ranges.push((s, pc));
            }
        }
    }

    fn resume_protect(&mut self, p: usize) {
        let pc = self.pc();
        let pr = &mut self.u().protects[p];
        if pr.open.is_none() {
            pr.open = Some(pc);
        }
    }

    /// Ends a protected region for good and records its table entries.
    fn close_protect(&mut self, p: usize) {
        self.suspend_protect(p);
        let u = self.u();
        let pr = &u.protects[p];
        let ranges = pr.ranges.clone();
        let (handler, exc_reg) = (pr.handler, pr.exc_reg);
        for (s, e) in ranges {
            u.exc_entries.push(ExcEntry {
                start: s,
                end: e,
                handler: handler as u32,
                exc_reg,
            });
        }
    }

    // ----- scopes -----

    /// How a name is accessed in the current unit.
    fn resolve(&self, name: &str) -> Resolution {
        self.scope().resolution(name)
    }

    fn docstring(&mut self, body: &[Stmt]) -> CResult<()> {
        if let Some(Stmt {
            kind: ast::StmtKind::Expr(e),
            ..
        }) = body.first()
        {
            if let ast::ExprKind::Constant(ast::Constant::Str(s)) = &e.kind {
                let o = self.vm.new_str(s);
                self.u().doc = Value::Obj(o);
            }
        }
        Ok(())
    }

    /// Qualified name of a function or class named `name` defined here
    /// (CPython's `compiler_set_qualname`).
    fn qualname_for(&self, name: &str) -> String {
        let u = self.ur();
        if u.kind == ScopeKind::Module {
            return name.to_string();
        }
        // A name declared global in the enclosing function is module level.
        if u.kind != ScopeKind::Class && self.resolve(name) == Resolution::GlobalExplicit {
            return name.to_string();
        }
        match u.kind {
            ScopeKind::Class => format!("{}.{}", u.qualname, name),
            _ => format!("{}.<locals>.{}", u.qualname, name),
        }
    }

    fn enter_depth(&mut self, span: Span) -> CResult<()> {
        let u = self.u();
        u.depth += 1;
        if u.depth > MAX_DEPTH {
            return Err(CompileError {
                msg: "maximum recursion depth exceeded during compilation".into(),
                span,
                recursion: true,
            });
        }
        Ok(())
    }

    fn leave_depth(&mut self) {
        self.u().depth -= 1;
    }

    /// Finishes the current unit, returning its code object.
    fn pop_unit(&mut self) -> ObjRef {
        let u = self.units.pop().expect("unit");
        self.finish_unit(u)
    }
}

/// Whether two constants may share a slot (same type and value).
fn const_identical(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (Value::Obj(x), Value::Obj(y)) => {
            x.is(y)
                || (x.kind() == crate::object::kind::Kind::Str
                    && y.kind() == crate::object::kind::Kind::Str
                    && crate::object::str::str_of(x) == crate::object::str::str_of(y))
        }
        _ => false,
    }
}
