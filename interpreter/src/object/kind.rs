//! `Kind`: which Rust payload type an object has. One variant per payload
//! type; `ObjRef::downcast` compares kinds. Subclass instances share their
//! base payload's kind (a `list` subclass instance has kind `List`).

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Kind {
    /// `object()` and instances of classes with no builtin base.
    Object,
    Type,
    Int,
    /// Boxed floats: only instances of `float` subclasses (plain floats are inline).
    Float,
    Str,
    Bytes,
    List,
    Tuple,
    Dict,
    Set,
    FrozenSet,
    Function,
    BuiltinFunction,
    MethodDescr,
    BoundMethod,
    Code,
    Module,
    Cell,
    Generator,
    Exception,
    Range,
    Slice,
    Property,
    StaticMethod,
    ClassMethod,
    Super,
    Frame,
    Traceback,
    Singleton,
    MemberDescr,
    WeakRef,
    /// Native objects whose behaviour sits behind a `NativeObject` trait object
    /// (iterators, views, files, module-specific types).
    Native,
    ByteArray,
    /// Builtin iterators (`list_iterator`, `range_iterator`, `enumerate`, ...).
    Iter,
}
