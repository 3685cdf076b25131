//! The size model behind `sys.getsizeof` and `__sizeof__`, modelled on
//! 64-bit CPython 3.11 (the same numbers the memory profilers count):
//! ints 24 + 4 bytes per 30-bit digit (28 for small values), floats 24,
//! strings 49/73/74/76 + length × character width, lists 56 + 8 per slot of
//! capacity, tuples 40 + 8 per item, dicts from CPython's key-table growth
//! rule, sets from their (CPython-identical) table size, plain instances 56.
//! `getsizeof` = `__sizeof__` + 16 bytes of GC header for container types.

use num_traits::Signed;

use crate::object::bytes::Bytes;
use crate::object::dict::Dict;
use crate::object::kind::Kind;
use crate::object::list::List;
use crate::object::set::Set;
use crate::object::str::Str;
use crate::object::tuple::Tuple;
use crate::object::value::Value;
use crate::vm::arith::{as_num, Num};
use crate::vm::Vm;

/// Bytes of CPython's dict for `n` keys (all-str keys use 16-byte entries).
pub fn dict_model_size(n: usize, str_keys: bool) -> usize {
    if n == 0 {
        return 48;
    }
    let mut size = 8usize;
    for used in 0..n {
        let usable = size * 2 / 3;
        if used >= usable {
            let want = used * 3;
            size = want.next_power_of_two().max(8);
        }
    }
    let usable = size * 2 / 3;
    let index_bytes = if size <= 128 {
        1
    } else if size <= 0x8000 {
        2
    } else if size <= 0x8000_0000 {
        4
    } else {
        8
    };
    let entry = if str_keys { 16 } else { 24 };
    48 + 32 + size * index_bytes + usable * entry
}

impl Vm {
    /// CPython's `__sizeof__` for builtin values.
    pub fn basic_sizeof(&self, v: &Value) -> usize {
        match v {
            Value::None | Value::Undef => 16,
            Value::Bool(_) => 28,
            Value::Float(_) => 24,
            Value::Int(_) => int_size(v),
            Value::Obj(o) => match o.kind() {
                Kind::Int => int_size(v),
                Kind::Float => 24,
                Kind::Str => {
                    let s = o.downcast::<Str>().unwrap();
                    let max = s.as_str().chars().map(|c| c as u32).max().unwrap_or(0);
                    let n = s.char_len();
                    if max < 128 {
                        49 + n
                    } else if max < 256 {
                        73 + n
                    } else if max < 65536 {
                        74 + 2 * n
                    } else {
                        76 + 4 * n
                    }
                }
                Kind::Bytes => 33 + o.downcast::<Bytes>().unwrap().data.len(),
                Kind::List => 40 + 8 * o.downcast::<List>().unwrap().items.borrow().capacity(),
                Kind::Tuple => 24 + 8 * o.downcast::<Tuple>().unwrap().len(),
                Kind::Dict => {
                    let d = o.downcast::<Dict>().unwrap();
                    let t = d.table.borrow();
                    let str_keys = t
                        .iter()
                        .all(|e| matches!(&e.key, Value::Obj(k) if k.kind() == Kind::Str));
                    dict_model_size(t.len(), str_keys)
                }
                Kind::Set => {
                    200 + if o.downcast::<Set>().unwrap().table.borrow().capacity() > 8 {
                        16 * o.downcast::<Set>().unwrap().table.borrow().capacity()
                    } else {
                        0
                    }
                }
                Kind::Object => {
                    let nslots = crate::object::instance::inst_ext(o)
                        .map(|e| e.slots.borrow().len())
                        .unwrap_or(0);
                    if o.owns_cls() && nslots == 0 {
                        24
                    } else {
                        16 + 8 * nslots
                    }
                }
                Kind::Function => 136,
                Kind::BoundMethod => 32,
                Kind::BuiltinFunction => 56,
                Kind::Type => 1672,
                Kind::Module => 56,
                Kind::Range => 48,
                Kind::Generator => 184,
                Kind::Cell => 24,
                Kind::Exception => 56,
                Kind::Code => {
                    120 + 8 * o
                        .downcast::<crate::compile::code::Code>()
                        .map(|c| c.instrs.len())
                        .unwrap_or(0)
                }
                Kind::Native => 48,
                _ => 48,
            },
        }
    }

    /// The GC header CPython adds for container types.
    pub fn gc_header_size(&self, v: &Value) -> usize {
        match v {
            Value::Obj(o) if o.vt().is_gc => {
                if o.owns_cls()
                    && o.kind() == Kind::Object
                    && crate::object::instance::inst_ext(o)
                        .is_some_and(|e| e.slots.borrow().is_empty())
                {
                    // 3.11 "managed dict" instances add 16 more.
                    32
                } else {
                    16
                }
            }
            _ => 0,
        }
    }

    /// `sys.getsizeof(v)` for builtin values.
    pub fn getsizeof(&self, v: &Value) -> usize {
        self.basic_sizeof(v) + self.gc_header_size(v)
    }
}

fn int_size(v: &Value) -> usize {
    let digits = match as_num(v) {
        Some(Num::Int(i)) => {
            let a = i.unsigned_abs();
            if a == 0 {
                1
            } else {
                (64 - a.leading_zeros() as usize).div_ceil(30)
            }
        }
        Some(Num::Big(b)) => (b.abs().bits() as usize).div_ceil(30).max(1),
        _ => 1,
    };
    24 + 4 * digits
}
