//! `krmwasm run <MODULE.wasm | FUNCTION>`: one function over a ResourceList (or a stream of
//! resources), from a file or stdin.

use super::{Host, Written, exit_code, read_stdin};
use crate::builtin;
use crate::runtime::VerifiedWasm;
use crate::sources::AnnotatedModule;
use anyhow::{Context, anyhow};
use krm::Value;
use krm::host::{Document, FunctionInput, read_documents};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// A .wasm module, an oci:// reference to one, or the name of a built-in function (listed
    /// below).
    pub function: String,
    /// The input: a ResourceList, or YAML streams of resources ("-" for stdin, the default).
    /// Repeat it to give several files; a directory gives its manifests, as `krmwasm lint`
    /// finds them. Resources are annotated with their file and index
    /// (internal.config.kubernetes.io/path, …/index), so results name them.
    #[arg(short, long, value_name = "FILE|DIR")]
    pub input: Vec<PathBuf>,
    /// The function's config (replaces the input's functionConfig). It is annotated with its
    /// file like the inputs, so results about it name it.
    #[arg(long, value_name = "FILE")]
    pub fn_config: Option<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Yaml)]
    pub output: OutputFormat,
    #[command(flatten)]
    pub sandbox: crate::cli::SandboxArgs,
    #[command(flatten)]
    pub cache: crate::cli::CacheArgs,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum OutputFormat {
    Yaml,
    Json,
}

pub fn run(host: &Host, args: &RunArgs) -> anyhow::Result<ExitCode> {
    // The function is named here, not looked up, but a catalog trusted on purpose that cannot
    // be read is as much a mistake as it is for lint or `catalog list`.
    host.catalogs().load_named()?;
    let wasm = resolve(host, &args.function)?;
    let sources = read_sources(args)?;
    let size = sources.iter().map(|source| source.bytes.len()).sum();
    let parse = || {
        let named = sources.len();
        let mut list = parse_sources(sources, named)?;
        if let Some(path) = &args.fn_config {
            list.function_config = Some(super::FunctionConfigFile::read(path)?.value);
        }
        Ok(list)
    };
    let written = match args.output {
        OutputFormat::Yaml => Written::YamlList,
        OutputFormat::Json => Written::JsonList,
    };
    let outcome = host.call(&wasm, parse, size, written)?;
    outcome.write()?;
    Ok(exit_code(outcome.exit_code))
}

/// A module path, an `oci://` reference, or a built-in function's name or kind. Naming a
/// module here is trusting it; a built-in one is part of
/// the binary, so it is as trusted as the binary is.
fn resolve(host: &Host, function: &str) -> anyhow::Result<VerifiedWasm> {
    if function.starts_with(crate::oci::SCHEME) {
        let image = AnnotatedModule::Image(function.to_string());
        let wasm = host.sources.unchecked_module(&image)?;
        check_wasm_header(function, &wasm)?;
        return Ok(wasm);
    }
    let path = std::path::Path::new(function);
    if path.is_file() || function.ends_with(".wasm") {
        let wasm = host
            .sources
            .unchecked_module(&AnnotatedModule::File(path.to_path_buf()))?;
        check_wasm_header(function, &wasm)?;
        return Ok(wasm);
    }
    let f = builtin::by_name(function)
        .or_else(|| builtin::by_kind_name(function))
        .ok_or_else(|| {
            let names = builtin::FUNCTIONS.iter().map(|f| f.name);
            let hint = krm::suggest::closest(function, names)
                .map(|name| format!("; did you mean `{name}`?"))
                .unwrap_or_default();
            anyhow!(
                "{function:?} is neither a .wasm file, an oci:// reference nor a built-in function ({}){hint}",
                builtin::known_names()
            )
        })?;
    Ok(VerifiedWasm::built_in(f))
}

/// Refuses what is not a WebAssembly module (wasmtime would say so with a dump of the header
/// it expected): a binary module starts with `\0asm`. A YAML or JSON file, most likely a
/// config given in the function's place, is told how to pass it.
fn check_wasm_header(function: &str, wasm: &VerifiedWasm) -> anyhow::Result<()> {
    let (name, bytes) = (&wasm.name, &wasm.bytes[..]);
    if bytes.starts_with(b"\0asm") {
        return Ok(());
    }
    let first = std::str::from_utf8(bytes)
        .ok()
        .and_then(|_| krm::codec::parse_stream(bytes).ok())
        .and_then(|documents| documents.into_iter().next())
        .filter(serde_json::Value::is_object);
    if let Some(config) = first {
        // The built-in function that takes it, when one does.
        let text = |key: &str| config.get(key).and_then(serde_json::Value::as_str);
        let taker = text("apiVersion")
            .zip(text("kind"))
            .and_then(|(api_version, kind)| builtin::by_kind(api_version, kind))
            .map_or("FUNCTION", |f| f.name);
        anyhow::bail!(
            "function {name} is not a valid WebAssembly module: {function} is YAML; to run a \
             function with it as its config, name the function and pass the file with \
             --fn-config: `krmwasm run {taker} --fn-config {function}`{}",
            if taker == "FUNCTION" {
                format!(
                    " (FUNCTION: a .wasm module, an oci:// reference or a built-in function: {})",
                    builtin::known_names()
                )
            } else {
                String::new()
            }
        );
    }
    anyhow::bail!(
        "function {name} is not a valid WebAssembly module: {function} does not start with the \
         bytes \\0asm that a module does; name a compiled wasm32-wasip1 module, an oci:// \
         reference to one, or a built-in function ({})",
        builtin::known_names()
    )
}

/// One input as read: its file (none for stdin) and its bytes.
struct Source {
    path: Option<PathBuf>,
    bytes: Vec<u8>,
}

/// Reads the input's bytes (parsing them is the slow part, done beside the module's load).
fn read_sources(args: &RunArgs) -> anyhow::Result<Vec<Source>> {
    let stdin_only = args.input.is_empty() || args.input.iter().all(|p| p.as_os_str() == "-");
    if stdin_only {
        // With only a config given and nobody piping input, start from no resources.
        let bytes = if args.fn_config.is_some() && std::io::stdin().is_terminal() {
            Vec::new()
        } else {
            read_stdin()?
        };
        return Ok(vec![Source { path: None, bytes }]);
    }
    let mut sources = Vec::new();
    for (path, walked) in expand_directories(&args.input)? {
        let bytes = krm::codec::read_file(&path)
            .with_context(|| format!("cannot read the input {}", path.display()))?;
        // A file named on the command line is taken as it is; one found in a directory is
        // set aside when it is a ytt template, as lint sets it aside.
        if walked && crate::tree::fragments::ytt::is_template(&bytes) {
            let fragment = crate::tree::fragments::Fragment::ytt_template(path);
            crate::debug!(
                "set aside: {}, {}",
                fragment.file.display(),
                fragment.explanation()
            );
            continue;
        }
        sources.push(Source {
            path: Some(path),
            bytes,
        });
    }
    Ok(sources)
}

/// `--input` paths with each directory replaced by the manifests in it, found as `krmwasm
/// lint` finds them: `.yaml`, `.yml` and `.json` files, ignore files honoured, kustomize
/// patches and Helm templates set aside. Each with whether it was found in a directory.
fn expand_directories(paths: &[PathBuf]) -> anyhow::Result<Vec<(PathBuf, bool)>> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push((path.clone(), false));
            continue;
        }
        let (found, _set_aside) = crate::tree::manifests(std::slice::from_ref(path)).complete()?;
        files.extend(found.into_iter().map(|file| (file, true)));
    }
    Ok(files)
}

/// The function's input from what [`read_sources`] read, of `named` `--input` files.
fn parse_sources(sources: Vec<Source>, named: usize) -> anyhow::Result<FunctionInput> {
    let mut items = FunctionInput::new();
    for source in sources {
        // The scalars to write back as written are noted while the text is read.
        let Some(path) = source.path else {
            let (read, noted) = krm::host::scan_while(&source.bytes, || {
                read_source(&source.bytes, &mut items, |_, _| {})
            });
            let mut input = read
                .context("cannot parse the input from stdin")?
                .unwrap_or(items);
            input.add_as_written(&source.bytes, noted);
            return Ok(input);
        };
        let file = path.to_string_lossy().into_owned();
        let (lone_list, noted) = krm::host::scan_while(&source.bytes, || {
            read_source(&source.bytes, &mut items, |item, index| {
                super::record_origin(item, &file, index);
            })
        });
        let lone_list =
            lone_list.with_context(|| format!("cannot parse the input {}", path.display()))?;
        if let Some(mut list) = lone_list {
            if named > 1 {
                anyhow::bail!(
                    "{} is a ResourceList; give a ResourceList alone, or only resource files",
                    path.display()
                );
            }
            list.add_as_written(&source.bytes, noted);
            return Ok(list);
        }
        items.add_as_written(&source.bytes, noted);
    }
    Ok(items)
}

/// Reads one source: a lone ResourceList is returned as it is; the documents of anything
/// else are added to `items` one by one as they are read, each after `annotate(item, index)`.
fn read_source(
    bytes: &[u8],
    items: &mut FunctionInput,
    annotate: impl Fn(&mut Value, usize),
) -> Result<Option<FunctionInput>, krm::codec::DecodeError> {
    // The first document waits until it is known whether another follows: alone and a
    // ResourceList, it is the input; otherwise it is an item like the rest.
    let mut first: Option<Document> = None;
    let mut count = 0;
    let add = |document: Document, index: usize, items: &mut FunctionInput| {
        let mut item = document.into_tree();
        if let Some(why) = krm::codec::not_an_object(&item) {
            return Err(krm::codec::DecodeError(format!("document {index}: {why}")));
        }
        annotate(&mut item, index);
        items.push(&item);
        Ok(())
    };
    read_documents(bytes, |document| {
        match count {
            0 => first = Some(document),
            _ => {
                if let Some(first) = first.take() {
                    add(first, 0, items)?;
                }
                add(document, count, items)?;
            }
        }
        count += 1;
        Ok(())
    })?;
    match first {
        Some(Document::List(list)) => Ok(Some(list)),
        Some(other) => {
            add(other, 0, items)?;
            Ok(None)
        }
        None => Ok(None),
    }
}
