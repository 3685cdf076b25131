//! Arguments of a call to native code: positional values (moved out of the
//! caller's registers, no count traffic) and keyword pairs. Helpers check
//! arity and pull keywords the way CPython's argument clinic reports errors.

use smallvec::SmallVec;

use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::value::Value;
use crate::vm::{PyResult, Vm};

#[derive(Default)]
pub struct Args {
    pub pos: SmallVec<[Value; 6]>,
    /// Keyword arguments: (name, value), names are str objects.
    pub kw: Vec<(ObjRef, Value)>,
}

impl Args {
    pub fn new(pos: Vec<Value>) -> Args {
        Args {
            pos: SmallVec::from_vec(pos),
            kw: Vec::new(),
        }
    }

    pub fn from_slice(pos: &[Value]) -> Args {
        Args {
            pos: pos.iter().cloned().collect(),
            kw: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.pos.len()
    }

    /// Removes and returns keyword `name`, if given.
    pub fn take_kw(&mut self, name: &str) -> Option<Value> {
        let i = self.kw.iter().position(|(k, _)| str_of(k) == Some(name))?;
        Some(self.kw.remove(i).1)
    }

    /// Errors if keywords remain (`f() takes no keyword arguments` or the
    /// first unexpected name).
    pub fn no_kw(&self, vm: &mut Vm, fname: &str) -> PyResult<()> {
        if let Some((k, _)) = self.kw.first() {
            let k = str_of(k).unwrap_or("?").to_string();
            return Err(vm.type_error(format!(
                "{fname}() got an unexpected keyword argument '{k}'"
            )));
        }
        Ok(())
    }

    /// Errors unless there are between `min` and `max` positional arguments
    /// and no keywords.
    pub fn check(&self, vm: &mut Vm, fname: &str, min: usize, max: usize) -> PyResult<()> {
        if !self.kw.is_empty() {
            return Err(vm.type_error(format!("{fname}() takes no keyword arguments")));
        }
        self.check_pos(vm, fname, min, max)
    }

    /// Arity check for positional arguments only.
    pub fn check_pos(&self, vm: &mut Vm, fname: &str, min: usize, max: usize) -> PyResult<()> {
        let n = self.pos.len();
        if n >= min && n <= max {
            return Ok(());
        }
        let msg = if min == max {
            match min {
                0 => format!("{fname}() takes no arguments ({n} given)"),
                1 => format!("{fname}() takes exactly one argument ({n} given)"),
                _ => format!("{fname}() takes exactly {min} arguments ({n} given)"),
            }
        } else if n < min {
            format!(
                "{fname} expected at least {min} argument{}, got {n}",
                if min == 1 { "" } else { "s" }
            )
        } else {
            format!(
                "{fname} expected at most {max} argument{}, got {n}",
                if max == 1 { "" } else { "s" }
            )
        };
        Err(vm.type_error(msg))
    }

    /// Positional argument `i` or keyword `name` (for parameters that may be
    /// passed either way), or None.
    pub fn arg(&mut self, i: usize, name: &str) -> Option<Value> {
        if i < self.pos.len() {
            return Some(self.pos[i].clone());
        }
        self.take_kw(name)
    }
}
