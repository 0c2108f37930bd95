use crate::flags::{CacheFlag, instance_name};
use crate::io;
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::sync::Arc;

/// Instrument a component so that every call across its boundaries is
/// reported, and write it.
///
/// A tap layer goes on each link: between the instances of a composition
/// (made by weld, wac or `wasm-tools compose`), and between each instance
/// and the host. The result imports `weld:trace/tap@0.1.0`
/// (`wit/trace/weld-trace.wit`), which any host can implement, and holds
/// what each call site is in its `weld-trace` section. `weld run`,
/// `invoke`, `test` and `serve` trace it with their `--trace-*` flags;
/// `--trace` on them instruments a component in memory instead.
#[derive(clap::Args)]
pub struct Args {
    /// The component to instrument.
    component: PathBuf,
    /// Where to write the instrumented component.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Tap only the calls a glob matches, by `interface#function` or by
    /// the caller's or callee's instance name (repeatable).
    #[arg(long, value_name = "GLOB")]
    trace_filter: Vec<String>,
    #[command(flatten)]
    cache: CacheFlag,
}

impl Args {
    pub fn run(self) -> Result<()> {
        let wasm: weld_link::Shared = Arc::new(io::read_wasm(&self.component)?);
        let name = io::input_name(&self.component);
        let filter = weld_virt::trace::Filter::new(self.trace_filter.clone())
            .map_err(|e| anyhow::anyhow!("invalid --trace-filter: {e}"))?;
        let traced = weld_virt::trace::instrument(
            &name,
            &wasm,
            &self.cache.validated(),
            &instance_name(&self.component),
            &filter,
        )
        .with_context(|| format!("cannot trace `{}`", name.display()))?;
        let mut outputs = io::Outputs::default();
        outputs.binary(Some(&self.output), &traced.bytes)?;
        outputs.commit()?;
        let sites = traced.table.sites.len();
        eprintln!(
            "{sites} function{} tapped",
            if sites == 1 { "" } else { "s" }
        );
        for untapped in &traced.table.untapped {
            eprintln!(
                "note: calls from {} to `{}` are not traced: {}",
                untapped.caller, untapped.import, untapped.why
            );
        }
        Ok(())
    }
}
