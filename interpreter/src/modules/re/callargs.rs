//! Argument binding for re's callables with CPython's error messages: the
//! module functions are Python functions in CPython (`sub() missing 1
//! required positional argument: 'string'`), the Pattern and Match methods
//! are argument-clinic C functions (`match() missing required argument
//! 'string' (pos 1)`).

use crate::object::str::str_of;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A function written in Python.
    Py,
    /// An argument-clinic method.
    Clinic,
}

/// Binds `args` to `params`, the first `required` of which have no
/// default. Returns one slot per parameter.
pub fn bind(
    vm: &mut Vm,
    args: Args,
    fname: &str,
    params: &[&str],
    required: usize,
    style: Style,
) -> PyResult<Vec<Option<Value>>> {
    let n = args.pos.len();
    if n > params.len() {
        let msg = match style {
            Style::Py => {
                let takes = if required == params.len() {
                    format!(
                        "{} positional argument{}",
                        required,
                        if required == 1 { "" } else { "s" }
                    )
                } else {
                    format!("from {} to {} positional arguments", required, params.len())
                };
                format!(
                    "{fname}() takes {takes} but {n} {} given",
                    if n == 1 { "was" } else { "were" }
                )
            }
            Style::Clinic => {
                let total = n + args.kw.len();
                if required == params.len() {
                    format!(
                        "{fname}() takes exactly {} argument{} ({total} given)",
                        required,
                        if required == 1 { "" } else { "s" }
                    )
                } else {
                    format!(
                        "{fname}() takes at most {} argument{} ({total} given)",
                        params.len(),
                        if params.len() == 1 { "" } else { "s" }
                    )
                }
            }
        };
        return Err(vm.type_error(msg));
    }
    let mut slots: Vec<Option<Value>> = vec![None; params.len()];
    for (i, v) in args.pos.into_iter().enumerate() {
        slots[i] = Some(v);
    }
    for (k, v) in args.kw {
        let key = str_of(&k).unwrap_or("").to_string();
        match params.iter().position(|p| *p == key) {
            Some(i) if slots[i].is_some() => {
                let msg = match style {
                    Style::Py => format!("{fname}() got multiple values for argument '{key}'"),
                    Style::Clinic => format!(
                        "argument for {fname}() given by name ('{key}') and position ({})",
                        i + 1
                    ),
                };
                return Err(vm.type_error(msg));
            }
            Some(i) => slots[i] = Some(v),
            None => {
                let msg = match style {
                    Style::Py => format!("{fname}() got an unexpected keyword argument '{key}'"),
                    Style::Clinic => {
                        format!("'{key}' is an invalid keyword argument for {fname}()")
                    }
                };
                return Err(vm.type_error(msg));
            }
        }
    }
    let missing: Vec<usize> = (0..required).filter(|&i| slots[i].is_none()).collect();
    if let Some(&first) = missing.first() {
        let msg = match style {
            Style::Py => {
                let names: Vec<String> = missing
                    .iter()
                    .map(|&i| format!("'{}'", params[i]))
                    .collect();
                let list = match names.len() {
                    1 => names[0].clone(),
                    _ => format!(
                        "{} and {}",
                        names[..names.len() - 1].join(", "),
                        names[names.len() - 1]
                    ),
                };
                format!(
                    "{fname}() missing {} required positional argument{}: {list}",
                    names.len(),
                    if names.len() == 1 { "" } else { "s" }
                )
            }
            Style::Clinic => format!(
                "{fname}() missing required argument '{}' (pos {})",
                params[first],
                first + 1
            ),
        };
        return Err(vm.type_error(msg));
    }
    Ok(slots)
}

/// An index-like integer argument (`__index__`), saturated to i64.
pub fn index_arg(vm: &mut Vm, v: &Value) -> PyResult<i64> {
    vm.index_value(v)
}
