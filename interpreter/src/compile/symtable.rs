//! The symbol-table pass: for every scope (module, class body, function,
//! lambda, comprehension) decide whether each name is local, a cell (local
//! captured by an inner scope), free (captured from an enclosing function),
//! or global (explicitly or implicitly), following CPython's rules.
//!
//! Scopes are keyed by the address of the AST node that opens them, so the
//! code generator finds a scope's table without depending on visit order.
//! Invariant after `build`: every name used in a function scope has exactly
//! one resolution; `varnames` lists parameters first, in declaration order.

use rustc_hash::{FxHashMap, FxHashSet};

use mini_syntax::ast::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Class,
    Function,
    Lambda,
    Comprehension,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    Local,
    Cell,
    Free,
    GlobalExplicit,
    GlobalImplicit,
}

const DEF_LOCAL: u8 = 1;
const DEF_GLOBAL: u8 = 2;
const DEF_NONLOCAL: u8 = 4;
const USE: u8 = 8;
const DEF_PARAM: u8 = 16;

#[derive(Debug)]
pub struct Scope {
    pub kind: ScopeKind,
    pub name: String,
    /// Names in first-seen order with their DEF_*/USE flags.
    order: Vec<String>,
    flags: FxHashMap<String, u8>,
    pub params: Vec<String>,
    pub children: Vec<usize>,
    pub parent: Option<usize>,
    pub is_generator: bool,
    /// A class body whose methods use `super()`/`__class__`.
    pub needs_class_cell: bool,
    /// Resolutions, filled by `resolve`.
    pub res: FxHashMap<String, Resolution>,
    /// Locals (parameters first), cells and free variables in slot order.
    pub varnames: Vec<String>,
    pub cellvars: Vec<String>,
    pub freevars: Vec<String>,
    /// Span start of the first line (for error messages).
    pub lineno_span: Span,
}

impl Scope {
    fn new(kind: ScopeKind, name: &str, parent: Option<usize>, span: Span) -> Scope {
        Scope {
            kind,
            name: name.to_string(),
            order: Vec::new(),
            flags: FxHashMap::default(),
            params: Vec::new(),
            children: Vec::new(),
            parent,
            is_generator: false,
            needs_class_cell: false,
            res: FxHashMap::default(),
            varnames: Vec::new(),
            cellvars: Vec::new(),
            freevars: Vec::new(),
            lineno_span: span,
        }
    }

    fn add(&mut self, name: &str, flag: u8) {
        match self.flags.get_mut(name) {
            Some(f) => *f |= flag,
            None => {
                self.order.push(name.to_string());
                self.flags.insert(name.to_string(), flag);
            }
        }
    }

    pub fn resolution(&self, name: &str) -> Resolution {
        match self.res.get(name) {
            Some(r) => *r,
            None => match self.kind {
                ScopeKind::Module | ScopeKind::Class => Resolution::GlobalImplicit,
                _ => Resolution::GlobalImplicit,
            },
        }
    }

    pub fn is_function_like(&self) -> bool {
        matches!(
            self.kind,
            ScopeKind::Function | ScopeKind::Lambda | ScopeKind::Comprehension
        )
    }
}

/// A name-binding problem found while building the table (a SyntaxError).
#[derive(Debug)]
pub struct SymError {
    pub msg: String,
    pub span: Span,
}

pub struct SymbolTable {
    pub scopes: Vec<Scope>,
    by_node: FxHashMap<usize, usize>,
}

impl SymbolTable {
    /// The scope opened by the AST node at `addr` (see `node_key`).
    pub fn scope_of(&self, key: usize) -> usize {
        self.by_node[&key]
    }
}

/// The key of a scope-opening node: its address.
pub fn node_key<T>(node: &T) -> usize {
    node as *const T as usize
}

struct Builder {
    scopes: Vec<Scope>,
    by_node: FxHashMap<usize, usize>,
    stack: Vec<usize>,
    error: Option<SymError>,
}

pub fn build(module: &Module) -> Result<SymbolTable, SymError> {
    build_with(module, ScopeKind::Module)
}

/// Builds the table for a module or for an `eval`-style expression wrapper.
pub fn build_with(module: &Module, kind: ScopeKind) -> Result<SymbolTable, SymError> {
    let mut b = Builder {
        scopes: vec![Scope::new(kind, "<module>", None, Span::default())],
        by_node: FxHashMap::default(),
        stack: vec![0],
        error: None,
    };
    b.by_node.insert(node_key(module), 0);
    for s in &module.body {
        b.stmt(s);
    }
    if let Some(e) = b.error {
        return Err(e);
    }
    let mut t = SymbolTable {
        scopes: b.scopes,
        by_node: b.by_node,
    };
    resolve(&mut t)?;
    Ok(t)
}

impl Builder {
    fn cur(&mut self) -> &mut Scope {
        let i = *self.stack.last().unwrap();
        &mut self.scopes[i]
    }

    fn err(&mut self, msg: String, span: Span) {
        if self.error.is_none() {
            self.error = Some(SymError { msg, span });
        }
    }

    fn push(&mut self, kind: ScopeKind, name: &str, key: usize, span: Span) -> usize {
        let parent = *self.stack.last().unwrap();
        let id = self.scopes.len();
        self.scopes.push(Scope::new(kind, name, Some(parent), span));
        self.scopes[parent].children.push(id);
        self.by_node.insert(key, id);
        self.stack.push(id);
        id
    }

    fn pop(&mut self) {
        self.stack.pop();
    }

    fn bind(&mut self, name: &str, span: Span) {
        let cur = self.cur();
        if let Some(f) = cur.flags.get(name) {
            if f & DEF_GLOBAL != 0 || f & DEF_NONLOCAL != 0 {
                cur.add(name, 0);
                return;
            }
        }
        let _ = span;
        cur.add(name, DEF_LOCAL);
    }

    fn use_name(&mut self, name: &str) {
        self.cur().add(name, USE);
        if name == "super" || name == "__class__" {
            // Zero-argument super() needs the enclosing class's cell.
            self.mark_class_cell_use();
        }
    }

    fn mark_class_cell_use(&mut self) {
        let cur = *self.stack.last().unwrap();
        if !self.scopes[cur].is_function_like() {
            return;
        }
        // Find the nearest enclosing class scope through function scopes.
        let mut p = self.scopes[cur].parent;
        while let Some(i) = p {
            match self.scopes[i].kind {
                ScopeKind::Class => {
                    self.scopes[i].needs_class_cell = true;
                    self.scopes[cur].add("__class__", USE);
                    return;
                }
                ScopeKind::Module => return,
                _ => p = self.scopes[i].parent,
            }
        }
    }

    fn args(&mut self, a: &Arguments) {
        for arg in a
            .posonlyargs
            .iter()
            .chain(a.args.iter())
            .chain(a.kwonlyargs.iter())
            .chain(a.vararg.iter())
            .chain(a.kwarg.iter())
        {
            let cur = self.cur();
            if cur.flags.get(&arg.name).is_some_and(|f| f & DEF_PARAM != 0) {
                let msg = format!("duplicate argument '{}' in function definition", arg.name);
                self.err(msg, arg.span);
            }
            let cur = self.cur();
            cur.add(&arg.name, DEF_PARAM | DEF_LOCAL);
            cur.params.push(arg.name.clone());
        }
    }

    fn arg_annotations_and_defaults(&mut self, a: &Arguments) {
        for d in &a.defaults {
            self.expr(d);
        }
        for d in a.kw_defaults.iter().flatten() {
            self.expr(d);
        }
        for arg in a
            .posonlyargs
            .iter()
            .chain(a.args.iter())
            .chain(a.vararg.iter())
            .chain(a.kwonlyargs.iter())
            .chain(a.kwarg.iter())
        {
            if let Some(an) = &arg.annotation {
                self.expr(an);
            }
        }
    }

    fn stmts(&mut self, body: &[Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::Assign { targets, value } => {
                self.expr(value);
                for t in targets {
                    self.target(t);
                }
            }
            StmtKind::AugAssign { target, value, .. } => {
                self.expr(value);
                if let ExprKind::Name(n) = &target.kind {
                    self.use_name(n);
                }
                self.target(target);
            }
            StmtKind::AnnAssign {
                target,
                annotation,
                value,
                ..
            } => {
                if let Some(v) = value {
                    self.expr(v);
                }
                let cur_kind = self.cur().kind;
                if cur_kind != ScopeKind::Function && cur_kind != ScopeKind::Lambda {
                    self.expr(annotation);
                }
                if value.is_some() {
                    self.target(target);
                } else if let ExprKind::Name(n) = &target.kind {
                    // A bare annotation still makes the name local.
                    self.bind(n, target.span);
                } else {
                    self.expr_no_target(target);
                }
            }
            StmtKind::Pass | StmtKind::Break | StmtKind::Continue => {}
            StmtKind::Delete(ts) => {
                for t in ts {
                    self.target(t);
                }
            }
            StmtKind::Return(v) => {
                if let Some(v) = v {
                    self.expr(v);
                }
            }
            StmtKind::If { test, body, orelse } | StmtKind::While { test, body, orelse } => {
                self.expr(test);
                self.stmts(body);
                self.stmts(orelse);
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                self.expr(iter);
                self.target(target);
                self.stmts(body);
                self.stmts(orelse);
            }
            StmtKind::FunctionDef(f) => {
                for d in &f.decorators {
                    self.expr(d);
                }
                self.arg_annotations_and_defaults(&f.args);
                if let Some(r) = &f.returns {
                    self.expr(r);
                }
                self.bind(&f.name, s.span);
                self.push(ScopeKind::Function, &f.name, node_key(&**f), s.span);
                self.args(&f.args);
                self.stmts(&f.body);
                self.pop();
            }
            StmtKind::ClassDef(c) => {
                for d in &c.decorators {
                    self.expr(d);
                }
                for b in &c.bases {
                    self.expr(b);
                }
                for k in &c.keywords {
                    self.expr(&k.value);
                }
                self.bind(&c.name, s.span);
                self.push(ScopeKind::Class, &c.name, node_key(&**c), s.span);
                self.stmts(&c.body);
                self.pop();
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                self.stmts(body);
                for h in handlers {
                    if let Some(t) = &h.typ {
                        self.expr(t);
                    }
                    if let Some(n) = &h.name {
                        self.bind(n, h.span);
                    }
                    self.stmts(&h.body);
                }
                self.stmts(orelse);
                self.stmts(finalbody);
            }
            StmtKind::Raise { exc, cause } => {
                if let Some(e) = exc {
                    self.expr(e);
                }
                if let Some(c) = cause {
                    self.expr(c);
                }
            }
            StmtKind::With { items, body } => {
                for it in items {
                    self.expr(&it.context);
                    if let Some(t) = &it.target {
                        self.target(t);
                    }
                }
                self.stmts(body);
            }
            StmtKind::Import(names) => {
                for a in names {
                    let bound = match &a.asname {
                        Some(n) => n.clone(),
                        None => a.name.split('.').next().unwrap_or("").to_string(),
                    };
                    self.bind(&bound, a.span);
                }
            }
            StmtKind::ImportFrom { names, .. } => {
                for a in names {
                    if a.name == "*" {
                        if self.cur().kind != ScopeKind::Module {
                            self.err("import * only allowed at module level".to_string(), s.span);
                        }
                        continue;
                    }
                    let bound = a.asname.clone().unwrap_or_else(|| a.name.clone());
                    self.bind(&bound, a.span);
                }
            }
            StmtKind::Global(names) => {
                for n in names {
                    let f = self.cur().flags.get(n).copied().unwrap_or(0);
                    if f & DEF_PARAM != 0 {
                        self.err(format!("name '{n}' is parameter and global"), s.span);
                    } else if f & DEF_LOCAL != 0 {
                        self.err(
                            format!("name '{n}' is assigned to before global declaration"),
                            s.span,
                        );
                    } else if f & USE != 0 {
                        self.err(
                            format!("name '{n}' is used prior to global declaration"),
                            s.span,
                        );
                    } else if f & DEF_NONLOCAL != 0 {
                        self.err(format!("name '{n}' is nonlocal and global"), s.span);
                    }
                    self.cur().add(n, DEF_GLOBAL);
                }
            }
            StmtKind::Nonlocal(names) => {
                for n in names {
                    if self.cur().kind == ScopeKind::Module {
                        self.err(
                            "nonlocal declaration not allowed at module level".to_string(),
                            s.span,
                        );
                        continue;
                    }
                    let f = self.cur().flags.get(n).copied().unwrap_or(0);
                    if f & DEF_PARAM != 0 {
                        self.err(format!("name '{n}' is parameter and nonlocal"), s.span);
                    } else if f & DEF_LOCAL != 0 {
                        self.err(
                            format!("name '{n}' is assigned to before nonlocal declaration"),
                            s.span,
                        );
                    } else if f & USE != 0 {
                        self.err(
                            format!("name '{n}' is used prior to nonlocal declaration"),
                            s.span,
                        );
                    } else if f & DEF_GLOBAL != 0 {
                        self.err(format!("name '{n}' is nonlocal and global"), s.span);
                    }
                    self.cur().add(n, DEF_NONLOCAL);
                }
            }
            StmtKind::Assert { test, msg } => {
                self.expr(test);
                if let Some(m) = msg {
                    self.expr(m);
                }
            }
        }
    }

    /// An assignment/deletion target: binds names, evaluates the rest.
    fn target(&mut self, t: &Expr) {
        match &t.kind {
            ExprKind::Name(n) => self.bind(n, t.span),
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                for i in items {
                    self.target(i);
                }
            }
            ExprKind::Starred(inner) => self.target(inner),
            ExprKind::Attribute { value, .. } => self.expr(value),
            ExprKind::Subscript { value, slice } => {
                self.expr(value);
                self.expr(slice);
            }
            _ => self.expr(t),
        }
    }

    fn expr_no_target(&mut self, t: &Expr) {
        match &t.kind {
            ExprKind::Attribute { value, .. } => self.expr(value),
            ExprKind::Subscript { value, slice } => {
                self.expr(value);
                self.expr(slice);
            }
            _ => {}
        }
    }

    fn comprehension(&mut self, node: &Expr, elts: &[&Expr], gens: &[Comprehension], name: &str) {
        // The first iterable is evaluated in the enclosing scope.
        self.expr(&gens[0].iter);
        self.push(ScopeKind::Comprehension, name, node_key(node), node.span);
        let cur = self.cur();
        cur.add(".0", DEF_PARAM | DEF_LOCAL);
        cur.params.push(".0".to_string());
        if name == "<genexpr>" {
            cur.is_generator = true;
        }
        for (i, g) in gens.iter().enumerate() {
            if i > 0 {
                self.expr(&g.iter);
            }
            self.target(&g.target);
            for c in &g.ifs {
                self.expr(c);
            }
        }
        for e in elts {
            self.expr(e);
        }
        self.pop();
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::BoolOp { values, .. } => {
                for v in values {
                    self.expr(v);
                }
            }
            ExprKind::NamedExpr { target, value } => {
                self.expr(value);
                if let ExprKind::Name(n) = &target.kind {
                    // Inside comprehensions the walrus binds in the nearest
                    // enclosing non-comprehension scope.
                    let mut idx = self.stack.len() - 1;
                    while self.scopes[self.stack[idx]].kind == ScopeKind::Comprehension {
                        let comp = self.stack[idx];
                        if self.scopes[comp]
                            .flags
                            .get(n)
                            .is_some_and(|f| f & DEF_PARAM != 0)
                            || self.scopes[comp]
                                .flags
                                .get(n)
                                .is_some_and(|f| f & DEF_LOCAL != 0)
                        {
                            self.err(
                                format!(
                                    "assignment expression cannot rebind comprehension iteration variable '{n}'"
                                ),
                                target.span,
                            );
                            return;
                        }
                        idx -= 1;
                    }
                    if idx + 1 < self.stack.len() {
                        let owner = self.stack[idx];
                        if self.scopes[owner].kind == ScopeKind::Class {
                            self.err(
                                "assignment expression within a comprehension cannot be used in a class body".to_string(),
                                target.span,
                            );
                            return;
                        }
                        let owner_kind = self.scopes[owner].kind;
                        if owner_kind == ScopeKind::Module {
                            self.scopes[owner].add(n, DEF_LOCAL);
                            for &c in &self.stack[idx + 1..] {
                                self.scopes[c].add(n, DEF_GLOBAL);
                            }
                        } else {
                            self.scopes[owner].add(n, DEF_LOCAL);
                            for &c in &self.stack[idx + 1..] {
                                self.scopes[c].add(n, DEF_NONLOCAL);
                            }
                        }
                    } else {
                        self.bind(n, target.span);
                    }
                }
            }
            ExprKind::BinOp { left, right, .. } => {
                self.expr(left);
                self.expr(right);
            }
            ExprKind::UnaryOp { operand, .. } => self.expr(operand),
            ExprKind::Lambda { args, body } => {
                self.arg_annotations_and_defaults(args);
                self.push(ScopeKind::Lambda, "<lambda>", node_key(e), e.span);
                self.args(args);
                self.expr(body);
                self.pop();
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.expr(test);
                self.expr(body);
                self.expr(orelse);
            }
            ExprKind::Dict { keys, values } => {
                for (k, v) in keys.iter().zip(values) {
                    if let Some(k) = k {
                        self.expr(k);
                    }
                    self.expr(v);
                }
            }
            ExprKind::Set(items) | ExprKind::List(items) | ExprKind::Tuple(items) => {
                for i in items {
                    self.expr(i);
                }
            }
            ExprKind::ListComp { elt, generators } => {
                self.comprehension(e, &[elt], generators, "<listcomp>")
            }
            ExprKind::SetComp { elt, generators } => {
                self.comprehension(e, &[elt], generators, "<setcomp>")
            }
            ExprKind::GeneratorExp { elt, generators } => {
                self.comprehension(e, &[elt], generators, "<genexpr>")
            }
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => self.comprehension(e, &[key, value], generators, "<dictcomp>"),
            ExprKind::Yield(v) => {
                self.mark_generator(e.span);
                if let Some(v) = v {
                    self.expr(v);
                }
            }
            ExprKind::YieldFrom(v) => {
                self.mark_generator(e.span);
                self.expr(v);
            }
            ExprKind::Compare {
                left, comparators, ..
            } => {
                self.expr(left);
                for c in comparators {
                    self.expr(c);
                }
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => {
                self.expr(func);
                for a in args {
                    self.expr(a);
                }
                for k in keywords {
                    self.expr(&k.value);
                }
            }
            ExprKind::FormattedValue {
                value, format_spec, ..
            } => {
                self.expr(value);
                if let Some(s) = format_spec {
                    self.expr(s);
                }
            }
            ExprKind::JoinedStr(parts) => {
                for p in parts {
                    self.expr(p);
                }
            }
            ExprKind::Constant(_) => {}
            ExprKind::Attribute { value, .. } => self.expr(value),
            ExprKind::Subscript { value, slice } => {
                self.expr(value);
                self.expr(slice);
            }
            ExprKind::Starred(v) => self.expr(v),
            ExprKind::Name(n) => self.use_name(n),
            ExprKind::Slice { lower, upper, step } => {
                for x in [lower, upper, step].into_iter().flatten() {
                    self.expr(x);
                }
            }
        }
    }

    fn mark_generator(&mut self, span: Span) {
        let cur = self.cur();
        match cur.kind {
            ScopeKind::Module | ScopeKind::Class => {
                self.err("'yield' outside function".to_string(), span);
            }
            ScopeKind::Comprehension if cur.name != "<genexpr>" => {
                let what = match cur.name.as_str() {
                    "<listcomp>" => "list comprehension",
                    "<setcomp>" => "set comprehension",
                    _ => "dict comprehension",
                };
                self.err(format!("'yield' inside {what}"), span);
            }
            _ => cur.is_generator = true,
        }
    }
}

/// Resolves every scope's names top-down (CPython's `analyze_block`).
fn resolve(t: &mut SymbolTable) -> Result<(), SymError> {
    // Names bound in each function scope, visible to nested functions.
    let n = t.scopes.len();
    let mut free_needed: Vec<FxHashSet<String>> = vec![FxHashSet::default(); n];
    // Process children before parents for free-variable propagation: a
    // scope's free variables become cells (or frees) in the enclosing scope.
    let order = postorder(t, 0);
    // First decide locals/globals per scope and collect candidate frees.
    for &i in &order {
        let sc = &t.scopes[i];
        let mut res = FxHashMap::default();
        for name in &sc.order {
            let f = sc.flags[name];
            let r = if f & DEF_GLOBAL != 0 {
                Resolution::GlobalExplicit
            } else if f & DEF_NONLOCAL != 0 {
                Resolution::Free
            } else if f & (DEF_LOCAL | DEF_PARAM) != 0 {
                if sc.kind == ScopeKind::Module {
                    Resolution::GlobalImplicit
                } else {
                    Resolution::Local
                }
            } else if sc.kind == ScopeKind::Module {
                Resolution::GlobalImplicit
            } else if bound_in_enclosing_function(t, i, name) {
                Resolution::Free
            } else {
                Resolution::GlobalImplicit
            };
            res.insert(name.clone(), r);
        }
        if sc.kind == ScopeKind::Class && sc.needs_class_cell {
            res.insert("__class__".to_string(), Resolution::Cell);
        }
        t.scopes[i].res = res;
    }
    // nonlocal names must be bound in an enclosing function scope.
    for &i in &order {
        let sc = &t.scopes[i];
        for name in &sc.order {
            if sc.flags[name] & DEF_NONLOCAL != 0 && !bound_in_enclosing_function(t, i, name) {
                return Err(SymError {
                    msg: format!("no binding for nonlocal '{name}' found"),
                    span: sc.lineno_span,
                });
            }
        }
    }
    // Propagate free variables outward: each enclosing scope between the
    // user and the binder gets the name as free; the binder marks it a cell.
    for &i in &order {
        let frees: Vec<String> = t.scopes[i]
            .res
            .iter()
            .filter(|(_, r)| **r == Resolution::Free)
            .map(|(k, _)| k.clone())
            .collect();
        for name in frees {
            let mut p = t.scopes[i].parent;
            while let Some(j) = p {
                let sc = &mut t.scopes[j];
                if sc.kind == ScopeKind::Class {
                    if name == "__class__" && sc.needs_class_cell {
                        break;
                    }
                    // Class scopes are skipped, but record the free name so
                    // the class body can pass the cell along.
                    free_needed[j].insert(name.clone());
                    p = sc.parent;
                    continue;
                }
                match sc.res.get(&name).copied() {
                    Some(Resolution::Local) | Some(Resolution::Cell) => {
                        sc.res.insert(name.clone(), Resolution::Cell);
                        break;
                    }
                    Some(Resolution::Free) => break,
                    _ => {
                        sc.res.insert(name.clone(), Resolution::Free);
                        p = sc.parent;
                    }
                }
            }
        }
    }
    for (j, names) in free_needed.into_iter().enumerate() {
        for name in names {
            let sc = &mut t.scopes[j];
            match sc.res.get(&name) {
                Some(Resolution::GlobalExplicit) => {}
                Some(Resolution::Local) | Some(Resolution::GlobalImplicit) | None => {
                    // A class body passing a free variable through: it stays
                    // a class-local name for the body, but the cell is free.
                    sc.freevars.push(name);
                }
                _ => {}
            }
        }
    }
    for sc in t.scopes.iter_mut() {
        let mut varnames: Vec<String> = sc.params.clone();
        let mut cellvars = Vec::new();
        let mut freevars = std::mem::take(&mut sc.freevars);
        for name in &sc.order {
            match sc.res.get(name) {
                Some(Resolution::Local) if !varnames.contains(name) => varnames.push(name.clone()),
                Some(Resolution::Cell) => cellvars.push(name.clone()),
                Some(Resolution::Free) if !freevars.contains(name) => freevars.push(name.clone()),
                _ => {}
            }
        }
        if sc.kind == ScopeKind::Class
            && sc.needs_class_cell
            && !cellvars.contains(&"__class__".to_string())
        {
            cellvars.push("__class__".to_string());
        }
        for (name, r) in sc.res.iter() {
            if *r == Resolution::Cell && !cellvars.contains(name) {
                cellvars.push(name.clone());
            }
            if *r == Resolution::Free && !freevars.contains(name) {
                freevars.push(name.clone());
            }
        }
        cellvars.sort();
        freevars.sort();
        if sc.kind == ScopeKind::Module || sc.kind == ScopeKind::Class {
            varnames.clear();
        }
        sc.varnames = varnames;
        sc.cellvars = cellvars;
        sc.freevars = freevars;
    }
    Ok(())
}

fn postorder(t: &SymbolTable, root: usize) -> Vec<usize> {
    // Parents before children (pre-order) is what local resolution needs:
    // `bound_in_enclosing_function` only reads flags, not resolutions.
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(i) = stack.pop() {
        out.push(i);
        for &c in t.scopes[i].children.iter().rev() {
            stack.push(c);
        }
    }
    out
}

/// Whether `name` is bound (local, param or nonlocal) in a function scope
/// enclosing scope `i` (class scopes are skipped, as in CPython).
fn bound_in_enclosing_function(t: &SymbolTable, i: usize, name: &str) -> bool {
    let mut p = t.scopes[i].parent;
    while let Some(j) = p {
        let sc = &t.scopes[j];
        match sc.kind {
            ScopeKind::Module => return false,
            ScopeKind::Class => {
                if name == "__class__" && sc.needs_class_cell {
                    return true;
                }
            }
            _ => {
                if let Some(f) = sc.flags.get(name) {
                    if f & DEF_GLOBAL != 0 {
                        return false;
                    }
                    if f & (DEF_LOCAL | DEF_PARAM | DEF_NONLOCAL) != 0 {
                        return true;
                    }
                }
            }
        }
        p = sc.parent;
    }
    false
}
