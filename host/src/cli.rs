//! Command-line interface: argument parsing and dispatch to [`crate::commands`].

use crate::commands::{self, Host, run::RunArgs};
use crate::runtime::{Limits, Runtime};
use crate::{builtin, units};
use clap::{CommandFactory, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const ABOUT: &str =
    "Runs KRM functions compiled to WebAssembly, sandboxed, for kustomize, kpt and CI.";

const AFTER_HELP: &str = "\
Without a command, krmwasm is an exec KRM function: it reads a ResourceList on stdin, runs the
built-in function that serves the functionConfig's apiVersion/kind, and writes the result to
stdout. That is how kpt (Kptfile `exec: krmwasm`) and kustomize (`exec: {path: krmwasm}`) call it.
Installed as a kustomize plugin (`krmwasm plugins install`), it also works with
`kubectl kustomize --enable-alpha-plugins`.";

#[derive(Debug, Parser)]
#[command(name = "krmwasm", version, about = ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub sandbox: SandboxArgs,
    /// Print what krmwasm does (also KRMWASM_LOG=debug).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Limits and cache, for every way of running a function.
#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Most linear memory a function may use (e.g. 512MiB).
    #[arg(long, global = true, env = "KRMWASM_MEMORY_LIMIT", value_parser = units::parse_bytes, default_value = "512MiB")]
    pub memory_limit: u64,
    /// Longest a function may run (e.g. 60s, 500ms).
    #[arg(long, global = true, env = "KRMWASM_TIMEOUT", value_parser = units::parse_duration, default_value = "60s")]
    pub timeout: Duration,
    /// Most a function may write to stdout (e.g. 64MiB).
    #[arg(long, global = true, env = "KRMWASM_OUTPUT_LIMIT", value_parser = units::parse_bytes, default_value = "64MiB")]
    pub output_limit: u64,
    /// Where compiled modules are cached [default: the user's cache dir, krmwasm/modules].
    #[arg(long, global = true, env = "KRMWASM_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Compile every time; write no cache.
    #[arg(long, global = true)]
    pub no_cache: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one function over a ResourceList or a stream of resources.
    #[command(after_help = builtin_help())]
    Run(RunArgs),
    /// Set up kustomize to run krmwasm's functions as plugins.
    #[command(subcommand)]
    Plugins(PluginsCommand),
}

#[derive(Debug, Subcommand)]
pub enum PluginsCommand {
    /// Link <DIR>/<group>/<version>/<kind>/<Kind> to krmwasm for every built-in kind.
    Install {
        /// Plugin home [default: $KUSTOMIZE_PLUGIN_HOME, else $XDG_CONFIG_HOME/kustomize/plugin].
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

fn builtin_help() -> String {
    let mut s = String::from("Built-in functions:\n");
    for f in builtin::FUNCTIONS {
        let kinds: Vec<String> = f.kinds.iter().map(|(v, k)| format!("{v}/{k}")).collect();
        s.push_str(&format!("  {:<16} {}\n", f.name, kinds.join(", ")));
    }
    s
}

impl SandboxArgs {
    fn host(&self) -> anyhow::Result<Host> {
        let cache_dir = if self.no_cache {
            None
        } else {
            self.cache_dir
                .clone()
                .or_else(|| dirs::cache_dir().map(|d| d.join("krmwasm").join("modules")))
        };
        Ok(Host {
            runtime: Runtime::new(cache_dir)?,
            limits: Limits {
                memory: self.memory_limit,
                timeout: self.timeout,
                output: self.output_limit,
            },
        })
    }
}

/// The legacy kustomize plugin a link named after a built-in kind stands for.
fn legacy_plugin_invocation() -> Option<(&'static builtin::BuiltinFunction, PathBuf)> {
    let mut args = std::env::args_os();
    let program = PathBuf::from(args.next()?);
    let kind = program.file_name()?.to_str()?;
    let function = builtin::by_kind_name(kind)?;
    Some((function, PathBuf::from(args.next()?)))
}

pub fn main() -> ExitCode {
    if std::env::var("KRMWASM_LOG").is_ok_and(|v| v == "debug") {
        crate::log::set_verbose(true);
    }
    let result = if let Some((function, config)) = legacy_plugin_invocation() {
        Cli::parse_from(["krmwasm"])
            .sandbox
            .host()
            .and_then(|host| commands::legacy_plugin::run(&host, function, &config))
    } else {
        let cli = Cli::parse();
        if cli.verbose {
            crate::log::set_verbose(true);
        }
        dispatch(cli)
    };
    result.unwrap_or_else(|e| {
        eprintln!("krmwasm: error: {e:#}");
        ExitCode::FAILURE
    })
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        None if std::io::stdin().is_terminal() => {
            Cli::command().print_help()?;
            Ok(ExitCode::from(2))
        }
        None => commands::exec::exec(&cli.sandbox.host()?),
        Some(Command::Run(args)) => commands::run::run(&cli.sandbox.host()?, args),
        Some(Command::Plugins(PluginsCommand::Install { dir })) => {
            let dir = match dir {
                Some(d) => d.clone(),
                None => commands::plugins::default_plugin_home()?,
            };
            for path in commands::plugins::install(&dir)? {
                println!("{}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
