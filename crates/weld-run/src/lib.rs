//! The runner of weld: executes components on an embedded wasmtime with
//! WASI 0.2, with capabilities denied unless granted and with limits on
//! time, fuel, memory and stack.
//!
//! Nothing here prints or exits. Failures are typed [`Error`]s, and
//! [`Error::exit_status`] gives the process status each one maps to, so
//! that every front end reports them alike.

pub mod cache;
pub mod command;
pub mod handler;
pub mod host;
pub mod http;
pub mod invoke;
mod lift;
pub mod limits;
pub mod runtime;
pub mod serve;
pub mod suite;
mod timeline;
pub mod trace;

pub use cache::{Cache, CacheStatus};
pub use host::{Capabilities, DirGrant, Stdio};
pub use http::HttpGrant;
pub use lift::{Detail, show_params};
pub use limits::{Limit, Limits};
pub use runtime::{Options, Prepared, Runtime};

use std::fmt;
use std::path::PathBuf;

/// A store of the runner's: a guest's capabilities, limits and calls.
pub type Store = wasmtime::Store<host::Host>;

pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Exit statuses, shared by `weld run`, `weld invoke` and `weld test`.
pub mod status {
    /// weld could not do what was asked (bad input, missing imports, ...),
    /// or a command's `run` returned `err`.
    pub const FAILURE: u8 = 1;
    /// A trap, as `wasmtime run` reports one (128 + SIGABRT).
    pub const TRAP: u8 = 134;
    pub const TIMEOUT: u8 = 124;
    pub const FUEL: u8 = 123;
    pub const MEMORY: u8 = 122;
    pub const STACK: u8 = 121;
}

/// An import the host does not provide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingImport {
    pub name: String,
    /// `instance`, `function`, `resource`, ...
    pub kind: &'static str,
    /// wasmtime's reason, e.g. that an instance lacks a function.
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Wit(#[from] weld_wit::Error),
    #[error("failed to configure wasmtime")]
    Engine(#[source] BoxError),
    #[error("failed to compile `{path}`")]
    Compile {
        path: PathBuf,
        #[source]
        source: BoxError,
    },
    #[error("{}", missing_imports(path, imports))]
    MissingImports {
        path: PathBuf,
        imports: Vec<MissingImport>,
    },
    #[error("failed to instantiate `{path}`")]
    Instantiate {
        path: PathBuf,
        #[source]
        source: BoxError,
    },
    #[error("cannot grant directory `{path}`")]
    Dir {
        path: PathBuf,
        #[source]
        source: BoxError,
    },
    #[error(
        "`{path}` exports no `wasi:cli/run` interface, so it cannot be run; `weld invoke` calls its functions"
    )]
    NotCommand { path: PathBuf },
    #[error(
        "`{path}` exports neither `wasi:http/incoming-handler@0.2` nor `wasi:http/handler@0.3`, so it cannot serve HTTP; it exports {}",
        weld_wit::display::code_list(exports, "nothing")
    )]
    NotHandler { path: PathBuf, exports: Vec<String> },
    #[error("{}", listen_message(addr, source))]
    Listen {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the server on {addr} failed")]
    Serve {
        addr: std::net::SocketAddr,
        #[source]
        source: BoxError,
    },
    #[error(
        "{unfinished} request{} still in flight after the shutdown timeout of {}",
        if *unfinished == 1 { " was" } else { "s were" },
        limits::DisplayDuration(*timeout)
    )]
    ShutdownTimeout {
        unfinished: usize,
        timeout: std::time::Duration,
    },
    #[error(
        "no exported function `{name}`; the component exports {}",
        weld_wit::display::code_list(available, "no functions")
    )]
    NoSuchFunction {
        name: String,
        available: Vec<String>,
    },
    #[error("`{name}` is ambiguous: it could be {}; name its interface (`INTERFACE#{name}`)", candidates.join(" or "))]
    AmbiguousFunction {
        name: String,
        candidates: Vec<String>,
    },
    #[error("cannot read the arguments: {message}")]
    Call { message: String },
    /// wasmtime 48 reads a future only into a host type fixed at build
    /// time, so weld awaits futures of a few payload types only.
    #[error(
        "`{function}` returns a future of {payload}, which weld cannot await: wasmtime 48 reads a future only into a type known when weld is built (a boolean, a number, a char, a string or a list<u8>)"
    )]
    Unawaitable { function: String, payload: String },
    #[error("{}", trap_message(message, backtrace))]
    Trap {
        message: String,
        backtrace: Option<String>,
    },
    #[error("{0}")]
    Limit(Limit),
    /// The guest called `wasi:cli/exit` with this status.
    #[error("the guest exited with status {0}")]
    Exit(i32),
    #[error("the guest failed")]
    Guest(#[source] BoxError),
}

impl Error {
    /// The process exit status this failure maps to.
    pub fn exit_status(&self) -> u8 {
        match self {
            Error::Trap { .. } => status::TRAP,
            Error::Limit(Limit::Timeout(_)) => status::TIMEOUT,
            Error::Limit(Limit::Fuel(_)) => status::FUEL,
            Error::Limit(Limit::Memory { .. }) => status::MEMORY,
            Error::Limit(Limit::Stack(_)) => status::STACK,
            Error::Exit(code) => u8::try_from(*code).unwrap_or(status::FAILURE),
            _ => status::FAILURE,
        }
    }
}

fn listen_message(addr: &std::net::SocketAddr, error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "cannot listen on {addr}: the address is already in use; choose another with --addr, or port 0 for a free one"
        ),
        std::io::ErrorKind::AddrNotAvailable => {
            format!("cannot listen on {addr}: it is not an address of this machine")
        }
        std::io::ErrorKind::PermissionDenied => {
            format!("cannot listen on {addr}: permission denied (ports below 1024 need privileges)")
        }
        _ => format!("cannot listen on {addr}"),
    }
}

fn trap_message(message: &str, backtrace: &Option<String>) -> String {
    match backtrace {
        Some(bt) => format!("the guest trapped: {message}\n{}", bt.trim_end()),
        None => format!("the guest trapped: {message}"),
    }
}

fn missing_imports(path: &std::path::Path, imports: &[MissingImport]) -> String {
    let mut text = format!(
        "`{}` needs {} import{} that weld does not provide:",
        path.display(),
        imports.len(),
        if imports.len() == 1 { "" } else { "s" }
    );
    for import in imports {
        let _ = fmt::Write::write_fmt(
            &mut text,
            format_args!("\n  {} `{}`: {}", import.kind, import.name, import.reason),
        );
    }
    text.push_str("\ncompose them in first (`weld plug`), or pass --trap-unknown-imports to run anyway with traps in their place");
    text
}
