//! Pulling and pushing artifacts, through `oci-client`.
//!
//! The client is asynchronous and weld is not: a [`Registry`] owns a
//! single-threaded tokio runtime and blocks on each transfer, which keeps
//! every caller (a flag parser, a manifest loader) as simple as reading a
//! file. `oci-client` does the protocol (tokens, chunked uploads); weld
//! does what decides whether bytes may be used: it hashes every manifest
//! and blob itself, against the digest it asked for, and keeps nothing it
//! has not checked.

use crate::artifact::{self, Artifact, MANIFEST_MEDIA_TYPE};
use crate::cache::Cache;
use crate::{Digest, Error, Progress, Reference};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, RegistryOperation};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use weld_wit::wasm::Bytes;

/// How long to wait for a connection, and then for each read.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
const READ_TIMEOUT: Duration = Duration::from_secs(120);

/// Blobs are handed to the uploader, and progress counted, in pieces of
/// this size: oci-client's chunk size, since it sends each piece it is
/// given as at least one request of its own. Pieces of 1 MiB made an 18 MB
/// push 18 requests where wkg makes 5, and 1.2× wkg's time.
const PUSH_PIECE: usize = 4 << 20;

/// How weld may reach registries.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Use the cache only (`--offline`).
    pub offline: bool,
    /// Plain HTTP to a registry on this machine (`--insecure`).
    pub insecure: bool,
    /// weld's cache directory, if not the default one.
    pub cache_dir: Option<PathBuf>,
}

/// The credentials sent to a registry, and where they came from.
#[derive(Clone)]
pub enum Credentials {
    Anonymous,
    Basic {
        user: String,
        password: String,
        source: String,
    },
    Token {
        token: String,
        source: String,
    },
}

impl Credentials {
    /// Reads the credentials for `registry`: `WELD_REGISTRY_USER` and
    /// `WELD_REGISTRY_PASSWORD` first, then the Docker config
    /// (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, with
    /// its credential helpers), else none.
    pub fn for_registry(registry: &str) -> Result<Credentials, Error> {
        let failed = |message: String| Error::Credentials {
            registry: registry.to_owned(),
            message,
        };
        let user = std::env::var("WELD_REGISTRY_USER").ok();
        let password = std::env::var("WELD_REGISTRY_PASSWORD").ok();
        match (user, password) {
            (Some(user), Some(password)) => {
                return Ok(Credentials::Basic {
                    user,
                    password,
                    source: "WELD_REGISTRY_USER".into(),
                });
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(failed(
                    "WELD_REGISTRY_USER and WELD_REGISTRY_PASSWORD go together, and only one is set"
                        .into(),
                ));
            }
            (None, None) => {}
        }
        let Some(config) = docker_config() else {
            return Ok(Credentials::Anonymous);
        };
        if !config.exists() {
            return Ok(Credentials::Anonymous);
        }
        let text =
            weld_wit::files::read_regular(&config, 1 << 20).map_err(|e| failed(e.to_string()))?;
        let source = format!("the Docker config `{}`", config.display());
        use docker_credential::{CredentialRetrievalError as E, DockerCredential};
        match docker_credential::get_credential_from_reader(text.as_slice(), registry) {
            Ok(DockerCredential::UsernamePassword(user, password)) => Ok(Credentials::Basic {
                user,
                password,
                source,
            }),
            Ok(DockerCredential::IdentityToken(token)) => Ok(Credentials::Token { token, source }),
            Err(E::NoCredentialConfigured) => Ok(Credentials::Anonymous),
            Err(e) => Err(failed(format!(
                "{source}: {}",
                describe_credential_error(&e)
            ))),
        }
    }

    fn auth(&self) -> RegistryAuth {
        match self {
            Credentials::Anonymous => RegistryAuth::Anonymous,
            Credentials::Basic { user, password, .. } => {
                RegistryAuth::Basic(user.clone(), password.clone())
            }
            Credentials::Token { token, .. } => RegistryAuth::Bearer(token.clone()),
        }
    }

    /// Which credentials, for messages; never the secret itself.
    fn describe(&self) -> String {
        match self {
            Credentials::Anonymous => "no credentials (set WELD_REGISTRY_USER and \
                 WELD_REGISTRY_PASSWORD, or log in with `docker login`)"
                .into(),
            Credentials::Basic { user, source, .. } => format!("the user `{user}` from {source}"),
            Credentials::Token { source, .. } => format!("the identity token from {source}"),
        }
    }
}

fn describe_credential_error(error: &docker_credential::CredentialRetrievalError) -> String {
    use docker_credential::CredentialRetrievalError as E;
    match error {
        E::HelperFailure { helper, stderr, .. } => {
            format!(
                "the credential helper `docker-credential-{helper}` failed: {}",
                stderr.trim()
            )
        }
        E::HelperCommunicationError => "its credential helper could not be run".into(),
        E::MalformedHelperResponse => "its credential helper answered nonsense".into(),
        E::CredentialDecodingError => "its `auth` entry is not base64 of `user:password`".into(),
        E::ConfigReadError | E::ConfigNotFound => "it is not a valid Docker config".into(),
        other => format!("{other:?}"),
    }
}

/// Where the Docker config is, as docker looks for it.
fn docker_config() -> Option<PathBuf> {
    let dir = match std::env::var_os("DOCKER_CONFIG") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".docker"),
    };
    Some(dir.join("config.json"))
}

/// A component fetched from a registry.
pub struct Pulled {
    /// The component, as cached.
    pub bytes: Bytes,
    /// The manifest digest the reference resolved to.
    pub digest: Digest,
}

/// What a push left in the registry.
pub struct Pushed {
    /// The manifest's digest: what `@sha256:` pins.
    pub digest: Digest,
    /// The component layer's digest.
    pub layer: Digest,
}

/// A digest `weld.lock` holds a reference to, and the lock that says so.
pub struct Locked<'a> {
    pub digest: &'a Digest,
    pub lock: &'a Path,
}

/// The way to registries: settings, cache, and a client per registry.
pub struct Registry {
    settings: Settings,
    cache: Cache,
    runtime: tokio::runtime::Runtime,
    /// One client per registry, each with its protocol and tokens.
    clients: Mutex<HashMap<String, Arc<Connection>>>,
}

struct Connection {
    client: Client,
    credentials: Credentials,
}

impl Registry {
    pub fn new(settings: Settings) -> Result<Registry, Error> {
        // rustls needs a process-wide crypto provider; a second install
        // (another Registry) is refused harmlessly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let cache = Cache::new(settings.cache_dir.clone())?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|source| Error::Cache {
                path: cache.dir().to_owned(),
                source,
            })?;
        Ok(Registry {
            settings,
            cache,
            runtime,
            clients: Mutex::new(HashMap::new()),
        })
    }

    /// The client for `reference`'s registry, made on first use.
    fn connection(&self, reference: &Reference) -> Result<Arc<Connection>, Error> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(connection) = clients.get(&reference.registry) {
            return Ok(connection.clone());
        }
        let protocol = if self.settings.insecure {
            if !matches!(reference.host(), "localhost" | "127.0.0.1" | "::1") {
                return Err(Error::Insecure {
                    registry: reference.registry.clone(),
                });
            }
            oci_client::client::ClientProtocol::HttpsExcept(vec![reference.registry.clone()])
        } else {
            oci_client::client::ClientProtocol::Https
        };
        let config = oci_client::client::ClientConfig {
            protocol,
            connect_timeout: Some(CONNECT_TIMEOUT),
            read_timeout: Some(READ_TIMEOUT),
            user_agent: concat!("weld/", env!("CARGO_PKG_VERSION")),
            ..Default::default()
        };
        let client = Client::try_from(config).map_err(|e| Error::Registry {
            registry: reference.registry.clone(),
            reference: reference.to_string(),
            message: e.to_string(),
        })?;
        let connection = Arc::new(Connection {
            client,
            credentials: Credentials::for_registry(&reference.registry)?,
        });
        clients.insert(reference.registry.clone(), connection.clone());
        Ok(connection)
    }

    /// The component `reference` names: from the cache when its digest is
    /// known (pinned in the reference, or `locked`) and cached, else from
    /// the registry, checked against that digest and then cached.
    pub fn pull(
        &self,
        reference: &Reference,
        locked: Option<Locked<'_>>,
        progress: Arc<dyn Progress>,
    ) -> Result<Pulled, Error> {
        let wanted = reference
            .digest
            .as_ref()
            .or(locked.as_ref().map(|l| l.digest));
        let (manifest, digest) = match wanted {
            Some(digest) => match self.cache.blob(digest) {
                Some(manifest) => (manifest.into_vec(), digest.clone()),
                None => {
                    self.refuse_offline(reference, " (nor the manifest it is pinned to)")?;
                    let manifest =
                        self.fetch_manifest(&reference.pinned(digest))
                            .map_err(|error| match (error, &locked) {
                                (Error::NotFound { .. }, Some(locked)) => Error::LockedGone {
                                    reference: reference.unpinned().to_string(),
                                    digest: digest.clone(),
                                    lock: locked.lock.to_owned(),
                                },
                                (error, _) => error,
                            })?;
                    let actual = Digest::of(&manifest);
                    if actual != *digest {
                        return Err(Error::Digest {
                            reference: reference.to_string(),
                            what: "manifest",
                            expected: digest.clone(),
                            actual,
                        });
                    }
                    self.cache.put_blob(&manifest)?;
                    (manifest, digest.clone())
                }
            },
            None if self.settings.offline => {
                let digest = self.cache.tag(reference).ok_or_else(|| Error::Offline {
                    reference: reference.to_string(),
                    why: " (its tag was never resolved here)".into(),
                })?;
                let manifest = self.cache.blob(&digest).ok_or_else(|| Error::Offline {
                    reference: reference.to_string(),
                    why: format!(" (nor the manifest {digest} its tag last named)"),
                })?;
                (manifest.into_vec(), digest)
            }
            None => {
                let manifest = self.fetch_manifest(reference)?;
                let digest = self.cache.put_blob(&manifest)?;
                self.cache.set_tag(reference, &digest);
                (manifest, digest)
            }
        };
        let name = reference.pinned(&digest).to_string();
        let (layer, layer_digest) = artifact::component_layer(&name, &manifest)?;
        if let Some(bytes) = self.cache.blob(&layer_digest) {
            return Ok(Pulled { bytes, digest });
        }
        self.refuse_offline(reference, " (nor its component blob)")?;
        let bytes = self.fetch_blob(reference, &digest, &layer, &layer_digest, progress)?;
        Ok(Pulled { bytes, digest })
    }

    fn refuse_offline(&self, reference: &Reference, why: &str) -> Result<(), Error> {
        if self.settings.offline {
            return Err(Error::Offline {
                reference: reference.to_string(),
                why: why.into(),
            });
        }
        Ok(())
    }

    fn fetch_manifest(&self, reference: &Reference) -> Result<Vec<u8>, Error> {
        let connection = self.connection(reference)?;
        let target = oci_reference(reference);
        let result = self.runtime.block_on(connection.client.pull_manifest_raw(
            &target,
            &connection.credentials.auth(),
            &[MANIFEST_MEDIA_TYPE],
        ));
        let (manifest, _) =
            result.map_err(|e| registry_error(e, reference, &connection.credentials))?;
        if manifest.len() > 4 << 20 {
            return Err(Error::NotWasm {
                reference: reference.to_string(),
                message: format!("its manifest is {} bytes long", manifest.len()),
            });
        }
        Ok(manifest.to_vec())
    }

    /// The component blob `layer` of the manifest `manifest` that
    /// `reference` resolved to: fetched into the cache, checked against
    /// `digest`. The progress bar names the reference as it was asked for.
    fn fetch_blob(
        &self,
        asked: &Reference,
        manifest: &Digest,
        layer: &artifact::Descriptor,
        digest: &Digest,
        progress: Arc<dyn Progress>,
    ) -> Result<Bytes, Error> {
        let reference = &asked.pinned(manifest);
        let connection = self.connection(reference)?;
        let target = oci_reference(reference);
        let temporary = self.cache.begin_blob()?;
        let file = temporary
            .file
            .as_file()
            .try_clone()
            .map_err(|source| Error::Cache {
                path: temporary.file.path().to_owned(),
                source,
            })?;
        let descriptor = oci_client::manifest::OciDescriptor {
            media_type: layer.media_type.clone(),
            digest: layer.digest.clone(),
            size: layer.size as i64,
            ..Default::default()
        };
        let mut sink = Sink {
            file,
            hash: <sha2::Sha256 as sha2::Digest>::new(),
            written: 0,
            limit: layer.size,
            progress: progress.clone(),
            overflow: false,
        };
        progress.start("pull", &asked.to_string(), layer.size);
        let result = self.runtime.block_on(async {
            connection
                .client
                .store_auth_if_needed(target.resolve_registry(), &connection.credentials.auth())
                .await;
            connection
                .client
                .pull_blob(&target, &descriptor, &mut sink)
                .await
        });
        progress.finish();
        if sink.overflow {
            return Err(Error::Registry {
                registry: reference.registry.clone(),
                reference: reference.to_string(),
                message: format!(
                    "it sent more than the {} bytes the manifest says the component has",
                    layer.size
                ),
            });
        }
        result.map_err(|e| registry_error(e, reference, &connection.credentials))?;
        let actual = Digest::from_hash(sha2::Digest::finalize(sink.hash));
        if actual != *digest || sink.written != layer.size {
            return Err(Error::Digest {
                reference: reference.to_string(),
                what: "component",
                expected: digest.clone(),
                actual,
            });
        }
        self.cache.commit_blob(temporary, digest)
    }

    /// Pushes `component` (read from `path`) as an artifact tagged
    /// `reference`. Blobs the registry has are not sent again.
    pub fn push(
        &self,
        path: &Path,
        component: &[u8],
        reference: &Reference,
        labels: artifact::Labels,
        progress: Arc<dyn Progress>,
    ) -> Result<Pushed, Error> {
        if reference.digest.is_some() {
            return Err(Error::Reference {
                reference: reference.to_string(),
                message: "a push names a tag, not a digest (the digest is what the push makes)"
                    .into(),
            });
        }
        let artifact = Artifact::new(path, component, labels)?;
        if self.settings.offline {
            return Err(Error::Offline {
                reference: reference.to_string(),
                why: String::new(),
            });
        }
        let connection = self.connection(reference)?;
        let target = oci_reference(reference);
        let failed = |e| registry_error(e, reference, &connection.credentials);
        let client = &connection.client;
        self.runtime.block_on(async {
            client
                .auth(
                    &target,
                    &connection.credentials.auth(),
                    RegistryOperation::Push,
                )
                .await
                .map_err(failed)?;
            if !client
                .blob_exists(&target, &artifact.layer.digest)
                .await
                .map_err(failed)?
            {
                progress.start("push", &reference.to_string(), artifact.layer.size);
                let pieces = pieces(component, progress.clone());
                let pushed = client
                    .push_blob_stream(
                        &target,
                        pieces,
                        &artifact.layer.digest,
                        Some(artifact.layer.size),
                    )
                    .await;
                progress.finish();
                pushed.map_err(failed)?;
            }
            let config = &artifact.config_descriptor;
            if !client
                .blob_exists(&target, &config.digest)
                .await
                .map_err(failed)?
            {
                client
                    .push_blob(&target, artifact.config.clone(), &config.digest)
                    .await
                    .map_err(failed)?;
            }
            client
                .push_manifest_raw(
                    &target,
                    artifact.manifest.clone(),
                    http::HeaderValue::from_static(MANIFEST_MEDIA_TYPE),
                )
                .await
                .map_err(failed)?;
            Ok::<(), Error>(())
        })?;
        Ok(Pushed {
            digest: Digest::of(&artifact.manifest),
            layer: Digest::parse(&artifact.layer.digest).expect("weld made this digest"),
        })
    }
}

/// The component in pieces for the uploader, counting them as they go.
fn pieces(
    component: &[u8],
    progress: Arc<dyn Progress>,
) -> impl futures_util::Stream<Item = oci_client::errors::Result<bytes::Bytes>> + Send + 'static {
    let whole = bytes::Bytes::copy_from_slice(component);
    let total = whole.len();
    let starts = (0..total).step_by(PUSH_PIECE);
    futures_util::stream::iter(starts.map(move |start| {
        let end = (start + PUSH_PIECE).min(total);
        progress.advance(end as u64);
        Ok(whole.slice(start..end))
    }))
}

/// Where a pulled blob goes: the cache's temporary file, hashed and
/// counted as it arrives, and cut off past the size the manifest gave.
struct Sink {
    file: std::fs::File,
    hash: sha2::Sha256,
    written: u64,
    limit: u64,
    progress: Arc<dyn Progress>,
    overflow: bool,
}

impl tokio::io::AsyncWrite for Sink {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        bytes: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = &mut *self;
        if this.written + bytes.len() as u64 > this.limit {
            this.overflow = true;
            return std::task::Poll::Ready(Err(std::io::Error::other(
                "blob longer than its descriptor",
            )));
        }
        // A local file: writing it in place is quicker than a hop to a
        // blocking thread, and the runtime has nothing else to do.
        let result = this.file.write_all(bytes).map(|()| bytes.len());
        if result.is_ok() {
            sha2::Digest::update(&mut this.hash, bytes);
            this.written += bytes.len() as u64;
            this.progress.advance(this.written);
        }
        std::task::Poll::Ready(result)
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

fn oci_reference(reference: &Reference) -> oci_client::Reference {
    match (&reference.tag, &reference.digest) {
        (_, Some(digest)) => oci_client::Reference::with_digest(
            reference.registry.clone(),
            reference.repository.clone(),
            digest.to_string(),
        ),
        (tag, None) => oci_client::Reference::with_tag(
            reference.registry.clone(),
            reference.repository.clone(),
            tag.clone().unwrap_or_else(|| "latest".into()),
        ),
    }
}

/// What `oci-client` said, as one of weld's errors.
fn registry_error(
    error: OciDistributionError,
    reference: &Reference,
    credentials: &Credentials,
) -> Error {
    let registry = reference.registry.clone();
    let denied = || Error::Denied {
        registry: reference.registry.clone(),
        reference: reference.to_string(),
        credentials: credentials.describe(),
    };
    let not_found = |message: String| Error::NotFound {
        reference: reference.to_string(),
        message,
    };
    let other = |message: String| Error::Registry {
        registry: reference.registry.clone(),
        reference: reference.to_string(),
        message,
    };
    match error {
        // `oci-client` turns some refusals (a blob upload's 401, for one)
        // into the HTTP client's status errors: they are answers, not
        // failures to connect.
        OciDistributionError::RequestError(e) if e.status().is_some() => {
            match e.status().map(|status| status.as_u16()) {
                Some(401 | 403) => denied(),
                Some(404) => not_found(chain(&e)),
                _ => other(chain(&e)),
            }
        }
        OciDistributionError::RequestError(e) => {
            let mut message = chain(&e);
            if !message.to_lowercase().contains("connection refused")
                && (message.contains("tls")
                    || message.contains("TLS")
                    || message.contains("certificate")
                    || message.contains("InvalidContentType")
                    || message.contains("corrupt message"))
            {
                message.push_str("; if it serves plain HTTP on this machine, pass --insecure");
            }
            Error::Unreachable { registry, message }
        }
        OciDistributionError::UnauthorizedError { .. }
        | OciDistributionError::AuthenticationFailure(_) => denied(),
        OciDistributionError::ImageManifestNotFoundError(message) => not_found(message),
        OciDistributionError::RegistryError { envelope, .. } => {
            let code = envelope.errors.first().map(|e| &e.code);
            let message = envelope
                .errors
                .iter()
                .map(|e| e.message.clone())
                .filter(|m| !m.is_empty())
                .collect::<Vec<_>>()
                .join("; ");
            match code {
                Some(OciErrorCode::Unauthorized | OciErrorCode::Denied) => denied(),
                Some(
                    OciErrorCode::ManifestUnknown
                    | OciErrorCode::NameUnknown
                    | OciErrorCode::BlobUnknown
                    | OciErrorCode::NotFound,
                ) => not_found(if message.is_empty() {
                    "the registry does not know it".into()
                } else {
                    message
                }),
                _ => other(message),
            }
        }
        OciDistributionError::ServerError {
            code: 401 | 403, ..
        } => denied(),
        OciDistributionError::ServerError {
            code: 404, message, ..
        } => not_found(message),
        OciDistributionError::ServerError { code, message, .. } => {
            other(format!("HTTP {code}: {}", message.trim()))
        }
        OciDistributionError::DigestError(oci_client::errors::DigestError::VerificationError {
            expected,
            actual,
        }) => match (Digest::parse(&expected), Digest::parse(&actual)) {
            (Ok(expected), Ok(actual)) => Error::Digest {
                reference: reference.to_string(),
                what: "blob",
                expected,
                actual,
            },
            _ => other(format!("digest {actual} is not {expected}")),
        },
        error => other(chain(&error)),
    }
}

/// An error and its causes, each once.
fn chain(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}
