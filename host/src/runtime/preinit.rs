//! Pre-initialization, as Wizer defines it: a module that exports `wizer-initialize` has that
//! function run once, when krmwasm compiles the module, and the memory and globals it leaves
//! are written into a new module (wasmtime-wizer), which is what gets compiled, cached and
//! run. Each run then starts where the initializer stopped instead of redoing its work
//! (kpack-validate compiles every kind's schema there: milliseconds each under wasm).
//!
//! That means compiling the module twice (instrumented to run the initializer, then the
//! snapshot), which would double a first run's cost (seconds for kpack-validate). The two
//! share every function body, so both compiles go through cranelift's incremental cache, kept
//! in memory for the pair: the second reuses the first's machine code.
//!
//! The snapshot is made by this host from the module whose digest was checked, and cached
//! under that digest like any compiled module. The initializer runs in the same sandbox as a
//! run, with no input, no arguments but the name and no environment, under the run's limits.
//! Pre-initialization is an optimization the module offers, never a requirement: when it
//! fails, the module is compiled as it is, and `-v` says why. That includes an initializer
//! still running at the time limit, which is left behind on its own thread rather than ending
//! the process as a run's would (see [`snapshot_within_limit`]).
//!
//! The initializer's random bytes come from a generator seeded with the module's digest, so
//! that a module compiles to the same cache entry every time and on every machine. Rust's
//! hash maps take their keys from there: seeded from the system, no two snapshots of a module
//! were alike (~118 KB apart for kpack-validate), and no two entries could be compared. Keys
//! drawn by an initializer can so be computed from the module; a run's own draws come from the
//! system.

use super::{CallError, Limits, Runtime, engine_config, to_anyhow};
use anyhow::{Context as _, bail};
use rand::SeedableRng as _;
use sha2::Digest as _;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use wasmtime::{CacheStore, Engine, Instance, Module, Store};
use wasmtime_wizer::{InstanceState, SnapshotVal, ValType, Wizer};

/// The export a module offers to be pre-initialized with (wasmtime-wizer's default name).
pub const INITIALIZER: &str = "wizer-initialize";

/// Whether `wasm` exports [`INITIALIZER`]. Reads the export section only: function bodies are
/// skipped, so this costs microseconds on a 5 MB module.
pub fn has_initializer(wasm: &[u8]) -> bool {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(wasmparser::Payload::ExportSection(exports)) => {
                return exports
                    .into_iter()
                    .flatten()
                    .any(|e| e.name == INITIALIZER && e.kind == wasmparser::ExternalKind::Func);
            }
            // The export section comes before the code: nothing after it can export anything.
            Ok(wasmparser::Payload::CodeSectionStart { .. }) | Err(_) => return false,
            Ok(_) => {}
        }
    }
    false
}

/// Pre-initializes `wasm` and compiles the result: the compiled module, serialized, for an
/// engine configured by [`engine_config`].
pub fn compile(name: &str, wasm: &[u8], limits: &Limits) -> anyhow::Result<Vec<u8>> {
    let functions = Arc::new(FunctionCache::default());
    let mut config = engine_config();
    config
        .enable_incremental_compilation(functions.clone())
        .map_err(to_anyhow)?;
    let engine = Engine::new(&config).map_err(to_anyhow)?;
    let snapshot = snapshot_within_limit(&engine, name, wasm, limits)?;
    let (lookups, hits) = functions.counts();
    let module = Module::new(&engine, &snapshot)
        .map_err(to_anyhow)
        .context("its pre-initialized module does not compile")?;
    let (all_lookups, all_hits) = functions.counts();
    crate::debug!(
        "{name}: compiled twice to pre-initialize; the second compile reused {} of {} functions",
        all_hits - hits,
        all_lookups - lookups,
    );
    module.serialize().map_err(to_anyhow)
}

/// What the thread that pre-initializes a module reports.
enum Progress {
    /// The instrumented module is compiled; its initializer starts now.
    Initializing(Instant),
    Done(anyhow::Result<Vec<u8>>),
}

/// Runs [`snapshot`] on a thread of its own, and waits for its initializer no longer than the
/// time limit. Guests are not interrupted (see watchdog.rs), and an initializer is not a run:
/// one still going at the limit is left to itself until krmwasm exits, and the module is
/// compiled as it is, so that a stuck initializer costs the first run its time limit, not
/// every run its function.
fn snapshot_within_limit(
    engine: &Engine,
    name: &str,
    wasm: &[u8],
    limits: &Limits,
) -> anyhow::Result<Vec<u8>> {
    let (sender, progress) = mpsc::channel();
    let (engine, name, wasm, thread_limits) = (
        engine.clone(),
        name.to_string(),
        wasm.to_vec(),
        limits.clone(),
    );
    std::thread::Builder::new()
        .name("krmwasm-preinit".into())
        .spawn(move || {
            let initializing = || {
                let _ = sender.send(Progress::Initializing(Instant::now()));
            };
            let snapshot = Runtime::with_engine(engine, None)
                .and_then(|runtime| snapshot(&runtime, &name, &wasm, &thread_limits, initializing));
            let _ = sender.send(Progress::Done(snapshot));
        })
        .context("cannot start a thread to pre-initialize it")?;
    let mut deadline: Option<Instant> = None;
    loop {
        let next = match deadline {
            Some(deadline) => {
                progress.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            }
            None => progress.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match next {
            // A limit too far away to reach is no limit.
            Ok(Progress::Initializing(started)) => deadline = started.checked_add(limits.timeout),
            Ok(Progress::Done(snapshot)) => return snapshot,
            Err(RecvTimeoutError::Timeout) => bail!(
                "its {INITIALIZER} did not return within the time limit of {:?}",
                limits.timeout
            ),
            Err(RecvTimeoutError::Disconnected) => {
                bail!("pre-initializing it stopped without a result")
            }
        }
    }
}

/// Runs `wasm`'s initializer in the sandbox and returns the module with the state it left.
/// `initializing` is called when the initializer starts. The caller keeps the time limit.
fn snapshot(
    runtime: &Runtime,
    name: &str,
    wasm: &[u8],
    limits: &Limits,
    initializing: impl FnOnce(),
) -> anyhow::Result<Vec<u8>> {
    let wizer = Wizer::new();
    let (context, instrumented) = wizer
        .instrument(wasm)
        .map_err(to_anyhow)
        .context("the module cannot be pre-initialized")?;
    let module = Module::new(runtime.engine(), &instrumented).map_err(to_anyhow)?;
    let seed = <[u8; 32]>::from(sha2::Sha256::digest(wasm));
    let random = rand::rngs::StdRng::from_seed(seed);
    let mut run = runtime.start_run(name, Vec::new(), &[], limits, Some(random));
    let mut initialized = None;
    initializing();
    let result = runtime.call_unwatched(&mut run, |store| {
        let instance = runtime
            .linker
            .instantiate(&mut *store, &module)
            .map_err(|e| CallError::Startup(format!("{e:#}")))?;
        let init = instance
            .get_typed_func::<(), ()>(&mut *store, INITIALIZER)
            .map_err(|e| {
                CallError::Startup(format!("{INITIALIZER} is not a `[] -> []` function: {e:#}"))
            })?;
        init.call(&mut *store, ()).map_err(CallError::Guest)?;
        initialized = Some(instance);
        Ok(())
    });
    let snapshot = match initialized {
        Some(instance) => {
            let mut state = Initialized {
                store: &mut run.store,
                instance,
            };
            let snapshot = runtime
                .wasi_runtime
                .block_on(wizer.snapshot(&context, &mut state))
                .map_err(to_anyhow)?;
            Some(with_exports_of(&snapshot, &instrumented)?)
        }
        None => None,
    };
    let outcome = run.conclude(result, limits);
    match (outcome.status, snapshot) {
        (Ok(0), Some(snapshot)) => Ok(snapshot),
        (Ok(code), _) => bail!(
            "its {INITIALIZER} exited with code {code} instead of returning{}",
            stderr_note(&outcome.stderr)
        ),
        (Err(e), _) => Err(anyhow::Error::new(e).context(format!(
            "its {INITIALIZER} failed{}",
            stderr_note(&outcome.stderr)
        ))),
    }
}

/// `snapshot` with `instrumented`'s export section. wasmtime compiles a function that reads an
/// exported global differently (other code may write it), and the instrumentation exports
/// every global: with the same exports, the snapshot's functions are the instrumented
/// module's, and the incremental cache reuses them all. The extra exports are the
/// instrumentation's names (`__wizer_*`) and the initializer; krmwasm calls only `_start`.
fn with_exports_of(snapshot: &[u8], instrumented: &[u8]) -> anyhow::Result<Vec<u8>> {
    let sections = |wasm: &[u8]| -> anyhow::Result<Vec<(u8, std::ops::Range<usize>)>> {
        let mut sections = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            sections.extend(payload?.as_section());
        }
        Ok(sections)
    };
    let exports = sections(instrumented)?
        .into_iter()
        .find(|(id, _)| *id == wasm_encoder::SectionId::Export as u8)
        .map(|(_, range)| &instrumented[range])
        .context("the instrumented module has no export section")?;
    let mut module = wasm_encoder::Module::new();
    for (id, range) in sections(snapshot)? {
        let data = if id == wasm_encoder::SectionId::Export as u8 {
            exports
        } else {
            &snapshot[range]
        };
        module.section(&wasm_encoder::RawSection { id, data });
    }
    Ok(module.finish())
}

fn stderr_note(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim();
    if text.is_empty() {
        String::new()
    } else {
        format!(" (stderr: {text})")
    }
}

/// The initialized instance, as wasmtime-wizer reads it to write the snapshot.
struct Initialized<'a, T: 'static> {
    store: &'a mut Store<T>,
    instance: Instance,
}

impl<T: Send> InstanceState for Initialized<'_, T> {
    async fn global_get(&mut self, name: &str, _type_hint: ValType) -> SnapshotVal {
        let global = self
            .instance
            .get_global(&mut *self.store, name)
            .expect("wasmtime-wizer reads only the globals its instrumentation exported");
        match global.get(&mut *self.store) {
            wasmtime::Val::I32(x) => SnapshotVal::I32(x),
            wasmtime::Val::I64(x) => SnapshotVal::I64(x),
            wasmtime::Val::F32(x) => SnapshotVal::F32(x),
            wasmtime::Val::F64(x) => SnapshotVal::F64(x),
            wasmtime::Val::V128(x) => SnapshotVal::V128(x.as_u128()),
            // Refused by wasmtime-wizer's instrumentation (mutable reference globals).
            other => unreachable!("a global of type {:?} cannot be snapshotted", other),
        }
    }

    async fn memory_contents(&mut self, name: &str, contents: impl FnOnce(&[u8]) + Send) {
        let memory = self
            .instance
            .get_memory(&mut *self.store, name)
            .expect("wasmtime-wizer reads only the memories its instrumentation exported");
        contents(memory.data(&*self.store))
    }
}

/// Cranelift's incremental cache for one module's two compiles: compiled functions by the
/// hash of their code and settings, in memory, dropped with the pair.
#[derive(Debug, Default)]
struct FunctionCache {
    functions: Mutex<HashMap<Vec<u8>, Vec<u8>>>,
    lookups: AtomicUsize,
    hits: AtomicUsize,
}

impl FunctionCache {
    /// Lookups so far, and how many found a function.
    fn counts(&self) -> (usize, usize) {
        (
            self.lookups.load(Ordering::Relaxed),
            self.hits.load(Ordering::Relaxed),
        )
    }

    fn functions(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, Vec<u8>>> {
        // A map of finished entries: a panic elsewhere cannot leave one half-written.
        self.functions.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl CacheStore for FunctionCache {
    fn get(&self, key: &[u8]) -> Option<Cow<'_, [u8]>> {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        let found = self.functions().get(key).cloned()?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(Cow::Owned(found))
    }

    fn insert(&self, key: &[u8], value: Vec<u8>) -> bool {
        self.functions().insert(key.to_vec(), value);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::VerifiedWasm;

    /// A command that prints byte 16 of its memory and its global: `-0` as built, `I1` once its
    /// initializer has run. `init` is the initializer's body.
    fn module(init: &str) -> Vec<u8> {
        wat::parse_str(format!(
            r#"(module
                (import "wasi_snapshot_preview1" "fd_write"
                    (func $fd_write (param i32 i32 i32 i32) (result i32)))
                (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                (memory (export "memory") 1)
                (global $initialized (mut i32) (i32.const 0))
                (data (i32.const 16) "-")
                (func (export "wizer-initialize") {init})
                (func (export "_start")
                    (i32.store8 (i32.const 17)
                        (i32.add (i32.const 48) (global.get $initialized)))
                    (i32.store (i32.const 0) (i32.const 16))
                    (i32.store (i32.const 4) (i32.const 2))
                    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#
        ))
        .unwrap()
    }

    const INITIALIZES: &str =
        "(i32.store8 (i32.const 16) (i32.const 73)) (global.set $initialized (i32.const 1))";

    fn output(runtime: &Runtime, wasm: &[u8], limits: &Limits) -> (String, bool) {
        let wasm = VerifiedWasm::unpinned("probe", wasm.to_vec().into());
        let loaded = runtime.load(&wasm, limits).unwrap();
        let run = runtime.invoke("probe", &loaded.module, Vec::new(), &[], limits);
        assert_eq!(run.status.unwrap(), 0);
        (String::from_utf8(run.stdout).unwrap(), loaded.from_cache)
    }

    #[test]
    fn only_an_exported_function_named_wizer_initialize_is_an_initializer() {
        assert!(has_initializer(&module(INITIALIZES)));
        let others = [
            r#"(module (func (export "_start")))"#,
            r#"(module (func (export "wizer.initialize")) (func (export "_start")))"#,
            r#"(module (global (export "wizer-initialize") i32 (i32.const 0)))"#,
        ];
        for wat in others {
            assert!(!has_initializer(&wat::parse_str(wat).unwrap()), "{wat}");
        }
        assert!(!has_initializer(b"not wasm"));
    }

    /// Memory and globals as the initializer left them, from a fresh compile and from the cache.
    #[test]
    fn runs_start_from_the_initialized_state() {
        let cache = tempfile::tempdir().unwrap();
        let runtime = Runtime::new(Some(cache.path().to_path_buf())).unwrap();
        let wasm = module(INITIALIZES);
        let limits = Limits::default();
        assert_eq!(output(&runtime, &wasm, &limits), ("I1".into(), false));
        assert_eq!(output(&runtime, &wasm, &limits), ("I1".into(), true));
    }

    /// An initializer that fails, exits or passes a limit leaves the module as it was built.
    #[test]
    fn a_failing_initializer_leaves_the_module_as_built() {
        let runtime = Runtime::new(None).unwrap();
        let limits = Limits {
            memory: 4 << 20,
            ..Limits::default()
        };
        let failures = [
            "unreachable",
            "(if (i32.lt_s (memory.grow (i32.const 1000)) (i32.const 0)) (then unreachable))",
            "(i32.store8 (i32.const 16) (i32.const 73)) (call $exit (i32.const 0))",
        ];
        for init in failures {
            let wasm = module(init);
            assert!(
                snapshot(&Runtime::new(None).unwrap(), "probe", &wasm, &limits, || {}).is_err(),
                "{init}"
            );
            assert_eq!(output(&runtime, &wasm, &limits).0, "-0", "{init}");
        }
    }

    /// An initializer still running at the time limit is left behind and the module runs as
    /// built. Were it watched like a run, the watchdog would end this test's process.
    #[test]
    fn an_initializer_past_the_time_limit_leaves_the_module_as_built() {
        let limits = Limits {
            timeout: std::time::Duration::from_millis(50),
            ..Limits::default()
        };
        // A billion turns of a loop: many times the limit, yet it ends on its own soon after
        // (guests are not interrupted, so an endless one would spin until the tests end).
        let slow = format!(
            "(local $turns i32) (local.set $turns (i32.const 1000000000))
             (loop $again
                (local.set $turns (i32.sub (local.get $turns) (i32.const 1)))
                (br_if $again (local.get $turns)))
             {INITIALIZES}"
        );
        let wasm = module(&slow);
        let error = snapshot_within_limit(&Engine::default(), "probe", &wasm, &limits)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("did not return within the time limit of 50ms"),
            "{error}"
        );
        assert_eq!(output(&Runtime::new(None).unwrap(), &wasm, &limits).0, "-0");
    }

    /// An initializer that draws random bytes (as Rust's hash maps do for their keys) leaves
    /// the same snapshot on every compile, and what it drew is in it.
    #[test]
    fn a_snapshot_is_the_same_on_every_compile() {
        let wasm = wat::parse_str(
            r#"(module
                (import "wasi_snapshot_preview1" "random_get"
                    (func $random_get (param i32 i32) (result i32)))
                (memory (export "memory") 1)
                (func (export "wizer-initialize")
                    (drop (call $random_get (i32.const 64) (i32.const 32))))
                (func (export "_start")))"#,
        )
        .unwrap();
        let take = || {
            let runtime = Runtime::new(None).unwrap();
            snapshot(&runtime, "probe", &wasm, &Limits::default(), || {}).unwrap()
        };
        let (first, second) = (take(), take());
        assert!(first == second, "two snapshots of one module differ");
        // The 32 bytes drawn, as wasmtime-wasi's random_get draws them from the seeded
        // generator, sit in the snapshot's data segment.
        let seed = <[u8; 32]>::from(sha2::Sha256::digest(&wasm));
        let expected: Vec<u8> = rand::RngExt::random_iter(rand::rngs::StdRng::from_seed(seed))
            .take(32)
            .collect();
        assert!(
            first.windows(32).any(|w| w == expected),
            "the initializer's random bytes are not in its snapshot"
        );
    }

    #[test]
    fn the_snapshot_keeps_the_instrumented_exports() {
        let wasm = module(INITIALIZES);
        let runtime = Runtime::new(None).unwrap();
        let snapshot = snapshot(&runtime, "probe", &wasm, &Limits::default(), || {}).unwrap();
        let module = Module::new(runtime.engine(), &snapshot).unwrap();
        let exports: Vec<&str> = module.exports().map(|e| e.name()).collect();
        assert!(
            exports.contains(&"_start") && exports.contains(&INITIALIZER),
            "{exports:?}"
        );
        assert!(
            exports.iter().any(|e| e.starts_with("__wizer")),
            "{exports:?}"
        );
    }
}
