use crate::io;
use anyhow::{Context, Result};
use std::path::PathBuf;

/// Pull a component from an OCI registry, and print the manifest digest.
///
/// The manifest and the component are checked against their digests (the
/// one pinned with `@sha256:`, else the one the registry names) and kept
/// in weld's cache, so that a pinned reference is pulled once; the output
/// is validated before it is written. Credentials come from
/// `WELD_REGISTRY_USER` and `WELD_REGISTRY_PASSWORD`, else from the Docker
/// config.
#[derive(clap::Args)]
pub struct Args {
    /// What to pull: `oci://HOST[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST]`.
    reference: String,
    /// Where to write the component (`-` for stdout).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
}

impl Args {
    pub fn run(self) -> Result<()> {
        let context = || format!("failed to pull `{}`", self.reference);
        let reference = weld_registry::Reference::parse(&self.reference).with_context(context)?;
        let pulled = io::pull(&reference, None).with_context(context)?;
        weld_wit::wasm::validate(std::path::Path::new(&self.reference), &pulled.bytes)
            .with_context(context)?;
        let mut outputs = io::Outputs::default();
        outputs
            .binary(Some(&self.output), &pulled.bytes)
            .with_context(context)?;
        outputs.commit().with_context(context)?;
        // With the component on stdout, the digest goes to stderr.
        if self.output.as_os_str() == "-" {
            eprintln!("{}", pulled.digest);
            Ok(())
        } else {
            io::write_text(None, &format!("{}\n", pulled.digest))
        }
    }
}
