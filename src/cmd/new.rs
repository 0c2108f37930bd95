use crate::io;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use weld_wit::componentize::{self, Options};

/// Make a component from a core module.
///
/// The module's interface comes from the WIT metadata it carries (the
/// `component-type` sections that wit-bindgen and the like embed), or from
/// `--wit DIR --world NAME`. A module importing `wasi_snapshot_preview1` is
/// adapted with the preview1 adapter bundled in weld: the command adapter if
/// it exports `_start`, the reactor adapter otherwise.
#[derive(clap::Args)]
pub struct Args {
    /// The core module, binary or text, or `-` for stdin.
    core: PathBuf,
    /// Where to write the component; stdout if omitted and not a terminal.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// WIT to embed before encoding: a `.wit` file or package directory.
    #[arg(long, value_name = "PATH")]
    wit: Option<PathBuf>,
    /// The world in --wit that the module implements (needed when the
    /// package has several).
    #[arg(long, value_name = "NAME", requires = "wit")]
    world: Option<String>,
    /// Use the adapter module FILE for the core imports of module NAME
    /// (NAME defaults to FILE's stem), in place of the bundled one.
    #[arg(long, value_name = "[NAME=]FILE")]
    adapt: Vec<String>,
}

impl Args {
    pub fn run(self) -> Result<()> {
        let module = io::read_wasm(&self.core)?;
        let wit = match &self.wit {
            Some(path) => Some(weld_wit::load(path)?),
            None => None,
        };
        let options = Options {
            world: wit.as_ref().map(|wit| (wit, self.world.as_deref())),
            adapters: self
                .adapt
                .iter()
                .map(|arg| adapter(arg))
                .collect::<Result<_>>()?,
        };
        let component =
            componentize::new_component(&io::input_name(&self.core), module.into_vec(), &options)?;
        io::write_binary(self.output.as_deref(), &component)
    }
}

fn adapter(arg: &str) -> Result<(String, Vec<u8>)> {
    let (name, file) = match arg.split_once('=') {
        Some((name, file)) => (name.to_owned(), Path::new(file)),
        None => {
            let file = Path::new(arg);
            let stem = file
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            (stem.to_owned(), file)
        }
    };
    if name.is_empty() || file.as_os_str().is_empty() {
        anyhow::bail!("invalid --adapt `{arg}`: expected [NAME=]FILE");
    }
    let bytes = io::read_wasm(file).with_context(|| format!("cannot load adapter `{name}`"))?;
    Ok((name, bytes.into_vec()))
}
