//! The native object types of `re`: the module state (`ReState`: error
//! class, compile cache, matcher pool), `Pattern`, `Match` and the
//! `finditer` iterator. Their attributes and reprs live here; methods are
//! in `pattern.rs` and `matchobj.rs`.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::ast::*;
use super::compiler::Program;
use super::engine::Matcher;
use super::subject::Subject;
use crate::object::native::{native_ref, Native, NativeObject};
use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::{PyResult, Vm};

/// A compiled pattern and what `Pattern` reports about it.
pub struct Code {
    pub prog: Program,
    pub flags: u32,
    /// Number of capturing groups.
    pub groups: usize,
    /// Named groups in definition order.
    pub names: Vec<(String, usize)>,
    pub is_bytes: bool,
}

impl Code {
    pub fn group_name(&self, g: usize) -> Option<&str> {
        self.names
            .iter()
            .find(|(_, i)| *i == g)
            .map(|(n, _)| n.as_str())
    }
}

/// Group spans of a match (0 = the whole match), inline for few groups.
pub type Spans = smallvec::SmallVec<[Option<(usize, usize)>; 4]>;

/// Cache key: (is bytes, pattern text, flags).
pub type CacheKey = (bool, Vec<u8>, i64);

/// Module-wide state, passed to the module functions as their bound value.
pub struct ReState {
    pub pattern_type: ObjRef,
    pub match_type: ObjRef,
    pub iter_type: ObjRef,
    pub error: ObjRef,
    pub flag_class: ObjRef,
    pub proxy_class: ObjRef,
    pub cache: RefCell<FxHashMap<CacheKey, ObjRef>>,
    pub order: RefCell<VecDeque<CacheKey>>,
    /// The last non-ASCII subject, to skip decoding it again.
    pub last: RefCell<Option<Rc<Subject>>>,
    pool: RefCell<Vec<Matcher>>,
}

pub const MAXCACHE: usize = 512;

impl ReState {
    pub fn new(vm: &mut Vm, error: ObjRef, flag_class: ObjRef, proxy_class: ObjRef) -> ReState {
        ReState {
            pattern_type: pattern_type(vm),
            match_type: match_type(vm),
            iter_type: iter_type(vm),
            error,
            flag_class,
            proxy_class,
            cache: RefCell::new(FxHashMap::default()),
            order: RefCell::new(VecDeque::new()),
            last: RefCell::new(None),
            pool: RefCell::new(Vec::new()),
        }
    }

    pub fn take_matcher(&self) -> Matcher {
        self.pool.borrow_mut().pop().unwrap_or_default()
    }

    pub fn give_matcher(&self, m: Matcher) {
        let mut p = self.pool.borrow_mut();
        if p.len() < 4 {
            p.push(m);
        }
    }
}

impl NativeObject for ReState {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        visit(&self.pattern_type);
        visit(&self.match_type);
        visit(&self.iter_type);
        visit(&self.error);
        visit(&self.flag_class);
        visit(&self.proxy_class);
        for o in self.cache.borrow().values() {
            visit(o);
        }
        if let Some(s) = self.last.borrow().as_ref() {
            visit(&s.obj);
        }
    }
    fn clear(&self) {
        self.cache.borrow_mut().clear();
        self.order.borrow_mut().clear();
        self.last.borrow_mut().take();
    }
}

pub struct PatternObj {
    pub source: Value,
    pub code: Rc<Code>,
    pub state: ObjRef,
    groupindex: RefCell<Option<Value>>,
}

pub fn pattern_type(vm: &mut Vm) -> ObjRef {
    vm.extra_type("Pattern", "re")
}

pub fn match_type(vm: &mut Vm) -> ObjRef {
    vm.extra_type("Match", "re")
}

pub fn iter_type(vm: &mut Vm) -> ObjRef {
    vm.extra_type("callable_iterator", "builtins")
}

pub fn new_pattern(vm: &mut Vm, source: Value, code: Code, state: ObjRef) -> ObjRef {
    let t = native_ref::<ReState>(&state)
        .expect("re state")
        .pattern_type
        .clone();
    vm.alloc(
        &t,
        Native {
            inner: Box::new(PatternObj {
                source,
                code: Rc::new(code),
                state,
                groupindex: RefCell::new(None),
            }),
        },
    )
}

pub fn state_of(p: &PatternObj) -> &ReState {
    native_ref::<ReState>(&p.state).expect("re state")
}

/// `repr(x)` cut to `n` characters, as `%.<n>R` does.
pub fn repr_cut(vm: &mut Vm, v: &Value, n: usize) -> PyResult<String> {
    let r = vm.repr(v)?;
    Ok(match r.char_indices().nth(n) {
        Some((i, _)) => r[..i].to_string(),
        None => r,
    })
}

const REPR_FLAGS: [(&str, u32); 9] = [
    ("re.TEMPLATE", FLAG_TEMPLATE),
    ("re.IGNORECASE", FLAG_IGNORECASE),
    ("re.LOCALE", FLAG_LOCALE),
    ("re.MULTILINE", FLAG_MULTILINE),
    ("re.DOTALL", FLAG_DOTALL),
    ("re.UNICODE", FLAG_UNICODE),
    ("re.VERBOSE", FLAG_VERBOSE),
    ("re.DEBUG", FLAG_DEBUG),
    ("re.ASCII", FLAG_ASCII),
];

impl NativeObject for PatternObj {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        if let Value::Obj(o) = &self.source {
            visit(o);
        }
        visit(&self.state);
        if let Some(Value::Obj(o)) = self.groupindex.borrow().as_ref() {
            visit(o);
        }
    }
    fn repr(&self, vm: &mut Vm, _me: &ObjRef) -> Option<PyResult<String>> {
        let mut flags = self.code.flags;
        if !self.code.is_bytes && flags & TYPE_FLAGS == FLAG_UNICODE {
            flags &= !FLAG_UNICODE;
        }
        let mut names: Vec<String> = Vec::new();
        for (n, bit) in REPR_FLAGS {
            if flags & bit != 0 {
                names.push(n.to_string());
                flags &= !bit;
            }
        }
        if flags != 0 {
            names.push(format!("0x{flags:x}"));
        }
        Some(repr_cut(vm, &self.source, 200).map(|p| {
            if names.is_empty() {
                format!("re.compile({p})")
            } else {
                format!("re.compile({p}, {})", names.join("|"))
            }
        }))
    }
    fn getattr(&self, vm: &mut Vm, me: &ObjRef, name: &str) -> Option<PyResult<Value>> {
        Some(Ok(match name {
            "pattern" => self.source.clone(),
            "flags" => Value::Int(self.code.flags as i64),
            "groups" => Value::Int(self.code.groups as i64),
            "groupindex" => return Some(self.groupindex(vm)),
            _ => return missing(vm, me, name, "re.Pattern"),
        }))
    }
}

impl PatternObj {
    /// `Pattern.groupindex`: a read-only mapping of names to numbers.
    fn groupindex(&self, vm: &mut Vm) -> PyResult<Value> {
        if let Some(v) = self.groupindex.borrow().as_ref() {
            return Ok(v.clone());
        }
        let d = vm.new_dict();
        if self.code.names.is_empty() {
            // CPython answers a fresh plain dict when there are no names.
            return Ok(Value::Obj(d));
        }
        for (n, g) in &self.code.names {
            let k = vm.str_val(n);
            vm.dict_set(&d, k, Value::Int(*g as i64))?;
        }
        let cls = state_of(self).proxy_class.clone();
        let v = vm.call(&Value::Obj(cls), vec![Value::Obj(d)])?;
        *self.groupindex.borrow_mut() = Some(v.clone());
        Ok(v)
    }
}

pub struct MatchObj {
    pub subject: Rc<Subject>,
    pub pattern: ObjRef,
    pub code: Rc<Code>,
    /// Spans of groups 0..=groups; None for groups that did not match.
    pub spans: Spans,
    pub pos: usize,
    pub endpos: usize,
    pub lastindex: i32,
}

pub fn new_match(vm: &mut Vm, st: &ReState, m: MatchObj) -> Value {
    let t = st.match_type.clone();
    Value::Obj(vm.alloc(&t, Native { inner: Box::new(m) }))
}

impl MatchObj {
    /// Group `g`'s text, or `default` when it did not match.
    pub fn group_value(&self, vm: &mut Vm, g: usize, default: &Value) -> Value {
        match self.spans[g] {
            Some((a, b)) => self.subject.slice(vm, a, b),
            None => default.clone(),
        }
    }

    /// The group number for a `group()` argument (int or name).
    pub fn index_of(&self, vm: &mut Vm, key: &Value) -> PyResult<usize> {
        use crate::vm::arith::{as_int, Num};
        let n = self.code.groups as i64;
        let found = match as_int(key) {
            Some(Num::Int(i)) if (0..=n).contains(&i) => Some(i as usize),
            Some(_) => None,
            None => match key {
                Value::Obj(o) => crate::object::str::str_of(o).and_then(|s| {
                    self.code
                        .names
                        .iter()
                        .find(|(k, _)| k == s)
                        .map(|(_, g)| *g)
                }),
                _ => None,
            },
        };
        match found {
            Some(g) => Ok(g),
            None => Err(vm.index_error("no such group")),
        }
    }

    fn regs(&self, vm: &mut Vm) -> Value {
        let items: Vec<Value> = self
            .spans
            .iter()
            .map(|s| {
                let (a, b) = s.map(|(a, b)| (a as i64, b as i64)).unwrap_or((-1, -1));
                Value::Obj(vm.new_tuple(vec![Value::Int(a), Value::Int(b)]))
            })
            .collect();
        Value::Obj(vm.new_tuple(items))
    }
}

impl NativeObject for MatchObj {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        visit(&self.subject.obj);
        visit(&self.pattern);
    }
    fn repr(&self, vm: &mut Vm, _me: &ObjRef) -> Option<PyResult<String>> {
        let (a, b) = self.spans[0].unwrap_or((0, 0));
        let g = self.subject.slice(vm, a, b);
        Some(repr_cut(vm, &g, 50).map(|r| format!("<re.Match object; span=({a}, {b}), match={r}>")))
    }
    fn getitem(&self, vm: &mut Vm, _me: &ObjRef, key: &Value) -> Option<PyResult<Value>> {
        Some(
            self.index_of(vm, key)
                .map(|g| self.group_value(vm, g, &Value::None)),
        )
    }
    fn getattr(&self, vm: &mut Vm, me: &ObjRef, name: &str) -> Option<PyResult<Value>> {
        Some(Ok(match name {
            "string" => Value::Obj(self.subject.obj.clone()),
            "re" => Value::Obj(self.pattern.clone()),
            "pos" => Value::Int(self.pos as i64),
            "endpos" => Value::Int(self.endpos as i64),
            "lastindex" => {
                if self.lastindex < 0 {
                    Value::None
                } else {
                    Value::Int(self.lastindex as i64)
                }
            }
            "lastgroup" => match self.code.group_name(self.lastindex.max(0) as usize) {
                Some(n) if self.lastindex > 0 => vm.str_val(n),
                _ => Value::None,
            },
            "regs" => self.regs(vm),
            _ => return missing(vm, me, name, "re.Match"),
        }))
    }
}

/// Lets the VM find methods and dunders; anything else is an
/// AttributeError naming the type as CPython does (`'re.Match' object`).
fn missing(vm: &mut Vm, me: &ObjRef, name: &str, tname: &str) -> Option<PyResult<Value>> {
    let k = vm.intern(name);
    if name.starts_with("__") || vm.lookup_mro(&me.class(), &k).is_some() {
        return None;
    }
    let e = vm.attribute_error(format!("'{tname}' object has no attribute '{name}'"));
    vm.set_exc_attr(&e, "name", Value::Obj(k));
    vm.set_exc_attr(&e, "obj", Value::Obj(me.clone()));
    Some(Err(e))
}

/// `finditer`'s iterator: searches lazily from where the last match ended.
pub struct FindIter {
    pub pattern: ObjRef,
    pub subject: Rc<Subject>,
    pub pos: Cell<usize>,
    pub endpos: usize,
    pub orig_pos: usize,
    pub must_advance: Cell<bool>,
    pub done: Cell<bool>,
}

impl NativeObject for FindIter {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        visit(&self.pattern);
        visit(&self.subject.obj);
    }
    fn is_iterator(&self) -> bool {
        true
    }
    fn next(&self, vm: &mut Vm, _me: &ObjRef) -> Option<PyResult<Option<Value>>> {
        Some(super::pattern::finditer_next(vm, self))
    }
}
