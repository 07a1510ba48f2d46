//! `krmwasm catalog build | list | show KIND | verify [CATALOG]`.

use super::{Host, write_stdout};
use crate::catalog::builtin::{self, ModuleUris};
use crate::catalog::trust::{CatalogRef, Resolved};
use crate::catalog::{Entry, LoadedCatalog};
use crate::cli::CacheArgs;
use anyhow::{Context, anyhow};
use serde_json::Value;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum CatalogCommand {
    /// Write the catalog of the built-in functions (the repository's catalog.yaml).
    Build {
        /// Where each module is published, with {name} and {version} filled in, e.g.
        /// oci://ghcr.io/acme/krmwasm/{name}:{version}.
        #[arg(long, value_name = "TEMPLATE", default_value = "builtin:{name}")]
        module_uri: String,
        /// Write here instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// List the kinds the trusted catalogs serve, in search order.
    List {
        // Catalogs fetched from a registry are kept in the cache.
        #[command(flatten)]
        cache: CacheArgs,
    },
    /// Describe a kind: its description, module, schema and examples.
    Show {
        /// The functionConfig kind (e.g. ImageConfig).
        kind: String,
        /// Which apiVersion, when several catalogs or versions serve the kind.
        #[arg(long)]
        api_version: Option<String>,
        #[command(flatten)]
        cache: CacheArgs,
    },
    /// Check every module a catalog names against its digest [default: the trusted catalogs].
    Verify {
        /// A catalog file or oci:// reference.
        catalog: Option<String>,
        // Modules and catalogs fetched from a registry are kept in the cache.
        #[command(flatten)]
        cache: CacheArgs,
    },
}

impl CatalogCommand {
    /// The cache directory given after the command's name, for those that fetch.
    pub fn cache(&self) -> Option<&CacheArgs> {
        match self {
            CatalogCommand::Build { .. } => None,
            CatalogCommand::List { cache }
            | CatalogCommand::Show { cache, .. }
            | CatalogCommand::Verify { cache, .. } => Some(cache),
        }
    }
}

pub fn run(host: &Host, command: &CatalogCommand) -> anyhow::Result<ExitCode> {
    match command {
        CatalogCommand::Build { module_uri, output } => build(module_uri, output.as_ref()),
        CatalogCommand::List { .. } => list(host),
        CatalogCommand::Show {
            kind, api_version, ..
        } => show(host, kind, api_version.as_deref()),
        CatalogCommand::Verify { catalog, .. } => verify(host, catalog.as_deref()),
    }
}

fn build(template: &str, output: Option<&PathBuf>) -> anyhow::Result<ExitCode> {
    let catalog = builtin::catalog(&ModuleUris {
        template: template.to_string(),
    });
    let yaml = catalog.to_yaml();
    match output {
        Some(path) => super::output_file::write(path, &yaml)?,
        None => write_stdout(&yaml)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn list(host: &Host) -> anyhow::Result<ExitCode> {
    let catalogs = host.catalogs().load_all()?;
    let mut rows = vec![[
        "APIVERSION/KIND".to_string(),
        "MODULE".to_string(),
        "CATALOG".to_string(),
    ]];
    let mut seen = Vec::new();
    for catalog in &catalogs {
        for entry in catalog.catalog.entries() {
            let gvk = entry.gvk();
            // First match wins; later entries for the same kind are never used.
            let shadowed = seen.contains(&gvk);
            rows.push([
                if shadowed {
                    format!("{gvk} (shadowed)")
                } else {
                    gvk.clone()
                },
                entry.wasm.uri.clone(),
                catalog.source.to_string(),
            ]);
            seen.push(gvk);
        }
    }
    let widths: Vec<usize> = (0..2)
        .map(|i| rows.iter().map(|r| r[i].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        out.push_str(&format!(
            "{:<w0$}  {:<w1$}  {}\n",
            row[0],
            row[1],
            row[2],
            w0 = widths[0],
            w1 = widths[1]
        ));
    }
    write_stdout(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn show(host: &Host, kind: &str, api_version: Option<&str>) -> anyhow::Result<ExitCode> {
    let catalogs = host.catalogs().load_all()?;
    let found = catalogs.iter().find_map(|c| {
        c.catalog
            .entries()
            .find(|e| {
                e.definition.names.kind.eq_ignore_ascii_case(kind)
                    && api_version.is_none_or(|v| {
                        crate::catalog::api_version(&e.definition.group, &e.version.name) == v
                    })
            })
            .map(|e| (c, e))
    });
    let (catalog, entry) = found.ok_or_else(|| {
        anyhow!(
            "no trusted catalog serves {kind}{}; `krmwasm catalog list` shows what they serve",
            api_version.map(|v| format!(" in {v}")).unwrap_or_default()
        )
    })?;
    write_stdout(describe(catalog, entry).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn describe(catalog: &LoadedCatalog, e: Entry<'_>) -> String {
    let d = e.definition;
    let mut out = format!(
        "{}\n\n{}\n\nCatalog:     {}\nPublisher:   {}\nTags:        {}\nIdempotent:  {}\nModule:      {}\nsha256:      {}\nUsage:       {}\n",
        e.gvk(),
        d.description,
        catalog.source,
        d.publisher,
        d.tags.join(", "),
        e.version.idempotent,
        e.wasm.uri,
        e.wasm.sha256,
        e.version.usage,
    );
    for example in &e.version.examples {
        out.push_str(&format!("Example:     {example}\n"));
    }
    let skeleton = skeleton(e);
    // Only what the schema requires: the function checks more (an image's name, its source),
    // so this is a shape to fill in, not a config that runs.
    out.push_str(
        "\nThe fields its schema requires, to fill in (the function checks more: see Usage):\n\n",
    );
    out.push_str(&String::from_utf8_lossy(&krm::codec::to_bytes(
        &skeleton,
        krm::codec::Format::Yaml,
    )));
    out.push_str("\nSchema (openAPIV3Schema):\n\n");
    out.push_str(&String::from_utf8_lossy(&krm::codec::to_bytes(
        &e.version.schema.open_api_v3_schema,
        krm::codec::Format::Yaml,
    )));
    out
}

/// apiVersion, kind, a name, and every required field below them with a placeholder.
fn skeleton(e: Entry<'_>) -> Value {
    let mut config = serde_json::json!({
        "apiVersion": crate::catalog::api_version(&e.definition.group, &e.version.name),
        "kind": e.definition.names.kind,
        "metadata": {"name": "example"},
    });
    let schema = &e.version.schema.open_api_v3_schema;
    if let (Some(obj), Value::Object(required)) = (config.as_object_mut(), required_fields(schema))
    {
        for (key, value) in required {
            if !matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                obj.insert(key, value);
            }
        }
    }
    config
}

/// A placeholder value for `schema`, with an object's required properties filled in.
fn required_fields(schema: &Value) -> Value {
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && let Some(first) = values.first()
    {
        return first.clone();
    }
    if let Some(first) = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
        .and_then(|alternatives| alternatives.first())
    {
        return required_fields(first);
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let mut out = serde_json::Map::new();
            let props = schema.get("properties");
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let sub = props.and_then(|p| p.get(name)).unwrap_or(&Value::Null);
                out.insert(name.to_string(), required_fields(sub));
            }
            Value::Object(out)
        }
        Some("array") => Value::Array(vec![required_fields(
            schema.get("items").unwrap_or(&Value::Null),
        )]),
        Some("integer") | Some("number") => Value::from(0),
        Some("boolean") => Value::Bool(false),
        _ => Value::String("…".into()),
    }
}

fn verify(host: &Host, catalog: Option<&str>) -> anyhow::Result<ExitCode> {
    let catalogs = match catalog {
        Some(reference) => vec![
            host.sources
                .catalog(&CatalogRef::parse(reference, None))
                .with_context(|| format!("cannot verify {reference}"))?,
        ],
        None => host.catalogs().load_all()?,
    };
    let mut failures = 0;
    let mut out = String::new();
    for catalog in &catalogs {
        for entry in catalog.catalog.entries() {
            let resolved = Resolved::of(catalog, entry);
            match host.sources.module(&resolved) {
                Ok(_) => out.push_str(&format!(
                    "ok    {}  {}  sha256:{}\n",
                    resolved.gvk, resolved.wasm.uri, resolved.wasm.sha256
                )),
                Err(e) => {
                    failures += 1;
                    out.push_str(&format!("FAIL  {}  {e:#}\n", resolved.gvk));
                }
            }
        }
    }
    write_stdout(out.as_bytes())?;
    if failures > 0 {
        eprintln!("krmwasm: {failures} catalog entries failed verification");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
