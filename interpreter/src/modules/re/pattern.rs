//! The methods of `Pattern` (match, search, fullmatch, findall, finditer,
//! sub, subn, split) and the loop that runs the engine with a pooled
//! matcher. Successive searches follow Python 3.7+ rules: after an empty
//! match the next match may start at the same position only if it is not
//! empty (`must_advance`).

use std::rc::Rc;

use super::callargs::{bind, index_arg, Style};
use super::engine::{Interrupted, Matcher};
use super::objects::*;
use super::subject::{subject_of, Subject, View};
use super::template::{self, Piece, TemplateError};
use crate::modules::builtins::is_callable;
use crate::object::bytes::Bytes;
use crate::object::native::{native_ref, Native};
use crate::object::rc::ObjRef;
use crate::object::str::Str;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::trap::{TRAP_SIGNAL, TRAP_TRACE};
use crate::vm::{PyErr, PyResult, Vm};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Match,
    FullMatch,
    Search { must_advance: bool },
}

/// A successful run: the group spans (0 = whole match) and lastindex.
pub struct Found {
    pub spans: Vec<Option<(usize, usize)>>,
    pub lastindex: i32,
}

impl Found {
    pub fn span(&self) -> (usize, usize) {
        self.spans[0].unwrap()
    }
}

fn engine_run(
    m: &mut Matcher,
    code: &Code,
    subj: &Subject,
    pos: usize,
    end: usize,
    mode: Mode,
    check: &mut dyn FnMut() -> bool,
) -> Result<Option<(usize, usize)>, Interrupted> {
    let prog = &code.prog;
    match (subj.view(), mode) {
        (View::Narrow(t), Mode::Search { must_advance }) => {
            m.search(prog, t, pos, end, must_advance, check)
        }
        (View::Wide(t), Mode::Search { must_advance }) => {
            m.search(prog, t, pos, end, must_advance, check)
        }
        (View::Narrow(t), _) => Ok(m
            .matches(prog, t, pos, end, mode == Mode::FullMatch, check)?
            .map(|e| (pos, e))),
        (View::Wide(t), _) => Ok(m
            .matches(prog, t, pos, end, mode == Mode::FullMatch, check)?
            .map(|e| (pos, e))),
    }
}

/// Runs `code` over `subj[..end]` from `pos`.
pub fn run(
    vm: &mut Vm,
    st: &ReState,
    code: &Code,
    subj: &Subject,
    pos: usize,
    end: usize,
    mode: Mode,
) -> PyResult<Option<Found>> {
    let mut m = st.take_matcher();
    let r = loop {
        let trap = &vm.trap;
        let mut check = || {
            let b = trap.get();
            b & TRAP_SIGNAL != 0 && b & TRAP_TRACE == 0
        };
        match engine_run(&mut m, code, subj, pos, end, mode, &mut check) {
            Ok(r) => break r,
            Err(Interrupted) => {
                if let Err(e) = vm.handle_trap(0) {
                    st.give_matcher(m);
                    return Err(e);
                }
            }
        }
    };
    let found = match r {
        None => None,
        Some((s, e)) => {
            let mut spans = Vec::with_capacity(code.groups + 1);
            spans.push(Some((s, e)));
            for g in 1..=code.groups {
                match m.group_span(g) {
                    Ok(span) => spans.push(span),
                    Err(()) => {
                        st.give_matcher(m);
                        let c = vm.types.exc.system_error.clone();
                        return Err(vm.new_error(&c, "The span of capturing group is wrong, please report a bug for the re module."));
                    }
                }
            }
            Some(Found {
                spans,
                lastindex: m.lastindex,
            })
        }
    };
    st.give_matcher(m);
    Ok(found)
}

fn me(vm: &mut Vm, args: &mut Args, fname: &str) -> PyResult<ObjRef> {
    let v = if args.pos.is_empty() {
        Value::None
    } else {
        args.pos.remove(0)
    };
    match v {
        Value::Obj(o) if native_ref::<PatternObj>(&o).is_some() => Ok(o),
        other => {
            let t = vm.type_name(&other);
            Err(vm.type_error(format!(
                "descriptor '{fname}' for 're.Pattern' objects doesn't apply to a '{t}' object"
            )))
        }
    }
}

/// The subject for `v`, checked against the pattern's type.
pub fn subject_for(vm: &mut Vm, p: &PatternObj, v: &Value) -> PyResult<Rc<Subject>> {
    let st = state_of(p);
    let mut last = st.last.borrow_mut().take();
    let r = subject_of(vm, v, &mut last);
    *st.last.borrow_mut() = last;
    let s = r?;
    if s.is_bytes() != p.code.is_bytes {
        return Err(vm.type_error(if p.code.is_bytes {
            "cannot use a bytes pattern on a string-like object"
        } else {
            "cannot use a string pattern on a bytes-like object"
        }));
    }
    Ok(s)
}

/// `pos`/`endpos` arguments clamped to the subject.
fn bounds(
    vm: &mut Vm,
    len: usize,
    pos: Option<Value>,
    endpos: Option<Value>,
) -> PyResult<(usize, usize)> {
    let clamp = |v: i64| v.clamp(0, len as i64) as usize;
    let p = match pos {
        Some(v) => clamp(index_arg(vm, &v)?),
        None => 0,
    };
    let e = match endpos {
        Some(v) => clamp(index_arg(vm, &v)?),
        None => len,
    };
    Ok((p, e))
}

pub fn make_match(
    vm: &mut Vm,
    pat: &ObjRef,
    subj: &Rc<Subject>,
    f: Found,
    pos: usize,
    endpos: usize,
) -> Value {
    let p = native_ref::<PatternObj>(pat).unwrap();
    new_match(
        vm,
        MatchObj {
            subject: subj.clone(),
            pattern: pat.clone(),
            code: p.code.clone(),
            spans: f.spans,
            pos,
            endpos,
            lastindex: f.lastindex,
        },
    )
}

/// match/search/fullmatch on a Pattern object.
pub fn do_match(
    vm: &mut Vm,
    pat: &ObjRef,
    string: &Value,
    pos: Option<Value>,
    endpos: Option<Value>,
    mode: Mode,
) -> PyResult<Value> {
    let p = native_ref::<PatternObj>(pat).unwrap();
    let subj = subject_for(vm, p, string)?;
    let (s, e) = bounds(vm, subj.len, pos, endpos)?;
    match run(vm, state_of(p), &p.code, &subj, s, e, mode)? {
        Some(f) => Ok(make_match(vm, pat, &subj, f, s, e)),
        None => Ok(Value::None),
    }
}

fn method_match(vm: &mut Vm, mut args: Args, fname: &str, mode: Mode) -> PyResult<Value> {
    let pat = me(vm, &mut args, fname)?;
    let a = bind(
        vm,
        args,
        fname,
        &["string", "pos", "endpos"],
        1,
        Style::Clinic,
    )?;
    let mut it = a.into_iter();
    let string = it.next().flatten().unwrap();
    do_match(
        vm,
        &pat,
        &string,
        it.next().flatten(),
        it.next().flatten(),
        mode,
    )
}

pub fn p_match(vm: &mut Vm, args: Args) -> PyResult<Value> {
    method_match(vm, args, "match", Mode::Match)
}

pub fn p_fullmatch(vm: &mut Vm, args: Args) -> PyResult<Value> {
    method_match(vm, args, "fullmatch", Mode::FullMatch)
}

pub fn p_search(vm: &mut Vm, args: Args) -> PyResult<Value> {
    method_match(
        vm,
        args,
        "search",
        Mode::Search {
            must_advance: false,
        },
    )
}

/// `findall`: strings for no or one group, tuples for several.
pub fn do_findall(
    vm: &mut Vm,
    pat: &ObjRef,
    string: &Value,
    pos: Option<Value>,
    endpos: Option<Value>,
) -> PyResult<Value> {
    let p = native_ref::<PatternObj>(pat).unwrap();
    let subj = subject_for(vm, p, string)?;
    let (mut start, end) = bounds(vm, subj.len, pos, endpos)?;
    let mut out = Vec::new();
    let mut must_advance = false;
    let empty = subj.slice(vm, 0, 0);
    while start <= end {
        let Some(f) = run(
            vm,
            state_of(p),
            &p.code,
            &subj,
            start,
            end,
            Mode::Search { must_advance },
        )?
        else {
            break;
        };
        let (a, b) = f.span();
        let item = match p.code.groups {
            0 => subj.slice(vm, a, b),
            1 => f.spans[1]
                .map(|(x, y)| subj.slice(vm, x, y))
                .unwrap_or_else(|| empty.clone()),
            n => {
                let items: Vec<Value> = (1..=n)
                    .map(|g| {
                        f.spans[g]
                            .map(|(x, y)| subj.slice(vm, x, y))
                            .unwrap_or_else(|| empty.clone())
                    })
                    .collect();
                Value::Obj(vm.new_tuple(items))
            }
        };
        out.push(item);
        must_advance = a == b;
        start = b;
    }
    Ok(Value::Obj(vm.new_list(out)))
}

pub fn p_findall(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let pat = me(vm, &mut args, "findall")?;
    let a = bind(
        vm,
        args,
        "findall",
        &["string", "pos", "endpos"],
        1,
        Style::Clinic,
    )?;
    let mut it = a.into_iter();
    let string = it.next().flatten().unwrap();
    do_findall(vm, &pat, &string, it.next().flatten(), it.next().flatten())
}

pub fn do_finditer(
    vm: &mut Vm,
    pat: &ObjRef,
    string: &Value,
    pos: Option<Value>,
    endpos: Option<Value>,
) -> PyResult<Value> {
    let p = native_ref::<PatternObj>(pat).unwrap();
    let subj = subject_for(vm, p, string)?;
    let (s, e) = bounds(vm, subj.len, pos, endpos)?;
    let t = iter_type(vm);
    let it = FindIter {
        pattern: pat.clone(),
        subject: subj,
        pos: std::cell::Cell::new(s),
        endpos: e,
        orig_pos: s,
        must_advance: std::cell::Cell::new(false),
        done: std::cell::Cell::new(false),
    };
    Ok(Value::Obj(vm.alloc(
        &t,
        Native {
            inner: Box::new(it),
        },
    )))
}

pub fn p_finditer(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let pat = me(vm, &mut args, "finditer")?;
    let a = bind(
        vm,
        args,
        "finditer",
        &["string", "pos", "endpos"],
        1,
        Style::Clinic,
    )?;
    let mut it = a.into_iter();
    let string = it.next().flatten().unwrap();
    do_finditer(vm, &pat, &string, it.next().flatten(), it.next().flatten())
}

pub fn finditer_next(vm: &mut Vm, it: &FindIter) -> PyResult<Option<Value>> {
    if it.done.get() || it.pos.get() > it.endpos {
        return Ok(None);
    }
    let p = native_ref::<PatternObj>(&it.pattern).unwrap();
    let mode = Mode::Search {
        must_advance: it.must_advance.get(),
    };
    match run(
        vm,
        state_of(p),
        &p.code,
        &it.subject,
        it.pos.get(),
        it.endpos,
        mode,
    )? {
        None => {
            it.done.set(true);
            Ok(None)
        }
        Some(f) => {
            let (a, b) = f.span();
            it.must_advance.set(a == b);
            it.pos.set(b);
            Ok(Some(make_match(
                vm,
                &it.pattern,
                &it.subject,
                f,
                it.orig_pos,
                it.endpos,
            )))
        }
    }
}

/// `split`: pieces between matches, with the groups' texts interleaved.
pub fn do_split(
    vm: &mut Vm,
    pat: &ObjRef,
    string: &Value,
    maxsplit: Option<Value>,
) -> PyResult<Value> {
    let p = native_ref::<PatternObj>(pat).unwrap();
    let subj = subject_for(vm, p, string)?;
    let maxsplit = match maxsplit {
        Some(v) => index_arg(vm, &v)?,
        None => 0,
    };
    let mut out = Vec::new();
    let (mut last, mut start) = (0usize, 0usize);
    let mut must_advance = false;
    let mut n = 0i64;
    while maxsplit == 0 || n < maxsplit {
        let Some(f) = run(
            vm,
            state_of(p),
            &p.code,
            &subj,
            start,
            subj.len,
            Mode::Search { must_advance },
        )?
        else {
            break;
        };
        let (a, b) = f.span();
        out.push(subj.slice(vm, last, a));
        for g in 1..=p.code.groups {
            out.push(
                f.spans[g]
                    .map(|(x, y)| subj.slice(vm, x, y))
                    .unwrap_or(Value::None),
            );
        }
        n += 1;
        must_advance = a == b;
        last = b;
        start = b;
    }
    out.push(subj.slice(vm, last, subj.len));
    Ok(Value::Obj(vm.new_list(out)))
}

pub fn p_split(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let pat = me(vm, &mut args, "split")?;
    let a = bind(vm, args, "split", &["string", "maxsplit"], 1, Style::Clinic)?;
    let mut it = a.into_iter();
    let string = it.next().flatten().unwrap();
    do_split(vm, &pat, &string, it.next().flatten())
}

/// What replaces each match in `sub`.
enum Repl {
    Literal(Value),
    Template(Vec<Piece>),
    Callable(Value),
}

/// Raises a template error as re.error (with the template as pattern) or
/// IndexError.
pub fn template_error(vm: &mut Vm, st: &ReState, e: TemplateError, templ: &Value) -> PyErr {
    match e {
        TemplateError::Index(msg) => vm.index_error(msg),
        TemplateError::Re(ce) => super::compile_error(vm, st, ce, templ),
    }
}

/// Parses a template value (str or bytes) for pattern `p`.
pub fn parse_template(vm: &mut Vm, p: &PatternObj, templ: &Value) -> PyResult<Vec<Piece>> {
    let (units, istext) = match templ.as_obj() {
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
        _ => {
            let t = vm.type_name(templ);
            return Err(vm.type_error(format!(
                "decoding to str: need a bytes-like object, {t} found"
            )));
        }
    };
    let (r, warnings) = template::parse(units, istext, p.code.groups, &p.code.names);
    super::emit_warnings(vm, warnings)?;
    r.map_err(|e| template_error(vm, state_of(p), e, templ))
}

fn has_backslash(v: &Value) -> Option<bool> {
    let o = v.as_obj()?;
    if let Some(s) = o.downcast::<Str>() {
        return Some(s.as_str().contains('\\'));
    }
    o.downcast::<Bytes>().map(|b| b.data.contains(&b'\\'))
}

/// Output of `sub`: text or bytes, with CPython's join errors for items
/// of the wrong type (reported after all replacements, like `join`).
struct Joiner {
    text: String,
    bytes: Vec<u8>,
    is_bytes: bool,
    items: usize,
    bad: Option<(usize, String)>,
}

impl Joiner {
    fn push_value(&mut self, vm: &Vm, v: &Value) {
        let idx = self.items;
        self.items += 1;
        if let Some(o) = v.as_obj() {
            if self.is_bytes {
                if let Some(b) = o.downcast::<Bytes>() {
                    self.bytes.extend_from_slice(&b.data);
                    return;
                }
            } else if let Some(s) = o.downcast::<Str>() {
                self.text.push_str(s.as_str());
                return;
            }
        }
        if self.bad.is_none() {
            self.bad = Some((idx, vm.type_name(v)));
        }
    }
}

/// `sub`/`subn`: returns the new string and the number of replacements.
pub fn do_sub(
    vm: &mut Vm,
    pat: &ObjRef,
    repl: &Value,
    string: &Value,
    count: Option<Value>,
) -> PyResult<(Value, usize)> {
    let p = native_ref::<PatternObj>(pat).unwrap();
    let repl_kind = if is_callable(vm, repl) {
        Repl::Callable(repl.clone())
    } else if has_backslash(repl) == Some(false) {
        Repl::Literal(repl.clone())
    } else {
        let pieces = parse_template(vm, p, repl)?;
        match &pieces[..] {
            [] => Repl::Literal(subject_empty(vm, p.code.is_bytes)),
            _ => Repl::Template(pieces),
        }
    };
    let subj = subject_for(vm, p, string)?;
    let count = match count {
        Some(v) => index_arg(vm, &v)?,
        None => 0,
    };
    let mut out = Joiner {
        text: String::new(),
        bytes: Vec::new(),
        is_bytes: subj.is_bytes(),
        items: 0,
        bad: None,
    };
    let (mut i, mut start, mut n) = (0usize, 0usize, 0usize);
    let mut must_advance = false;
    while count == 0 || (n as i64) < count {
        let Some(f) = run(
            vm,
            state_of(p),
            &p.code,
            &subj,
            start,
            subj.len,
            Mode::Search { must_advance },
        )?
        else {
            break;
        };
        let (a, b) = f.span();
        if i < a {
            append_slice(&mut out, &subj, i, a);
        }
        match &repl_kind {
            Repl::Literal(v) => out.push_value(vm, v),
            Repl::Template(pieces) => {
                out.items += 1;
                expand_into(&mut out, &subj, &f.spans, pieces);
            }
            Repl::Callable(func) => {
                let m = make_match(vm, pat, &subj, f, 0, subj.len);
                let r = vm.call(func, vec![m])?;
                if !r.is_none() {
                    out.push_value(vm, &r);
                }
            }
        }
        n += 1;
        i = b;
        must_advance = a == b;
        start = b;
    }
    if let Some((idx, t)) = out.bad {
        return Err(vm.type_error(if out.is_bytes {
            format!("sequence item {idx}: expected a bytes-like object, {t} found")
        } else {
            format!("sequence item {idx}: expected str instance, {t} found")
        }));
    }
    if n == 0 {
        return Ok((subj.slice(vm, 0, subj.len), 0));
    }
    if i < subj.len {
        append_slice(&mut out, &subj, i, subj.len);
    }
    let v = if out.is_bytes {
        Value::Obj(vm.new_bytes(out.bytes))
    } else {
        Value::Obj(vm.new_string(out.text))
    };
    Ok((v, n))
}

fn subject_empty(vm: &mut Vm, is_bytes: bool) -> Value {
    if is_bytes {
        Value::Obj(vm.new_bytes(Vec::new()))
    } else {
        vm.str_val("")
    }
}

fn append_slice(out: &mut Joiner, subj: &Subject, a: usize, b: usize) {
    out.items += 1;
    if out.is_bytes {
        subj.push_bytes(&mut out.bytes, a, b);
    } else {
        subj.push_str(&mut out.text, a, b);
    }
}

fn expand_into(
    out: &mut Joiner,
    subj: &Subject,
    spans: &[Option<(usize, usize)>],
    pieces: &[Piece],
) {
    for piece in pieces {
        match piece {
            Piece::Lit(cs) => {
                if out.is_bytes {
                    out.bytes.extend(cs.iter().map(|&c| c as u8));
                } else {
                    out.text
                        .extend(cs.iter().map(|&c| char::from_u32(c).unwrap_or('\u{fffd}')));
                }
            }
            Piece::Group(g) => {
                if let Some((a, b)) = spans[*g] {
                    if out.is_bytes {
                        subj.push_bytes(&mut out.bytes, a, b);
                    } else {
                        subj.push_str(&mut out.text, a, b);
                    }
                }
            }
        }
    }
}

/// `Match.expand`: the template filled in from `m`'s groups.
pub fn expand(vm: &mut Vm, m: &MatchObj, templ: &Value) -> PyResult<Value> {
    let p = native_ref::<PatternObj>(&m.pattern).unwrap();
    let pieces = parse_template(vm, p, templ)?;
    let mut out = Joiner {
        text: String::new(),
        bytes: Vec::new(),
        is_bytes: m.subject.is_bytes(),
        items: 0,
        bad: None,
    };
    expand_into(&mut out, &m.subject, &m.spans, &pieces);
    Ok(if out.is_bytes {
        Value::Obj(vm.new_bytes(out.bytes))
    } else {
        Value::Obj(vm.new_string(out.text))
    })
}

fn method_sub(vm: &mut Vm, mut args: Args, fname: &str) -> PyResult<(Value, usize)> {
    let pat = me(vm, &mut args, fname)?;
    let a = bind(
        vm,
        args,
        fname,
        &["repl", "string", "count"],
        2,
        Style::Clinic,
    )?;
    let mut it = a.into_iter();
    let repl = it.next().flatten().unwrap();
    let string = it.next().flatten().unwrap();
    do_sub(vm, &pat, &repl, &string, it.next().flatten())
}

pub fn p_sub(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(method_sub(vm, args, "sub")?.0)
}

pub fn p_subn(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, n) = method_sub(vm, args, "subn")?;
    Ok(Value::Obj(vm.new_tuple(vec![s, Value::Int(n as i64)])))
}

pub fn p_copy(_vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    Ok(args.pos.remove(0))
}
