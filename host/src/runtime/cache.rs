//! On-disk cache of compiled modules, keyed by the module's sha256 and the engine's
//! compatibility hash (wasmtime version and settings), so a second run does not recompile.
//!
//! Compiled modules are native code that wasmtime maps and runs without checking it, so an
//! entry is loaded only when its bytes still have the checksum they were written with (in
//! the file name): a truncated, bit-rotted or half-copied entry is removed and the module
//! compiled again. XXH3-128 rather than sha256 because every run pays for it, on 15 MB for
//! kpack-validate: it catches corruption, and no checksum stored beside a file could stop
//! someone who may write the user's cache directory anyway.

use sha2::{Digest, Sha256};
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
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

    /// Every entry is `<module sha256>-<engine key>-<checksum>.cwasm`.
    fn prefix(&self, sha256: &str) -> String {
        format!("{sha256}-{}-", self.engine_key)
    }

    /// The cached compiled module, if an entry for it is present, intact and loadable by this
    /// engine. Damaged entries are removed on the way.
    pub fn get(&self, engine: &Engine, sha256: &str) -> Option<Module> {
        let prefix = self.prefix(sha256);
        let entries = std::fs::read_dir(&self.dir).ok()?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(checksum) = name
                .to_str()
                .and_then(|n| n.strip_prefix(&prefix))
                .and_then(|n| n.strip_suffix(".cwasm"))
            else {
                continue;
            };
            let path = entry.path();
            match open_intact(&path, checksum) {
                Ok(file) => {
                    // SAFETY: the file is native code this cache wrote, for a module whose
                    // sha256 names it, and its bytes are still the ones written (checked on
                    // this open file, which a rename cannot swap); wasmtime checks the header
                    // and version.
                    match unsafe { Module::deserialize_open_file(engine, file) } {
                        Ok(module) => return Some(module),
                        Err(e) => discard(&path, &format!("{e}")),
                    }
                }
                Err(why) => discard(&path, &why),
            }
        }
        None
    }

    /// Stores a compiled module. Failures only cost a recompile next time, so they are logged,
    /// not returned. The file is written aside and renamed, so readers never see half of it;
    /// a crash that leaves a renamed but unflushed file is caught by the checksum.
    pub fn put(&self, module: &Module, sha256: &str) {
        let result = (|| -> anyhow::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let bytes = module.serialize().map_err(super::to_anyhow)?;
            let final_path = self.dir.join(format!(
                "{}{:032x}.cwasm",
                self.prefix(sha256),
                checksum(&bytes)
            ));
            let temp = self
                .dir
                .join(format!(".{sha256}.tmp{}", std::process::id()));
            std::fs::write(&temp, bytes)?;
            std::fs::rename(&temp, &final_path).inspect_err(|_| {
                let _ = std::fs::remove_file(&temp);
            })?;
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

fn checksum(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// Opens `path` if its contents hash to `expected` (hex). The file is hashed through a
/// read-only mapping: reading 15 MB through `read` would copy it all out of the page cache
/// (~7 ms here), which mapping avoids.
fn open_intact(path: &Path, expected: &str) -> Result<File, String> {
    let expected =
        u128::from_str_radix(expected, 16).map_err(|_| "the name holds no checksum".to_string())?;
    let file = File::open(path).map_err(|e| e.to_string())?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    let actual = if len == 0 {
        checksum(&[])
    } else {
        // SAFETY: a read-only view, dropped before the file is handed on. Entries are replaced
        // by rename, never rewritten in place, so the bytes do not change under it.
        let view = unsafe { memmap2::MmapOptions::new().populate().map(&file) }
            .map_err(|e| e.to_string())?;
        checksum(&view)
    };
    if actual != expected {
        return Err("its contents do not match the checksum it was written with".into());
    }
    Ok(file)
}

/// Removes an entry that must not be loaded; the module is compiled and cached again.
fn discard(path: &Path, why: &str) {
    crate::debug!(
        "removing damaged cache entry {}: {why}; the module will be compiled again",
        path.display()
    );
    let _ = std::fs::remove_file(path);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        Engine::default()
    }

    fn module(engine: &Engine) -> Module {
        let wasm = wat::parse_str(r#"(module (func (export "_start")))"#).unwrap();
        Module::new(engine, wasm).unwrap()
    }

    fn entries(dir: &Path) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_stored_module_is_found_again() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine();
        let cache = ModuleCache::new(dir.path().to_path_buf(), &engine);
        assert!(cache.get(&engine, "abc").is_none());
        cache.put(&module(&engine), "abc");
        assert_eq!(entries(dir.path()).len(), 1, "no temporary file is left");
        assert!(cache.get(&engine, "abc").is_some());
        assert!(cache.get(&engine, "abd").is_none());
    }

    /// Each damage is detected before wasmtime sees the file, and the entry is removed.
    #[test]
    fn damaged_entries_are_removed_not_loaded() {
        type Damage = fn(&mut Vec<u8>);
        let damages: [(&str, Damage); 4] = [
            ("a flipped bit in the code", |b| {
                let mid = b.len() / 2;
                b[mid] ^= 0x10;
            }),
            ("truncated", |b| b.truncate(b.len() / 3)),
            ("emptied", |b| b.clear()),
            ("a byte appended", |b| b.push(0)),
        ];
        for (what, damage) in damages {
            let dir = tempfile::tempdir().unwrap();
            let engine = engine();
            let cache = ModuleCache::new(dir.path().to_path_buf(), &engine);
            cache.put(&module(&engine), "abc");
            let path = entries(dir.path()).remove(0);
            let mut bytes = std::fs::read(&path).unwrap();
            damage(&mut bytes);
            std::fs::write(&path, bytes).unwrap();
            assert!(cache.get(&engine, "abc").is_none(), "{what}: loaded");
            assert!(entries(dir.path()).is_empty(), "{what}: not removed");
        }
    }

    #[test]
    fn entries_without_a_checksum_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine();
        let cache = ModuleCache::new(dir.path().to_path_buf(), &engine);
        let bytes = module(&engine).serialize().unwrap();
        // The layout before checksums: `<sha256>-<engine key>.cwasm`.
        let old = dir.path().join(format!("abc-{}.cwasm", cache.engine_key));
        std::fs::write(&old, &bytes).unwrap();
        let renamed = dir.path().join(format!("{}zz.cwasm", cache.prefix("abc")));
        std::fs::write(&renamed, &bytes).unwrap();
        assert!(cache.get(&engine, "abc").is_none());
        assert!(
            old.exists(),
            "only entries of the current layout are touched"
        );
    }
}
