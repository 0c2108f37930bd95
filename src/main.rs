//! weld: read WIT, compose, virtualise, run and check WebAssembly components.
//!
//! This binary only parses flags and calls the libraries in `crates/`; each
//! subcommand lives in its own file under `cmd/`.

use clap::Parser;
use std::process::ExitCode;

mod cmd;
mod io;

#[derive(Parser)]
#[command(name = "weld", version, about, max_term_width = 100)]
enum Cli {
    Wit(cmd::wit::Args),
    Inspect(cmd::inspect::Args),
    New(cmd::new::Args),
}

fn main() -> ExitCode {
    let result = match Cli::parse() {
        Cli::Wit(args) => args.run(),
        Cli::Inspect(args) => args.run(),
        Cli::New(args) => args.run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{}", render_error(&error));
            ExitCode::FAILURE
        }
    }
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
