//! The linker of weld: wires components together into one component.
//!
//! Built on wasm-compose's `CompositionGraph`, which encodes the result and
//! checks each connection's types; weld adds the choice of what to connect
//! (semver-aware, transitive, restricted per plug) and errors that say why
//! something did not connect.

mod difference;
mod encode;
mod imported;
pub mod interpose;
mod manifest;
mod named_types;
mod picture;
mod plan;
mod plug;
mod renumber;
mod splice;
mod structure;
mod unshare;

pub use encode::{Components, Output};
pub use manifest::{Manifest, Mediated, Mediator, Virtualize};
pub use picture::{Format, Picture};
pub use plan::{Export, Instance, Link, Plan, Shared, Unfilled};
pub use plug::{Composed, Plug, plug};

use std::path::{Path, PathBuf};

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
    #[error("plug `{component}` has no export `{name}` to restrict it to; it exports {available}")]
    NoSuchExport {
        component: String,
        name: String,
        available: String,
    },
    #[error("{location}: {message}")]
    Manifest { location: String, message: String },
    #[error("cycle: {0}")]
    Cycle(String),
    #[error(
        "the composition would hold {count} component instances (its instances, and one for each interface passed between them), more than the {limit} a component may hold; compose part of it first and plug that in"
    )]
    TooLarge { count: usize, limit: usize },
    #[error(
        "`{importer}` imports `{import}`, but what `{exporter}` exports as `{export}` does not fit:\n{difference}"
    )]
    Mismatch {
        importer: String,
        import: String,
        exporter: String,
        export: String,
        difference: String,
    },
    #[error(transparent)]
    TypeOfFilledImport(Box<FilledImportType>),
    #[error(transparent)]
    HostImportConflict(Box<HostImportConflict>),
    #[error(transparent)]
    ExportUsesFilledImport(Box<ExportUsesFilledImport>),
    #[error("failed to encode the composition")]
    Encode(#[source] BoxError),
    #[error("the composition does not validate; this is a bug in weld")]
    InvalidOutput(#[source] BoxError),
}

/// A world-level `use` of a type from an import that a plug fills, where
/// the type names others of that interface (see `encode.rs`).
#[derive(Debug, thiserror::Error)]
#[error(
    "`{importer}` imports type `{name}` from `{import}` itself (a world-level `use {import}.{{{ty}}}`), and `{ty}` names other types of `{import}`, so `{import}` cannot be filled by `{exporter}`: the composition would have to import a type of an instance inside it. Move the `use` into an interface of the world, or leave `{import}` to the host"
)]
pub struct FilledImportType {
    pub importer: String,
    pub import: String,
    pub exporter: String,
    /// The type import's name.
    pub name: String,
    /// The type's name in `import`.
    pub ty: String,
}

/// Two instances leave an import of one name to the host, which the
/// result imports once, but their types of it take a resource from
/// different imports, so no one import fits both (see `unshare.rs`).
#[derive(Debug, thiserror::Error)]
#[error(
    "`{first}` and `{second}` both leave `{import}` to the host, but its resource `{resource}` is {first_origin} in `{first}` and {second_origin} in `{second}`: the result imports `{import}` once, and one import cannot be both. Build them against the same interfaces, or fill `{import}` for one of them"
)]
pub struct HostImportConflict {
    pub import: String,
    /// The resource's name in `import`.
    pub resource: String,
    pub first: String,
    /// Where `first`'s type of `import` takes the resource from.
    pub first_origin: String,
    pub second: String,
    pub second_origin: String,
}

/// An export of the result uses a resource that an import of its
/// component brings, and another component fills that import, so the
/// export would name a type defined inside the result (see `unshare.rs`).
#[derive(Debug, thiserror::Error)]
#[error(
    "`{exporter}` exports `{export}`, whose types use the resource `{resource}` of its import `{import}`, and `{filler}` fills `{import}` inside the composition: the result would export types naming a resource that exists only inside it, which the component model does not allow (the result does not validate). Leave `{import}` to the host, or leave `{export}` out of the result's exports"
)]
pub struct ExportUsesFilledImport {
    pub exporter: String,
    pub export: String,
    pub import: String,
    pub resource: String,
    pub filler: String,
}

/// The picture of a composed component, read back from its top level.
pub fn picture_of_component(path: &Path, bytes: &[u8]) -> Result<Picture, Error> {
    if weld_wit::wasm::kind(path, bytes)? == weld_wit::wasm::WasmKind::Module {
        return Err(weld_wit::Error::CoreModule {
            path: path.to_owned(),
            hint: ", which instantiates no components",
        }
        .into());
    }
    weld_wit::wasm::validate(path, bytes)?;
    let structure = structure::Structure::read(bytes).map_err(|e| Error::Parse {
        path: path.to_owned(),
        source: e.into(),
    })?;
    let name = weld_wit::files::source_stem(path).unwrap_or_else(|| "component".into());
    Ok(Picture::of_component(&structure, &name))
}
