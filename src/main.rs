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
struct Cli {
    #[command(flatten)]
    registry: flags::RegistryFlags,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
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
    Trace(cmd::trace::Args),
    Push(cmd::push::Args),
    Pull(cmd::pull::Args),
}

/// `RUST_BACKTRACE=1`, which developers often leave set, makes every
/// `std::backtrace::Backtrace::capture` walk the stack under a global
/// lock, and wasmtime 48 builds an error (capturing one) each time it puts
/// away the fiber of a blocking cross-component call: under `weld serve`
/// that doubled what the first 0.3 middleware layer costs a request (12
/// against 6 µs, BENCHMARKS.md). weld never shows those backtraces (its
/// errors are context chains, a trap's backtrace is wasm's own), so
/// unless the user chose `RUST_LIB_BACKTRACE`, it turns library
/// backtraces off; panics keep theirs (`RUST_BACKTRACE`).
fn quiet_library_backtraces() {
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        // SAFETY: called first thing in `main`, before any thread exists.
        unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    }
}

fn main() -> ExitCode {
    quiet_library_backtraces();
    signals::install();
    let cli = Cli::parse();
    io::set_registry_settings(cli.registry.settings());
    let result = match cli.command {
        Command::Wit(args) => args.run().map(|()| 0),
        Command::Inspect(args) => args.run().map(|()| 0),
        Command::New(args) => args.run().map(|()| 0),
        Command::Plug(args) => args.run().map(|()| 0),
        Command::Compose(args) => args.run().map(|()| 0),
        Command::Virt(args) => args.run().map(|()| 0),
        Command::Graph(args) => args.run().map(|()| 0),
        Command::Run(args) => args.run(),
        Command::Serve(args) => args.run(),
        Command::Invoke(args) => args.run(),
        Command::Test(args) => args.run(),
        Command::Check(args) => args.run(),
        Command::Trace(args) => args.run().map(|()| 0),
        Command::Push(args) => args.run().map(|()| 0),
        Command::Pull(args) => args.run().map(|()| 0),
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
