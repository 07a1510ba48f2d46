//! `krmwasm pull REF`: a module or catalog from a registry into a file (and the cache).

use super::{Host, write_stdout};
use crate::oci::{self, ArtifactKind};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct PullArgs {
    /// REGISTRY/REPOSITORY:TAG or …@sha256:DIGEST (oci:// optional).
    pub reference: String,
    /// Where to write it ("-" for stdout) [default: <repository name>.wasm or .yaml].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    // What is pulled is kept in the cache too (`--offline` answers from it).
    #[command(flatten)]
    pub cache: crate::cli::CacheArgs,
}

pub fn pull(host: &Host, args: &PullArgs) -> anyhow::Result<ExitCode> {
    let pulled = host.sources.registry().pull(&args.reference)?;
    let output = match &args.output {
        Some(path) => path.clone(),
        None => {
            let reference = oci::parse_reference(&args.reference)?;
            let name = reference
                .repository()
                .rsplit('/')
                .next()
                .unwrap_or("artifact")
                .to_string();
            PathBuf::from(match pulled.kind {
                ArtifactKind::Module => format!("{name}.wasm"),
                ArtifactKind::Catalog => format!("{name}.yaml"),
            })
        }
    };
    if output.as_os_str() == "-" {
        write_stdout(&pulled.bytes)?;
        return Ok(ExitCode::SUCCESS);
    }
    super::output_file::write(&output, &pulled.bytes)?;
    write_stdout(
        format!(
            "{}  sha256:{}  (manifest {})\n",
            output.display(),
            pulled.sha256,
            pulled.manifest_digest
        )
        .as_bytes(),
    )?;
    Ok(ExitCode::SUCCESS)
}
