//! One module per way krmwasm is invoked.

pub mod catalog;
pub mod dispatch;
pub mod exec;
pub mod legacy_plugin;
pub mod lint;
mod output_file;
pub mod plugins;
pub mod pull;
pub mod push;
pub mod run;

use crate::catalog::trust::{Trust, TrustedCatalogs};
use crate::runtime::{Limits, LoadedModule, Runtime, VerifiedWasm};
use crate::sources::Sources;
use anyhow::{Context, bail};
use krm::codec::{self, Format};
use krm::host::{FunctionInput, FunctionOutput, RenderAhead};
use std::io::Write;

/// The host side of a function call: where modules come from, what is trusted, the runtime,
/// the limits, and the KRM protocol.
pub struct Host {
    pub runtime: Runtime,
    pub limits: Limits,
    pub sources: Sources,
    pub trust: Trust,
}

/// How a call's output is to be written: known before the call, so that a large output can
/// be rendered while the function is still writing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// The ResourceList, as YAML.
    YamlList,
    /// The ResourceList, as compact JSON.
    JsonList,
    /// The items only, as a YAML stream (`---` between documents), as kustomize's legacy
    /// exec plugins print them.
    YamlStream,
}

/// What a function returned: its exit code and, when it wrote one, its ResourceList.
pub struct CallOutcome {
    pub exit_code: i32,
    pub output: Option<FunctionOutput>,
    written: Written,
}

impl CallOutcome {
    /// Writes the output to stdout as the call was told, as it is rendered: its items were
    /// checked when it was read, so nothing but stdout itself can fail here.
    pub fn write(&self) -> anyhow::Result<()> {
        let Some(output) = &self.output else {
            return Ok(());
        };
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
        match self.written {
            Written::YamlList => output.write_to(&mut out, Format::Yaml),
            Written::JsonList => output.write_to(&mut out, Format::Json),
            Written::YamlStream => output.write_items_as_stream(&mut out),
        }
        .and_then(|()| out.flush())
        .context("cannot write stdout")
    }
}

impl Host {
    /// The trusted catalogs, in search order.
    pub fn catalogs(&self) -> TrustedCatalogs<'_> {
        TrustedCatalogs::new(&self.trust, &self.sources)
    }

    /// Runs `wasm` over the input `read_input` makes of `input_size` bytes (0 when it is made
    /// already). The function gets JSON and is asked for JSON back (`KRM_OUTPUT=json`), so
    /// neither side parses YAML twice. The function's stderr is relayed as it is. A limit or
    /// crash is an error and yields no output.
    ///
    /// The input is read while the module is loaded (see [`crate::runtime::Runtime::load_beside`]),
    /// and is already the JSON the function reads (see krm::host), so it is never held as
    /// trees beside the guest's memory. An output to be `written` as a YAML list is rendered
    /// while the function writes it (see krm::host::RenderAhead).
    pub fn call(
        &self,
        wasm: &VerifiedWasm,
        read_input: impl FnOnce() -> anyhow::Result<FunctionInput>,
        input_size: usize,
        written: Written,
    ) -> anyhow::Result<CallOutcome> {
        let name = wasm.name.as_str();
        let (loaded, stdin) = self
            .runtime
            .load_beside(wasm, &self.limits, input_size, || {
                read_input().map(|mut input| {
                    let as_written = input.take_as_written();
                    (input.into_json_and_envelope(), as_written)
                })
            });
        let (((stdin, envelope), as_written), loaded) = (stdin?, loaded?);
        // Before the memory is released: an envelope not worth rendering ahead is dropped.
        // Items with scalars to write as written are rendered once the output is read.
        let render_ahead = (written == Written::YamlList && as_written.is_empty())
            .then(|| RenderAhead::new().expecting(envelope));
        crate::runtime::release_freed_memory();
        let (exit_code, stdout, ahead) = self.invoke(wasm, &loaded, stdin, true, render_ahead)?;
        let output = if stdout.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            let ahead = ahead.map(RenderAhead::finish).unwrap_or_default();
            match FunctionOutput::parse_with(stdout, ahead) {
                Ok(mut list) => {
                    list.keep_as_written(as_written);
                    crate::debug!(
                        "{name}: {} of {} items{} rendered while it ran",
                        list.rendered_ahead(),
                        list.items(),
                        if list.envelope_rendered_ahead() {
                            " and the fields around them"
                        } else {
                            ""
                        }
                    );
                    Some(list)
                }
                Err(e) if exit_code == 0 => {
                    bail!("function {name} exited 0 but its output is not a ResourceList: {e}")
                }
                Err(_) => None,
            }
        };
        if exit_code == 0 && output.is_none() {
            bail!("function {name} exited 0 without writing a ResourceList");
        }
        if output.is_none() {
            // The function's own stderr (relayed above) says why; say whose it was.
            eprintln!(
                "krmwasm: function {name} failed with exit code {exit_code} and wrote no ResourceList"
            );
        }
        Ok(CallOutcome {
            exit_code,
            output,
            written,
        })
    }

    /// Compiles `wasm`, or loads it from the cache, for calls of its own.
    pub fn load(&self, wasm: &VerifiedWasm) -> anyhow::Result<LoadedModule> {
        self.runtime.load(wasm, &self.limits)
    }

    /// Runs `wasm`, loaded, over a ResourceList already serialized as JSON and returns only its
    /// results: its stderr is not relayed (the caller reports the results itself) and the items
    /// it writes back are skipped, not parsed. Should the call fail, what the function wrote to
    /// stderr is part of the error.
    pub fn call_for_results(
        &self,
        wasm: &VerifiedWasm,
        loaded: &LoadedModule,
        input_json: Vec<u8>,
    ) -> anyhow::Result<Vec<krm::Diagnostic>> {
        #[derive(serde::Deserialize)]
        struct ResultsOnly {
            #[serde(default)]
            results: Vec<krm::Diagnostic>,
        }
        let name = wasm.name.as_str();
        let (exit_code, stdout, _) = self.invoke(wasm, loaded, input_json, false, None)?;
        match serde_json::from_slice::<ResultsOnly>(&stdout) {
            Ok(list) => Ok(list.results),
            Err(_) if exit_code != 0 => bail!("function {name} failed with exit code {exit_code}"),
            Err(e) => bail!("function {name} exited 0 without writing a JSON ResourceList: {e}"),
        }
    }

    /// Runs `wasm`, loaded, with `stdin`, JSON output asked for; its exit code and stdout,
    /// and what rendered it ahead.
    fn invoke(
        &self,
        wasm: &VerifiedWasm,
        loaded: &LoadedModule,
        stdin: Vec<u8>,
        relay_stderr: bool,
        render_ahead: Option<RenderAhead>,
    ) -> anyhow::Result<(i32, Vec<u8>, Option<RenderAhead>)> {
        let name = wasm.name.as_str();
        check_memory_minimum(name, &loaded.module, self.limits.memory)?;
        let started = std::time::Instant::now();
        let (invocation, render_ahead) = self.runtime.invoke_following(
            name,
            &loaded.module,
            stdin,
            &[("KRM_OUTPUT", "json")],
            &self.limits,
            render_ahead,
        );
        crate::debug!(
            "{name}: ran in {:?}, memory {}",
            started.elapsed(),
            crate::units::format_bytes(invocation.memory_peak as u64)
        );
        if relay_stderr {
            let _ = std::io::stderr().write_all(&invocation.stderr);
        }
        match invocation.status {
            Ok(code) => Ok((code, invocation.stdout, render_ahead)),
            Err(e) if !relay_stderr && !invocation.stderr.is_empty() => {
                let stderr = String::from_utf8_lossy(&invocation.stderr);
                Err(anyhow::Error::from(e).context(format!(
                    "function {name} wrote to stderr:\n{}",
                    stderr.trim_end()
                )))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Refuses to start a function whose module asks for more memory than `limit` before it runs
/// (its memory's minimum size), saying how much it needs and which setting gives it.
fn check_memory_minimum(name: &str, module: &wasmtime::Module, limit: u64) -> anyhow::Result<()> {
    let memories = module
        .exports()
        .map(|e| e.ty())
        .chain(module.imports().map(|i| i.ty()))
        .filter_map(|ty| ty.memory().cloned());
    for memory in memories {
        let pages = memory.minimum();
        let needed = pages.saturating_mul(memory.page_size());
        if needed > limit {
            bail!(
                "function {name} needs {} of memory to start (its module's minimum: {pages} pages \
                 of {}), more than the memory limit of {}; raise it with --memory-limit or \
                 KRMWASM_MEMORY_LIMIT",
                crate::units::format_bytes(needed),
                crate::units::format_bytes(memory.page_size()),
                crate::units::format_bytes(limit),
            );
        }
    }
    Ok(())
}

/// A functionConfig file (YAML or JSON) named on the command line.
pub struct FunctionConfigFile {
    /// The path as given.
    pub display: String,
    /// Its text, for code frames.
    pub text: String,
    /// The config, annotated with its file as inputs are (kpt does the same for a
    /// configPath), so that results about it name this file, not a document of the same
    /// name among the inputs.
    pub value: serde_json::Value,
}

impl FunctionConfigFile {
    /// Reads and parses `path`, naming the file when it cannot.
    pub fn read(path: &std::path::Path) -> anyhow::Result<Self> {
        let display = path.display().to_string();
        let bytes = codec::read_file(path)
            .with_context(|| format!("cannot read the function config {display}"))?;
        let mut value = codec::parse_value(&bytes)
            .with_context(|| format!("cannot parse the function config {display}"))?;
        match &value {
            serde_json::Value::Object(_) => {}
            serde_json::Value::Null => bail!(
                "the function config {display} is empty; it should hold the function's config, \
                 a mapping with its apiVersion and kind"
            ),
            _ => bail!(
                "the function config {display} is not a mapping; it should hold the function's \
                 config, a mapping with its apiVersion and kind"
            ),
        }
        record_origin(&mut value, &display, 0);
        Ok(FunctionConfigFile {
            text: String::from_utf8_lossy(&bytes).into_owned(),
            display,
            value,
        })
    }
}

/// Reads all of stdin (without a byte order mark).
pub fn read_stdin() -> anyhow::Result<Vec<u8>> {
    codec::read_all(std::io::stdin()).context("cannot read stdin")
}

/// Writes `bytes` to stdout in one go.
pub fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .context("cannot write stdout")
}

/// Maps a function's exit code onto the process exit code (non-zero stays non-zero).
pub fn exit_code(code: i32) -> std::process::ExitCode {
    match u8::try_from(code) {
        Ok(c) => std::process::ExitCode::from(c),
        Err(_) => std::process::ExitCode::FAILURE,
    }
}

/// Records where an item came from (its file and its index there), as kpt does when it reads
/// a package, so results can name the file. Items that are not objects are left as they are.
pub fn record_origin(item: &mut serde_json::Value, file: &str, index: usize) {
    let Some(object) = item.as_object_mut() else {
        return;
    };
    let metadata = object
        .entry("metadata")
        .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
    let Some(annotations) = metadata.as_object_mut().map(|m| {
        m.entry("annotations")
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()))
    }) else {
        return;
    };
    if let Some(a) = annotations.as_object_mut() {
        a.insert(krm::annotations::PATH.into(), file.into());
        a.insert(krm::annotations::INDEX.into(), index.to_string().into());
    }
}
