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
    // Only well-formed catalogs are published: a consumer would refuse a broken one later.
    if ArtifactKind::of_file(&bytes) == ArtifactKind::Catalog {
        Catalog::parse(&bytes, &args.file).context(
            "only wasm modules and function catalogs are pushed, and this is not a valid catalog",
        )?;
    }
    let pushed = host.sources.registry().push(&args.reference, &bytes)?;
    let reference = crate::oci::parse_reference(&args.reference)?;
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
