//! weld: read WIT, compose, virtualise, run and check WebAssembly components.
//!
//! This binary only parses flags and calls the libraries in `crates/`; each
//! subcommand lives in its own file under `cmd/`.

use clap::Parser;
use std::process::ExitCode;

mod cmd;
mod flags;
mod io;
mod progress;
mod signals;

#[derive(Parser)]
#[command(name = "weld", version, about, max_term_width = 100)]
enum Cli {
    Wit(cmd::wit::Args),
    Inspect(cmd::inspect::Args),
    New(cmd::new::Args),
    Plug(cmd::plug::Args),
    Compose(cmd::compose::Args),
    Virt(cmd::virt::Args),
    Graph(cmd::graph::Args),
    Run(cmd::run::Args),
    Serve(cmd::serve::Args),
    Invoke(cmd::invoke::Args),
    Test(cmd::test::Args),
    Check(cmd::check::Args),
}

fn main() -> ExitCode {
    signals::install();
    let result = match Cli::parse() {
        Cli::Wit(args) => args.run().map(|()| 0),
        Cli::Inspect(args) => args.run().map(|()| 0),
        Cli::New(args) => args.run().map(|()| 0),
        Cli::Plug(args) => args.run().map(|()| 0),
        Cli::Compose(args) => args.run().map(|()| 0),
        Cli::Virt(args) => args.run().map(|()| 0),
        Cli::Graph(args) => args.run().map(|()| 0),
        Cli::Run(args) => args.run(),
        Cli::Serve(args) => args.run(),
        Cli::Invoke(args) => args.run(),
        Cli::Test(args) => args.run(),
        Cli::Check(args) => args.run(),
    };
    match result {
        Ok(status) => ExitCode::from(status),
        Err(error) => {
            eprintln!(
                "{}",
                weld_wit::display::escape_control(&render_error(&error))
            );
            ExitCode::from(exit_status(&error))
        }
    }
}

/// The runner's failures (traps, limits) have statuses of their own, and
/// `weld check` says 2 when it cannot read its input.
fn exit_status(error: &anyhow::Error) -> u8 {
    if error.is::<cmd::check::Unreadable>() {
        return 2;
    }
    error
        .chain()
        .find_map(|cause| cause.downcast_ref::<weld_run::Error>())
        .map_or(1, weld_run::Error::exit_status)
}

/// `error: what failed`, then each cause on its own indented line: the
/// format of wasm-tools and wasmtime, without a backtrace even when
/// `RUST_BACKTRACE` is set, since these are user errors, not bugs.
fn render_error(error: &anyhow::Error) -> String {
    let mut text = format!("error: {error}");
    let causes: Vec<_> = error.chain().skip(1).collect();
    if !causes.is_empty() {
        text.push_str("\n\nCaused by:");
        for cause in causes {
            for (i, line) in cause.to_string().lines().enumerate() {
                let bullet = if i == 0 { "  - " } else { "    " };
                text.push_str(&format!("\n{bullet}{line}"));
            }
        }
    }
    text
}
