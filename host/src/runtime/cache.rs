//! On-disk cache of compiled modules, keyed by the module's sha256 and the engine's
//! compatibility hash (wasmtime version and settings), so a second run does not recompile.
//!
//! Compiled modules are native code that wasmtime maps and runs without checking it, so an
//! entry is loaded only when its bytes still have the checksum they were written with (in
//! the file name): a truncated, bit-rotted or half-copied entry is removed and the module
//! compiled again. XXH3-128 rather than sha256 because every run pays for it, on 15 MB for
//! kpack-validate: it catches corruption, and no checksum stored beside a file could stop
//! someone who may write the user's cache directory anyway.
//!
//! Every new build of a module, and every new wasmtime or setting, adds entries (2–15 MB
//! each) that nothing else would remove. An entry's modification time records its last use
//! (refreshed on load at most once a day, so a run rarely writes), and whenever a module is
//! compiled, entries unused for [`UNUSED_FOR`] are removed.

use sha2::{Digest, Sha256};
use std::fs::{DirEntry, File};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use wasmtime::{Engine, Module};

/// How long an entry may go unused before a compile removes it.
const UNUSED_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// How stale an entry's recorded last use may be before a load refreshes it.
const USE_RECORDED_EVERY: Duration = Duration::from_secs(24 * 3600);
/// A temporary file this old is left by a writer that did not finish.
const ABANDONED_AFTER: Duration = Duration::from_secs(24 * 3600);

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

    /// The module's entries in the directory, each with the checksum its name holds.
    fn entries(&self, sha256: &str) -> Option<impl Iterator<Item = (DirEntry, String)>> {
        let prefix = self.prefix(sha256);
        let entries = std::fs::read_dir(&self.dir).ok()?;
        Some(entries.flatten().filter_map(move |entry| {
            let checksum = entry
                .file_name()
                .to_str()?
                .strip_prefix(&prefix)?
                .strip_suffix(".cwasm")?
                .to_string();
            Some((entry, checksum))
        }))
    }

    /// The size of an entry for the module, if one is present (whether it is intact is for
    /// [`Self::get`] to find out).
    pub fn entry_size(&self, sha256: &str) -> Option<u64> {
        let (entry, _) = self.entries(sha256)?.next()?;
        entry.metadata().ok().map(|metadata| metadata.len())
    }

    /// The cached compiled module, if an entry for it is present, intact and loadable by this
    /// engine. Damaged entries are removed on the way.
    pub fn get(&self, engine: &Engine, sha256: &str) -> Option<Module> {
        for (entry, checksum) in self.entries(sha256)? {
            let path = entry.path();
            match open_intact(&path, &checksum) {
                Ok((file, metadata)) => {
                    // SAFETY: the file is native code this cache wrote, for a module whose
                    // sha256 names it, and its bytes are still the ones written (checked on
                    // this open file, which a rename cannot swap); wasmtime checks the header
                    // and version.
                    record_use(&file, &metadata);
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
            // Said once, not only under -v: every run would compile again, seconds each.
            static WARNED: std::sync::Once = std::sync::Once::new();
            WARNED.call_once(|| {
                eprintln!(
                    "krmwasm: warning: cannot write the module cache in {}: {e}; every run \
                     compiles its functions again (point --cache-dir or KRMWASM_CACHE_DIR at a \
                     writable directory, or pass --no-cache)",
                    self.dir.display()
                );
            });
        }
        self.sweep(SystemTime::now());
    }

    /// Removes entries last used before `now - UNUSED_FOR`, whatever module or engine they
    /// were compiled for, and temporary files abandoned by writers that did not finish.
    /// Runs when a module is compiled, which costs far more than listing the directory.
    fn sweep(&self, now: SystemTime) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let (mut removed, mut freed) = (0, 0);
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let unused_for = if name.ends_with(".cwasm") {
                UNUSED_FOR
            } else if name.starts_with('.') && name.contains(".tmp") {
                ABANDONED_AFTER
            } else {
                continue;
            };
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            let last_used = metadata.modified().unwrap_or(now);
            if metadata.is_file()
                && now.duration_since(last_used).unwrap_or_default() > unused_for
                && std::fs::remove_file(entry.path()).is_ok()
            {
                removed += 1;
                freed += metadata.len();
            }
        }
        if removed > 0 {
            crate::debug!(
                "removed {removed} cache entries unused for {} days ({} MiB) from {}",
                UNUSED_FOR.as_secs() / 86_400,
                freed >> 20,
                self.dir.display()
            );
        }
    }
}

/// Records that an entry was used, by its modification time, when the last record is more
/// than a day old. A cache the user may not write (a shared, read-only one) is left as it is.
fn record_use(file: &File, metadata: &std::fs::Metadata) {
    let now = SystemTime::now();
    let recorded = metadata.modified();
    if recorded.is_ok_and(|at| now.duration_since(at).unwrap_or_default() > USE_RECORDED_EVERY) {
        let _ = file.set_modified(now);
    }
}

fn checksum(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// Opens `path` if its contents hash to `expected` (hex). The file is hashed through
/// read-only mappings of [`HASHED_AT_ONCE`] each: reading 15 MB through `read` would copy it
/// all out of the page cache (~7 ms here), which mapping avoids, and a window at a time keeps
/// the entry out of the process's resident memory (the input may be read meanwhile, see
/// `Runtime::load_beside`). The file's metadata comes along, read once.
fn open_intact(path: &Path, expected: &str) -> Result<(File, std::fs::Metadata), String> {
    let expected =
        u128::from_str_radix(expected, 16).map_err(|_| "the name holds no checksum".to_string())?;
    let file = File::open(path).map_err(|e| e.to_string())?;
    let metadata = file.metadata().map_err(|e| e.to_string())?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut offset = 0;
    while offset < metadata.len() {
        let len = (metadata.len() - offset).min(HASHED_AT_ONCE as u64) as usize;
        // SAFETY: a read-only view, dropped before the file is handed on. Entries are replaced
        // by rename, never rewritten in place, so the bytes do not change under it.
        let view = unsafe {
            memmap2::MmapOptions::new()
                .offset(offset)
                .len(len)
                .populate()
                .map(&file)
        }
        .map_err(|e| e.to_string())?;
        hasher.update(&view);
        offset += len as u64;
    }
    if hasher.digest128() != expected {
        return Err("its contents do not match the checksum it was written with".into());
    }
    Ok((file, metadata))
}

/// How much of a cache entry is mapped at once to be hashed (a multiple of the page size).
const HASHED_AT_ONCE: usize = 2 << 20;

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

    /// Hashed a window at a time, an entry has the checksum of its whole bytes, whichever
    /// window a damage falls in.
    #[test]
    fn entries_larger_than_a_window_are_checked_whole() {
        let dir = tempfile::tempdir().unwrap();
        for len in [
            0,
            1,
            HASHED_AT_ONCE - 1,
            HASHED_AT_ONCE,
            2 * HASHED_AT_ONCE + 4099,
        ] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
            let sum = format!("{:032x}", checksum(&bytes));
            let path = dir.path().join(format!("entry-{len}"));
            std::fs::write(&path, &bytes).unwrap();
            assert!(open_intact(&path, &sum).is_ok(), "{len} bytes");
            for at in [0, HASHED_AT_ONCE, len.saturating_sub(1)] {
                if at < len {
                    let mut damaged = bytes.clone();
                    damaged[at] ^= 1;
                    std::fs::write(&path, &damaged).unwrap();
                    assert!(
                        open_intact(&path, &sum).is_err(),
                        "{len} bytes, damage at {at}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_cached_entry_is_found_before_it_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine();
        let cache = ModuleCache::new(dir.path().to_path_buf(), &engine);
        assert_eq!(cache.entry_size("abc"), None);
        cache.put(&module(&engine), "abc");
        let size = std::fs::metadata(entries(dir.path()).remove(0))
            .unwrap()
            .len();
        assert_eq!(cache.entry_size("abc"), Some(size));
        assert_eq!(cache.entry_size("abd"), None);
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

    fn set_last_use(path: &Path, at: SystemTime) {
        File::open(path).unwrap().set_modified(at).unwrap();
    }

    fn last_use(path: &Path) -> SystemTime {
        std::fs::metadata(path).unwrap().modified().unwrap()
    }

    const DAY: Duration = Duration::from_secs(24 * 3600);

    #[test]
    fn a_load_records_the_use_at_most_once_a_day() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine();
        let cache = ModuleCache::new(dir.path().to_path_buf(), &engine);
        cache.put(&module(&engine), "abc");
        let path = entries(dir.path()).remove(0);
        let now = SystemTime::now();

        let an_hour_ago = now - Duration::from_secs(3600);
        set_last_use(&path, an_hour_ago);
        assert!(cache.get(&engine, "abc").is_some());
        assert_eq!(
            last_use(&path),
            an_hour_ago,
            "a recent use is not written again"
        );

        set_last_use(&path, now - 40 * DAY);
        assert!(cache.get(&engine, "abc").is_some());
        let recorded = now.duration_since(last_use(&path)).unwrap_or_default();
        assert!(
            recorded < Duration::from_secs(60),
            "recorded {recorded:?} ago"
        );
    }

    #[test]
    fn a_compile_removes_entries_unused_for_a_month() {
        let dir = tempfile::tempdir().unwrap();
        let engine = engine();
        let cache = ModuleCache::new(dir.path().to_path_buf(), &engine);
        let bytes = module(&engine).serialize().unwrap();
        let now = SystemTime::now();
        let file = |name: &str, age: Duration| {
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            set_last_use(&path, now - age);
            path
        };
        let gone = [
            // Another build of a module, and another engine's entry.
            file(&format!("{}0f.cwasm", cache.prefix("old")), 31 * DAY),
            file("def-0123456789abcdef-0f.cwasm", 40 * DAY),
            // The layout before checksums, which nothing loads any more.
            file(&format!("abc-{}.cwasm", cache.engine_key), 31 * DAY),
            // What a writer that died left.
            file(".abc.tmp4242", 2 * DAY),
        ];
        let kept = [
            file(&format!("{}0f.cwasm", cache.prefix("recent")), 29 * DAY),
            file("def-0123456789abcdef-1f.cwasm", DAY),
            file(".abc.tmp4343", Duration::from_secs(60)),
            file("notes.txt", 400 * DAY),
        ];
        cache.put(&module(&engine), "abc");
        for path in &gone {
            assert!(!path.exists(), "{} was kept", path.display());
        }
        for path in &kept {
            assert!(path.exists(), "{} was removed", path.display());
        }
        assert!(cache.get(&engine, "abc").is_some(), "the new entry is kept");
        assert_eq!(entries(dir.path()).len(), kept.len() + 1);
    }
}
