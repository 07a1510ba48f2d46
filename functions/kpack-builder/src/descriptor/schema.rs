//! Each descriptor version's JSON Schema. One decoder reads all three versions, so the schema
//! derived from it has every version's fields; each version's is narrowed here to the fields
//! that version has, from the same tables the version check reads, so that an editor or
//! kubeconform flags what the function would refuse.

use super::{BUILDER_FIELDS, Descriptor, TOP_FIELDS, V1ALPHA2_ONLY_GROUP_FIELDS};
use serde_json::{Map, Value};

/// The schema of the descriptor at `kp.kpack.io/<version>`.
pub fn for_version(version: &str) -> Value {
    let mut schema = kpack_api::schema::root_for::<Descriptor>();
    keep_version_fields(&mut schema, TOP_FIELDS, version);
    if let Some(builder) = schema.pointer_mut("/$defs/Builder") {
        // v1alpha1's `stack` and `store` are serde aliases, which the derived schema lacks:
        // they take the schema of their later names.
        for (old, new) in [("stack", "clusterStack"), ("store", "clusterStore")] {
            let properties = properties(builder);
            if let Some(field) = properties.get(new).cloned() {
                properties.insert(old.to_string(), field);
            }
            if let Some(required) = builder.get_mut("required").and_then(Value::as_array_mut)
                && required.iter().any(|r| r == new)
            {
                required.push(Value::from(old));
            }
        }
        keep_version_fields(builder, BUILDER_FIELDS, version);
    }
    if version == "v1alpha1"
        && let Some(reference) = schema.pointer_mut("/$defs/BuilderBuildpackRef")
    {
        let properties = properties(reference);
        for field in V1ALPHA2_ONLY_GROUP_FIELDS {
            properties.shift_remove(*field);
        }
        if let Some(description) = reference.get_mut("description") {
            *description = Value::from(
                "An order group entry of kp.kpack.io/v1alpha1: a buildpack `id`, optionally `version` and `optional`.",
            );
        }
    }
    schema
}

/// Takes out of `object`'s properties (and required fields) the fields of `table` that
/// `version` does not have.
fn keep_version_fields(object: &mut Value, table: &[(&str, &[&str])], version: &str) {
    let absent: Vec<&str> = table
        .iter()
        .filter(|(_, versions)| !versions.contains(&version))
        .map(|(field, _)| *field)
        .collect();
    let properties = properties(object);
    for field in &absent {
        properties.shift_remove(*field);
    }
    if let Some(required) = object.get_mut("required").and_then(Value::as_array_mut) {
        required.retain(|r| !absent.iter().any(|field| r == field));
    }
}

/// The `properties` of an object schema (an empty map where it has none).
fn properties(object: &mut Value) -> &mut Map<String, Value> {
    object
        .as_object_mut()
        .expect("object schemas are JSON objects")
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .expect("properties are a JSON object")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::descriptor::{VERSIONS, version_problems};
    use serde_json::json;

    fn field_names(schema: &Value, pointer: &str) -> Vec<String> {
        let mut names: Vec<String> = schema
            .pointer(pointer)
            .and_then(Value::as_object)
            .unwrap()
            .keys()
            .cloned()
            .collect();
        names.sort();
        names
    }

    #[test]
    fn each_version_has_its_own_fields() {
        let v1alpha1 = for_version("v1alpha1");
        let top = field_names(&v1alpha1, "/properties");
        for field in ["defaultStack", "stores", "stacks", "clusterBuilders"] {
            assert!(top.contains(&field.to_string()), "{field}: {top:?}");
        }
        for field in ["clusterStacks", "clusterLifecycles", "lifecycle"] {
            assert!(!top.contains(&field.to_string()), "{field}: {top:?}");
        }
        assert_eq!(
            field_names(&v1alpha1, "/$defs/Builder/properties"),
            ["name", "order", "stack", "store", "tag"]
        );
        assert_eq!(
            v1alpha1.pointer("/$defs/Builder/required").unwrap(),
            &json!(["name", "stack"])
        );
        assert_eq!(
            field_names(&v1alpha1, "/$defs/BuilderBuildpackRef/properties"),
            ["id", "optional", "version"]
        );

        let v1 = for_version("v1");
        let top = field_names(&v1, "/properties");
        for field in [
            "defaultClusterBuildpack",
            "clusterLifecycles",
            "clusterStacks",
        ] {
            assert!(top.contains(&field.to_string()), "{field}: {top:?}");
        }
        for field in ["lifecycle", "stacks", "defaultStack"] {
            assert!(!top.contains(&field.to_string()), "{field}: {top:?}");
        }
        assert_eq!(
            field_names(&v1, "/$defs/Builder/properties"),
            ["clusterStack", "clusterStore", "name", "order", "tag"]
        );
        assert!(field_names(&v1, "/$defs/BuilderBuildpackRef/properties").contains(&"kind".into()));
        assert!(field_names(&for_version("v1alpha3"), "/properties").contains(&"lifecycle".into()));
    }

    /// A descriptor of each version as kp's documentation writes them.
    fn descriptors() -> [(&'static str, Value); 3] {
        let stack = json!({"name": "base", "buildImage": {"image": "paketobuildpacks/build-jammy-base"},
            "runImage": {"image": "paketobuildpacks/run-jammy-base"}});
        let store = json!({"name": "default", "sources": [{"image": "paketobuildpacks/java"}]});
        [
            (
                "v1alpha1",
                json!({"apiVersion": "kp.kpack.io/v1alpha1", "kind": "DependencyDescriptor",
                "defaultStack": "base", "defaultClusterBuilder": "base",
                "stores": [store], "stacks": [stack],
                "clusterBuilders": [{"name": "base", "stack": "base", "store": "default",
                    "order": [{"group": [{"id": "paketo-buildpacks/java", "optional": true}]}]}]}),
            ),
            (
                "v1alpha3",
                json!({"apiVersion": "kp.kpack.io/v1alpha3", "kind": "DependencyDescriptor",
                "lifecycle": {"image": "buildpacksio/lifecycle:0.17.0"},
                "defaultClusterStack": "base", "clusterStores": [store], "clusterStacks": [stack],
                "clusterBuilders": [{"name": "base", "clusterStack": "base", "clusterStore": "default",
                    "order": [{"group": [{"kind": "ClusterBuildpack", "name": "java"}]}]}]}),
            ),
            (
                "v1",
                json!({"apiVersion": "kp.kpack.io/v1", "kind": "DependencyDescriptor",
                "defaultClusterLifecycle": "lc", "defaultClusterBuildpack": "java",
                "clusterLifecycles": [{"name": "lc", "image": "buildpacksio/lifecycle:0.20.12"}],
                "clusterBuildpacks": [{"name": "java", "image": "paketobuildpacks/java"}],
                "clusterStacks": [stack],
                "clusterBuilders": [{"name": "base", "clusterStack": "base",
                    "order": [{"group": [{"id": "paketo-buildpacks/java"}]}]}]}),
            ),
        ]
    }

    #[test]
    fn a_descriptor_matches_its_version_s_schema_only() {
        for (version, descriptor) in descriptors() {
            assert!(version_problems(&descriptor).is_empty(), "{version}");
            for other in VERSIONS {
                let validator = jsonschema::validator_for(&for_version(other)).unwrap();
                // Only apiVersion's const would differ: compare the fields.
                let mut as_other = descriptor.clone();
                as_other["apiVersion"] = json!(format!("kp.kpack.io/{other}"));
                let errors: Vec<String> = validator
                    .iter_errors(&as_other)
                    .map(|e| format!("{} {e}", e.instance_path()))
                    .collect();
                assert_eq!(
                    errors.is_empty(),
                    other == version,
                    "the {version} descriptor against the {other} schema: {errors:#?}"
                );
            }
        }
    }

    /// The schema and the function's version check agree: each field of a version's schema
    /// passes the check, and each field of another version's that this one lacks is refused.
    #[test]
    fn the_schemas_and_the_version_check_agree() {
        for version in VERSIONS {
            let api_version = format!("kp.kpack.io/{version}");
            let own = field_names(&for_version(version), "/properties");
            for other in VERSIONS {
                for field in field_names(&for_version(other), "/properties") {
                    let config = json!({"apiVersion": api_version, field.clone(): []});
                    let refused = !version_problems(&config).is_empty();
                    assert_eq!(
                        refused,
                        !own.contains(&field),
                        "{version}: `{field}` (from {other})"
                    );
                }
            }
        }
    }
}
