//! How `_lsprof` names a builtin in its stats, as CPython does (the key
//! is printed by pstats between braces):
//!
//! | callable | name |
//! |---|---|
//! | module function (`len`, `time.sleep`) | `<built-in method MODULE.NAME>` |
//! | method of a builtin type (`[].append`, `list.append(l, x)`) | `<method 'NAME' of 'TYPE' objects>`, TYPE the builtin type along the receiver's MRO that defines NAME (dotted with its module unless `builtins`) |
//! | class or static method of a type (`dict.fromkeys`) | `<built-in method NAME>` |
//! | state-bound native function (`random.random`) | the method form, with the state's type |
//!
//! Names are computed once per entry, when the stats are read.

use mini_interpreter::object::dict::Dict;
use mini_interpreter::object::function::{BuiltinFunction, MethodDescr, MethodKind};
use mini_interpreter::object::rc::ObjRef;
use mini_interpreter::object::typeobj::TypeObj;
use mini_interpreter::object::value::Value;
use mini_interpreter::Vm;

/// CPython's name for a module whose functions mini keeps elsewhere.
fn module_alias(m: &str) -> &str {
    match m {
        "os" => "posix",
        other => other,
    }
}

/// `list`, `_io.StringIO`, `_lsprof.Profiler`: the type's name as
/// CPython's `tp_name` spells it.
pub fn type_display(t: &ObjRef) -> String {
    let Some(tp) = t.downcast::<TypeObj>() else {
        return "?".into();
    };
    let m = tp.module_name.borrow();
    if m.is_empty() || *m == "builtins" {
        tp.name()
    } else {
        format!("{}.{}", m, tp.name())
    }
}

/// The builtin type that defines `name` along `cls`'s MRO (for a list
/// subclass, `list`), or `cls` itself.
fn defining_type(vm: &mut Vm, cls: &ObjRef, name: &str) -> ObjRef {
    let key = vm.intern(name);
    let mro: Vec<ObjRef> = cls
        .downcast::<TypeObj>()
        .map(|t| t.mro.borrow().clone())
        .unwrap_or_default();
    for t in &mro {
        let Some(tp) = t.downcast::<TypeObj>() else {
            continue;
        };
        if vm.is_heap_class(t) {
            continue;
        }
        if tp
            .dict
            .downcast::<Dict>()
            .is_some_and(|d| d.get_str(&key).is_some())
        {
            return t.clone();
        }
    }
    mro.into_iter()
        .find(|t| !vm.is_heap_class(t))
        .unwrap_or_else(|| cls.clone())
}

fn method_of(vm: &mut Vm, recv: &Value, name: &str) -> String {
    let cls = vm.type_of(recv);
    let t = defining_type(vm, &cls, name);
    format!("<method '{}' of '{}' objects>", name, type_display(&t))
}

/// The label of a builtin callee (`<built-in method time.sleep>`).
pub fn builtin_label(vm: &mut Vm, callee: &ObjRef) -> String {
    if let Some(m) = callee.downcast::<MethodDescr>() {
        return match m.kind {
            MethodKind::Instance => format!(
                "<method '{}' of '{}' objects>",
                m.name,
                type_display(&m.owner)
            ),
            MethodKind::Class | MethodKind::Static => format!("<built-in method {}>", m.name),
        };
    }
    if let Some(b) = callee.downcast::<BuiltinFunction>() {
        return match (&b.bound, b.module) {
            // A class method bound to its type (`dict.fromkeys`).
            (Some(Value::Obj(t)), _) if b.is_method && t.downcast::<TypeObj>().is_some() => {
                format!("<built-in method {}>", b.name)
            }
            (Some(recv), _) if b.is_method => method_of(vm, &recv.clone(), b.name),
            (None, Some(m)) => format!("<built-in method {}.{}>", module_alias(m), b.name),
            (Some(Value::Obj(state)), None) if state.downcast::<TypeObj>().is_none() => {
                method_of(vm, &Value::Obj(state.clone()), b.name)
            }
            (_, Some(m)) => format!("<built-in method {}.{}>", module_alias(m), b.name),
            _ => format!("<built-in method {}>", b.name),
        };
    }
    vm.repr(&Value::Obj(callee.clone())).unwrap_or_default()
}
