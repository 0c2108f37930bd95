//! What weld shows on stderr while it waits, and only when stderr is a
//! terminal: a spinner for a compile (after a second), and a bar for a
//! registry transfer of more than a MiB, as the issue that added
//! registries asked, so that pipes and CI logs get neither.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub struct Spinner {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Spinner {
    /// Shows `compiling NAME` until dropped.
    pub fn start(name: &Path) -> Spinner {
        if !std::io::stderr().is_terminal() {
            return Spinner {
                stop: None,
                thread: None,
            };
        }
        let (stop, stopped) = mpsc::channel();
        let label = format!("compiling {}", name.display());
        let thread = std::thread::spawn(move || {
            let start = Instant::now();
            if stopped.recv_timeout(Duration::from_secs(1)).is_ok() {
                return;
            }
            let frames = ['|', '/', '-', '\\'];
            let mut frame = 0;
            loop {
                eprint!(
                    "\r{} {label} ({}s)",
                    frames[frame % 4],
                    start.elapsed().as_secs()
                );
                let _ = std::io::stderr().flush();
                frame += 1;
                if stopped.recv_timeout(Duration::from_millis(100)).is_ok() {
                    eprint!("\r\x1b[2K");
                    return;
                }
            }
        });
        Spinner {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Transfers smaller than this show no bar.
const BAR_FROM: u64 = 1 << 20;

/// A bar for registry pushes and pulls.
pub struct Transfer {
    state: std::sync::Mutex<Option<Bar>>,
}

struct Bar {
    label: String,
    total: u64,
    drawn: Instant,
}

impl Transfer {
    /// A bar on stderr if it is a terminal, else nothing.
    pub fn on_stderr() -> std::sync::Arc<dyn weld_registry::Progress> {
        if std::io::stderr().is_terminal() {
            std::sync::Arc::new(Transfer {
                state: std::sync::Mutex::new(None),
            })
        } else {
            std::sync::Arc::new(weld_registry::Silent)
        }
    }
}

impl weld_registry::Progress for Transfer {
    fn start(&self, verb: &'static str, what: &str, total: u64) {
        let bar = (total > BAR_FROM).then(|| Bar {
            label: weld_wit::display::escape_control(&format!("{verb} {what}")),
            total,
            drawn: Instant::now() - Duration::from_secs(1),
        });
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = bar;
    }

    fn advance(&self, done: u64) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(bar) = state.as_mut() else { return };
        if bar.drawn.elapsed() < Duration::from_millis(100) && done < bar.total {
            return;
        }
        bar.drawn = Instant::now();
        let mib = |bytes: u64| bytes as f64 / (1 << 20) as f64;
        eprint!(
            "\r\x1b[2K{} {:.1}/{:.1} MiB ({}%)",
            bar.label,
            mib(done),
            mib(bar.total),
            done * 100 / bar.total.max(1)
        );
        let _ = std::io::stderr().flush();
    }

    fn finish(&self) {
        if self
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .is_some()
        {
            eprint!("\r\x1b[2K");
        }
    }
}
