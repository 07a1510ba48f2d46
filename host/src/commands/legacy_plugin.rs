//! kustomize's legacy exec-plugin protocol, the one way `kubectl kustomize` runs an external
//! program: invoked as `<plugin home>/<group>/<version>/<kind>/<Kind> <config file>`, with the
//! resources as a YAML stream on stdin (transformers; empty for generators), printing a YAML
//! stream. `krmwasm plugins install` lays out the links.

use super::{Host, Written, exit_code, read_stdin};
use anyhow::Context;
use krm::codec;
use krm::host::{FunctionInput, read_documents};
use std::path::Path;
use std::process::ExitCode;

pub fn run(host: &Host, config_path: &Path) -> anyhow::Result<ExitCode> {
    let config_bytes = codec::read_file(config_path)
        .with_context(|| format!("cannot read the plugin config {}", config_path.display()))?;
    let config = codec::parse_value(&config_bytes)
        .with_context(|| format!("the plugin config {} is not YAML", config_path.display()))?;
    let wasm = super::dispatch::module_for_config(host, &config)
        .with_context(|| format!("plugin config {}", config_path.display()))?;
    let stdin = read_stdin()?;
    let size = stdin.len();
    let read = || {
        let mut input = FunctionInput::new();
        // The scalars to write back as written are noted while the stream is read.
        let (read, noted) = krm::host::scan_while(&stdin, || {
            read_documents(&stdin, |document| {
                input.push(&document.into_tree());
                Ok(())
            })
        });
        read.context("the resources on stdin are not a YAML stream")?;
        input.add_as_written(&stdin, noted);
        input.function_config = Some(config);
        Ok(input)
    };
    let outcome = host.call(&wasm, read, size, Written::YamlStream)?;
    if outcome.exit_code == 0 {
        outcome.write()?;
    }
    Ok(exit_code(outcome.exit_code))
}
