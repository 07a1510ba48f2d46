//! `krmwasm lint [PATH…|-]`: the CI step. Exit codes: 0 clean, 1 a finding at or above
//! `--fail-on`, 2 input that could not be read or parsed.

use super::{FunctionConfigFile, Host, write_stdout};
use crate::lint::{self, inputs, report::Format};
use krm::Severity;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Files and directories (searched for .yaml, .yml and .json; kustomize patches, Helm and
    /// ytt templates set aside), or "-" for stdin [default: "."].
    pub paths: Vec<PathBuf>,
    /// Report format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Lowest severity that fails the run (exit code 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// A validator's functionConfig (e.g. a ValidatorConfig with policy) to use instead of
    /// the only one of its kind among the inputs, or of its defaults.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The kustomization directory that rendered the input: where the paths of kustomize's
    /// origin annotations (`buildMetadata: [originAnnotations]`) start, so that findings also
    /// name the file each resource was written in.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub origin_root: PathBuf,
    #[command(flatten)]
    pub sandbox: crate::cli::SandboxArgs,
    #[command(flatten)]
    pub cache: crate::cli::CacheArgs,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Self {
        match f {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

/// Exit code for input that could not be read or parsed, or a run that could not finish.
const INPUT_ERROR: u8 = 2;

pub fn lint(host: &Host, args: &LintArgs) -> anyhow::Result<ExitCode> {
    // Anything that stops the run is exit 2 too: exit 1 must mean "findings".
    Ok(run(host, args).unwrap_or_else(|e| {
        eprintln!("krmwasm: error: {e:#}");
        ExitCode::from(INPUT_ERROR)
    }))
}

fn run(host: &Host, args: &LintArgs) -> anyhow::Result<ExitCode> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let started = std::time::Instant::now();
    let tree = crate::tree::manifests(&paths);
    // A config that is also among the inputs goes by the input's name (`vc.yaml` given to
    // --config, `./vc.yaml` found in `.`), so that each of its mistakes is said once.
    let config = args
        .config
        .as_deref()
        .map(|named| {
            let real = std::fs::canonicalize(named).ok();
            let input = real.as_ref().and_then(|real| {
                tree.files.iter().find(|file| {
                    // A file found in a directory is no link (the walk follows none), so its
                    // name is its real name: only those named so, and the files given on the
                    // command line, need their real path looked up.
                    (file.file_name() == real.file_name() || paths.contains(file))
                        && std::fs::canonicalize(file).ok().as_ref() == Some(real)
                })
            });
            FunctionConfigFile::read(input.map_or(named, PathBuf::as_path))
        })
        .transpose()?;
    crate::debug!(
        "lint: {} files found in {:?}",
        tree.files.len(),
        started.elapsed()
    );
    let (mut files, templates): (Vec<_>, Vec<_>) = inputs::read_all(&tree.files)
        .into_iter()
        .partition(|file| file.set_aside.is_none());
    // A directory that cannot be walked is reported like a file that cannot be read.
    files.extend(tree.unwalkable.into_iter().map(inputs::unwalkable));
    let mut set_aside = tree.set_aside;
    set_aside.extend(templates.into_iter().filter_map(|file| file.set_aside));
    if set_aside.is_empty() {
        nothing_to_lint(&paths, &files)?;
    }
    crate::debug!("lint: read and parsed in {:?}", started.elapsed());
    let outcome = lint::lint(
        host,
        files,
        set_aside,
        config.as_ref(),
        args.origin_root.clone(),
    )?;
    crate::debug!("lint: validated and placed in {:?}", started.elapsed());
    for note in &outcome.notes {
        eprintln!("krmwasm: lint: {note}");
    }
    let colour = args.format == Format::Text
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    write_stdout(lint::report::render(&outcome, args.format, colour).as_bytes())?;
    Ok(if outcome.input_errors {
        ExitCode::from(INPUT_ERROR)
    } else if lint::fails(&outcome, args.fail_on.into()) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// A wrong path must not pass as a clean tree: paths that hold no manifest at all (a directory
/// without one, files without a document) are an error. Stdin may be empty (a kustomization
/// that renders nothing), and input that could not be read is reported as findings.
fn nothing_to_lint(paths: &[PathBuf], files: &[inputs::LoadedFile]) -> anyhow::Result<()> {
    let some = files
        .iter()
        .any(|f| f.display == inputs::STDIN || !f.errors.is_empty() || !f.documents.is_empty());
    if some {
        return Ok(());
    }
    let named: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let named = named.join(", ");
    if files.is_empty() {
        anyhow::bail!(
            "no manifests to lint in {named}: no .yaml, .yml or .json file (hidden, git-ignored \
             and .krmwasmignore'd paths are skipped); check the path"
        );
    }
    anyhow::bail!(
        "no manifests to lint in {named}: {} read, none holding a document; check the path",
        match files.len() {
            1 => "1 file".to_string(),
            n => format!("{n} files"),
        }
    )
}
