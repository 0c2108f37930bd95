//! A `weld serve` process on a free port of 127.0.0.1, a minimal HTTP/1.1
//! client to talk to it over a real socket, and an upstream server for
//! the handlers' outgoing requests.
//!
//! The client is written out here rather than taken from a crate so that
//! the tests see the bytes on the wire as a client would: status line,
//! headers, a body framed by `content-length`, chunks or the close.

use super::{cache_dir, root};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A running `weld serve`; killed when dropped.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    log: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Starts `weld serve --addr 127.0.0.1:0 ARGS` and waits for its
    /// `listening on` line. Panics, with what weld said, if it exits first.
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_weld"))
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .current_dir(root())
            .env("NO_COLOR", "1")
            .env("WELD_CACHE_DIR", cache_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("weld starts");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut said = String::new();
        let addr = loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap_or(0) == 0 {
                let status = child.wait().unwrap();
                panic!("`weld serve {}` exited ({status}):\n{said}", args.join(" "));
            }
            said.push_str(&line);
            if let Some(url) = line.trim().strip_prefix("listening on http://") {
                break url.parse().expect("an address");
            }
        };
        let log = Arc::new(Mutex::new(said));
        let sink = log.clone();
        let reader = std::thread::spawn(move || {
            for line in stderr.lines() {
                let Ok(line) = line else { break };
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        Server {
            child,
            addr,
            log,
            reader: Some(reader),
        }
    }

    pub fn get(&self, path: &str) -> Response {
        request(self.addr, "GET", path, &[], b"")
    }

    pub fn post(&self, path: &str, body: &[u8]) -> Response {
        request(self.addr, "POST", path, &[], body)
    }

    /// What weld has written to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Sends `signal` and waits for weld to exit: its status and all it
    /// wrote to stderr.
    pub fn stop(mut self, signal: i32) -> (std::process::ExitStatus, String) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, signal) };
        let status = self.child.wait().unwrap();
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        (status, self.log())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request on its own connection (`connection: close`).
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect(addr).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    read_response(&mut BufReader::new(stream))
}

fn read_response(reader: &mut impl BufRead) -> Response {
    let mut line = String::new();
    reader.read_line(&mut line).expect("a status line");
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a status line: {line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("a header");
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _): &&(String, String)| n == name)
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let size = usize::from_str_radix(size.trim(), 16).expect("a chunk size");
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).unwrap();
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = find("content-length") {
        body.resize(length.parse().unwrap(), 0);
        reader.read_exact(&mut body).unwrap();
    } else {
        reader.read_to_end(&mut body).unwrap();
    }
    Response {
        status,
        headers,
        body,
    }
}

/// An upstream on 127.0.0.1 that answers every request with `status` and
/// `body`, and counts the requests it got.
pub struct Upstream {
    pub addr: SocketAddr,
    pub hits: Arc<Mutex<usize>>,
}

impl Upstream {
    pub fn start(status: u16, body: &'static str) -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(Mutex::new(0));
        let count = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                *count.lock().unwrap() += 1;
                // Read the request head; a GET has no body.
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Upstream { addr, hits }
    }

    pub fn hits(&self) -> usize {
        *self.hits.lock().unwrap()
    }
}

/// `weld plug MIDDLEWARE --plug MIDDLEWARE ... --plug HANDLER -o OUT`:
/// `layers` copies of one middleware in front of a handler, each filling
/// the previous one's imported handler.
pub fn chain_of(middleware: &str, layers: usize, handler: &str, out: &str) {
    let mut args = vec!["plug", middleware];
    for _ in 1..layers {
        args.extend(["--plug", middleware]);
    }
    args.extend(["--plug", handler, "-o", out]);
    super::weld_ok(&args);
}

/// A running `wasmtime serve` (the peer of `common::wasmtime_cli`) on a free
/// port of 127.0.0.1; killed when dropped, whether the test's checks pass
/// or not.
pub struct Peer {
    child: Child,
    pub addr: SocketAddr,
}

impl Peer {
    /// Starts `wasmtime serve --addr ADDR ARGS` and waits until it accepts
    /// connections; `None` when no wasmtime CLI is installed.
    pub fn start(args: &[&str]) -> Option<Peer> {
        let wasmtime = super::wasmtime_cli()?;
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let child = Command::new(wasmtime)
            .arg("serve")
            .args(["--addr", &addr.to_string()])
            .args(args)
            .current_dir(root())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut peer = Peer { child, addr };
        let started = std::time::Instant::now();
        while TcpStream::connect(addr).is_err() {
            if let Some(status) = peer.child.try_wait().unwrap() {
                panic!("`wasmtime serve {}` exited ({status})", args.join(" "));
            }
            assert!(
                started.elapsed().as_secs() < 120,
                "`wasmtime serve {}` did not start",
                args.join(" ")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(peer)
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
