use crate::cmd::virt::stage_report;
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
/// A [virtualize] section applies `weld virt`'s policy to the result: its
/// keys are the flags' names (`deny-all = true`, `stdout = "allow"`,
/// `args = [...]`, `env = { NAME = "value" }`, `const = { "IFACE#FUNC" =
/// "VALUE" }`...), and `report = "FILE"` writes what `--report` does.
/// Paths in it are relative to the manifest.
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
        let manifest = weld_link::Manifest::load(&self.manifest).with_context(context)?;
        let validated = self.output.cache.validated();
        let composition = weld_virt::compose_manifest(&manifest, &self.manifest, &validated)
            .with_context(context)?;
        let mut outputs = crate::io::Outputs::default();
        self.output
            .stage(&mut outputs, &composition.plan, composition.component)
            .with_context(context)?;
        if let Some((path, report)) = &composition.report
            && !self.output.dry_run
        {
            stage_report(&mut outputs, path, report).with_context(context)?;
        }
        outputs.commit().with_context(context)
    }
}
