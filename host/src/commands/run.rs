//! `krmwasm run <MODULE.wasm | FUNCTION>`: one function over a ResourceList (or a stream of
//! resources), from a file or stdin.

use super::{Host, exit_code, read_stdin, write_stdout};
use crate::builtin;
use crate::runtime::VerifiedWasm;
use crate::sources::AnnotatedModule;
use anyhow::{Context, anyhow};
use krm::ResourceList;
use krm::codec::{self, Format};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// A .wasm module, an oci:// reference to one, or the name of a built-in function (see
    /// `krmwasm run --help`).
    pub function: String,
    /// The input: a ResourceList, or YAML streams of resources ("-" for stdin, the default).
    /// Repeat it to give several files; their resources are annotated with their file and
    /// index (internal.config.kubernetes.io/path, …/index), so results name them.
    #[arg(short, long, value_name = "FILE")]
    pub input: Vec<PathBuf>,
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
    let wasm = resolve(host, &args.function)?;
    let mut list = read_input(args)?;
    if let Some(path) = &args.fn_config {
        list.function_config = Some(super::read_function_config(path)?);
    }
    let outcome = host.call(&wasm, list)?;
    let format = match args.output {
        OutputFormat::Yaml => Format::Yaml,
        OutputFormat::Json => Format::Json,
    };
    if let Some(bytes) = outcome.render(&wasm.name, format)? {
        write_stdout(&bytes)?;
    }
    Ok(exit_code(outcome.exit_code))
}

/// A path to a module, an `oci://` reference, or a built-in function's name or kind. Naming a
/// module here is trusting it; a built-in one is part of
/// the binary, so it is as trusted as the binary is.
fn resolve(host: &Host, function: &str) -> anyhow::Result<VerifiedWasm> {
    if function.starts_with(crate::oci::SCHEME) {
        let image = AnnotatedModule::Image(function.to_string());
        return host.sources.unchecked_module(&image);
    }
    let path = std::path::Path::new(function);
    if path.is_file() || function.ends_with(".wasm") {
        return host
            .sources
            .unchecked_module(&AnnotatedModule::File(path.to_path_buf()));
    }
    let f = builtin::by_name(function)
        .or_else(|| builtin::by_kind_name(function))
        .ok_or_else(|| {
            anyhow!(
                "{function:?} is neither a .wasm file, an oci:// reference nor a built-in function ({})",
                builtin::known_names()
            )
        })?;
    Ok(VerifiedWasm::built_in(f))
}

fn read_input(args: &RunArgs) -> anyhow::Result<ResourceList> {
    let stdin_only = args.input.is_empty() || args.input.iter().all(|p| p.as_os_str() == "-");
    if stdin_only {
        // With only a config given and nobody piping input, start from no resources.
        let bytes = if args.fn_config.is_some() && std::io::stdin().is_terminal() {
            Vec::new()
        } else {
            read_stdin()?
        };
        let mut docs = codec::parse_stream(&bytes).context("cannot parse the input from stdin")?;
        return match docs.as_slice() {
            [doc] if is_list(doc) => codec::into_resource_list(docs.remove(0))
                .context("the ResourceList on stdin is malformed"),
            _ => Ok(ResourceList::new(docs, None)),
        };
    }
    let mut items = Vec::new();
    for path in &args.input {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read the input {}", path.display()))?;
        let mut docs = codec::parse_stream(&bytes)
            .with_context(|| format!("cannot parse the input {}", path.display()))?;
        if let [doc] = docs.as_slice()
            && is_list(doc)
        {
            if args.input.len() > 1 {
                anyhow::bail!(
                    "{} is a ResourceList; give a ResourceList alone, or only resource files",
                    path.display()
                );
            }
            return codec::into_resource_list(docs.remove(0))
                .with_context(|| format!("the ResourceList in {} is malformed", path.display()));
        }
        let file = path.to_string_lossy().into_owned();
        items.extend(docs.into_iter().enumerate().map(|(i, mut doc)| {
            super::record_origin(&mut doc, &file, i);
            doc
        }));
    }
    Ok(ResourceList::new(items, None))
}

fn is_list(d: &serde_json::Value) -> bool {
    matches!(
        d.get("kind").and_then(|k| k.as_str()),
        Some("ResourceList" | "List")
    )
}
