//! weld's own `wasi:io` objects: streams whose reads and writes fail, an
//! input stream at its end, an output stream that swallows what it is
//! given, pollables that are always ready, and the error failing
//! operations report. They are handles of the virtual component's own
//! resources with negative representations, which no host handle has, so
//! that `--stdout deny` hands the app a stream whose writes fail instead of
//! trapping when the runtime fetches it at start-up.

use weld_wit::names::unversioned;

/// A pollable that is always ready.
pub const READY: i32 = -1;
/// A stream whose reads and writes fail.
pub const FAILING: i32 = -2;
/// An output stream that swallows what it is given.
pub const SINK: i32 = -3;
/// An input stream at its end.
pub const EMPTY: i32 = -4;
/// The error failing operations report.
pub const DENIAL: i32 = -5;

/// What the debug string of weld's error says.
pub const DENIAL_MESSAGE: &str = "denied by weld virt";

/// What a function does when called on one of weld's objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    /// `ok`, with this `u64` if the result has one.
    Ok(u64),
    /// `err` with this case of the error type (a variant without payload).
    Err(&'static str),
    /// `err(last-operation-failed(error))` with weld's error.
    Failure,
    /// A new object of the resource with this name.
    Object(&'static str, i32),
    /// `true`.
    True,
    /// Returns nothing.
    Nothing,
    /// The error's debug string.
    Message,
}

/// The interfaces whose resources weld's objects are.
pub const INTERFACES: [&str; 3] = ["wasi:io/streams", "wasi:io/poll", "wasi:io/error"];

/// What `func` of `interface` does on object `rep`; None where it does
/// what a denial does.
pub fn behaviour(interface: &str, func: &str, rep: i32) -> Option<Behaviour> {
    let (resource, method) = func.strip_prefix("[method]")?.split_once('.')?;
    Some(match (unversioned(interface), resource, method, rep) {
        ("wasi:io/streams", _, "subscribe", _) => Behaviour::Object("pollable", READY),
        ("wasi:io/streams", _, _, FAILING) => Behaviour::Failure,
        ("wasi:io/streams", "output-stream", "check-write", SINK) => Behaviour::Ok(1 << 20),
        ("wasi:io/streams", "output-stream", "splice" | "blocking-splice", SINK) => {
            Behaviour::Ok(0)
        }
        ("wasi:io/streams", "output-stream", _, SINK) => Behaviour::Ok(0),
        ("wasi:io/streams", "input-stream", _, EMPTY) => Behaviour::Err("closed"),
        ("wasi:io/poll", "pollable", "ready", _) => Behaviour::True,
        ("wasi:io/poll", "pollable", "block", _) => Behaviour::Nothing,
        ("wasi:io/error", "error", "to-debug-string", _) => Behaviour::Message,
        _ => return None,
    })
}

/// The representations of weld's objects that `func` may be called on.
pub fn objects(interface: &str) -> &'static [i32] {
    match unversioned(interface) {
        "wasi:io/streams" => &[FAILING, SINK, EMPTY],
        "wasi:io/poll" => &[READY],
        "wasi:io/error" => &[DENIAL],
        _ => &[],
    }
}
