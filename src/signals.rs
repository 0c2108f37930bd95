//! What weld does when a signal stops it.
//!
//! An output is written to a temporary file beside its destination and
//! renamed over it at the end (see `io.rs` and `weld_wit::temporary`). Stopped by SIGTERM, SIGINT or
//! SIGHUP before that, weld removes its temporary files and then dies of
//! the signal as it would have, so that nothing partial is left. (SIGKILL
//! cannot be caught: the next weld writing to that directory removes what
//! a dead one left.)
//!
//! SIGBUS means a mapped input was cut short under weld (see
//! `weld_wit::mapped`): weld names the file and exits with status 1, as for
//! any unreadable input. A SIGBUS anywhere else keeps its default action.
//! wasmtime installs its own handlers later, when it makes an engine, and
//! passes faults that are not its guests' on to these.

use std::ffi::c_int;
use weld_wit::temporary::TEMPORARIES;

/// Set by the first handler of a SIGBUS on an input.
static REPORTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

const STOPPING: [c_int; 3] = [libc::SIGTERM, libc::SIGINT, libc::SIGHUP];

pub fn install() {
    for signal in STOPPING {
        // SAFETY: the handler only calls async-signal-safe functions.
        unsafe { handle(signal, stopped as *const () as usize) };
    }
    // SAFETY: as above.
    unsafe { handle(libc::SIGBUS, bus_error as *const () as usize) };
}

/// Gives SIGINT and SIGTERM their default actions back, for `weld serve`,
/// which handles them itself (and has no temporary files to remove).
pub fn leave_to_server() {
    default_action(libc::SIGINT);
    default_action(libc::SIGTERM);
}

unsafe fn handle(signal: c_int, handler: usize) {
    // SAFETY: a zeroed sigaction is a valid starting point.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = handler;
    action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
    // SAFETY: `action` is initialised; the old action is not wanted.
    unsafe {
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(signal, &action, std::ptr::null_mut());
    }
}

/// Removes every temporary file weld has made and not yet renamed: from
/// the signal handlers, and before weld ends itself (a timeout's
/// watchdog), since neither runs destructors.
pub fn remove_temporaries() {
    // SAFETY: unlink is async-signal-safe, and each path is NUL-terminated.
    TEMPORARIES.each(|path| unsafe {
        libc::unlink(path);
    });
}

/// Restores the default action of `signal`, to die of it or fault again.
fn default_action(signal: c_int) {
    // SAFETY: signal(2) with SIG_DFL is async-signal-safe.
    unsafe { libc::signal(signal, libc::SIG_DFL) };
}

extern "C" fn stopped(signal: c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {
    remove_temporaries();
    default_action(signal);
    // SAFETY: raise is async-signal-safe; the signal is delivered once this
    // handler returns, with its default action.
    unsafe { libc::raise(signal) };
}

extern "C" fn bus_error(signal: c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
    let addr = unsafe { (*info).si_addr() } as usize;
    let Some(path) = weld_wit::mapped::MAPS.find(addr) else {
        // Not an input of weld's: fault again with the default action.
        default_action(signal);
        return;
    };
    // Several threads may fault at once on the same input: one reports,
    // the others wait for it to end the process.
    if REPORTING.swap(true, std::sync::atomic::Ordering::AcqRel) {
        loop {
            // SAFETY: pause is async-signal-safe.
            unsafe { libc::pause() };
        }
    }
    let write = |bytes: &[u8]| {
        // SAFETY: write is async-signal-safe; the bytes are valid.
        unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
    };
    write(b"error: `");
    // SAFETY: the registry holds NUL-terminated paths.
    write(unsafe { std::ffi::CStr::from_ptr(path) }.to_bytes());
    write(
        b"` was cut short while weld read it (another program wrote to it); nothing was written\n",
    );
    remove_temporaries();
    // SAFETY: _exit is async-signal-safe.
    unsafe { libc::_exit(1) };
}
