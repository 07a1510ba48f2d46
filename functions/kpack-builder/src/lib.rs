//! `kpack-builder`: expands a `BuilderConfig` into a ClusterStack, one ClusterBuildpack per
//! buildpack image (or one ClusterStore), a ClusterLifecycle, and the ClusterBuilder or Builder
//! that uses them, with semver ranges in the order resolved to exact versions. Generated objects
//! are owned like kpack-image's (`krm::generated`): re-running replaces them in place.

pub mod config;
pub mod descriptor;
mod expand;
pub mod resolve;

use config::BuilderConfigSpec;
use kpack_api::meta::ObjectMeta;
use krm::config::ConfigLocation;
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
            "{FUNCTION_NAME} needs a {} ({}), or a kp DependencyDescriptor, as its functionConfig",
            config::KIND,
            config::API_VERSION
        ))
    })?;
    let location = ConfigLocation::of(&config, &list.items);
    let at = |p: Problem| location.error(&p.path, p.message);
    let api_version = config.api_version().unwrap_or_default();
    if let Some((descriptor::GROUP, version)) = api_version.split_once('/') {
        if !descriptor::VERSIONS.contains(&version) {
            return Err(at(Problem::new(
                "apiVersion",
                format!("kp reads DependencyDescriptors of kp.kpack.io/v1, v1alpha3 and v1alpha1, not {api_version}"),
            ))
            .into());
        }
        let d: descriptor::Descriptor =
            krm::config::decode(&config, "").map_err(|f| location.attach(f))?;
        let owner = format!(
            "DependencyDescriptor/{}",
            config.name().unwrap_or("kp-import")
        );
        let (generated, notes) = descriptor::expand(&d, &list.items, &generated_meta(&owner))
            .map_err(|ps| Failure(ps.into_iter().map(at).collect()))?;
        return finish(list, generated, notes, &owner, &location);
    }
    krm::config::expect_kind(
        FUNCTION_NAME,
        &config,
        config::API_VERSION,
        config::KIND,
        &location,
    )?;
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
    let spec: BuilderConfigSpec =
        krm::config::decode_spec(&config).map_err(|f| location.attach(f))?;

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

    let expansion = expand::Expansion {
        name: &name,
        namespace: config.namespace(),
        spec: &spec,
        meta: generated_meta(&owner),
        problems,
        notes: Vec::new(),
    };
    let (generated, notes) = expansion
        .run(&catalog)
        .map_err(|ps| Failure(ps.into_iter().map(at).collect()))?;
    finish(list, generated, notes, &owner, &location)
}

/// Puts the generated objects into the items (see `krm::generated`) and the notes into the
/// results.
fn finish(
    list: &mut ResourceList,
    generated: Vec<serde_json::Value>,
    notes: Vec<String>,
    owner: &str,
    location: &ConfigLocation,
) -> Result<(), Failure> {
    krm::generated::apply(&mut list.items, generated, GENERATED_BY_ANNOTATION, owner).map_err(|c| {
        Failure(vec![location.error(
            "metadata.name",
            format!("{c} and was not generated by {owner}: rename the config or remove the existing object"),
        )])
    })?;
    for note in notes {
        list.results.push(
            Diagnostic::info(note)
                .about(location.resource.clone())
                .in_file(location.file.clone()),
        );
    }
    Ok(())
}

/// The label and annotation every generated object carries.
fn generated_meta(owner: &str) -> ObjectMeta {
    let mut labels = Map::new();
    labels.insert("app.kubernetes.io/managed-by".into(), "krmwasm".into());
    let mut annotations = Map::new();
    annotations.insert(GENERATED_BY_ANNOTATION.into(), owner.into());
    ObjectMeta {
        labels,
        annotations,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests;
