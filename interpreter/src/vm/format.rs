//! Formatting: the format-spec mini-language (`format(x, spec)`, f-string
//! fields, `str.format`) for ints, floats and strings, the `__format__`
//! protocol, and printf-style `%` formatting of str and bytes. Number text
//! follows CPython (`'g'` rules, exponent with at least two digits, grouping,
//! `'%'`, the `'z'` flag).

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

use crate::object::float::{float_repr, positional, shortest_digits};
use crate::object::kind::Kind;
use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::tuple::Tuple;
use crate::object::value::Value;
use crate::vm::arith::{as_num, Num};
use crate::vm::{PyResult, Vm};

/// A parsed format specification.
#[derive(Clone, Debug, Default)]
pub struct Spec {
    pub fill: Option<char>,
    pub align: Option<char>,
    pub sign: Option<char>,
    pub z: bool,
    pub alt: bool,
    pub zero: bool,
    pub width: Option<usize>,
    pub grouping: Option<char>,
    pub precision: Option<usize>,
    pub ty: Option<char>,
}

pub fn parse_spec(s: &str) -> Result<Spec, String> {
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut sp = Spec::default();
    let is_align = |ch: char| matches!(ch, '<' | '>' | '=' | '^');
    if c.len() >= 2 && is_align(c[1]) {
        sp.fill = Some(c[0]);
        sp.align = Some(c[1]);
        i = 2;
    } else if !c.is_empty() && is_align(c[0]) {
        sp.align = Some(c[0]);
        i = 1;
    }
    if i < c.len() && matches!(c[i], '+' | '-' | ' ') {
        sp.sign = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == 'z' {
        sp.z = true;
        i += 1;
    }
    if i < c.len() && c[i] == '#' {
        sp.alt = true;
        i += 1;
    }
    if i < c.len() && c[i] == '0' {
        sp.zero = true;
        i += 1;
    }
    let start = i;
    while i < c.len() && c[i].is_ascii_digit() {
        i += 1;
    }
    if i > start {
        let w: String = c[start..i].iter().collect();
        sp.width = Some(
            w.parse()
                .map_err(|_| "Too many decimal digits in format string".to_string())?,
        );
    }
    if i < c.len() && (c[i] == ',' || c[i] == '_') {
        sp.grouping = Some(c[i]);
        i += 1;
        if i < c.len() && (c[i] == ',' || c[i] == '_') {
            return Err("Cannot specify both ',' and '_'.".into());
        }
    }
    if i < c.len() && c[i] == '.' {
        i += 1;
        let ps = i;
        while i < c.len() && c[i].is_ascii_digit() {
            i += 1;
        }
        if i == ps {
            return Err("Format specifier missing precision".into());
        }
        let p: String = c[ps..i].iter().collect();
        sp.precision = Some(
            p.parse()
                .map_err(|_| "Too many decimal digits in format string".to_string())?,
        );
    }
    if i < c.len() {
        sp.ty = Some(c[i]);
        i += 1;
    }
    if i < c.len() {
        return Err("Invalid format specifier".into());
    }
    Ok(sp)
}

/// Inserts a grouping separator every `every` digits from the right.
fn group(digits: &str, sep: char, every: usize) -> String {
    let n = digits.chars().count();
    let mut out = String::with_capacity(n + n / every);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(every) {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

/// Pads `body` (with sign/prefix already split off) per fill/align/width.
fn pad(sp: &Spec, sign: &str, body: &str, numeric: bool, default_align: char) -> String {
    let width = sp.width.unwrap_or(0);
    let len = sign.chars().count() + body.chars().count();
    if len >= width {
        return format!("{sign}{body}");
    }
    let fill = sp
        .fill
        .unwrap_or(if sp.zero && sp.align.is_none() && numeric {
            '0'
        } else {
            ' '
        });
    let align = sp
        .align
        .unwrap_or(if sp.zero && numeric && sp.fill.is_none() {
            '='
        } else {
            default_align
        });
    let n = width - len;
    let f = |k: usize| fill.to_string().repeat(k);
    match align {
        '<' => format!("{sign}{body}{}", f(n)),
        '>' => format!("{}{sign}{body}", f(n)),
        '^' => format!("{}{sign}{body}{}", f(n / 2), f(n - n / 2)),
        '=' => format!("{sign}{}{body}", f(n)),
        _ => format!("{sign}{body}"),
    }
}

/// Zero padding with grouping (`format(1234, '010,')` → `00,001,234`).
fn zero_pad_grouped(
    sp: &Spec,
    sign_prefix_len: usize,
    digits: &str,
    sep: Option<char>,
    every: usize,
    frac: &str,
) -> String {
    let width = sp.width.unwrap_or(0);
    let mut d = digits.to_string();
    loop {
        let body = match sep {
            Some(s) => group(&d, s, every),
            None => d.clone(),
        };
        let total = sign_prefix_len + body.chars().count() + frac.chars().count();
        if total >= width {
            return body;
        }
        d.insert(0, '0');
    }
}

fn sign_str(neg: bool, sign: Option<char>) -> &'static str {
    if neg {
        "-"
    } else {
        match sign {
            Some('+') => "+",
            Some(' ') => " ",
            _ => "",
        }
    }
}

/// Formats an integer value (as BigInt) with a spec.
pub fn format_int(v: &BigInt, sp: &Spec) -> Result<String, String> {
    let ty = sp.ty.unwrap_or('d');
    if sp.precision.is_some() {
        return Err("Precision not allowed in integer format specifier".into());
    }
    if ty == 'c' {
        if sp.sign.is_some() {
            return Err("Sign not allowed with integer format specifier 'c'".into());
        }
        let c = v
            .to_u32()
            .and_then(char::from_u32)
            .ok_or("%c arg not in range(0x110000)")?;
        return Ok(pad(sp, "", &c.to_string(), false, '<'));
    }
    let (radix, prefix, every) = match ty {
        'd' | 'n' => (10, "", 3),
        'b' => (2, "0b", 4),
        'o' => (8, "0o", 4),
        'x' => (16, "0x", 4),
        'X' => (16, "0X", 4),
        _ => {
            return Err(format!(
                "Unknown format code '{ty}' for object of type 'int'"
            ))
        }
    };
    if sp.grouping == Some(',') && radix != 10 {
        return Err(format!("Cannot specify ',' with '{ty}'."));
    }
    let neg = v.is_negative();
    let mut digits = v.abs().to_str_radix(radix);
    if ty == 'X' {
        digits = digits.to_uppercase();
    }
    let sign = sign_str(neg, sp.sign);
    let pre = if sp.alt { prefix } else { "" };
    let sep = sp.grouping;
    let zero_fill = sp.zero && sp.align.is_none() && sp.fill.is_none();
    let body = if zero_fill {
        zero_pad_grouped(sp, sign.len() + pre.len(), &digits, sep, every, "")
    } else {
        match sep {
            Some(s) => group(&digits, s, every),
            None => digits,
        }
    };
    Ok(pad(sp, &format!("{sign}{pre}"), &body, true, '>'))
}

/// Exponent notation `d.ddde+XX` with `prec` digits after the point.
fn exp_format(x: f64, prec: usize, upper: bool, alt: bool) -> String {
    let s = format!("{:.*e}", prec, x.abs());
    let (m, e) = s.split_once('e').unwrap();
    let e: i32 = e.parse().unwrap_or(0);
    let mut m = m.to_string();
    if alt && !m.contains('.') {
        m.push('.');
    }
    let ech = if upper { 'E' } else { 'e' };
    format!("{m}{ech}{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

/// `'g'` formatting with precision `p` (CPython's rules).
fn general_format(x: f64, p: usize, upper: bool, alt: bool, force_point: bool) -> String {
    let p = p.max(1);
    if x == 0.0 {
        let mut s = if alt {
            format!("0.{}", "0".repeat(p - 1))
        } else {
            "0".to_string()
        };
        if force_point && !s.contains('.') {
            s.push_str(".0");
        }
        return s;
    }
    let e_s = format!("{:.*e}", p - 1, x.abs());
    let exp: i32 = e_s.split_once('e').unwrap().1.parse().unwrap_or(0);
    if exp >= -4 && exp < p as i32 {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        let mut s = format!("{:.*}", decimals, x.abs());
        if !alt && s.contains('.') {
            s = s.trim_end_matches('0').trim_end_matches('.').to_string();
        }
        if force_point && !s.contains('.') {
            s.push_str(".0");
        }
        s
    } else {
        let (m, _) = e_s.split_once('e').unwrap();
        let mut m = m.to_string();
        if !alt && m.contains('.') {
            m = m.trim_end_matches('0').trim_end_matches('.').to_string();
        }
        let ech = if upper { 'E' } else { 'e' };
        format!(
            "{m}{ech}{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    }
}

/// Formats a float with a spec.
pub fn format_float(x: f64, sp: &Spec) -> Result<String, String> {
    let ty = sp.ty;
    if let Some(t) = ty {
        if !matches!(t, 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'n' | '%') {
            return Err(format!(
                "Unknown format code '{t}' for object of type 'float'"
            ));
        }
    }
    let mut neg = x.is_sign_negative() && !x.is_nan();
    let mut x = x;
    let upper = matches!(ty, Some('E') | Some('F') | Some('G'));
    let body = if x.is_nan() || x.is_infinite() {
        let s = if x.is_nan() { "nan" } else { "inf" };
        let s = if upper {
            s.to_uppercase()
        } else {
            s.to_string()
        };
        if ty == Some('%') {
            format!("{s}%")
        } else {
            s
        }
    } else {
        let prec = sp.precision;
        let s = match ty {
            Some('e') | Some('E') => exp_format(x, prec.unwrap_or(6), upper, sp.alt),
            Some('f') | Some('F') => {
                let mut s = format!("{:.*}", prec.unwrap_or(6), x.abs());
                if sp.alt && !s.contains('.') {
                    s.push('.');
                }
                s
            }
            Some('%') => {
                x *= 100.0;
                let mut s = format!("{:.*}", prec.unwrap_or(6), x.abs());
                if sp.alt && !s.contains('.') {
                    s.push('.');
                }
                s.push('%');
                s
            }
            Some('g') | Some('G') | Some('n') => {
                general_format(x, prec.unwrap_or(6), upper, sp.alt, false)
            }
            None => match prec {
                None => {
                    let r = float_repr(x.abs());
                    if sp.alt && !r.contains('.') && !r.contains('e') {
                        format!("{r}.")
                    } else {
                        r
                    }
                }
                Some(p) => general_format(x, p, false, sp.alt, true),
            },
            _ => unreachable!(),
        };
        if sp.z
            && neg
            && s.chars()
                .all(|c| matches!(c, '0' | '.' | 'e' | 'E' | '+' | '-' | '%'))
        {
            neg = false;
        }
        s
    };
    let sign = sign_str(neg, sp.sign);
    // Grouping applies to the integer part.
    let (int_part, rest) = match body.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (body[..i].to_string(), body[i..].to_string()),
        None => (body.clone(), String::new()),
    };
    let zero_fill = sp.zero && sp.align.is_none() && sp.fill.is_none() && x.is_finite();
    let grouped = if zero_fill {
        zero_pad_grouped(sp, sign.len(), &int_part, sp.grouping, 3, &rest)
    } else {
        match sp.grouping {
            Some(s) if !int_part.is_empty() => group(&int_part, s, 3),
            _ => int_part,
        }
    };
    Ok(pad(sp, sign, &format!("{grouped}{rest}"), true, '>'))
}

/// Formats a string with a spec.
pub fn format_str(s: &str, sp: &Spec) -> Result<String, String> {
    if let Some(t) = sp.ty {
        if t != 's' {
            return Err(format!(
                "Unknown format code '{t}' for object of type 'str'"
            ));
        }
    }
    if sp.sign.is_some() {
        return Err("Sign not allowed in string format specifier".into());
    }
    if sp.alt {
        return Err("Alternate form (#) not allowed in string format specifier".into());
    }
    if sp.align == Some('=') {
        return Err("'=' alignment not allowed in string format specifier".into());
    }
    if let Some(g) = sp.grouping {
        return Err(format!("Cannot specify '{g}' with 's'."));
    }
    let body: String = match sp.precision {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_string(),
    };
    Ok(pad(sp, "", &body, false, '<'))
}

impl Vm {
    /// `format(v, spec)`.
    pub fn format(&mut self, v: &Value, spec: &str) -> PyResult<String> {
        let heap = matches!(v, Value::Obj(o) if o.owns_cls());
        if heap {
            let cls = self.type_of(v);
            if let Some(f) = self.lookup_mro(&cls, &self.names.format.clone()) {
                if !crate::vm::is_builtin_slot(&f) {
                    let s = self.str_val(spec);
                    let r = self.call(&f, vec![v.clone(), s])?;
                    return match &r {
                        Value::Obj(o) if o.kind() == Kind::Str => {
                            Ok(str_of(o).unwrap().to_string())
                        }
                        _ => {
                            let t = self.type_name(&r);
                            Err(self.type_error(format!("__format__ must return a str, not {t}")))
                        }
                    };
                }
            }
        }
        self.builtin_format(v, spec)
    }

    /// The builtin types' `__format__`.
    pub(crate) fn builtin_format(&mut self, v: &Value, spec: &str) -> PyResult<String> {
        // An empty spec formats as str(v) (honouring a subclass's __str__
        // or __repr__), as every builtin __format__ does.
        if spec.is_empty() && matches!(v, Value::Obj(o) if o.owns_cls()) {
            return self.to_str(v);
        }
        let sp = match parse_spec(spec) {
            Ok(s) => s,
            Err(e) => return Err(self.value_error(e)),
        };
        let r = match v {
            Value::Bool(b) if spec.is_empty() => {
                return Ok(if *b { "True" } else { "False" }.into())
            }
            Value::Bool(_) | Value::Int(_) => {
                if let Some(t) = sp.ty {
                    if matches!(t, 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%') {
                        let f = match as_num(v) {
                            Some(Num::Int(i)) => i as f64,
                            _ => 0.0,
                        };
                        return format_float(f, &sp).map_err(|e| self.value_error(e));
                    }
                }
                let b = match as_num(v) {
                    Some(Num::Int(i)) => BigInt::from(i),
                    Some(Num::Big(b)) => b,
                    _ => BigInt::zero(),
                };
                format_int(&b, &sp)
            }
            Value::Float(f) => format_float(*f, &sp),
            Value::None | Value::Undef => {
                if spec.is_empty() {
                    return Ok("None".into());
                }
                Err("unsupported format string passed to NoneType.__format__".to_string())
            }
            Value::Obj(o) => match o.kind() {
                Kind::Str => format_str(str_of(o).unwrap(), &sp),
                Kind::Int => {
                    if let Some(t) = sp.ty {
                        if matches!(t, 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%') {
                            let f = match as_num(v) {
                                Some(Num::Big(b)) => b.to_f64().unwrap_or(f64::INFINITY),
                                Some(Num::Int(i)) => i as f64,
                                _ => 0.0,
                            };
                            return format_float(f, &sp).map_err(|e| self.value_error(e));
                        }
                    }
                    let b = match as_num(v) {
                        Some(Num::Int(i)) => BigInt::from(i),
                        Some(Num::Big(b)) => b,
                        _ => BigInt::zero(),
                    };
                    format_int(&b, &sp)
                }
                Kind::Float => match as_num(v) {
                    Some(Num::Float(f)) => format_float(f, &sp),
                    _ => Ok(String::new()),
                },
                _ => {
                    if spec.is_empty() {
                        return self.to_str(v);
                    }
                    let t = self.type_name(v);
                    Err(format!(
                        "unsupported format string passed to {t}.__format__"
                    ))
                }
            },
        };
        r.map_err(|e| {
            if e.starts_with("unsupported format string") {
                self.type_error(e)
            } else {
                self.value_error(e)
            }
        })
    }

    /// The `FormatValue` instruction: conversion then format.
    pub(crate) fn format_value(
        &mut self,
        v: Value,
        conv: u8,
        spec: Option<Value>,
    ) -> PyResult<ObjRef> {
        let v = match conv {
            1 => Value::Obj(self.to_str_obj(&v)?),
            2 => Value::Obj(self.repr_obj(&v)?),
            3 => {
                let r = self.repr(&v)?;
                Value::Obj(self.new_string(crate::vm::repr::ascii_escape(&r)))
            }
            _ => v,
        };
        let spec_s = match &spec {
            Some(Value::Obj(s)) => str_of(s).unwrap_or("").to_string(),
            _ => String::new(),
        };
        if spec_s.is_empty() {
            if let Value::Obj(o) = &v {
                if o.kind() == Kind::Str && !o.owns_cls() {
                    return Ok(o.clone());
                }
            }
            if !matches!(&v, Value::Obj(o) if o.owns_cls()) {
                let s = self.to_str(&v)?;
                return Ok(self.new_string(s));
            }
        }
        let s = self.format(&v, &spec_s)?;
        Ok(self.new_string(s))
    }

    /// `str % args`.
    pub(crate) fn percent_format(&mut self, fmt: &ObjRef, args: &Value) -> PyResult<ObjRef> {
        let f = str_of(fmt).unwrap().to_string();
        let s = self.percent_core(&f, args, false)?;
        Ok(self.new_string(s))
    }

    pub(crate) fn bytes_percent_format(&mut self, fmt: &ObjRef, args: &Value) -> PyResult<Value> {
        let b = fmt
            .downcast::<crate::object::bytes::Bytes>()
            .unwrap()
            .data
            .clone();
        let f: String = b.iter().map(|&c| c as char).collect();
        let s = self.percent_core(&f, args, true)?;
        let out: Vec<u8> = s.chars().map(|c| c as u32 as u8).collect();
        Ok(Value::Obj(self.new_bytes(out)))
    }

    fn percent_core(&mut self, f: &str, args: &Value, bytes: bool) -> PyResult<String> {
        let items: Vec<Value> = match args {
            Value::Obj(o) if o.kind() == Kind::Tuple => {
                o.downcast::<Tuple>().unwrap().as_slice().to_vec()
            }
            _ => vec![args.clone()],
        };
        let mapping = match args {
            Value::Obj(o)
                if o.kind() == Kind::Dict
                    || (o.owns_cls() && o.kind() != Kind::Tuple && o.kind() != Kind::Str) =>
            {
                let has_getitem = self
                    .lookup_special(args, &self.names.getitem.clone())
                    .is_some();
                if has_getitem {
                    Some(args.clone())
                } else {
                    None
                }
            }
            _ => None,
        };
        let chars: Vec<char> = f.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        let mut argi = 0;
        let mut used_mapping = false;
        while i < chars.len() {
            let c = chars[i];
            if c != '%' {
                out.push(c);
                i += 1;
                continue;
            }
            i += 1;
            if i >= chars.len() {
                return Err(self.value_error("incomplete format"));
            }
            let mut key: Option<String> = None;
            if chars[i] == '(' {
                let mut depth = 1;
                let start = i + 1;
                i += 1;
                while i < chars.len() && depth > 0 {
                    if chars[i] == '(' {
                        depth += 1;
                    } else if chars[i] == ')' {
                        depth -= 1;
                    }
                    i += 1;
                }
                if depth > 0 {
                    return Err(self.value_error("incomplete format key"));
                }
                key = Some(chars[start..i - 1].iter().collect());
            }
            let mut flags = String::new();
            while i < chars.len() && matches!(chars[i], '-' | '+' | ' ' | '#' | '0') {
                flags.push(chars[i]);
                i += 1;
            }
            let mut width: Option<usize> = None;
            if i < chars.len() && chars[i] == '*' {
                i += 1;
                let w = items.get(argi).cloned().unwrap_or(Value::None);
                argi += 1;
                let wv = self
                    .index_value(&w)
                    .map_err(|_| self.type_error("* wants int"))?;
                if wv < 0 {
                    flags.push('-');
                }
                width = Some(wv.unsigned_abs() as usize);
            } else {
                let st = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                if i > st {
                    width = chars[st..i].iter().collect::<String>().parse().ok();
                }
            }
            let mut prec: Option<usize> = None;
            if i < chars.len() && chars[i] == '.' {
                i += 1;
                if i < chars.len() && chars[i] == '*' {
                    i += 1;
                    let p = items.get(argi).cloned().unwrap_or(Value::None);
                    argi += 1;
                    prec = Some(
                        self.index_value(&p)
                            .map_err(|_| self.type_error("* wants int"))?
                            .max(0) as usize,
                    );
                } else {
                    let st = i;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                    prec = Some(chars[st..i].iter().collect::<String>().parse().unwrap_or(0));
                }
            }
            while i < chars.len() && matches!(chars[i], 'h' | 'l' | 'L') {
                i += 1;
            }
            if i >= chars.len() {
                return Err(self.value_error("incomplete format"));
            }
            let conv = chars[i];
            i += 1;
            if conv == '%' {
                out.push('%');
                continue;
            }
            let arg = match &key {
                Some(k) => {
                    let Some(m) = &mapping else {
                        return Err(self.type_error("format requires a mapping"));
                    };
                    used_mapping = true;
                    let kv = self.str_val(k);
                    self.get_item(m, &kv)?
                }
                None => {
                    let a = match items.get(argi) {
                        Some(a) => a.clone(),
                        None => {
                            return Err(self.type_error("not enough arguments for format string"))
                        }
                    };
                    argi += 1;
                    a
                }
            };
            let left = flags.contains('-');
            let mut sp = Spec {
                align: Some(if left { '<' } else { '>' }),
                width,
                ..Default::default()
            };
            if flags.contains('+') {
                sp.sign = Some('+');
            } else if flags.contains(' ') {
                sp.sign = Some(' ');
            }
            if flags.contains('0')
                && !left
                && matches!(
                    conv,
                    'd' | 'i' | 'u' | 'x' | 'X' | 'o' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G'
                )
            {
                sp.align = None;
                sp.zero = true;
            }
            sp.alt = flags.contains('#');
            let piece = match conv {
                's' | 'r' | 'a' => {
                    let s = if conv == 's' {
                        if bytes {
                            match &arg {
                                Value::Obj(o) if o.kind() == Kind::Bytes => o
                                    .downcast::<crate::object::bytes::Bytes>()
                                    .unwrap()
                                    .data
                                    .iter()
                                    .map(|&b| b as char)
                                    .collect(),
                                _ => self.to_str(&arg)?,
                            }
                        } else {
                            self.to_str(&arg)?
                        }
                    } else if conv == 'r' {
                        self.repr(&arg)?
                    } else {
                        let r = self.repr(&arg)?;
                        crate::vm::repr::ascii_escape(&r)
                    };
                    let s: String = match prec {
                        Some(p) => s.chars().take(p).collect(),
                        None => s,
                    };
                    let sp2 = Spec {
                        align: sp.align,
                        width,
                        ..Default::default()
                    };
                    pad(&sp2, "", &s, false, '<')
                }
                'c' => {
                    let ch = match &arg {
                        Value::Obj(o) if o.kind() == Kind::Str => {
                            let s = str_of(o).unwrap();
                            if s.chars().count() != 1 {
                                return Err(self.type_error("%c requires int or char"));
                            }
                            s.to_string()
                        }
                        _ => {
                            let n = self
                                .index_value(&arg)
                                .map_err(|_| self.type_error("%c requires int or char"))?;
                            match char::from_u32(n as u32) {
                                Some(c) if (0..0x110000).contains(&n) => c.to_string(),
                                _ => {
                                    return Err(self.overflow_error("%c arg not in range(0x110000)"))
                                }
                            }
                        }
                    };
                    let sp2 = Spec {
                        align: sp.align,
                        width,
                        ..Default::default()
                    };
                    pad(&sp2, "", &ch, false, '<')
                }
                'd' | 'i' | 'u' | 'x' | 'X' | 'o' => {
                    let n = match as_num(&arg) {
                        Some(Num::Int(i)) => BigInt::from(i),
                        Some(Num::Big(b)) => b,
                        Some(Num::Float(fl)) if matches!(conv, 'd' | 'i' | 'u') => {
                            num_traits::FromPrimitive::from_f64(fl.trunc()).unwrap_or_default()
                        }
                        _ => {
                            if let Some(f) = self.lookup_special(&arg, &self.names.index.clone()) {
                                let r = self.call(&f, vec![arg.clone()])?;
                                match as_num(&r) {
                                    Some(Num::Int(i)) => BigInt::from(i),
                                    Some(Num::Big(b)) => b,
                                    _ => BigInt::zero(),
                                }
                            } else if matches!(conv, 'd' | 'i' | 'u') {
                                let t = self.type_name(&arg);
                                return Err(self.type_error(format!(
                                    "%{conv} format: a real number is required, not {t}"
                                )));
                            } else {
                                let t = self.type_name(&arg);
                                return Err(self.type_error(format!(
                                    "%{conv} format: an integer is required, not {t}"
                                )));
                            }
                        }
                    };
                    sp.ty = Some(match conv {
                        'x' => 'x',
                        'X' => 'X',
                        'o' => 'o',
                        _ => 'd',
                    });
                    let mut s = format_int(
                        &n,
                        &Spec {
                            precision: None,
                            ..sp.clone()
                        },
                    )
                    .map_err(|e| self.value_error(e))?;
                    if let Some(p) = prec {
                        let neg = n.is_negative();
                        let digits = n.abs().to_str_radix(match conv {
                            'x' | 'X' => 16,
                            'o' => 8,
                            _ => 10,
                        });
                        let digits = if conv == 'X' {
                            digits.to_uppercase()
                        } else {
                            digits
                        };
                        if digits.len() < p {
                            let padded = format!("{}{}", "0".repeat(p - digits.len()), digits);
                            let pre = if sp.alt {
                                match conv {
                                    'x' => "0x",
                                    'X' => "0X",
                                    'o' => "0o",
                                    _ => "",
                                }
                            } else {
                                ""
                            };
                            let sign = sign_str(neg, sp.sign);
                            s = pad(
                                &Spec {
                                    zero: false,
                                    ..sp.clone()
                                },
                                &format!("{sign}{pre}"),
                                &padded,
                                true,
                                '>',
                            );
                        }
                    }
                    s
                }
                'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
                    let fv = match as_num(&arg) {
                        Some(Num::Int(i)) => i as f64,
                        Some(Num::Float(f)) => f,
                        Some(Num::Big(b)) => b.to_f64().unwrap_or(f64::INFINITY),
                        None => {
                            if let Some(ff) = self.lookup_special(&arg, &self.names.float.clone()) {
                                match self.call(&ff, vec![arg.clone()])? {
                                    Value::Float(f) => f,
                                    _ => 0.0,
                                }
                            } else {
                                let t = self.type_name(&arg);
                                return Err(
                                    self.type_error(format!("must be real number, not {t}"))
                                );
                            }
                        }
                    };
                    sp.ty = Some(conv);
                    sp.precision = Some(prec.unwrap_or(6));
                    format_float(fv, &sp).map_err(|e| self.value_error(e))?
                }
                other => {
                    return Err(self.value_error(format!(
                        "unsupported format character '{}' (0x{:x}) at index {}",
                        other,
                        other as u32,
                        i - 1
                    )))
                }
            };
            out.push_str(&piece);
        }
        if argi < items.len() && mapping.is_none() && !used_mapping {
            return Err(self.type_error(if bytes {
                "not all arguments converted during bytes formatting"
            } else {
                "not all arguments converted during string formatting"
            }));
        }
        Ok(out)
    }

    /// Digits and exponent helper exposed for float methods.
    pub fn float_positional(x: f64) -> String {
        let (d, e) = shortest_digits(x);
        positional(&d, e, true)
    }
}
