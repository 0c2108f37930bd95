use crate::io;
use anyhow::Result;
use std::path::PathBuf;

/// Show what a component or core module imports, exports and contains.
///
/// For a component: every import and export with its full name, kind and
/// WIT types, its nested modules and components with their sizes, and its
/// producers. For a core module: its imports, exports and any WIT metadata
/// (`component-type` sections) it carries. Accepts WebAssembly text too.
#[derive(clap::Args)]
pub struct Args {
    /// The component or module to inspect, or `-` for stdin.
    path: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

impl Args {
    pub fn run(self) -> Result<()> {
        let bytes = io::read_wasm(&self.path)?;
        let report = weld_wit::inspect::inspect(&io::input_name(&self.path), &bytes)?;
        let text = if self.json {
            serde_json::to_string_pretty(&report)? + "\n"
        } else {
            report.to_string()
        };
        io::write_text(None, &text)
    }
}
