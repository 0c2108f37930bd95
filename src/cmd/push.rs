use crate::io;
use anyhow::{Context, Result};
use std::path::PathBuf;

/// Push a component to an OCI registry, and print the manifest digest.
///
/// The artifact is the CNCF Wasm OCI format that `wkg oci push` writes:
/// one `application/wasm` layer, and a `application/vnd.wasm.config.v0+json`
/// config listing what the component imports and exports. Blobs the
/// registry already has are not sent again. `SOURCE_DATE_EPOCH` sets the
/// config's creation time, so that the same component pushes to the same
/// digest. Credentials come from `WELD_REGISTRY_USER` and
/// `WELD_REGISTRY_PASSWORD`, else from the Docker config.
#[derive(clap::Args)]
pub struct Args {
    /// The component: a file, `-` for stdin, or an `oci://` reference.
    component: PathBuf,
    /// Where to push it: `oci://HOST[:PORT]/REPOSITORY:TAG`.
    reference: String,
    /// The author the artifact's config names.
    #[arg(short, long)]
    author: Option<String>,
}

impl Args {
    pub fn run(self) -> Result<()> {
        let context = || {
            format!(
                "failed to push `{}` to `{}`",
                self.component.display(),
                self.reference
            )
        };
        let reference = weld_registry::Reference::parse(&self.reference).with_context(context)?;
        let bytes = io::read_wasm(&self.component).with_context(context)?;
        let pushed = io::registry()
            .and_then(|registry| {
                let progress = crate::progress::Transfer::on_stderr();
                let labels = weld_registry::artifact::Labels {
                    author: self.author.clone(),
                    // A file's name, as wkg records it; not stdin's or a
                    // reference's.
                    title: (io::reference(&self.component)?.is_none()
                        && self.component.as_os_str() != "-")
                        .then(|| self.component.file_name())
                        .flatten()
                        .map(|name| name.to_string_lossy().into_owned()),
                };
                let name = io::input_name(&self.component);
                Ok(registry.push(&name, &bytes, &reference, labels, progress)?)
            })
            .with_context(context)?;
        io::write_text(None, &format!("{}\n", pushed.digest))
    }
}
