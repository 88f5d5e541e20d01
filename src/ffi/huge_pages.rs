//! The CLI's global allocator: the system allocator, asking Linux for transparent huge pages on
//! blocks of 4 MiB and more (a CT, its mask, their compressed bytes).
//!
//! Why: most machines run THP in `madvise` mode, so a fresh 30 MB CT costs 7,500 page faults,
//! each clearing 4 KiB, on the critical path of the single-threaded inflate; with 2 MiB pages
//! it costs 15. Measured on the 50 mm benchmark lesion, one thread: 0.21 s → 0.18 s. glibc
//! does the same with `GLIBC_TUNABLES=glibc.malloc.hugetlb=1`, which must be set before the
//! process starts. It lives here because this module holds all of the crate's `unsafe`; the
//! library never installs it (a host application owns its allocator), but the C API advises
//! the buffers it copies a caller's volume into.

use std::alloc::{GlobalAlloc, Layout, System};

/// Allocations at least this large are advised (small ones stay on glibc's shared heap pages).
const ADVISE_FROM: usize = 4 << 20;

/// [`System`], plus `madvise(MADV_HUGEPAGE)` on the whole 2 MiB pages of large blocks.
pub struct HugePageAllocator;

unsafe impl GlobalAlloc for HugePageAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // glibc hands out fresh mmap pages for large blocks without writing them, so the
        // advice still comes before the first touch.
        let p = unsafe { System.alloc_zeroed(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        advise(p, new_size);
        p
    }
}

/// Advise the 2 MiB-aligned part of `[p, p + len)`; advice is only a hint, so its result is
/// ignored (a kernel without THP says EINVAL and the block works as before). Also used by the
/// C API for the voxel buffers it copies callers' arrays into (`radscore_image_from_buffer`),
/// as the host's allocator will not.
pub(super) fn advise(p: *mut u8, len: usize) {
    #[cfg(target_os = "linux")]
    if !p.is_null() && len >= ADVISE_FROM {
        const HUGE_PAGE: usize = 2 << 20;
        let start = (p as usize).next_multiple_of(HUGE_PAGE);
        let end = (p as usize + len) & !(HUGE_PAGE - 1);
        if end > start {
            // SAFETY: the range lies inside a block this allocator just handed out, and
            // MADV_HUGEPAGE changes how pages are backed, never their contents.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (p, len);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Large and small blocks, zeroed or not, grown and shrunk, keep their contents.
    #[test]
    fn blocks_behave_as_the_system_allocator_s() {
        let a = HugePageAllocator;
        for size in [64, ADVISE_FROM - 1, ADVISE_FROM, 3 * ADVISE_FROM + 12345] {
            let layout = Layout::from_size_align(size, 16).unwrap();
            unsafe {
                let z = a.alloc_zeroed(layout);
                assert!(!z.is_null());
                let zs = std::slice::from_raw_parts_mut(z, size);
                assert!(zs.iter().all(|&b| b == 0), "size {size}");
                zs.iter_mut().enumerate().for_each(|(i, b)| *b = (i % 251) as u8);
                let grown = a.realloc(z, layout, 2 * size);
                let gs = std::slice::from_raw_parts(grown, size);
                assert!(gs.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8), "size {size}");
                let big = Layout::from_size_align(2 * size, 16).unwrap();
                let shrunk = a.realloc(grown, big, size / 2 + 1);
                let ss = std::slice::from_raw_parts(shrunk, size / 2 + 1);
                assert!(ss.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8), "size {size}");
                a.dealloc(shrunk, Layout::from_size_align(size / 2 + 1, 16).unwrap());
                let p = a.alloc(layout);
                assert!(!p.is_null());
                a.dealloc(p, layout);
            }
        }
    }
}
