//! What a guest may reach: the WASI context built from granted capabilities,
//! and the store state that enforces the memory limit.

use crate::http::{HttpGrant, HttpHooks};
use crate::limits::Limit;
use std::path::PathBuf;
use std::str::FromStr;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};
use weld_wit::access::{split_mode, split_unescaped, unescape};

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
    /// Where outgoing HTTP requests may go; none may unless granted.
    pub allow_http: Vec<HttpGrant>,
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

/// A host directory made visible to the guest: `HOST[::GUEST][:ro|:rw]`.
///
/// The access mode is the text after the one `:` that is not part of `::`,
/// matched exactly: a mistyped mode (`:RO`, `:readonly`, `: ro`) is an
/// error, never part of a guest path of a read-write directory. A `:` in a
/// path is written `\:` (and a backslash `\\`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGrant {
    pub host: PathBuf,
    pub guest: String,
    pub read_only: bool,
}

impl FromStr for DirGrant {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let usage = |why: String| {
            format!(
                "`{text}` is not HOST[::GUEST][:ro|:rw]: {why} (write a `:` in a path as `\\:`)"
            )
        };
        let (host, rest) = match split_unescaped(text, "::") {
            Some((host, guest)) => (host, Some(guest)),
            None => (text, None),
        };
        let (path, read_only) = split_mode(rest.unwrap_or(host)).map_err(usage)?;
        let (host, guest) = match rest {
            Some(_) => (unescape(host)?, unescape(path)?),
            None => (unescape(path)?, unescape(path)?),
        };
        if host.is_empty() || guest.is_empty() {
            return Err(usage("a path is empty".into()));
        }
        Ok(DirGrant {
            host: PathBuf::from(host),
            guest,
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

    pub(crate) fn http_hooks(&self) -> HttpHooks {
        HttpHooks {
            grants: self.allow_http.as_slice().into(),
        }
    }
}

/// The state of one store: WASI, its resources, and the memory accounting.
pub struct Host {
    pub(crate) wasi: WasiCtx,
    pub(crate) http: WasiHttpCtx,
    pub(crate) http_hooks: HttpHooks,
    pub(crate) table: ResourceTable,
    pub(crate) memory: MemoryLimiter,
    /// The limits this store was made with, to name the one that is hit.
    pub(crate) limits: crate::Limits,
    /// The calls in progress, when the component is traced.
    pub(crate) calls: Option<crate::trace::Calls>,
    /// The arguments of the call in progress, when an argument layer
    /// takes them from the host (see `weld_virt::arguments`).
    pub(crate) arguments: Option<weld_virt::arguments::Laid>,
}

impl Host {
    /// Reports the calls of a traced component in this store to `calls`.
    pub fn trace(&mut self, calls: crate::trace::Calls) {
        self.calls = Some(calls);
    }

    /// The calls in progress, if traced.
    pub fn calls(&mut self) -> Option<&mut crate::trace::Calls> {
        self.calls.as_mut()
    }
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for Host {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.http_hooks,
        }
    }
}

/// Caps the memory of a whole store: its linear memories and its tables
/// together (not each on its own), and remembers that the cap was hit so
/// that a trap that follows can be reported as the limit.
///
/// A growth past the cap fails as WebAssembly says it may: `memory.grow`
/// and `table.grow` return -1, and a guest that handles running out of
/// memory goes on. With `trap_on_grow_failure` it traps at once instead.
#[derive(Default)]
pub(crate) struct MemoryLimiter {
    pub(crate) limit: Option<u64>,
    trap_on_grow_failure: bool,
    used: u64,
    pub(crate) hit: Option<Limit>,
}

/// What one table element is counted as: a pointer, as wasmtime stores
/// function references.
const TABLE_ELEMENT_BYTES: u64 = 8;

impl MemoryLimiter {
    pub(crate) fn new(limit: Option<u64>, trap_on_grow_failure: bool) -> Self {
        MemoryLimiter {
            limit,
            trap_on_grow_failure,
            ..Default::default()
        }
    }

    /// Accounts for one memory or table growing from `current` to
    /// `desired` bytes.
    fn growing(&mut self, current: u64, desired: u64) -> wasmtime::Result<bool> {
        let requested = self.used.saturating_sub(current).saturating_add(desired);
        if let Some(limit) = self.limit
            && requested > limit
        {
            let hit = Limit::Memory { limit, requested };
            self.hit = Some(hit);
            if self.trap_on_grow_failure {
                return Err(wasmtime::format_err!("{hit}"));
            }
            return Ok(false);
        }
        self.used = requested;
        Ok(true)
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.growing(current as u64, desired as u64)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let bytes = |elements: usize| (elements as u64).saturating_mul(TABLE_ELEMENT_BYTES);
        self.growing(bytes(current), bytes(desired))
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
        for mistyped in [
            "h::/d:RO",
            "h::/d:readonly",
            "h::/d:r",
            "h::/d: ro",
            "h::/d:ro ",
            "h::/d:x:ro",
            "h:ro:rw",
        ] {
            assert!(grant(mistyped).is_err(), "{mistyped}");
        }
        assert_eq!(
            grant(r"h\:1::/d\:2:ro"),
            Ok(DirGrant {
                host: "h:1".into(),
                guest: "/d:2".into(),
                read_only: true
            })
        );
        assert_eq!(grant("h:rw").map(|g| g.read_only), Ok(false));
        assert_eq!(parse_env("A=b=c"), Ok(("A".into(), Some("b=c".into()))));
        assert_eq!(parse_env("HOME"), Ok(("HOME".into(), None)));
        assert!(parse_env("=x").is_err());
    }
}
