//! Dict views (`d.keys()`, `d.values()`, `d.items()`): live views with
//! len, iteration, membership, reversal and (keys/items) set operations.

use std::any::Any;

use crate::compile::opcode::BinOp;
use crate::object::dict::Dict;
use crate::object::iter::{DictPart, IterState};
use crate::object::native::{Native, NativeObject};
use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

pub struct DictView {
    pub dict: ObjRef,
    pub part: DictPart,
}

impl NativeObject for DictView {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        visit(&self.dict);
    }
    fn len(&self, _vm: &mut Vm, _me: &ObjRef) -> Option<usize> {
        Some(self.dict.downcast::<Dict>().map(|d| d.len()).unwrap_or(0))
    }
    fn iter(&self, vm: &mut Vm, _me: &ObjRef) -> Option<PyResult<Value>> {
        let len = self.dict.downcast::<Dict>().unwrap().len();
        let t = match self.part {
            DictPart::Keys => vm.types.dict_keyiterator.clone(),
            DictPart::Values => vm.types.dict_valueiterator.clone(),
            DictPart::Items => vm.types.dict_itemiterator.clone(),
        };
        Some(Ok(Value::Obj(vm.new_iter(
            &t,
            IterState::Dict {
                d: self.dict.clone(),
                pos: 0,
                len,
                part: self.part,
            },
        ))))
    }
    fn contains(&self, vm: &mut Vm, _me: &ObjRef, item: &Value) -> Option<PyResult<bool>> {
        Some(match self.part {
            DictPart::Keys => vm.dict_get(&self.dict, item).map(|v| v.is_some()),
            DictPart::Values => {
                let vals: Vec<Value> = self
                    .dict
                    .downcast::<Dict>()
                    .unwrap()
                    .items()
                    .into_iter()
                    .map(|(_, v)| v)
                    .collect();
                let mut r = Ok(false);
                for v in vals {
                    match vm.eq(&v, item) {
                        Ok(true) => {
                            r = Ok(true);
                            break;
                        }
                        Ok(false) => {}
                        Err(e) => {
                            r = Err(e);
                            break;
                        }
                    }
                }
                r
            }
            DictPart::Items => {
                let pair = match item {
                    Value::Obj(t) => t
                        .downcast::<crate::object::tuple::Tuple>()
                        .map(|t| t.as_slice().to_vec()),
                    _ => None,
                };
                match pair {
                    Some(p) if p.len() == 2 => match vm.dict_get(&self.dict, &p[0]) {
                        Ok(Some(v)) => vm.eq(&v, &p[1]),
                        Ok(None) => Ok(false),
                        Err(e) => Err(e),
                    },
                    _ => Ok(false),
                }
            }
        })
    }
    fn repr(&self, vm: &mut Vm, me: &ObjRef) -> Option<PyResult<String>> {
        let name = match self.part {
            DictPart::Keys => "dict_keys",
            DictPart::Values => "dict_values",
            DictPart::Items => "dict_items",
        };
        let it = match self.iter(vm, me)? {
            Ok(it) => it,
            Err(e) => return Some(Err(e)),
        };
        let items = match vm.collect_iter(&it) {
            Ok(i) => i,
            Err(e) => return Some(Err(e)),
        };
        let l = vm.new_list(items);
        Some(vm.repr(&Value::Obj(l)).map(|r| format!("{name}({r})")))
    }
}

pub fn install(vm: &mut Vm) {
    for t in [vm.types.dict_keys.clone(), vm.types.dict_items.clone()] {
        for op in [BinOp::And, BinOp::Or, BinOp::Sub, BinOp::Xor] {
            let (f, r, _) = op.dunders();
            let func: crate::object::function::NativeFn = match op {
                BinOp::And => view_and,
                BinOp::Or => view_or,
                BinOp::Sub => view_sub,
                _ => view_xor,
            };
            let rfunc: crate::object::function::NativeFn = match op {
                BinOp::Sub => view_rsub,
                _ => func,
            };
            vm.add_method(&t, f, func);
            vm.add_method(&t, r, rfunc);
        }
        vm.add_method(&t, "isdisjoint", view_isdisjoint);
    }
    for t in [
        vm.types.dict_keys.clone(),
        vm.types.dict_values.clone(),
        vm.types.dict_items.clone(),
    ] {
        vm.add_method(&t, "__reversed__", view_reversed);
    }
}

impl Vm {
    pub fn new_dict_view(&mut self, d: &ObjRef, part: DictPart) -> ObjRef {
        let t = match part {
            DictPart::Keys => self.types.dict_keys.clone(),
            DictPart::Values => self.types.dict_values.clone(),
            DictPart::Items => self.types.dict_items.clone(),
        };
        self.alloc(
            &t,
            Native {
                inner: Box::new(DictView {
                    dict: d.clone(),
                    part,
                }),
            },
        )
    }
}

fn view_set_op(vm: &mut Vm, args: Args, op: BinOp) -> PyResult<Value> {
    args.check(vm, "view op", 2, 2)?;
    let a = vm.collect_iter(&args.pos[0])?;
    let sa = vm.new_set_from(a, false)?;
    let b = vm.collect_iter(&args.pos[1])?;
    let sb = vm.new_set_from(b, false)?;
    match vm.set_binop(op, &Value::Obj(sa), &Value::Obj(sb))? {
        Some(v) => Ok(v),
        None => Ok(Value::Obj(vm.not_implemented.clone())),
    }
}

/// `other - view`: the operands of the reflected call come swapped.
fn view_rsub(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    args.pos.swap(0, 1);
    view_set_op(vm, args, BinOp::Sub)
}

/// A set holding a keys or items view's elements (None for other values),
/// so views compare with sets as CPython's do.
pub(crate) fn view_as_set(vm: &mut Vm, v: &Value) -> PyResult<Option<ObjRef>> {
    let Value::Obj(o) = v else { return Ok(None) };
    let setlike = crate::object::native::native_ref::<DictView>(o)
        .is_some_and(|dv| !matches!(dv.part, DictPart::Values));
    if !setlike {
        return Ok(None);
    }
    let items = vm.collect_iter(v)?;
    vm.new_set_from(items, false).map(Some)
}

fn view_and(vm: &mut Vm, args: Args) -> PyResult<Value> {
    view_set_op(vm, args, BinOp::And)
}
fn view_or(vm: &mut Vm, args: Args) -> PyResult<Value> {
    view_set_op(vm, args, BinOp::Or)
}
fn view_sub(vm: &mut Vm, args: Args) -> PyResult<Value> {
    view_set_op(vm, args, BinOp::Sub)
}
fn view_xor(vm: &mut Vm, args: Args) -> PyResult<Value> {
    view_set_op(vm, args, BinOp::Xor)
}

fn view_isdisjoint(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "isdisjoint", 2, 2)?;
    let other = vm.collect_iter(&args.pos[1])?;
    for x in other {
        if vm.contains(&args.pos[0], &x)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn view_reversed(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let me = args.pos[0].as_obj().cloned().unwrap();
    let v = crate::object::native::native_ref::<DictView>(&me).unwrap();
    let dd = v.dict.downcast::<Dict>().unwrap();
    let (len, pos) = (dd.len(), dd.table.borrow().positions());
    let t = vm.types.dict_reversekeyiterator.clone();
    Ok(Value::Obj(vm.new_iter(
        &t,
        IterState::DictRev {
            d: v.dict.clone(),
            pos,
            len,
            part: v.part,
        },
    )))
}
