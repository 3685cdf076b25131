//! The methods of `Pattern` (match, search, fullmatch, findall, finditer,
//! split; `sub` is in `sub.rs`) and `Runner`, which runs the engine with a
//! pooled matcher. Successive searches follow Python 3.7+ rules: after an empty
//! match the next match may start at the same position only if it is not
//! empty (`must_advance`).

use std::rc::Rc;

use super::callargs::{bind, index_arg, Style};
use super::engine::{Interrupted, Matcher};
use super::objects::*;
use super::subject::{subject_of, Subject, View};
use crate::object::native::{native_ref, Native};
use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::trap::{TRAP_SIGNAL, TRAP_TRACE};
use crate::vm::{PyResult, Vm};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Match,
    FullMatch,
    Search { must_advance: bool },
}

/// A successful run: the group spans (0 = whole match) and lastindex.
pub struct Found {
    pub spans: Spans,
    pub lastindex: i32,
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
    let all = mode == Mode::FullMatch;
    match (subj.view(), mode) {
        (View::Narrow(t), Mode::Search { must_advance }) => {
            m.search(prog, t, pos, end, must_advance, check)
        }
        (View::Wide(t), Mode::Search { must_advance }) => {
            m.search(prog, t, pos, end, must_advance, check)
        }
        (View::Narrow(t), _) => Ok(m.matches(prog, t, pos, end, all, check)?.map(|e| (pos, e))),
        (View::Wide(t), _) => Ok(m.matches(prog, t, pos, end, all, check)?.map(|e| (pos, e))),
    }
}

/// Runs one pattern repeatedly with one pooled matcher; after a success
/// the groups are read with `span`.
pub struct Runner<'a> {
    st: &'a ReState,
    code: &'a Code,
    m: Matcher,
    whole: (usize, usize),
}

impl<'a> Runner<'a> {
    pub fn new(st: &'a ReState, code: &'a Code) -> Runner<'a> {
        Runner {
            st,
            code,
            m: st.take_matcher(),
            whole: (0, 0),
        }
    }

    /// Runs over `subj[..end]` from `pos`; the span of the match.
    pub fn next(
        &mut self,
        vm: &mut Vm,
        subj: &Subject,
        pos: usize,
        end: usize,
        mode: Mode,
    ) -> PyResult<Option<(usize, usize)>> {
        let r = loop {
            let trap = &vm.trap;
            let mut check = || {
                let b = trap.get();
                b & TRAP_SIGNAL != 0 && b & TRAP_TRACE == 0
            };
            match engine_run(&mut self.m, self.code, subj, pos, end, mode, &mut check) {
                Ok(r) => break r,
                Err(Interrupted) => vm.handle_trap(0)?,
            }
        };
        if let Some(span) = r {
            self.whole = span;
            if (1..=self.code.groups).any(|g| self.m.group_span(g).is_err()) {
                let c = vm.types.exc.system_error.clone();
                return Err(vm.new_error(
                    &c,
                    "The span of capturing group is wrong, please report a bug for the re module.",
                ));
            }
        }
        Ok(r)
    }

    /// Group `g`'s span in the last match.
    #[inline]
    pub fn span(&self, g: usize) -> Option<(usize, usize)> {
        if g == 0 {
            Some(self.whole)
        } else {
            self.m.group_span(g).ok().flatten()
        }
    }

    pub fn found(&self) -> Found {
        Found {
            spans: (0..=self.code.groups).map(|g| self.span(g)).collect(),
            lastindex: self.m.lastindex,
        }
    }
}

impl Drop for Runner<'_> {
    fn drop(&mut self) {
        self.st.give_matcher(std::mem::take(&mut self.m));
    }
}

pub fn me(vm: &mut Vm, args: &mut Args, fname: &str) -> PyResult<ObjRef> {
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
        state_of(p),
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
    let mut run = Runner::new(state_of(p), &p.code);
    match run.next(vm, &subj, s, e, mode)? {
        Some(_) => {
            let f = run.found();
            drop(run);
            Ok(make_match(vm, pat, &subj, f, s, e))
        }
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
    let mut run = Runner::new(state_of(p), &p.code);
    let group = |vm: &mut Vm, run: &Runner, g: usize| match run.span(g) {
        Some((x, y)) => subj.slice(vm, x, y),
        None => empty.clone(),
    };
    while start <= end {
        let Some((a, b)) = run.next(vm, &subj, start, end, Mode::Search { must_advance })? else {
            break;
        };
        let item = match p.code.groups {
            0 => subj.slice(vm, a, b),
            1 => group(vm, &run, 1),
            n => {
                let items: Vec<Value> = (1..=n).map(|g| group(vm, &run, g)).collect();
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
    let t = state_of(p).iter_type.clone();
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
    let mut run = Runner::new(state_of(p), &p.code);
    match run.next(vm, &it.subject, it.pos.get(), it.endpos, mode)? {
        None => {
            it.done.set(true);
            Ok(None)
        }
        Some((a, b)) => {
            let f = run.found();
            drop(run);
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
    let mut run = Runner::new(state_of(p), &p.code);
    while maxsplit == 0 || n < maxsplit {
        let Some((a, b)) = run.next(vm, &subj, start, subj.len, Mode::Search { must_advance })?
        else {
            break;
        };
        out.push(subj.slice(vm, last, a));
        for g in 1..=p.code.groups {
            let v = match run.span(g) {
                Some((x, y)) => subj.slice(vm, x, y),
                None => Value::None,
            };
            out.push(v);
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

pub fn p_copy(_vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    Ok(args.pos.remove(0))
}
