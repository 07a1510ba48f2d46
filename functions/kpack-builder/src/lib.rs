//! `kpack-builder`: expands a `BuilderConfig` into a ClusterStack, one ClusterBuildpack per
//! buildpack image (or one ClusterStore), a ClusterLifecycle, and the ClusterBuilder or Builder
//! that uses them, with semver ranges in the order resolved to exact versions. Generated objects
//! are owned like kpack-image's (`krm::generated`): re-running replaces them in place.

pub mod config;
mod expand;
pub mod resolve;

use config::BuilderConfigSpec;
use kpack_api::meta::ObjectMeta;
use krm::{Diagnostic, Failure, Object, ResourceList};
use resolve::Catalog;
use serde_json::Map;

pub const FUNCTION_NAME: &str = "kpack-builder";
pub const GENERATED_BY_ANNOTATION: &str = "kpack.krmwasm.dev/generated-by";

/// A problem in the config: the field path and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }
}

pub fn process(list: &mut ResourceList) -> Result<(), Failure> {
    let config = list.function_config.clone().ok_or_else(|| {
        Diagnostic::error(format!(
            "{FUNCTION_NAME} needs a {} ({}) as its functionConfig",
            config::KIND,
            config::API_VERSION
        ))
    })?;
    let file = config.file_ref().or_else(|| {
        list.items
            .iter()
            .find(|i| i.same_object(&config))
            .and_then(Object::file_ref)
    });
    let at = |p: Problem| {
        Diagnostic::error(p.message)
            .at(p.path)
            .about(config.resource_ref())
            .in_file(file.clone())
    };
    if config.api_version() != Some(config::API_VERSION) || config.kind() != Some(config::KIND) {
        return Err(at(Problem::new(
            "kind",
            format!(
                "{FUNCTION_NAME} expands {}/{}, not {}/{}",
                config::API_VERSION,
                config::KIND,
                config.api_version().unwrap_or("<no apiVersion>"),
                config.kind().unwrap_or("<no kind>")
            ),
        ))
        .into());
    }
    let Some(name) = config.name().map(str::to_string) else {
        return Err(at(Problem::new(
            "metadata.name",
            "the BuilderConfig has no metadata.name",
        ))
        .into());
    };
    if !kpack_api::names::is_dns1123_subdomain(&name) {
        return Err(at(Problem::new(
            "metadata.name",
            format!(
                "{name:?} is not a valid Kubernetes name; generated objects are named after it"
            ),
        ))
        .into());
    }
    let spec: BuilderConfigSpec = krm::config::decode_spec(&config).map_err(|f| {
        Failure(
            f.0.into_iter()
                .map(|d| d.about(config.resource_ref()).in_file(file.clone()))
                .collect(),
        )
    })?;

    let mut problems = Vec::new();
    let mut catalog = Catalog::default();
    for (i, bp) in spec.buildpacks.iter().enumerate() {
        let path = format!("spec.buildpacks[{i}]");
        let version = match &bp.version {
            Some(v) => match semver::Version::parse(v.trim_start_matches('v')) {
                Ok(v) => Some(v),
                Err(e) => {
                    problems.push(Problem::new(
                        format!("{path}.version"),
                        format!("{v:?} is not a semver version: {e}"),
                    ));
                    None
                }
            },
            None => resolve::version_from_image(&bp.image),
        };
        if let Err(p) = catalog.add(&bp.id, version, path) {
            problems.push(p);
        }
    }
    let owner = format!("{}/{name}", config::KIND);
    // Buildpacks this config generated earlier are about to be replaced, not extra sources.
    let others: Vec<_> = list
        .items
        .iter()
        .filter(|i| !krm::generated::owned_by(i, GENERATED_BY_ANNOTATION, &owner))
        .cloned()
        .collect();
    catalog.add_items(&others, &mut problems);

    let mut labels = Map::new();
    labels.insert("app.kubernetes.io/managed-by".into(), "krmwasm".into());
    let mut annotations = Map::new();
    annotations.insert(GENERATED_BY_ANNOTATION.into(), owner.clone().into());
    let expansion = expand::Expansion {
        name: &name,
        namespace: config.namespace(),
        spec: &spec,
        meta: ObjectMeta {
            labels,
            annotations,
            ..Default::default()
        },
        problems,
        notes: Vec::new(),
    };
    let (generated, notes) = expansion
        .run(&catalog)
        .map_err(|ps| Failure(ps.into_iter().map(at).collect()))?;
    for note in notes {
        list.results.push(
            Diagnostic::info(note)
                .about(config.resource_ref())
                .in_file(file.clone()),
        );
    }
    krm::generated::apply(&mut list.items, generated, GENERATED_BY_ANNOTATION, &owner).map_err(|c| {
        Failure(vec![at(Problem::new("metadata.name", format!("{c} and was not generated by {owner}: rename the BuilderConfig or remove the existing object")))])
    })
}

#[cfg(test)]
mod tests;
