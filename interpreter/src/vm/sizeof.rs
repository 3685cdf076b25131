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
use crate::object::rc::ObjRef;
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
    let size = dict_model_slots(n);
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

/// Index slots of CPython's key table after inserting `n` keys one by one
/// into an empty dict: the table grows when an insertion finds it holding
/// `usable` (two thirds of the slots) keys, to the power of two at or above
/// three times that count. O(log n): one step per growth.
pub fn dict_model_slots(n: usize) -> usize {
    let mut size = 8usize;
    while n > size * 2 / 3 {
        size = (size * 2 / 3 * 3).next_power_of_two().max(8);
    }
    size
}

/// `__sizeof__` of a heap object (`Vm::basic_sizeof` without a VM).
pub fn obj_basic_sizeof(o: &ObjRef) -> usize {
    match o.kind() {
        Kind::Int => int_size(&Value::Obj(o.clone())),
        Kind::Float => 24,
        Kind::Str => {
            let s = o.downcast::<Str>().unwrap();
            if s.as_str().is_ascii() {
                return 49 + s.as_str().len();
            }
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
    }
}

/// The GC header CPython adds for container types (`Vm::gc_header_size`).
pub fn obj_gc_header_size(o: &ObjRef) -> usize {
    if !o.vt().is_gc {
        return 0;
    }
    if o.owns_cls()
        && o.kind() == Kind::Object
        && crate::object::instance::inst_ext(o).is_some_and(|e| e.slots.borrow().is_empty())
    {
        // 3.11 "managed dict" instances add 16 more.
        32
    } else {
        16
    }
}

/// `sys.getsizeof` of a heap object, without a VM (allocation tracers).
pub fn obj_getsizeof(o: &ObjRef) -> usize {
    obj_basic_sizeof(o) + obj_gc_header_size(o)
}

/// How CPython splits a heap object's `getsizeof` into memory blocks:
/// `(object block, separately allocated buffer)`. Lists keep their item
/// array, dicts their key table (none while empty), sets their table once
/// it outgrows the 8 slots stored inside the object; every other object is
/// one block. The two parts sum to `obj_getsizeof(o)`.
pub fn obj_blocks(o: &ObjRef) -> (usize, usize) {
    let total = obj_getsizeof(o);
    let fixed = match o.kind() {
        Kind::List => 56,
        Kind::Dict => 64,
        Kind::Set => 216,
        _ => total,
    };
    let fixed = fixed.min(total);
    (fixed, total - fixed)
}

/// A cheap figure that changes whenever the buffer block of `obj_blocks`
/// may have changed size: twice the list capacity, the dict model's slot
/// count (0 while empty) or the set table capacity, plus 1 for a dict
/// whose newest key is not a str (the model's entries widen from 16 to 24
/// bytes: callers may keep that bit once seen, as CPython's key tables stay
/// general); 0 for objects without a buffer. O(log n) at most, so growth
/// points may call it on every insertion. None while the container is
/// borrowed for mutation (ask again later).
pub fn obj_buffer_token(o: &ObjRef) -> Option<usize> {
    Some(match o.kind() {
        Kind::List => match o.downcast::<List>() {
            Some(l) => l.items.try_borrow().ok()?.capacity() << 1,
            None => 0,
        },
        Kind::Dict => match o.downcast::<Dict>() {
            Some(d) => {
                let t = d.table.try_borrow().ok()?;
                match t.len() {
                    0 => 0,
                    n => {
                        let general = t.iter().next_back().is_some_and(
                            |e| !matches!(&e.key, Value::Obj(k) if k.kind() == Kind::Str),
                        );
                        dict_model_slots(n) << 1 | general as usize
                    }
                }
            }
            None => 0,
        },
        Kind::Set => match o.downcast::<Set>() {
            Some(s) => s.table.try_borrow().ok()?.capacity() << 1,
            None => 0,
        },
        _ => 0,
    })
}

impl Vm {
    /// CPython's `__sizeof__` for builtin values.
    pub fn basic_sizeof(&self, v: &Value) -> usize {
        match v {
            Value::None | Value::Undef => 16,
            Value::Bool(_) => 28,
            Value::Float(_) => 24,
            Value::Int(_) => int_size(v),
            Value::Obj(o) => obj_basic_sizeof(o),
        }
    }

    /// The GC header CPython adds for container types.
    pub fn gc_header_size(&self, v: &Value) -> usize {
        match v {
            Value::Obj(o) => obj_gc_header_size(o),
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
