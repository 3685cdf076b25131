//! The `re` module, native: pattern syntax (`parser`, `escapes`) → tree
//! (`ast`) → program (`compiler`, `charset`) run by a backtracking engine
//! with sre's semantics (`engine`), exposed as Pattern/Match objects
//! (`objects`, `pattern`, `matchobj`). `re.error`, `RegexFlag` and the
//! group-index mapping are small classes defined by `PRELUDE` (Python run
//! in the module at import). Compiled patterns are cached per
//! (type, pattern, flags) like CPython's `re._cache` (512 entries, oldest
//! dropped first).

mod ast;
mod callargs;
mod charset;
mod compiler;
mod engine;
mod escapes;
mod matchers;
mod matchobj;
mod objects;
mod parser;
mod pattern;
mod scan;
mod sub;
mod subject;
mod template;
#[cfg(test)]
mod tests;
mod tokenizer;
mod unicode;
#[rustfmt::skip]
mod unicode_data;

use callargs::{bind, Style};
use objects::*;
use pattern::Mode;
use tokenizer::CompileError;

use crate::object::bytes::Bytes;
use crate::object::dict::Dict;
use crate::object::function::NativeFn;
use crate::object::module::Module;
use crate::object::native::{native_ref, Native};
use crate::object::rc::ObjRef;
use crate::object::str::Str;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::arith::{as_int, Num};
use crate::vm::{PyErr, PyResult, Vm};

/// The parts of `re` written in Python: the exception, the flag type and
/// the read-only mapping behind `Pattern.groupindex`.
const PRELUDE: &str = r#"
class error(Exception):
    """Exception raised for invalid regular expressions."""

    def __init__(self, msg, pattern=None, pos=None):
        self.msg = msg
        self.pattern = pattern
        self.pos = pos
        if pattern is None or pos is None:
            self.lineno = None
            self.colno = None
        else:
            newline = '\n' if isinstance(pattern, str) else b'\n'
            self.lineno = pattern.count(newline, 0, pos) + 1
            self.colno = pos - pattern.rfind(newline, 0, pos)
            msg = '%s at position %d' % (msg, pos)
            if newline in pattern:
                msg = '%s (line %d, column %d)' % (msg, self.lineno, self.colno)
        Exception.__init__(self, msg)


_FLAG_NAMES = (('ASCII', 256), ('IGNORECASE', 2), ('LOCALE', 4), ('UNICODE', 32),
               ('MULTILINE', 8), ('DOTALL', 16), ('VERBOSE', 64), ('TEMPLATE', 1),
               ('DEBUG', 128))


class RegexFlag(int):
    def _parts(self):
        value = int(self)
        parts = []
        for name, bit in _FLAG_NAMES:
            if value & bit:
                parts.append(name)
                value &= ~bit
        return parts, value

    def __repr__(self):
        if int(self) == 0:
            return 're.NOFLAG'
        parts, rest = self._parts()
        if not parts:
            return 're.RegexFlag(%d)' % int(self)
        text = '|'.join(['re.' + p for p in parts])
        if rest:
            text += '|' + hex(rest)
        return text

    __str__ = __repr__

    def __format__(self, spec):
        if spec:
            return format(int(self), spec)
        return str(self)

    @property
    def value(self):
        return int(self)

    @property
    def name(self):
        if int(self) == 0:
            return 'NOFLAG'
        parts, rest = self._parts()
        return '|'.join(parts) if parts and not rest else None

    def __or__(self, other):
        if isinstance(other, int):
            return RegexFlag(int(self) | int(other))
        return NotImplemented

    def __and__(self, other):
        if isinstance(other, int):
            return RegexFlag(int(self) & int(other))
        return NotImplemented

    def __xor__(self, other):
        if isinstance(other, int):
            return RegexFlag(int(self) ^ int(other))
        return NotImplemented

    __ror__ = __or__
    __rand__ = __and__
    __rxor__ = __xor__

    def __invert__(self):
        return RegexFlag(~int(self) & 511)


NOFLAG = RegexFlag(0)
A = ASCII = RegexFlag(256)
I = IGNORECASE = RegexFlag(2)
L = LOCALE = RegexFlag(4)
U = UNICODE = RegexFlag(32)
M = MULTILINE = RegexFlag(8)
S = DOTALL = RegexFlag(16)
X = VERBOSE = RegexFlag(64)
T = TEMPLATE = RegexFlag(1)
DEBUG = RegexFlag(128)
RegexFlag.NOFLAG = NOFLAG
for _name, _bit in _FLAG_NAMES:
    setattr(RegexFlag, _name, globals()[_name])
for _name in 'AILUMSXT':
    setattr(RegexFlag, _name, globals()[_name])


class mappingproxy:
    __slots__ = ('_mapping',)

    def __init__(self, mapping):
        self._mapping = mapping

    def __getitem__(self, key):
        return self._mapping[key]

    def __len__(self):
        return len(self._mapping)

    def __iter__(self):
        return iter(self._mapping)

    def __contains__(self, key):
        return key in self._mapping

    def __eq__(self, other):
        if isinstance(other, mappingproxy):
            other = other._mapping
        return self._mapping == other

    def __repr__(self):
        return 'mappingproxy(%r)' % (self._mapping,)

    def __str__(self):
        return str(self._mapping)

    def get(self, key, default=None):
        return self._mapping.get(key, default)

    def keys(self):
        return self._mapping.keys()

    def values(self):
        return self._mapping.values()

    def items(self):
        return self._mapping.items()

    def copy(self):
        return self._mapping.copy()


mappingproxy.__module__ = 'builtins'
_mappingproxy = mappingproxy
del mappingproxy, _name, _bit

__all__ = ['match', 'fullmatch', 'search', 'sub', 'subn', 'split', 'findall', 'finditer',
           'compile', 'purge', 'template', 'escape', 'error', 'Pattern', 'Match', 'A', 'I',
           'L', 'M', 'S', 'X', 'U', 'ASCII', 'IGNORECASE', 'LOCALE', 'MULTILINE', 'DOTALL',
           'VERBOSE', 'UNICODE', 'NOFLAG', 'RegexFlag']
"#;

fn state(args: &mut Args) -> ObjRef {
    args.pos.remove(0).into_obj().expect("re state")
}

fn st(o: &ObjRef) -> &ReState {
    native_ref::<ReState>(o).expect("re state")
}

/// Converts a compile error into the Python exception.
pub fn compile_error(vm: &mut Vm, st: &ReState, e: CompileError, pattern: &Value) -> PyErr {
    match e {
        CompileError::Re { msg, pos } => {
            let m = vm.str_val(&msg);
            let (pat, p) = match pos {
                Some(p) => (pattern.clone(), Value::Int(p as i64)),
                None => (Value::None, Value::None),
            };
            let cls = Value::Obj(st.error.clone());
            match vm.call(&cls, vec![m, pat, p]) {
                Ok(Value::Obj(exc)) => PyErr { exc },
                Ok(_) => vm.runtime_error("re.error() did not return an exception"),
                Err(e) => e,
            }
        }
        CompileError::Overflow(msg) => vm.overflow_error(msg),
        CompileError::Value(msg) => vm.value_error(msg),
        CompileError::Recursion => vm.recursion_error("maximum recursion depth exceeded"),
    }
}

/// Issues parser warnings through the `warnings` module (from the
/// innermost Python frame, the caller of the re function).
pub fn emit_warnings(vm: &mut Vm, warnings: Vec<tokenizer::Warning>) -> PyResult<()> {
    if warnings.is_empty() {
        return Ok(());
    }
    let Ok(m) = vm.import_module("warnings") else {
        return Ok(());
    };
    let name = vm.intern("warn");
    let warn = vm.get_attr(&Value::Obj(m), &name)?;
    for w in warnings {
        let cname = if w.future {
            "FutureWarning"
        } else {
            "DeprecationWarning"
        };
        let k = vm.intern(cname);
        let cat = vm
            .builtins
            .downcast::<Dict>()
            .unwrap()
            .get_str(&k)
            .unwrap_or(Value::None);
        let msg = vm.str_val(&w.msg);
        vm.call(&warn, vec![msg, cat])?;
    }
    Ok(())
}

/// The flags argument as an int (RegexFlag is an int subclass).
fn flags_value(vm: &mut Vm, v: Option<&Value>) -> PyResult<i64> {
    match v {
        None => Ok(0),
        Some(v) => match as_int(v) {
            Some(Num::Int(i)) => Ok(i),
            Some(_) => Err(vm.overflow_error("Python int too large to convert to C int")),
            None => {
                let t = vm.type_name(v);
                Err(vm.type_error(format!(
                    "unsupported operand type(s) for &: '{t}' and 'RegexFlag'"
                )))
            }
        },
    }
}

/// `re._compile`: a cached Pattern for (pattern, flags).
fn compile_cached(vm: &mut Vm, state: &ObjRef, pattern: &Value, flags: i64) -> PyResult<ObjRef> {
    let s = st(state);
    let key: Option<CacheKey> = pattern.as_obj().and_then(|o| {
        let c = o.class();
        if c.is(&vm.types.str) {
            Some((
                false,
                o.downcast::<Str>()?.as_str().as_bytes().to_vec(),
                flags,
            ))
        } else if c.is(&vm.types.bytes) {
            Some((true, o.downcast::<Bytes>()?.data.clone(), flags))
        } else {
            None
        }
    });
    if let Some(k) = &key {
        if let Some(p) = s.cache.borrow().get(k) {
            return Ok(p.clone());
        }
    }
    if let Some(o) = pattern.as_obj() {
        if native_ref::<PatternObj>(o).is_some() {
            if flags != 0 {
                return Err(vm.value_error("cannot process flags argument with a compiled pattern"));
            }
            return Ok(o.clone());
        }
    }
    let p = compile_new(vm, state, pattern, flags)?;
    if let Some(k) = key {
        if flags & ast::FLAG_DEBUG as i64 == 0 {
            let mut cache = s.cache.borrow_mut();
            let mut order = s.order.borrow_mut();
            if cache.len() >= MAXCACHE {
                if let Some(old) = order.pop_front() {
                    cache.remove(&old);
                }
            }
            order.push_back(k.clone());
            cache.insert(k, p.clone());
        }
    }
    Ok(p)
}

/// Parses and compiles a new Pattern object.
fn compile_new(vm: &mut Vm, state: &ObjRef, pattern: &Value, flags: i64) -> PyResult<ObjRef> {
    let s = st(state);
    let (chars, istext): (Vec<u32>, bool) = match pattern.as_obj() {
        Some(o) if o.downcast::<Str>().is_some() => (
            o.downcast::<Str>()
                .unwrap()
                .as_str()
                .chars()
                .map(|c| c as u32)
                .collect(),
            true,
        ),
        Some(o) if o.downcast::<Bytes>().is_some() => (
            o.downcast::<Bytes>()
                .unwrap()
                .data
                .iter()
                .map(|&b| b as u32)
                .collect(),
            false,
        ),
        _ => return Err(vm.type_error("first argument must be string or compiled pattern")),
    };
    let depth = vm.recursion_limit.saturating_sub(vm.depth() + 8) / 2;
    let (parsed, warnings) = parser::parse(chars, istext, flags as u32, depth.max(1));
    emit_warnings(vm, warnings)?;
    let result = parsed.and_then(|parsed| {
        let groups = parsed.state.groups();
        let prog = compiler::compile(
            &parsed.nodes,
            parsed.state.flags,
            groups,
            &parsed.state.groupwidths,
        )?;
        Ok(Code {
            prog,
            flags: parsed.state.flags,
            groups: groups - 1,
            names: parsed.state.groupdict,
            is_bytes: !istext,
        })
    });
    match result {
        Ok(code) => Ok(new_pattern(vm, pattern.clone(), code, state.clone())),
        Err(e) => Err(compile_error(vm, s, e, pattern)),
    }
}

fn f_compile(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let state = state(&mut args);
    let a = bind(vm, args, "compile", &["pattern", "flags"], 1, Style::Py)?;
    let flags = flags_value(vm, a[1].as_ref())?;
    Ok(Value::Obj(compile_cached(
        vm,
        &state,
        a[0].as_ref().unwrap(),
        flags,
    )?))
}

fn match_fn(vm: &mut Vm, mut args: Args, fname: &str, mode: Mode) -> PyResult<Value> {
    let state = state(&mut args);
    let a = bind(
        vm,
        args,
        fname,
        &["pattern", "string", "flags"],
        2,
        Style::Py,
    )?;
    let flags = flags_value(vm, a[2].as_ref())?;
    let p = compile_cached(vm, &state, a[0].as_ref().unwrap(), flags)?;
    pattern::do_match(vm, &p, a[1].as_ref().unwrap(), None, None, mode)
}

fn f_match(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match_fn(vm, args, "match", Mode::Match)
}

fn f_fullmatch(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match_fn(vm, args, "fullmatch", Mode::FullMatch)
}

fn f_search(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match_fn(
        vm,
        args,
        "search",
        Mode::Search {
            must_advance: false,
        },
    )
}

fn sub_fn(vm: &mut Vm, mut args: Args, fname: &str) -> PyResult<(Value, usize)> {
    let state = state(&mut args);
    let a = bind(
        vm,
        args,
        fname,
        &["pattern", "repl", "string", "count", "flags"],
        3,
        Style::Py,
    )?;
    let flags = flags_value(vm, a[4].as_ref())?;
    let p = compile_cached(vm, &state, a[0].as_ref().unwrap(), flags)?;
    sub::do_sub(
        vm,
        &p,
        a[1].as_ref().unwrap(),
        a[2].as_ref().unwrap(),
        a[3].clone(),
    )
}

fn f_sub(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(sub_fn(vm, args, "sub")?.0)
}

fn f_subn(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, n) = sub_fn(vm, args, "subn")?;
    Ok(Value::Obj(vm.new_tuple(vec![s, Value::Int(n as i64)])))
}

fn f_split(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let state = state(&mut args);
    let a = bind(
        vm,
        args,
        "split",
        &["pattern", "string", "maxsplit", "flags"],
        2,
        Style::Py,
    )?;
    let flags = flags_value(vm, a[3].as_ref())?;
    let p = compile_cached(vm, &state, a[0].as_ref().unwrap(), flags)?;
    pattern::do_split(vm, &p, a[1].as_ref().unwrap(), a[2].clone())
}

fn f_findall(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let state = state(&mut args);
    let a = bind(
        vm,
        args,
        "findall",
        &["pattern", "string", "flags"],
        2,
        Style::Py,
    )?;
    let flags = flags_value(vm, a[2].as_ref())?;
    let p = compile_cached(vm, &state, a[0].as_ref().unwrap(), flags)?;
    pattern::do_findall(vm, &p, a[1].as_ref().unwrap(), None, None)
}

fn f_finditer(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let state = state(&mut args);
    let a = bind(
        vm,
        args,
        "finditer",
        &["pattern", "string", "flags"],
        2,
        Style::Py,
    )?;
    let flags = flags_value(vm, a[2].as_ref())?;
    let p = compile_cached(vm, &state, a[0].as_ref().unwrap(), flags)?;
    pattern::do_finditer(vm, &p, a[1].as_ref().unwrap(), None, None)
}

fn f_purge(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let state = state(&mut args);
    bind(vm, args, "purge", &[], 0, Style::Py)?;
    let s = st(&state);
    s.cache.borrow_mut().clear();
    s.order.borrow_mut().clear();
    Ok(Value::None)
}

/// Characters `re.escape` prefixes with a backslash.
fn special(c: u32) -> bool {
    matches!(
        char::from_u32(c),
        Some(
            '(' | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '?'
                | '*'
                | '+'
                | '-'
                | '|'
                | '^'
                | '$'
                | '\\'
                | '.'
                | '&'
                | '~'
                | '#'
                | ' '
                | '\t'
                | '\n'
                | '\r'
                | '\x0b'
                | '\x0c'
        )
    )
}

fn f_escape(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let _ = state(&mut args);
    let a = bind(vm, args, "escape", &["pattern"], 1, Style::Py)?;
    let v = a[0].clone().unwrap();
    if let Some(s) = v.as_obj().and_then(|o| o.downcast::<Str>()) {
        let mut out = String::with_capacity(s.as_str().len() + 8);
        for c in s.as_str().chars() {
            if special(c as u32) {
                out.push('\\');
            }
            out.push(c);
        }
        return Ok(Value::Obj(vm.new_string(out)));
    }
    if let Some(b) = v.as_obj().and_then(|o| o.downcast::<Bytes>()) {
        let mut out = Vec::with_capacity(b.data.len() + 8);
        for &c in &b.data {
            if special(c as u32) {
                out.push(b'\\');
            }
            out.push(c);
        }
        return Ok(Value::Obj(vm.new_bytes(out)));
    }
    let t = vm.type_name(&v);
    Err(vm.type_error(format!(
        "decoding to str: need a bytes-like object, {t} found"
    )))
}

fn install_types(vm: &mut Vm) {
    let pt = pattern_type(vm);
    let methods: &[(&'static str, NativeFn)] = &[
        ("match", pattern::p_match),
        ("fullmatch", pattern::p_fullmatch),
        ("search", pattern::p_search),
        ("findall", pattern::p_findall),
        ("finditer", pattern::p_finditer),
        ("sub", sub::p_sub),
        ("subn", sub::p_subn),
        ("split", pattern::p_split),
        ("__copy__", pattern::p_copy),
        ("__deepcopy__", pattern::p_copy),
    ];
    for (n, f) in methods {
        vm.add_method(&pt, n, *f);
    }
    let mt = match_type(vm);
    let methods: &[(&'static str, NativeFn)] = &[
        ("group", matchobj::m_group),
        ("groups", matchobj::m_groups),
        ("groupdict", matchobj::m_groupdict),
        ("start", matchobj::m_start),
        ("end", matchobj::m_end),
        ("span", matchobj::m_span),
        ("expand", matchobj::m_expand),
        ("__getitem__", matchobj::m_getitem),
        ("__copy__", matchobj::m_copy),
        ("__deepcopy__", matchobj::m_copy),
    ];
    for (n, f) in methods {
        vm.add_method(&mt, n, *f);
    }
}

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    install_types(vm);
    let m = vm.new_module("re");
    let d = m.downcast::<Module>().unwrap().dict.clone();
    let code = vm.compile_source(PRELUDE, "<re>", crate::compile::Mode::Exec)?;
    vm.run_code(&code, &d, None)?;
    let get = |vm: &mut Vm, name: &str| -> ObjRef {
        let k = vm.intern(name);
        match d.downcast::<Dict>().unwrap().get_str(&k) {
            Some(Value::Obj(o)) => o,
            _ => panic!("re prelude lacks {name}"),
        }
    };
    let error = get(vm, "error");
    let flag = get(vm, "RegexFlag");
    let proxy = get(vm, "_mappingproxy");
    let k = vm.intern("_mappingproxy");
    d.downcast::<Dict>().unwrap().del_str(&k);
    let t = vm.extra_type("ReState", "re");
    let inner = Box::new(ReState::new(vm, error, flag, proxy));
    let state = vm.alloc(&t, Native { inner });
    let funcs: &[(&'static str, NativeFn)] = &[
        ("compile", f_compile),
        ("match", f_match),
        ("fullmatch", f_fullmatch),
        ("search", f_search),
        ("sub", f_sub),
        ("subn", f_subn),
        ("split", f_split),
        ("findall", f_findall),
        ("finditer", f_finditer),
        ("purge", f_purge),
        ("escape", f_escape),
    ];
    for (n, f) in funcs {
        let b = vm.new_builtin_bound(n, *f, Value::Obj(state.clone()));
        vm.set_in(&d, n, Value::Obj(b));
    }
    let pt = pattern_type(vm);
    let mt = match_type(vm);
    vm.set_in(&d, "Pattern", Value::Obj(pt));
    vm.set_in(&d, "Match", Value::Obj(mt));
    Ok(m)
}
