//! Outgoing HTTP as a capability: `wasi:http` is always linked, so that
//! components which import it without calling it (every componentize-js
//! app) run as they are, but a request leaves the host only when an
//! `--allow-http` grant matches it. Anything else fails with the
//! `HTTP-request-denied` error code, which the guest sees as an error
//! value, never as a trap.
//!
//! A grant is `SCHEME://HOST[:PORT]` with `*` for any part, in the style
//! of Spin's `allowed_outbound_hosts`. It matches the request's authority
//! as the guest wrote it: names are never resolved, so `127.0.0.1` does
//! not grant `localhost` and a DNS answer cannot widen a grant.

use std::sync::Arc;
use wasmtime_wasi_http::{RequestOptions, WasiBody, WasiHttpHooks};
pub use weld_wit::http::HttpGrant;

/// Whether a grant lets a request through: its method, its scheme, its
/// authority as written, and its path.
fn allowed(grants: &[HttpGrant], method: &http::Method, uri: &http::Uri) -> bool {
    let https = match uri.scheme_str() {
        Some("http") => false,
        Some("https") => true,
        _ => return false,
    };
    let Some(authority) = uri.authority() else {
        return false;
    };
    let request = weld_wit::http::Request {
        method: method.as_str(),
        https,
        host: authority.host(),
        port: authority
            .port_u16()
            .unwrap_or(weld_wit::http::default_port(https)),
        path: uri.path_and_query().map_or("/", |p| p.as_str()),
    };
    grants.iter().any(|grant| grant.allows(&request))
}

/// The grants of one store, shared by its `wasi:http` hooks.
#[derive(Debug, Clone, Default)]
pub(crate) struct HttpHooks {
    pub(crate) grants: Arc<[HttpGrant]>,
}

type Io = Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>;
type Sent = Box<
    dyn Future<Output = Result<(http::Response<WasiBody>, Io), wasmtime_wasi_http::Error>> + Send,
>;

impl WasiHttpHooks for HttpHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Io,
    ) -> Sent {
        if !allowed(&self.grants, request.method(), request.uri()) {
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((response.map(BodyExt::boxed_unsync), Box::new(io) as Io))
        })
    }
}
