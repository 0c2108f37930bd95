//! Components from OCI registries: the stage before all others.
//!
//! Teams share components through OCI registries, pushed with `wkg oci
//! push` and pulled by SpinKube, the containerd shims and wasmCloud. This
//! crate makes a registry one more place a component can come from: it
//! turns an `oci://` [`Reference`] into the component's bytes, and a
//! component into an artifact in a registry. What it hands on is exactly
//! what reading a file would give, so the stages after it (wit, link,
//! virt, run) never know where their input came from.
//!
//! Three decisions shape it.
//! - **The artifact format is the one wkg writes** (the CNCF TAG-Runtime
//!   Wasm OCI artifact, see [`artifact`]), so that what weld pushes wkg
//!   pulls and what wkg pushes weld composes.
//! - **Every byte is checked against its digest before it is used**, and
//!   blobs are cached by that digest ([`cache`]): a tampered blob is an
//!   error, a cache entry is verified each time it is read, and a pinned
//!   or locked reference needs no network at all.
//! - **Tags move, digests do not.** [`lock::Lock`] records what each tag
//!   resolved to, so a manifest gives the same bytes on every machine until
//!   its user asks for an update; a locked digest the registry no longer
//!   has is an error, never a quiet change.
//!
//! The network client is `oci-client`, which wasm-pkg-tools uses, driven
//! from a runtime of its own so that callers stay synchronous. Like every
//! weld library this one never prints: progress goes to a [`Progress`]
//! the caller chooses.

pub mod artifact;
pub mod cache;
mod client;
pub mod lock;
mod reference;

pub use client::{Credentials, Locked, Pulled, Pushed, Registry, Settings};
pub use reference::{Digest, Reference, SCHEME};

use std::path::PathBuf;

/// What went wrong reaching a component in a registry, and where.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The text is not `oci://HOST[:PORT]/REPOSITORY[:TAG][@sha256:HEX]`.
    #[error("`{reference}` is not a registry reference: {message}")]
    Reference { reference: String, message: String },
    /// `--insecure` was asked for a registry that is not this machine's.
    #[error(
        "--insecure (plain HTTP) is allowed only for localhost, 127.0.0.1 and [::1], not for `{registry}`"
    )]
    Insecure { registry: String },
    /// `--offline`, and the cache does not hold what the reference needs.
    #[error("`{reference}` is not in weld's cache{why}, and --offline forbids asking the registry")]
    Offline { reference: String, why: String },
    /// No connection could be made, or it broke off.
    #[error("cannot reach the registry `{registry}`: {message}")]
    Unreachable { registry: String, message: String },
    /// The registry refused the credentials, or wants some.
    #[error("the registry `{registry}` refused access to `{reference}` with {credentials}")]
    Denied {
        registry: String,
        reference: String,
        /// Which credentials were sent, and where they came from.
        credentials: String,
    },
    /// The registry has no such repository, tag or digest.
    #[error("`{reference}` is not in the registry: {message}")]
    NotFound { reference: String, message: String },
    /// What a locked digest named is no longer in the registry.
    #[error(
        "`{reference}` is locked to {digest} in `{lock}`, and the registry no longer has that manifest; \
         run with --update to take what the tag names now"
    )]
    LockedGone {
        reference: String,
        digest: Digest,
        lock: PathBuf,
    },
    /// Bytes whose digest is not the one they were asked for by; they
    /// were not used.
    #[error(
        "`{reference}`: the registry sent a {what} whose digest is {actual}, not {expected}; it was not used"
    )]
    Digest {
        reference: String,
        what: &'static str,
        expected: Digest,
        actual: Digest,
    },
    /// The manifest is not a Wasm OCI artifact with one component layer.
    #[error("`{reference}` is not a WebAssembly artifact: {message}")]
    NotWasm { reference: String, message: String },
    /// The registry failed in some other way.
    #[error("the registry `{registry}` failed on `{reference}`: {message}")]
    Registry {
        registry: String,
        reference: String,
        message: String,
    },
    /// weld's cache directory could not be used.
    #[error("cannot use weld's registry cache `{}`: {source}", path.display())]
    Cache {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Credentials could not be read.
    #[error("cannot read the credentials for `{registry}`: {message}")]
    Credentials { registry: String, message: String },
    /// A lockfile is unreadable or malformed.
    #[error("cannot use the lockfile `{}`: {message}", path.display())]
    Lock { path: PathBuf, message: String },
    /// The component to push could not be read or described.
    #[error(transparent)]
    Component(#[from] weld_wit::Error),
}

/// Where long transfers report how far they are; the CLI draws a bar.
pub trait Progress: Send + Sync {
    /// A transfer of `total` bytes (`push` or `pull`) begins.
    fn start(&self, verb: &'static str, what: &str, total: u64);
    /// `done` of its bytes have gone.
    fn advance(&self, done: u64);
    /// It ended, well or not.
    fn finish(&self);
}

/// A [`Progress`] that shows nothing.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: &'static str, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}
