//! libFuzzer's `-malloc_limit_mb` needs a sanitizer's malloc hooks. This allocator gives the
//! same guarantee in every build, with or without AddressSanitizer: one allocation (or growth)
//! over 256 MB aborts the run, which libFuzzer reports as a crash with the input that caused it.

use std::alloc::{GlobalAlloc, Layout, System};

const LIMIT: usize = 256 << 20;

pub struct Limited;

fn check(size: usize) {
    if size > LIMIT {
        eprintln!("==alloc-limit== one allocation of {size} bytes (limit {LIMIT})");
        std::process::abort();
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator after the size check.
unsafe impl GlobalAlloc for Limited {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        check(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Limited = Limited;
