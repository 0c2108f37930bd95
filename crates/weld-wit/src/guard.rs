//! wit-parser's decoder asserts on some valid components (one that imports
//! and exports the same interface, for instance), and wasm-compose on
//! others (it cannot import a component that exports a resource). weld
//! must never panic on its input, so such calls run behind this guard,
//! which turns a panic into an error carrying the panic's message.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Runs `f`, a call into `tool`; a panic inside it becomes `Err` with the
/// panic's message, and is not printed.
pub fn guarded<T>(tool: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|info| {
        let message = match info.payload().downcast_ref::<&str>() {
            Some(text) => (*text).to_owned(),
            None => info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "unknown panic".to_owned()),
        };
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(message);
        }
    }));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(previous);
    result.map_err(|_| {
        let message = LAST_PANIC.lock().ok().and_then(|mut last| last.take());
        format!(
            "{tool} failed on it: {}",
            message.unwrap_or_else(|| "it panicked".to_owned())
        )
    })
}
