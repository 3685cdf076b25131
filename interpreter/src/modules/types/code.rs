//! Methods of code objects: `co_lines()` and `co_positions()`, the line and
//! column tables that `dis`, `traceback` and line profilers read. Offsets
//! count 2 bytes per instruction, as CPython's code units, so an offset
//! from `f_lasti`/`tb_lasti` halved indexes `co_positions()`.

use crate::compile::code::Code;
use crate::compile::linetable::{co_lines, NO_COL};
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

pub fn install(vm: &mut Vm) {
    let t = vm.types.code.clone();
    vm.add_method(&t, "co_lines", lines);
    vm.add_method(&t, "co_positions", positions);
}

fn code_of<'a>(vm: &mut Vm, args: &'a Args, name: &str) -> PyResult<&'a Code> {
    args.check(vm, name, 1, 1)?;
    match args.pos[0].as_obj().and_then(|o| o.downcast::<Code>()) {
        Some(c) => Ok(c),
        None => Err(vm.type_error(format!("descriptor '{name}' requires a 'code' object"))),
    }
}

fn lines(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = code_of(vm, &args, "co_lines")?;
    let runs = co_lines(&c.positions);
    let mut items = Vec::with_capacity(runs.len());
    for (start, end, line) in runs {
        let l = line.map(|l| Value::Int(l as i64)).unwrap_or(Value::None);
        items.push(Value::Obj(vm.new_tuple(vec![
            Value::Int(start as i64),
            Value::Int(end as i64),
            l,
        ])));
    }
    let list = vm.new_list(items);
    vm.get_iter(&Value::Obj(list))
}

fn positions(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = code_of(vm, &args, "co_positions")?;
    let ps = c.positions.to_vec();
    let opt = |n: u32, none: bool| {
        if none {
            Value::None
        } else {
            Value::Int(n as i64)
        }
    };
    let mut items = Vec::with_capacity(ps.len());
    for p in ps {
        let noline = p.line == 0;
        let nocol = noline || p.col == NO_COL || p.end_col == NO_COL;
        items.push(Value::Obj(vm.new_tuple(vec![
            opt(p.line, noline),
            opt(p.end_line, noline),
            opt(p.col, nocol),
            opt(p.end_col, nocol),
        ])));
    }
    let list = vm.new_list(items);
    vm.get_iter(&Value::Obj(list))
}
