//! On-disk cache of compiled modules, keyed by the module's sha256 and the engine's
//! compatibility hash (wasmtime version and settings), so a second run does not recompile.

use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use wasmtime::{Engine, Module};

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A `Hasher` over SHA-256, so the engine key is stable across builds of krmwasm
/// (`DefaultHasher` makes no such promise).
struct Sha256Hasher(Sha256);

impl Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        unreachable!("only the full digest is used")
    }
}

pub struct ModuleCache {
    dir: PathBuf,
    engine_key: String,
}

impl ModuleCache {
    pub fn new(dir: PathBuf, engine: &Engine) -> Self {
        let mut hasher = Sha256Hasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_key = hex(&hasher.0.finalize()[..8]);
        ModuleCache { dir, engine_key }
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.engine_key))
    }

    /// The cached compiled module, if present and loadable by this engine.
    pub fn get(&self, engine: &Engine, sha256: &str) -> Option<Module> {
        let path = self.path(sha256);
        if !path.is_file() {
            return None;
        }
        // SAFETY: the file is native code this cache wrote (from a module whose sha256 is in
        // its name) in the user's own cache directory; wasmtime checks the header and version.
        match unsafe { Module::deserialize_file(engine, &path) } {
            Ok(module) => Some(module),
            Err(e) => {
                crate::debug!("ignoring unusable cache entry {}: {e}", path.display());
                None
            }
        }
    }

    /// Stores a compiled module. Failures only cost a recompile next time, so they are logged,
    /// not returned. The file is written aside and renamed, so readers never see half of it.
    pub fn put(&self, module: &Module, sha256: &str) {
        let result = (|| -> anyhow::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let bytes = module.serialize().map_err(super::to_anyhow)?;
            let final_path = self.path(sha256);
            let temp = final_path.with_extension(format!("tmp{}", std::process::id()));
            std::fs::write(&temp, bytes)?;
            std::fs::rename(&temp, &final_path)?;
            Ok(())
        })();
        if let Err(e) = result {
            crate::debug!(
                "cannot write the module cache in {}: {e}",
                self.dir.display()
            );
        }
    }
}
