//! `krmwasm push FILE REF`: a module (or a built-in function, by name) or a catalog to a
//! registry, as an OCI artifact.

use super::{Host, write_stdout};
use crate::builtin;
use crate::catalog::Catalog;
use crate::oci::ArtifactKind;
use anyhow::{Context, bail};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct PushArgs {
    /// A .wasm module, a catalog file, or the name of a built-in function.
    pub file: String,
    /// Where to: REGISTRY/REPOSITORY:TAG (oci:// optional).
    pub reference: String,
}

pub fn push(host: &Host, args: &PushArgs) -> anyhow::Result<ExitCode> {
    let path = PathBuf::from(&args.file);
    let bytes = if path.is_file() {
        std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?
    } else if let Some(f) = builtin::by_name(&args.file) {
        f.wasm.to_vec()
    } else {
        bail!(
            "{} is neither a file nor a built-in function ({})",
            args.file,
            builtin::known_names()
        );
    };
    // Only what a consumer can use is published: it would refuse the rest later.
    match ArtifactKind::of_file(&bytes) {
        ArtifactKind::Catalog => {
            let catalog = Catalog::parse(&bytes, &args.file).context(
                "only wasm modules and function catalogs are pushed, and this is not a valid catalog",
            )?;
            check_module_uris(&catalog, &args.file)?;
        }
        ArtifactKind::Module => crate::runtime::check_module(&bytes)
            .with_context(|| format!("{} is not pushed", args.file))?,
    }
    let reference = crate::oci::parse_reference(&args.reference)?;
    if args.reference.contains('@') {
        bail!(
            "{}: a push names a tag (REGISTRY/REPOSITORY:TAG); the digest is the registry's \
             answer, printed once the push is done",
            args.reference
        );
    }
    if !args
        .reference
        .rsplit('/')
        .next()
        .unwrap_or("")
        .contains(':')
    {
        eprintln!(
            "krmwasm: {} names no tag: pushing it as :latest",
            args.reference
        );
    }
    // The name a puller saves it under (ORAS uses the layer's title).
    let file_name = if path.is_file() {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        format!("{}.wasm", args.file)
    };
    let pushed = host
        .sources
        .registry()
        .push(&args.reference, &bytes, &file_name)?;
    // stdout is the one line a script takes (`REF=$(krmwasm push …)`); the layer's digest,
    // a catalog entry's sha256 for a module, goes with the transfer reports.
    eprintln!(
        "krmwasm: layer {} (a catalog entry's sha256, for a module)",
        pushed.layer_digest
    );
    write_stdout(
        format!(
            "{}/{}@{}\n",
            reference.registry(),
            reference.repository(),
            pushed.manifest_digest,
        )
        .as_bytes(),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// A catalog in a registry is read on its consumers' machines: a module uri that is a path
/// would mean whatever is there.
fn check_module_uris(catalog: &Catalog, file: &str) -> anyhow::Result<()> {
    for definition in &catalog.spec.krm_functions {
        for version in &definition.versions {
            let Some(wasm) = &version.runtime.wasm else {
                continue;
            };
            if !(wasm.uri.starts_with(crate::oci::SCHEME) || wasm.uri.starts_with("builtin:")) {
                bail!(
                    "{file}: the module of {}/{} {} is {}, a path: a catalog pulled from a \
                     registry cannot read it; push the module (krmwasm push MODULE REF) and name \
                     it oci://REF@sha256:DIGEST, or build the catalog with \
                     --module-uri oci://…",
                    definition.group,
                    version.name,
                    definition.names.kind,
                    wasm.uri
                );
            }
        }
    }
    Ok(())
}
