//! The embedding API: create an interpreter, run a file or source string as
//! `__main__` (with CPython's exit-status rules), evaluate code, call mini
//! functions from Rust, register native modules and embedded sources, and
//! shut down (atexit handlers, finalizers, flushing the streams).

use crate::compile::Mode;
use crate::error::Error;
use crate::modules::ModuleInit;
use crate::object::dict::Dict;
use crate::object::kind::Kind;
use crate::object::module::Module;
use crate::object::rc::ObjRef;
use crate::object::value::Value;
use crate::vm::args::Args;
use crate::vm::{PyErr, Vm};

/// Default Rust stack budget for the interpreter (the binary runs it on a
/// thread with a larger stack; embedders on an 8 MiB main thread get this).
pub const DEFAULT_STACK_BUDGET: usize = 6 << 20;

/// See [`Interpreter::input_state`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputState {
    Complete,
    Incomplete,
}

pub struct Interpreter {
    vm: Box<Vm>,
}

impl Default for Interpreter {
    fn default() -> Self {
        Interpreter::new()
    }
}

impl Interpreter {
    pub fn new() -> Interpreter {
        Interpreter::with_stack_budget(DEFAULT_STACK_BUDGET)
    }

    /// An interpreter that may use `bytes` of Rust stack below this call.
    pub fn with_stack_budget(bytes: usize) -> Interpreter {
        Interpreter { vm: Vm::new(bytes) }
    }

    pub fn vm(&mut self) -> &mut Vm {
        &mut self.vm
    }

    /// Registers a native module importable as `name`.
    pub fn register_module(&mut self, name: &str, init: ModuleInit) {
        self.vm.registry.add_native(name, init);
    }

    /// Registers the source of a module written in mini.
    pub fn register_source(&mut self, name: &str, src: &'static str) {
        self.vm.registry.add_source(name, src);
    }

    /// Sets `sys.argv` and the first import directory (`sys.path[0]`).
    pub fn set_argv(&mut self, argv: &[String], path0: Option<&str>) {
        crate::modules::sys::set_argv(&mut self.vm, argv, path0);
    }

    /// Verifies the collector's invariants over every tracked object (see
    /// `gc::check`); Err describes the first violation.
    pub fn check_heap(&self) -> Result<crate::gc::check::HeapCheck, String> {
        crate::gc::check::check_heap()
    }

    /// Applies the command line's `-X` options (see `sys::set_xoptions`);
    /// call before running the program.
    pub fn set_xoptions(&mut self, xoptions: &[String]) {
        crate::modules::sys::set_xoptions(&mut self.vm, xoptions);
    }

    /// Imports `faulthandler` and enables it, as `-X faulthandler` or
    /// `MINIFAULTHANDLER` ask (see `modules::faulthandler::requested`).
    pub fn enable_faulthandler(&mut self) -> Result<(), PyErr> {
        crate::modules::faulthandler::enable_at_startup(&mut self.vm)
    }

    /// The `__main__` module (created on first use).
    pub fn main_module(&mut self) -> ObjRef {
        let vm = &mut *self.vm;
        let key = vm.intern("__main__");
        if let Some(Value::Obj(m)) = vm.sys_modules.downcast::<Dict>().unwrap().get_str(&key) {
            return m;
        }
        let m = vm.new_module("__main__");
        m.downcast::<Module>()
            .unwrap()
            .origin
            .set(crate::object::module::Origin::BuiltIn);
        let d = m.downcast::<Module>().unwrap().dict.clone();
        let b = vm.builtins_module.clone();
        vm.set_in(&d, "__builtins__", Value::Obj(b));
        vm.set_in(&d, "__package__", Value::None);
        vm.set_in(&d, "__spec__", Value::None);
        vm.set_in(&d, "__loader__", Value::None);
        vm.sys_modules
            .downcast::<Dict>()
            .unwrap()
            .set_str(&key, Value::Obj(m.clone()));
        m
    }

    fn main_dict(&mut self) -> ObjRef {
        let m = self.main_module();
        let d = m.downcast::<Module>().unwrap().dict.clone();
        d
    }

    /// Runs `src` as the `__main__` module's code.
    pub fn run_source(&mut self, src: &str, filename: &str) -> Result<Value, PyErr> {
        let d = self.main_dict();
        let vm = &mut *self.vm;
        vm.remember_source(filename, src);
        let code = vm.compile_source(src, filename, Mode::Exec)?;
        vm.run_code(&code, &d, None)
    }

    /// Runs a file as `__main__` (sets `__file__`). As in CPython 3.9+,
    /// the code's filename and `__file__` are the absolute path.
    pub fn run_file(&mut self, path: &str) -> Result<Value, PyErr> {
        let abs = std::path::absolute(path)
            .map(|p| p.to_string_lossy().to_string())
            .unwrap_or_else(|_| path.to_string());
        let path = abs.as_str();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => return Err(self.vm.io_error(&e, path)),
        };
        let src = match mini_syntax::decode_source(&bytes, path) {
            Ok(s) => s,
            Err(e) => return Err(self.vm.syntax_error_from(&e)),
        };
        let d = self.main_dict();
        let f = self.vm.str_val(path);
        self.vm.set_in(&d, "__file__", f);
        self.vm.main_path = Some(path.to_string());
        self.run_source(&src, path)
    }

    /// Runs module `name` as `__main__` (`mini -m name`): `sys.argv[0]`
    /// becomes the module's path, as with `python -m`.
    pub fn run_module(&mut self, name: &str) -> Result<Value, PyErr> {
        let (src, filename, is_file) = self.vm.find_main_source(name)?;
        let d = self.main_dict();
        let vm = &mut *self.vm;
        if is_file {
            let f = vm.str_val(&filename);
            vm.set_in(&d, "__file__", f.clone());
            vm.main_path = Some(filename.clone());
            if let Some(Value::Obj(argv)) = vm.sys_attr("argv") {
                if let Some(l) = argv.downcast::<crate::object::list::List>() {
                    if let Some(slot) = l.items.borrow_mut().first_mut() {
                        *slot = f;
                    }
                }
            }
        }
        let pkg = name.rsplit_once('.').map(|(a, _)| a).unwrap_or("");
        let pv = vm.str_val(pkg);
        vm.set_in(&d, "__package__", pv);
        vm.remember_source(&filename, &src);
        let code = vm.compile_source(&src, &filename, Mode::Exec)?;
        vm.run_code(&code, &d, None)
    }

    /// Evaluates an expression in `__main__`'s namespace.
    pub fn eval(&mut self, expr: &str) -> Result<Value, PyErr> {
        let d = self.main_dict();
        let vm = &mut *self.vm;
        let code = vm.compile_source(expr, "<string>", Mode::Eval)?;
        vm.run_code(&code, &d, None)
    }

    /// Runs one REPL input (`single` mode: expression values are echoed).
    pub fn run_interactive(&mut self, src: &str) -> Result<Value, PyErr> {
        let d = self.main_dict();
        let vm = &mut *self.vm;
        vm.remember_source("<stdin>", src);
        let code = vm.compile_source(src, "<stdin>", Mode::Single)?;
        let r = vm.run_code(&code, &d, None);
        vm.run_finalizers();
        r
    }

    /// Calls a global function of `__main__` by name.
    pub fn call_function(&mut self, name: &str, args: Vec<Value>) -> Result<Value, Error> {
        let d = self.main_dict();
        let key = self.vm.intern(name);
        let f = d.downcast::<Dict>().unwrap().get_str(&key);
        let Some(f) = f else {
            let e = self.vm.name_not_defined(&key);
            return Err(self.to_error(e));
        };
        match self.vm.call_value(&f, Args::new(args)) {
            Ok(v) => Ok(v),
            Err(e) => Err(self.to_error(e)),
        }
    }

    /// Converts a Python exception into the Rust error type.
    pub fn to_error(&mut self, e: PyErr) -> Error {
        let vm = &mut *self.vm;
        let type_name = vm.type_name(&Value::Obj(e.exc.clone()));
        let message = vm.to_str(&Value::Obj(e.exc.clone())).unwrap_or_default();
        let traceback = vm.format_exception(&e.exc);
        Error::Exception {
            type_name,
            message,
            traceback,
        }
    }

    /// True when `e` is a `SystemExit` (the REPL exits on it).
    pub fn is_system_exit(&mut self, e: &PyErr) -> bool {
        let se = self.vm.types.exc.system_exit.clone();
        self.vm.isinstance(&Value::Obj(e.exc.clone()), &se)
    }

    /// Prints an uncaught exception the way CPython does: through
    /// `sys.excepthook` when a program replaced it, else the traceback.
    pub fn print_error(&mut self, e: &PyErr) {
        let vm = &mut *self.vm;
        vm.flush_std_streams();
        let hook = vm.sys_attr("excepthook");
        let default = matches!(&hook, Some(Value::Obj(h)) if h.kind() == Kind::BuiltinFunction);
        match hook {
            Some(h) if !default => {
                let t = Value::Obj(e.exc.class());
                let tb = crate::vm::unwind::exc_base(&e.exc)
                    .map(|b| b.traceback.borrow().clone())
                    .unwrap_or(Value::None);
                if let Err(e2) = vm.call(&h, vec![t, Value::Obj(e.exc.clone()), tb]) {
                    vm.print_exception(&e2.exc);
                }
            }
            _ => vm.print_exception(&e.exc),
        }
        vm.flush_std_streams();
    }

    /// What CPython does with an exception that reached the top level:
    /// SystemExit gives its status; anything else prints its traceback and
    /// gives status 1 (130 for KeyboardInterrupt).
    pub fn report_exit(&mut self, e: PyErr) -> i32 {
        if self.is_system_exit(&e) {
            let vm = &mut *self.vm;
            let n = vm.intern("code");
            let code = vm
                .get_attr(&Value::Obj(e.exc.clone()), &n)
                .unwrap_or(Value::None);
            return match code {
                Value::None => 0,
                Value::Int(i) => i as i32,
                Value::Bool(b) => b as i32,
                other => {
                    let s = vm.to_str(&other).unwrap_or_default();
                    vm.flush_std_streams();
                    vm.write_stderr(&format!("{s}\n"));
                    1
                }
            };
        }
        self.print_error(&e);
        let vm = &mut *self.vm;
        let ki = vm.types.exc.keyboard_interrupt.clone();
        if vm.isinstance(&Value::Obj(e.exc.clone()), &ki) {
            130
        } else {
            1
        }
    }

    /// Classifies REPL input: run it, ask for more lines, or run it to
    /// report its syntax error. A compound statement (or any input of more
    /// than one line) is complete only once a blank line ends it, as in
    /// CPython's REPL.
    pub fn input_state(src: &str) -> InputState {
        let lines: Vec<&str> = src.split('\n').collect();
        let ends_blank = lines.len() > 1 && lines.last().is_some_and(|l| l.trim().is_empty());
        match mini_syntax::parse_interactive(src, "<stdin>") {
            Err(e) if e.incomplete && !ends_blank => InputState::Incomplete,
            Err(e) if e.incomplete => {
                // A blank line ends a block but not an open bracket or string.
                if e.msg.contains("was never closed")
                    || e.msg.contains("unterminated triple-quoted")
                {
                    InputState::Incomplete
                } else {
                    InputState::Complete
                }
            }
            Err(_) => InputState::Complete,
            Ok(m) => {
                let first = src.trim_start();
                let compound = first.starts_with('@')
                    || [
                        "if", "for", "while", "def", "class", "with", "try", "async", "match",
                    ]
                    .iter()
                    .any(|k| {
                        first
                            .strip_prefix(k)
                            .is_some_and(|r| r.starts_with([' ', '(', ':', '\t']))
                    });
                if m.body.is_empty()
                    || ends_blank
                    || (!compound && lines.iter().filter(|l| !l.trim().is_empty()).count() <= 1)
                {
                    InputState::Complete
                } else {
                    InputState::Incomplete
                }
            }
        }
    }

    /// Interpreter shutdown in CPython's order: atexit handlers, module
    /// teardown with the collections and finalizers it triggers, stream
    /// flushing (`vm/shutdown.rs`).
    pub fn shutdown(&mut self) {
        self.vm.finalize_interpreter();
    }
}
