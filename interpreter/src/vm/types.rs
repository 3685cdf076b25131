//! The builtin type objects and the builtin exception hierarchy, created once
//! per interpreter. `type`, `object` and `dict` are created first with their
//! class pointers patched afterwards (each refers to the others).
//! Invariant: builtin type objects are immortal: they outlive every object
//! whose `cls` points at them.

use std::cell::{Cell, RefCell};

use crate::object::dict::Dict;
use crate::object::kind::Kind;
use crate::object::rc::{alloc_raw, vtable_of, ObjRef, FLAG_IMMORTAL};
use crate::object::typeobj::*;

macro_rules! exceptions {
    ($root:ident; $($field:ident : $name:literal < $base:ident),* $(,)?) => {
        /// Builtin exception classes.
        pub struct ExcTypes {
            pub $root: ObjRef,
            $(pub $field: ObjRef,)*
        }
        impl ExcTypes {
            fn create(mk: &mut dyn FnMut(&str, &ObjRef) -> ObjRef, object: &ObjRef) -> ExcTypes {
                let $root = mk("BaseException", object);
                $(let $field = mk($name, &$base);)*
                ExcTypes { $root, $($field,)* }
            }
            /// (name, class) of every builtin exception, for the builtins module.
            pub fn all(&self) -> Vec<(&'static str, ObjRef)> {
                vec![("BaseException", self.$root.clone()), $(($name, self.$field.clone()),)*]
            }
        }
    };
}

exceptions! {
    base_exception;
    system_exit: "SystemExit" < base_exception,
    keyboard_interrupt: "KeyboardInterrupt" < base_exception,
    generator_exit: "GeneratorExit" < base_exception,
    exception: "Exception" < base_exception,
    stop_iteration: "StopIteration" < exception,
    stop_async_iteration: "StopAsyncIteration" < exception,
    arithmetic_error: "ArithmeticError" < exception,
    floating_point_error: "FloatingPointError" < arithmetic_error,
    overflow_error: "OverflowError" < arithmetic_error,
    zero_division_error: "ZeroDivisionError" < arithmetic_error,
    assertion_error: "AssertionError" < exception,
    attribute_error: "AttributeError" < exception,
    buffer_error: "BufferError" < exception,
    eof_error: "EOFError" < exception,
    import_error: "ImportError" < exception,
    module_not_found_error: "ModuleNotFoundError" < import_error,
    lookup_error: "LookupError" < exception,
    index_error: "IndexError" < lookup_error,
    key_error: "KeyError" < lookup_error,
    memory_error: "MemoryError" < exception,
    name_error: "NameError" < exception,
    unbound_local_error: "UnboundLocalError" < name_error,
    os_error: "OSError" < exception,
    blocking_io_error: "BlockingIOError" < os_error,
    child_process_error: "ChildProcessError" < os_error,
    connection_error: "ConnectionError" < os_error,
    broken_pipe_error: "BrokenPipeError" < connection_error,
    connection_aborted_error: "ConnectionAbortedError" < connection_error,
    connection_refused_error: "ConnectionRefusedError" < connection_error,
    connection_reset_error: "ConnectionResetError" < connection_error,
    file_exists_error: "FileExistsError" < os_error,
    file_not_found_error: "FileNotFoundError" < os_error,
    interrupted_error: "InterruptedError" < os_error,
    is_a_directory_error: "IsADirectoryError" < os_error,
    not_a_directory_error: "NotADirectoryError" < os_error,
    permission_error: "PermissionError" < os_error,
    process_lookup_error: "ProcessLookupError" < os_error,
    timeout_error: "TimeoutError" < os_error,
    reference_error: "ReferenceError" < exception,
    runtime_error: "RuntimeError" < exception,
    not_implemented_error: "NotImplementedError" < runtime_error,
    recursion_error: "RecursionError" < runtime_error,
    syntax_error: "SyntaxError" < exception,
    indentation_error: "IndentationError" < syntax_error,
    tab_error: "TabError" < indentation_error,
    system_error: "SystemError" < exception,
    type_error: "TypeError" < exception,
    value_error: "ValueError" < exception,
    unicode_error: "UnicodeError" < value_error,
    unicode_decode_error: "UnicodeDecodeError" < unicode_error,
    unicode_encode_error: "UnicodeEncodeError" < unicode_error,
    unicode_translate_error: "UnicodeTranslateError" < unicode_error,
    warning: "Warning" < exception,
    user_warning: "UserWarning" < warning,
    deprecation_warning: "DeprecationWarning" < warning,
    pending_deprecation_warning: "PendingDeprecationWarning" < warning,
    syntax_warning: "SyntaxWarning" < warning,
    runtime_warning: "RuntimeWarning" < warning,
    future_warning: "FutureWarning" < warning,
    import_warning: "ImportWarning" < warning,
    unicode_warning: "UnicodeWarning" < warning,
    bytes_warning: "BytesWarning" < warning,
    resource_warning: "ResourceWarning" < warning,
    encoding_warning: "EncodingWarning" < warning,
}

macro_rules! builtin_types {
    ($($field:ident : $name:literal, $kind:ident, $flags:expr);* $(;)?) => {
        /// The builtin (non-exception) types.
        pub struct Types {
            pub type_: ObjRef,
            pub object: ObjRef,
            pub dict: ObjRef,
            $(pub $field: ObjRef,)*
            pub exc: ExcTypes,
        }
        impl Types {
            pub fn create() -> Types {
                let (type_, object, dict) = bootstrap();
                let mk = |name: &str, kind: Kind, flags: u32, base: &ObjRef| {
                    new_builtin_type(&type_, &dict, name, base, kind, flags)
                };
                $(let $field = mk($name, Kind::$kind, $flags, &object);)*
                let mut mk_exc = |name: &str, base: &ObjRef| {
                    new_builtin_type(
                        &type_,
                        &dict,
                        name,
                        base,
                        Kind::Exception,
                        TF_BASETYPE | TF_EXCEPTION | TF_HAS_DICT,
                    )
                };
                let exc = ExcTypes::create(&mut mk_exc, &object);
                let t = Types { type_, object, dict, $($field,)* exc };
                // bool derives from int.
                set_base(&t.bool, &t.int);
                t
            }
            /// Every builtin type with its name (for the builtins module and repr).
            pub fn all(&self) -> Vec<(&'static str, ObjRef)> {
                vec![("type", self.type_.clone()), ("object", self.object.clone()), ("dict", self.dict.clone()), $(($name, self.$field.clone()),)*]
            }
        }
    };
}

const B: u32 = TF_BASETYPE;

builtin_types! {
    int: "int", Int, B;
    bool: "bool", Int, 0;
    float: "float", Float, B;
    str: "str", Str, B;
    bytes: "bytes", Bytes, B;
    bytearray: "bytearray", ByteArray, B;
    list: "list", List, B;
    tuple: "tuple", Tuple, B;
    set: "set", Set, B;
    frozenset: "frozenset", Set, B;
    none_type: "NoneType", Singleton, 0;
    notimpl_type: "NotImplementedType", Singleton, 0;
    ellipsis_type: "ellipsis", Singleton, 0;
    function: "function", Function, TF_WEAKREFABLE;
    builtin_function: "builtin_function_or_method", BuiltinFunction, 0;
    method_descriptor: "method_descriptor", MethodDescr, 0;
    method: "method", BoundMethod, TF_WEAKREFABLE;
    code: "code", Code, 0;
    module: "module", Module, B | TF_HAS_DICT | TF_WEAKREFABLE;
    cell: "cell", Cell, 0;
    generator: "generator", Generator, TF_WEAKREFABLE;
    range: "range", Range, 0;
    slice: "slice", Slice, 0;
    property: "property", Property, B;
    staticmethod: "staticmethod", StaticMethod, B;
    classmethod: "classmethod", ClassMethod, B;
    super_: "super", Super, B;
    frame: "frame", Frame, 0;
    traceback: "traceback", Traceback, 0;
    member_descriptor: "member_descriptor", MemberDescr, 0;
    getset_descriptor: "getset_descriptor", Native, 0;
    weakref: "weakref", WeakRef, B;
    list_iterator: "list_iterator", Iter, 0;
    list_reverseiterator: "list_reverseiterator", Iter, 0;
    tuple_iterator: "tuple_iterator", Iter, 0;
    range_iterator: "range_iterator", Iter, 0;
    str_iterator: "str_ascii_iterator", Iter, 0;
    bytes_iterator: "bytes_iterator", Iter, 0;
    dict_keyiterator: "dict_keyiterator", Iter, 0;
    dict_valueiterator: "dict_valueiterator", Iter, 0;
    dict_itemiterator: "dict_itemiterator", Iter, 0;
    dict_reversekeyiterator: "dict_reversekeyiterator", Iter, 0;
    set_iterator: "set_iterator", Iter, 0;
    seq_iterator: "iterator", Iter, 0;
    callable_iterator: "callable_iterator", Iter, 0;
    enumerate: "enumerate", Iter, B;
    zip: "zip", Iter, B;
    map: "map", Iter, B;
    filter: "filter", Iter, B;
    reversed: "reversed", Iter, B;
    dict_keys: "dict_keys", Native, 0;
    dict_values: "dict_values", Native, 0;
    dict_items: "dict_items", Native, 0;
    native: "native", Native, 0;
}

/// Creates `type`, `object` and `dict`, patching their mutual references.
fn bootstrap() -> (ObjRef, ObjRef, ObjRef) {
    let null = std::ptr::null();
    let mk_dict = || unsafe { alloc_raw(vtable_of::<Dict>(), null, Dict::new()) };
    let mk_type = |name: &str, kind: Kind, flags: u32| {
        let t = TypeObj {
            name: RefCell::new(name.to_string()),
            qualname: RefCell::new(name.to_string()),
            bases: RefCell::new(Vec::new()),
            mro: RefCell::new(Vec::new()),
            dict: mk_dict(),
            flags: Cell::new(flags),
            base_kind: kind,
            inst_vt: None,
            slot_names: RefCell::new(Vec::new()),
            cache: RefCell::new(Default::default()),
            cache_epoch: Cell::new(0),
            module_name: RefCell::new("builtins".to_string()),
        };
        // SAFETY: the class pointer is patched below before any use.
        unsafe { alloc_raw(vtable_of::<TypeObj>(), null, t) }
    };
    let type_ = mk_type("type", Kind::Type, B | TF_HAS_DICT | TF_WEAKREFABLE);
    let object = mk_type("object", Kind::Object, B);
    let dict = mk_type("dict", Kind::Dict, B);
    for t in [&type_, &object, &dict] {
        t.header().cls.set(type_.as_ptr());
        let tp = t.downcast::<TypeObj>().unwrap();
        tp.dict.header().cls.set(dict.as_ptr());
        t.set_flag(FLAG_IMMORTAL);
        // Static types are not tracked (CPython: gc.is_tracked(int) is False).
        crate::gc::heap::untrack(t);
        keep_immortal(t);
    }
    object
        .downcast::<TypeObj>()
        .unwrap()
        .mro
        .replace(vec![object.clone()]);
    for t in [&type_, &dict] {
        let tp = t.downcast::<TypeObj>().unwrap();
        tp.bases.replace(vec![object.clone()]);
        tp.mro.replace(vec![t.clone(), object.clone()]);
    }
    (type_, object, dict)
}

/// A new builtin type deriving from `base`.
pub fn new_builtin_type(
    type_: &ObjRef,
    dict_type: &ObjRef,
    name: &str,
    base: &ObjRef,
    kind: Kind,
    flags: u32,
) -> ObjRef {
    let d = unsafe { alloc_raw(vtable_of::<Dict>(), dict_type.as_ptr(), Dict::new()) };
    let mut inherited = base
        .downcast::<TypeObj>()
        .map(|b| b.flags.get())
        .unwrap_or(0);
    inherited &= TF_HAS_DICT | TF_EXCEPTION | TF_WEAKREFABLE;
    let t = TypeObj {
        name: RefCell::new(name.to_string()),
        qualname: RefCell::new(name.to_string()),
        bases: RefCell::new(vec![base.clone()]),
        mro: RefCell::new(Vec::new()),
        dict: d,
        flags: Cell::new(flags | inherited),
        base_kind: kind,
        inst_vt: None,
        slot_names: RefCell::new(Vec::new()),
        cache: RefCell::new(Default::default()),
        cache_epoch: Cell::new(0),
        module_name: RefCell::new("builtins".to_string()),
    };
    // SAFETY: `type_` is the type type.
    let o = unsafe { alloc_raw(vtable_of::<TypeObj>(), type_.as_ptr(), t) };
    let tp = o.downcast::<TypeObj>().unwrap();
    let mut mro = vec![o.clone()];
    mro.extend(
        base.downcast::<TypeObj>()
            .unwrap()
            .mro
            .borrow()
            .iter()
            .cloned(),
    );
    tp.mro.replace(mro);
    o.set_flag(FLAG_IMMORTAL);
    // Static types are not tracked (CPython: gc.is_tracked(int) is False).
    crate::gc::heap::untrack(&o);
    keep_immortal(&o);
    o
}

/// Addresses of the immortal builtin types, kept for the life of the
/// process. Each holds one count that is never released; recording the
/// address in a static makes the objects reachable for leak checkers
/// (valgrind counts them as "still reachable", like CPython's static types)
/// instead of lost once the interpreter that created them is dropped.
static IMMORTALS: std::sync::Mutex<Vec<usize>> = std::sync::Mutex::new(Vec::new());

fn keep_immortal(o: &ObjRef) {
    // The block starts at the collector link when there is one.
    let prefix = if o.vt().is_gc {
        crate::object::rc::GC_PREFIX
    } else {
        0
    };
    IMMORTALS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(o.as_ptr() as usize - prefix);
    std::mem::forget(o.clone());
}

fn set_base(t: &ObjRef, base: &ObjRef) {
    let tp = t.downcast::<TypeObj>().unwrap();
    tp.bases.replace(vec![base.clone()]);
    let mut mro = vec![t.clone()];
    mro.extend(
        base.downcast::<TypeObj>()
            .unwrap()
            .mro
            .borrow()
            .iter()
            .cloned(),
    );
    tp.mro.replace(mro);
}
