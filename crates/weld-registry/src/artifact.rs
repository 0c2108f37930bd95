//! The Wasm OCI artifact: the CNCF TAG-Runtime layout that `wkg oci push`
//! writes and SpinKube, the containerd shims and wasmCloud read.
//!
//! An artifact is an OCI image manifest whose config is a small JSON
//! document of media type [`CONFIG_MEDIA_TYPE`] (what the component
//! imports and exports, filled in from its world) and whose one layer is
//! the component itself, of media type [`LAYER_MEDIA_TYPE`]. weld writes
//! the manifest and the config itself, field for field as wkg does
//! (including its `null`s), rather than through a client's builder: the
//! manifest's digest is the sha256 of exactly those bytes, and weld must
//! know them to print the digest it pushed and to check what it pulls.

use crate::{Digest, Error};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The OCI image manifest, the only manifest kind an artifact is.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The config of a Wasm artifact.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The layer holding the component.
pub const LAYER_MEDIA_TYPE: &str = "application/wasm";
/// The layer media type of the earlier, pre-CNCF convention, still found
/// in registries; read, never written.
const LEGACY_LAYER_MEDIA_TYPE: &str = "application/vnd.wasm.content.layer.v1+wasm";

/// The annotation naming a layer's file.
const TITLE: &str = "org.opencontainers.image.title";

/// `os` of a component, as the format names WASI 0.2 and later.
const COMPONENT_OS: &str = "wasip2";

/// An OCI image manifest, as far as an artifact uses one.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub schema_version: u32,
    /// Absent in some older manifests; weld always writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<std::collections::BTreeMap<String, String>>,
}

/// Where a blob is and what it is.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    /// On the layer, `org.opencontainers.image.title`: the file name, as
    /// wkg writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<std::collections::BTreeMap<String, String>>,
}

/// The config document of a Wasm artifact.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// RFC 3339: `$SOURCE_DATE_EPOCH` when set, so that a push can be
    /// reproduced byte for byte, else now.
    pub created: String,
    pub author: Option<String>,
    pub architecture: String,
    pub os: String,
    /// The layers' digests in order, which makes the config (and so the
    /// manifest) differ whenever the component does.
    pub layer_digests: Vec<String>,
    pub component: Option<ComponentInfo>,
}

/// What the component's world imports and exports.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentInfo {
    pub exports: Vec<String>,
    pub imports: Vec<String>,
    pub target: Option<String>,
}

/// What an artifact says of its component besides its interfaces.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    /// The config's `author`.
    pub author: Option<String>,
    /// The layer's file name.
    pub title: Option<String>,
}

/// The blobs and manifest of one artifact, ready to push.
pub struct Artifact {
    pub manifest: Vec<u8>,
    pub config: Vec<u8>,
    pub layer: Descriptor,
    pub config_descriptor: Descriptor,
}

impl Artifact {
    /// Describes `component`, read from `path` (for messages), as an
    /// artifact. Only a valid component is pushed: a core module or a
    /// broken binary is refused before any network is touched.
    pub fn new(path: &Path, component: &[u8], labels: Labels) -> Result<Artifact, Error> {
        let wit = weld_wit::load_bytes(path, component.to_vec())?;
        let world = wit.world(None)?;
        let names = |keys: Vec<&weld_wit::wit_parser::WorldKey>| {
            keys.into_iter()
                .map(|key| wit.resolve.name_world_key(key))
                .collect()
        };
        let world = &wit.resolve.worlds[world];
        let layer = Descriptor {
            media_type: LAYER_MEDIA_TYPE.into(),
            digest: Digest::of(component).to_string(),
            size: component.len() as u64,
            annotations: labels.title.map(|title| [(TITLE.to_owned(), title)].into()),
        };
        let config = Config {
            created: created(),
            author: labels.author,
            architecture: "wasm".into(),
            os: COMPONENT_OS.into(),
            layer_digests: vec![layer.digest.clone()],
            component: Some(ComponentInfo {
                exports: names(world.exports.keys().collect()),
                imports: names(world.imports.keys().collect()),
                target: None,
            }),
        };
        let config = serde_json::to_vec(&config).expect("a config serialises");
        let config_descriptor = Descriptor {
            media_type: CONFIG_MEDIA_TYPE.into(),
            digest: Digest::of(&config).to_string(),
            size: config.len() as u64,
            annotations: None,
        };
        let manifest = Manifest {
            schema_version: 2,
            media_type: Some(MANIFEST_MEDIA_TYPE.into()),
            config: config_descriptor.clone(),
            layers: vec![layer.clone()],
            annotations: None,
        };
        Ok(Artifact {
            manifest: serde_json::to_vec(&manifest).expect("a manifest serialises"),
            config,
            layer,
            config_descriptor,
        })
    }
}

/// The time a config says it was made.
fn created() -> String {
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|text| text.trim().parse::<i64>().ok())
        .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0));
    epoch
        .unwrap_or_else(chrono::Utc::now)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The component layer a pulled manifest names, checked to be the one
/// layer of a Wasm artifact.
pub fn component_layer(reference: &str, manifest: &[u8]) -> Result<(Descriptor, Digest), Error> {
    let not_wasm = |message: String| Error::NotWasm {
        reference: reference.to_owned(),
        message,
    };
    let manifest: Manifest = serde_json::from_slice(manifest)
        .map_err(|e| not_wasm(format!("its manifest is not an OCI image manifest ({e})")))?;
    if let Some(media_type) = &manifest.media_type
        && media_type != MANIFEST_MEDIA_TYPE
    {
        return Err(not_wasm(format!(
            "its manifest is `{media_type}`, not `{MANIFEST_MEDIA_TYPE}`"
        )));
    }
    let [layer] = manifest.layers.as_slice() else {
        return Err(not_wasm(format!(
            "it has {} layers, and a Wasm artifact has one",
            manifest.layers.len()
        )));
    };
    if layer.media_type != LAYER_MEDIA_TYPE && layer.media_type != LEGACY_LAYER_MEDIA_TYPE {
        return Err(not_wasm(format!(
            "its layer is `{}`, not `{LAYER_MEDIA_TYPE}` (the config is `{}`)",
            layer.media_type, manifest.config.media_type
        )));
    }
    let digest = Digest::parse(&layer.digest)
        .map_err(|message| not_wasm(format!("its layer digest `{}`: {message}", layer.digest)))?;
    if layer.size > weld_wit::files::MAX_WASM {
        return Err(not_wasm(format!(
            "its layer is {} bytes, more than the {} weld reads",
            layer.size,
            weld_wit::files::MAX_WASM
        )));
    }
    Ok((layer.clone(), digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_are_checked() {
        let manifest = |layers: &str| {
            format!(
                r#"{{"schemaVersion":2,"mediaType":"{MANIFEST_MEDIA_TYPE}","config":{{"mediaType":"{CONFIG_MEDIA_TYPE}","digest":"sha256:{0}","size":2}},"layers":[{layers}]}}"#,
                "0".repeat(64)
            )
        };
        let layer = |media: &str| {
            format!(
                r#"{{"mediaType":"{media}","digest":"sha256:{}","size":8}}"#,
                "1".repeat(64)
            )
        };
        let ok = component_layer("r", manifest(&layer(LAYER_MEDIA_TYPE)).as_bytes()).unwrap();
        assert_eq!(ok.0.size, 8);
        assert!(component_layer("r", manifest(&layer(LEGACY_LAYER_MEDIA_TYPE)).as_bytes()).is_ok());
        for bad in [
            manifest(""),
            manifest(&format!(
                "{},{}",
                layer(LAYER_MEDIA_TYPE),
                layer(LAYER_MEDIA_TYPE)
            )),
            manifest(&layer("application/vnd.oci.image.layer.v1.tar")),
            "{}".to_owned(),
            "not json".to_owned(),
        ] {
            let error = component_layer("r", bad.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(
                error.starts_with("`r` is not a WebAssembly artifact"),
                "{error}"
            );
        }
    }
}
