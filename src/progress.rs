//! A spinner on stderr for waits worth showing: it appears only after a
//! second, and only when stderr is a terminal.

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
