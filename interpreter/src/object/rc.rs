//! The unsafe core of the object model: object memory layout, the counted
//! handle `ObjRef`, allocation and deallocation. Every other file is safe Rust
//! over `ObjRef`, `Value` and the payload types.
//!
//! Layout of one object: `[GcLink (containers only)] [Header] [payload T]`.
//! `ObjRef` points at the `Header`. Invariants:
//! - `refcnt` is the exact number of live `ObjRef`s (plus one while an object
//!   sits in a finalizer or deferred-free queue); memory is released only when
//!   it reaches zero, through `dealloc`.
//! - `vt` describes the payload's Rust type; `downcast::<T>` checks `vt.kind`.
//!   Payloads of subclass instances (`Inst<T>`) start with the base payload, so
//!   a `T` view of them is valid (prefix layout, `#[repr(C)]`).
//! - `cls` is the object's Python type; it is a counted reference when
//!   `vt.owns_cls` (instances of user classes), otherwise a builtin type that
//!   lives as long as the interpreter.

use std::alloc::{self, Layout};
use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr::NonNull;

use super::kind::Kind;
use crate::gc::heap;

/// The fixed part of every heap object.
#[repr(C)]
pub struct Header {
    pub(crate) refcnt: Cell<u32>,
    pub(crate) flags: Cell<u32>,
    pub(crate) vt: &'static VTable,
    pub(crate) cls: Cell<*const Header>,
}

/// `__del__` has run (PEP 442: at most once per object).
pub const FLAG_FINALIZED: u32 = 1;
/// Weak references to this object exist (look in the heap's weakref table).
pub const FLAG_HAS_WEAKREFS: u32 = 2;
/// The object is in one of the collector's generation lists.
pub const FLAG_TRACKED: u32 = 4;
/// Never freed (builtin types, singletons); its count is not meaningful.
pub const FLAG_IMMORTAL: u32 = 8;
/// Scratch mark used by the collector and by heap walks.
pub const FLAG_MARK: u32 = 16;
/// During a collection: in the collector's list of (tentatively)
/// unreachable objects.
pub const FLAG_UNREACHABLE: u32 = 32;
/// Copy of `vt.owns_cls` (an instance of a class defined in mini), kept in
/// the header so the hot paths test it without loading the vtable.
pub const FLAG_OWNS_CLS: u32 = 1 << 23;
/// Bits 24..32 of the flags word hold a copy of `vt.kind`, for the same
/// reason. Both are written once at allocation; every other update of the
/// flags word is a read-modify-write of the low bits, so they stay intact.
const KIND_SHIFT: u32 = 24;

/// The collector's intrusive list node, placed just before the header of
/// container objects (CPython's `PyGC_Head`). `gc_refs` is only meaningful
/// during a collection.
#[repr(C)]
pub struct GcLink {
    pub(crate) next: Cell<*mut GcLink>,
    pub(crate) prev: Cell<*mut GcLink>,
    pub(crate) gc_refs: Cell<isize>,
}

pub const GC_PREFIX: usize = std::mem::size_of::<GcLink>();
pub const HEADER_SIZE: usize = std::mem::size_of::<Header>();

/// What the runtime needs to know about a payload type, one static per type.
pub struct VTable {
    pub kind: Kind,
    pub name: &'static str,
    /// Containers get a `GcLink` and are tracked by the collector.
    pub is_gc: bool,
    /// `cls` is a counted reference (instances of classes created at run time).
    pub owns_cls: bool,
    /// Byte offset from the header of the `InstExt` (instance dict and slots), if any.
    pub inst_ext: Option<usize>,
    /// Size of header + payload (without the GcLink prefix).
    pub size: usize,
    pub traverse: fn(&Header, &mut dyn FnMut(&ObjRef)),
    pub clear: fn(&Header),
    pub drop_payload: unsafe fn(*mut Header),
}

/// A payload type: the Rust data behind one kind of Python object.
pub trait Payload: Sized + 'static {
    const KIND: Kind;
    const NAME: &'static str;
    const IS_GC: bool;
    /// Visit every object reference this payload owns, each exactly once.
    /// Must not run Python code or change reference counts.
    fn traverse(&self, _visit: &mut dyn FnMut(&ObjRef)) {}
    /// Drop the references this payload owns (breaking cycles for the
    /// collector). Take them out first, then drop: never hold a borrow while
    /// an element is dropped.
    fn clear(&self) {}
}

#[repr(C)]
pub struct Obj<T> {
    pub header: Header,
    pub data: T,
}

struct VtOf<T>(PhantomData<T>);

impl<T: Payload> VtOf<T> {
    const VT: VTable = VTable {
        kind: T::KIND,
        name: T::NAME,
        is_gc: T::IS_GC,
        owns_cls: false,
        inst_ext: None,
        size: std::mem::size_of::<Obj<T>>(),
        traverse: traverse_thunk::<T>,
        clear: clear_thunk::<T>,
        drop_payload: drop_thunk::<T>,
    };
}

fn traverse_thunk<T: Payload>(h: &Header, visit: &mut dyn FnMut(&ObjRef)) {
    // SAFETY: the vtable is only installed on objects whose payload is T.
    let obj = unsafe { &*(h as *const Header as *const Obj<T>) };
    obj.data.traverse(visit);
}

fn clear_thunk<T: Payload>(h: &Header) {
    // SAFETY: as in traverse_thunk.
    let obj = unsafe { &*(h as *const Header as *const Obj<T>) };
    obj.data.clear();
}

unsafe fn drop_thunk<T: Payload>(h: *mut Header) {
    // SAFETY: called once, by dealloc, when the count is zero; payload is T.
    unsafe { std::ptr::drop_in_place(&mut (*(h as *mut Obj<T>)).data) }
}

/// The static vtable of payload type `T`.
pub fn vtable_of<T: Payload>() -> &'static VTable {
    &VtOf::<T>::VT
}

/// A vtable for payloads that carry a counted `cls` and an instance extension.
pub const fn inst_vtable<T: Payload>(inst_ext: usize) -> VTable {
    VTable {
        kind: T::KIND,
        name: T::NAME,
        is_gc: true,
        owns_cls: true,
        inst_ext: Some(inst_ext),
        size: std::mem::size_of::<Obj<T>>(),
        traverse: traverse_thunk::<T>,
        clear: clear_thunk::<T>,
        drop_payload: drop_thunk::<T>,
    }
}

/// A counted, non-null reference to a heap object.
pub struct ObjRef(NonNull<Header>);

impl ObjRef {
    #[inline(always)]
    pub fn header(&self) -> &Header {
        // SAFETY: an ObjRef keeps its object alive (refcnt >= 1).
        unsafe { self.0.as_ref() }
    }

    #[inline(always)]
    pub fn as_ptr(&self) -> *const Header {
        self.0.as_ptr()
    }

    #[inline(always)]
    pub fn kind(&self) -> Kind {
        let k = (self.header().flags.get() >> KIND_SHIFT) as u8;
        debug_assert_eq!(k, self.header().vt.kind as u8);
        // SAFETY: the top byte was written from a valid `Kind` at allocation
        // (`Kind` is `repr(u8)`) and is never modified afterwards.
        unsafe { std::mem::transmute::<u8, Kind>(k) }
    }

    /// True for instances of classes defined in mini (`vt.owns_cls`).
    #[inline(always)]
    pub fn owns_cls(&self) -> bool {
        self.header().flags.get() & FLAG_OWNS_CLS != 0
    }

    #[inline(always)]
    pub fn vt(&self) -> &'static VTable {
        self.header().vt
    }

    #[inline(always)]
    pub fn is(&self, other: &ObjRef) -> bool {
        self.0 == other.0
    }

    #[inline(always)]
    pub fn refcount(&self) -> u32 {
        self.header().refcnt.get()
    }

    #[inline(always)]
    pub fn flags(&self) -> u32 {
        self.header().flags.get()
    }

    pub fn set_flag(&self, f: u32) {
        let h = self.header();
        h.flags.set(h.flags.get() | f);
    }

    pub fn clear_flag(&self, f: u32) {
        let h = self.header();
        h.flags.set(h.flags.get() & !f);
    }

    /// Typed view of the payload, if the object's kind is `T::KIND`.
    #[inline(always)]
    pub fn downcast<T: Payload>(&self) -> Option<&T> {
        if self.header().vt.kind == T::KIND {
            // SAFETY: kind identifies the payload type; subclass payloads
            // start with the base payload (prefix layout).
            Some(unsafe { &(*(self.0.as_ptr() as *const Obj<T>)).data })
        } else {
            None
        }
    }

    /// Typed view without the check; the caller has checked the kind.
    ///
    /// # Safety
    /// `self.kind() == T::KIND` must hold.
    #[inline(always)]
    pub unsafe fn payload_unchecked<T: Payload>(&self) -> &T {
        debug_assert!(self.kind() == T::KIND, "payload_unchecked: wrong kind");
        // SAFETY: the caller guarantees the kind, hence the payload type.
        unsafe { &(*(self.0.as_ptr() as *const Obj<T>)).data }
    }

    /// The object's Python type (a type object).
    #[inline(always)]
    pub fn class(&self) -> ObjRef {
        let p = self.header().cls.get();
        // SAFETY: cls always points at a live type object: either counted by
        // this object (owns_cls) or a builtin type that outlives all objects.
        unsafe { ObjRef::from_raw_incref(p) }
    }

    /// The object's type as a raw pointer, for identity tests without counting.
    #[inline(always)]
    pub fn class_ptr(&self) -> *const Header {
        self.header().cls.get()
    }

    /// Rebinds `__class__` (the caller checked layout compatibility).
    pub fn set_class(&self, cls: &ObjRef) {
        debug_assert!(self.owns_cls());
        let h = self.header();
        let old = h.cls.replace(cls.clone().into_raw());
        // SAFETY: owns_cls objects hold a counted reference in cls.
        drop(unsafe { ObjRef::from_raw(old) });
    }

    /// Makes a new counted reference from a raw header pointer.
    ///
    /// # Safety
    /// `p` must point at a live object.
    #[inline(always)]
    pub unsafe fn from_raw_incref(p: *const Header) -> ObjRef {
        // SAFETY: the caller guarantees p is live.
        let h = unsafe { &*p };
        h.refcnt.set(h.refcnt.get().wrapping_add(1));
        ObjRef(unsafe { NonNull::new_unchecked(p as *mut Header) })
    }

    /// Adopts a counted reference previously released by `into_raw`.
    ///
    /// # Safety
    /// `p` must carry one count owned by the caller.
    #[inline(always)]
    pub unsafe fn from_raw(p: *const Header) -> ObjRef {
        ObjRef(unsafe { NonNull::new_unchecked(p as *mut Header) })
    }

    /// Releases this handle without decrementing; pair with `from_raw`.
    #[inline(always)]
    pub fn into_raw(self) -> *const Header {
        let p = self.0.as_ptr();
        std::mem::forget(self);
        p
    }

    /// The GcLink before a container's header.
    ///
    /// # Safety
    /// The object must be a container (`vt.is_gc`).
    #[inline(always)]
    pub(crate) unsafe fn gc_link(h: *const Header) -> *mut GcLink {
        unsafe { (h as *mut u8).sub(GC_PREFIX) as *mut GcLink }
    }

    /// The header following a GcLink.
    ///
    /// # Safety
    /// `l` must be the link of a live container.
    #[inline(always)]
    pub(crate) unsafe fn from_link(l: *mut GcLink) -> *const Header {
        unsafe { (l as *mut u8).add(GC_PREFIX) as *const Header }
    }

    /// Address used for `id()` and default reprs.
    pub fn addr(&self) -> usize {
        self.0.as_ptr() as usize
    }
}

impl Clone for ObjRef {
    #[inline(always)]
    fn clone(&self) -> ObjRef {
        let h = self.header();
        h.refcnt.set(h.refcnt.get().wrapping_add(1));
        ObjRef(self.0)
    }
}

impl Drop for ObjRef {
    #[inline(always)]
    fn drop(&mut self) {
        let h = self.header();
        let n = h.refcnt.get() - 1;
        h.refcnt.set(n);
        if n == 0 {
            // SAFETY: the count reached zero: this was the last reference.
            unsafe { heap::dealloc(self.0.as_ptr()) }
        }
    }
}

impl PartialEq for ObjRef {
    fn eq(&self, other: &ObjRef) -> bool {
        self.0 == other.0
    }
}
impl Eq for ObjRef {}

impl std::hash::Hash for ObjRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.0.as_ptr() as usize).hash(state)
    }
}

impl std::fmt::Debug for ObjRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} at {:p}>", self.vt().name, self.0.as_ptr())
    }
}

/// Memory layout of an object with vtable `vt` (including the GcLink prefix).
pub(crate) fn layout_of(vt: &VTable) -> Layout {
    let prefix = if vt.is_gc { GC_PREFIX } else { 0 };
    // 8-byte alignment suffices for every payload (checked in `alloc_raw`).
    Layout::from_size_align(prefix + vt.size, 8).expect("object layout")
}

/// Allocates an object with payload `data`, vtable `vt` and type `cls`.
/// The new object has count 1; containers are linked into generation 0.
///
/// # Safety
/// `vt` must describe payload type `T` (built by `vtable_of::<T>()` or
/// `inst_vtable::<T>`), and `cls` must be a type object.
pub(crate) unsafe fn alloc_raw<T>(vt: &'static VTable, cls: *const Header, data: T) -> ObjRef {
    assert!(std::mem::align_of::<Obj<T>>() <= 8, "payload over-aligned");
    let layout = layout_of(vt);
    // SAFETY: layout has non-zero size.
    let base = unsafe { alloc::alloc(layout) };
    if base.is_null() {
        alloc::handle_alloc_error(layout);
    }
    let prefix = if vt.is_gc { GC_PREFIX } else { 0 };
    // SAFETY: base is a fresh allocation of prefix + size_of::<Obj<T>>() bytes.
    let obj = unsafe { base.add(prefix) as *mut Obj<T> };
    unsafe {
        std::ptr::write(
            obj,
            Obj {
                header: Header {
                    refcnt: Cell::new(1),
                    flags: Cell::new(
                        ((vt.kind as u32) << KIND_SHIFT)
                            | if vt.owns_cls { FLAG_OWNS_CLS } else { 0 },
                    ),
                    vt,
                    cls: Cell::new(cls),
                },
                data,
            },
        );
    }
    let h = obj as *const Header;
    if vt.owns_cls {
        // SAFETY: cls is a live type object; this object now counts it.
        unsafe { std::mem::forget(ObjRef::from_raw_incref(cls)) };
    }
    if vt.is_gc {
        // SAFETY: base starts with the GcLink slot of this container.
        unsafe {
            std::ptr::write(
                base as *mut GcLink,
                GcLink {
                    next: Cell::new(std::ptr::null_mut()),
                    prev: Cell::new(std::ptr::null_mut()),
                    gc_refs: Cell::new(0),
                },
            );
        }
    }
    heap::on_alloc(h, layout.size());
    // SAFETY: obj is non-null.
    ObjRef(unsafe { NonNull::new_unchecked(h as *mut Header) })
}

/// Drops the payload and frees the memory of an object whose count is zero
/// and whose finalizer and weak references have been dealt with.
///
/// # Safety
/// `h` must be a dead object (count zero, untracked, unreachable).
pub(crate) unsafe fn free_object(h: *mut Header) {
    let vt = unsafe { (*h).vt };
    let cls = unsafe { (*h).cls.get() };
    // SAFETY: the payload matches vt and is dropped exactly once here.
    unsafe { (vt.drop_payload)(h) };
    let layout = layout_of(vt);
    let prefix = if vt.is_gc { GC_PREFIX } else { 0 };
    heap::on_free(h, layout.size());
    // SAFETY: same layout as at allocation; nothing refers to h any more.
    unsafe { alloc::dealloc((h as *mut u8).sub(prefix), layout) };
    if vt.owns_cls {
        // SAFETY: this object held one count on its class.
        drop(unsafe { ObjRef::from_raw(cls) });
    }
}
