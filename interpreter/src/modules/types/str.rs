//! Methods of `str`. Indices are code points; whitespace and line breaks
//! follow Python's definitions (which differ from Rust's in a few control
//! characters); `str.format` shares the format machinery of f-strings.

use crate::object::kind::Kind;
use crate::object::str::{str_of, Str};
use crate::object::tuple::Tuple;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

use super::self_str;

pub fn install(vm: &mut Vm) {
    let t = vm.types.str.clone();
    let methods: &[(&'static str, crate::object::function::NativeFn)] = &[
        ("join", join),
        ("split", split),
        ("rsplit", rsplit),
        ("splitlines", splitlines),
        ("strip", strip),
        ("lstrip", lstrip),
        ("rstrip", rstrip),
        ("replace", replace),
        ("find", find),
        ("rfind", rfind),
        ("index", index),
        ("rindex", rindex),
        ("count", count),
        ("startswith", startswith),
        ("endswith", endswith),
        ("upper", upper),
        ("lower", lower),
        ("casefold", lower),
        ("title", title),
        ("capitalize", capitalize),
        ("swapcase", swapcase),
        ("isdigit", isdigit),
        ("isdecimal", isdecimal),
        ("isnumeric", isnumeric),
        ("isalpha", isalpha),
        ("isalnum", isalnum),
        ("isspace", isspace),
        ("isupper", isupper),
        ("islower", islower),
        ("istitle", istitle),
        ("isidentifier", isidentifier),
        ("isprintable", isprintable),
        ("isascii", isascii),
        ("ljust", ljust),
        ("rjust", rjust),
        ("center", center),
        ("zfill", zfill),
        ("format", format),
        ("format_map", format_map),
        ("encode", encode),
        ("partition", partition),
        ("rpartition", rpartition),
        ("expandtabs", expandtabs),
        ("translate", translate),
        ("removeprefix", removeprefix),
        ("removesuffix", removesuffix),
        ("__len__", str_len),
        ("__getitem__", str_getitem),
        ("__contains__", str_contains),
        ("__iter__", str_iter),
        ("__hash__", str_hash),
        ("__str__", str_str),
        ("__repr__", str_repr),
        ("__format__", str_format_m),
        ("__getnewargs__", getnewargs),
    ];
    for (n, f) in methods {
        vm.add_method(&t, n, *f);
    }
    vm.add_staticmethod(&t, "__new__", str_new);
    vm.add_staticmethod(&t, "maketrans", maketrans);
}

/// Python's `str.isspace` for one character.
pub fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

fn is_linebreak(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r'
            | '\x0b'
            | '\x0c'
            | '\x1c'
            | '\x1d'
            | '\x1e'
            | '\u{85}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// A str argument (TypeError naming `what` otherwise).
pub fn arg_str(vm: &mut Vm, v: &Value, what: &str) -> PyResult<String> {
    match v {
        Value::Obj(o) if o.kind() == Kind::Str => Ok(str_of(o).unwrap().to_string()),
        other => {
            let t = vm.type_name(other);
            Err(vm.type_error(format!("{what} must be str, not {t}")))
        }
    }
}

fn opt_str(vm: &mut Vm, v: Option<&Value>, what: &str) -> PyResult<Option<String>> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(v) => arg_str(vm, v, what).map(Some),
    }
}

fn new_s(vm: &mut Vm, s: String) -> Value {
    Value::Obj(vm.new_string(s))
}

/// Resolves optional start/end arguments to a char range of `n` chars.
fn char_range(vm: &mut Vm, args: &Args, from: usize, n: usize) -> PyResult<(usize, usize)> {
    let get = |vm: &mut Vm, i: usize| -> PyResult<Option<i64>> {
        match args.pos.get(i) {
            None | Some(Value::None) => Ok(None),
            Some(v) => vm.index_value(&v.clone()).map(Some),
        }
    };
    let norm = |x: i64| -> usize {
        if x < 0 {
            (x + n as i64).max(0) as usize
        } else {
            (x as usize).min(n)
        }
    };
    let s = get(vm, from)?.map(norm).unwrap_or(0);
    let e = get(vm, from + 1)?.map(norm).unwrap_or(n);
    Ok((s, e))
}

fn join(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "join", 2, 2)?;
    let sep = self_str(&args).to_string();
    let items = vm.collect_iter(&args.pos[1])?;
    let mut out = String::new();
    for (i, it) in items.iter().enumerate() {
        match it {
            Value::Obj(o) if o.kind() == Kind::Str => {
                if i > 0 {
                    out.push_str(&sep);
                }
                out.push_str(str_of(o).unwrap());
            }
            other => {
                let t = vm.type_name(other);
                return Err(vm.type_error(format!(
                    "sequence item {i}: expected str instance, {t} found"
                )));
            }
        }
    }
    Ok(new_s(vm, out))
}

fn split_common(vm: &mut Vm, mut args: Args, right: bool) -> PyResult<Value> {
    let s = self_str(&args).to_string();
    let sep_v = args.arg(1, "sep");
    let max_v = args.arg(2, "maxsplit");
    let sep = opt_str(vm, sep_v.as_ref(), "must be str or None")?;
    let maxsplit = match max_v {
        Some(v) => vm.index_value(&v)?,
        None => -1,
    };
    let parts: Vec<String> = match sep {
        None => {
            let mut out: Vec<String> = Vec::new();
            if !right {
                let mut rest = s.as_str();
                loop {
                    rest = rest.trim_start_matches(py_isspace);
                    if rest.is_empty() {
                        break;
                    }
                    if maxsplit >= 0 && out.len() as i64 == maxsplit {
                        out.push(rest.to_string());
                        break;
                    }
                    let end = rest.find(py_isspace).unwrap_or(rest.len());
                    out.push(rest[..end].to_string());
                    rest = &rest[end..];
                }
            } else {
                let mut rest = s.as_str();
                loop {
                    rest = rest.trim_end_matches(py_isspace);
                    if rest.is_empty() {
                        break;
                    }
                    if maxsplit >= 0 && out.len() as i64 == maxsplit {
                        out.push(rest.to_string());
                        break;
                    }
                    let start = rest
                        .rfind(py_isspace)
                        .map(|i| i + rest[i..].chars().next().unwrap().len_utf8())
                        .unwrap_or(0);
                    out.push(rest[start..].to_string());
                    rest = &rest[..start];
                }
                out.reverse();
            }
            out
        }
        Some(sep) => {
            if sep.is_empty() {
                return Err(vm.value_error("empty separator"));
            }
            if maxsplit < 0 {
                s.split(sep.as_str()).map(|x| x.to_string()).collect()
            } else if !right {
                s.splitn(maxsplit as usize + 1, sep.as_str())
                    .map(|x| x.to_string())
                    .collect()
            } else {
                let mut v: Vec<String> = s
                    .rsplitn(maxsplit as usize + 1, sep.as_str())
                    .map(|x| x.to_string())
                    .collect();
                v.reverse();
                v
            }
        }
    };
    let items: Vec<Value> = parts.into_iter().map(|p| new_s(vm, p)).collect();
    Ok(Value::Obj(vm.new_list(items)))
}

fn split(vm: &mut Vm, args: Args) -> PyResult<Value> {
    split_common(vm, args, false)
}

fn rsplit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    split_common(vm, args, true)
}

fn splitlines(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let s = self_str(&args).to_string();
    let keep = match args.arg(1, "keepends") {
        Some(v) => vm.truthy(&v)?,
        None => false,
    };
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        if is_linebreak(c) {
            let mut end = pos + c.len_utf8();
            if c == '\r' && i + 1 < chars.len() && chars[i + 1].1 == '\n' {
                end += 1;
                i += 1;
            }
            let line = if keep { &s[start..end] } else { &s[start..pos] };
            out.push(line.to_string());
            start = end;
        }
        i += 1;
    }
    if start < s.len() {
        out.push(s[start..].to_string());
    }
    let items: Vec<Value> = out.into_iter().map(|p| new_s(vm, p)).collect();
    Ok(Value::Obj(vm.new_list(items)))
}

fn strip_impl(vm: &mut Vm, args: Args, left: bool, right: bool) -> PyResult<Value> {
    let s = self_str(&args).to_string();
    let chars = opt_str(vm, args.pos.get(1), "strip arg")?;
    let r: &str = match &chars {
        None => {
            let mut t = s.as_str();
            if left {
                t = t.trim_start_matches(py_isspace);
            }
            if right {
                t = t.trim_end_matches(py_isspace);
            }
            t
        }
        Some(cs) => {
            let set: Vec<char> = cs.chars().collect();
            let mut t = s.as_str();
            if left {
                t = t.trim_start_matches(|c| set.contains(&c));
            }
            if right {
                t = t.trim_end_matches(|c| set.contains(&c));
            }
            t
        }
    };
    if r.len() == s.len() {
        return Ok(args.pos[0].clone());
    }
    let r = r.to_string();
    Ok(new_s(vm, r))
}

fn strip(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "strip", 1, 2)?;
    strip_impl(vm, args, true, true)
}

fn lstrip(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "lstrip", 1, 2)?;
    strip_impl(vm, args, true, false)
}

fn rstrip(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "rstrip", 1, 2)?;
    strip_impl(vm, args, false, true)
}

fn replace(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "replace", 3, 4)?;
    let s = self_str(&args).to_string();
    let old = arg_str(vm, &args.pos[1], "replace() argument 1")?;
    let new = arg_str(vm, &args.pos[2], "replace() argument 2")?;
    let count = match args.pos.get(3) {
        Some(v) => vm.index_value(&v.clone())?,
        None => -1,
    };
    let r = if count < 0 {
        if old.is_empty() {
            let mut out = new.clone();
            for c in s.chars() {
                out.push(c);
                out.push_str(&new);
            }
            out
        } else {
            s.replace(&old, &new)
        }
    } else if old.is_empty() {
        let mut out = String::new();
        let mut n = 0;
        for c in s.chars() {
            if n < count {
                out.push_str(&new);
                n += 1;
            }
            out.push(c);
        }
        if n < count {
            out.push_str(&new);
        }
        out
    } else {
        s.replacen(&old, &new, count as usize)
    };
    Ok(new_s(vm, r))
}

/// Char index of the first/last occurrence of `sub` in s[start..end].
fn find_impl(vm: &mut Vm, args: &Args, rev: bool) -> PyResult<i64> {
    let so = args.pos[0].as_obj().unwrap().clone();
    let st = so.downcast::<Str>().unwrap();
    let sub = arg_str(vm, &args.pos[1], "must be str,")?;
    let n = st.char_len();
    let (a, b) = char_range(vm, args, 2, n)?;
    if a > b || (a > n) {
        return Ok(-1);
    }
    let ba = st.byte_offset(a);
    let bb = st.byte_offset(b);
    let hay = &st.as_str()[ba..bb];
    let r = if rev { hay.rfind(&sub) } else { hay.find(&sub) };
    Ok(match r {
        Some(byte) => (a + hay[..byte].chars().count()) as i64,
        None => -1,
    })
}

fn find(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "find", 2, 4)?;
    Ok(Value::Int(find_impl(vm, &args, false)?))
}

fn rfind(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "rfind", 2, 4)?;
    Ok(Value::Int(find_impl(vm, &args, true)?))
}

fn index(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "index", 2, 4)?;
    match find_impl(vm, &args, false)? {
        -1 => Err(vm.value_error("substring not found")),
        i => Ok(Value::Int(i)),
    }
}

fn rindex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "rindex", 2, 4)?;
    match find_impl(vm, &args, true)? {
        -1 => Err(vm.value_error("substring not found")),
        i => Ok(Value::Int(i)),
    }
}

fn count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "count", 2, 4)?;
    let so = args.pos[0].as_obj().unwrap().clone();
    let st = so.downcast::<Str>().unwrap();
    let sub = arg_str(vm, &args.pos[1], "must be str,")?;
    let n = st.char_len();
    let (a, b) = char_range(vm, &args, 2, n)?;
    if a > b {
        return Ok(Value::Int(0));
    }
    let hay = &st.as_str()[st.byte_offset(a)..st.byte_offset(b)];
    let c = if sub.is_empty() {
        hay.chars().count() + 1
    } else {
        hay.matches(&sub).count()
    };
    Ok(Value::Int(c as i64))
}

fn starts_ends(vm: &mut Vm, args: Args, ends: bool) -> PyResult<Value> {
    let name = if ends { "endswith" } else { "startswith" };
    args.check(vm, name, 2, 4)?;
    let so = args.pos[0].as_obj().unwrap().clone();
    let st = so.downcast::<Str>().unwrap();
    let n = st.char_len();
    let (a, b) = char_range(vm, &args, 2, n)?;
    let hay = if a <= b {
        &st.as_str()[st.byte_offset(a)..st.byte_offset(b)]
    } else {
        ""
    };
    let pats: Vec<Value> = match &args.pos[1] {
        Value::Obj(t) if t.kind() == Kind::Tuple => {
            t.downcast::<Tuple>().unwrap().as_slice().to_vec()
        }
        v => vec![v.clone()],
    };
    for p in pats {
        let ps = match &p {
            Value::Obj(o) if o.kind() == Kind::Str => str_of(o).unwrap().to_string(),
            other => {
                let t = vm.type_name(other);
                return Err(vm.type_error(format!(
                    "{name} first arg must be str or a tuple of str, not {t}"
                )));
            }
        };
        if a > b && !(ps.is_empty() && a <= n) {
            continue;
        }
        let ok = if ends {
            hay.ends_with(&ps)
        } else {
            hay.starts_with(&ps)
        };
        if ok {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn startswith(vm: &mut Vm, args: Args) -> PyResult<Value> {
    starts_ends(vm, args, false)
}

fn endswith(vm: &mut Vm, args: Args) -> PyResult<Value> {
    starts_ends(vm, args, true)
}

fn upper(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_str(&args).to_uppercase();
    Ok(new_s(vm, s))
}

fn lower(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_str(&args).to_lowercase();
    Ok(new_s(vm, s))
}

fn is_cased(c: char) -> bool {
    c.is_lowercase() || c.is_uppercase() || c != c.to_lowercase().next().unwrap_or(c)
}

fn title_char(c: char) -> String {
    // Titlecase equals uppercase except for a few digraphs.
    match c {
        'ǆ' | 'ǅ' | 'Ǆ' => "ǅ".into(),
        'ǉ' | 'ǈ' | 'Ǉ' => "ǈ".into(),
        'ǌ' | 'ǋ' | 'Ǌ' => "ǋ".into(),
        'ǳ' | 'ǲ' | 'Ǳ' => "ǲ".into(),
        'ŉ' => "ʼN".into(),
        'ᾳ' => "ᾼ".into(),
        'ῃ' => "ῌ".into(),
        'ῳ' => "ῼ".into(),
        // Greek letters with a subscript iota: the titlecase letter is
        // the one 8 code points up (or the letter itself).
        '\u{1F80}'..='\u{1FAF}' => {
            let n = c as u32;
            char::from_u32(if n & 0xF < 8 { n + 8 } else { n })
                .unwrap_or(c)
                .to_string()
        }
        _ => {
            // A letter whose uppercase is several letters (ß -> SS) is
            // titlecased as the first one followed by lowercase (Ss).
            let mut up = c.to_uppercase();
            let first = up.next().unwrap_or(c);
            let mut out = first.to_string();
            for r in up {
                out.extend(r.to_lowercase());
            }
            out
        }
    }
}

fn title(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mut out = String::new();
    let mut prev_cased = false;
    for c in self_str(&args).chars() {
        if is_cased(c) {
            if prev_cased {
                out.extend(c.to_lowercase());
            } else {
                out.push_str(&title_char(c));
            }
            prev_cased = true;
        } else {
            out.push(c);
            prev_cased = false;
        }
    }
    Ok(new_s(vm, out))
}

fn capitalize(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_str(&args);
    let mut out = String::new();
    let mut it = s.chars();
    if let Some(c) = it.next() {
        out.push_str(&title_char(c));
    }
    for c in it {
        out.extend(c.to_lowercase());
    }
    Ok(new_s(vm, out))
}

fn swapcase(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let mut out = String::new();
    for c in self_str(&args).chars() {
        if c.is_uppercase() {
            out.extend(c.to_lowercase());
        } else if c.is_lowercase() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    Ok(new_s(vm, out))
}

fn pred(args: &Args, f: impl Fn(char) -> bool) -> Value {
    let s = self_str(args);
    Value::Bool(!s.is_empty() && s.chars().all(f))
}

fn is_decimal_char(c: char) -> bool {
    c.is_ascii_digit() || {
        let u = c as u32;
        [
            0x660u32, 0x6F0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xE50,
            0xED0, 0xFF10,
        ]
        .iter()
        .any(|s| (*s..*s + 10).contains(&u))
    }
}

fn is_digit_char(c: char) -> bool {
    is_decimal_char(c)
        || matches!(c, '²' | '³' | '¹' | '⁰'..='⁹' | '₀'..='₉' | '①'..='⑨' | '⑴'..='⑼' | '⒈'..='⒐')
}

fn isdigit(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(pred(&args, is_digit_char))
}

fn isdecimal(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(pred(&args, is_decimal_char))
}

fn isnumeric(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(pred(&args, |c| c.is_numeric()))
}

fn py_isalpha(c: char) -> bool {
    c.is_alphabetic()
        && !c.is_numeric()
        && !matches!(c as u32, 0x345 | 0x5b0..=0x5bd | 0x610..=0x61a | 0x64b..=0x657)
}

fn isalpha(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(pred(&args, py_isalpha))
}

fn isalnum(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(pred(&args, |c| py_isalpha(c) || c.is_numeric()))
}

fn isspace(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(pred(&args, py_isspace))
}

fn isupper(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_str(&args);
    let cased = s.chars().any(is_cased);
    Ok(Value::Bool(cased && !s.chars().any(|c| c.is_lowercase())))
}

fn islower(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_str(&args);
    let cased = s.chars().any(is_cased);
    Ok(Value::Bool(cased && !s.chars().any(|c| c.is_uppercase())))
}

fn istitle(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = self_str(&args);
    let mut prev_cased = false;
    let mut any = false;
    for c in s.chars() {
        if c.is_uppercase() {
            if prev_cased {
                return Ok(Value::Bool(false));
            }
            prev_cased = true;
            any = true;
        } else if c.is_lowercase() {
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

pub fn is_identifier(s: &str) -> bool {
    let mut it = s.chars();
    match it.next() {
        Some(c) if c == '_' || c.is_alphabetic() => {}
        _ => return false,
    }
    it.all(|c| c == '_' || c.is_alphanumeric())
}

fn isidentifier(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Bool(is_identifier(self_str(&args))))
}

fn isprintable(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Bool(
        self_str(&args).chars().all(crate::vm::repr::is_printable),
    ))
}

fn isascii(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Bool(self_str(&args).is_ascii()))
}

fn fill_arg(vm: &mut Vm, args: &Args, name: &str) -> PyResult<char> {
    match args.pos.get(2) {
        None => Ok(' '),
        Some(Value::Obj(o)) if o.kind() == Kind::Str && str_of(o).unwrap().chars().count() == 1 => {
            Ok(str_of(o).unwrap().chars().next().unwrap())
        }
        Some(Value::Obj(o)) if o.kind() == Kind::Str => {
            Err(vm.type_error("The fill character must be exactly one character long"))
        }
        Some(other) => {
            let t = vm.type_name(other);
            Err(vm.type_error(format!("{name}() argument 2 must be str, not {t}")))
        }
    }
}

fn justify(vm: &mut Vm, args: Args, name: &str, mode: char) -> PyResult<Value> {
    args.check(vm, name, 2, 3)?;
    let s = self_str(&args).to_string();
    let width = vm.index_value(&args.pos[1])?;
    let fill = fill_arg(vm, &args, name)?;
    let len = s.chars().count() as i64;
    if width <= len {
        return Ok(args.pos[0].clone());
    }
    let marg = (width - len) as usize;
    let f = |n: usize| fill.to_string().repeat(n);
    let r = match mode {
        '<' => format!("{s}{}", f(marg)),
        '>' => format!("{}{s}", f(marg)),
        _ => {
            let left = marg / 2 + (marg & width as usize & 1);
            format!("{}{s}{}", f(left), f(marg - left))
        }
    };
    Ok(new_s(vm, r))
}

fn ljust(vm: &mut Vm, args: Args) -> PyResult<Value> {
    justify(vm, args, "ljust", '<')
}

fn rjust(vm: &mut Vm, args: Args) -> PyResult<Value> {
    justify(vm, args, "rjust", '>')
}

fn center(vm: &mut Vm, args: Args) -> PyResult<Value> {
    justify(vm, args, "center", '^')
}

fn zfill(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "zfill", 2, 2)?;
    let s = self_str(&args).to_string();
    let width = vm.index_value(&args.pos[1])?;
    let len = s.chars().count() as i64;
    if width <= len {
        return Ok(args.pos[0].clone());
    }
    let n = (width - len) as usize;
    let r = if s.starts_with('+') || s.starts_with('-') {
        format!("{}{}{}", &s[..1], "0".repeat(n), &s[1..])
    } else {
        format!("{}{s}", "0".repeat(n))
    };
    Ok(new_s(vm, r))
}

fn format(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let fmt = self_str(&args).to_string();
    let pos: Vec<Value> = args.pos.drain(1..).collect();
    let kw = std::mem::take(&mut args.kw);
    let kwd = vm.new_dict();
    for (k, v) in kw {
        vm.dict_set(&kwd, Value::Obj(k), v)?;
    }
    let r = vm.str_format(&fmt, &pos, &Value::Obj(kwd))?;
    Ok(new_s(vm, r))
}

fn format_map(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "format_map", 2, 2)?;
    let fmt = self_str(&args).to_string();
    let r = vm.str_format(&fmt, &[], &args.pos[1])?;
    Ok(new_s(vm, r))
}

fn encode(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let s = self_str(&args).to_string();
    let enc = match args.arg(1, "encoding") {
        Some(v) => arg_str(vm, &v, "encode() argument 'encoding'")?,
        None => "utf-8".into(),
    };
    let errors = match args.arg(2, "errors") {
        Some(v) => arg_str(vm, &v, "encode() argument 'errors'")?,
        None => "strict".into(),
    };
    let b = vm.encode_str(&s, &enc, &errors)?;
    Ok(Value::Obj(vm.new_bytes(b)))
}

fn partition_impl(vm: &mut Vm, args: Args, rev: bool) -> PyResult<Value> {
    args.check(vm, if rev { "rpartition" } else { "partition" }, 2, 2)?;
    let s = self_str(&args).to_string();
    let sep = arg_str(vm, &args.pos[1], "must be str,")?;
    if sep.is_empty() {
        return Err(vm.value_error("empty separator"));
    }
    let found = if rev { s.rfind(&sep) } else { s.find(&sep) };
    let (a, b, c) = match found {
        Some(i) => (
            s[..i].to_string(),
            sep.clone(),
            s[i + sep.len()..].to_string(),
        ),
        None if rev => (String::new(), String::new(), s.clone()),
        None => (s.clone(), String::new(), String::new()),
    };
    let v = vec![new_s(vm, a), new_s(vm, b), new_s(vm, c)];
    Ok(Value::Obj(vm.new_tuple(v)))
}

fn partition(vm: &mut Vm, args: Args) -> PyResult<Value> {
    partition_impl(vm, args, false)
}

fn rpartition(vm: &mut Vm, args: Args) -> PyResult<Value> {
    partition_impl(vm, args, true)
}

fn expandtabs(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let s = self_str(&args).to_string();
    let ts = match args.arg(1, "tabsize") {
        Some(v) => vm.index_value(&v)?,
        None => 8,
    };
    let mut out = String::new();
    let mut col = 0i64;
    for c in s.chars() {
        match c {
            '\t' => {
                if ts > 0 {
                    let n = ts - (col % ts);
                    out.push_str(&" ".repeat(n as usize));
                    col += n;
                }
            }
            '\n' | '\r' => {
                out.push(c);
                col = 0;
            }
            _ => {
                out.push(c);
                col += 1;
            }
        }
    }
    Ok(new_s(vm, out))
}

fn translate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "translate", 2, 2)?;
    let s = self_str(&args).to_string();
    let table = args.pos[1].clone();
    let mut out = String::new();
    for c in s.chars() {
        match vm.get_item(&table, &Value::Int(c as i64)) {
            Ok(Value::None) => {}
            Ok(Value::Int(i)) => match char::from_u32(i as u32) {
                Some(ch) => out.push(ch),
                None => return Err(vm.value_error("character mapping must be in range(0x110000)")),
            },
            Ok(Value::Obj(o)) if o.kind() == Kind::Str => out.push_str(str_of(&o).unwrap()),
            Ok(_) => {
                return Err(vm.type_error("character mapping must return integer, None or str"))
            }
            Err(e) if vm.err_is(&e, &vm.types.exc.lookup_error.clone()) => out.push(c),
            Err(e) => return Err(e),
        }
    }
    Ok(new_s(vm, out))
}

fn maketrans(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = vm.new_dict();
    match args.pos.len() {
        1 => {
            let items = match &args.pos[0] {
                Value::Obj(o) if o.kind() == Kind::Dict => {
                    o.downcast::<crate::object::dict::Dict>().unwrap().items()
                }
                _ => {
                    return Err(vm.type_error(
                        "if you give only one argument to maketrans it must be a dict",
                    ))
                }
            };
            for (k, v) in items {
                let key = match &k {
                    Value::Obj(o) if o.kind() == Kind::Str => {
                        let s = str_of(o).unwrap();
                        if s.chars().count() != 1 {
                            return Err(vm.value_error(
                                "string keys in translate table must be of length 1",
                            ));
                        }
                        Value::Int(s.chars().next().unwrap() as i64)
                    }
                    other => other.clone(),
                };
                vm.dict_set(&d, key, v)?;
            }
        }
        2 | 3 => {
            let a = arg_str(vm, &args.pos[0], "maketrans() argument 1")?;
            let b = arg_str(vm, &args.pos[1], "maketrans() argument 2")?;
            if a.chars().count() != b.chars().count() {
                return Err(
                    vm.value_error("the first two maketrans arguments must have equal length")
                );
            }
            for (x, y) in a.chars().zip(b.chars()) {
                vm.dict_set(&d, Value::Int(x as i64), Value::Int(y as i64))?;
            }
            if let Some(z) = args.pos.get(2) {
                let z = arg_str(vm, &z.clone(), "maketrans() argument 3")?;
                for x in z.chars() {
                    vm.dict_set(&d, Value::Int(x as i64), Value::None)?;
                }
            }
        }
        _ => return Err(vm.type_error("maketrans() takes from 1 to 3 arguments")),
    }
    Ok(Value::Obj(d))
}

fn removeprefix(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "removeprefix", 2, 2)?;
    let s = self_str(&args).to_string();
    let p = arg_str(vm, &args.pos[1], "removeprefix() argument")?;
    match s.strip_prefix(p.as_str()) {
        Some(r) => {
            let r = r.to_string();
            Ok(new_s(vm, r))
        }
        None => Ok(args.pos[0].clone()),
    }
}

fn removesuffix(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "removesuffix", 2, 2)?;
    let s = self_str(&args).to_string();
    let p = arg_str(vm, &args.pos[1], "removesuffix() argument")?;
    match s.strip_suffix(p.as_str()) {
        Some(r) if !p.is_empty() => {
            let r = r.to_string();
            Ok(new_s(vm, r))
        }
        _ => Ok(args.pos[0].clone()),
    }
}

fn str_len(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = args.pos[0].as_obj().unwrap().clone();
    let _ = vm;
    Ok(Value::Int(o.downcast::<Str>().unwrap().char_len() as i64))
}

fn str_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__getitem__", 2, 2)?;
    let base = plain_str(vm, &args.pos[0]);
    vm.get_item(&base, &args.pos[1])
}

/// The receiver as an exact str (so builtin operations apply to subclasses).
fn plain_str(vm: &mut Vm, v: &Value) -> Value {
    match v {
        Value::Obj(o) if o.owns_cls() => {
            let s = str_of(o).unwrap_or("").to_string();
            Value::Obj(vm.new_string(s))
        }
        _ => v.clone(),
    }
}

fn str_contains(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__contains__", 2, 2)?;
    let base = plain_str(vm, &args.pos[0]);
    Ok(Value::Bool(vm.contains(&base, &args.pos[1])?))
}

fn str_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let base = plain_str(vm, &args.pos[0]);
    vm.get_iter(&base)
}

fn str_hash(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    let o = args.pos[0].as_obj().unwrap().clone();
    Ok(Value::Int(o.downcast::<Str>().unwrap().hash()))
}

fn str_str(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(plain_str(vm, &args.pos[0]))
}

fn str_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let r = crate::vm::repr::str_repr(self_str(&args));
    Ok(new_s(vm, r))
}

fn str_format_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__format__", 2, 2)?;
    let spec = arg_str(vm, &args.pos[1], "__format__() argument")?;
    let base = plain_str(vm, &args.pos[0]);
    let r = vm.builtin_format(&base, &spec)?;
    Ok(new_s(vm, r))
}

fn getnewargs(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let base = plain_str(vm, &args.pos[0]);
    Ok(Value::Obj(vm.new_tuple(vec![base])))
}

fn str_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let cls = args.pos.remove(0).into_obj().unwrap();
    let obj = args.arg(0, "object");
    let encoding = args.arg(1, "encoding");
    let errors = args.arg(2, "errors");
    if args.pos.len() > 3 {
        return Err(vm.type_error(format!(
            "str() takes at most 3 arguments ({} given)",
            args.pos.len()
        )));
    }
    let s: String = match (obj, encoding.is_some() || errors.is_some()) {
        (None, _) => String::new(),
        (Some(o), false) => vm.to_str(&o)?,
        (Some(o), true) => {
            let data = match &o {
                Value::Obj(b) if b.kind() == Kind::Bytes => b
                    .downcast::<crate::object::bytes::Bytes>()
                    .unwrap()
                    .data
                    .clone(),
                Value::Obj(b) if b.kind() == Kind::Str => {
                    return Err(vm.type_error("decoding str is not supported"));
                }
                other => {
                    let t = vm.type_name(other);
                    return Err(vm.type_error(format!(
                        "decoding to str: need a bytes-like object, {t} found"
                    )));
                }
            };
            let enc = match &encoding {
                Some(e) => arg_str(vm, e, "str() argument 'encoding'")?,
                None => "utf-8".into(),
            };
            let err = match &errors {
                Some(e) => arg_str(vm, e, "str() argument 'errors'")?,
                None => "strict".into(),
            };
            vm.decode_bytes(&data, &enc, &err)?
        }
    };
    if cls.is(&vm.types.str) {
        return Ok(new_s(vm, s));
    }
    let st = vm.types.str.clone();
    Ok(Value::Obj(vm.alloc_instance(&cls, &st, Str::new(s))))
}

impl Vm {
    /// `fmt.format(*pos, **kw)` where `kw` is a mapping.
    pub fn str_format(&mut self, fmt: &str, pos: &[Value], kw: &Value) -> PyResult<String> {
        let chars: Vec<char> = fmt.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        let mut auto = 0usize;
        let mut mode: Option<bool> = None; // Some(true) = automatic numbering
        while i < chars.len() {
            let c = chars[i];
            if c == '{' {
                if i + 1 < chars.len() && chars[i + 1] == '{' {
                    out.push('{');
                    i += 2;
                    continue;
                }
                // Find the matching close brace (nested braces in the spec).
                let mut depth = 1;
                let mut j = i + 1;
                while j < chars.len() {
                    if chars[j] == '{' {
                        depth += 1;
                    } else if chars[j] == '}' {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    j += 1;
                }
                if j >= chars.len() {
                    return Err(self.value_error("expected '}' before end of string"));
                }
                let field: String = chars[i + 1..j].iter().collect();
                i = j + 1;
                let (name_part, rest) = split_field(&field);
                let (conv, spec) = match rest.strip_prefix('!') {
                    Some(r) => {
                        let mut it = r.chars();
                        let cv = it.next();
                        let after: String = it.collect();
                        if !after.is_empty() && !after.starts_with(':') {
                            return Err(self.value_error("expected ':' after conversion specifier"));
                        }
                        (cv, after.strip_prefix(':').unwrap_or("").to_string())
                    }
                    None => (None, rest.strip_prefix(':').unwrap_or("").to_string()),
                };
                // Resolve the argument.
                let (first, accessors) = split_accessors(&name_part);
                let mut val = if first.is_empty() {
                    if mode == Some(false) {
                        return Err(self.value_error("cannot switch from manual field specification to automatic field numbering"));
                    }
                    mode = Some(true);
                    let v = pos.get(auto).cloned();
                    auto += 1;
                    match v {
                        Some(v) => v,
                        None => {
                            return Err(self.index_error(format!(
                                "Replacement index {} out of range for positional args tuple",
                                auto - 1
                            )))
                        }
                    }
                } else if let Ok(n) = first.parse::<usize>() {
                    if mode == Some(true) {
                        return Err(self.value_error("cannot switch from automatic field numbering to manual field specification"));
                    }
                    mode = Some(false);
                    match pos.get(n) {
                        Some(v) => v.clone(),
                        None => {
                            return Err(self.index_error(format!(
                                "Replacement index {n} out of range for positional args tuple"
                            )))
                        }
                    }
                } else {
                    let k = self.str_val(&first);
                    match self.get_item(kw, &k) {
                        Ok(v) => v,
                        Err(e) if self.err_is(&e, &self.types.exc.key_error.clone()) => {
                            return Err(self.key_error(k));
                        }
                        Err(e) => return Err(e),
                    }
                };
                for acc in accessors {
                    val = match acc {
                        Accessor::Attr(a) => {
                            let n = self.intern(&a);
                            self.get_attr(&val, &n)?
                        }
                        Accessor::Index(ix) => {
                            let key = match ix.parse::<i64>() {
                                Ok(n) => Value::Int(n),
                                Err(_) => self.str_val(&ix),
                            };
                            self.get_item(&val, &key)?
                        }
                    };
                }
                let val = match conv {
                    Some('r') => Value::Obj(self.repr_obj(&val)?),
                    Some('s') => Value::Obj(self.to_str_obj(&val)?),
                    Some('a') => {
                        let r = self.repr(&val)?;
                        Value::Obj(self.new_string(crate::vm::repr::ascii_escape(&r)))
                    }
                    None => val,
                    Some(other) => {
                        return Err(
                            self.value_error(format!("Unknown conversion specifier {other}"))
                        );
                    }
                };
                // The spec may itself contain replacement fields.
                let spec = if spec.contains('{') {
                    let saved = auto;
                    let r = self.str_format(&spec, pos, kw)?;
                    let _ = saved;
                    r
                } else {
                    spec
                };
                let s = self.format(&val, &spec)?;
                out.push_str(&s);
            } else if c == '}' {
                if i + 1 < chars.len() && chars[i + 1] == '}' {
                    out.push('}');
                    i += 2;
                    continue;
                }
                return Err(self.value_error("Single '}' encountered in format string"));
            } else {
                out.push(c);
                i += 1;
            }
        }
        Ok(out)
    }
}

enum Accessor {
    Attr(String),
    Index(String),
}

/// Splits `name!conv:spec` into the name and the rest (at the first `!` or
/// `:` outside brackets).
fn split_field(field: &str) -> (String, String) {
    let mut depth = 0;
    for (i, c) in field.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '!' | ':' if depth == 0 => return (field[..i].to_string(), field[i..].to_string()),
            _ => {}
        }
    }
    (field.to_string(), String::new())
}

fn split_accessors(name: &str) -> (String, Vec<Accessor>) {
    let mut first = String::new();
    let mut acc = Vec::new();
    let chars: Vec<char> = name.chars().collect();
    let mut i = 0;
    while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
        first.push(chars[i]);
        i += 1;
    }
    while i < chars.len() {
        if chars[i] == '.' {
            i += 1;
            let mut a = String::new();
            while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                a.push(chars[i]);
                i += 1;
            }
            acc.push(Accessor::Attr(a));
        } else if chars[i] == '[' {
            i += 1;
            let mut a = String::new();
            while i < chars.len() && chars[i] != ']' {
                a.push(chars[i]);
                i += 1;
            }
            i += 1;
            acc.push(Accessor::Index(a));
        } else {
            i += 1;
        }
    }
    (first, acc)
}
