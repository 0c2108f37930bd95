//! What a guest may reach: the WASI context built from granted capabilities,
//! and the store state that enforces the memory limit.

use crate::limits::Limit;
use std::path::PathBuf;
use std::str::FromStr;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// Capabilities granted to a guest; everything is denied unless listed.
#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    /// `argv`, the program name first.
    pub args: Vec<String>,
    pub dirs: Vec<DirGrant>,
    /// `NAME=VALUE` pairs, or `NAME` alone to pass the host's value on.
    pub env: Vec<(String, Option<String>)>,
    pub inherit_env: bool,
    pub inherit_network: bool,
    pub stdio: Stdio,
}

/// Where the guest's standard streams go.
#[derive(Debug, Clone, Default)]
pub enum Stdio {
    /// The host process's own stdin, stdout and stderr.
    #[default]
    Inherit,
    /// stdin from bytes; stdout and stderr captured (`weld test`).
    Captured {
        stdin: Vec<u8>,
        stdout: MemoryOutputPipe,
        stderr: MemoryOutputPipe,
    },
}

/// A host directory made visible to the guest: `HOST[::GUEST][:ro]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGrant {
    pub host: PathBuf,
    pub guest: String,
    pub read_only: bool,
}

impl FromStr for DirGrant {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (spec, read_only) = match text.strip_suffix(":ro") {
            Some(spec) => (spec, true),
            None => (text.strip_suffix(":rw").unwrap_or(text), false),
        };
        let (host, guest) = match spec.split_once("::") {
            Some((host, guest)) => (host, guest),
            None => (spec, spec),
        };
        if host.is_empty() || guest.is_empty() {
            return Err(format!("`{text}` is not HOST[::GUEST][:ro]"));
        }
        Ok(DirGrant {
            host: PathBuf::from(host),
            guest: guest.to_owned(),
            read_only,
        })
    }
}

/// A `NAME=VALUE` or `NAME` environment grant.
pub fn parse_env(text: &str) -> Result<(String, Option<String>), String> {
    let (name, value) = match text.split_once('=') {
        Some((name, value)) => (name, Some(value.to_owned())),
        None => (text, None),
    };
    if name.is_empty() {
        return Err(format!("`{text}` is not NAME[=VALUE]"));
    }
    Ok((name.to_owned(), value))
}

impl Capabilities {
    /// Builds the WASI context; fails if a granted directory cannot be opened.
    pub(crate) fn wasi(&self) -> Result<WasiCtx, crate::Error> {
        let mut builder = WasiCtxBuilder::new();
        builder.args(&self.args);
        if self.inherit_env {
            builder.inherit_env();
        }
        for (name, value) in &self.env {
            match value {
                Some(value) => {
                    builder.env(name, value);
                }
                None => {
                    if let Ok(value) = std::env::var(name) {
                        builder.env(name, value);
                    }
                }
            }
        }
        for dir in &self.dirs {
            let perms = if dir.read_only {
                FsPerms::ReadOnly
            } else {
                FsPerms::ReadWrite
            };
            builder
                .preopened_dir(&dir.host, &dir.guest, perms)
                .map_err(|e| crate::Error::Dir {
                    path: dir.host.clone(),
                    source: e.into_boxed_dyn_error(),
                })?;
        }
        if self.inherit_network {
            // wasmtime-wasi allows no TCP, UDP or name lookups by default.
            builder.inherit_network();
            builder.allow_tcp(true);
            builder.allow_udp(true);
            builder.allow_ip_name_lookup(true);
        }
        match &self.stdio {
            Stdio::Inherit => {
                builder.inherit_stdio();
            }
            Stdio::Captured {
                stdin,
                stdout,
                stderr,
            } => {
                builder.stdin(MemoryInputPipe::new(stdin.clone()));
                builder.stdout(stdout.clone());
                builder.stderr(stderr.clone());
            }
        }
        Ok(builder.build())
    }
}

/// The state of one store: WASI, its resources, and the memory accounting.
pub struct Host {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) memory: MemoryLimiter,
    /// The limits this store was made with, to name the one that is hit.
    pub(crate) limits: crate::Limits,
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Caps the linear memory of a whole store (not each memory on its own), and
/// remembers that the cap was hit so the trap can be reported as a limit.
#[derive(Default)]
pub(crate) struct MemoryLimiter {
    pub(crate) limit: Option<u64>,
    used: u64,
    pub(crate) hit: Option<Limit>,
}

impl MemoryLimiter {
    pub(crate) fn new(limit: Option<u64>) -> Self {
        MemoryLimiter {
            limit,
            ..Default::default()
        }
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let requested = self.used.saturating_sub(current as u64) + desired as u64;
        if let Some(limit) = self.limit
            && requested > limit
        {
            let hit = Limit::Memory { limit, requested };
            self.hit = Some(hit);
            // An error, not `Ok(false)`: growth failing quietly would let the
            // guest carry on and fail somewhere that names no limit.
            return Err(wasmtime::format_err!("{hit}"));
        }
        self.used = requested;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_grants() {
        let grant = |s: &str| s.parse::<DirGrant>();
        assert_eq!(
            grant("data"),
            Ok(DirGrant {
                host: "data".into(),
                guest: "data".into(),
                read_only: false
            })
        );
        assert_eq!(
            grant("/srv/images::/images:ro"),
            Ok(DirGrant {
                host: "/srv/images".into(),
                guest: "/images".into(),
                read_only: true
            })
        );
        assert!(grant("::/x").is_err());
        assert_eq!(parse_env("A=b=c"), Ok(("A".into(), Some("b=c".into()))));
        assert_eq!(parse_env("HOME"), Ok(("HOME".into(), None)));
        assert!(parse_env("=x").is_err());
    }
}
