//! The methods of `Match`: group, groups, groupdict, start, end, span,
//! expand, and the copy protocol (matches are immutable).

use super::callargs::{bind, Style};
use super::objects::MatchObj;
use crate::object::native::native_ref;
use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

fn me(vm: &mut Vm, args: &mut Args, fname: &str) -> PyResult<ObjRef> {
    let v = if args.pos.is_empty() {
        Value::None
    } else {
        args.pos.remove(0)
    };
    match v {
        Value::Obj(o) if native_ref::<MatchObj>(&o).is_some() => Ok(o),
        other => {
            let t = vm.type_name(&other);
            Err(vm.type_error(format!(
                "descriptor '{fname}' for 're.Match' objects doesn't apply to a '{t}' object"
            )))
        }
    }
}

fn mo(o: &ObjRef) -> &MatchObj {
    native_ref::<MatchObj>(o).unwrap()
}

pub fn m_group(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let o = me(vm, &mut args, "group")?;
    args.no_kw(vm, "group")?;
    let m = mo(&o);
    match args.pos.len() {
        0 => Ok(m.group_value(vm, 0, &Value::None)),
        1 => {
            let g = m.index_of(vm, &args.pos[0])?;
            Ok(m.group_value(vm, g, &Value::None))
        }
        _ => {
            let mut items = Vec::with_capacity(args.pos.len());
            for k in args.pos.iter() {
                let g = m.index_of(vm, k)?;
                items.push(m.group_value(vm, g, &Value::None));
            }
            Ok(Value::Obj(vm.new_tuple(items)))
        }
    }
}

pub fn m_groups(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let o = me(vm, &mut args, "groups")?;
    let a = bind(vm, args, "groups", &["default"], 0, Style::Clinic)?;
    let default = a[0].clone().unwrap_or(Value::None);
    let m = mo(&o);
    let items: Vec<Value> = (1..m.spans.len())
        .map(|g| m.group_value(vm, g, &default))
        .collect();
    Ok(Value::Obj(vm.new_tuple(items)))
}

pub fn m_groupdict(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let o = me(vm, &mut args, "groupdict")?;
    let a = bind(vm, args, "groupdict", &["default"], 0, Style::Clinic)?;
    let default = a[0].clone().unwrap_or(Value::None);
    let m = mo(&o);
    let d = vm.new_dict();
    for (name, g) in m.code.names.clone() {
        let k = vm.str_val(&name);
        let v = m.group_value(vm, g, &default);
        vm.dict_set(&d, k, v)?;
    }
    Ok(Value::Obj(d))
}

fn span_of(vm: &mut Vm, mut args: Args, fname: &str) -> PyResult<(i64, i64)> {
    let o = me(vm, &mut args, fname)?;
    let a = bind(vm, args, fname, &["group"], 0, Style::Clinic)?;
    let m = mo(&o);
    let g = match &a[0] {
        Some(k) => m.index_of(vm, k)?,
        None => 0,
    };
    Ok(m.spans[g]
        .map(|(s, e)| (s as i64, e as i64))
        .unwrap_or((-1, -1)))
}

pub fn m_start(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Int(span_of(vm, args, "start")?.0))
}

pub fn m_end(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(Value::Int(span_of(vm, args, "end")?.1))
}

pub fn m_span(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (s, e) = span_of(vm, args, "span")?;
    Ok(Value::Obj(vm.new_tuple(vec![Value::Int(s), Value::Int(e)])))
}

pub fn m_expand(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let o = me(vm, &mut args, "expand")?;
    let a = bind(vm, args, "expand", &["template"], 1, Style::Clinic)?;
    let t = a[0].clone().unwrap();
    super::sub::expand(vm, mo(&o), &t)
}

pub fn m_getitem(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let o = me(vm, &mut args, "__getitem__")?;
    args.check(vm, "__getitem__", 1, 1)?;
    let m = mo(&o);
    let g = m.index_of(vm, &args.pos[0])?;
    Ok(m.group_value(vm, g, &Value::None))
}

pub fn m_copy(_vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    Ok(args.pos.remove(0))
}
