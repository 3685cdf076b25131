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
    vm.add_method(&t, "__len__", blen);
    super::bytes_methods::install(vm);
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

fn norm_encoding(e: &str) -> String {
    e.to_ascii_lowercase().replace(['_', ' '], "-")
}

impl Vm {
    /// The bytes of a bytes-like argument (bytes, or a list of ints).
    pub fn bytes_like(&mut self, v: &Value) -> PyResult<Vec<u8>> {
        match v {
            Value::Obj(o) if o.kind() == Kind::Bytes => {
                Ok(o.downcast::<Bytes>().unwrap().data.clone())
            }
            Value::Obj(o) if o.kind() == Kind::Str => {
                Err(self.type_error("cannot convert 'str' object to bytes"))
            }
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
                let limit = if norm_encoding(enc).starts_with('a')
                    || norm_encoding(enc).starts_with("us")
                {
                    128
                } else {
                    256
                };
                let mut out = Vec::new();
                for (i, c) in s.chars().enumerate() {
                    if (c as u32) < limit {
                        out.push(c as u32 as u8);
                    } else {
                        match errors {
                            "ignore" => {}
                            "replace" => out.push(b'?'),
                            "backslashreplace" => {
                                out.extend(crate::vm::repr::ascii_escape(&c.to_string()).bytes())
                            }
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
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" => {
                Ok(b.iter().map(|&x| x as char).collect())
            }
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
    let s: String = data(&args.pos[0])
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Value::Obj(vm.new_string(s)))
}

fn fromhex(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = super::str::arg_str(vm, &args.pos[1], "fromhex() argument")?;
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if !clean.len().is_multiple_of(2) {
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
            Value::Obj(o) if o.kind() == Kind::Bytes => {
                out.extend_from_slice(&o.downcast::<Bytes>().unwrap().data)
            }
            other => {
                let t = vm.type_name(other);
                return Err(vm.type_error(format!(
                    "sequence item {i}: expected a bytes-like object, {t} found"
                )));
            }
        }
    }
    Ok(Value::Obj(vm.new_bytes(out)))
}

fn blen(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Int(data(&args.pos[0]).len() as i64))
}

/// Items of a list object (for bytes(list)).
pub fn list_items(v: &Value) -> Vec<Value> {
    v.as_obj()
        .and_then(|o| o.downcast::<List>().map(|l| l.snapshot()))
        .unwrap_or_default()
}
