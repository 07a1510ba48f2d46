//! The validator's settings, from an optional `ValidatorConfig`.

use crate::config::{self, Level, LevelOrIgnore, ValidatorConfigSpec};
use kpack_api::Context;
use krm::{Diagnostic, Failure, Object};
use serde_json::Value;

pub struct Settings {
    pub context: Context,
    pub unknown_fields_are_errors: bool,
    pub external_references: LevelOrIgnore,
    pub allowed_registries: Vec<String>,
    pub require_digests: bool,
}

impl Settings {
    fn from_spec(spec: ValidatorConfigSpec) -> Result<Self, Failure> {
        let mut context = Context {
            default_storage_class: spec.default_storage_class,
            ..Context::default()
        };
        if let Some(v) = &spec.kpack_version {
            context.kpack_version =
                semver::Version::parse(v.trim_start_matches('v')).map_err(|e| {
                    Diagnostic::error(format!(
                        "kpackVersion {v:?} is not a version such as 0.17.2: {e}"
                    ))
                    .at("spec.kpackVersion")
                })?;
        }
        Ok(Settings {
            context,
            unknown_fields_are_errors: spec.unknown_fields != Some(Level::Warning),
            external_references: spec.external_references.unwrap_or(LevelOrIgnore::Warning),
            allowed_registries: spec
                .allowed_registries
                .into_iter()
                .map(|r| r.trim_end_matches('/').to_string())
                .collect(),
            require_digests: spec.require_digests,
        })
    }

    /// No config, a ConfigMap (kpt's default, empty, or what `kpt fn eval … -- key=value`
    /// makes: the spec's fields as strings), or a `ValidatorConfig`. The caller
    /// points the errors at the config: where it is, only the items can tell.
    pub fn from_function_config(config: Option<&Value>) -> Result<Self, Failure> {
        let Some(config) = config else {
            return Self::from_spec(ValidatorConfigSpec::default());
        };
        match (config.api_version(), config.kind()) {
            (Some(config::API_VERSION), Some(config::KIND)) => {
                let spec = match config.get("spec") {
                    None => ValidatorConfigSpec::default(),
                    Some(_) => krm::config::decode_spec(config, &[])?,
                };
                Self::from_spec(spec)
            }
            (Some("v1"), Some("ConfigMap")) => {
                let data = config.get("data").and_then(Value::as_object);
                match data {
                    Some(data) if !data.is_empty() => {
                        Self::from_spec(krm::config::decode(&spec_of_data(data), "data")?)
                    }
                    _ => Self::from_spec(ValidatorConfigSpec::default()),
                }
            }
            (api_version, kind) => Err(Failure::from(Diagnostic::error(format!(
                "kpack-validate takes no config, or a {}/{}; got {}/{}",
                config::API_VERSION,
                config::KIND,
                api_version.unwrap_or("<no apiVersion>"),
                kind.unwrap_or("<no kind>")
            )))),
        }
    }
}

/// A ConfigMap's `data` (strings only) as a ValidatorConfig spec: `true`/`false` for the
/// switches, a comma-separated list for `allowedRegistries`. Anything else is left a string,
/// for decoding to refuse with the field's name.
fn spec_of_data(data: &serde_json::Map<String, Value>) -> Value {
    let spec = data
        .iter()
        .map(|(key, value)| {
            let text = value.as_str().unwrap_or_default().trim();
            let value = match (key.as_str(), text) {
                ("defaultStorageClass" | "requireDigests", "true") => Value::Bool(true),
                ("defaultStorageClass" | "requireDigests", "false") => Value::Bool(false),
                ("allowedRegistries", list) => list
                    .split(',')
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(|r| Value::String(r.to_string()))
                    .collect(),
                _ => value.clone(),
            };
            (key.clone(), value)
        })
        .collect();
    Value::Object(spec)
}
