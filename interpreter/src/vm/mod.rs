//! The virtual machine: interpreter state (`Vm`), the register stack and
//! frame stack, and the constructors and error helpers the rest of the
//! runtime uses. Execution itself is in `dispatch.rs` (read that first);
//! calls in `call.rs`, exception propagation in `unwind.rs`.
//!
//! Invariants: `frames` holds the active Python frames, innermost last; each
//! frame's registers are `stack[base..base+code.nregs]`; there is one `Vm`
//! per thread at a time (the heap state it registers is thread-local).

pub mod args;
pub mod arith;
pub mod attr;
pub mod call;
pub mod classes;
pub mod compare;
pub mod dictops;
pub mod dispatch;
pub mod format;
pub mod frame;
pub mod frameobj;
pub mod generator;
pub mod hash;
pub mod import;
pub mod iter;
pub mod names;
pub mod native;
pub mod objattrs;
pub mod repr;
pub mod safepoint;
pub mod seq;
pub mod setops;
pub mod shutdown;
pub mod sizeof;
pub mod stack;
pub mod traceback;
pub mod trap;
pub mod types;
pub mod unwind;
pub mod vars;

use std::cell::RefCell;

use num_bigint::BigInt;
use num_traits::ToPrimitive;
use rustc_hash::FxHashMap;

use crate::compile::code::Code;
use crate::object::dict::Dict;
use crate::object::exception::ExcBase;
use crate::object::instance::{inst_vtable_for, Inst, InstExt};
use crate::object::int::IntObj;
use crate::object::kind::Kind;
use crate::object::list::List;
use crate::object::module::{Module, Singleton};
use crate::object::rc::{alloc_raw, vtable_of, ObjRef, Payload, FLAG_IMMORTAL};
use crate::object::str::Str;
use crate::object::tuple::Tuple;
use crate::object::typeobj::TypeObj;
use crate::object::value::Value;
use frame::Frame;
use names::Names;
use stack::RegStack;
use trap::Trap;
use types::Types;

/// A raised exception: an exception instance.
#[derive(Clone, Debug)]
pub struct PyErr {
    pub exc: ObjRef,
}

pub type PyResult<T = Value> = Result<T, PyErr>;

/// Maximum number of values in the register stack.
const STACK_SLOTS: usize = 1 << 23;

pub struct Vm {
    pub(crate) stack: RegStack,
    pub(crate) frames: Vec<Frame>,
    pub(crate) trap: Box<Trap>,
    pub types: Types,
    pub names: Names,
    pub builtins: ObjRef,
    pub builtins_module: ObjRef,
    pub sys_modules: ObjRef,
    pub sys_module: Option<ObjRef>,
    interner: FxHashMap<Box<str>, ObjRef>,
    pub empty_tuple: ObjRef,
    pub empty_str: ObjRef,
    pub ellipsis: ObjRef,
    pub not_implemented: ObjRef,
    /// The function REPL expression statements call (`sys.displayhook`).
    pub displayhook: ObjRef,
    /// One-character strings for code points below 256.
    pub(crate) chars: Vec<ObjRef>,
    pub recursion_limit: usize,
    /// Exceptions being handled (innermost last), for `sys.exc_info` and bare `raise`.
    pub(crate) exc_stack: Vec<Value>,
    /// Nesting of Rust-level re-entries into the dispatch loop.
    pub(crate) native_depth: usize,
    /// Address near the bottom of the Rust stack and the usable size below it.
    pub(crate) stack_top: usize,
    pub(crate) stack_budget: usize,
    pub hooks: crate::hooks::Hooks,
    pub registry: crate::modules::Registry,
    /// Source text of files, for tracebacks (CPython's linecache).
    pub(crate) sources: RefCell<FxHashMap<String, std::rc::Rc<str>>>,
    /// Set when `sys.exit`/`SystemExit` asked the program to stop.
    pub argv: Vec<String>,
    /// Instructions executed, counted only while a hook asks for it.
    pub instr_count: u64,
    /// Registered atexit callbacks.
    pub(crate) atexit: Vec<(Value, args::Args)>,
    pub(crate) main_path: Option<String>,
    /// Objects whose repr is being computed (recursion guard for containers).
    pub(crate) repr_stack: Vec<usize>,
    /// `sys.set_int_max_str_digits` (CPython 3.11's default 4300).
    pub int_max_str_digits: usize,
    pub gc_state: crate::gc::GcState,
    /// An error raised by a hook where it could not propagate; raised at
    /// the next instruction.
    pub(crate) pending_hook_error: Option<PyErr>,
    /// Work queued for the next safe point (TRAP_ASYNC).
    pub async_jobs: Vec<Box<dyn FnOnce(&mut Vm) -> PyResult<()>>>,
    pub(crate) signal_handlers: FxHashMap<i64, Value>,
    /// The process's stdin, stdout and stderr stream objects.
    pub(crate) std_streams: Option<(ObjRef, ObjRef, ObjRef)>,
    /// Builtin types created by modules (`TextIOWrapper`, `StringIO`, ...).
    pub(crate) extra_types: FxHashMap<&'static str, ObjRef>,
    /// A class attribute was set or deleted after class creation (turns off
    /// the method-call shortcut that trusts `TF_SHADOWED`).
    pub(crate) classes_mutated: bool,
    /// Struct sequence classes (by address) and their field specs.
    pub(crate) structseq_specs: FxHashMap<usize, &'static crate::modules::structseq::Spec>,
    /// True while the interpreter shuts down.
    pub finalizing: bool,
    /// Shutdown removed the modules: tracebacks show no source lines.
    pub(crate) modules_removed: bool,
}

impl Vm {
    /// Creates an interpreter on the current thread. `stack_budget` is how
    /// many bytes of Rust stack the interpreter may use below this call.
    pub fn new(stack_budget: usize) -> Box<Vm> {
        let types = Types::create();
        let mut interner: FxHashMap<Box<str>, ObjRef> = FxHashMap::default();
        let str_type = types.str.clone();
        let mut intern = |s: &str| -> ObjRef {
            if let Some(o) = interner.get(s) {
                return o.clone();
            }
            let o = unsafe { alloc_raw(vtable_of::<Str>(), str_type.as_ptr(), Str::new(s)) };
            o.set_flag(FLAG_IMMORTAL);
            interner.insert(s.into(), o.clone());
            o
        };
        let names = Names::new(&mut intern);
        let empty_str = intern("");
        let chars: Vec<ObjRef> = (0u32..256)
            .map(|c| intern(&char::from_u32(c).unwrap().to_string()))
            .collect();
        let tuple_t = types.tuple.clone();
        let empty_tuple =
            unsafe { alloc_raw(vtable_of::<Tuple>(), tuple_t.as_ptr(), Tuple::new(vec![])) };
        crate::gc::heap::untrack(&empty_tuple);
        let mk_single = |name: &'static str, t: &ObjRef| {
            let o = unsafe { alloc_raw(vtable_of::<Singleton>(), t.as_ptr(), Singleton { name }) };
            o.set_flag(FLAG_IMMORTAL);
            o
        };
        let ellipsis = mk_single("Ellipsis", &types.ellipsis_type);
        let not_implemented = mk_single("NotImplemented", &types.notimpl_type);
        let dict_t = types.dict.clone();
        let mk_dict = || unsafe { alloc_raw(vtable_of::<Dict>(), dict_t.as_ptr(), Dict::new()) };
        let builtins = mk_dict();
        let sys_modules = mk_dict();
        let module_t = types.module.clone();
        let builtins_module = unsafe {
            alloc_raw(
                vtable_of::<Module>(),
                module_t.as_ptr(),
                Module {
                    dict: builtins.clone(),
                    origin: std::cell::Cell::new(crate::object::module::Origin::BuiltIn),
                },
            )
        };
        let placeholder = empty_str.clone();
        let mut vm = Box::new(Vm {
            stack: RegStack::new(STACK_SLOTS),
            frames: Vec::with_capacity(64),
            trap: Box::new(Trap::new()),
            types,
            names,
            builtins,
            builtins_module,
            sys_modules,
            sys_module: None,
            interner,
            empty_tuple,
            empty_str,
            ellipsis,
            not_implemented,
            displayhook: placeholder,
            chars,
            recursion_limit: 1000,
            exc_stack: Vec::new(),
            native_depth: 0,
            stack_top: 0,
            stack_budget,
            hooks: Default::default(),
            registry: Default::default(),
            sources: RefCell::new(FxHashMap::default()),
            argv: Vec::new(),
            instr_count: 0,
            atexit: Vec::new(),
            main_path: None,
            repr_stack: Vec::new(),
            int_max_str_digits: 4300,
            gc_state: Default::default(),
            pending_hook_error: None,
            async_jobs: Vec::new(),
            signal_handlers: FxHashMap::default(),
            std_streams: None,
            extra_types: FxHashMap::default(),
            classes_mutated: false,
            structseq_specs: FxHashMap::default(),
            finalizing: false,
            modules_removed: false,
        });
        let marker = 0u8;
        vm.stack_top = &marker as *const u8 as usize;
        crate::gc::heap::set_trap(&*vm.trap as *const Trap);
        crate::modules::install_core(&mut vm);
        crate::modules::sys::install_streams(&mut vm);
        vm
    }

    /// A builtin type created on demand by a module (kept for the VM's life).
    pub fn extra_type(&mut self, name: &'static str, module: &str) -> ObjRef {
        if let Some(t) = self.extra_types.get(name) {
            return t.clone();
        }
        let t = types::new_builtin_type(
            &self.types.type_,
            &self.types.dict,
            name,
            &self.types.object,
            Kind::Native,
            0,
        );
        if let Some(tp) = t.downcast::<TypeObj>() {
            tp.module_name.replace(module.to_string());
        }
        self.extra_types.insert(name, t.clone());
        t
    }

    // ----- strings -----

    /// The interned (shared, immortal) str object for `s`.
    pub fn intern(&mut self, s: &str) -> ObjRef {
        if let Some(o) = self.interner.get(s) {
            return o.clone();
        }
        let o = self.alloc(&self.types.str.clone(), Str::new(s));
        o.set_flag(FLAG_IMMORTAL);
        self.interner.insert(s.into(), o.clone());
        o
    }

    /// The interned version of a str object (`sys.intern`).
    pub fn intern_obj(&mut self, o: &ObjRef) -> ObjRef {
        match o.downcast::<Str>() {
            Some(s) if !o.owns_cls() => {
                let text = s.as_str().to_string();
                if let Some(i) = self.interner.get(text.as_str()) {
                    return i.clone();
                }
                self.interner.insert(text.into(), o.clone());
                o.clone()
            }
            _ => o.clone(),
        }
    }

    /// A new str object (one-character strings below U+0100 are shared).
    pub fn new_str(&mut self, s: &str) -> ObjRef {
        if s.is_empty() {
            return self.empty_str.clone();
        }
        let b = s.as_bytes();
        if b.len() == 1 {
            return self.chars[b[0] as usize].clone();
        }
        if b.len() == 2 && b[0] < 0xc4 {
            if let Some(c) = s.chars().next() {
                if (c as u32) < 256 && c.len_utf8() == 2 {
                    return self.chars[c as usize].clone();
                }
            }
        }
        let t = self.types.str.clone();
        self.alloc(&t, Str::new(s))
    }

    pub fn new_string(&mut self, s: String) -> ObjRef {
        if s.len() <= 2 {
            return self.new_str(&s);
        }
        let t = self.types.str.clone();
        self.alloc(&t, Str::new(s))
    }

    pub fn str_val(&mut self, s: &str) -> Value {
        Value::Obj(self.new_str(s))
    }

    /// The one-character string for `c`.
    pub fn char_str(&mut self, c: char) -> ObjRef {
        if (c as u32) < 256 {
            return self.chars[c as usize].clone();
        }
        let mut buf = [0u8; 4];
        let s = c.encode_utf8(&mut buf);
        let t = self.types.str.clone();
        self.alloc(&t, Str::new(&*s))
    }

    // ----- allocation -----

    /// Allocates a builtin object of type `cls` with payload `data`.
    #[inline]
    pub fn alloc<T: Payload>(&self, cls: &ObjRef, data: T) -> ObjRef {
        // SAFETY: vtable_of::<T> matches the payload; cls is a type object.
        unsafe { alloc_raw(vtable_of::<T>(), cls.as_ptr(), data) }
    }

    /// Allocates an instance of `cls`: an exact builtin object when `cls` is
    /// the builtin type itself, else an `Inst<T>` carrying the class.
    pub fn alloc_instance<T: Payload>(&self, cls: &ObjRef, builtin: &ObjRef, data: T) -> ObjRef {
        if cls.is(builtin) {
            return self.alloc(cls, data);
        }
        let tp = cls.downcast::<TypeObj>().expect("class");
        let nslots = tp.slot_names.borrow().len();
        let vt = inst_vtable_for(T::KIND).expect("subclassable builtin");
        let inst = Inst {
            base: data,
            ext: InstExt::new(nslots),
        };
        // SAFETY: inst_vtable_for(T::KIND) is the vtable of Inst<T>.
        unsafe { alloc_raw(vt, cls.as_ptr(), inst) }
    }

    pub fn new_tuple(&mut self, items: Vec<Value>) -> ObjRef {
        if items.is_empty() {
            return self.empty_tuple.clone();
        }
        let t = self.types.tuple.clone();
        self.alloc(&t, Tuple::new(items))
    }

    pub fn new_list(&mut self, items: Vec<Value>) -> ObjRef {
        let t = self.types.list.clone();
        self.alloc(&t, List::new(items))
    }

    pub fn new_dict(&mut self) -> ObjRef {
        let t = self.types.dict.clone();
        self.alloc(&t, Dict::new())
    }

    pub fn new_bytes(&mut self, b: Vec<u8>) -> ObjRef {
        let t = self.types.bytes.clone();
        self.alloc(&t, crate::object::bytes::Bytes::new(b))
    }

    /// An int value in canonical form (inline when it fits in an i64).
    pub fn new_bigint(&mut self, v: BigInt) -> Value {
        match v.to_i64() {
            Some(i) => Value::Int(i),
            None => {
                let t = self.types.int.clone();
                Value::Obj(self.alloc(&t, IntObj { value: v }))
            }
        }
    }

    pub fn new_code(&mut self, c: Code) -> ObjRef {
        let t = self.types.code.clone();
        self.alloc(&t, c)
    }

    pub fn new_module(&mut self, name: &str) -> ObjRef {
        let d = self.new_dict();
        let n = self.new_str(name);
        d.downcast::<Dict>()
            .unwrap()
            .set_str(&self.names.name.clone(), Value::Obj(n));
        d.downcast::<Dict>()
            .unwrap()
            .set_str(&self.names.doc.clone(), Value::None);
        let t = self.types.module.clone();
        self.alloc(&t, Module::new(d))
    }

    // ----- types of values -----

    /// The class of a value.
    #[inline]
    pub fn type_of(&self, v: &Value) -> ObjRef {
        match v {
            Value::Obj(o) => o.class(),
            Value::Int(_) => self.types.int.clone(),
            Value::Float(_) => self.types.float.clone(),
            Value::Bool(_) => self.types.bool.clone(),
            Value::None | Value::Undef => self.types.none_type.clone(),
        }
    }

    /// The class pointer of a value, for identity tests.
    #[inline]
    pub fn type_ptr(&self, v: &Value) -> *const crate::object::rc::Header {
        match v {
            Value::Obj(o) => o.class_ptr(),
            Value::Int(_) => self.types.int.as_ptr(),
            Value::Float(_) => self.types.float.as_ptr(),
            Value::Bool(_) => self.types.bool.as_ptr(),
            Value::None | Value::Undef => self.types.none_type.as_ptr(),
        }
    }

    /// `type(v).__name__`.
    pub fn type_name(&self, v: &Value) -> String {
        let t = self.type_of(v);
        t.downcast::<TypeObj>()
            .map(|t| t.name())
            .unwrap_or_default()
    }

    /// Whether class `a` is `b` or derives from it.
    pub fn is_subclass(&self, a: &ObjRef, b: &ObjRef) -> bool {
        if a.is(b) {
            return true;
        }
        match a.downcast::<TypeObj>() {
            Some(t) => t.mro.borrow().iter().any(|c| c.is(b)),
            None => false,
        }
    }

    /// isinstance(v, cls) for a class (no tuples, no `__instancecheck__`).
    pub fn isinstance(&self, v: &Value, cls: &ObjRef) -> bool {
        let t = self.type_of(v);
        self.is_subclass(&t, cls)
    }

    // ----- exceptions -----

    /// A new exception instance of class `cls` with `args`.
    pub fn new_exception(&mut self, cls: &ObjRef, args: Vec<Value>) -> ObjRef {
        let a = self.new_tuple(args);
        let vt = crate::object::instance::exc_vtable();
        let inst = Inst {
            base: ExcBase::new(a),
            ext: InstExt::new(0),
        };
        // SAFETY: exc_vtable is Inst<ExcBase>'s vtable; cls is a class.
        unsafe { alloc_raw(vt, cls.as_ptr(), inst) }
    }

    pub fn new_error(&mut self, cls: &ObjRef, msg: impl Into<String>) -> PyErr {
        let m = msg.into();
        let s = self.new_string(m);
        let cls = cls.clone();
        PyErr {
            exc: self.new_exception(&cls, vec![Value::Obj(s)]),
        }
    }

    pub fn type_error(&mut self, msg: impl Into<String>) -> PyErr {
        let c = self.types.exc.type_error.clone();
        self.new_error(&c, msg)
    }
    pub fn value_error(&mut self, msg: impl Into<String>) -> PyErr {
        let c = self.types.exc.value_error.clone();
        self.new_error(&c, msg)
    }
    pub fn index_error(&mut self, msg: impl Into<String>) -> PyErr {
        let c = self.types.exc.index_error.clone();
        self.new_error(&c, msg)
    }
    pub fn attribute_error(&mut self, msg: impl Into<String>) -> PyErr {
        let c = self.types.exc.attribute_error.clone();
        self.new_error(&c, msg)
    }
    pub fn name_error(&mut self, msg: impl Into<String>) -> PyErr {
        let c = self.types.exc.name_error.clone();
        self.new_error(&c, msg)
    }
    pub fn zero_division(&mut self, msg: impl Into<String>) -> PyErr {
        let c = self.types.exc.zero_division_error.clone();
        self.new_error(&c, msg)
    }
    pub fn overflow_error(&mut self, msg: impl Into<String>) -> PyErr {
        let c = self.types.exc.overflow_error.clone();
        self.new_error(&c, msg)
    }
    pub fn runtime_error(&mut self, msg: impl Into<String>) -> PyErr {
        let c = self.types.exc.runtime_error.clone();
        self.new_error(&c, msg)
    }
    pub fn recursion_error(&mut self, msg: impl Into<String>) -> PyErr {
        let c = self.types.exc.recursion_error.clone();
        self.new_error(&c, msg)
    }
    pub fn os_error(&mut self, msg: impl Into<String>) -> PyErr {
        let c = self.types.exc.os_error.clone();
        self.new_error(&c, msg)
    }
    pub fn import_error(&mut self, msg: impl Into<String>) -> PyErr {
        let c = self.types.exc.import_error.clone();
        self.new_error(&c, msg)
    }
    /// KeyError(key): its str is the repr of the key.
    pub fn key_error(&mut self, key: Value) -> PyErr {
        let c = self.types.exc.key_error.clone();
        PyErr {
            exc: self.new_exception(&c, vec![key]),
        }
    }
    pub fn stop_iteration(&mut self, value: Value) -> PyErr {
        let c = self.types.exc.stop_iteration.clone();
        let args = if value.is_none() { vec![] } else { vec![value] };
        PyErr {
            exc: self.new_exception(&c, args),
        }
    }

    /// Whether an error is an instance of exception class `cls`.
    pub fn err_is(&self, e: &PyErr, cls: &ObjRef) -> bool {
        self.is_subclass(&e.exc.class(), cls)
    }

    /// Bytes of Rust stack still usable before RecursionError.
    pub(crate) fn check_native_stack(&mut self) -> PyResult<()> {
        let marker = 0u8;
        let here = &marker as *const u8 as usize;
        let used = self.stack_top.saturating_sub(here);
        if used > self.stack_budget {
            return Err(self.recursion_error("maximum recursion depth exceeded"));
        }
        Ok(())
    }

    /// Current Python-level depth (frames plus native re-entries).
    pub fn depth(&self) -> usize {
        self.frames.len() + self.native_depth
    }

    /// Registers the file's source text for tracebacks.
    pub fn remember_source(&self, filename: &str, src: &str) {
        self.sources
            .borrow_mut()
            .insert(filename.to_string(), std::rc::Rc::from(src));
    }

    /// Line `lineno` (1-based) of a file, for tracebacks.
    pub fn source_line(&self, filename: &str, lineno: usize) -> Option<String> {
        if lineno == 0 {
            return None;
        }
        let cached = self.sources.borrow().get(filename).cloned();
        let text = match cached {
            Some(t) => t,
            None => {
                let bytes = std::fs::read(filename).ok()?;
                let t: std::rc::Rc<str> =
                    std::rc::Rc::from(String::from_utf8_lossy(&bytes).as_ref());
                self.sources
                    .borrow_mut()
                    .insert(filename.to_string(), t.clone());
                t
            }
        };
        text.split('\n')
            .nth(lineno - 1)
            .map(|l| l.trim_end_matches('\r').to_string())
    }
}

/// True when `v` is a method implemented natively by a builtin type (the
/// interpreter then runs the operation natively instead of calling it).
/// Native methods installed on classes created at run time (struct
/// sequences) are called like Python methods.
#[inline]
pub(crate) fn is_builtin_slot(v: &Value) -> bool {
    match v {
        Value::Obj(o) if o.kind() == crate::object::kind::Kind::MethodDescr => o
            .downcast::<crate::object::function::MethodDescr>()
            .and_then(|m| {
                m.owner
                    .downcast::<TypeObj>()
                    .map(|t| !t.has(crate::object::typeobj::TF_HEAP))
            })
            .unwrap_or(true),
        _ => false,
    }
}

impl Vm {
    /// Pushes a frame, writing it in place (the common case never grows the
    /// vector, so this stays small enough to inline into the call paths).
    #[inline(always)]
    pub(crate) fn push_frame_raw(&mut self, f: Frame) {
        if self.frames.len() == self.frames.capacity() {
            self.grow_frames();
        }
        let n = self.frames.len();
        // SAFETY: capacity > n was ensured above; the slot is written once
        // and then counted by set_len.
        unsafe {
            std::ptr::write(self.frames.as_mut_ptr().add(n), f);
            self.frames.set_len(n + 1);
        }
    }

    #[cold]
    #[inline(never)]
    fn grow_frames(&mut self) {
        self.frames.reserve(self.frames.len().max(64));
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        // Break every remaining cycle so an embedder that drops the
        // interpreter gets its memory back (the binary exits without this).
        self.finalizing = true;
        crate::modules::faulthandler::detach(self);
        self.clear_all_tracked();
        crate::gc::heap::set_trap(std::ptr::null());
        crate::gc::alloc_trace::forget_vm(self);
        crate::modules::signal::clear_main_trap();
    }
}
