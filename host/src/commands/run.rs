//! `krmwasm run <MODULE.wasm | FUNCTION>`: one function over a ResourceList (or a stream of
//! resources), from a file or stdin.

use super::{Host, exit_code, read_stdin, write_stdout};
use crate::builtin;
use anyhow::{Context, anyhow};
use krm::ResourceList;
use krm::codec::{self, Format};
use std::borrow::Cow;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// A .wasm module, or the name of a built-in function (see `krmwasm run --help`).
    pub function: String,
    /// The input: a ResourceList, or a YAML stream of resources ("-" for stdin, the default).
    #[arg(short, long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// The function's config (replaces the input's functionConfig).
    #[arg(long, value_name = "FILE")]
    pub fn_config: Option<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Yaml)]
    pub output: OutputFormat,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum OutputFormat {
    Yaml,
    Json,
}

pub fn run(host: &Host, args: &RunArgs) -> anyhow::Result<ExitCode> {
    let (name, wasm) = resolve(&args.function)?;
    let mut list = read_input(args)?;
    if let Some(path) = &args.fn_config {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read the function config {}", path.display()))?;
        let config = codec::parse_value(&bytes)
            .with_context(|| format!("cannot parse the function config {}", path.display()))?;
        list.function_config = Some(config);
    }
    let outcome = host.call(&name, &wasm, &list)?;
    if let Some(output) = &outcome.output {
        let format = match args.output {
            OutputFormat::Yaml => Format::Yaml,
            OutputFormat::Json => Format::Json,
        };
        write_stdout(&codec::to_bytes(output, format))?;
    }
    Ok(exit_code(outcome.exit_code))
}

/// A path to a module, or a built-in function's name.
fn resolve(function: &str) -> anyhow::Result<(String, Cow<'static, [u8]>)> {
    let path = std::path::Path::new(function);
    if path.is_file() || function.ends_with(".wasm") {
        let wasm = std::fs::read(path)
            .with_context(|| format!("cannot read the module {}", path.display()))?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| function.to_string());
        return Ok((name, Cow::Owned(wasm)));
    }
    let f = builtin::by_name(function)
        .or_else(|| builtin::by_kind_name(function))
        .ok_or_else(|| {
            anyhow!(
                "{function:?} is neither a .wasm file nor a built-in function ({})",
                builtin::known_names()
            )
        })?;
    Ok((f.name.to_string(), Cow::Borrowed(f.wasm)))
}

fn read_input(args: &RunArgs) -> anyhow::Result<ResourceList> {
    let (bytes, source) = match args.input.as_deref() {
        Some(path) if path != std::path::Path::new("-") => (
            std::fs::read(path)
                .with_context(|| format!("cannot read the input {}", path.display()))?,
            path.display().to_string(),
        ),
        // With only a config given and nobody piping input, start from no resources.
        None if args.fn_config.is_some() && std::io::stdin().is_terminal() => {
            (Vec::new(), String::new())
        }
        _ => (read_stdin()?, "stdin".to_string()),
    };
    let docs = codec::parse_stream(&bytes)
        .with_context(|| format!("cannot parse the input from {source}"))?;
    let is_list = |d: &serde_json::Value| {
        matches!(
            d.get("kind").and_then(|k| k.as_str()),
            Some("ResourceList" | "List")
        )
    };
    match docs.as_slice() {
        [doc] if is_list(doc) => serde_json::from_value(doc.clone())
            .with_context(|| format!("the ResourceList in {source} is malformed")),
        _ => Ok(ResourceList::new(docs, None)),
    }
}
