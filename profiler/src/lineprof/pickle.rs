//! The `.lprof` file: a pickle of line_profiler's `LineStats` object, as
//! `kernprof -l` and `LineProfiler.dump_stats` write it, so that files
//! move both ways between mini and CPython's line_profiler.
//!
//! Writing: protocol 4 opcodes, no memo, no framing:
//! `GLOBAL 'line_profiler.line_profiler LineStats'`, `EMPTY_TUPLE`,
//! `NEWOBJ`, then its state `{'timings': {...}, 'unit': float}` and
//! `BUILD`. Values are None, bool, int (any size), float (`BINFLOAT`,
//! big-endian), str, tuple, list and dict, which is all a `LineStats`
//! holds (timings keys are (filename, first line, name) tuples, values
//! lists of (line, hits, time) tuples).
//!
//! Reading: a small unpickler for the opcodes CPython's pickler (protocols
//! 2 to 5) emits for such data, memo included. A `GLOBAL`/`STACK_GLOBAL`
//! followed by `NEWOBJ` (or `REDUCE`) and `BUILD` becomes an object whose
//! state is kept; the caller takes `timings` and `unit` from it. Anything
//! else is an error, never a panic.

use mini_interpreter::object::bytes::Bytes;
use mini_interpreter::object::dict::Dict;
use mini_interpreter::object::list::List;
use mini_interpreter::object::rc::ObjRef;
use mini_interpreter::object::str::str_of;
use mini_interpreter::object::tuple::Tuple;
use mini_interpreter::object::value::Value;
use mini_interpreter::vm::arith::{as_num, Num};
use mini_interpreter::{PyResult, Vm};

/// A value read from (or written to) a pickle.
#[derive(Clone, Debug, PartialEq)]
pub enum PVal {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Tuple(Vec<PVal>),
    List(Vec<PVal>),
    Dict(Vec<(PVal, PVal)>),
    /// An instance of module.name, with the state BUILD gave it.
    Object {
        module: String,
        name: String,
        state: Box<PVal>,
    },
}

// ----- writing -----

fn write_int(out: &mut Vec<u8>, v: i128) {
    if (0..256).contains(&v) {
        out.push(b'K');
        out.push(v as u8);
    } else if (0..65536).contains(&v) {
        out.push(b'M');
        out.extend_from_slice(&(v as u16).to_le_bytes());
    } else if i32::try_from(v).is_ok() {
        out.push(b'J');
        out.extend_from_slice(&(v as i32).to_le_bytes());
    } else {
        // LONG1: little-endian two's complement, shortest form.
        let mut bytes = v.to_le_bytes().to_vec();
        while bytes.len() > 1 {
            let last = bytes[bytes.len() - 1];
            let prev = bytes[bytes.len() - 2];
            if (last == 0 && prev & 0x80 == 0) || (last == 0xff && prev & 0x80 != 0) {
                bytes.pop();
            } else {
                break;
            }
        }
        out.push(0x8a);
        out.push(bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    if b.len() < 256 {
        out.push(0x8c);
        out.push(b.len() as u8);
    } else {
        out.push(b'X');
        out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(b);
}

fn write_val(out: &mut Vec<u8>, v: &PVal) {
    match v {
        PVal::None => out.push(b'N'),
        PVal::Bool(true) => out.push(0x88),
        PVal::Bool(false) => out.push(0x89),
        PVal::Int(i) => write_int(out, *i),
        PVal::Float(f) => {
            out.push(b'G');
            out.extend_from_slice(&f.to_be_bytes());
        }
        PVal::Str(s) => write_str(out, s),
        PVal::Tuple(items) => match items.len() {
            0 => out.push(b')'),
            1..=3 => {
                for i in items {
                    write_val(out, i);
                }
                out.push(0x85 + items.len() as u8 - 1);
            }
            _ => {
                out.push(b'(');
                for i in items {
                    write_val(out, i);
                }
                out.push(b't');
            }
        },
        PVal::List(items) => {
            out.push(b']');
            if !items.is_empty() {
                out.push(b'(');
                for i in items {
                    write_val(out, i);
                }
                out.push(b'e');
            }
        }
        PVal::Dict(items) => {
            out.push(b'}');
            if !items.is_empty() {
                out.push(b'(');
                for (k, v) in items {
                    write_val(out, k);
                    write_val(out, v);
                }
                out.push(b'u');
            }
        }
        PVal::Object {
            module,
            name,
            state,
        } => {
            out.push(b'c');
            out.extend_from_slice(module.as_bytes());
            out.push(b'\n');
            out.extend_from_slice(name.as_bytes());
            out.push(b'\n');
            out.push(b')');
            out.push(0x81);
            write_val(out, state);
            out.push(b'b');
        }
    }
}

/// The pickle of `v` (protocol 4 header, STOP at the end).
pub fn dumps(v: &PVal) -> Vec<u8> {
    let mut out = vec![0x80, 4];
    write_val(&mut out, v);
    out.push(b'.');
    out
}

/// Converts a mini value into a pickle value (the types listed above).
pub fn from_value(vm: &mut Vm, v: &Value, depth: usize) -> PyResult<PVal> {
    if depth > 100 {
        return Err(vm.value_error("dump_stats: value nested too deeply"));
    }
    Ok(match v {
        Value::None => PVal::None,
        Value::Bool(b) => PVal::Bool(*b),
        Value::Int(i) => PVal::Int(*i as i128),
        Value::Float(f) => PVal::Float(*f),
        Value::Obj(o) => {
            if let Some(s) = str_of(o) {
                PVal::Str(s.to_string())
            } else if let Some(t) = o.downcast::<Tuple>() {
                let items: Vec<Value> = t.as_slice().to_vec();
                let mut out = Vec::with_capacity(items.len());
                for i in &items {
                    out.push(from_value(vm, i, depth + 1)?);
                }
                PVal::Tuple(out)
            } else if let Some(l) = o.downcast::<List>() {
                let items: Vec<Value> = l.items.borrow().to_vec();
                let mut out = Vec::with_capacity(items.len());
                for i in &items {
                    out.push(from_value(vm, i, depth + 1)?);
                }
                PVal::List(out)
            } else if let Some(d) = o.downcast::<Dict>() {
                let items = d.items();
                let mut out = Vec::with_capacity(items.len());
                for (k, v) in &items {
                    out.push((from_value(vm, k, depth + 1)?, from_value(vm, v, depth + 1)?));
                }
                PVal::Dict(out)
            } else {
                match as_num(v) {
                    Some(Num::Int(i)) => PVal::Int(i as i128),
                    Some(Num::Float(f)) => PVal::Float(f),
                    Some(Num::Big(_)) => {
                        return Err(vm.value_error("dump_stats: integer too large"))
                    }
                    _ => {
                        let tn = vm.type_name(v);
                        return Err(vm.type_error(format!("dump_stats: cannot store a {tn}")));
                    }
                }
            }
        }
        _ => return Err(vm.type_error("dump_stats: cannot store this value")),
    })
}

/// Converts a pickle value into a mini value (objects become their state).
pub fn to_value(vm: &mut Vm, v: &PVal) -> PyResult<Value> {
    Ok(match v {
        PVal::None => Value::None,
        PVal::Bool(b) => Value::Bool(*b),
        PVal::Int(i) => match i64::try_from(*i) {
            Ok(i) => Value::Int(i),
            Err(_) => return Err(vm.value_error("load_stats: integer too large")),
        },
        PVal::Float(f) => Value::Float(*f),
        PVal::Str(s) => vm.str_val(s),
        PVal::Tuple(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(to_value(vm, i)?);
            }
            Value::Obj(vm.new_tuple(out))
        }
        PVal::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(to_value(vm, i)?);
            }
            Value::Obj(vm.new_list(out))
        }
        PVal::Dict(items) => {
            let d = vm.new_dict();
            for (k, val) in items {
                let k = to_value(vm, k)?;
                let val = to_value(vm, val)?;
                vm.dict_set(&d, k, val)?;
            }
            Value::Obj(d)
        }
        PVal::Object { state, .. } => to_value(vm, state)?,
    })
}

/// The bytes of a bytes object.
pub fn bytes_of(o: &ObjRef) -> Option<Vec<u8>> {
    o.downcast::<Bytes>().map(|b| b.data.clone())
}

// ----- reading -----

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        if self.pos + n > self.data.len() {
            return Err("pickle data was truncated".into());
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn byte(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<usize, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]) as usize)
    }

    fn u32(&mut self) -> Result<usize, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    fn u64(&mut self) -> Result<usize, String> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        usize::try_from(u64::from_le_bytes(a)).map_err(|_| "pickle length too large".to_string())
    }

    fn line(&mut self) -> Result<String, String> {
        let rest = &self.data[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("pickle data was truncated")?;
        let s = String::from_utf8_lossy(&rest[..n]).to_string();
        self.pos += n + 1;
        Ok(s)
    }

    fn text(&mut self, n: usize) -> Result<String, String> {
        let b = self.take(n)?;
        String::from_utf8(b.to_vec()).map_err(|_| "invalid UTF-8 in pickle string".to_string())
    }
}

fn le_signed(b: &[u8]) -> Result<i128, String> {
    if b.is_empty() {
        return Ok(0);
    }
    if b.len() > 16 {
        return Err("pickled integer too large".into());
    }
    let neg = b[b.len() - 1] & 0x80 != 0;
    let mut a = [if neg { 0xff } else { 0 }; 16];
    a[..b.len()].copy_from_slice(b);
    Ok(i128::from_le_bytes(a))
}

/// Unpickles `data`.
pub fn loads(data: &[u8]) -> Result<PVal, String> {
    let mut r = Reader { data, pos: 0 };
    let mut stack: Vec<PVal> = Vec::new();
    let mut marks: Vec<usize> = Vec::new();
    let mut memo: Vec<Option<PVal>> = Vec::new();
    // A class reference, before NEWOBJ/REDUCE makes an instance of it.
    const CLASS: &str = "\u{0}class";
    fn class_val(module: String, name: String) -> PVal {
        PVal::Tuple(vec![
            PVal::Str(CLASS.into()),
            PVal::Str(module),
            PVal::Str(name),
        ])
    }
    fn pop(stack: &mut Vec<PVal>) -> Result<PVal, String> {
        stack
            .pop()
            .ok_or_else(|| "unpickling stack underflow".to_string())
    }
    fn pop_mark(stack: &mut Vec<PVal>, marks: &mut Vec<usize>) -> Result<Vec<PVal>, String> {
        let m = marks.pop().ok_or("could not find MARK")?;
        if m > stack.len() {
            return Err("could not find MARK".into());
        }
        Ok(stack.split_off(m))
    }
    fn memo_put(memo: &mut Vec<Option<PVal>>, i: usize, v: PVal) -> Result<(), String> {
        if i > 1 << 24 {
            return Err("memo index too large".into());
        }
        if memo.len() <= i {
            memo.resize(i + 1, None);
        }
        memo[i] = Some(v);
        Ok(())
    }
    fn add_items(target: &mut PVal, items: Vec<PVal>) -> Result<(), String> {
        match target {
            PVal::List(l) => {
                l.extend(items);
                Ok(())
            }
            PVal::Dict(d) => {
                if !items.len().is_multiple_of(2) {
                    return Err("odd number of items for SETITEMS".into());
                }
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    if let Some(slot) = d.iter_mut().find(|(ek, _)| *ek == k) {
                        slot.1 = v;
                    } else {
                        d.push((k, v));
                    }
                }
                Ok(())
            }
            _ => Err("APPEND/SETITEM on a value that is not a list or dict".into()),
        }
    }
    // Memo entries are copies, taken when memoized: right for the strings
    // and numbers a LineStats pickle refers to again (a container fetched
    // from the memo would be seen as it was when memoized).
    loop {
        let op = r.byte()?;
        match op {
            0x80 => {
                let p = r.byte()?;
                if p > 5 {
                    return Err(format!("unsupported pickle protocol: {p}"));
                }
            }
            0x95 => {
                r.u64()?;
            }
            b'.' => {
                let v = pop(&mut stack)?;
                return Ok(v);
            }
            b'(' => marks.push(stack.len()),
            b'N' => stack.push(PVal::None),
            0x88 => stack.push(PVal::Bool(true)),
            0x89 => stack.push(PVal::Bool(false)),
            b'K' => {
                let b = r.byte()?;
                stack.push(PVal::Int(b as i128));
            }
            b'M' => {
                let v = r.u16()?;
                stack.push(PVal::Int(v as i128));
            }
            b'J' => {
                let b = r.take(4)?;
                stack.push(PVal::Int(
                    i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i128
                ));
            }
            0x8a => {
                let n = r.byte()? as usize;
                let b = r.take(n)?.to_vec();
                stack.push(PVal::Int(le_signed(&b)?));
            }
            0x8b => {
                let n = r.u32()?;
                let b = r.take(n)?.to_vec();
                stack.push(PVal::Int(le_signed(&b)?));
            }
            b'I' => {
                let l = r.line()?;
                let v = match l.as_str() {
                    "01" => PVal::Bool(true),
                    "00" => PVal::Bool(false),
                    s => PVal::Int(s.trim().parse().map_err(|_| "bad INT in pickle")?),
                };
                stack.push(v);
            }
            b'L' => {
                let l = r.line()?;
                let s = l.trim().trim_end_matches('L');
                stack.push(PVal::Int(s.parse().map_err(|_| "bad LONG in pickle")?));
            }
            b'G' => {
                let b = r.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                stack.push(PVal::Float(f64::from_be_bytes(a)));
            }
            b'F' => {
                let l = r.line()?;
                stack.push(PVal::Float(
                    l.trim().parse().map_err(|_| "bad FLOAT in pickle")?,
                ));
            }
            0x8c => {
                let n = r.byte()? as usize;
                let s = r.text(n)?;
                stack.push(PVal::Str(s));
            }
            b'X' => {
                let n = r.u32()?;
                let s = r.text(n)?;
                stack.push(PVal::Str(s));
            }
            0x8d => {
                let n = r.u64()?;
                let s = r.text(n)?;
                stack.push(PVal::Str(s));
            }
            b')' => stack.push(PVal::Tuple(Vec::new())),
            b't' => {
                let items = pop_mark(&mut stack, &mut marks)?;
                stack.push(PVal::Tuple(items));
            }
            0x85..=0x87 => {
                let n = (op - 0x84) as usize;
                if stack.len() < n {
                    return Err("unpickling stack underflow".into());
                }
                let items = stack.split_off(stack.len() - n);
                stack.push(PVal::Tuple(items));
            }
            b']' => stack.push(PVal::List(Vec::new())),
            b'l' => {
                let items = pop_mark(&mut stack, &mut marks)?;
                stack.push(PVal::List(items));
            }
            b'}' => stack.push(PVal::Dict(Vec::new())),
            b'd' => {
                let items = pop_mark(&mut stack, &mut marks)?;
                let mut d = PVal::Dict(Vec::new());
                add_items(&mut d, items)?;
                stack.push(d);
            }
            b'a' => {
                let v = pop(&mut stack)?;
                let t = stack.last_mut().ok_or("unpickling stack underflow")?;
                add_items(t, vec![v])?;
            }
            b'e' | b'u' => {
                let items = pop_mark(&mut stack, &mut marks)?;
                let t = stack.last_mut().ok_or("unpickling stack underflow")?;
                add_items(t, items)?;
            }
            b's' => {
                let v = pop(&mut stack)?;
                let k = pop(&mut stack)?;
                let t = stack.last_mut().ok_or("unpickling stack underflow")?;
                add_items(t, vec![k, v])?;
            }
            b'c' => {
                let module = r.line()?;
                let name = r.line()?;
                stack.push(class_val(module, name));
            }
            0x93 => {
                let name = pop(&mut stack)?;
                let module = pop(&mut stack)?;
                match (module, name) {
                    (PVal::Str(m), PVal::Str(n)) => stack.push(class_val(m, n)),
                    _ => return Err("STACK_GLOBAL requires str".into()),
                }
            }
            0x81 | b'R' => {
                let _args = pop(&mut stack)?;
                let cls = pop(&mut stack)?;
                match cls {
                    PVal::Tuple(t) if t.len() == 3 && t[0] == PVal::Str(CLASS.into()) => {
                        let (PVal::Str(module), PVal::Str(name)) = (&t[1], &t[2]) else {
                            return Err("bad class reference in pickle".into());
                        };
                        stack.push(PVal::Object {
                            module: module.clone(),
                            name: name.clone(),
                            state: Box::new(PVal::None),
                        });
                    }
                    _ => return Err("NEWOBJ/REDUCE of something that is not a class".into()),
                }
            }
            b'b' => {
                let st = pop(&mut stack)?;
                match stack.last_mut() {
                    Some(PVal::Object { state, .. }) => **state = st,
                    _ => return Err("BUILD on a value that is not an object".into()),
                }
            }
            0x94 => {
                let i = memo.len();
                let top = stack.last().cloned().ok_or("unpickling stack underflow")?;
                memo_put(&mut memo, i, top)?;
            }
            b'q' => {
                let i = r.byte()? as usize;
                let top = stack.last().cloned().ok_or("unpickling stack underflow")?;
                memo_put(&mut memo, i, top)?;
            }
            b'r' => {
                let i = r.u32()?;
                let top = stack.last().cloned().ok_or("unpickling stack underflow")?;
                memo_put(&mut memo, i, top)?;
            }
            b'h' | b'j' => {
                let i = if op == b'h' {
                    r.byte()? as usize
                } else {
                    r.u32()?
                };
                let v = memo
                    .get(i)
                    .cloned()
                    .flatten()
                    .ok_or_else(|| format!("Memo value not found at index {i}"))?;
                stack.push(v);
            }
            _ => return Err(format!("invalid load key, '\\x{op:02x}'.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let v = PVal::Object {
            module: "line_profiler.line_profiler".into(),
            name: "LineStats".into(),
            state: Box::new(PVal::Dict(vec![
                (
                    PVal::Str("timings".into()),
                    PVal::Dict(vec![(
                        PVal::Tuple(vec![
                            PVal::Str("a.py".into()),
                            PVal::Int(3),
                            PVal::Str("f".into()),
                        ]),
                        PVal::List(vec![
                            PVal::Tuple(vec![PVal::Int(4), PVal::Int(200001), PVal::Int(15151144)]),
                            PVal::Tuple(vec![
                                PVal::Int(5),
                                PVal::Int(1),
                                PVal::Int(40_000_000_000),
                            ]),
                            PVal::Tuple(vec![PVal::Int(6), PVal::Int(-3), PVal::Int(-300)]),
                        ]),
                    )]),
                ),
                (PVal::Str("unit".into()), PVal::Float(1e-9)),
            ])),
        };
        let b = dumps(&v);
        assert_eq!(loads(&b).unwrap(), v);
    }

    #[test]
    fn cpython_protocol_5_with_memo() {
        // pickle.dumps(LineStats({('kt.py', 3, 'generate'): [(5, 1, 721)]}, 1e-9), 5)
        // shape: FRAME, STACK_GLOBAL, MEMOIZE everywhere.
        let mut d = vec![0x80, 5, 0x95];
        d.extend_from_slice(&0u64.to_le_bytes());
        for s in ["line_profiler.line_profiler", "LineStats"] {
            d.push(0x8c);
            d.push(s.len() as u8);
            d.extend_from_slice(s.as_bytes());
            d.push(0x94);
        }
        d.extend_from_slice(&[0x93, 0x94, b')', 0x81, 0x94, b'}', 0x94, b'(']);
        d.extend_from_slice(&[0x8c, 7]);
        d.extend_from_slice(b"timings");
        d.extend_from_slice(&[0x94, b'}', 0x94, 0x8c, 5]);
        d.extend_from_slice(b"kt.py");
        d.extend_from_slice(&[0x94, b'K', 3, 0x8c, 8]);
        d.extend_from_slice(b"generate");
        d.extend_from_slice(&[0x94, 0x87, 0x94, b']', 0x94, b'(', b'K', 5, b'K', 1, b'M']);
        d.extend_from_slice(&721u16.to_le_bytes());
        d.extend_from_slice(&[0x87, 0x94, b'e', b's', 0x8c, 4]);
        d.extend_from_slice(b"unit");
        d.extend_from_slice(&[0x94, b'G']);
        d.extend_from_slice(&1e-9f64.to_be_bytes());
        d.extend_from_slice(b"ub.");
        let v = loads(&d).unwrap();
        let PVal::Object { name, state, .. } = v else {
            panic!("not an object")
        };
        assert_eq!(name, "LineStats");
        let PVal::Dict(items) = *state else {
            panic!("state")
        };
        assert_eq!(items[1], (PVal::Str("unit".into()), PVal::Float(1e-9)));
        let PVal::Dict(t) = &items[0].1 else {
            panic!("timings")
        };
        assert_eq!(
            t[0].1,
            PVal::List(vec![PVal::Tuple(vec![
                PVal::Int(5),
                PVal::Int(1),
                PVal::Int(721)
            ])])
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(loads(b"").is_err());
        assert!(loads(b"\x80\x04K").is_err());
        assert!(loads(b"zzz").is_err());
        assert!(loads(b"\x80\x04b.").is_err());
    }
}
