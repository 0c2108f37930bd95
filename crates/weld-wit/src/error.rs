use std::path::PathBuf;

/// Errors from loading, printing, inspecting and componentizing.
///
/// Each variant names the input at fault; the underlying cause (an I/O error,
/// or a wit-parser/wit-component message that already carries
/// `file:line:col`) is kept as the source so the CLI can show the whole chain.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read `{spec}` from git: {message}")]
    Git { spec: String, message: String },
    #[error("{message}")]
    Pattern { message: String },
    #[error("`{path}` is not a valid policy: {message}")]
    Policy { path: PathBuf, message: String },
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write `{path}`")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` is {kind}, not a regular file; weld reads only regular files")]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("`{path}` is {size} bytes, more than the {limit} weld reads from such a file")]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("`{path}` changed while weld read it; try again once nothing is writing to it")]
    Changed { path: PathBuf },
    #[error("`{path}` holds more than {limit} entries")]
    TooManyFiles { path: PathBuf, limit: usize },
    #[error("`{path}` is not UTF-8 text")]
    NotText { path: PathBuf },
    #[error("`{path}` is empty")]
    Empty { path: PathBuf },
    #[error("`{path}` is neither a WebAssembly binary nor WebAssembly text")]
    NotWasm { path: PathBuf },
    #[error("`{path}` is not a WebAssembly binary and cannot be parsed as WebAssembly text")]
    Wat {
        path: PathBuf,
        #[source]
        source: wat::Error,
    },
    #[error("`{path}` is not valid WebAssembly")]
    Invalid {
        path: PathBuf,
        #[source]
        source: wasmparser::BinaryReaderError,
    },
    /// WebAssembly text that parses but does not validate. The validator's
    /// offset is into the binary weld made of the text, which means
    /// nothing to whoever wrote it: the function it falls in is named
    /// instead.
    #[error("`{path}` is not valid WebAssembly")]
    InvalidText {
        path: PathBuf,
        #[source]
        source: TextFault,
    },
    #[error("`{path}` is a core module, not a component{hint}")]
    CoreModule { path: PathBuf, hint: &'static str },
    #[error("`{path}` is a component, not a core module; `weld new` takes a core module")]
    Component { path: PathBuf },
    #[error("failed to resolve the WIT package at `{path}`")]
    Wit {
        path: PathBuf,
        #[source]
        source: BoxError,
    },
    #[error("failed to decode the WIT of `{path}`")]
    Decode {
        path: PathBuf,
        #[source]
        source: BoxError,
    },
    #[error("no world named `{name}` in package `{package}`; it has {available}")]
    NoSuchWorld {
        name: String,
        package: String,
        available: String,
    },
    #[error("package `{package}` has {available}; choose one with --world")]
    AmbiguousWorld { package: String, available: String },
    #[error("`{path}` already exists and is not an empty directory; refusing to overwrite it")]
    OutputDirExists { path: PathBuf },
    #[error("failed to print WIT")]
    Print(#[source] BoxError),
    /// Only a decoded package can be like this: wit-parser adds what a
    /// world's interfaces use when it resolves WIT text.
    #[error(
        "world `{world}` exports `{export}`, which uses types of `{uses}`, but the world neither imports nor exports `{uses}`: the encoded package is malformed"
    )]
    WorldMissesDependency {
        world: String,
        export: String,
        uses: String,
    },
    #[error(
        "`{path}` carries no WIT (no `component-type` custom section) and imports no WASI preview1 functions; give its world with --wit DIR --world NAME"
    )]
    NoWorld { path: PathBuf },
    #[error(
        "`{path}` exports `{exports}` but carries no WIT to say what they are; give its world with --wit DIR --world NAME"
    )]
    ExportsWithoutWit { path: PathBuf, exports: String },
    #[error("failed to embed world `{world}` into `{path}`")]
    Embed {
        path: PathBuf,
        world: String,
        #[source]
        source: BoxError,
    },
    #[error("failed to make a component of `{path}`")]
    Encode {
        path: PathBuf,
        #[source]
        source: BoxError,
    },
    #[error(
        "the component made of `{path}` does not validate; this is a bug in weld or wit-component"
    )]
    InvalidOutput {
        path: PathBuf,
        #[source]
        source: wasmparser::BinaryReaderError,
    },
}

/// wit-parser and wit-component report errors as `anyhow::Error`; we keep them
/// as opaque sources so that their rendered spans (`--> file:line:col`) reach
/// the user unchanged.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why WebAssembly text does not validate, and where.
#[derive(Debug, thiserror::Error)]
#[error("{message}{}", match place { Some(place) => format!(", in {place}"), None => String::new() })]
pub struct TextFault {
    /// The validator's message, without its binary offset.
    pub message: String,
    /// The function the fault is in (`function $add`, or `function 3`
    /// when the text names none), if it is in one.
    pub place: Option<String>,
}
