use crate::cmd::virt::stage_report;
use crate::flags::ComposeOutput;
use crate::io::LockUse;
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
///
/// A component may be a registry reference (`app =
/// "oci://ghcr.io/my/app:1.0"`). What each tag resolved to is recorded in
/// `weld.lock` beside the manifest, written with the output, and used by
/// later compositions, so that the manifest composes the same bytes on
/// every machine until `--update`.
#[derive(clap::Args)]
pub struct Args {
    /// The manifest, such as `weld.toml`.
    manifest: PathBuf,
    /// Resolve every tag afresh, and record what it names now in `weld.lock`.
    #[arg(long, conflicts_with = "locked")]
    update: bool,
    /// Fail rather than change `weld.lock` (for CI).
    #[arg(long)]
    locked: bool,
    #[command(flatten)]
    output: ComposeOutput,
}

impl Args {
    pub fn run(self) -> Result<()> {
        let context = || format!("failed to compose `{}`", self.manifest.display());
        let lock_use = match (self.update, self.locked) {
            (true, _) => LockUse::Update,
            (_, true) => LockUse::Locked,
            _ => LockUse::Follow,
        };
        let loaded = crate::io::load_manifest(&self.manifest, lock_use).with_context(context)?;
        let validated = self.output.cache.validated();
        let composition = weld_virt::compose_manifest(&loaded.manifest, &self.manifest, &validated)
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
        if loaded.lock_changed && !self.output.dry_run {
            outputs
                .update(&loaded.lock.path, &loaded.lock.to_text())
                .with_context(context)?;
        }
        outputs.commit().with_context(context)
    }
}
