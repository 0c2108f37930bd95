//! What an input is: bytes, made of parts when a target needs several (a
//! socket and its plugs, an old and a new WIT, a component and the bytes
//! its policy is drawn from). Every byte string splits into parts, so a
//! saved input replays as it was, and a truncated one still means
//! something.
//!
//! Also the seeds every target mutates: the repository's own fixtures,
//! read once at start-up.

use crate::rng::Rng;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// `parts` as an input of `N` parts, those missing empty: the length of
/// each but the last (u32, little endian) before it, the last taking the
/// rest.
pub fn join<const N: usize>(parts: &[&[u8]]) -> Vec<u8> {
    assert!(
        parts.len() <= N,
        "{} parts for an input of {N}",
        parts.len()
    );
    let mut out = Vec::new();
    for i in 0..N {
        let part = parts.get(i).copied().unwrap_or_default();
        if i + 1 < N {
            out.extend((part.len() as u32).to_le_bytes());
        }
        out.extend_from_slice(part);
    }
    out
}

/// The `N` parts of `input`, as [`join`] lays them out; a length beyond
/// the end is cut short, and missing parts are empty.
pub fn split<const N: usize>(input: &[u8]) -> [&[u8]; N] {
    let mut rest = input;
    let mut parts = [&[][..]; N];
    for part in parts.iter_mut().take(N.saturating_sub(1)) {
        let (len, after) = match rest.split_first_chunk::<4>() {
            Some((len, after)) => (u32::from_le_bytes(*len) as usize, after),
            None => (0, &[][..]),
        };
        (*part, rest) = after.split_at(len.min(after.len()));
    }
    if let Some(last) = parts.last_mut() {
        *last = rest;
    }
    parts
}

/// Byte-level mutations: flips, overwrites with interesting values,
/// insertions, deletions, duplications, truncation, and splices with
/// `other`.
pub fn mutate(rng: &mut Rng, mut data: Vec<u8>, other: &[u8]) -> Vec<u8> {
    for _ in 0..=rng.below(8) {
        let len = data.len();
        let at = rng.below(len + 1);
        match rng.below(8) {
            0 if at < len => data[at] ^= 1 << rng.below(8),
            1 if at < len => data[at] = rng.next() as u8,
            2 if at < len => data[at] = *rng.pick(&[0, 1, 0x7f, 0x80, 0xff, 0x40]).unwrap(),
            3 => {
                let n = 1 + rng.below(16);
                data.splice(at..at, rng.bytes(n));
            }
            4 => {
                let end = (at + 1 + rng.below(64)).min(len);
                data.drain(at.min(end)..end);
            }
            5 => {
                let end = (at + 1 + rng.below(64)).min(len);
                let copy = data[at.min(end)..end].to_vec();
                let to = rng.below(len + 1);
                data.splice(to..to, copy);
            }
            6 => data.truncate(at),
            _ => {
                let from = rng.below(other.len() + 1);
                let end = (from + rng.below(256)).min(other.len());
                data.truncate(at);
                data.extend_from_slice(&other[from..end]);
            }
        }
    }
    data
}

/// Line- and word-level mutations of text (WIT, TOML, WAVE), which keep
/// more of it parseable than byte flips do; then, sometimes, bytes.
pub fn mutate_text(rng: &mut Rng, text: &str, other: &str) -> Vec<u8> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || "-_:/@.".contains(c)))
        .filter(|w| !w.is_empty())
        .chain(other.split_whitespace())
        .collect();
    for _ in 0..=rng.below(4) {
        let at = rng.below(lines.len());
        match rng.below(5) {
            0 if !lines.is_empty() => drop(lines.remove(at)),
            1 if !lines.is_empty() => lines.insert(rng.below(lines.len()), lines[at].clone()),
            2 if !lines.is_empty() => {
                let to = rng.below(lines.len());
                lines.swap(at, to);
            }
            3 if !lines.is_empty() => {
                if let (Some(from), Some(to)) = (rng.pick(&words), rng.pick(&words)) {
                    lines[at] = lines[at].replacen(from, to, 1);
                }
            }
            _ => {
                if let Some(line) = rng.pick(&other.lines().collect::<Vec<_>>()) {
                    lines.insert(at, (*line).to_owned());
                }
            }
        }
    }
    let bytes = lines.join("\n").into_bytes();
    match rng.one_in(4) {
        true => mutate(rng, bytes, other.as_bytes()),
        false => bytes,
    }
}

/// The repository's files that targets start from, by kind.
#[derive(Default)]
pub struct Seeds {
    /// Binary components (WebAssembly text converted), each under 2 MB.
    pub components: Vec<Vec<u8>>,
    pub modules: Vec<Vec<u8>>,
    /// Bytes that are neither: empty, truncated and random files.
    pub other: Vec<Vec<u8>>,
    pub wit: Vec<String>,
    pub toml: Vec<String>,
    /// The interfaces each of `components` exports, decoded on first use:
    /// `plug` looks for the seeds that fit a socket on every iteration,
    /// and decoding them all each time held it to 20 iterations a second.
    exports: OnceLock<Vec<Vec<String>>>,
}

/// Files over this size would make every iteration that touches them slow.
const LARGEST_SEED: u64 = 2 << 20;

impl Seeds {
    /// The repository's fixtures, WIT and CLI test inputs, and the files
    /// under `corpus`.
    pub fn load(corpus: Option<&Path>) -> Seeds {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        for dir in ["fixtures/components", "fixtures/wat", "tests/cli", "wit"] {
            walk(&root.join(dir), &mut files);
        }
        if let Some(corpus) = corpus {
            walk(corpus, &mut files);
        }
        files.sort();
        let mut seeds = Seeds::default();
        for file in files {
            seeds.add(&file);
        }
        seeds
    }

    /// What each of [`Seeds::components`] exports, in the same order.
    pub fn exports(&self) -> &[Vec<String>] {
        self.exports.get_or_init(|| {
            self.components
                .iter()
                .map(|c| crate::targets::interfaces(c).1)
                .collect()
        })
    }

    fn add(&mut self, file: &Path) {
        let Ok(bytes) = std::fs::read(file) else {
            return;
        };
        let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
        match ext {
            "wit" => self.wit.extend(String::from_utf8(bytes).ok()),
            "toml" => self.toml.extend(String::from_utf8(bytes).ok()),
            "wasm" | "wat" | "bin" => {
                let binary = weld_wit::wasm::to_binary(file, bytes.clone().into());
                match binary.map(|b| (weld_wit::wasm::kind(file, &b), b)) {
                    Ok((Ok(weld_wit::wasm::WasmKind::Component), b)) => {
                        self.components.push(b.into_vec())
                    }
                    Ok((Ok(weld_wit::wasm::WasmKind::Module), b)) => {
                        self.modules.push(b.into_vec())
                    }
                    _ => self.other.push(bytes),
                }
            }
            _ => {}
        }
    }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.metadata() {
            Ok(meta) if meta.is_dir() => walk(&path, files),
            Ok(meta) if meta.len() <= LARGEST_SEED => files.push(path),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip() {
        let parts: [&[u8]; 3] = [b"socket", b"", b"plug"];
        assert_eq!(split::<3>(&join::<3>(&parts)), parts);
        assert_eq!(split::<2>(b"\xff"), [&b""[..], &b""[..]]);
        assert_eq!(
            split::<3>(&join::<3>(&parts[..1])),
            [&b"socket"[..], b"", b""]
        );
    }
}
