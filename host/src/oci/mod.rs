//! Modules and catalogs as OCI artifacts, through the `oci-client` crate.
//!
//! Push writes the CNCF TAG-Runtime Wasm artifact layout for modules (config
//! `application/vnd.wasm.config.v0+json`, one `application/wasm` layer) and KEP-2906's proposed
//! catalog layer type for catalogs. Pull also accepts the older wasm-to-oci layer type. Every
//! fetched blob lands in the [`Store`] by digest; `offline` answers from the store alone.

mod auth;
mod transport;

use crate::store::{RefRecord, Store};
use anyhow::{Context, anyhow, bail};
use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::manifest::{self, OciDescriptor, OciImageManifest};
use oci_client::{Client, Reference};
use std::time::Instant;
use transport::Transport;

/// CNCF Wasm artifact: the module layer.
pub const WASM_LAYER: &str = "application/wasm";
/// CNCF Wasm artifact: the config blob.
pub const WASM_CONFIG: &str = "application/vnd.wasm.config.v0+json";
/// The older wasm-to-oci layer type, still read.
pub const LEGACY_WASM_LAYER: &str = manifest::WASM_LAYER_MEDIA_TYPE;
/// KEP-2906's proposed media type for a catalog.
pub const CATALOG_LAYER: &str = "application/vnd.cncf.kubernetes.krm-func-catalog.layer.v1+yaml";
/// OCI 1.1's empty config, for artifacts without one (catalogs).
const EMPTY_CONFIG: &str = "application/vnd.oci.empty.v1+json";
/// `oci://` marks a reference in catalogs, flags and annotations.
pub const SCHEME: &str = "oci://";

/// What an artifact holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtifactKind {
    Module,
    Catalog,
}

impl ArtifactKind {
    fn of_layer(media_type: &str) -> Option<Self> {
        match media_type {
            WASM_LAYER | LEGACY_WASM_LAYER => Some(ArtifactKind::Module),
            CATALOG_LAYER => Some(ArtifactKind::Catalog),
            _ => None,
        }
    }

    /// What a file holds, by its first bytes.
    pub fn of_file(bytes: &[u8]) -> Self {
        if bytes.starts_with(b"\0asm") {
            ArtifactKind::Module
        } else {
            ArtifactKind::Catalog
        }
    }

    fn noun(self) -> &'static str {
        match self {
            ArtifactKind::Module => "module",
            ArtifactKind::Catalog => "catalog",
        }
    }
}

/// How registries are reached.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Registries (`host[:port]`) spoken to over plain HTTP, or over HTTPS without checking
    /// their certificates, as they answer (loopback ones over either, certificates checked).
    pub insecure_registries: Vec<String>,
    /// Never touch the network; answer from the store or fail.
    pub offline: bool,
}

/// A pulled artifact.
#[derive(Debug)]
pub struct Pulled {
    pub kind: ArtifactKind,
    pub bytes: Vec<u8>,
    /// `sha256:…` of the manifest.
    pub manifest_digest: String,
    /// Hex sha256 of `bytes`.
    pub sha256: String,
}

/// A pushed artifact.
#[derive(Debug)]
pub struct Pushed {
    pub manifest_digest: String,
    pub layer_digest: String,
}

/// A registry client over the store.
pub struct Registry<'a> {
    settings: &'a Settings,
    store: &'a Store,
}

/// `oci://` stripped, parsed.
pub fn parse_reference(text: &str) -> anyhow::Result<Reference> {
    let bare = text.strip_prefix(SCHEME).unwrap_or(text);
    bare.parse::<Reference>().map_err(|e| {
        anyhow!("{text:?} is not an OCI reference ({e}); write REGISTRY/REPOSITORY:TAG or …@sha256:DIGEST")
    })
}

/// The last part of a valid reference's repository (`fn` in `oci://host:5000/krm/fn:v1`),
/// read from its text: parsing it again costs oci-spec's regex.
pub fn repository_name(reference: &str) -> &str {
    let name = reference.split('@').next().unwrap_or(reference);
    let last = name.rsplit('/').next().unwrap_or(name);
    last.split(':').next().unwrap_or(last)
}

impl<'a> Registry<'a> {
    pub fn new(settings: &'a Settings, store: &'a Store) -> Self {
        Registry { settings, store }
    }

    fn client(&self, reference: &Reference) -> Client {
        // reqwest is built without a default TLS provider; a second install is a no-op error.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let transport = self.transport_for(reference.resolve_registry());
        Client::new(ClientConfig {
            protocol: match transport {
                Transport::Http => ClientProtocol::Http,
                Transport::Https | Transport::HttpsUnchecked => ClientProtocol::Https,
            },
            accept_invalid_certificates: transport == Transport::HttpsUnchecked,
            user_agent: concat!("krmwasm/", env!("CARGO_PKG_VERSION")),
            ..ClientConfig::default()
        })
    }

    fn transport_for(&self, registry: &str) -> Transport {
        let named = self
            .settings
            .insecure_registries
            .iter()
            .any(|r| r == registry);
        let transport = transport::choose(registry, named);
        crate::debug!("speaking to {registry} over {}", transport.describe());
        transport
    }

    fn block_on<F: std::future::Future>(future: F) -> anyhow::Result<F::Output> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the network runtime")?;
        Ok(runtime.block_on(future))
    }

    /// Pushes `bytes` (a module or a catalog) to `target`, its layer titled `file_name` as
    /// ORAS names the files it pulls; returns the digests.
    pub fn push(&self, target: &str, bytes: &[u8], file_name: &str) -> anyhow::Result<Pushed> {
        if self.settings.offline {
            bail!("cannot push {target} with --offline");
        }
        let reference = parse_reference(target)?;
        let kind = ArtifactKind::of_file(bytes);
        let layer_type = match kind {
            ArtifactKind::Module => WASM_LAYER,
            ArtifactKind::Catalog => CATALOG_LAYER,
        };
        let title = std::collections::BTreeMap::from([(
            "org.opencontainers.image.title".to_string(),
            file_name.to_string(),
        )]);
        let layer = ImageLayer::new(bytes.to_vec(), layer_type.to_string(), Some(title));
        let layer_digest = layer.sha256_digest();
        let config = match kind {
            ArtifactKind::Module => Config::new(
                wasm_config(&layer_digest).into_bytes(),
                WASM_CONFIG.to_string(),
                None,
            ),
            ArtifactKind::Catalog => Config::new(b"{}".to_vec(), EMPTY_CONFIG.to_string(), None),
        };
        let mut manifest = OciImageManifest::build(std::slice::from_ref(&layer), &config, None);
        // `build` leaves the manifest's own media type out; registries want it.
        manifest.media_type = Some(manifest::OCI_IMAGE_MEDIA_TYPE.to_string());
        if kind == ArtifactKind::Catalog {
            manifest.artifact_type = Some(CATALOG_LAYER.to_string());
        }
        let client = self.client(&reference);
        let auth = auth::for_registry(reference.resolve_registry());
        progress(&format!(
            "pushing {} {} ({}) to {target}",
            kind.noun(),
            layer_digest,
            crate::units::format_bytes(bytes.len() as u64)
        ));
        let started = Instant::now();
        let manifest_digest = Self::block_on(async {
            client
                .push(&reference, &[layer], config, &auth, Some(manifest))
                .await?;
            client.fetch_manifest_digest(&reference, &auth).await
        })?
        .map_err(|e| registry_error(e, "push to", target, &auth))?;
        progress(&format!(
            "pushed {target}@{manifest_digest} in {:.1?}",
            started.elapsed()
        ));
        Ok(Pushed {
            manifest_digest,
            layer_digest,
        })
    }

    /// Pulls the module or catalog at `source`, through the store.
    pub fn pull(&self, source: &str) -> anyhow::Result<Pulled> {
        let text = source.strip_prefix(SCHEME).unwrap_or(source);
        // Found by its text before it is parsed: oci-spec's reference grammar is a regex whose
        // Unicode `\w{0,127}` takes tens of milliseconds to compile, more than the rest of a
        // small run (docs/benchmarks.md).
        if text.contains('@')
            && let Some(pulled) = self.stored_pinned(text)
        {
            return Ok(pulled);
        }
        let reference = parse_reference(source)?;
        let (registry, repository) = (
            reference.resolve_registry().to_string(),
            reference.repository().to_string(),
        );
        let key = reference
            .digest()
            .or(reference.tag())
            .unwrap_or("latest")
            .to_string();
        // A manifest digest names immutable content: once stored, no need to ask again.
        if self.settings.offline || reference.digest().is_some() {
            match self.stored(source, &registry, &repository, &key) {
                Ok(pulled) => return Ok(pulled),
                Err(e) if self.settings.offline => return Err(e),
                Err(_) => {}
            }
        }
        let client = self.client(&reference);
        let auth = auth::for_registry(&registry);
        progress(&format!("pulling {source}"));
        let started = Instant::now();
        let (raw, manifest_digest) = Self::block_on(client.pull_manifest_raw(
            &reference,
            &auth,
            &[
                manifest::OCI_IMAGE_MEDIA_TYPE,
                manifest::IMAGE_MANIFEST_MEDIA_TYPE,
            ],
        ))?
        .map_err(|e| registry_error(e, "pull", source, &auth))?;
        if let Some(pinned) = reference.digest()
            && pinned != manifest_digest
        {
            bail!("{source}: the registry served manifest {manifest_digest}, not {pinned}");
        }
        let manifest: OciImageManifest = serde_json::from_slice(&raw).map_err(|e| {
            anyhow!("{source}: the manifest is not an OCI image manifest ({e}); krmwasm pulls single wasm modules and catalogs, not multi-platform images")
        })?;
        let layer = the_layer(&manifest, source)?;
        let kind = ArtifactKind::of_layer(&layer.media_type).expect("checked by the_layer");
        let layer_hex = hex_of(&layer.digest, source)?;
        let bytes = match self.store.blob(layer_hex) {
            Some(bytes) => bytes,
            None => {
                let mut bytes = Vec::new();
                Self::block_on(client.pull_blob(&reference, &layer, &mut bytes))?
                    .map_err(|e| registry_error(e, "pull", source, &auth))?;
                keep(self.store.put_blob(&bytes).map(drop), self.store.root());
                bytes
            }
        };
        let sha256 = crate::runtime::sha256_hex(&bytes);
        if sha256 != layer_hex {
            bail!(
                "{source}: the layer's content has sha256 {sha256}, not the {layer_hex} its manifest names"
            );
        }
        let record = RefRecord {
            manifest: manifest_digest.clone(),
            layer: layer.digest.clone(),
            media_type: layer.media_type.clone(),
        };
        for tag_or_digest in [&key, &manifest_digest] {
            let kept = self
                .store
                .put_reference(&registry, &repository, tag_or_digest, &record);
            keep(kept, self.store.root());
        }
        if reference.digest().is_some() {
            keep(self.store.put_pinned(text, &record), self.store.root());
        }
        progress(&format!(
            "pulled {} {}@{manifest_digest} ({}) in {:.1?}",
            kind.noun(),
            source.split('@').next().unwrap_or(source),
            crate::units::format_bytes(bytes.len() as u64),
            started.elapsed()
        ));
        Ok(Pulled {
            kind,
            bytes,
            manifest_digest,
            sha256,
        })
    }

    /// A reference pinned by digest, written as `text`, pulled before: its artifact from the
    /// store.
    fn stored_pinned(&self, text: &str) -> Option<Pulled> {
        let pulled = self.artifact(self.store.pinned(text)?)?;
        crate::debug!("{text}: found in the cache");
        Some(pulled)
    }

    fn stored(
        &self,
        source: &str,
        registry: &str,
        repository: &str,
        key: &str,
    ) -> anyhow::Result<Pulled> {
        let not_cached = || {
            anyhow!(
                "{source} is not in the cache ({}) and --offline forbids fetching it; run once \
                 without --offline (e.g. `krmwasm pull {source}`)",
                self.store.root().display()
            )
        };
        let record = self
            .store
            .reference(registry, repository, key)
            .ok_or_else(not_cached)?;
        // Pinned by a digest: found by its text from now on (a cache filled before texts
        // were kept, or a reference written another way). Nothing was fetched, so a cache
        // that cannot be written (one baked read-only into a CI image) is no news.
        if key.starts_with("sha256:") {
            let text = source.strip_prefix(SCHEME).unwrap_or(source);
            if let Err(e) = self.store.put_pinned(text, &record) {
                crate::debug!("cannot note {text} in the cache: {e:#}");
            }
        }
        self.artifact(record).ok_or_else(not_cached)
    }

    /// The artifact a stored record names, when its blob is stored and sound.
    fn artifact(&self, record: RefRecord) -> Option<Pulled> {
        let layer_hex = hex_of(&record.layer, "").ok()?.to_string();
        let bytes = self.store.blob(&layer_hex)?;
        let kind = ArtifactKind::of_layer(&record.media_type)?;
        Some(Pulled {
            kind,
            sha256: layer_hex,
            bytes,
            manifest_digest: record.manifest,
        })
    }
}

/// The one module or catalog layer of a manifest.
fn the_layer(manifest: &OciImageManifest, source: &str) -> anyhow::Result<OciDescriptor> {
    let known: Vec<&OciDescriptor> = manifest
        .layers
        .iter()
        .filter(|l| ArtifactKind::of_layer(&l.media_type).is_some())
        .collect();
    match known.as_slice() {
        [layer] => Ok((*layer).clone()),
        [] => {
            let types: Vec<&str> = manifest
                .layers
                .iter()
                .map(|l| l.media_type.as_str())
                .collect();
            bail!(
                "{source} holds no wasm module or function catalog (layer types: {}); expected \
                 {WASM_LAYER}, {LEGACY_WASM_LAYER} or {CATALOG_LAYER}",
                types.join(", ")
            )
        }
        _ => bail!("{source} has several module or catalog layers; krmwasm expects exactly one"),
    }
}

/// `sha256:<hex>` → `<hex>`.
fn hex_of<'d>(digest: &'d str, source: &str) -> anyhow::Result<&'d str> {
    digest
        .strip_prefix("sha256:")
        .filter(|h| crate::catalog::is_sha256_hex(h))
        .ok_or_else(|| anyhow!("{source}: unsupported digest {digest} (only sha256 is read)"))
}

/// The CNCF Wasm config blob for a WASI preview 1 module.
fn wasm_config(layer_digest: &str) -> String {
    serde_json::json!({
        "created": created(),
        "architecture": "wasm",
        "os": "wasip1",
        "layerDigests": [layer_digest],
    })
    .to_string()
}

/// `SOURCE_DATE_EPOCH` when set, else the Unix epoch (as ko writes): the same module pushed
/// twice makes the same manifest, so its digest can be pinned before it is pushed again.
fn created() -> String {
    let at = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .unwrap_or(chrono::DateTime::UNIX_EPOCH);
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn registry_error(
    e: oci_client::errors::OciDistributionError,
    verb: &str,
    what: &str,
    auth: &oci_client::secrets::RegistryAuth,
) -> anyhow::Error {
    use oci_client::errors::OciDistributionError as E;
    let unauthorized = match &e {
        E::AuthenticationFailure(_) | E::UnauthorizedError { .. } => true,
        E::ServerError { code, .. } => *code == 401 || *code == 403,
        E::RegistryError { envelope, .. } => envelope.errors.iter().any(|err| {
            matches!(
                err.code,
                oci_client::errors::OciErrorCode::Unauthorized
                    | oci_client::errors::OciErrorCode::Denied
            )
        }),
        _ => false,
    };
    let untrusted = matches!(tls_error(&e), Some(rustls::Error::InvalidCertificate(_)));
    let unreachable = matches!(&e, E::RequestError(r) if r.is_connect() || r.is_timeout());
    let not_found = match &e {
        E::ServerError { code, .. } => *code == 404,
        E::RegistryError { envelope, .. } => envelope.errors.iter().any(|err| {
            matches!(
                err.code,
                oci_client::errors::OciErrorCode::ManifestUnknown
                    | oci_client::errors::OciErrorCode::NameUnknown
                    | oci_client::errors::OciErrorCode::BlobUnknown
            )
        }),
        _ => false,
    };
    let sent_credentials = !matches!(auth, oci_client::secrets::RegistryAuth::Anonymous);
    let untrusted_hint;
    let hint = if unauthorized && sent_credentials {
        "; the registry refused the credentials krmwasm sent from docker's config.json \
         ($DOCKER_CONFIG or ~/.docker): check them, e.g. with `docker login` to this registry"
    } else if unauthorized {
        "; the registry wants credentials: krmwasm reads them from docker's config.json \
         ($DOCKER_CONFIG or ~/.docker), e.g. after `docker login`"
    } else if e.to_string().contains("OCI index") {
        // The registry says "manifest unknown" to a client that does not take indexes.
        "; it names an image index (several manifests, as a multi-platform image has): krmwasm \
         pulls single wasm modules and catalogs; name one manifest by its digest"
    } else if not_found {
        "; the registry has no such repository, tag or digest: check the reference"
    } else if untrusted {
        let registry = parse_reference(what)
            .map(|r| r.resolve_registry().to_string())
            .unwrap_or_else(|_| "HOST:PORT".into());
        untrusted_hint = format!(
            "; krmwasm does not trust the registry's TLS certificate: for a private CA, add it \
             to the system's trusted certificates or name a PEM file holding it in \
             SSL_CERT_FILE (a directory of them in SSL_CERT_DIR); `--insecure-registry \
             {registry}` takes any certificate from that registry"
        );
        &untrusted_hint
    } else if unreachable {
        "; check the registry's address and that it is up (--offline uses only what is cached)"
    } else {
        ""
    };
    // The transport's errors say what went wrong only in their sources (`tcp connect error:
    // Connection refused` under `error sending request`).
    let mut cause = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(inner) = source {
        let text = inner.to_string();
        if !cause.ends_with(&text) {
            cause = format!("{cause}: {text}");
        }
        source = inner.source();
    }
    anyhow!("cannot {verb} {what}: {cause}{hint}")
}

/// The TLS error under a transport error, if there is one. The TLS layer's errors reach
/// reqwest inside `io::Error`s (one in another), whose `source` skips the error they hold.
fn tls_error<'e>(e: &'e (dyn std::error::Error + 'static)) -> Option<&'e rustls::Error> {
    let mut next = Some(e);
    while let Some(mut error) = next {
        while let Some(held) = error
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            error = held;
        }
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        next = error.source();
    }
    None
}

/// What was fetched is used whether or not the store could keep it: a cache krmwasm cannot
/// write (a read-only HOME in a CI job or an Argo CD repo server) is said once, as the
/// module cache says it.
fn keep(stored: anyhow::Result<()>, root: &std::path::Path) {
    if let Err(e) = stored {
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| {
            eprintln!(
                "krmwasm: warning: cannot keep what was fetched in the cache {}: {e:#}; it is \
                 fetched again next time and --offline cannot use it (point --cache-dir or \
                 KRMWASM_CACHE_DIR at a writable directory)",
                root.display()
            );
        });
    }
}

/// Transfers are reported on stderr (stdout carries results).
fn progress(message: &str) {
    eprintln!("krmwasm: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_take_the_oci_scheme_or_none() {
        let r = parse_reference("oci://127.0.0.1:5000/krm/fn:v1").unwrap();
        assert_eq!(r.registry(), "127.0.0.1:5000");
        assert_eq!(r.repository(), "krm/fn");
        assert_eq!(r.tag(), Some("v1"));
        assert!(parse_reference("127.0.0.1:5000/krm/fn:v1").is_ok());
        assert!(parse_reference("oci://registry/Not_Lower").is_err());
    }

    #[test]
    fn a_repository_is_named_by_its_last_part() {
        for (reference, name) in [
            ("oci://127.0.0.1:5000/krm/fn:v1", "fn"),
            ("127.0.0.1:5000/krm/fn@sha256:ab", "fn"),
            ("oci://ghcr.io/org/set-labels:v1@sha256:ab", "set-labels"),
            ("alpine", "alpine"),
        ] {
            assert_eq!(repository_name(reference), name, "{reference}");
        }
    }

    #[test]
    fn the_wasm_config_names_the_layer() {
        let config: serde_json::Value = serde_json::from_str(&wasm_config("sha256:ab")).unwrap();
        assert_eq!(config["os"], "wasip1");
        assert_eq!(config["architecture"], "wasm");
        assert_eq!(config["layerDigests"][0], "sha256:ab");
    }
}
