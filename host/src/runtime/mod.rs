//! Runs WASI preview 1 command modules as KRM functions, sandboxed.
//!
//! Sandbox: no preopened directories, no environment beyond what the host passes on purpose
//! (`KRM_OUTPUT`), no sockets, stdin/stdout/stderr in memory. Limits: memory, the guest's
//! linear memories and tables together (the growth fails, the guest aborts, the host
//! reports it; see limiter.rs), wall-clock time (a call still running at its deadline ends
//! the process, see watchdog.rs), and stdout size.

mod cache;
mod crash;
mod follow;
mod limiter;
mod output;
mod poll;
mod preinit;
mod stdio;
mod watchdog;

pub use cache::{ModuleCache, sha256_hex};
pub use follow::Follower;
use follow::Following;
use limiter::MemoryLimiter;
use output::CappedOutput;

use crate::units::format_bytes;
use anyhow::Context as _;
use std::time::Duration;
use wasmtime::{Config, Engine, Linker, Module, Store};
use wasmtime_wasi::I32Exit;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryInputPipe;

/// wasmtime has its own error type; keep its whole chain in the message.
pub(crate) fn to_anyhow(e: wasmtime::Error) -> anyhow::Error {
    anyhow::anyhow!("{e:#}")
}

/// Most a function may write to stderr: messages for people, relayed as they are.
const STDERR_LIMIT: usize = 1 << 20;

/// From this size on, a cached compiled module is loaded beside the reading of the input
/// (see [`Runtime::load_beside`]): checking and loading a generator's 2 MB entry takes
/// ~0.6 ms here, and a helper thread starts within ~0.2 ms (see krm::host::run_beside).
const LOADED_BESIDE_FROM: u64 = 1 << 20;
/// And only when the input has at least this many bytes to parse (about 0.4 ms of JSON):
/// beside 3 KB of input, loading kpack-validate cost 0.5 ms more than loading it after.
const PARSED_BESIDE_FROM: usize = 64 << 10;

/// Resource limits for one function run.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Maximum linear memory, in bytes.
    pub memory: u64,
    /// Maximum wall-clock time.
    pub timeout: Duration,
    /// Maximum bytes the function may write to stdout.
    pub output: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory: 512 << 20,
            timeout: Duration::from_secs(60),
            output: 64 << 20,
        }
    }
}

/// Why a run was stopped. Messages name the function and the flag that raises the limit.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(
        "function {name} did not finish within {limit:?} and was stopped (raise the limit with --timeout)"
    )]
    Timeout { name: String, limit: Duration },
    #[error(
        "function {name} asked to sleep for {asked:?}, past its time limit of {limit:?}, and was stopped (raise the limit with --timeout)"
    )]
    SleepPastLimit {
        name: String,
        asked: Duration,
        limit: Duration,
    },
    #[error("function {name} needed more than {} of memory and was stopped (raise the limit with --memory-limit)", format_bytes(*limit))]
    MemoryLimit { name: String, limit: u64 },
    #[error("function {name} wrote more than {} to stdout and was stopped (raise the limit with --output-limit)", format_bytes(*limit))]
    OutputLimit { name: String, limit: u64 },
    #[error("function {name} wrote more than {} to stderr and was stopped (stderr is for messages; a function reports findings as results)", format_bytes(*limit))]
    StderrLimit { name: String, limit: u64 },
    #[error("function {name} crashed: {message}")]
    Crashed { name: String, message: String },
    #[error("function {name} could not be started: {message}")]
    Start { name: String, message: String },
}

/// What a run produced.
#[derive(Debug)]
pub struct Invocation {
    /// The exit code, or why the run was stopped.
    pub status: Result<i32, RunError>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The most memory the guest's linear memories and tables held together, in bytes.
    pub memory_peak: usize,
}

/// A module's bytes with their sha256, checked against the digest its catalog entry names
/// before anything compiles it or loads its compiled form from the cache.
#[derive(Clone, Debug)]
pub struct VerifiedWasm {
    /// For messages: the function's name.
    pub name: String,
    pub bytes: std::borrow::Cow<'static, [u8]>,
    /// Hex sha256 of `bytes`.
    pub sha256: String,
}

/// The module's digest is not the one its catalog entry names.
#[derive(Debug, thiserror::Error)]
#[error(
    "refusing to run {name} from {location}: its sha256 is {actual}, but {source_name} expects {expected}. \
     The module changed after the catalog was written: put the sha256 of the module you \
     trust in the catalog entry (`sha256sum` of the file), or fetch the module the catalog names"
)]
pub struct DigestMismatch {
    pub name: String,
    pub location: String,
    pub source_name: String,
    pub expected: String,
    pub actual: String,
}

impl VerifiedWasm {
    /// Hashes `bytes` and accepts them only when the digest is `expected`.
    pub fn check(
        name: &str,
        location: &str,
        bytes: std::borrow::Cow<'static, [u8]>,
        expected: &str,
        source_name: &str,
    ) -> Result<Self, DigestMismatch> {
        let actual = sha256_hex(&bytes);
        Self::check_hashed(name, location, bytes, actual, expected, source_name)
    }

    /// As [`check`](Self::check), for bytes whose sha256 is already known: a module built into
    /// the binary was hashed when the binary was built (hashing kpack-validate's 5 MB again
    /// would cost every run ~4 ms; a test keeps the build-time digests true).
    pub fn check_hashed(
        name: &str,
        location: &str,
        bytes: std::borrow::Cow<'static, [u8]>,
        actual: String,
        expected: &str,
        source_name: &str,
    ) -> Result<Self, DigestMismatch> {
        if actual != expected {
            return Err(DigestMismatch {
                name: name.to_string(),
                location: location.to_string(),
                source_name: source_name.to_string(),
                expected: expected.to_string(),
                actual,
            });
        }
        Ok(VerifiedWasm {
            name: name.to_string(),
            bytes,
            sha256: actual,
        })
    }

    /// A module built into the binary, with the digest computed when the binary was built
    /// (a test keeps it true): hashing it again would cost every run milliseconds.
    pub fn built_in(f: &crate::builtin::BuiltinFunction) -> Self {
        VerifiedWasm {
            name: f.name.to_string(),
            bytes: std::borrow::Cow::Borrowed(f.wasm),
            sha256: f.sha256.to_string(),
        }
    }

    /// A module the user named directly (`krmwasm run ./fn.wasm`): their naming it is the
    /// trust; the digest is still what keys the compiled cache.
    pub fn unpinned(name: &str, bytes: std::borrow::Cow<'static, [u8]>) -> Self {
        VerifiedWasm {
            name: name.to_string(),
            sha256: sha256_hex(&bytes),
            bytes,
        }
    }
}

/// A compiled module, and whether it came from the on-disk cache.
pub struct LoadedModule {
    pub module: Module,
    pub sha256: String,
    pub from_cache: bool,
}

/// The wasmtime engine plus the compiled-module cache; create one per process.
pub struct Runtime {
    engine: Engine,
    /// WASI preview 1, with krmwasm's own `poll_oneoff` (see poll.rs).
    linker: Linker<GuestState>,
    cache: Option<ModuleCache>,
    /// Enforces each call's time limit.
    watchdog: watchdog::Watchdog,
    /// Entered around each call. wasmtime-wasi runs WASI calls in a tokio runtime and, when
    /// none is entered, builds a multi-threaded one on the first call (worker threads, cgroup
    /// files read for the CPU count). A guest's only I/O is in-memory pipes and krmwasm serves
    /// `poll_oneoff` itself, so nothing needs tokio's I/O or timer drivers: a current-thread
    /// runtime without them is enough, and costs microseconds.
    wasi_runtime: tokio::runtime::Runtime,
}

struct GuestState {
    wasi: WasiP1Ctx,
    limiter: MemoryLimiter,
    /// When the run began: the guest's monotonic clock counts from it.
    started: std::time::Instant,
    timeout: Duration,
    /// What the guest writes to descriptors 1 and 2 (see stdio.rs).
    stdout: CappedOutput,
    stderr: CappedOutput,
}

impl stdio::GuestOutput for GuestState {
    fn output(&self, fd: u32) -> Option<&CappedOutput> {
        match fd {
            1 => Some(&self.stdout),
            2 => Some(&self.stderr),
            _ => None,
        }
    }
}

impl poll::RunTime for GuestState {
    fn started(&self) -> std::time::Instant {
        self.started
    }

    fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// The engine and its WASI linker, made on a second thread from the start of the process:
/// they depend on nothing the command line says, and take about as long (~0.3 ms here) as
/// parsing it and reading a small input, which the first thread does meanwhile.
pub struct EngineAhead(std::thread::JoinHandle<anyhow::Result<(Engine, Linker<GuestState>)>>);

impl EngineAhead {
    pub fn start() -> Self {
        let thread = std::thread::spawn(|| {
            let engine = Engine::new(&engine_config()).map_err(to_anyhow)?;
            let linker = wasi_linker(&engine)?;
            Ok((engine, linker))
        });
        krm::host::keep_off_this_cpu(&thread);
        EngineAhead(thread)
    }
}

/// Whether `wasm` is a module this host can compile: a core module (not a component) that
/// validates with the engine's features.
pub fn check_module(wasm: &[u8]) -> anyhow::Result<()> {
    // The preamble's version and layer: 1, 0 for a core module; components carry layer 1.
    if wasm.get(4..8) != Some(&[1, 0, 0, 0]) {
        anyhow::bail!(
            "it is not a core WebAssembly module (a WebAssembly component, or another version): \
             krmwasm runs modules built for wasm32-wasip1"
        );
    }
    let engine = Engine::new(&engine_config()).map_err(to_anyhow)?;
    Module::validate(&engine, wasm)
        .map_err(to_anyhow)
        .context("it is not a valid WebAssembly module")
}

/// The WASI preview 1 imports a guest may use, as this sandbox serves them.
fn wasi_linker(engine: &Engine) -> anyhow::Result<Linker<GuestState>> {
    let mut linker: Linker<GuestState> = Linker::new(engine);
    wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s: &mut GuestState| &mut s.wasi)
        .and_then(|()| poll::add_to_linker(&mut linker))
        .and_then(|()| stdio::add_to_linker(&mut linker))
        .map_err(to_anyhow)
        .context("cannot link WASI preview 1")?;
    Ok(linker)
}

impl Runtime {
    /// An engine, and a module cache in `cache_dir` when given.
    pub fn new(cache_dir: Option<std::path::PathBuf>) -> anyhow::Result<Self> {
        let engine = Engine::new(&engine_config()).map_err(to_anyhow)?;
        Self::with_engine(engine, cache_dir)
    }

    /// [`Runtime::new`] with the engine and linker `ahead` made.
    pub fn from_ahead(
        ahead: EngineAhead,
        cache_dir: Option<std::path::PathBuf>,
    ) -> anyhow::Result<Self> {
        let (engine, linker) = ahead
            .0
            .join()
            .map_err(|_| anyhow::anyhow!("the thread making the engine panicked"))??;
        Self::with_parts(engine, linker, cache_dir)
    }

    fn with_engine(engine: Engine, cache_dir: Option<std::path::PathBuf>) -> anyhow::Result<Self> {
        let linker = wasi_linker(&engine)?;
        Self::with_parts(engine, linker, cache_dir)
    }

    fn with_parts(
        engine: Engine,
        linker: Linker<GuestState>,
        cache_dir: Option<std::path::PathBuf>,
    ) -> anyhow::Result<Self> {
        let cache = cache_dir.map(|dir| ModuleCache::new(dir, &engine));
        Ok(Runtime {
            engine,
            linker,
            cache,
            watchdog: watchdog::Watchdog::new(),
            wasi_runtime: tokio::runtime::Builder::new_current_thread()
                .build()
                .context("cannot start a runtime for WASI calls")?,
        })
    }

    /// The engine modules must be compiled with to run here.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Compiles `wasm`, or loads the compiled form from the cache, keyed by its checked digest.
    /// A module that offers an initializer has it run, under `limits`, when it is compiled.
    pub fn load(&self, wasm: &VerifiedWasm, limits: &Limits) -> anyhow::Result<LoadedModule> {
        let (name, sha256) = (&wasm.name, wasm.sha256.clone());
        let started = std::time::Instant::now();
        if let Some(cache) = &self.cache
            && let Some(module) = cache.get(&self.engine, &sha256)
        {
            crate::debug!(
                "{name}: compiled module checked and loaded from cache in {:?} ({sha256})",
                started.elapsed()
            );
            return Ok(LoadedModule {
                module,
                sha256,
                from_cache: true,
            });
        }
        let module = self.compile(wasm, limits)?;
        crate::debug!("{name}: compiled in {:?} ({sha256})", started.elapsed());
        if let Some(cache) = &self.cache {
            cache.put(&module, &sha256);
        }
        Ok(LoadedModule {
            module,
            sha256,
            from_cache: false,
        })
    }

    /// [`Runtime::load`] beside `work` (reading `work_size` bytes of input), and what `work`
    /// returned. When the compiled module is in the cache and large, and the input is large
    /// enough to take as long, the module is checked and loaded on a second thread while
    /// `work` runs on this one: checking kpack-validate's 15 MB entry takes as long as reading
    /// a thousand resources. Otherwise the module is loaded after `work`: a small entry or a
    /// small input costs less than a second thread does, and a module that must be compiled
    /// waits so that bad input is reported without seconds of compiling first.
    pub fn load_beside<T>(
        &self,
        wasm: &VerifiedWasm,
        limits: &Limits,
        work_size: usize,
        work: impl FnOnce() -> T,
    ) -> (anyhow::Result<LoadedModule>, T) {
        if work_size < PARSED_BESIDE_FROM {
            let done = work();
            return (self.load(wasm, limits), done);
        }
        self.load_beside_from(LOADED_BESIDE_FROM, wasm, limits, work)
    }

    /// [`Self::load_beside`], with a thread for entries of `threshold` bytes and more.
    fn load_beside_from<T>(
        &self,
        threshold: u64,
        wasm: &VerifiedWasm,
        limits: &Limits,
        work: impl FnOnce() -> T,
    ) -> (anyhow::Result<LoadedModule>, T) {
        let entry_size = self
            .cache
            .as_ref()
            .and_then(|cache| cache.entry_size(&wasm.sha256));
        if entry_size.is_none_or(|size| size < threshold) {
            let done = work();
            return (self.load(wasm, limits), done);
        }
        let (done, loaded) = krm::host::run_beside(work, || self.load(wasm, limits));
        (loaded, done)
    }

    /// Compiles `wasm`, pre-initialized when it offers an initializer (see preinit.rs).
    fn compile(&self, wasm: &VerifiedWasm, limits: &Limits) -> anyhow::Result<Module> {
        let name = &wasm.name;
        let plain = || {
            Module::new(&self.engine, &wasm.bytes)
                .map_err(to_anyhow)
                .with_context(|| format!("function {name} is not a valid WebAssembly module"))
        };
        if !preinit::has_initializer(&wasm.bytes) {
            return plain();
        }
        let started = std::time::Instant::now();
        match preinit::compile(name, &wasm.bytes, limits) {
            Ok(compiled) => {
                crate::debug!("{name}: pre-initialized in {:?}", started.elapsed());
                // SAFETY: these bytes were serialized a moment ago by an engine of the same
                // configuration (engine_config), from the module whose digest was checked;
                // wasmtime checks that the configurations match.
                unsafe { Module::deserialize(&self.engine, &compiled) }
                    .map_err(to_anyhow)
                    .with_context(|| {
                        format!("function {name}: its pre-initialized module cannot be loaded")
                    })
            }
            // Cached as it is: a function whose initializer fails runs all the same, without
            // the head start (clear the cache to try again, say with higher limits).
            Err(e) => {
                crate::debug!("{name}: not pre-initialized, compiled as it is: {e:#}");
                plain()
            }
        }
    }

    /// Runs `module` as a WASI command with `stdin` as its standard input.
    pub fn invoke(
        &self,
        name: &str,
        module: &Module,
        stdin: Vec<u8>,
        env: &[(&str, &str)],
        limits: &Limits,
    ) -> Invocation {
        self.invoke_following::<NoFollower>(name, module, stdin, env, limits, None)
            .0
    }

    /// [`Runtime::invoke`], with `follower` taking the guest's stdout as it is written (once
    /// it is large enough to be worth a thread). The follower is returned when it ran; it
    /// stops when the guest exits, whatever it has not taken.
    pub fn invoke_following<F: Follower>(
        &self,
        name: &str,
        module: &Module,
        stdin: Vec<u8>,
        env: &[(&str, &str)],
        limits: &Limits,
        follower: Option<F>,
    ) -> (Invocation, Option<F>) {
        let mut run = self.start_run(name, stdin, env, limits, None);
        let following = follower.map(|follower| Following::arrange(run.stdout(), follower));
        let result = self.call(&mut run, |store| {
            let instance = self
                .linker
                .instantiate(&mut *store, module)
                .map_err(|e| Startup(format!("{e:#}")))?;
            let start = instance
                .get_typed_func::<(), ()>(&mut *store, "_start")
                .map_err(|e| Startup(format!("not a WASI command module (no _start): {e:#}")))?;
            start.call(&mut *store, ()).map_err(Guest)
        });
        run.stdout().close();
        let follower = following.and_then(Following::finish);
        (run.conclude(result, limits), follower)
    }

    /// A store for one run: the sandbox's WASI context (stdin given, stdout and stderr kept in
    /// memory up to their limits, `env` only, no files, no sockets) and the limits. The guest's
    /// random bytes come from `seeded` when given (see preinit.rs), else from the system.
    fn start_run(
        &self,
        name: &str,
        stdin: Vec<u8>,
        env: &[(&str, &str)],
        limits: &Limits,
        seeded: Option<rand::rngs::StdRng>,
    ) -> Run {
        let output_cap = usize::try_from(limits.output).unwrap_or(usize::MAX);
        let stdout = CappedOutput::new(output_cap);
        let stderr = CappedOutput::new(STDERR_LIMIT);
        let started = std::time::Instant::now();
        let mut wasi = wasmtime_wasi::WasiCtxBuilder::new();
        wasi.monotonic_clock(poll::GuestClock { origin: started })
            .stdin(MemoryInputPipe::new(stdin))
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .args(&[name])
            .envs(env)
            .allow_blocking_current_thread(true);
        if let Some(random) = seeded {
            wasi.secure_random(random);
        }
        let wasi = wasi.build_p1();
        let state = GuestState {
            wasi,
            limiter: MemoryLimiter::new(usize::try_from(limits.memory).unwrap_or(usize::MAX)),
            started,
            timeout: limits.timeout,
            stdout,
            stderr,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limiter);
        Run {
            name: name.to_string(),
            store,
        }
    }

    /// Runs `f` (instantiate, call an export) on the run's store, inside the WASI runtime,
    /// under the watchdog: a run still going at its time limit ends the process.
    fn call<R>(&self, run: &mut Run, f: impl FnOnce(&mut Store<GuestState>) -> R) -> R {
        let (started, limit) = (run.store.data().started, run.store.data().timeout);
        // A limit too far away to reach is no limit.
        let _armed = started.checked_add(limit).map(|deadline| {
            self.watchdog.arm(watchdog::Expiry {
                deadline,
                started,
                name: run.name.clone(),
                limit,
                stderr: run.store.data().stderr.clone(),
            })
        });
        self.call_unwatched(run, f)
    }

    /// [`Runtime::call`] without the watchdog, for a caller that keeps the time limit itself.
    fn call_unwatched<R>(&self, run: &mut Run, f: impl FnOnce(&mut Store<GuestState>) -> R) -> R {
        let _wasi_runtime = self.wasi_runtime.enter();
        f(&mut run.store)
    }
}

/// How every engine here is configured: modules compiled by one load in another.
fn engine_config() -> Config {
    let mut config = Config::new();
    // No epoch interruption: its checks in every function and loop cost our functions 13-23 %
    // of their run time; the time limit is kept by the watchdog instead (see watchdog.rs).
    // The native-to-wasm offset map is 11 % of kpack-validate's compiled module and makes
    // every cached load ~3 ms slower; without it a crash's backtrace still names the
    // functions (when the module keeps its names), only not the byte offsets within them.
    config.generate_address_map(false);
    config.wasm_backtrace_max_frames(std::num::NonZeroUsize::new(crash::FRAMES_CAPTURED));
    // For profiling guests with `perf`: wasm functions named in /tmp/perf-<pid>.map.
    if std::env::var_os("KRMWASM_PERFMAP").is_some() {
        config.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    config
}

/// One run's store, which holds the guest's captured output.
struct Run {
    /// The function's name, for messages.
    name: String,
    store: Store<GuestState>,
}

impl Run {
    fn stdout(&self) -> &CappedOutput {
        &self.store.data().stdout
    }

    /// What the run produced: its exit code, or which limit stopped it and why.
    fn conclude(self, result: Result<(), CallError>, limits: &Limits) -> Invocation {
        let Run { name, store } = self;
        let (stdout, stderr) = (store.data().stdout.clone(), store.data().stderr.clone());
        let memory_hit = store.data().limiter.hit();
        let memory_peak = store.data().limiter.peak();
        drop(store);
        let output_hit = stdout.exceeded();
        let stdout = stdout.into_bytes();
        let stderr_hit = stderr.exceeded();
        let stderr = stderr.into_bytes();
        let stopped = |e: wasmtime::Error| -> RunError {
            if let Some(poll::SleepPastDeadline { asked }) = e.downcast_ref() {
                RunError::SleepPastLimit {
                    name: name.clone(),
                    asked: *asked,
                    limit: limits.timeout,
                }
            } else if memory_hit {
                RunError::MemoryLimit {
                    name: name.clone(),
                    limit: limits.memory,
                }
            } else {
                RunError::Crashed {
                    name: name.clone(),
                    message: crash::describe(&e),
                }
            }
        };
        let status = match result {
            // A write past the output limit traps, whatever the guest would have done next
            // (and a guest that caught the error and exited is over its limit all the same).
            _ if output_hit => Err(RunError::OutputLimit {
                name,
                limit: limits.output,
            }),
            _ if stderr_hit => Err(RunError::StderrLimit {
                name,
                limit: STDERR_LIMIT as u64,
            }),
            Ok(()) => Ok(0),
            // Instantiating sizes every memory and table: past the limit, that is what to say.
            Err(Startup(_)) if memory_hit => Err(RunError::MemoryLimit {
                name,
                limit: limits.memory,
            }),
            Err(Startup(message)) => Err(RunError::Start { name, message }),
            Err(Guest(e)) => match e.downcast_ref::<I32Exit>() {
                Some(I32Exit(code)) => Ok(*code),
                _ => Err(stopped(e)),
            },
        };
        Invocation {
            status,
            stdout,
            stderr,
            memory_peak,
        }
    }
}

/// The follower of a run that has none.
struct NoFollower;

impl Follower for NoFollower {
    fn take(&mut self, _: &[u8], _: &dyn Fn() -> bool) {}
}

enum CallError {
    Startup(String),
    Guest(wasmtime::Error),
}
use CallError::{Guest, Startup};

/// Returns freed heap pages to the OS. glibc keeps freed small blocks mapped when anything
/// was allocated above them (say, the YAML reader's events for a whole document, which
/// serde_norway loads before the first value), and they would otherwise still count while
/// a guest's memory grows beside them.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cached module loads while the work runs; one that must be compiled is compiled after
    /// it, so that the work's own failure (bad input) is not kept waiting behind a compile.
    #[test]
    fn a_module_is_loaded_beside_the_work_only_from_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let runtime = Runtime::new(Some(dir.path().to_path_buf())).unwrap();
        let wasm = VerifiedWasm::unpinned(
            "empty",
            wat::parse_str(r#"(module (func (export "_start")))"#)
                .unwrap()
                .into(),
        );
        let cache = runtime.cache.as_ref().unwrap();
        let limits = Limits::default();
        let (loaded, cached_while_working) =
            runtime.load_beside_from(0, &wasm, &limits, || cache.entry_size(&wasm.sha256));
        assert!(!loaded.unwrap().from_cache);
        assert_eq!(
            cached_while_working, None,
            "compiled before the work was done"
        );
        // From the cache: on a thread of its own (any entry is large enough here), or after
        // the work when the entry is smaller than the threshold.
        for threshold in [0, u64::MAX] {
            let (loaded, worked) = runtime.load_beside_from(threshold, &wasm, &limits, || "read");
            assert!(loaded.unwrap().from_cache);
            assert_eq!(worked, "read");
        }
    }
}
