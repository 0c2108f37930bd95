use crate::io;
use anyhow::{Context, Result};
use std::path::PathBuf;

/// Print a WIT package, one world of it, or its machine-readable resolve.
///
/// PATH is a `.wit` file, a package directory with an optional `deps/`, a
/// component whose WIT is decoded, or `-` for WIT text or a binary on stdin.
#[derive(clap::Args)]
pub struct Args {
    /// The WIT file, package directory or component to read.
    path: PathBuf,
    /// Print only this world (`app` or `my:image-processor/app`), with every
    /// interface and type it imports and exports.
    #[arg(short, long, value_name = "NAME")]
    world: Option<String>,
    /// Print the resolved packages, interfaces, worlds and types as JSON.
    #[arg(long, conflicts_with = "out_dir")]
    json: bool,
    /// Write the package as a directory: `DIR/<name>.wit` and its
    /// dependencies in `DIR/deps/`. DIR must not exist or be empty.
    #[arg(long, value_name = "DIR", conflicts_with = "world")]
    out_dir: Option<PathBuf>,
    /// Write the output to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE", conflicts_with = "out_dir")]
    output: Option<PathBuf>,
}

impl Args {
    pub fn run(self) -> Result<()> {
        let wit = if self.path.as_os_str() == "-" || io::reference(&self.path)?.is_some() {
            weld_wit::load_bytes(&io::input_name(&self.path), io::read(&self.path)?)?
        } else {
            weld_wit::load(&self.path)?
        };
        if let Some(dir) = &self.out_dir {
            return weld_wit::print::write_dir(&wit, dir)
                .with_context(|| format!("failed to write the package to `{}`", dir.display()));
        }
        let world = match &self.world {
            Some(name) => Some(wit.world(Some(name))?),
            None => None,
        };
        let text = match (self.json, world) {
            (true, world) => weld_wit::print::json(&wit, world)?,
            (false, Some(world)) => weld_wit::print::world(&wit, world)?,
            (false, None) => weld_wit::print::package(&wit)?,
        };
        io::write_text(self.output.as_deref(), &text)
    }
}
