//! Command-line interface: argument parsing and dispatch to [`crate::commands`].

use crate::catalog::trust::{self, Trust};
use crate::commands::{
    self, Host, catalog::CatalogCommand, lint::LintArgs, pull::PullArgs, push::PushArgs,
    run::RunArgs,
};
use crate::runtime::{EngineAhead, Limits, Runtime};
use crate::sources::Sources;
use crate::store::Store;
use crate::{builtin, oci, units};
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const ABOUT: &str =
    "Runs KRM functions compiled to WebAssembly, sandboxed, for kustomize, kpt and CI.";

const AFTER_HELP: &str = "\
Without a command, krmwasm is an exec KRM function: it reads a ResourceList on stdin, runs the
function that the trusted catalogs name for the functionConfig's apiVersion/kind, and writes the
result to stdout. That is how kpt (Kptfile `exec: krmwasm`) and kustomize
(`exec: {path: krmwasm}`) call it. Installed as a kustomize plugin (`krmwasm plugins install`),
it also works with `kubectl kustomize --enable-alpha-plugins`.

Trusted catalogs, searched in this order: --trusted-catalog (or KRMWASM_TRUSTED_CATALOGS,
comma-separated), trustedCatalogs in $KRMWASM_CONFIG or $XDG_CONFIG_HOME/krmwasm/config.yaml,
then the catalog built into krmwasm.";

#[derive(Debug, Parser)]
#[command(name = "krmwasm", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    // For exec mode; `run` and `lint` take them too, before or after their name.
    #[command(flatten)]
    pub sandbox: SandboxArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    #[command(flatten)]
    pub sources: SourceArgs,
    /// Print what krmwasm does (also KRMWASM_LOG=debug).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Limits, and whether compiled modules are kept: for the commands that run functions (exec
/// mode, `run`, `lint`), and shown only there.
#[derive(Clone, Debug, clap::Args)]
pub struct SandboxArgs {
    /// Most memory a function may use, its linear memories and tables together (e.g. 512MiB).
    #[arg(long, env = "KRMWASM_MEMORY_LIMIT", value_parser = parse_size, default_value = "512MiB")]
    pub memory_limit: u64,
    /// Longest a function may run (e.g. 60s, 500ms; more than zero).
    #[arg(long, env = "KRMWASM_TIMEOUT", value_parser = parse_timeout, default_value = "60s")]
    pub timeout: Duration,
    /// Most a function may write to stdout (e.g. 64MiB).
    #[arg(long, env = "KRMWASM_OUTPUT_LIMIT", value_parser = parse_size, default_value = "64MiB")]
    pub output_limit: u64,
    /// Compile every time; keep no compiled modules (fetched artifacts are still kept).
    #[arg(long)]
    pub no_cache: bool,
}

/// Where compiled modules and fetched artifacts are kept: for the commands that run functions
/// or fetch modules and catalogs.
#[derive(Clone, Debug, clap::Args)]
pub struct CacheArgs {
    /// Where compiled modules and fetched artifacts are cached [default (also when empty):
    /// the user's cache dir, krmwasm].
    #[arg(long, env = "KRMWASM_CACHE_DIR", value_name = "DIR", value_parser = parse_cache_dir)]
    pub cache_dir: Option<PathBuf>,
}

/// Whether `id` was given on the command line of the command `matches` are of.
fn given(matches: &ArgMatches, id: &str) -> bool {
    matches.value_source(id) == Some(ValueSource::CommandLine)
}

impl SandboxArgs {
    /// These (given before the subcommand, or by the environment, or the defaults), with those
    /// given after the subcommand's name in their place.
    fn overridden_by(&self, sub: &SandboxArgs, matches: &ArgMatches) -> SandboxArgs {
        let pick = |id: &str| given(matches, id);
        SandboxArgs {
            memory_limit: if pick("memory_limit") {
                sub.memory_limit
            } else {
                self.memory_limit
            },
            timeout: if pick("timeout") {
                sub.timeout
            } else {
                self.timeout
            },
            output_limit: if pick("output_limit") {
                sub.output_limit
            } else {
                self.output_limit
            },
            no_cache: self.no_cache || sub.no_cache,
        }
    }
}

impl CacheArgs {
    /// As [`SandboxArgs::overridden_by`].
    fn overridden_by(&self, sub: &CacheArgs, matches: &ArgMatches) -> CacheArgs {
        if given(matches, "cache_dir") {
            sub.clone()
        } else {
            self.clone()
        }
    }
}

/// Where functions come from and which are trusted.
#[derive(Debug, clap::Args)]
pub struct SourceArgs {
    /// Trust this catalog (a file or oci://REF); repeat for more, searched in order before
    /// the config file's and the built-in one.
    #[arg(long = "trusted-catalog", global = true, env = trust::CATALOGS_ENV, value_name = "CATALOG", value_delimiter = ',')]
    pub trusted_catalogs: Vec<String>,
    /// Allow a module named by a function annotation (wasip1) without a catalog: its sha256.
    #[arg(long = "allow-module", global = true, env = trust::ALLOWED_MODULES_ENV, value_name = "SHA256", value_delimiter = ',')]
    pub allowed_modules: Vec<String>,
    /// Never use the network: modules and catalogs come from the cache or fail.
    #[arg(long, global = true, env = "KRMWASM_OFFLINE", value_parser = clap::builder::FalseyValueParser::new())]
    pub offline: bool,
    /// Take plain HTTP, or TLS with any certificate, from this registry; repeatable.
    /// (Loopback registries may speak either; a certificate they offer is checked.)
    #[arg(
        long = "insecure-registry",
        global = true,
        env = "KRMWASM_INSECURE_REGISTRIES",
        value_name = "HOST[:PORT]",
        value_delimiter = ','
    )]
    pub insecure_registries: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one function over a ResourceList or a stream of resources.
    #[command(after_help = builtin_help())]
    Run(RunArgs),
    /// Check manifests and function configs; findings at file:line:col, for CI.
    Lint(LintArgs),
    /// Build, list, show and verify function catalogs.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Push a module or catalog to an OCI registry.
    Push(PushArgs),
    /// Pull a module or catalog from an OCI registry.
    Pull(PullArgs),
    /// Set up kustomize to run krmwasm's functions as plugins.
    #[command(subcommand)]
    Plugins(PluginsCommand),
}

#[derive(Debug, Subcommand)]
pub enum PluginsCommand {
    /// Link <DIR>/<group>/<version>/<kind>/<Kind> to krmwasm for every kind in the trusted
    /// catalogs.
    Install {
        /// Plugin home [default: $KUSTOMIZE_PLUGIN_HOME, else $XDG_CONFIG_HOME/kustomize/plugin].
        #[arg(long)]
        dir: Option<PathBuf>,
        // Trusted catalogs fetched from a registry are kept in the cache.
        #[command(flatten)]
        cache: CacheArgs,
    },
}

/// A byte size, in whole units (see [`units::parse_bytes`]); a fraction is refused with the
/// whole size it stands for, when there is one.
fn parse_size(s: &str) -> Result<u64, String> {
    units::parse_bytes(s).map_err(|error| {
        let split = s
            .trim()
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(s.trim().len());
        let (number, unit) = s.trim().split_at(split);
        if !number.contains('.') {
            return error;
        }
        let whole = number
            .parse::<f64>()
            .ok()
            .zip(units::parse_bytes(&format!("1{unit}")).ok())
            .map(|(n, multiplier)| n * multiplier as f64)
            .filter(|bytes| bytes.fract() == 0.0 && *bytes < u64::MAX as f64)
            .map(|bytes| bytes as u64);
        let example = match whole {
            Some(bytes) => {
                let (n, unit) = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
                    .into_iter()
                    .find(|(_, size)| bytes.is_multiple_of(*size) && bytes > 0)
                    .map_or((bytes, "B"), |(unit, size)| (bytes / size, unit));
                format!("{n}{unit}")
            }
            None => "1536MiB, not 1.5GiB".into(),
        };
        format!("{s:?}: sizes are whole numbers of B, KiB, MiB or GiB; write e.g. {example}")
    })
}

/// A time limit; zero would stop every function before it starts.
fn parse_timeout(s: &str) -> Result<Duration, String> {
    match units::parse_duration(s)? {
        zero if zero.is_zero() => Err(format!(
            "{s:?} is no time at all: a function needs a time limit above zero (e.g. 500ms, 60s)"
        )),
        limit => Ok(limit),
    }
}

/// A cache directory; empty (`KRMWASM_CACHE_DIR=`) is the default one, see [`Cli::host`].
fn parse_cache_dir(s: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(s))
}

fn builtin_help() -> String {
    // One kind per line: clap wraps a long line without indenting what it carries over.
    let mut s = String::from("Built-in functions:\n");
    for f in builtin::FUNCTIONS {
        for (i, (version, kind)) in f.kinds.iter().enumerate() {
            let name = if i == 0 { f.name } else { "" };
            s.push_str(&format!("  {name:<16} {version}/{kind}\n"));
        }
    }
    s
}

impl Cli {
    /// The host for exec mode, and for commands that take neither limits nor a cache.
    fn host(&self, engine: EngineAhead) -> anyhow::Result<Host> {
        self.host_with(engine, &self.sandbox, &self.cache)
    }

    /// The host for a subcommand whose own `matches` may give limits (`sandbox`) and a cache
    /// directory (`cache`) after its name, in place of those given before it.
    fn host_for(
        &self,
        engine: EngineAhead,
        matches: Option<&ArgMatches>,
        sandbox: Option<&SandboxArgs>,
        cache: Option<&CacheArgs>,
    ) -> anyhow::Result<Host> {
        let Some(matches) = matches else {
            return self.host(engine);
        };
        let sandbox = match sandbox {
            Some(sub) => self.sandbox.overridden_by(sub, matches),
            None => self.sandbox.clone(),
        };
        let cache = match cache {
            Some(sub) => self.cache.overridden_by(sub, matches),
            None => self.cache.clone(),
        };
        self.host_with(engine, &sandbox, &cache)
    }

    fn host_with(
        &self,
        engine: EngineAhead,
        sandbox: &SandboxArgs,
        cache: &CacheArgs,
    ) -> anyhow::Result<Host> {
        let cache_root = cache
            .cache_dir
            .clone()
            .filter(|dir| !dir.as_os_str().is_empty())
            .or_else(|| dirs::cache_dir().map(|d| d.join("krmwasm")))
            .unwrap_or_else(|| std::env::temp_dir().join("krmwasm-cache"));
        let compiled = (!sandbox.no_cache).then(|| cache_root.join("compiled"));
        Ok(Host {
            runtime: Runtime::from_ahead(engine, compiled)?,
            limits: Limits {
                memory: sandbox.memory_limit,
                timeout: sandbox.timeout,
                output: sandbox.output_limit,
            },
            sources: Sources {
                store: Store::new(cache_root),
                oci: oci::Settings {
                    insecure_registries: self.sources.insecure_registries.clone(),
                    offline: self.sources.offline,
                },
            },
            trust: Trust::gather(
                &self.sources.trusted_catalogs,
                &self.sources.allowed_modules,
            )?,
        })
    }
}

/// The config file when krmwasm runs as a kustomize legacy exec plugin: it is then started
/// through a link `<plugin home>/<group>/<version>/<kind>/<Kind>` with the config as its one
/// argument (see `krmwasm plugins install`).
fn legacy_plugin_invocation() -> Option<PathBuf> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let [program, config] = args.as_slice() else {
        return None;
    };
    let program = PathBuf::from(program);
    let kind = program.file_name()?.to_str()?;
    let kind_dir = program.parent()?.file_name()?.to_str()?;
    let config = PathBuf::from(config);
    (kind_dir == kind.to_lowercase() && kind != kind_dir).then_some(config)
}

pub fn main() -> ExitCode {
    // Before anything else: most invocations run a function (see EngineAhead).
    let engine = EngineAhead::start();
    if std::env::var("KRMWASM_LOG").is_ok_and(|v| v == "debug") {
        crate::log::set_verbose(true);
    }
    let result = if let Some(config) = legacy_plugin_invocation() {
        Cli::parse_from(["krmwasm"])
            .host(engine)
            .and_then(|host| commands::legacy_plugin::run(&host, &config))
    } else {
        let matches = Cli::command().get_matches();
        let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        if cli.verbose {
            crate::log::set_verbose(true);
        }
        dispatch(cli, &matches, engine)
    };
    result.unwrap_or_else(|e| {
        eprintln!("krmwasm: error: {e:#}");
        ExitCode::FAILURE
    })
}

fn dispatch(cli: Cli, matches: &ArgMatches, engine: EngineAhead) -> anyhow::Result<ExitCode> {
    // The subcommand's own matches, and its subcommand's (catalog's).
    let sub = matches.subcommand().map(|(_, m)| m);
    let leaf = sub.and_then(|m| m.subcommand()).map(|(_, m)| m);
    match &cli.command {
        None if std::io::stdin().is_terminal() => {
            Cli::command().print_help()?;
            Ok(ExitCode::from(2))
        }
        None => commands::exec::exec(&cli.host(engine)?),
        Some(Command::Run(args)) => {
            let host = cli.host_for(engine, sub, Some(&args.sandbox), Some(&args.cache))?;
            commands::run::run(&host, args)
        }
        Some(Command::Lint(args)) => {
            let host = cli.host_for(engine, sub, Some(&args.sandbox), Some(&args.cache))?;
            commands::lint::lint(&host, args)
        }
        Some(Command::Catalog(command)) => {
            let host = cli.host_for(engine, leaf, None, command.cache())?;
            commands::catalog::run(&host, command)
        }
        Some(Command::Push(args)) => commands::push::push(&cli.host(engine)?, args),
        Some(Command::Pull(args)) => {
            let host = cli.host_for(engine, sub, None, Some(&args.cache))?;
            commands::pull::pull(&host, args)
        }
        Some(Command::Plugins(PluginsCommand::Install { dir, cache })) => {
            let dir = match dir {
                Some(d) => d.clone(),
                None => commands::plugins::default_plugin_home()?,
            };
            let host = cli.host_for(engine, leaf, None, Some(cache))?;
            let kinds = commands::plugins::kinds(&host.catalogs().load_all()?);
            for path in commands::plugins::install(&dir, &kinds)? {
                println!("{}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_are_whole_and_time_limits_above_zero() {
        use super::{parse_size, parse_timeout};
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        let error = parse_size("1.5GiB").unwrap_err();
        assert!(
            error.contains("whole numbers") && error.contains("1536MiB"),
            "{error}"
        );
        let error = parse_size("0.3B").unwrap_err();
        assert!(error.contains("1536MiB, not 1.5GiB"), "{error}");
        assert!(parse_size("5TB").unwrap_err().contains("unknown size unit"));
        assert!(parse_timeout("0").unwrap_err().contains("above zero"));
        assert!(parse_timeout("0ms").is_err());
        assert!(parse_timeout("1ms").is_ok());
    }

    /// `krmwasm run --help` names every built-in kind on a line of its own, short enough that
    /// clap does not wrap it on an 80-column terminal.
    #[test]
    fn run_help_lists_each_built_in_kind_unwrapped() {
        let help = super::builtin_help();
        for f in crate::builtin::FUNCTIONS {
            for (version, kind) in f.kinds {
                let gvk = format!(" {version}/{kind}");
                assert!(
                    help.lines().any(|line| line.ends_with(&gvk)),
                    "{gvk} is not on a line of its own:\n{help}"
                );
            }
        }
        assert!(help.lines().all(|line| line.len() <= 80), "{help}");
    }
}
