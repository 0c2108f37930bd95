//! Mapped inputs, entered in a table so that a fault on one can be named.
//!
//! weld maps large inputs rather than reading them (see
//! [`crate::wasm::map_file`]). If another program truncates a mapped file
//! meanwhile (`cp` onto it does), reading the pages past its new end raises
//! SIGBUS, which would kill weld with no word. Each map is entered in
//! [`MAPS`], which a signal handler can search: the binary's handler names
//! the file and exits with an error.

use crate::registry::{Entry, Registry};
use std::path::Path;

/// The mapped inputs, by address range.
pub static MAPS: Registry = Registry::new();

/// A mapped input, entered in [`MAPS`] while it lives.
pub struct Mapped {
    // Dropped before the map, so that the table never names unmapped pages.
    _entry: Option<Entry>,
    map: memmap2::Mmap,
}

impl Mapped {
    pub fn new(map: memmap2::Mmap, path: &Path) -> Mapped {
        Mapped {
            _entry: MAPS.add(path, map.as_ptr() as usize, map.len()),
            map,
        }
    }
}

impl std::ops::Deref for Mapped {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.map
    }
}
