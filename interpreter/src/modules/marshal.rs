//! The `marshal` module: CPython 3.11's binary serialisation of plain values
//! (`dumps`, `loads`, `dump`, `load`, `version` = 4). pstats and the
//! profilers store their statistics in this format, so the bytes written here
//! must be the ones CPython writes and anything CPython writes for these
//! types must load.
//!
//! Format: one type byte per value, then its payload, little-endian. The
//! high bit of the type byte (`FLAG_REF`) says "remember this object"; a
//! later `r` + index refers back to it. Which objects CPython flags depends
//! on their reference counts (an object referenced only once cannot be
//! shared); mini copies that rule for heap objects, whose counts are exact.
//! Values mini keeps inline have no count: small ints (-5..=256) are treated
//! as CPython's cached, always-shared ones, other ints and floats as freshly
//! computed, unshared numbers.
//!
//! Invariant: reading never panics and never trusts a size before the bytes
//! are there: truncated or foreign input ends in CPython's EOFError,
//! ValueError or TypeError. Writing runs no Python code, so it walks
//! containers in place, without taking extra references that would change
//! the counts the sharing rule looks at.

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::ToPrimitive;
use rustc_hash::FxHashMap;

use crate::object::bytes::Bytes;
use crate::object::dict::Dict;
use crate::object::int::IntObj;
use crate::object::kind::Kind;
use crate::object::list::List;
use crate::object::rc::{ObjRef, FLAG_IMMORTAL};
use crate::object::set::Set;
use crate::object::str::Str;
use crate::object::tuple::Tuple;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyErr, PyResult, Vm};

const M: &str = "marshal";

/// The format version written by default (`marshal.version`).
const VERSION: i64 = 4;
/// Nesting limit for both directions (CPython's MAX_MARSHAL_STACK_DEPTH).
const MAX_DEPTH: usize = 2000;
/// Largest size field accepted (sizes are signed 32-bit on disk).
const SIZE32_MAX: i64 = 0x7fff_ffff;
/// Bytes asked of a file per `read` call, so a corrupt size cannot make us
/// request gigabytes at once.
const READ_CHUNK: usize = 1 << 16;

const FLAG_REF: u8 = 0x80;

const TYPE_NULL: u8 = b'0';
const TYPE_NONE: u8 = b'N';
const TYPE_FALSE: u8 = b'F';
const TYPE_TRUE: u8 = b'T';
const TYPE_STOPITER: u8 = b'S';
const TYPE_ELLIPSIS: u8 = b'.';
const TYPE_INT: u8 = b'i';
const TYPE_INT64: u8 = b'I';
const TYPE_FLOAT: u8 = b'f';
const TYPE_BINARY_FLOAT: u8 = b'g';
const TYPE_LONG: u8 = b'l';
const TYPE_STRING: u8 = b's';
const TYPE_INTERNED: u8 = b't';
const TYPE_REF: u8 = b'r';
const TYPE_TUPLE: u8 = b'(';
const TYPE_LIST: u8 = b'[';
const TYPE_DICT: u8 = b'{';
const TYPE_UNICODE: u8 = b'u';
const TYPE_SET: u8 = b'<';
const TYPE_FROZENSET: u8 = b'>';
const TYPE_ASCII: u8 = b'a';
const TYPE_ASCII_INTERNED: u8 = b'A';
const TYPE_SMALL_TUPLE: u8 = b')';
const TYPE_SHORT_ASCII: u8 = b'z';
const TYPE_SHORT_ASCII_INTERNED: u8 = b'Z';

/// Long integers are stored as base-2**15 digits, least significant first.
const LONG_SHIFT: u32 = 15;
const LONG_MASK: u32 = (1 << LONG_SHIFT) - 1;

pub fn init(vm: &mut Vm) -> PyResult<ObjRef> {
    Ok(vm.make_module(M, |vm, d| {
        vm.add_function(d, M, "dumps", dumps);
        vm.add_function(d, M, "loads", loads);
        vm.add_function(d, M, "dump", dump);
        vm.add_function(d, M, "load", load);
        vm.set_in(d, "version", Value::Int(VERSION));
    }))
}

// ---------------------------------------------------------------------------
// The module functions

/// The optional version argument: any int (CPython accepts out-of-range
/// values; below 3 means "no references", below 2 "floats as text").
fn version_arg(vm: &mut Vm, args: &Args, i: usize) -> PyResult<i64> {
    match args.pos.get(i) {
        Some(v) => vm.index_value(v),
        None => Ok(VERSION),
    }
}

fn dumps(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if !args.kw.is_empty() {
        return Err(vm.type_error("marshal.dumps() takes no keyword arguments"));
    }
    args.check_pos(vm, "dumps", 1, 2)?;
    let version = version_arg(vm, &args, 1)?;
    let data = write_to_bytes(vm, &args.pos[0], version)?;
    Ok(Value::Obj(vm.new_bytes(data)))
}

fn dump(vm: &mut Vm, args: Args) -> PyResult<Value> {
    if !args.kw.is_empty() {
        return Err(vm.type_error("marshal.dump() takes no keyword arguments"));
    }
    args.check_pos(vm, "dump", 2, 3)?;
    let version = version_arg(vm, &args, 2)?;
    // The whole value is encoded first, then handed to file.write at once.
    let data = write_to_bytes(vm, &args.pos[0], version)?;
    let b = vm.new_bytes(data);
    vm.call_method(&args.pos[1], "write", vec![Value::Obj(b)])?;
    Ok(Value::None)
}

fn loads(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "marshal.loads", 1, 1)?;
    let data = match &args.pos[0] {
        Value::Obj(o) if o.kind() == Kind::Bytes => o.downcast::<Bytes>().unwrap().data.clone(),
        other => {
            let t = vm.type_name(other);
            return Err(vm.type_error(format!("a bytes-like object is required, not '{t}'")));
        }
    };
    let mut r = Reader::new(Source::Bytes { data, pos: 0 });
    r.read_top(vm)
}

fn load(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "marshal.load", 1, 1)?;
    let file = args.pos[0].clone();
    // Like CPython, ask for zero bytes first to check that the file is binary.
    let probe = vm.call_method(&file, "read", vec![Value::Int(0)])?;
    if !matches!(&probe, Value::Obj(o) if o.kind() == Kind::Bytes) {
        let t = vm.type_name(&probe);
        return Err(vm.type_error(format!("file.read() returned not bytes but {t}")));
    }
    // A seekable file is read whole and parsed in memory, then put back just
    // after the value: the same result as reading piece by piece, without
    // a `read` call per field.
    if let Some(start) = seek_position(vm, &file)? {
        let rest = vm.call_method(&file, "read", vec![])?;
        let data = match &rest {
            Value::Obj(o) if o.kind() == Kind::Bytes => o.downcast::<Bytes>().unwrap().data.clone(),
            _ => {
                let t = vm.type_name(&rest);
                return Err(vm.type_error(format!("file.read() returned not bytes but {t}")));
            }
        };
        let mut r = Reader::new(Source::Bytes { data, pos: 0 });
        r.file_errors = true;
        let result = r.read_top(vm);
        let used = match &r.src {
            Source::Bytes { pos, .. } => *pos as i64,
            Source::File(_) => 0,
        };
        vm.call_method(&file, "seek", vec![Value::Int(start + used)])?;
        return result;
    }
    let mut r = Reader::new(Source::File(file));
    r.file_errors = true;
    r.read_top(vm)
}

/// The current position of a file that says it is seekable, or None.
fn seek_position(vm: &mut Vm, file: &Value) -> PyResult<Option<i64>> {
    let seekable = match vm.call_method(file, "seekable", vec![]) {
        Ok(v) => vm.truthy(&v)?,
        Err(_) => return Ok(None),
    };
    if !seekable {
        return Ok(None);
    }
    // (mini's files may claim to be seekable on a pipe; tell() then fails.)
    match vm.call_method(file, "tell", vec![]) {
        Ok(Value::Int(i)) => Ok(Some(i)),
        _ => Ok(None),
    }
}

// ---------------------------------------------------------------------------
// Writing

/// Why a write failed; turned into CPython's ValueError texts at the end.
enum WriteErr {
    Unmarshallable,
    TooDeep,
}

/// Identity of a shareable value in the reference table: a heap object's
/// address, or the value of a small int (CPython caches -5..=256, so equal
/// small ints are the same object there).
#[derive(Hash, PartialEq, Eq, Clone, Copy)]
enum RefKey {
    Addr(usize),
    SmallInt(i64),
}

/// What `w_ref` decided about a value about to be written.
enum Shared {
    /// Write it in full, with this flag byte or-ed into its type code.
    Write(u8),
    /// It was written before: a `TYPE_REF` went out instead.
    Done,
}

struct Writer<'a> {
    vm: &'a Vm,
    out: Vec<u8>,
    version: i64,
    /// Objects written with FLAG_REF so far, and their indices (version >= 3).
    refs: FxHashMap<RefKey, u32>,
    /// Number of indices handed out (some shared values are not in `refs`).
    nrefs: u32,
    depth: usize,
}

fn write_to_bytes(vm: &mut Vm, v: &Value, version: i64) -> PyResult<Vec<u8>> {
    let mut w = Writer::new(vm, version);
    match w.w_object(v, false) {
        Ok(()) => Ok(w.out),
        Err(WriteErr::Unmarshallable) => Err(vm.value_error("unmarshallable object")),
        Err(WriteErr::TooDeep) => Err(vm.value_error("object too deeply nested to marshal")),
    }
}

impl<'a> Writer<'a> {
    fn new(vm: &'a Vm, version: i64) -> Writer<'a> {
        Writer {
            vm,
            out: Vec::new(),
            version,
            refs: FxHashMap::default(),
            nrefs: 0,
            depth: 0,
        }
    }

    fn byte(&mut self, b: u8) {
        self.out.push(b);
    }

    fn long(&mut self, x: i32) {
        self.out.extend_from_slice(&x.to_le_bytes());
    }

    /// A size or length field (the caller has checked it fits in 31 bits).
    fn size(&mut self, n: usize) {
        self.long(n as i32);
    }

    /// Writes one value. `force_shared` marks a value CPython would see
    /// with an extra reference at this point (set elements, see `w_set`).
    fn w_object(&mut self, v: &Value, force_shared: bool) -> Result<(), WriteErr> {
        self.depth += 1;
        let r = if self.depth > MAX_DEPTH {
            Err(WriteErr::TooDeep)
        } else {
            self.w_value(v, force_shared)
        };
        self.depth -= 1;
        r
    }

    /// Decides whether a value is written with FLAG_REF, or as a back
    /// reference because it was written before. Only versions >= 3 share.
    fn w_ref(&mut self, key: Option<RefKey>, shared: bool) -> Shared {
        if self.version < 3 || !shared {
            return Shared::Write(0);
        }
        if let Some(k) = key {
            if let Some(&ix) = self.refs.get(&k) {
                self.byte(TYPE_REF);
                self.long(ix as i32);
                return Shared::Done;
            }
            self.refs.insert(k, self.nrefs);
        }
        // A shared value without identity (an inline number that CPython
        // would hold as an object) gets an index nothing can refer back to.
        self.nrefs += 1;
        Shared::Write(FLAG_REF)
    }

    fn w_value(&mut self, v: &Value, force_shared: bool) -> Result<(), WriteErr> {
        match v {
            Value::None => self.byte(TYPE_NONE),
            Value::Bool(true) => self.byte(TYPE_TRUE),
            Value::Bool(false) => self.byte(TYPE_FALSE),
            Value::Int(i) => {
                let small = (-5..=256).contains(i);
                let key = small.then_some(RefKey::SmallInt(*i));
                if let Shared::Write(flag) = self.w_ref(key, small || force_shared) {
                    self.w_int(*i, flag);
                }
            }
            Value::Float(x) => {
                if let Shared::Write(flag) = self.w_ref(None, force_shared) {
                    self.w_float(*x, flag);
                }
            }
            Value::Obj(o) => self.w_obj(o, force_shared)?,
            Value::Undef => return Err(WriteErr::Unmarshallable),
        }
        Ok(())
    }

    fn w_obj(&mut self, o: &ObjRef, force_shared: bool) -> Result<(), WriteErr> {
        let vm = self.vm;
        if o.is(&vm.ellipsis) {
            self.byte(TYPE_ELLIPSIS);
            return Ok(());
        }
        if o.is(&vm.types.exc.stop_iteration) {
            self.byte(TYPE_STOPITER);
            return Ok(());
        }
        // Interned and other immortal objects have no meaningful count; they
        // are shared by nature, like CPython's cached empty and one-character
        // strings and bytes. Otherwise a second reference means shared.
        let shared = force_shared
            || o.refcount() > 1
            || o.flags() & FLAG_IMMORTAL != 0
            || is_cached_singleton(o);
        let flag = match self.w_ref(Some(RefKey::Addr(o.addr())), shared) {
            Shared::Write(f) => f,
            Shared::Done => return Ok(()),
        };
        let cls = o.class();
        let t = &vm.types;
        // Only the exact builtin types are marshallable (no subclasses),
        // except that any bytes object is written as bytes.
        if cls.is(&t.int) {
            let big = &o
                .downcast::<IntObj>()
                .ok_or(WriteErr::Unmarshallable)?
                .value;
            self.w_bigint(big, flag);
        } else if cls.is(&t.str) {
            let s = o.downcast::<Str>().ok_or(WriteErr::Unmarshallable)?;
            let interned = is_interned(o, s);
            self.w_str(s, interned, flag)?;
        } else if o.kind() == Kind::Bytes {
            let b = o.downcast::<Bytes>().ok_or(WriteErr::Unmarshallable)?;
            let n = check_len(b.data.len())?;
            self.byte(TYPE_STRING | flag);
            self.size(n);
            self.out.extend_from_slice(&b.data);
        } else if cls.is(&t.tuple) {
            let items = o
                .downcast::<Tuple>()
                .ok_or(WriteErr::Unmarshallable)?
                .as_slice();
            let n = check_len(items.len())?;
            if self.version >= 4 && n < 256 {
                self.byte(TYPE_SMALL_TUPLE | flag);
                self.byte(n as u8);
            } else {
                self.byte(TYPE_TUPLE | flag);
                self.size(n);
            }
            for it in items {
                self.w_object(it, false)?;
            }
        } else if cls.is(&t.list) {
            let l = o.downcast::<List>().ok_or(WriteErr::Unmarshallable)?;
            let items = l.items.borrow();
            self.byte(TYPE_LIST | flag);
            self.size(check_len(items.len())?);
            for it in items.iter() {
                self.w_object(it, false)?;
            }
        } else if cls.is(&t.dict) {
            let d = o.downcast::<Dict>().ok_or(WriteErr::Unmarshallable)?;
            let table = d.table.borrow();
            self.byte(TYPE_DICT | flag);
            for e in table.iter() {
                self.w_object(&e.key, false)?;
                self.w_object(&e.value, false)?;
            }
            self.byte(TYPE_NULL);
        } else if cls.is(&t.set) || cls.is(&t.frozenset) {
            let s = o.downcast::<Set>().ok_or(WriteErr::Unmarshallable)?;
            let code = if cls.is(&t.frozenset) {
                TYPE_FROZENSET
            } else {
                TYPE_SET
            };
            self.w_set(s, code | flag)?;
        } else {
            return Err(WriteErr::Unmarshallable);
        }
        Ok(())
    }

    fn w_int(&mut self, i: i64, flag: u8) {
        if let Ok(small) = i32::try_from(i) {
            self.byte(TYPE_INT | flag);
            self.long(small);
        } else {
            self.w_long_digits(i < 0, &digits15(&BigUint::from(i.unsigned_abs())), flag);
        }
    }

    fn w_bigint(&mut self, b: &BigInt, flag: u8) {
        match b.to_i64() {
            Some(i) => self.w_int(i, flag),
            None => self.w_long_digits(b.sign() == Sign::Minus, &digits15(b.magnitude()), flag),
        }
    }

    /// TYPE_LONG: the signed digit count, then the 15-bit digits.
    fn w_long_digits(&mut self, negative: bool, digits: &[u16], flag: u8) {
        self.byte(TYPE_LONG | flag);
        let n = digits.len() as i32;
        self.long(if negative { -n } else { n });
        for d in digits {
            self.out.extend_from_slice(&d.to_le_bytes());
        }
    }

    fn w_float(&mut self, x: f64, flag: u8) {
        if self.version > 1 {
            self.byte(TYPE_BINARY_FLOAT | flag);
            self.out.extend_from_slice(&x.to_le_bytes());
        } else {
            // Versions 0 and 1 store the repr-like text "%.17g".
            let text = float_text(x);
            self.byte(TYPE_FLOAT | flag);
            self.byte(text.len() as u8);
            self.out.extend_from_slice(text.as_bytes());
        }
    }

    fn w_str(&mut self, s: &Str, interned: bool, flag: u8) -> Result<(), WriteErr> {
        let text = s.as_str();
        let n = check_len(text.len())?;
        if self.version >= 4 && s.is_ascii() {
            if n < 256 {
                let code = if interned {
                    TYPE_SHORT_ASCII_INTERNED
                } else {
                    TYPE_SHORT_ASCII
                };
                self.byte(code | flag);
                self.byte(n as u8);
            } else {
                let code = if interned {
                    TYPE_ASCII_INTERNED
                } else {
                    TYPE_ASCII
                };
                self.byte(code | flag);
                self.size(n);
            }
        } else {
            // mini interns only ASCII names the way CPython does, so
            // non-ASCII text is written as plain (not interned) unicode.
            let code = if self.version >= 3 && interned && s.is_ascii() {
                TYPE_INTERNED
            } else {
                TYPE_UNICODE
            };
            self.byte(code | flag);
            self.size(n);
        }
        self.out.extend_from_slice(text.as_bytes());
        Ok(())
    }

    /// Sets are written in a reproducible order: sorted by each element's
    /// own marshalled bytes (CPython 3.11 does the same, bpo-37596). While
    /// CPython sorts, it holds every element in a list, so each element is
    /// seen as shared when it is finally written.
    fn w_set(&mut self, s: &Set, code: u8) -> Result<(), WriteErr> {
        let table = s.table.borrow();
        let n = check_len(table.len())?;
        self.byte(code);
        self.size(n);
        let mut keyed: Vec<(Vec<u8>, &Value)> = Vec::with_capacity(n);
        for e in table.iter() {
            let mut alone = Writer::new(self.vm, self.version);
            alone.depth = self.depth;
            alone.w_object(&e.key, false)?;
            keyed.push((alone.out, &e.key));
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, v) in keyed {
            self.w_object(v, true)?;
        }
        Ok(())
    }
}

/// CPython keeps one shared object for the empty str and bytes and for
/// every one-character Latin-1 str and one-byte bytes, so they always count
/// as shared, whatever their count in mini.
fn is_cached_singleton(o: &ObjRef) -> bool {
    if let Some(s) = o.downcast::<Str>() {
        return s.char_len() == 0
            || (s.char_len() == 1 && s.as_str().chars().all(|c| (c as u32) < 256));
    }
    if let Some(b) = o.downcast::<Bytes>() {
        return b.data.len() <= 1;
    }
    false
}

/// Whether CPython would hold this str interned. mini interns names and
/// name-like constants, as CPython's compiler does; of the one-character
/// strings (all interned in mini) CPython has interned the name characters,
/// used as identifiers somewhere, but not punctuation or non-ASCII.
fn is_interned(o: &ObjRef, s: &Str) -> bool {
    if o.flags() & FLAG_IMMORTAL == 0 {
        return false;
    }
    match s.char_len() {
        1 => s
            .as_str()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_'),
        _ => true,
    }
}

/// Lengths are 32-bit signed on disk.
fn check_len(n: usize) -> Result<usize, WriteErr> {
    if n as u64 > SIZE32_MAX as u64 {
        Err(WriteErr::Unmarshallable)
    } else {
        Ok(n)
    }
}

/// The base-2**15 digits of a magnitude, least significant first, without
/// leading zero digits.
fn digits15(m: &BigUint) -> Vec<u16> {
    let bytes = m.to_bytes_le();
    let nbits = bytes.len() * 8;
    let mut digits = Vec::with_capacity(nbits / LONG_SHIFT as usize + 1);
    let mut bit = 0;
    while bit < nbits {
        let mut d: u32 = 0;
        for k in 0..LONG_SHIFT as usize {
            let b = bit + k;
            if b < nbits && bytes[b / 8] & (1 << (b % 8)) != 0 {
                d |= 1 << k;
            }
        }
        digits.push(d as u16);
        bit += LONG_SHIFT as usize;
    }
    while digits.last() == Some(&0) {
        digits.pop();
    }
    digits
}

/// `"%.17g" % x`, the text form of floats in marshal versions 0 and 1.
fn float_text(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // 17 significant digits in scientific form, then laid out as %g does.
    let sci = format!("{:.16e}", x);
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if !(-4..17).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push_str(&format!(
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        ));
    } else if exp < 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat((-exp - 1) as usize));
        out.push_str(digits);
    } else {
        let point = exp as usize + 1;
        if digits.len() <= point {
            out.push_str(digits);
            out.push_str(&"0".repeat(point - digits.len()));
        } else {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Reading

/// Where the bytes come from: a bytes object (`loads`) or a file's `read`
/// method (`load`, which leaves the file just after the value read).
enum Source {
    Bytes { data: Vec<u8>, pos: usize },
    File(Value),
}

/// What a short read means depends on where it happens, as in CPython.
enum Short {
    /// No type byte: "EOF read where object expected".
    Object,
    /// A one-byte length or count: "EOF read where not expected".
    Byte,
    /// A payload: "marshal data too short" (or, from a file, "EOF read
    /// where not expected").
    Data,
}

struct Reader {
    src: Source,
    /// Objects read with FLAG_REF, by index; None while a tuple is still
    /// being read (a reference to it then is invalid).
    refs: Vec<Option<Value>>,
    depth: usize,
    /// Report short data as CPython does for files (`load`).
    file_errors: bool,
}

impl Reader {
    fn new(src: Source) -> Reader {
        Reader {
            src,
            refs: Vec::new(),
            depth: 0,
            file_errors: false,
        }
    }

    fn eof(&self, vm: &mut Vm, why: Short) -> PyErr {
        let msg = match why {
            Short::Object => "EOF read where object expected",
            Short::Byte => "EOF read where not expected",
            Short::Data if self.file_errors => "EOF read where not expected",
            Short::Data => "marshal data too short",
        };
        let c = vm.types.exc.eof_error.clone();
        vm.new_error(&c, msg)
    }

    fn bad(vm: &mut Vm, what: &str) -> PyErr {
        vm.value_error(format!("bad marshal data ({what})"))
    }

    /// Exactly `n` bytes, or the EOFError `why` calls for.
    fn take(&mut self, vm: &mut Vm, n: usize, why: Short) -> PyResult<Vec<u8>> {
        match &mut self.src {
            Source::Bytes { data, pos } => {
                if data.len() - *pos < n {
                    *pos = data.len();
                    return Err(self.eof(vm, why));
                }
                let out = data[*pos..*pos + n].to_vec();
                *pos += n;
                Ok(out)
            }
            Source::File(f) => {
                let f = f.clone();
                let mut out = Vec::new();
                while out.len() < n {
                    let want = (n - out.len()).min(READ_CHUNK);
                    let got = vm.call_method(&f, "read", vec![Value::Int(want as i64)])?;
                    let chunk = match &got {
                        Value::Obj(o) if o.kind() == Kind::Bytes => {
                            o.downcast::<Bytes>().unwrap().data.clone()
                        }
                        _ => {
                            let t = vm.type_name(&got);
                            return Err(
                                vm.type_error(format!("file.read() returned not bytes but {t}"))
                            );
                        }
                    };
                    if chunk.len() > want {
                        return Err(vm.value_error(format!(
                            "read() returned too much data: {want} bytes requested, {} returned",
                            chunk.len()
                        )));
                    }
                    if chunk.is_empty() {
                        return Err(self.eof(vm, why));
                    }
                    out.extend_from_slice(&chunk);
                }
                Ok(out)
            }
        }
    }

    fn r_byte(&mut self, vm: &mut Vm, why: Short) -> PyResult<u8> {
        Ok(self.take(vm, 1, why)?[0])
    }

    fn r_long(&mut self, vm: &mut Vm) -> PyResult<i32> {
        let b = self.take(vm, 4, Short::Data)?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A 32-bit size field, refused when negative.
    fn r_size(&mut self, vm: &mut Vm, what: &str) -> PyResult<usize> {
        let n = self.r_long(vm)?;
        if n < 0 {
            return Err(Self::bad(vm, &format!("{what} size out of range")));
        }
        Ok(n as usize)
    }

    /// How many more items a container can plausibly hold (each takes at
    /// least one byte), to bound preallocation.
    fn capacity_hint(&self, n: usize) -> usize {
        match &self.src {
            Source::Bytes { data, pos } => n.min(data.len() - pos),
            Source::File(_) => n.min(1024),
        }
    }

    /// The top-level value: NULL there is an error, not an end marker.
    fn read_top(&mut self, vm: &mut Vm) -> PyResult<Value> {
        match self.r_object(vm)? {
            Some(v) => Ok(v),
            None => Err(vm.type_error("NULL object in marshal data for object")),
        }
    }

    /// One value; `None` for TYPE_NULL (the end marker of dicts).
    fn r_object(&mut self, vm: &mut Vm) -> PyResult<Option<Value>> {
        self.depth += 1;
        let r = if self.depth > MAX_DEPTH {
            Err(vm.value_error("recursion limit exceeded"))
        } else {
            self.r_value(vm)
        };
        self.depth -= 1;
        r
    }

    /// Reserves an index for a FLAG_REF object whose value comes later.
    fn reserve(&mut self, flagged: bool) -> Option<usize> {
        flagged.then(|| {
            self.refs.push(None);
            self.refs.len() - 1
        })
    }

    fn fill(&mut self, slot: Option<usize>, v: &Value) {
        if let Some(i) = slot {
            self.refs[i] = Some(v.clone());
        }
    }

    /// An item of a container: NULL there is a TypeError.
    fn r_item(&mut self, vm: &mut Vm, container: &str) -> PyResult<Value> {
        match self.r_object(vm)? {
            Some(v) => Ok(v),
            None => Err(vm.type_error(format!("NULL object in marshal data for {container}"))),
        }
    }

    fn r_value(&mut self, vm: &mut Vm) -> PyResult<Option<Value>> {
        let code = self.r_byte(vm, Short::Object)?;
        let flagged = code & FLAG_REF != 0;
        let ty = code & !FLAG_REF;
        let v = match ty {
            TYPE_NULL => return Ok(None),
            TYPE_NONE => Value::None,
            TYPE_FALSE => Value::Bool(false),
            TYPE_TRUE => Value::Bool(true),
            TYPE_STOPITER => Value::Obj(vm.types.exc.stop_iteration.clone()),
            TYPE_ELLIPSIS => Value::Obj(vm.ellipsis.clone()),
            TYPE_REF => {
                let ix = self.r_long(vm)?;
                return match usize::try_from(ix)
                    .ok()
                    .and_then(|i| self.refs.get(i).cloned())
                {
                    Some(Some(v)) => Ok(Some(v)),
                    _ => Err(Self::bad(vm, "invalid reference")),
                };
            }
            TYPE_INT => Value::Int(self.r_long(vm)? as i64),
            TYPE_INT64 => {
                let b = self.take(vm, 8, Short::Data)?;
                Value::Int(i64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
            }
            TYPE_LONG => self.r_long_digits(vm)?,
            TYPE_BINARY_FLOAT => {
                let b = self.take(vm, 8, Short::Data)?;
                Value::Float(f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
            }
            TYPE_FLOAT => {
                let n = self.r_byte(vm, Short::Byte)? as usize;
                let text = self.take(vm, n, Short::Data)?;
                let s = String::from_utf8_lossy(&text).into_owned();
                let sv = vm.str_val(&s);
                let float_t = Value::Obj(vm.types.float.clone());
                vm.call(&float_t, vec![sv])?
            }
            TYPE_STRING => {
                let n = self.r_long(vm)?;
                if n < 0 {
                    return Err(Self::bad(vm, "bytes object size out of range"));
                }
                let data = self.take(vm, n as usize, Short::Data)?;
                Value::Obj(vm.new_bytes(data))
            }
            TYPE_UNICODE | TYPE_INTERNED | TYPE_ASCII | TYPE_ASCII_INTERNED => {
                let n = self.r_long(vm)?;
                if n < 0 {
                    return Err(Self::bad(vm, "string size out of range"));
                }
                let data = self.take(vm, n as usize, Short::Data)?;
                let interned = ty == TYPE_INTERNED || ty == TYPE_ASCII_INTERNED;
                self.make_str(
                    vm,
                    &data,
                    ty == TYPE_ASCII || ty == TYPE_ASCII_INTERNED,
                    interned,
                )?
            }
            TYPE_SHORT_ASCII | TYPE_SHORT_ASCII_INTERNED => {
                let n = self.r_byte(vm, Short::Byte)? as usize;
                let data = self.take(vm, n, Short::Data)?;
                self.make_str(vm, &data, true, ty == TYPE_SHORT_ASCII_INTERNED)?
            }
            TYPE_SMALL_TUPLE | TYPE_TUPLE => {
                let n = if ty == TYPE_SMALL_TUPLE {
                    self.r_byte(vm, Short::Byte)? as usize
                } else {
                    self.r_size(vm, "tuple")?
                };
                let slot = self.reserve(flagged);
                let mut items = Vec::with_capacity(self.capacity_hint(n));
                for _ in 0..n {
                    items.push(self.r_item(vm, "tuple")?);
                }
                let t = Value::Obj(vm.new_tuple(items));
                self.fill(slot, &t);
                return Ok(Some(t));
            }
            TYPE_LIST => {
                let n = self.r_size(vm, "list")?;
                let l = vm.new_list(Vec::with_capacity(self.capacity_hint(n)));
                let lv = Value::Obj(l.clone());
                let slot = self.reserve(flagged);
                self.fill(slot, &lv);
                for _ in 0..n {
                    let it = self.r_item(vm, "list")?;
                    l.downcast::<List>().unwrap().items.borrow_mut().push(it);
                }
                return Ok(Some(lv));
            }
            TYPE_DICT => {
                let d = vm.new_dict();
                let dv = Value::Obj(d.clone());
                let slot = self.reserve(flagged);
                self.fill(slot, &dv);
                // Pairs until a NULL key (or, as in CPython, a NULL value).
                while let Some(k) = self.r_object(vm)? {
                    match self.r_object(vm)? {
                        Some(v) => vm.dict_set(&d, k, v)?,
                        None => break,
                    }
                }
                return Ok(Some(dv));
            }
            TYPE_SET | TYPE_FROZENSET => {
                let n = self.r_size(vm, "set")?;
                let frozen = ty == TYPE_FROZENSET;
                if frozen {
                    // A frozenset can only be built once its items are known.
                    let slot = self.reserve(flagged);
                    let mut items = Vec::with_capacity(self.capacity_hint(n));
                    for _ in 0..n {
                        items.push(self.r_item(vm, "set")?);
                    }
                    let s = Value::Obj(vm.new_set_from(items, true)?);
                    self.fill(slot, &s);
                    return Ok(Some(s));
                }
                let s = vm.new_set(false);
                let sv = Value::Obj(s.clone());
                let slot = self.reserve(flagged);
                self.fill(slot, &sv);
                for _ in 0..n {
                    let it = self.r_item(vm, "set")?;
                    vm.set_add(&sv, it)?;
                }
                return Ok(Some(sv));
            }
            // Complex numbers ('x', 'y') and code objects ('c') have no
            // counterpart in mini; like any other code they are refused.
            _ => return Err(Self::bad(vm, "unknown type code")),
        };
        if flagged {
            self.refs.push(Some(v.clone()));
        }
        Ok(Some(v))
    }

    fn make_str(
        &mut self,
        vm: &mut Vm,
        data: &[u8],
        ascii: bool,
        interned: bool,
    ) -> PyResult<Value> {
        let text = if ascii {
            // CPython takes ASCII-typed payloads as Latin-1 bytes.
            data.iter().map(|&b| b as char).collect::<String>()
        } else {
            vm.decode_bytes(data, "utf-8", "strict")?
        };
        Ok(Value::Obj(if interned {
            vm.intern(&text)
        } else {
            vm.new_string(text)
        }))
    }

    fn r_long_digits(&mut self, vm: &mut Vm) -> PyResult<Value> {
        let n = self.r_long(vm)? as i64;
        if !(-SIZE32_MAX..=SIZE32_MAX).contains(&n) {
            return Err(Self::bad(vm, "long size out of range"));
        }
        let count = n.unsigned_abs() as usize;
        let mut bytes: Vec<u8> = Vec::with_capacity(self.capacity_hint(count) * 2);
        let mut acc: u64 = 0;
        let mut nbits = 0;
        let mut last = 0;
        for _ in 0..count {
            let b = self.take(vm, 2, Short::Data)?;
            let d = u16::from_le_bytes([b[0], b[1]]) as u32;
            if d > LONG_MASK {
                return Err(Self::bad(vm, "digit out of range in long"));
            }
            last = d;
            acc |= (d as u64) << nbits;
            nbits += LONG_SHIFT;
            while nbits >= 8 {
                bytes.push(acc as u8);
                acc >>= 8;
                nbits -= 8;
            }
        }
        if count > 0 && last == 0 {
            return Err(Self::bad(vm, "unnormalized long data"));
        }
        if nbits > 0 {
            bytes.push(acc as u8);
        }
        let mag = BigInt::from_bytes_le(Sign::Plus, &bytes);
        Ok(vm.new_bigint(if n < 0 { -mag } else { mag }))
    }
}
