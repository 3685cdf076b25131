//! Methods of `bytes` and text encodings (utf-8, ascii, latin-1) used by
//! `str.encode`, `bytes.decode` and `str(b, encoding)`.

use crate::object::bytes::Bytes;
use crate::object::kind::Kind;
use crate::object::list::List;
use crate::object::str::str_of;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

pub fn install(vm: &mut Vm) {
    let t = vm.types.bytes.clone();
    vm.add_staticmethod(&t, "__new__", bytes_new);
    vm.add_method(&t, "decode", decode);
    vm.add_method(&t, "hex", hex);
    vm.add_classmethod(&t, "fromhex", fromhex);
    vm.add_method(&t, "join", join);
    vm.add_method(&t, "startswith", startswith);
    vm.add_method(&t, "endswith", endswith);
    vm.add_method(&t, "find", find);
    vm.add_method(&t, "count", count);
    vm.add_method(&t, "replace", replace);
    vm.add_method(&t, "split", split);
    vm.add_method(&t, "strip", strip);
    vm.add_method(&t, "upper", upper);
    vm.add_method(&t, "lower", lower);
    vm.add_method(&t, "__len__", blen);
}

fn data(v: &Value) -> Vec<u8> {
    match v {
        Value::Obj(o) => o.downcast::<Bytes>().map(|b| b.data.clone()).unwrap_or_default(),
        _ => vec![],
    }
}

fn norm_encoding(e: &str) -> String {
    e.to_ascii_lowercase().replace(['_', ' '], "-")
}

impl Vm {
    /// The bytes of a bytes-like argument (bytes, or a list of ints).
    pub fn bytes_like(&mut self, v: &Value) -> PyResult<Vec<u8>> {
        match v {
            Value::Obj(o) if o.kind() == Kind::Bytes => Ok(o.downcast::<Bytes>().unwrap().data.clone()),
            Value::Obj(o) if o.kind() == Kind::Str => Err(self.type_error("cannot convert 'str' object to bytes")),
            _ => {
                let items = self.collect_iter(v)?;
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    let n = self.index_value(&it)?;
                    if !(0..256).contains(&n) {
                        return Err(self.value_error("bytes must be in range(0, 256)"));
                    }
                    out.push(n as u8);
                }
                Ok(out)
            }
        }
    }

    pub fn encode_str(&mut self, s: &str, enc: &str, errors: &str) -> PyResult<Vec<u8>> {
        match norm_encoding(enc).as_str() {
            "utf-8" | "utf8" => Ok(s.as_bytes().to_vec()),
            "ascii" | "us-ascii" | "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" => {
                let limit = if norm_encoding(enc).starts_with('a') || norm_encoding(enc).starts_with("us") { 128 } else { 256 };
                let mut out = Vec::new();
                for (i, c) in s.chars().enumerate() {
                    if (c as u32) < limit {
                        out.push(c as u32 as u8);
                    } else {
                        match errors {
                            "ignore" => {}
                            "replace" => out.push(b'?'),
                            "backslashreplace" => out.extend(crate::vm::repr::ascii_escape(&c.to_string()).bytes()),
                            _ => {
                                let name = if limit == 128 { "ascii" } else { "latin-1" };
                                let c2 = self.types.exc.unicode_encode_error.clone();
                                return Err(self.new_error(
                                    &c2,
                                    format!(
                                        "'{name}' codec can't encode character '{}' in position {i}: ordinal not in range({limit})",
                                        crate::vm::repr::ascii_escape(&c.to_string())
                                    ),
                                ));
                            }
                        }
                    }
                }
                Ok(out)
            }
            other => Err(self.new_lookup_error(format!("unknown encoding: {other}"))),
        }
    }

    pub fn decode_bytes(&mut self, b: &[u8], enc: &str, errors: &str) -> PyResult<String> {
        match norm_encoding(enc).as_str() {
            "utf-8" | "utf8" => match std::str::from_utf8(b) {
                Ok(s) => Ok(s.to_string()),
                Err(e) => match errors {
                    "replace" => Ok(String::from_utf8_lossy(b).to_string()),
                    "ignore" => Ok(String::from_utf8_lossy(b).replace('\u{fffd}', "")),
                    _ => {
                        let pos = e.valid_up_to();
                        let c = self.types.exc.unicode_decode_error.clone();
                        Err(self.new_error(
                            &c,
                            format!(
                                "'utf-8' codec can't decode byte 0x{:02x} in position {pos}: invalid start byte",
                                b[pos]
                            ),
                        ))
                    }
                },
            },
            "ascii" | "us-ascii" => {
                let mut s = String::new();
                for (i, &x) in b.iter().enumerate() {
                    if x < 128 {
                        s.push(x as char);
                    } else {
                        match errors {
                            "ignore" => {}
                            "replace" => s.push('\u{fffd}'),
                            _ => {
                                let c = self.types.exc.unicode_decode_error.clone();
                                return Err(self.new_error(
                                    &c,
                                    format!("'ascii' codec can't decode byte 0x{x:02x} in position {i}: ordinal not in range(128)"),
                                ));
                            }
                        }
                    }
                }
                Ok(s)
            }
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" => Ok(b.iter().map(|&x| x as char).collect()),
            other => Err(self.new_lookup_error(format!("unknown encoding: {other}"))),
        }
    }

    fn new_lookup_error(&mut self, msg: String) -> crate::vm::PyErr {
        let c = self.types.exc.lookup_error.clone();
        self.new_error(&c, msg)
    }
}

fn bytes_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.pos.remove(0);
    let src = args.arg(0, "source");
    let enc = args.arg(1, "encoding");
    let b = match (src, enc) {
        (None, _) => vec![],
        (Some(Value::Obj(s)), Some(e)) if s.kind() == Kind::Str => {
            let e = super::str::arg_str(vm, &e, "bytes() argument 'encoding'")?;
            let st = str_of(&s).unwrap().to_string();
            vm.encode_str(&st, &e, "strict")?
        }
        (Some(Value::Obj(s)), None) if s.kind() == Kind::Str => {
            return Err(vm.type_error("string argument without an encoding"))
        }
        (Some(v), _) => match &v {
            Value::Int(n) => {
                if *n < 0 {
                    return Err(vm.value_error("negative count"));
                }
                vec![0u8; *n as usize]
            }
            _ => vm.bytes_like(&v)?,
        },
    };
    Ok(Value::Obj(vm.new_bytes(b)))
}

fn decode(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let b = data(&args.pos[0]);
    let enc = match args.arg(1, "encoding") {
        Some(v) => super::str::arg_str(vm, &v, "decode() argument 'encoding'")?,
        None => "utf-8".into(),
    };
    let errors = match args.arg(2, "errors") {
        Some(v) => super::str::arg_str(vm, &v, "decode() argument 'errors'")?,
        None => "strict".into(),
    };
    let s = vm.decode_bytes(&b, &enc, &errors)?;
    Ok(Value::Obj(vm.new_string(s)))
}

fn hex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s: String = data(&args.pos[0]).iter().map(|b| format!("{b:02x}")).collect();
    Ok(Value::Obj(vm.new_string(s)))
}

fn fromhex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = super::str::arg_str(vm, &args.pos[1], "fromhex() argument")?;
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if clean.len() % 2 != 0 {
        return Err(vm.value_error("non-hexadecimal number found in fromhex() arg"));
    }
    let mut out = Vec::new();
    for i in (0..clean.len()).step_by(2) {
        match u8::from_str_radix(&clean[i..i + 2], 16) {
            Ok(b) => out.push(b),
            Err(_) => return Err(vm.value_error("non-hexadecimal number found in fromhex() arg")),
        }
    }
    Ok(Value::Obj(vm.new_bytes(out)))
}

fn join(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let sep = data(&args.pos[0]);
    let items = vm.collect_iter(&args.pos[1])?;
    let mut out = Vec::new();
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(&sep);
        }
        match it {
            Value::Obj(o) if o.kind() == Kind::Bytes => out.extend_from_slice(&o.downcast::<Bytes>().unwrap().data),
            other => {
                let t = vm.type_name(other);
                return Err(vm.type_error(format!("sequence item {i}: expected a bytes-like object, {t} found")));
            }
        }
    }
    Ok(Value::Obj(vm.new_bytes(out)))
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

fn startswith(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = data(&args.pos[0]);
    let p = arg_bytes(vm, &args.pos[1])?;
    Ok(Value::Bool(d.starts_with(&p)))
}

fn endswith(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = data(&args.pos[0]);
    let p = arg_bytes(vm, &args.pos[1])?;
    Ok(Value::Bool(d.ends_with(&p)))
}

fn find(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = data(&args.pos[0]);
    let p = arg_bytes(vm, &args.pos[1])?;
    if p.is_empty() {
        return Ok(Value::Int(0));
    }
    Ok(Value::Int(d.windows(p.len()).position(|w| w == &p[..]).map(|i| i as i64).unwrap_or(-1)))
}

fn count(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = data(&args.pos[0]);
    let p = arg_bytes(vm, &args.pos[1])?;
    if p.is_empty() {
        return Ok(Value::Int(d.len() as i64 + 1));
    }
    let mut n = 0;
    let mut i = 0;
    while i + p.len() <= d.len() {
        if d[i..i + p.len()] == p[..] {
            n += 1;
            i += p.len();
        } else {
            i += 1;
        }
    }
    Ok(Value::Int(n))
}

fn replace(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = data(&args.pos[0]);
    let old = arg_bytes(vm, &args.pos[1])?;
    let new = arg_bytes(vm, &args.pos[2])?;
    let mut out = Vec::new();
    let mut i = 0;
    if old.is_empty() {
        for &b in &d {
            out.extend_from_slice(&new);
            out.push(b);
        }
        out.extend_from_slice(&new);
        return Ok(Value::Obj(vm.new_bytes(out)));
    }
    while i < d.len() {
        if i + old.len() <= d.len() && d[i..i + old.len()] == old[..] {
            out.extend_from_slice(&new);
            i += old.len();
        } else {
            out.push(d[i]);
            i += 1;
        }
    }
    Ok(Value::Obj(vm.new_bytes(out)))
}

fn split(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = data(&args.pos[0]);
    let parts: Vec<Vec<u8>> = match args.pos.get(1) {
        None | Some(Value::None) => d
            .split(|b| b.is_ascii_whitespace())
            .filter(|p| !p.is_empty())
            .map(|p| p.to_vec())
            .collect(),
        Some(sep) => {
            let sep = arg_bytes(vm, &sep.clone())?;
            if sep.is_empty() {
                return Err(vm.value_error("empty separator"));
            }
            let mut out = Vec::new();
            let mut start = 0;
            let mut i = 0;
            while i + sep.len() <= d.len() {
                if d[i..i + sep.len()] == sep[..] {
                    out.push(d[start..i].to_vec());
                    i += sep.len();
                    start = i;
                } else {
                    i += 1;
                }
            }
            out.push(d[start..].to_vec());
            out
        }
    };
    let items: Vec<Value> = parts.into_iter().map(|p| Value::Obj(vm.new_bytes(p))).collect();
    Ok(Value::Obj(vm.new_list(items)))
}

fn strip(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let d = data(&args.pos[0]);
    let set: Vec<u8> = match args.pos.get(1) {
        None | Some(Value::None) => b" \t\n\r\x0b\x0c".to_vec(),
        Some(v) => arg_bytes(vm, &v.clone())?,
    };
    let start = d.iter().position(|b| !set.contains(b)).unwrap_or(d.len());
    let end = d.iter().rposition(|b| !set.contains(b)).map(|i| i + 1).unwrap_or(start);
    Ok(Value::Obj(vm.new_bytes(d[start..end.max(start)].to_vec())))
}

fn upper(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Obj(vm.new_bytes(data(&args.pos[0]).to_ascii_uppercase())))
}

fn lower(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Obj(vm.new_bytes(data(&args.pos[0]).to_ascii_lowercase())))
}

fn blen(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Int(data(&args.pos[0]).len() as i64))
}

/// Items of a list object (for bytes(list)).
pub fn list_items(v: &Value) -> Vec<Value> {
    v.as_obj().and_then(|o| o.downcast::<List>().map(|l| l.snapshot())).unwrap_or_default()
}
