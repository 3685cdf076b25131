//! Struct sequences: the named tuples native modules return
//! (`sys.version_info`, `sys.flags`, `sys.float_info`, `time.struct_time`).
//! Like CPython's, each is a tuple subclass whose first `visible` fields
//! are the tuple items and named read-only attributes; the remaining
//! fields are attributes only (`tm_zone`, `tm_gmtoff`). The class is built
//! once per interpreter from generated mini source and cached.

use crate::object::rc::ObjRef;
use crate::object::value::Value;
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
        self.qualname.rsplit_once('.').map(|(m, _)| m).unwrap_or("builtins")
    }
    fn name(&self) -> &'static str {
        self.qualname.rsplit_once('.').map(|(_, n)| n).unwrap_or(self.qualname)
    }

    fn source(&self) -> String {
        let (n, v) = (self.fields.len(), self.visible);
        let q = self.qualname;
        let visible: Vec<String> = self.fields[..v].iter().map(|f| format!("'{f}'")).collect();
        let hidden: Vec<String> = self.fields[v..].iter().map(|f| format!("'{f}'")).collect();
        let mut s = format!(
            "class {name}(tuple):\n\
             \x20   n_sequence_fields = {v}\n\
             \x20   n_fields = {n}\n\
             \x20   n_unnamed_fields = 0\n\
             \x20   def __new__(cls, sequence, dict=None):\n\
             \x20       items = tuple(sequence)\n\
             \x20       k = len(items)\n\
             \x20       if k < {v}:\n\
             \x20           raise TypeError(f'{q}() takes an at least {v}-sequence ({{k}}-sequence given)')\n\
             \x20       if k > {n}:\n\
             \x20           raise TypeError(f'{q}() takes an at most {n}-sequence ({{k}}-sequence given)')\n\
             \x20       self = tuple.__new__(cls, items[:{v}])\n\
             \x20       names = ({hidden}{comma})\n\
             \x20       for i in range(len(names)):\n\
             \x20           value = items[{v} + i] if {v} + i < k else (dict or {{}}).get(names[i])\n\
             \x20           self.__dict__[names[i]] = value\n\
             \x20       return self\n\
             \x20   def __repr__(self):\n\
             \x20       names = ({visible}{vcomma})\n\
             \x20       return '{q}(' + ', '.join([names[i] + '=' + repr(self[i]) for i in range({v})]) + ')'\n\
             \x20   def __reduce__(self):\n\
             \x20       return (type(self), (tuple(self),))\n",
            name = self.name(),
            hidden = hidden.join(", "),
            comma = if hidden.len() == 1 { "," } else { "" },
            visible = visible.join(", "),
            vcomma = if visible.len() == 1 { "," } else { "" },
        );
        for (i, f) in self.fields[..v].iter().enumerate() {
            s.push_str(&format!("    {f} = property(lambda self: self[{i}])\n"));
        }
        s
    }
}

/// The class for `spec` (created on first use).
pub fn struct_seq_type(vm: &mut Vm, spec: &'static Spec) -> PyResult<ObjRef> {
    if let Some(t) = vm.extra_types.get(spec.qualname) {
        return Ok(t.clone());
    }
    let src = spec.source();
    let globals = vm.new_dict();
    let m = vm.str_val(spec.module());
    vm.set_in(&globals, "__name__", m);
    let b = Value::Obj(vm.builtins_module.clone());
    vm.set_in(&globals, "__builtins__", b);
    let code = vm.compile_source(&src, &format!("<structseq {}>", spec.qualname), crate::compile::Mode::Exec)?;
    vm.run_code(&code, &globals, None)?;
    let key = vm.intern(spec.name());
    let cls = match globals.downcast::<crate::object::dict::Dict>().and_then(|d| d.get_str(&key)) {
        Some(Value::Obj(c)) => c,
        _ => return Err(vm.runtime_error("struct sequence class was not created")),
    };
    vm.extra_types.insert(spec.qualname, cls.clone());
    Ok(cls)
}

/// A new struct sequence holding `values` (all fields, visible first).
pub fn new_struct_seq(vm: &mut Vm, spec: &'static Spec, values: Vec<Value>) -> PyResult<Value> {
    let cls = struct_seq_type(vm, spec)?;
    let t = vm.new_tuple(values);
    vm.call(&Value::Obj(cls), vec![Value::Obj(t)])
}
