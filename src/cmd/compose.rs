use crate::flags::ComposeOutput;
use anyhow::{Context, Result};
use std::path::PathBuf;

/// Compose components as a TOML manifest describes.
///
/// The manifest names components (paths relative to it), makes instances
/// of them (several of one component if needed), wires an instance's
/// imports to other instances' exports, and says what the result exports:
///
///   [components]
///   app = "python-app.wasm"
///   processor = "c-processor.wasm"
///
///   [instances.app.with]
///   "my:image-processor/process" = "processor"
///
/// Without [instances], each component has one instance of its own name.
/// Without [exports], the result exports what the one instance no other
/// imports from exports. Imports left unwired become the result's, merged.
#[derive(clap::Args)]
pub struct Args {
    /// The manifest, such as `weld.toml`.
    manifest: PathBuf,
    #[command(flatten)]
    output: ComposeOutput,
}

impl Args {
    pub fn run(self) -> Result<()> {
        let context = || format!("failed to compose `{}`", self.manifest.display());
        let composed = weld_link::Manifest::load(&self.manifest)
            .and_then(|manifest| manifest.compose(self.output.dry_run))
            .with_context(context)?;
        // Validation ends while the result is written.
        self.output.write(composed).with_context(context)
    }
}
