//! tracemalloc's trace table: one entry per traced heap object, keyed by
//! the object's address, holding up to two memory blocks in the size model
//! of `sys.getsizeof` (`obj_blocks`): the object block and the buffer a
//! list, dict or set allocates separately. Each block carries the interned
//! traceback (innermost `limit` frames: code object and line) of the moment
//! it was allocated; when a buffer changes size its block takes the new size
//! and the traceback of that moment, as CPython's realloc moves a trace.
//!
//! Invariants: `current` is the sum of the sizes of all blocks in `traces`;
//! `peak >= current`; an entry with `obj.size == 0` belongs to an object
//! allocated before tracing (its object block is not traced; its buffer is
//! traced from its first growth after the first resize seen); every
//! key is the address of a live object (frees remove their entry), which is
//! what lets `reconcile` look at the objects. Frames hold a counted
//! reference to their code object, so code addresses are not reused while
//! the table lives; nothing in here drops an object reference (callers move
//! the frames out before dropping them, outside any borrow).

use std::mem::ManuallyDrop;

use mini_interpreter::gc::alloc_trace::walk_stack;
use mini_interpreter::object::rc::{Header, ObjRef};
use mini_interpreter::vm::sizeof::{obj_blocks, obj_buffer_token};
use rustc_hash::FxHashMap;

/// One traced block: its size and interned traceback.
#[derive(Clone, Copy, Default)]
pub struct Block {
    pub size: usize,
    pub tb: u32,
}

/// The blocks of one object (see the module comment).
#[derive(Clone, Copy, Default)]
pub struct Entry {
    pub obj: Block,
    pub buf: Block,
    /// `obj_buffer_token` when `buf` was last measured (its low bit, a
    /// dict's "holds a non-str key", sticks once set: see `same_token`).
    pub token: usize,
}

/// Whether `new` says nothing changed since `old`. A dict whose keys were
/// once not all str keeps the wider model after a str key (CPython's key
/// table stays general), so a cleared low bit alone is no change.
fn same_token(old: usize, new: usize) -> bool {
    old == new || old == new | 1
}

/// An interned traceback: frame ids, innermost first, then the total depth
/// of the stack it was taken from (`Traceback.total_nframe`).
pub type TbKey = Box<[u32]>;

pub struct Table {
    pub limit: usize,
    pub traces: FxHashMap<usize, Entry>,
    /// Frames: the code object (None for `<unknown>`) and line.
    pub frames: Vec<(Option<ObjRef>, u32)>,
    frame_ids: FxHashMap<(usize, u32), u32>,
    pub tracebacks: Vec<TbKey>,
    tb_ids: FxHashMap<TbKey, u32>,
    pub current: usize,
    pub peak: usize,
    scratch: Vec<u32>,
    /// (innermost code address, line, depth) → traceback, for `limit == 1`:
    /// a direct-mapped cache in front of the interning maps.
    memo: Box<[(usize, u32, usize, u32); MEMO]>,
}

impl Drop for Table {
    /// A table still holding frames is being dropped with its thread's heap
    /// (the program ended while tracing): releasing code objects then would
    /// touch the heap during its own destruction, so their counts are left
    /// as they are. `stop()` releases them normally (`take_frames`).
    fn drop(&mut self) {
        for f in std::mem::take(&mut self.frames) {
            std::mem::forget(f);
        }
    }
}

const MEMO: usize = 64;
const MEMO_EMPTY: (usize, u32, usize, u32) = (usize::MAX, 0, 0, 0);

fn memo_slot(addr: usize, line: u32) -> usize {
    ((addr >> 4) ^ (line as usize).wrapping_mul(0x9E37)) % MEMO
}

/// A borrowed handle on the object at `h` (no count change, never dropped).
fn handle(h: *const Header) -> ManuallyDrop<ObjRef> {
    // SAFETY: `h` is a live object (just allocated, being resized, or a
    // key of the table, which only holds live objects); ManuallyDrop keeps
    // the count untouched.
    ManuallyDrop::new(unsafe { ObjRef::from_raw(h) })
}

impl Table {
    pub fn new(limit: usize) -> Table {
        Table {
            limit,
            traces: FxHashMap::default(),
            frames: Vec::new(),
            frame_ids: FxHashMap::default(),
            tracebacks: Vec::new(),
            tb_ids: FxHashMap::default(),
            current: 0,
            peak: 0,
            scratch: Vec::new(),
            memo: Box::new([MEMO_EMPTY; MEMO]),
        }
    }

    fn frame_id(&mut self, code: Option<&ObjRef>, line: u32) -> u32 {
        let addr = code.map(|c| c.as_ptr() as usize).unwrap_or(0);
        if let Some(&id) = self.frame_ids.get(&(addr, line)) {
            return id;
        }
        let id = self.frames.len() as u32;
        self.frames.push((code.cloned(), line));
        self.frame_ids.insert((addr, line), id);
        id
    }

    fn intern_scratch(&mut self) -> u32 {
        if let Some(&id) = self.tb_ids.get(&self.scratch[..]) {
            return id;
        }
        let id = self.tracebacks.len() as u32;
        let key: TbKey = self.scratch.clone().into_boxed_slice();
        self.tracebacks.push(key.clone());
        self.tb_ids.insert(key, id);
        id
    }

    /// The interned traceback of the current mini call stack.
    pub fn current_traceback(&mut self) -> u32 {
        if self.limit == 1 {
            let mut top: Option<ObjRef> = None;
            let mut addr = 0usize;
            let mut line = 0u32;
            let depth = walk_stack(1, |code, l| {
                addr = code.as_ptr() as usize;
                line = l;
            });
            let slot = memo_slot(addr, line);
            let (ma, ml, md, mt) = self.memo[slot];
            if ma == addr && ml == line && md == depth {
                return mt;
            }
            if depth > 0 {
                walk_stack(1, |code, _| top = Some(code.clone()));
            }
            let fid = self.frame_id(top.as_ref(), line);
            // `top` is a clone of a code object a frame still holds:
            // dropping it only decrements its count.
            drop(top);
            self.scratch.clear();
            self.scratch.push(fid);
            self.scratch.push(depth as u32);
            let tb = self.intern_scratch();
            self.memo[slot] = (addr, line, depth, tb);
            return tb;
        }
        let mut got: Vec<(ObjRef, u32)> = Vec::with_capacity(self.limit.min(16));
        let depth = walk_stack(self.limit, |code, l| got.push((code.clone(), l)));
        self.scratch.clear();
        if got.is_empty() {
            let f = self.frame_id(None, 0);
            self.scratch.push(f);
        }
        for (c, l) in &got {
            let f = self.frame_id(Some(c), *l);
            self.scratch.push(f);
        }
        // The clones in `got` are of code objects that frames still hold,
        // so dropping them only decrements counts.
        drop(got);
        self.scratch.push(depth as u32);
        self.intern_scratch()
    }

    fn add(&mut self, n: usize) {
        self.current += n;
        if self.current > self.peak {
            self.peak = self.current;
        }
    }

    pub fn on_alloc(&mut self, h: *const Header) {
        let o = handle(h);
        let (osize, bsize) = obj_blocks(&o);
        let token = obj_buffer_token(&o).unwrap_or(0);
        let tb = self.current_traceback();
        let e = Entry {
            obj: Block { size: osize, tb },
            buf: Block { size: bsize, tb },
            token,
        };
        if let Some(old) = self.traces.insert(h as usize, e) {
            self.current -= old.obj.size + old.buf.size;
        }
        self.add(osize + bsize);
    }

    pub fn on_free(&mut self, h: *const Header) {
        if let Some(e) = self.traces.remove(&(h as usize)) {
            self.current -= e.obj.size + e.buf.size;
        }
    }

    pub fn on_resize(&mut self, h: *const Header) {
        let o = handle(h);
        let Some(token) = obj_buffer_token(&o) else {
            return;
        };
        let key = h as usize;
        let old = match self.traces.get(&key) {
            Some(e) if same_token(e.token, token) => return,
            Some(e) => *e,
            None => {
                // An object allocated before tracing, seen for the first
                // time: whether this call grew its buffer is unknown, so
                // only remember the buffer's state; later growth is traced
                // (with no object block), as CPython traces a realloc.
                let e = Entry {
                    token,
                    ..Entry::default()
                };
                self.traces.insert(key, e);
                return;
            }
        };
        let (_, bsize) = obj_blocks(&o);
        let mut e = old;
        e.token = token | (old.token & 1);
        if bsize != old.buf.size {
            e.buf = Block {
                size: bsize,
                tb: if bsize == 0 {
                    0
                } else {
                    self.current_traceback()
                },
            };
        }
        self.traces.insert(key, e);
        self.current -= old.buf.size;
        self.add(e.buf.size);
    }

    /// Brings every buffer block up to date with its object (growth at
    /// places that do not call `note_resize`, e.g. slice assignment or
    /// `list.clear`); such blocks keep the traceback they had (or their
    /// object's when they had none). Called before the table is read.
    pub fn reconcile(&mut self) {
        let mut delta_add = 0usize;
        let mut delta_sub = 0usize;
        for (&key, e) in self.traces.iter_mut() {
            let o = handle(key as *const Header);
            let Some(token) = obj_buffer_token(&o) else {
                continue;
            };
            if same_token(e.token, token) {
                continue;
            }
            e.token = token | (e.token & 1);
            if e.obj.size == 0 && e.buf.size == 0 {
                // An untraced object's buffer: no traceback to give it.
                continue;
            }
            let (_, bsize) = obj_blocks(&o);
            if bsize != e.buf.size {
                delta_sub += e.buf.size;
                delta_add += bsize;
                if e.buf.size == 0 {
                    e.buf.tb = e.obj.tb;
                }
                e.buf.size = bsize;
            }
        }
        self.current -= delta_sub;
        self.add(delta_add);
    }

    /// Number of traced blocks.
    pub fn block_count(&self) -> usize {
        self.traces
            .values()
            .map(|e| (e.obj.size > 0) as usize + (e.buf.size > 0) as usize)
            .sum()
    }

    /// Bytes of the table's own bookkeeping (`get_tracemalloc_memory`).
    pub fn own_memory(&self) -> usize {
        use std::mem::size_of;
        let entry = size_of::<usize>() + size_of::<Entry>() + 1;
        let tb_bytes: usize = self
            .tracebacks
            .iter()
            .map(|t| 2 * (t.len() * 4 + 16) + 8)
            .sum();
        size_of::<Table>()
            + self.traces.capacity() * entry
            + self.frames.capacity() * size_of::<(Option<ObjRef>, u32)>()
            + self.frame_ids.capacity() * (size_of::<(usize, u32)>() + 5)
            + tb_bytes
            + self.tb_ids.capacity() * (size_of::<TbKey>() + 5)
    }

    /// Moves the frames (and their code object references) out, for the
    /// caller to drop once no borrow of the table is held.
    pub fn take_frames(&mut self) -> Vec<(Option<ObjRef>, u32)> {
        self.frame_ids.clear();
        self.tb_ids.clear();
        self.tracebacks.clear();
        self.memo.fill(MEMO_EMPTY);
        std::mem::take(&mut self.frames)
    }

    /// Forgets every trace (the frames are kept: they hold code objects,
    /// which must not be dropped while the table is borrowed).
    pub fn clear(&mut self) {
        self.traces = FxHashMap::default();
        self.current = 0;
        self.peak = 0;
    }
}
