//! The memory budget: a counting allocator around the system's. An input
//! that makes weld hold more than the budget at once (a length read from
//! the input and trusted, say) is an out-of-memory failure; left to the
//! system, it would take the machine down or abort the process with
//! nothing saved. Past the budget, the allocator calls the harness's
//! handler, which saves the input and exits; without one it refuses the
//! allocation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

pub struct Counting;

#[global_allocator]
static ALLOCATOR: Counting = Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
/// 2 GiB unless the harness sets another budget.
static BUDGET: AtomicUsize = AtomicUsize::new(2 << 30);
/// Set once the budget is exceeded, so that the handler's own
/// allocations go through.
static EXCEEDED: AtomicBool = AtomicBool::new(false);
static HANDLER: AtomicPtr<()> = AtomicPtr::new(std::ptr::null_mut());

/// Calls `handler` with the size asked for when an allocation would take
/// the live total past `budget` bytes; `handler` should not return.
pub fn set_budget(budget: usize, handler: fn(usize)) {
    BUDGET.store(budget, Ordering::SeqCst);
    HANDLER.store(handler as *mut (), Ordering::SeqCst);
}

/// Whether `size` more bytes fit; past the budget, runs the handler once.
fn admit(size: usize) -> bool {
    let live = LIVE.load(Ordering::Relaxed);
    if live.saturating_add(size) <= BUDGET.load(Ordering::Relaxed)
        || EXCEEDED.load(Ordering::SeqCst)
    {
        return true;
    }
    if EXCEEDED.swap(true, Ordering::SeqCst) {
        return true;
    }
    let handler = HANDLER.load(Ordering::SeqCst);
    if handler.is_null() {
        EXCEEDED.store(false, Ordering::SeqCst);
        return false;
    }
    // SAFETY: only `set_budget` stores here, and it stores a `fn(usize)`.
    let handler: fn(usize) = unsafe { std::mem::transmute(handler) };
    handler(size);
    false
}

/// Allocates `size` bytes with `allocate`, if they fit, and counts them.
fn counted(size: usize, allocate: impl FnOnce() -> *mut u8) -> *mut u8 {
    if !admit(size) {
        return std::ptr::null_mut();
    }
    let ptr = allocate();
    if !ptr.is_null() {
        LIVE.fetch_add(size, Ordering::Relaxed);
    }
    ptr
}

// SAFETY: every call goes to `System` with the same layout; the counter
// only observes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout, passed on.
        counted(layout.size(), || unsafe { System.alloc(layout) })
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout, passed on.
        counted(layout.size(), || unsafe { System.alloc_zeroed(layout) })
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() && !admit(new_size - layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's pointer and layout, passed on.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE.fetch_add(new_size, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        new
    }
}
