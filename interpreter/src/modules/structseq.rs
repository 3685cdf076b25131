//! Struct sequences: the named tuples native modules return
//! (`sys.version_info`, `sys.flags`, `sys.float_info`, `time.struct_time`,
//! `os.stat_result`). Like CPython's, each is a tuple subclass whose first
//! `visible` fields are the tuple items and named read-only attributes; the
//! remaining fields are attributes only (`tm_zone`, `tm_gmtoff`), kept in
//! the instance dict. The class is built natively (no mini source to
//! compile at start-up) and cached per interpreter.

use crate::object::rc::ObjRef;
use crate::object::str::str_of;
use crate::object::tuple::Tuple;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyResult, Vm};

/// The shape of one struct sequence type.
pub struct Spec {
    /// Dotted name used in the repr and `__module__` (`time.struct_time`).
    pub qualname: &'static str,
    pub fields: &'static [&'static str],
    /// How many leading fields are tuple items.
    pub visible: usize,
}

impl Spec {
    fn module(&self) -> &'static str {
        self.qualname
            .rsplit_once('.')
            .map(|(m, _)| m)
            .unwrap_or("builtins")
    }
    fn name(&self) -> &'static str {
        self.qualname
            .rsplit_once('.')
            .map(|(_, n)| n)
            .unwrap_or(self.qualname)
    }
}

/// Specs by class address, for the native methods that receive the class.
fn spec_of(vm: &Vm, cls: &ObjRef) -> Option<&'static Spec> {
    vm.structseq_specs.get(&cls.addr()).copied()
}

/// The class for `spec` (created on first use).
pub fn struct_seq_type(vm: &mut Vm, spec: &'static Spec) -> PyResult<ObjRef> {
    if let Some(t) = vm.extra_types.get(spec.qualname) {
        return Ok(t.clone());
    }
    let ns = vm.new_dict();
    let m = vm.str_val(spec.module());
    vm.set_in(&ns, "__module__", m);
    vm.set_in(&ns, "n_sequence_fields", Value::Int(spec.visible as i64));
    vm.set_in(&ns, "n_fields", Value::Int(spec.fields.len() as i64));
    vm.set_in(&ns, "n_unnamed_fields", Value::Int(0));
    let bases = vec![Value::Obj(vm.types.tuple.clone())];
    let cls = vm.new_class(spec.name(), bases, &ns)?;
    vm.add_staticmethod(&cls, "__new__", seq_new);
    vm.add_method(&cls, "__repr__", seq_repr);
    vm.add_method(&cls, "__reduce__", seq_reduce);
    for (i, f) in spec.fields[..spec.visible].iter().enumerate() {
        let getter = vm.new_builtin_bound(f, field_get, Value::Int(i as i64));
        let p = vm.alloc(
            &vm.types.property.clone(),
            crate::object::function::Property {
                fget: std::cell::RefCell::new(Value::Obj(getter)),
                fset: std::cell::RefCell::new(Value::None),
                fdel: std::cell::RefCell::new(Value::None),
                doc: std::cell::RefCell::new(Value::None),
                name: std::cell::RefCell::new(Value::None),
            },
        );
        let d = cls
            .downcast::<crate::object::typeobj::TypeObj>()
            .unwrap()
            .dict
            .clone();
        vm.set_in(&d, f, Value::Obj(p));
    }
    vm.structseq_specs.insert(cls.addr(), spec);
    vm.extra_types.insert(spec.qualname, cls.clone());
    Ok(cls)
}

/// A new struct sequence holding `values` (all fields, visible first).
pub fn new_struct_seq(vm: &mut Vm, spec: &'static Spec, values: Vec<Value>) -> PyResult<Value> {
    let cls = struct_seq_type(vm, spec)?;
    build(vm, &cls, spec, values, None)
}

fn build(
    vm: &mut Vm,
    cls: &ObjRef,
    spec: &'static Spec,
    items: Vec<Value>,
    dict: Option<Value>,
) -> PyResult<Value> {
    let (n, v) = (spec.fields.len(), spec.visible);
    let k = items.len();
    if k < v {
        return Err(vm.type_error(format!(
            "{}() takes an at least {v}-sequence ({k}-sequence given)",
            spec.qualname
        )));
    }
    if k > n {
        return Err(vm.type_error(format!(
            "{}() takes an at most {n}-sequence ({k}-sequence given)",
            spec.qualname
        )));
    }
    let mut items = items;
    let extra: Vec<Value> = items.split_off(v);
    let tt = vm.types.tuple.clone();
    let obj = vm.alloc_instance(cls, &tt, Tuple::new(items));
    for (i, name) in spec.fields[v..].iter().enumerate() {
        let val = match extra.get(i) {
            Some(x) => x.clone(),
            None => match &dict {
                Some(d) => {
                    let key = vm.str_val(name);
                    vm.get_item(d, &key).unwrap_or(Value::None)
                }
                None => Value::None,
            },
        };
        let key = vm.intern(name);
        vm.set_attr(&Value::Obj(obj.clone()), &key, val)?;
    }
    Ok(Value::Obj(obj))
}

/// `T(sequence, dict=None)`.
fn seq_new(vm: &mut Vm, mut args: Args) -> PyResult<Value> {
    let cls = args.pos.remove(0).into_obj().expect("class");
    let Some(spec) = spec_of(vm, &cls) else {
        return Err(vm.type_error("not a struct sequence type"));
    };
    let seq = args.arg(0, "sequence");
    let dict = args.arg(1, "dict").filter(|d| !d.is_none());
    args.no_kw(vm, spec.name())?;
    let Some(seq) = seq else {
        return Err(vm.type_error(format!(
            "{}() missing required argument 'sequence' (pos 1)",
            spec.qualname
        )));
    };
    let items = vm.collect_iter(&seq)?;
    build(vm, &cls, spec, items, dict)
}

fn seq_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__repr__", 1, 1)?;
    let me = args.pos[0].clone();
    let cls = vm.type_of(&me);
    let spec = spec_of(vm, &cls);
    let items = me
        .as_obj()
        .and_then(|o| o.downcast::<Tuple>().map(|t| t.as_slice().to_vec()))
        .unwrap_or_default();
    let mut parts = Vec::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        let name = spec.and_then(|s| s.fields.get(i).copied()).unwrap_or("?");
        parts.push(format!("{name}={}", vm.repr(it)?));
    }
    let q = spec.map(|s| s.qualname).unwrap_or("structseq");
    Ok(vm.str_val(&format!("{q}({})", parts.join(", "))))
}

fn seq_reduce(vm: &mut Vm, args: Args) -> PyResult<Value> {
    args.check(vm, "__reduce__", 1, 1)?;
    let me = args.pos[0].clone();
    let cls = vm.type_of(&me);
    let items = me
        .as_obj()
        .and_then(|o| o.downcast::<Tuple>().map(|t| t.as_slice().to_vec()))
        .unwrap_or_default();
    let t = vm.new_tuple(items);
    let a = vm.new_tuple(vec![Value::Obj(t)]);
    Ok(Value::Obj(
        vm.new_tuple(vec![Value::Obj(cls), Value::Obj(a)]),
    ))
}

/// The getter of field `i` (bound as the builtin's first argument).
fn field_get(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let i = match args.pos.first() {
        Some(Value::Int(i)) => *i as usize,
        _ => return Err(vm.type_error("bad struct sequence field getter")),
    };
    let me = args.pos.get(1).cloned().unwrap_or(Value::None);
    match me
        .as_obj()
        .and_then(|o| o.downcast::<Tuple>().map(|t| t.as_slice().get(i).cloned()))
    {
        Some(Some(v)) => Ok(v),
        _ => {
            let t = vm.type_name(&me);
            let _ = str_of;
            Err(vm.type_error(format!(
                "descriptor for field {i} doesn't apply to a '{t}' object"
            )))
        }
    }
}
