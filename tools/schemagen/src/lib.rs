//! The JSON Schemas under `schemas/`, generated from the Rust types that decode the objects, so
//! the schemas and the validator cannot disagree. Layout: `<group>/<kind>_<version>.json`
//! (lowercase kind), the layout kubeconform's `-schema-location` templates expect.

use serde_json::{Value, json};
use std::path::PathBuf;

/// One schema file: its path under `schemas/` and its contents.
pub struct SchemaFile {
    pub path: PathBuf,
    pub contents: String,
}

/// Pins `apiVersion` and `kind` to the one value the schema is for.
fn pin_gvk(mut schema: Value, group: &str, version: &str, kind: &str) -> Value {
    let api_version = format!("{group}/{version}");
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        props.insert(
            "apiVersion".into(),
            json!({"type": "string", "const": api_version}),
        );
        props.insert("kind".into(), json!({"type": "string", "const": kind}));
    }
    if let Some(obj) = schema.as_object_mut() {
        obj.insert(
            "$id".into(),
            json!(format!(
                "https://krmwasm.dev/schemas/{group}/{}_{version}.json",
                kind.to_lowercase()
            )),
        );
        obj.insert(
            "x-kubernetes-group-version-kind".into(),
            json!([{"group": group, "version": version, "kind": kind}]),
        );
    }
    schema
}

fn file(group: &str, version: &str, kind: &str, schema: Value) -> SchemaFile {
    let schema = pin_gvk(schema, group, version, kind);
    let mut contents = serde_json::to_string_pretty(&schema).expect("schemas serialize");
    contents.push('\n');
    SchemaFile {
        path: PathBuf::from(group).join(format!("{}_{version}.json", kind.to_lowercase())),
        contents,
    }
}

/// Every schema, sorted by path.
pub fn schemas() -> Vec<SchemaFile> {
    let mut files: Vec<SchemaFile> = kpack_api::kinds::KINDS
        .iter()
        .zip(kpack_api::kinds::SCHEMAS)
        .map(|(k, schemas)| file(k.group, k.version, k.kind, (schemas.schema)()))
        .collect();
    let config = |api_version: &str, kind: &str, schema: Value| {
        let (group, version) = api_version.split_once('/').unwrap();
        file(group, version, kind, schema)
    };
    files.push(config(
        kpack_image::config::API_VERSION,
        kpack_image::config::KIND,
        kpack_api::schema::root_for::<kpack_image::config::ImageConfig>(),
    ));
    files.push(config(
        kpack_builder::config::API_VERSION,
        kpack_builder::config::KIND,
        kpack_api::schema::root_for::<kpack_builder::config::BuilderConfig>(),
    ));
    files.push(config(
        kpack_validate::config::API_VERSION,
        kpack_validate::config::KIND,
        kpack_api::schema::root_for::<kpack_validate::config::ValidatorConfig>(),
    ));
    // One decoder reads every kp descriptor version; each version's schema has its fields.
    for version in kpack_builder::descriptor::VERSIONS {
        files.push(file(
            kpack_builder::descriptor::GROUP,
            version,
            kpack_builder::descriptor::KIND,
            kpack_builder::descriptor::schema::for_version(version),
        ));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// The draft-07 schemas kpack-validate checks with (see [`check_schemas_path`]): a JSON
/// object by `<apiVersion>/<kind>`, one kind per line.
pub fn check_schemas() -> String {
    let lines: Vec<String> = kpack_api::kinds::KINDS
        .iter()
        .zip(kpack_api::kinds::SCHEMAS)
        .map(|(k, schemas)| {
            let key = kpack_validate::check_schema_key(k);
            let schema = (schemas.check_schema)();
            format!(
                "{}:{}",
                serde_json::to_string(&key).expect("strings serialize"),
                serde_json::to_string(&schema).expect("schemas serialize")
            )
        })
        .collect();
    format!("{{\n{}\n}}\n", lines.join(",\n"))
}

/// Where [`check_schemas`] go: into kpack-validate, which embeds them, so that its module
/// does not carry the schema generator.
pub fn check_schemas_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../functions/kpack-validate/check-schemas.json")
}

/// `schemas/` in this repository.
pub fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}
