//! The embedding API as a Rust program uses it: running sources, calling a
//! mini function from Rust, registering a native module, errors coming back
//! as `Error` values, and REPL completion.

use mini_interpreter::vm::args::Args;
use mini_interpreter::{Interpreter, PyResult, Value, Vm};

fn double(_vm: &mut Vm, args: Args) -> PyResult<Value> {
    match args.pos.first() {
        Some(Value::Int(i)) => Ok(Value::Int(i * 2)),
        _ => Ok(Value::None),
    }
}

fn init_native(vm: &mut Vm) -> PyResult<mini_interpreter::ObjRef> {
    Ok(vm.make_module("native_demo", |vm, d| {
        vm.add_function(d, "native_demo", "double", double);
    }))
}

#[test]
fn run_source_and_call_function() {
    let mut interp = Interpreter::new();
    interp
        .run_source(
            "def add(a, b):\n    return a + b\nresult = add(2, 3)\n",
            "<test>",
        )
        .expect("runs");
    let v = interp
        .call_function("add", vec![Value::Int(40), Value::Int(2)])
        .expect("call");
    assert!(matches!(v, Value::Int(42)));
    let r = interp.eval("result * 10").expect("eval");
    assert!(matches!(r, Value::Int(50)));
}

#[test]
fn native_module_is_importable() {
    let mut interp = Interpreter::new();
    interp.register_module("native_demo", init_native);
    interp
        .run_source("import native_demo\nx = native_demo.double(21)\n", "<test>")
        .expect("runs");
    assert!(matches!(interp.eval("x").expect("eval"), Value::Int(42)));
}

#[test]
fn exceptions_become_errors() {
    let mut interp = Interpreter::new();
    interp
        .run_source("def boom():\n    raise ValueError('bad value')\n", "<test>")
        .expect("defines");
    match interp.call_function("boom", vec![]) {
        Err(mini_interpreter::Error::Exception {
            type_name,
            message,
            traceback,
        }) => {
            assert_eq!(type_name, "ValueError");
            assert_eq!(message, "bad value");
            assert!(traceback.contains("in boom"), "{traceback}");
        }
        other => panic!("expected an exception, got {:?}", other.is_ok()),
    }
    match interp.call_function("missing", vec![]) {
        Err(mini_interpreter::Error::Exception { type_name, .. }) => {
            assert_eq!(type_name, "NameError")
        }
        _ => panic!("expected NameError"),
    }
}

#[test]
fn completion_of_names_and_attributes() {
    let mut interp = Interpreter::new();
    interp
        .run_source(
            "import math\nclass Point:\n    def norm(self): pass\np = Point()\np.x_value = 1\n",
            "<test>",
        )
        .expect("runs");
    let c = interp.complete("pri");
    assert!(c.contains(&"print(".to_string()), "{c:?}");
    let c = interp.complete("whi");
    assert!(c.contains(&"while ".to_string()), "{c:?}");
    let c = interp.complete("math.sq");
    assert_eq!(c, vec!["math.sqrt(".to_string()]);
    let c = interp.complete("p.");
    assert!(
        c.contains(&"p.norm(".to_string()) && c.contains(&"p.x_value".to_string()),
        "{c:?}"
    );
    assert!(!c.iter().any(|s| s.starts_with("p._")), "{c:?}");
    // Completion never calls: `f().x` is not evaluated.
    assert!(interp.complete("print().x").is_empty());
}
