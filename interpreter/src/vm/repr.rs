//! `repr()` and `str()` for every builtin type, CPython's text for each
//! (quoting and escapes of strings and bytes, containers with recursion
//! guards `[...]`, default `<module.Class object at 0x...>`), and the
//! `__repr__`/`__str__` protocol for instances.

use num_bigint::BigInt;

use crate::object::bytes::Bytes;
use crate::object::dict::Dict;
use crate::object::float::float_repr;
use crate::object::function::{BoundMethod, BuiltinFunction, Function, MethodDescr};
use crate::object::int::IntObj;
use crate::object::kind::Kind;
use crate::object::list::List;
use crate::object::module::{Module, Singleton};
use crate::object::range::{Range, Slice};
use crate::object::rc::ObjRef;
use crate::object::set::Set;
use crate::object::str::{str_of, Str};
use crate::object::tuple::Tuple;
use crate::object::typeobj::TypeObj;
use crate::object::value::Value;
use crate::vm::arith::{as_num, Num};
use crate::vm::{PyResult, Vm};

/// Python's `str.isprintable` for one character (approximated from the
/// Unicode general categories CPython treats as non-printable).
pub fn is_printable(c: char) -> bool {
    let u = c as u32;
    if c == ' ' {
        return true;
    }
    if u < 0x20 || (0x7f..0xa0).contains(&u) {
        return false;
    }
    if c.is_whitespace() {
        return false;
    }
    !matches!(u,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0xD800..=0xDFFF | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF | 0xFFFE | 0xFFFF
        | 0x110BD | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F
    )
}

/// `repr(s)` for a str: CPython's choice of quotes and escapes.
pub fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c => {
                let u = c as u32;
                if u < 0x100 {
                    out.push_str(&format!("\\x{u:02x}"));
                } else if u < 0x10000 {
                    out.push_str(&format!("\\u{u:04x}"));
                } else {
                    out.push_str(&format!("\\U{u:08x}"));
                }
            }
        }
    }
    out.push(quote);
    out
}

/// `ascii(s)`-style escaping of non-ASCII characters in a repr.
pub fn ascii_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let u = c as u32;
        if u < 0x80 {
            out.push(c);
        } else if u < 0x100 {
            out.push_str(&format!("\\x{u:02x}"));
        } else if u < 0x10000 {
            out.push_str(&format!("\\u{u:04x}"));
        } else {
            out.push_str(&format!("\\U{u:08x}"));
        }
    }
    out
}

/// `repr(b)` for bytes.
pub fn bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from("b");
    out.push(quote);
    for &x in b {
        match x {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            x if x as char == quote => {
                out.push('\\');
                out.push(x as char);
            }
            0x20..=0x7e => out.push(x as char),
            x => out.push_str(&format!("\\x{x:02x}")),
        }
    }
    out.push(quote);
    out
}

impl Vm {
    /// `repr(v)` as a Rust string.
    pub fn repr(&mut self, v: &Value) -> PyResult<String> {
        match v {
            Value::None | Value::Undef => Ok("None".into()),
            Value::Bool(b) => Ok(if *b { "True" } else { "False" }.into()),
            Value::Int(i) => Ok(i.to_string()),
            Value::Float(f) => Ok(float_repr(*f)),
            Value::Obj(o) => {
                if o.owns_cls() {
                    let cls = o.class();
                    if let Some(f) = self.lookup_mro(&cls, &self.names.repr.clone()) {
                        if !crate::vm::is_builtin_slot(&f) {
                            let r = self.call(&f, vec![v.clone()])?;
                            return match &r {
                                Value::Obj(s) if s.kind() == Kind::Str => {
                                    Ok(str_of(s).unwrap().to_string())
                                }
                                _ => {
                                    let t = self.type_name(&r);
                                    Err(self.type_error(format!(
                                        "__repr__ returned non-string (type {t})"
                                    )))
                                }
                            };
                        }
                    }
                }
                self.builtin_repr(o)
            }
        }
    }

    /// `repr(v)` as a str object.
    pub fn repr_obj(&mut self, v: &Value) -> PyResult<ObjRef> {
        let s = self.repr(v)?;
        Ok(self.new_string(s))
    }

    /// Runs `f` with `o` marked as being repr'd; `None` when it already is
    /// (a self-referential container).
    fn repr_guard<R>(
        &mut self,
        o: &ObjRef,
        f: impl FnOnce(&mut Vm) -> PyResult<R>,
    ) -> PyResult<Option<R>> {
        if self.repr_stack.contains(&o.addr()) {
            return Ok(None);
        }
        self.check_native_stack()?;
        if self.depth() >= self.recursion_limit {
            return Err(self.recursion_error(
                "maximum recursion depth exceeded while getting the repr of an object",
            ));
        }
        self.repr_stack.push(o.addr());
        self.native_depth += 1;
        let r = f(self);
        self.native_depth -= 1;
        self.repr_stack.pop();
        r.map(Some)
    }

    fn join_reprs(&mut self, items: &[Value]) -> PyResult<String> {
        let mut parts = Vec::with_capacity(items.len());
        for it in items {
            parts.push(self.repr(it)?);
        }
        Ok(parts.join(", "))
    }

    /// The default `object.__repr__`: `<module.Qualname object at 0x...>`.
    pub fn default_repr(&mut self, o: &ObjRef) -> String {
        let cls = o.class();
        let name = self.qualified_class_name(&cls);
        format!("<{name} object at {:#x}>", o.addr())
    }

    /// `module.Qualname` of a class (no module for builtins).
    pub fn qualified_class_name(&mut self, cls: &ObjRef) -> String {
        let tp = cls.downcast::<TypeObj>().unwrap();
        let q = tp.qualname.borrow().clone();
        let m = self.class_module_name(cls);
        if m == "builtins" || m.is_empty() {
            q
        } else {
            format!("{m}.{q}")
        }
    }

    pub(crate) fn builtin_repr(&mut self, o: &ObjRef) -> PyResult<String> {
        match o.kind() {
            Kind::WeakRef => Ok(crate::modules::weakref::weakref_repr(self, o)),
            Kind::Str => Ok(str_repr(o.downcast::<Str>().unwrap().as_str())),
            Kind::Int => {
                let b = &o.downcast::<IntObj>().unwrap().value;
                self.bigint_str(b)
            }
            Kind::Float => Ok(float_repr(
                o.downcast::<crate::object::int::FloatObj>().unwrap().value,
            )),
            Kind::Bytes => Ok(bytes_repr(&o.downcast::<Bytes>().unwrap().data)),
            Kind::List => {
                let items = o.downcast::<List>().unwrap().snapshot();
                let r = self.repr_guard(o, |vm| vm.join_reprs(&items))?;
                Ok(match r {
                    Some(s) => format!("[{s}]"),
                    None => "[...]".into(),
                })
            }
            Kind::Tuple => {
                let items = o.downcast::<Tuple>().unwrap().as_slice().to_vec();
                if items.is_empty() {
                    return Ok("()".into());
                }
                let r = self.repr_guard(o, |vm| vm.join_reprs(&items))?;
                Ok(match r {
                    Some(s) if items.len() == 1 => format!("({s},)"),
                    Some(s) => format!("({s})"),
                    None => "(...)".into(),
                })
            }
            Kind::Dict => {
                let items = o.downcast::<Dict>().unwrap().items();
                let r = self.repr_guard(o, |vm| {
                    let mut parts = Vec::with_capacity(items.len());
                    for (k, v) in &items {
                        let ks = vm.repr(k)?;
                        let vs = vm.repr(v)?;
                        parts.push(format!("{ks}: {vs}"));
                    }
                    Ok(parts.join(", "))
                })?;
                let body = match r {
                    Some(s) => format!("{{{s}}}"),
                    None => "{...}".into(),
                };
                Ok(body)
            }
            Kind::Set => {
                let s = o.downcast::<Set>().unwrap();
                let items = s.keys();
                let name = self.type_name(&Value::Obj(o.clone()));
                if items.is_empty() {
                    return Ok(format!("{name}()"));
                }
                let r = self.repr_guard(o, |vm| vm.join_reprs(&items))?;
                let body = match r {
                    Some(x) => format!("{{{x}}}"),
                    None => return Ok(format!("{name}(...)")),
                };
                if s.frozen || o.owns_cls() {
                    Ok(format!("{name}({body})"))
                } else {
                    Ok(body)
                }
            }
            Kind::Range => {
                let r = o.downcast::<Range>().unwrap();
                if let Some(b) = &r.big {
                    return Ok(crate::modules::types::range_big::repr(b));
                }
                if r.step == 1 {
                    Ok(format!("range({}, {})", r.start, r.stop))
                } else {
                    Ok(format!("range({}, {}, {})", r.start, r.stop, r.step))
                }
            }
            Kind::Slice => {
                let s = o.downcast::<Slice>().unwrap();
                let (a, b, c) = (s.start.clone(), s.stop.clone(), s.step.clone());
                Ok(format!(
                    "slice({}, {}, {})",
                    self.repr(&a)?,
                    self.repr(&b)?,
                    self.repr(&c)?
                ))
            }
            Kind::Singleton => Ok(o.downcast::<Singleton>().unwrap().name.to_string()),
            Kind::Type => {
                let cls = o.clone();
                let n = self.qualified_class_name(&cls);
                Ok(format!("<class '{n}'>"))
            }
            Kind::Function => {
                let f = o.downcast::<Function>().unwrap();
                let q = str_of(&f.qualname.borrow()).unwrap_or("?").to_string();
                Ok(format!("<function {q} at {:#x}>", o.addr()))
            }
            Kind::BuiltinFunction => {
                let b = o.downcast::<BuiltinFunction>().unwrap();
                match &b.bound {
                    Some(recv) if b.is_method => {
                        let recv = recv.clone();
                        let t = self.type_name(&recv);
                        let addr = match &recv {
                            Value::Obj(r) => r.addr(),
                            _ => 0,
                        };
                        if matches!(&recv, Value::Obj(r) if r.kind() == Kind::Type) {
                            let n = self.type_display_name(recv.as_obj().unwrap());
                            return Ok(format!(
                                "<built-in method {} of type object at {:#x}>",
                                b.name, addr
                            )
                            .replace("type object", &format!("type object '{n}'")));
                        }
                        Ok(format!(
                            "<built-in method {} of {t} object at {addr:#x}>",
                            b.name
                        ))
                    }
                    _ => Ok(format!("<built-in function {}>", b.name)),
                }
            }
            Kind::MethodDescr => {
                let m = o.downcast::<MethodDescr>().unwrap();
                let t = self.type_display_name(&m.owner);
                Ok(format!("<method '{}' of '{t}' objects>", m.name))
            }
            Kind::BoundMethod => {
                let bm = o.downcast::<BoundMethod>().unwrap();
                let (f, r) = (bm.func.clone(), bm.receiver.clone());
                let fname = match &f {
                    Value::Obj(fo) if fo.kind() == Kind::Function => {
                        str_of(&fo.downcast::<Function>().unwrap().qualname.borrow())
                            .unwrap_or("?")
                            .to_string()
                    }
                    other => {
                        let n = self.intern("__qualname__");
                        match self.get_attr_opt(other, &n)? {
                            Some(Value::Obj(s)) => str_of(&s).unwrap_or("?").to_string(),
                            _ => "?".into(),
                        }
                    }
                };
                let rr = self.repr(&r)?;
                Ok(format!("<bound method {fname} of {rr}>"))
            }
            Kind::Module => {
                let m = o.downcast::<Module>().unwrap();
                let d = m.dict.downcast::<Dict>().unwrap();
                let name = d
                    .get_str(&self.names.name)
                    .and_then(|v| v.as_obj().and_then(|s| str_of(s).map(|x| x.to_string())))
                    .unwrap_or_else(|| "?".into());
                match d.get_str(&self.names.file) {
                    Some(Value::Obj(f)) if str_of(&f).is_some() => {
                        Ok(format!("<module '{name}' from '{}'>", str_of(&f).unwrap()))
                    }
                    _ => Ok(match m.origin.get() {
                        crate::object::module::Origin::BuiltIn => {
                            format!("<module '{name}' (built-in)>")
                        }
                        crate::object::module::Origin::Frozen => {
                            format!("<module '{name}' (frozen)>")
                        }
                        crate::object::module::Origin::Plain => format!("<module '{name}'>"),
                    }),
                }
            }
            Kind::Code => {
                let c = o.downcast::<crate::compile::code::Code>().unwrap();
                Ok(format!(
                    "<code object {} at {:#x}, file \"{}\", line {}>",
                    str_of(&c.name).unwrap_or("?"),
                    o.addr(),
                    str_of(&c.filename).unwrap_or("?"),
                    c.firstlineno
                ))
            }
            Kind::Generator => {
                let g = o.downcast::<crate::vm::generator::Generator>().unwrap();
                Ok(format!(
                    "<generator object {} at {:#x}>",
                    str_of(&g.qualname).unwrap_or("?"),
                    o.addr()
                ))
            }
            Kind::Exception => self.exception_repr(o),
            Kind::Cell => {
                let c = o.downcast::<crate::object::function::CellObj>().unwrap();
                let v = c.value.borrow().clone();
                if v.is_undef() {
                    return Ok(format!("<cell at {:#x}: empty>", o.addr()));
                }
                let t = self.type_name(&v);
                let addr = match &v {
                    Value::Obj(x) => x.addr(),
                    _ => 0,
                };
                Ok(format!(
                    "<cell at {:#x}: {t} object at {addr:#x}>",
                    o.addr()
                ))
            }
            Kind::Property => Ok(format!("<property object at {:#x}>", o.addr())),
            Kind::StaticMethod => Ok(format!("<staticmethod(...) object at {:#x}>", o.addr())),
            Kind::ClassMethod => Ok(format!("<classmethod(...) object at {:#x}>", o.addr())),
            Kind::Frame => {
                let fo = o.downcast::<crate::vm::frameobj::FrameObj>().unwrap();
                let c = fo.code.downcast::<crate::compile::code::Code>().unwrap();
                let line = self.frame_lineno(o);
                Ok(format!(
                    "<frame at {:#x}, file '{}', line {}, code {}>",
                    o.addr(),
                    str_of(&c.filename).unwrap_or("?"),
                    line,
                    str_of(&c.name).unwrap_or("?")
                ))
            }
            Kind::Native => self.native_repr(o),
            _ => Ok(self.default_repr(o)),
        }
    }

    fn exception_repr(&mut self, o: &ObjRef) -> PyResult<String> {
        let name = self.type_name(&Value::Obj(o.clone()));
        let args = crate::vm::unwind::exc_base(o).map(|e| e.args.borrow().clone());
        let items = args
            .and_then(|a| a.downcast::<Tuple>().map(|t| t.as_slice().to_vec()))
            .unwrap_or_default();
        if items.len() == 1 {
            let r = self.repr(&items[0])?;
            return Ok(format!("{name}({r})"));
        }
        let r = self.join_reprs(&items)?;
        Ok(format!("{name}({r})"))
    }

    /// `str(v)` as a Rust string.
    pub fn to_str(&mut self, v: &Value) -> PyResult<String> {
        match v {
            Value::Obj(o) => {
                if o.owns_cls() {
                    let cls = o.class();
                    if let Some(f) = self.lookup_mro(&cls, &self.names.str.clone()) {
                        if !crate::vm::is_builtin_slot(&f) {
                            let r = self.call(&f, vec![v.clone()])?;
                            return match &r {
                                Value::Obj(s) if s.kind() == Kind::Str => {
                                    Ok(str_of(s).unwrap().to_string())
                                }
                                _ => {
                                    let t = self.type_name(&r);
                                    Err(self.type_error(format!(
                                        "__str__ returned non-string (type {t})"
                                    )))
                                }
                            };
                        }
                    }
                    if o.kind() == Kind::Exception {
                        return self.exception_str(o);
                    }
                    if o.kind() == Kind::Str {
                        return Ok(str_of(o).unwrap().to_string());
                    }
                    return self.repr(v);
                }
                match o.kind() {
                    Kind::Str => Ok(o.downcast::<Str>().unwrap().as_str().to_string()),
                    Kind::Exception => self.exception_str(o),
                    _ => self.repr(v),
                }
            }
            _ => self.repr(v),
        }
    }

    /// `str(v)` as a str object (the same object for exact strs).
    pub fn to_str_obj(&mut self, v: &Value) -> PyResult<ObjRef> {
        if let Value::Obj(o) = v {
            if o.kind() == Kind::Str && !o.owns_cls() {
                return Ok(o.clone());
            }
        }
        let s = self.to_str(v)?;
        Ok(self.new_string(s))
    }

    /// BaseException.__str__ (KeyError shows the repr of its key).
    pub(crate) fn exception_str(&mut self, o: &ObjRef) -> PyResult<String> {
        let items = crate::vm::unwind::exc_base(o)
            .map(|e| e.args.borrow().clone())
            .and_then(|a| a.downcast::<Tuple>().map(|t| t.as_slice().to_vec()))
            .unwrap_or_default();
        let key_error = self.types.exc.key_error.clone();
        let os_error = self.types.exc.os_error.clone();
        if items.len() == 2 && self.isinstance(&Value::Obj(o.clone()), &os_error) {
            let errno = self.to_str(&items[0])?;
            let strerror = self.to_str(&items[1])?;
            let (n1, n2) = (self.intern("filename"), self.intern("filename2"));
            let fname = self.get_attr_opt(&Value::Obj(o.clone()), &n1)?;
            let fname2 = self.get_attr_opt(&Value::Obj(o.clone()), &n2)?;
            return Ok(match (fname, fname2) {
                (Some(f), Some(f2)) if !f.is_none() && !f2.is_none() => {
                    format!(
                        "[Errno {errno}] {strerror}: {} -> {}",
                        self.repr(&f)?,
                        self.repr(&f2)?
                    )
                }
                (Some(f), _) if !f.is_none() => {
                    format!("[Errno {errno}] {strerror}: {}", self.repr(&f)?)
                }
                _ => format!("[Errno {errno}] {strerror}"),
            });
        }
        match items.len() {
            0 => Ok(String::new()),
            1 => {
                if self.isinstance(&Value::Obj(o.clone()), &key_error) {
                    self.repr(&items[0])
                } else {
                    self.to_str(&items[0])
                }
            }
            _ => {
                let t = self.new_tuple(items);
                self.repr(&Value::Obj(t))
            }
        }
    }

    /// Decimal text of a big int, with CPython 3.11's 4300-digit limit.
    pub fn bigint_str(&mut self, b: &BigInt) -> PyResult<String> {
        let s = b.to_string();
        let digits = s.trim_start_matches('-').len();
        if digits > self.int_max_str_digits && self.int_max_str_digits > 0 {
            return Err(self.value_error(format!(
                "Exceeds the limit ({}) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit",
                self.int_max_str_digits
            )));
        }
        Ok(s)
    }

    /// Text of any int value.
    pub fn int_str(&mut self, v: &Value) -> PyResult<String> {
        match as_num(v) {
            Some(Num::Int(i)) => Ok(i.to_string()),
            Some(Num::Big(b)) => self.bigint_str(&b),
            _ => self.repr(v),
        }
    }
}
