//! `sub`, `subn` and `Match.expand`: replacement by a literal, a parsed
//! template (`\\1`, `\\g<name>`) or a callable, with CPython's join errors
//! for replacement values of the wrong type (reported after every
//! replacement was computed, as `str.join` would).

use super::callargs::{bind, index_arg, Style};
use super::objects::*;
use super::pattern::{make_match, me, subject_for, Mode, Runner};
use super::subject::Subject;
use super::template::{self, Piece, TemplateError};
use crate::modules::builtins::is_callable;
use crate::object::bytes::Bytes;
use crate::object::native::native_ref;
use crate::object::rc::ObjRef;
use crate::object::str::Str;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyErr, PyResult, Vm};

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
    let mut run = Runner::new(state_of(p), &p.code);
    while count == 0 || (n as i64) < count {
        let Some((a, b)) = run.next(vm, &subj, start, subj.len, Mode::Search { must_advance })?
        else {
            break;
        };
        if i < a {
            append_slice(&mut out, &subj, i, a);
        }
        match &repl_kind {
            Repl::Literal(v) => out.push_value(vm, v),
            Repl::Template(pieces) => {
                out.items += 1;
                expand_into(&mut out, &subj, |g| run.span(g), pieces);
            }
            Repl::Callable(func) => {
                let m = make_match(vm, pat, &subj, run.found(), 0, subj.len);
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
    span: impl Fn(usize) -> Option<(usize, usize)>,
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
                if let Some((a, b)) = span(*g) {
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
    expand_into(&mut out, &m.subject, |g| m.spans[g], &pieces);
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
