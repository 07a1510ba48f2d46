//! `krmwasm` with no arguments: an exec KRM function, as kustomize's `exec:` and kpt's
//! Kptfile `exec:` call it. The function is chosen by `functionConfig` apiVersion/kind through
//! the trusted catalogs, or by its `config.kubernetes.io/function` annotation (see dispatch).

use super::{Host, Written, exit_code, read_stdin};
use crate::builtin;
use anyhow::{Context, anyhow};
use krm::host::FunctionInput;
use std::process::ExitCode;

pub fn exec(host: &Host) -> anyhow::Result<ExitCode> {
    let input = read_stdin()?;
    let list = FunctionInput::parse_list(&input)
        .context("krmwasm reads a KRM ResourceList on stdin when run without arguments (see `krmwasm --help`)")?;
    let config = list.function_config.as_ref().ok_or_else(|| {
        anyhow!(
            "the ResourceList has no functionConfig: krmwasm picks the function by the \
             functionConfig's apiVersion and kind (known: {})",
            builtin::known_kinds()
        )
    })?;
    let wasm = super::dispatch::module_for_config(host, config)?;
    let outcome = host.call(&wasm, || Ok(list), 0, Written::YamlList)?;
    outcome.write()?;
    Ok(exit_code(outcome.exit_code))
}
