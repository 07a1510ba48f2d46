//! The on-disk store under the cache directory: blobs fetched from registries, by sha256 (so a
//! catalog entry's digest finds its module without the network), and what each OCI reference
//! last resolved to (so `--offline` can still resolve a tag it has seen).
//!
//! ```text
//! <cache>/blobs/sha256/<hex>          module or catalog bytes
//! <cache>/refs/<registry>/<repository>/<tag or sha256-hex>.json   {manifest, layer, mediaType}
//! <cache>/pinned/<sha256 of a reference's text>.json               the same, for a reference
//!                                     pinned by digest, found without parsing it
//! <cache>/compiled/…                  compiled modules (runtime::cache)
//! ```

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What an OCI reference pointed at when it was last pulled.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RefRecord {
    /// `sha256:…` of the manifest.
    pub manifest: String,
    /// `sha256:…` of the one layer (the module or catalog).
    pub layer: String,
    pub media_type: String,
}

#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    pub fn new(root: PathBuf) -> Self {
        Store { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn blob_path(&self, sha256_hex: &str) -> PathBuf {
        self.root.join("blobs").join("sha256").join(sha256_hex)
    }

    /// The stored blob with this digest, checked again on the way out (a damaged file is
    /// treated as absent, so it is fetched anew).
    pub fn blob(&self, sha256_hex: &str) -> Option<Vec<u8>> {
        let bytes = std::fs::read(self.blob_path(sha256_hex)).ok()?;
        if crate::runtime::sha256_hex(&bytes) == sha256_hex {
            Some(bytes)
        } else {
            crate::debug!("ignoring damaged blob {sha256_hex} in the cache");
            None
        }
    }

    /// Stores `bytes` under their digest.
    pub fn put_blob(&self, bytes: &[u8]) -> anyhow::Result<String> {
        let digest = crate::runtime::sha256_hex(bytes);
        write_atomically(&self.blob_path(&digest), bytes)?;
        Ok(digest)
    }

    fn ref_path(&self, registry: &str, repository: &str, tag_or_digest: &str) -> PathBuf {
        let leaf = tag_or_digest.replace(':', "-");
        let mut path = self.root.join("refs").join(sanitize(registry));
        for part in repository.split('/') {
            path.push(sanitize(part));
        }
        path.join(format!("{leaf}.json"))
    }

    /// What `registry/repository:tag` (or `@digest`) last resolved to.
    pub fn reference(
        &self,
        registry: &str,
        repository: &str,
        tag_or_digest: &str,
    ) -> Option<RefRecord> {
        let bytes = std::fs::read(self.ref_path(registry, repository, tag_or_digest)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn put_reference(
        &self,
        registry: &str,
        repository: &str,
        tag_or_digest: &str,
        record: &RefRecord,
    ) -> anyhow::Result<()> {
        let bytes = serde_json::to_vec_pretty(record)?;
        write_atomically(&self.ref_path(registry, repository, tag_or_digest), &bytes)
    }

    fn pinned_path(&self, reference_text: &str) -> PathBuf {
        let key = crate::runtime::sha256_hex(reference_text.as_bytes());
        self.root.join("pinned").join(format!("{key}.json"))
    }

    /// What a reference pinned by digest, written exactly as `reference_text`, resolved to
    /// when it was pulled. Its content cannot change, and the text was a valid reference
    /// then, so the text alone finds it.
    pub fn pinned(&self, reference_text: &str) -> Option<RefRecord> {
        let bytes = std::fs::read(self.pinned_path(reference_text)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn put_pinned(&self, reference_text: &str, record: &RefRecord) -> anyhow::Result<()> {
        let bytes = serde_json::to_vec_pretty(record)?;
        write_atomically(&self.pinned_path(reference_text), &bytes)
    }
}

/// Keeps a path component a plain name (registries may carry a port: `127.0.0.1:5000`).
fn sanitize(part: &str) -> String {
    part.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes aside and renames, so a reader never sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().context("a path with a parent")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    std::io::Write::write_all(&mut temp, bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    temp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_found_by_digest_and_damage_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        let digest = store.put_blob(b"\0asm").unwrap();
        assert_eq!(store.blob(&digest).unwrap(), b"\0asm");
        std::fs::write(store.blob_path(&digest), b"tampered").unwrap();
        assert!(store.blob(&digest).is_none());
    }

    fn a_record() -> RefRecord {
        RefRecord {
            manifest: "sha256:aa".into(),
            layer: "sha256:bb".into(),
            media_type: "application/wasm".into(),
        }
    }

    #[test]
    fn references_round_trip_with_ports_and_digests() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        let record = a_record();
        store
            .put_reference("127.0.0.1:5000", "krm/fn", "sha256:aa", &record)
            .unwrap();
        assert_eq!(
            store.reference("127.0.0.1:5000", "krm/fn", "sha256:aa"),
            Some(record)
        );
        assert!(store.reference("127.0.0.1:5000", "krm/fn", "v1").is_none());
    }

    #[test]
    fn pinned_references_are_found_by_their_exact_text() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        let record = a_record();
        store
            .put_pinned("127.0.0.1:5000/krm/fn@sha256:aa", &record)
            .unwrap();
        assert_eq!(
            store.pinned("127.0.0.1:5000/krm/fn@sha256:aa"),
            Some(record)
        );
        // Another text for the same digest is another reference until it is parsed.
        assert!(store.pinned("127.0.0.1:5000/krm/fn_@sha256:aa").is_none());
        assert!(store.pinned("127.0.0.1:5000/krm/fn").is_none());
    }
}
