//! The linker of weld: wires components together into one component.
//!
//! Built on wasm-compose's `CompositionGraph`, which encodes the result and
//! checks each connection's types; weld adds the choice of what to connect
//! (semver-aware, transitive, restricted per plug) and errors that say why
//! something did not connect.

mod difference;
mod plug;

pub use plug::{Link, Plan, Plug, Plugged, plug};

use std::path::PathBuf;

pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Wit(#[from] weld_wit::Error),
    #[error("`{path}` is not a valid component to compose")]
    Parse {
        path: PathBuf,
        #[source]
        source: BoxError,
    },
    #[error("plug `{path}` exports nothing that any import needs:{why}")]
    UnusedPlug { path: PathBuf, why: String },
    #[error("plug `{path}` has no export `{name}` to restrict it to; it exports {available}")]
    NoSuchExport {
        path: PathBuf,
        name: String,
        available: String,
    },
    #[error("cycle: {0}")]
    Cycle(String),
    #[error(
        "`{importer}` imports `{import}`, but what `{exporter}` exports as `{export}` does not fit:\n{difference}"
    )]
    Mismatch {
        importer: PathBuf,
        import: String,
        exporter: PathBuf,
        export: String,
        difference: String,
    },
    #[error("failed to encode the composition")]
    Encode(#[source] BoxError),
    #[error("the composition does not validate; this is a bug in weld")]
    InvalidOutput(#[source] BoxError),
}
