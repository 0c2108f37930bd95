use crate::io;
use anyhow::{Context, Result};
use std::path::PathBuf;
use weld_link::{Format, Picture};

/// Draw a composition: its instances, what links them, and what it
/// imports and exports.
///
/// INPUT is a `weld compose` manifest (`*.toml`), drawn as it would be
/// composed, or a composed component, drawn from the instances read back
/// out of it (any composed component: from weld, wac or wasm-tools).
#[derive(clap::Args)]
pub struct Args {
    /// A manifest (`*.toml`) or a composed component (`-` for stdin).
    input: PathBuf,
    /// Mermaid (which GitHub renders in Markdown) or Graphviz dot.
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    format: GraphFormat,
    /// Where to write the picture; stdout when absent.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum GraphFormat {
    Mermaid,
    Dot,
}

impl Args {
    pub fn run(self) -> Result<()> {
        let picture = if self.input.extension().is_some_and(|e| e == "toml") {
            // Drawn as it would be composed: everything is checked.
            let loaded = io::load_manifest(&self.input, io::LockUse::Follow)
                .with_context(|| format!("failed to draw `{}`", self.input.display()))?;
            weld_virt::compose_manifest(&loaded.manifest, &self.input, &Default::default())
                .and_then(|composition| {
                    composition.component.into_bytes()?;
                    Ok(Picture::of_plan(&composition.plan))
                })
        } else {
            let bytes = io::read_wasm(&self.input)?;
            weld_link::picture_of_component(&io::input_name(&self.input), &bytes)
                .map_err(weld_virt::Error::from)
        }
        .with_context(|| format!("failed to draw `{}`", self.input.display()))?;
        for warning in &picture.warnings {
            let warning = weld_wit::display::escape_control(warning);
            eprintln!("warning: `{}`: {warning}", self.input.display());
        }
        let format = match self.format {
            GraphFormat::Mermaid => Format::Mermaid,
            GraphFormat::Dot => Format::Dot,
        };
        io::write_text(self.output.as_deref(), &picture.render(format))
    }
}
