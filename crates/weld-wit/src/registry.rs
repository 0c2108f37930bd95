//! Tables a signal handler can read: paths, each with an address range,
//! entered and removed by ordinary code and searched without allocating
//! or locking.
//!
//! Two handlers need one: SIGBUS on a mapped input names the input (see
//! [`crate::mapped`]), and SIGTERM, SIGINT or SIGHUP remove the temporary
//! files of outputs not yet committed (the binary's `io.rs`).

use std::ffi::{CString, c_char};
use std::path::Path;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

/// How many entries a table holds at once; an entry beyond them is not
/// entered, and [`Registry::add`] says so.
const SLOTS: usize = 64;

struct Slot {
    start: AtomicUsize,
    len: AtomicUsize,
    path: AtomicPtr<c_char>,
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: Slot = Slot {
    start: AtomicUsize::new(0),
    len: AtomicUsize::new(0),
    path: AtomicPtr::new(std::ptr::null_mut()),
};

/// A fixed table of entries.
pub struct Registry {
    slots: [Slot; SLOTS],
}

/// An entry of a [`Registry`], removed when dropped.
pub struct Entry {
    registry: &'static Registry,
    slot: usize,
}

impl Registry {
    pub const fn new() -> Registry {
        Registry {
            slots: [EMPTY; SLOTS],
        }
    }

    /// Enters `path` with the addresses `start..start + len` (both 0 for
    /// a path without a range), or returns `None` if the table is full.
    pub fn add(&'static self, path: &Path, start: usize, len: usize) -> Option<Entry> {
        let name = CString::new(path.as_os_str().as_encoded_bytes().to_vec()).ok()?;
        let name = name.into_raw();
        let slot = self.slots.iter().position(|slot| {
            slot.path
                .compare_exchange(
                    std::ptr::null_mut(),
                    name,
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                )
                .is_ok()
        });
        let Some(slot) = slot else {
            // SAFETY: `name` came from `into_raw` and was not stored.
            drop(unsafe { CString::from_raw(name) });
            return None;
        };
        self.slots[slot].start.store(start, Ordering::Release);
        self.slots[slot].len.store(len, Ordering::Release);
        Some(Entry {
            registry: self,
            slot,
        })
    }

    /// The path of the entry whose range holds `addr`. Async-signal-safe.
    pub fn find(&self, addr: usize) -> Option<*const c_char> {
        self.slots.iter().find_map(|slot| {
            let start = slot.start.load(Ordering::Acquire);
            let len = slot.len.load(Ordering::Acquire);
            let path = slot.path.load(Ordering::Acquire);
            (len > 0 && addr >= start && addr - start < len && !path.is_null())
                .then_some(path as *const c_char)
        })
    }

    /// Calls `f` with the path of every entry. Async-signal-safe if `f` is.
    pub fn each(&self, mut f: impl FnMut(*const c_char)) {
        for slot in &self.slots {
            let path = slot.path.load(Ordering::Acquire);
            if !path.is_null() {
                f(path);
            }
        }
    }
}

impl Default for Registry {
    fn default() -> Registry {
        Registry::new()
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        let slot = &self.registry.slots[self.slot];
        slot.len.store(0, Ordering::Release);
        slot.start.store(0, Ordering::Release);
        let name = slot.path.swap(std::ptr::null_mut(), Ordering::AcqRel);
        // SAFETY: the slot owned `name`, made by `into_raw` in `add`.
        drop(unsafe { CString::from_raw(name) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static TABLE: Registry = Registry::new();

    #[test]
    fn finds_an_entry_by_address_while_it_lives() {
        let entry = TABLE.add(Path::new("/x/in.wasm"), 1000, 100).unwrap();
        let name = TABLE.find(1050).expect("entered");
        assert_eq!(
            unsafe { std::ffi::CStr::from_ptr(name) }.to_bytes(),
            b"/x/in.wasm"
        );
        assert!(TABLE.find(1100).is_none());
        let mut all = 0;
        TABLE.each(|_| all += 1);
        assert_eq!(all, 1);
        drop(entry);
        assert!(TABLE.find(1050).is_none());
    }
}
