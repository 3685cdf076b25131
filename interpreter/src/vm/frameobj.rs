//! Frame objects and traceback objects, the program-visible views of frames.
//! A frame object is created on demand (`sys._getframe`, tracebacks, trace
//! hooks) and linked to its live frame; when the frame ends it is detached:
//! it keeps a snapshot of the locals and its last line, as CPython's do.
//! Invariant: `FrameObj::live` is the index of the frame in `vm.frames` while
//! it runs (or is a suspended generator's frame: None), None after it ended.

use std::cell::{Cell, RefCell};

use crate::object::dict::Dict;
use crate::object::function::CellObj;
use crate::object::kind::Kind;
use crate::object::rc::{ObjRef, Payload};
use crate::object::value::Value;
use crate::vm::frame::Frame;
use crate::vm::Vm;

pub struct FrameObj {
    pub code: ObjRef,
    pub globals: ObjRef,
    pub builtins: ObjRef,
    pub live: Cell<Option<usize>>,
    /// Snapshot of the locals after the frame ended (or the locals dict of
    /// module/class scopes).
    pub locals: RefCell<Option<ObjRef>>,
    pub lasti: Cell<usize>,
    /// `f_back` once detached (while live it is computed from the stack).
    pub back: RefCell<Option<ObjRef>>,
    /// `f_trace`, `f_trace_lines`, `f_trace_opcodes`.
    pub trace: RefCell<Value>,
    pub trace_lines: Cell<bool>,
    pub trace_opcodes: Cell<bool>,
    /// Line set by `f_lineno` tracing (0 = use lasti).
    pub lineno_override: Cell<u32>,
}

impl Payload for FrameObj {
    const KIND: Kind = Kind::Frame;
    const NAME: &'static str = "frame";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        visit(&self.code);
        visit(&self.globals);
        visit(&self.builtins);
        if let Ok(l) = self.locals.try_borrow() {
            if let Some(l) = l.as_ref() {
                visit(l);
            }
        }
        if let Ok(b) = self.back.try_borrow() {
            if let Some(b) = b.as_ref() {
                visit(b);
            }
        }
        if let Ok(t) = self.trace.try_borrow() {
            if let Value::Obj(o) = &*t {
                visit(o);
            }
        }
    }
    fn clear(&self) {
        let a = self.locals.borrow_mut().take();
        let b = self.back.borrow_mut().take();
        let c = std::mem::take(&mut *self.trace.borrow_mut());
        drop((a, b, c));
    }
}

pub struct Traceback {
    pub next: Value,
    pub frame: ObjRef,
    pub lasti: usize,
    pub lineno: u32,
}

impl Payload for Traceback {
    const KIND: Kind = Kind::Traceback;
    const NAME: &'static str = "traceback";
    const IS_GC: bool = true;
    fn traverse(&self, visit: &mut dyn FnMut(&ObjRef)) {
        if let Value::Obj(o) = &self.next {
            visit(o);
        }
        visit(&self.frame);
    }
}

impl Vm {
    /// The frame object of frame `fi`, created on first request.
    pub fn frame_object(&mut self, fi: usize) -> ObjRef {
        if let Some(fo) = &self.frames[fi].frame_obj {
            return fo.clone();
        }
        let f = &self.frames[fi];
        let locals = if f.func.is_none() {
            f.locals.clone()
        } else {
            None
        };
        let fo = FrameObj {
            code: f.code.clone(),
            globals: f.globals.clone(),
            builtins: f.builtins.clone(),
            live: Cell::new(Some(fi)),
            locals: RefCell::new(locals),
            lasti: Cell::new(f.lasti()),
            back: RefCell::new(None),
            trace: RefCell::new(Value::None),
            trace_lines: Cell::new(true),
            trace_opcodes: Cell::new(false),
            lineno_override: Cell::new(0),
        };
        let t = self.types.frame.clone();
        let o = self.alloc(&t, fo);
        self.frames[fi].frame_obj = Some(o.clone());
        o
    }

    /// Detaches a frame object from its ending frame: snapshot locals and
    /// link `f_back`.
    pub(crate) fn detach_frame_object(&mut self, fo: &ObjRef, frame: &Frame) {
        let Some(f) = fo.downcast::<FrameObj>() else {
            return;
        };
        f.live.set(None);
        f.lasti.set(frame.lasti());
        if fo.refcount() == 1 {
            // Only the ending frame holds it (a hook looked at the frame and
            // let go): it dies with the frame, so no one can read a snapshot.
            return;
        }
        if frame.func.is_some() {
            let d = self.locals_snapshot_of(frame);
            let old = f.locals.replace(Some(d));
            drop(old);
        }
        if frame.gen.is_none() {
            let back = if self.frames.is_empty() {
                None
            } else {
                let i = self.frames.len() - 1;
                Some(self.frame_object(i))
            };
            let old = f.back.replace(back);
            drop(old);
        }
    }

    /// A dict of a running frame's named locals (and cell contents).
    pub(crate) fn locals_snapshot_of(&mut self, frame: &Frame) -> ObjRef {
        let d = self.new_dict();
        let code = frame.code();
        let dd = d.downcast::<Dict>().unwrap();
        for (i, name) in code.varnames.iter().enumerate() {
            let v = self.stack.get(frame.base + i).clone();
            if code.cell_regs.contains(&(i as u16)) {
                continue;
            }
            if !v.is_undef() {
                dd.set_str(name, v);
            }
        }
        let cells: Vec<(ObjRef, u16)> = code
            .cellvars
            .iter()
            .cloned()
            .zip(code.cell_regs.iter().copied())
            .chain(
                code.freevars
                    .iter()
                    .cloned()
                    .enumerate()
                    .map(|(i, n)| (n, (code.free_base as usize + i) as u16)),
            )
            .collect();
        for (name, reg) in cells {
            if let Value::Obj(c) = self.stack.get(frame.base + reg as usize) {
                if let Some(c) = c.downcast::<CellObj>() {
                    let v = c.value.borrow().clone();
                    if !v.is_undef() {
                        dd.set_str(&name, v);
                    }
                }
            }
        }
        d
    }

    /// `frame.f_locals`.
    pub fn frame_locals(&mut self, fo: &ObjRef) -> Value {
        let f = fo.downcast::<FrameObj>().unwrap();
        if let Some(i) = f.live.get() {
            if i < self.frames.len() && self.frames[i].frame_obj.as_ref().is_some_and(|x| x.is(fo))
            {
                if self.frames[i].func.is_none() {
                    if let Some(l) = &self.frames[i].locals {
                        return Value::Obj(l.clone());
                    }
                }
                let frame_ptr: *const Frame = &self.frames[i];
                // SAFETY: the frame stays in place while we read it; the
                // snapshot only allocates a dict, it does not touch frames.
                let d = self.locals_snapshot_of(unsafe { &*frame_ptr });
                return Value::Obj(d);
            }
        }
        match f.locals.borrow().as_ref() {
            Some(d) => Value::Obj(d.clone()),
            None => Value::Obj(self.new_dict()),
        }
    }

    /// Writes a `f_locals` dict back into a live frame's registers (after a
    /// trace function ran, as CPython's `PyFrame_LocalsToFast`).
    pub(crate) fn locals_to_fast(&mut self, fi: usize, d: &ObjRef) {
        let Some(dd) = d.downcast::<Dict>() else {
            return;
        };
        let frame = &self.frames[fi];
        if frame.func.is_none() {
            return;
        }
        let base = frame.base;
        let code = frame.code();
        let names: Vec<(usize, ObjRef)> = code.varnames.iter().cloned().enumerate().collect();
        let cells = code.cell_regs.clone();
        for (i, n) in names {
            if cells.contains(&(i as u16)) {
                continue;
            }
            if let Some(v) = dd.get_str(&n) {
                *self.stack.get_mut(base + i) = v;
            }
        }
    }

    /// `frame.f_back`.
    pub fn frame_back(&mut self, fo: &ObjRef) -> Value {
        let f = fo.downcast::<FrameObj>().unwrap();
        if let Some(i) = f.live.get() {
            if i < self.frames.len() && self.frames[i].frame_obj.as_ref().is_some_and(|x| x.is(fo))
            {
                if i == 0 {
                    return Value::None;
                }
                return Value::Obj(self.frame_object(i - 1));
            }
        }
        match f.back.borrow().as_ref() {
            Some(b) => Value::Obj(b.clone()),
            None => Value::None,
        }
    }

    /// `frame.f_lineno`.
    pub fn frame_lineno(&self, fo: &ObjRef) -> u32 {
        let f = fo.downcast::<FrameObj>().unwrap();
        if f.lineno_override.get() != 0 {
            return f.lineno_override.get();
        }
        let lasti = match f.live.get() {
            Some(i)
                if i < self.frames.len()
                    && self.frames[i].frame_obj.as_ref().is_some_and(|x| x.is(fo)) =>
            {
                return self.frames[i].lineno();
            }
            _ => f.lasti.get(),
        };
        f.code
            .downcast::<crate::compile::code::Code>()
            .map(|c| c.line_near(lasti))
            .unwrap_or(0)
    }

    pub(crate) fn new_traceback(
        &mut self,
        next: Value,
        frame: ObjRef,
        lasti: usize,
        lineno: u32,
    ) -> ObjRef {
        let t = self.types.traceback.clone();
        self.alloc(
            &t,
            Traceback {
                next,
                frame,
                lasti,
                lineno,
            },
        )
    }
}
