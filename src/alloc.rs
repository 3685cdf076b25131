//! The binary's global allocator: mimalloc, entered through its fast path.
//!
//! The `mimalloc` crate's `GlobalAlloc` calls `mi_malloc_aligned` for every
//! request. mimalloc serves an aligned request from its size-class free list
//! only when the next free block happens to satisfy the alignment; otherwise
//! (and whenever the page's free list must first be refilled) it takes a
//! generic path that over-allocates, several times the instructions of
//! `mi_malloc`. Every mimalloc block is aligned to at least a machine word
//! (the smallest size class is one word and pages are aligned), so requests
//! with an alignment of at most 8 bytes — every object of the VM — go to
//! `mi_malloc`/`mi_zalloc`/`mi_realloc`; larger alignments keep the aligned
//! entry points.

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;

use libmimalloc_sys as ffi;

/// Alignment every mimalloc block has.
const WORD: usize = 8;

pub struct Mimalloc;

// SAFETY: the functions below return blocks of at least `layout.size()`
// bytes aligned to `layout.align()` (mimalloc's guarantee for the plain
// entry points when the alignment is at most a word, and for the aligned
// ones otherwise), or null on failure; `dealloc`/`realloc` only receive
// blocks from these functions.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: plain FFI calls with a size (and a power-of-two alignment).
        unsafe {
            if layout.align() <= WORD {
                ffi::mi_malloc(layout.size()) as *mut u8
            } else {
                ffi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        unsafe {
            if layout.align() <= WORD {
                ffi::mi_zalloc(layout.size()) as *mut u8
            } else {
                ffi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: ptr came from this allocator (the GlobalAlloc contract).
        unsafe { ffi::mi_free(ptr as *mut c_void) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: ptr came from this allocator with `layout`.
        unsafe {
            if layout.align() <= WORD {
                ffi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8
            } else {
                ffi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_aligned_and_usable() {
        let a = Mimalloc;
        for size in [1usize, 7, 8, 24, 100, 1000, 5000, 100_000] {
            for align in [1usize, 8, 16, 64, 4096] {
                let l = Layout::from_size_align(size, align).unwrap();
                // SAFETY: a valid non-zero layout; the block is written
                // within its size and freed with the same layout.
                unsafe {
                    let p = a.alloc(l);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align.max(1), 0, "size {size} align {align}");
                    p.write_bytes(0xAB, size);
                    let q = a.realloc(p, l, size * 2);
                    assert_eq!(q as usize % align, 0);
                    assert_eq!(*q.add(size - 1), 0xAB);
                    a.dealloc(q, Layout::from_size_align(size * 2, align).unwrap());
                    let z = a.alloc_zeroed(l);
                    assert!((0..size).all(|i| *z.add(i) == 0));
                    a.dealloc(z, l);
                }
            }
        }
    }
}
