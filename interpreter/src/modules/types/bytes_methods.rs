//! The text-like methods of `bytes`: searching (find/index/count with
//! start/end), splitting and joining, stripping, padding, ASCII case
//! conversion and the `is*` predicates. Bytes use ASCII rules throughout:
//! only ASCII letters change case and only ` \t\n\r\x0b\x0c` are whitespace,
//! unlike the same methods on `str`.

use crate::object::bytes::Bytes;
use crate::object::kind::Kind;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

const WS: &[u8] = b" \t\n\r\x0b\x0c";

pub fn install(vm: &mut Vm) {
    let t = vm.types.bytes.clone();
    let fns: &[(&'static str, crate::object::function::NativeFn)] = &[
        ("startswith", startswith),
        ("endswith", endswith),
        ("find", find),
        ("rfind", rfind),
        ("index", index),
        ("rindex", rindex),
        ("count", count),
        ("replace", replace),
        ("split", split),
        ("rsplit", rsplit),
        ("splitlines", splitlines),
        ("partition", partition),
        ("rpartition", rpartition),
        ("strip", strip),
        ("lstrip", lstrip),
        ("rstrip", rstrip),
        ("removeprefix", removeprefix),
        ("removesuffix", removesuffix),
        ("upper", upper),
        ("lower", lower),
        ("swapcase", swapcase),
        ("capitalize", capitalize),
        ("title", title),
        ("isalnum", isalnum),
        ("isalpha", isalpha),
        ("isascii", isascii),
        ("isdigit", isdigit),
        ("islower", islower),
        ("isupper", isupper),
        ("isspace", isspace),
        ("istitle", istitle),
        ("center", center),
        ("ljust", ljust),
        ("rjust", rjust),
        ("zfill", zfill),
        ("expandtabs", expandtabs),
    ];
    for (n, f) in fns {
        vm.add_method(&t, n, *f);
    }
}

fn data(v: &Value) -> Vec<u8> {
    match v {
        Value::Obj(o) => o
            .downcast::<Bytes>()
            .map(|b| b.data.clone())
            .unwrap_or_default(),
        _ => vec![],
    }
}

fn arg_bytes(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    match v {
        Value::Obj(o) if o.kind() == Kind::Bytes => Ok(o.downcast::<Bytes>().unwrap().data.clone()),
        other => {
            let t = vm.type_name(other);
            Err(vm.type_error(format!("a bytes-like object is required, not '{t}'")))
        }
    }
}

/// A sub-sequence argument: bytes, or an int for a single byte.
fn arg_needle(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    match v {
        Value::Int(_) | Value::Bool(_) => {
            let n = vm.index_value(v)?;
            if !(0..256).contains(&n) {
                return Err(vm.value_error("byte must be in range(0, 256)"));
            }
            Ok(vec![n as u8])
        }
        _ => {
            if let Value::Obj(o) = v {
                if o.kind() != Kind::Bytes {
                    let t = vm.type_name(v);
                    return Err(vm.type_error(format!(
                        "argument should be integer or bytes-like object, not '{t}'"
                    )));
                }
            }
            arg_bytes(vm, v)
        }
    }
}

fn new(vm: &mut Vm, d: Vec<u8>) -> Value {
    Value::Obj(vm.new_bytes(d))
}

/// Resolves optional `start`/`end` arguments (at `at`, `at+1`) to a range.
fn bounds(vm: &mut Vm, args: &Args, at: usize, len: usize) -> PyResult<(usize, usize)> {
    let fix = |i: i64| -> usize {
        if i < 0 {
            (i + len as i64).max(0) as usize
        } else {
            (i as usize).min(len)
        }
    };
    let start = match args.pos.get(at) {
        None | Some(Value::None) => 0,
        Some(v) => fix(vm.index_value(v)?),
    };
    let end = match args.pos.get(at + 1) {
        None | Some(Value::None) => len,
        Some(v) => fix(vm.index_value(v)?),
    };
    Ok((start, end))
}

fn find_in(h: &[u8], n: &[u8]) -> Option<usize> {
    if n.is_empty() {
        return Some(0);
    }
    h.windows(n.len()).position(|w| w == n)
}

fn rfind_in(h: &[u8], n: &[u8]) -> Option<usize> {
    if n.is_empty() {
        return Some(h.len());
    }
    h.windows(n.len()).rposition(|w| w == n)
}

fn search(vm: &mut Vm, args: &Args, name: &str, rev: bool) -> PyResult<Option<usize>> {
    args.check(vm, name, 2, 4)?;
    let d = data(&args.pos[0]);
    let n = arg_needle(vm, &args.pos[1])?;
    let (s, e) = bounds(vm, args, 2, d.len())?;
    if s > e || e - s < n.len() {
        return Ok(if n.is_empty() && s <= e {
            Some(s)
        } else {
            None
        });
    }
    let hay = &d[s..e];
    Ok(if rev {
        rfind_in(hay, &n)
    } else {
        find_in(hay, &n)
    }
    .map(|i| i + s))
}

fn find(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Int(
        search(vm, &args, "find", false)?
            .map(|i| i as i64)
            .unwrap_or(-1),
    ))
}

fn rfind(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Int(
        search(vm, &args, "rfind", true)?
            .map(|i| i as i64)
            .unwrap_or(-1),
    ))
}

fn index(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match search(vm, &args, "index", false)? {
        Some(i) => Ok(Value::Int(i as i64)),
        None => Err(vm.value_error("subsection not found")),
    }
}

fn rindex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    match search(vm, &args, "rindex", true)? {
        Some(i) => Ok(Value::Int(i as i64)),
        None => Err(vm.value_error("subsection not found")),
    }
}

fn count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "count", 2, 4)?;
    let d = data(&args.pos[0]);
    let p = arg_needle(vm, &args.pos[1])?;
    let (s, e) = bounds(vm, &args, 2, d.len())?;
    if s > e {
        return Ok(Value::Int(0));
    }
    let hay = &d[s..e];
    if p.is_empty() {
        return Ok(Value::Int(hay.len() as i64 + 1));
    }
    let (mut n, mut i) = (0, 0);
    while i + p.len() <= hay.len() {
        if hay[i..i + p.len()] == p[..] {
            n += 1;
            i += p.len();
        } else {
            i += 1;
        }
    }
    Ok(Value::Int(n))
}

fn prefix_test(vm: &mut Vm, args: Args, name: &str, at_end: bool) -> PyResult<Value> {
    args.check(vm, name, 2, 4)?;
    let d = data(&args.pos[0]);
    let (s, e) = bounds(vm, &args, 2, d.len())?;
    let hay: &[u8] = if s <= e { &d[s..e] } else { &[] };
    let cands: Vec<Value> = match &args.pos[1] {
        Value::Obj(o) if o.kind() == Kind::Tuple => o
            .downcast::<crate::object::tuple::Tuple>()
            .unwrap()
            .as_slice()
            .to_vec(),
        Value::Obj(o) if o.kind() == Kind::Bytes => vec![args.pos[1].clone()],
        other => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!(
                "{name} first arg must be bytes or a tuple of bytes, not {t}"
            )));
        }
    };
    for c in cands {
        let p = arg_bytes(vm, &c)?;
        if s > e {
            continue;
        }
        if (at_end && hay.ends_with(&p)) || (!at_end && hay.starts_with(&p)) {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn startswith(vm: &mut Vm, args: Args) -> PyResult<Value> {
    prefix_test(vm, args, "startswith", false)
}

fn endswith(vm: &mut Vm, args: Args) -> PyResult<Value> {
    prefix_test(vm, args, "endswith", true)
}

fn replace(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "replace", 3, 4)?;
    let d = data(&args.pos[0]);
    let old = arg_bytes(vm, &args.pos[1])?;
    let newb = arg_bytes(vm, &args.pos[2])?;
    let mut limit = match args.pos.get(3) {
        Some(v) => vm.index_value(v)?,
        None => -1,
    };
    let mut out = Vec::with_capacity(d.len());
    if old.is_empty() {
        for (i, &b) in d.iter().enumerate() {
            if limit != 0 {
                out.extend_from_slice(&newb);
                limit -= 1;
            }
            out.push(b);
            if i + 1 == d.len() && limit != 0 {
                out.extend_from_slice(&newb);
            }
        }
        if d.is_empty() && limit != 0 {
            out.extend_from_slice(&newb);
        }
        return Ok(new(vm, out));
    }
    let mut i = 0;
    while i < d.len() {
        if limit != 0 && i + old.len() <= d.len() && d[i..i + old.len()] == old[..] {
            out.extend_from_slice(&newb);
            i += old.len();
            limit -= 1;
        } else {
            out.push(d[i]);
            i += 1;
        }
    }
    Ok(new(vm, out))
}

fn maxsplit_arg(vm: &mut Vm, args: &mut Args, name: &str) -> PyResult<(Option<Vec<u8>>, i64)> {
    let sep = args.pos.get(1).cloned().or_else(|| args.take_kw("sep"));
    let ms = args
        .pos
        .get(2)
        .cloned()
        .or_else(|| args.take_kw("maxsplit"));
    args.no_kw(vm, name)?;
    let sep = match sep {
        None | Some(Value::None) => None,
        Some(v) => {
            let s = arg_bytes(vm, &v)?;
            if s.is_empty() {
                return Err(vm.value_error("empty separator"));
            }
            Some(s)
        }
    };
    let ms = match ms {
        None => -1,
        Some(v) => vm.index_value(&v)?,
    };
    Ok((sep, ms))
}

fn list_of(vm: &mut Vm, parts: Vec<Vec<u8>>) -> Value {
    let items: Vec<Value> = parts.into_iter().map(|p| new(vm, p)).collect();
    Value::Obj(vm.new_list(items))
}

fn split(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let d = data(&args.pos[0]);
    let (sep, mut ms) = maxsplit_arg(vm, &mut args, "split")?;
    let mut out = Vec::new();
    match sep {
        None => {
            let mut i = 0;
            loop {
                while i < d.len() && WS.contains(&d[i]) {
                    i += 1;
                }
                if i == d.len() {
                    break;
                }
                if ms == 0 {
                    let mut end = d.len();
                    while end > i && WS.contains(&d[end - 1]) {
                        end -= 1;
                    }
                    out.push(d[i..end].to_vec());
                    break;
                }
                let st = i;
                while i < d.len() && !WS.contains(&d[i]) {
                    i += 1;
                }
                out.push(d[st..i].to_vec());
                ms -= 1;
            }
        }
        Some(sep) => {
            let (mut start, mut i) = (0, 0);
            while i + sep.len() <= d.len() && ms != 0 {
                if d[i..i + sep.len()] == sep[..] {
                    out.push(d[start..i].to_vec());
                    i += sep.len();
                    start = i;
                    ms -= 1;
                } else {
                    i += 1;
                }
            }
            out.push(d[start..].to_vec());
        }
    }
    Ok(list_of(vm, out))
}

fn rsplit(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let d = data(&args.pos[0]);
    let (sep, mut ms) = maxsplit_arg(vm, &mut args, "rsplit")?;
    let mut out = Vec::new();
    match sep {
        None => {
            let mut i = d.len();
            loop {
                while i > 0 && WS.contains(&d[i - 1]) {
                    i -= 1;
                }
                if i == 0 {
                    break;
                }
                if ms == 0 {
                    let mut st = 0;
                    while st < i && WS.contains(&d[st]) {
                        st += 1;
                    }
                    out.push(d[st..i].to_vec());
                    break;
                }
                let end = i;
                while i > 0 && !WS.contains(&d[i - 1]) {
                    i -= 1;
                }
                out.push(d[i..end].to_vec());
                ms -= 1;
            }
        }
        Some(sep) => {
            let mut end = d.len();
            let mut i = d.len();
            while i >= sep.len() && ms != 0 {
                if d[i - sep.len()..i] == sep[..] {
                    out.push(d[i..end].to_vec());
                    i -= sep.len();
                    end = i;
                    ms -= 1;
                } else {
                    i -= 1;
                }
            }
            out.push(d[..end].to_vec());
        }
    }
    out.reverse();
    Ok(list_of(vm, out))
}

fn splitlines(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let keep = match args
        .pos
        .get(1)
        .cloned()
        .or_else(|| args.take_kw("keepends"))
    {
        Some(v) => vm.truthy(&v)?,
        None => false,
    };
    let d = data(&args.pos[0]);
    let mut out = Vec::new();
    let mut i = 0;
    let mut st = 0;
    while i < d.len() {
        let eol = match d[i] {
            b'\n' => 1,
            b'\r' if d.get(i + 1) == Some(&b'\n') => 2,
            b'\r' => 1,
            _ => 0,
        };
        if eol > 0 {
            out.push(d[st..if keep { i + eol } else { i }].to_vec());
            i += eol;
            st = i;
        } else {
            i += 1;
        }
    }
    if st < d.len() {
        out.push(d[st..].to_vec());
    }
    Ok(list_of(vm, out))
}

fn partition_impl(vm: &mut Vm, args: Args, rev: bool) -> PyResult<Value> {
    args.check(vm, if rev { "rpartition" } else { "partition" }, 2, 2)?;
    let d = data(&args.pos[0]);
    let sep = arg_bytes(vm, &args.pos[1])?;
    if sep.is_empty() {
        return Err(vm.value_error("empty separator"));
    }
    let parts = match if rev {
        rfind_in(&d, &sep)
    } else {
        find_in(&d, &sep)
    } {
        Some(i) => [d[..i].to_vec(), sep.clone(), d[i + sep.len()..].to_vec()],
        None if rev => [vec![], vec![], d.clone()],
        None => [d.clone(), vec![], vec![]],
    };
    let items: Vec<Value> = parts.into_iter().map(|p| new(vm, p)).collect();
    Ok(Value::Obj(vm.new_tuple(items)))
}

fn partition(vm: &mut Vm, args: Args) -> PyResult<Value> {
    partition_impl(vm, args, false)
}

fn rpartition(vm: &mut Vm, args: Args) -> PyResult<Value> {
    partition_impl(vm, args, true)
}

fn strip_impl(vm: &mut Vm, args: Args, left: bool, right: bool) -> PyResult<Value> {
    let d = data(&args.pos[0]);
    let set: Vec<u8> = match args.pos.get(1) {
        None | Some(Value::None) => WS.to_vec(),
        Some(v) => arg_bytes(vm, &v.clone())?,
    };
    let mut start = 0;
    let mut end = d.len();
    if left {
        while start < end && set.contains(&d[start]) {
            start += 1;
        }
    }
    if right {
        while end > start && set.contains(&d[end - 1]) {
            end -= 1;
        }
    }
    Ok(new(vm, d[start..end].to_vec()))
}

fn strip(vm: &mut Vm, args: Args) -> PyResult<Value> {
    strip_impl(vm, args, true, true)
}

fn lstrip(vm: &mut Vm, args: Args) -> PyResult<Value> {
    strip_impl(vm, args, true, false)
}

fn rstrip(vm: &mut Vm, args: Args) -> PyResult<Value> {
    strip_impl(vm, args, false, true)
}

fn removeprefix(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "removeprefix", 2, 2)?;
    let d = data(&args.pos[0]);
    let p = arg_bytes(vm, &args.pos[1])?;
    Ok(new(vm, d.strip_prefix(&p[..]).unwrap_or(&d).to_vec()))
}

fn removesuffix(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "removesuffix", 2, 2)?;
    let d = data(&args.pos[0]);
    let p = arg_bytes(vm, &args.pos[1])?;
    Ok(new(vm, d.strip_suffix(&p[..]).unwrap_or(&d).to_vec()))
}

fn upper(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(new(vm, data(&args.pos[0]).to_ascii_uppercase()))
}

fn lower(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(new(vm, data(&args.pos[0]).to_ascii_lowercase()))
}

fn swapcase(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d: Vec<u8> = data(&args.pos[0])
        .into_iter()
        .map(|b| {
            if b.is_ascii_lowercase() {
                b.to_ascii_uppercase()
            } else {
                b.to_ascii_lowercase()
            }
        })
        .collect();
    Ok(new(vm, d))
}

fn capitalize(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mut d = data(&args.pos[0]).to_ascii_lowercase();
    if let Some(f) = d.first_mut() {
        *f = f.to_ascii_uppercase();
    }
    Ok(new(vm, d))
}

fn title(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mut prev_cased = false;
    let d: Vec<u8> = data(&args.pos[0])
        .into_iter()
        .map(|b| {
            let r = if prev_cased {
                b.to_ascii_lowercase()
            } else {
                b.to_ascii_uppercase()
            };
            prev_cased = b.is_ascii_alphabetic();
            r
        })
        .collect();
    Ok(new(vm, d))
}

fn all_nonempty(args: &Args, f: impl Fn(u8) -> bool) -> Value {
    let d = data(&args.pos[0]);
    Value::Bool(!d.is_empty() && d.iter().all(|&b| f(b)))
}

fn isalnum(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(all_nonempty(&args, |b| b.is_ascii_alphanumeric()))
}

fn isalpha(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(all_nonempty(&args, |b| b.is_ascii_alphabetic()))
}

fn isdigit(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(all_nonempty(&args, |b| b.is_ascii_digit()))
}

fn isspace(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(all_nonempty(&args, |b| WS.contains(&b)))
}

fn isascii(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Bool(data(&args.pos[0]).is_ascii()))
}

fn islower(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = data(&args.pos[0]);
    Ok(Value::Bool(
        d.iter().any(|b| b.is_ascii_lowercase()) && !d.iter().any(|b| b.is_ascii_uppercase()),
    ))
}

fn isupper(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = data(&args.pos[0]);
    Ok(Value::Bool(
        d.iter().any(|b| b.is_ascii_uppercase()) && !d.iter().any(|b| b.is_ascii_lowercase()),
    ))
}

fn istitle(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = data(&args.pos[0]);
    let (mut prev_cased, mut any) = (false, false);
    for b in d {
        if b.is_ascii_uppercase() {
            if prev_cased {
                return Ok(Value::Bool(false));
            }
            prev_cased = true;
            any = true;
        } else if b.is_ascii_lowercase() {
            if !prev_cased {
                return Ok(Value::Bool(false));
            }
            prev_cased = true;
            any = true;
        } else {
            prev_cased = false;
        }
    }
    Ok(Value::Bool(any))
}

fn pad_args(vm: &mut Vm, args: &Args, name: &str) -> PyResult<(Vec<u8>, usize, u8)> {
    args.check(vm, name, 2, 3)?;
    let d = data(&args.pos[0]);
    let w = vm.index_value(&args.pos[1])?.max(0) as usize;
    let fill = match args.pos.get(2) {
        Some(v) => {
            let f = arg_bytes(vm, v)?;
            if f.len() != 1 {
                let n = f.len();
                return Err(vm.type_error(format!(
                    "{name}() argument 2 must be a byte string of length 1, not bytes of length {n}"
                )));
            }
            f[0]
        }
        None => b' ',
    };
    Ok((d, w, fill))
}

fn center(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (d, w, f) = pad_args(vm, &args, "center")?;
    if w <= d.len() {
        return Ok(new(vm, d));
    }
    let total = w - d.len();
    // CPython puts the extra byte on the left when the width is odd.
    let left = total / 2 + (total & w & 1);
    let mut out = vec![f; left];
    out.extend_from_slice(&d);
    out.resize(w, f);
    Ok(new(vm, out))
}

fn ljust(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (mut d, w, f) = pad_args(vm, &args, "ljust")?;
    if w > d.len() {
        d.resize(w, f);
    }
    Ok(new(vm, d))
}

fn rjust(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (d, w, f) = pad_args(vm, &args, "rjust")?;
    if w <= d.len() {
        return Ok(new(vm, d));
    }
    let mut out = vec![f; w - d.len()];
    out.extend_from_slice(&d);
    Ok(new(vm, out))
}

fn zfill(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "zfill", 2, 2)?;
    let d = data(&args.pos[0]);
    let w = vm.index_value(&args.pos[1])?.max(0) as usize;
    if w <= d.len() {
        return Ok(new(vm, d));
    }
    let (sign, rest) = match d.first() {
        Some(b'+') | Some(b'-') => (&d[..1], &d[1..]),
        _ => (&d[..0], &d[..]),
    };
    let mut out = sign.to_vec();
    out.resize(w - rest.len(), b'0');
    out.extend_from_slice(rest);
    Ok(new(vm, out))
}

fn expandtabs(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let ts = match args.pos.get(1).cloned().or_else(|| args.take_kw("tabsize")) {
        Some(v) => vm.index_value(&v)?,
        None => 8,
    };
    let d = data(&args.pos[0]);
    let mut out = Vec::with_capacity(d.len());
    let mut col = 0i64;
    for b in d {
        match b {
            b'\t' => {
                if ts > 0 {
                    let n = ts - col % ts;
                    out.extend(std::iter::repeat_n(b' ', n as usize));
                    col += n;
                }
            }
            b'\n' | b'\r' => {
                out.push(b);
                col = 0;
            }
            _ => {
                out.push(b);
                col += 1;
            }
        }
    }
    Ok(new(vm, out))
}
