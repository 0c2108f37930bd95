use crate::flags::ComposeOutput;
use crate::io;
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::sync::Arc;
use weld_link::{Plug, Shared};

/// Fill a component's imports with the exports of other components.
///
/// An import takes the first plug, in the order given, that exports the
/// same interface at a semver-compatible version (`@0.2.12` fills
/// `@0.2.0`; never across a major version or a 0.x minor one). Plugs fill
/// each other's imports, looking first at the plugs after them, so
/// decorators that import and export an interface chain in the order given.
/// Imports nothing fills stay imports of the result, merged. Every plug
/// must fill something; when one does not, the error says why.
#[derive(clap::Args)]
pub struct Args {
    /// The component whose imports to fill; the result has its exports.
    socket: PathBuf,
    /// A component to plug in; `FILE[IFACE,...]` offers only those exports.
    #[arg(long = "plug", required = true, value_name = "FILE[IFACE,...]")]
    plugs: Vec<String>,
    #[command(flatten)]
    output: ComposeOutput,
}

impl Args {
    pub fn run(self) -> Result<()> {
        let socket = Arc::new(io::read_wasm(&self.socket)?);
        // A file given several times (a decorator chained with itself) is
        // read once.
        let mut read: Vec<(&str, Shared)> = Vec::new();
        let plugs = self
            .plugs
            .iter()
            .map(|arg| plug(arg, &mut read))
            .collect::<Result<Vec<_>>>()?;
        let context = || format!("failed to plug into `{}`", self.socket.display());
        let plugged = weld_virt::plug(
            &io::input_name(&self.socket),
            &socket,
            &plugs,
            &self.output.cache.validated(),
        )
        .with_context(context)?;
        // Validation ends while the result is written.
        self.output.write(plugged).with_context(context)
    }
}

/// `FILE` or `FILE[IFACE,...]`; `read` holds the files read so far.
fn plug<'a>(arg: &'a str, read: &mut Vec<(&'a str, Shared)>) -> Result<Plug> {
    let (file, only) = match arg.strip_suffix(']').and_then(|rest| rest.split_once('[')) {
        Some((file, list)) => (file, list.split(',').map(|s| s.trim().to_owned()).collect()),
        None => (arg, Vec::new()),
    };
    let only: Vec<String> = only;
    if file.is_empty() || only.iter().any(String::is_empty) {
        bail!("invalid --plug `{arg}`: expected FILE or FILE[IFACE,...]");
    }
    let path = PathBuf::from(file);
    let bytes = match read.iter().find(|(seen, _)| *seen == file) {
        Some((_, bytes)) => Arc::clone(bytes),
        None => {
            let bytes = Arc::new(io::read_wasm(&path)?);
            read.push((file, Arc::clone(&bytes)));
            bytes
        }
    };
    Ok(Plug { bytes, path, only })
}
