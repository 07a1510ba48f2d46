//! `kpack-builder`: expands a `BuilderConfig` into a ClusterStack, one ClusterBuildpack per
//! buildpack image (or one ClusterStore), a ClusterLifecycle, and the ClusterBuilder or Builder
//! that uses them, with semver ranges in the order resolved to exact versions. Generated objects
//! are owned like kpack-image's (`krm::generated`): re-running replaces them in place.

pub mod config;
pub mod descriptor;
mod expand;
mod objects;
pub mod resolve;

use config::BuilderConfigSpec;
use kpack_api::meta::ObjectMeta;
use krm::config::ConfigLocation;
use krm::{Diagnostic, Failure, Generation, Object, ResourceList};
pub use objects::BuilderObjects;
use objects::Planned;
use resolve::Catalog;

pub const FUNCTION_NAME: &str = "kpack-builder";
pub use kpack_api::meta::GENERATED_BY_ANNOTATION;
use krm::generated::Owner;

pub use krm::config::Problem;

/// The function as a KRM processor: [`generate`], carried out on `list.items`.
pub fn process(list: &mut ResourceList) -> Result<(), Failure> {
    generate(list)?.apply(list)
}

/// What the wasm binary does, without stdio: the output (written as the objects are made)
/// for the ResourceList in `input`.
pub fn process_input(input: &[u8], format: krm::Format) -> krm::Outcome {
    krm::process_generator(FUNCTION_NAME, input, format, generate)
}

/// Reads the BuilderConfig or kp descriptor in `functionConfig` and checks it whole: the
/// objects it generates, or every problem found.
pub fn generate(list: &ResourceList) -> Result<Generation<BuilderObjects>, Failure> {
    let config = list.function_config.as_ref().ok_or_else(|| {
        Diagnostic::error(format!(
            "{FUNCTION_NAME} needs a {} ({}), or a kp DependencyDescriptor, as its functionConfig",
            config::KIND,
            config::API_VERSION
        ))
    })?;
    let location = ConfigLocation::of(config, &list.items);
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
        let misplaced = descriptor::version_problems(config);
        if !misplaced.is_empty() {
            return Err(Failure(misplaced.into_iter().map(at).collect()));
        }
        let d: descriptor::Descriptor =
            krm::config::decode(config, "").map_err(|f| location.attach(f))?;
        let config_name = config.name().unwrap_or("kp-import").to_string();
        let owner = Owner::config(
            GENERATED_BY_ANNOTATION,
            descriptor::KIND,
            config.namespace(),
            &config_name,
        );
        let meta = ObjectMeta::generated_by(owner.value());
        let (generated, notes) = descriptor::expand(&d, &list.items, &meta)
            .map_err(|ps| Failure(ps.into_iter().map(at).collect()))?;
        let objects = BuilderObjects {
            owner,
            config_name,
            meta,
            buildpacks: Vec::new(),
            objects: generated.into_iter().map(Planned::Made).collect(),
        };
        return plan(list, objects, notes, &location);
    }
    krm::config::expect_kind(
        FUNCTION_NAME,
        config,
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
    let mut spec: BuilderConfigSpec =
        krm::config::decode_spec(config, &[]).map_err(|f| location.attach(f))?;

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
    let owner = Owner::config(
        GENERATED_BY_ANNOTATION,
        config::KIND,
        config.namespace(),
        &name,
    );
    // Buildpacks this config generated earlier are about to be replaced, not extra sources.
    let others = list.items.iter().filter(|i| !owner.owns(i));
    catalog.add_items(others, &mut problems);

    let meta = ObjectMeta::generated_by(owner.value());
    let expansion = expand::Expansion {
        name: &name,
        namespace: config.namespace(),
        spec: &spec,
        meta: meta.clone(),
        problems,
        notes: Vec::new(),
    };
    let (planned, notes) = expansion
        .run(&catalog)
        .map_err(|ps| Failure(ps.into_iter().map(at).collect()))?;
    let objects = BuilderObjects {
        owner,
        config_name: name,
        meta,
        buildpacks: std::mem::take(&mut spec.buildpacks),
        objects: planned,
    };
    plan(list, objects, notes, &location)
}

/// Places the objects among the items (see `krm::generated`), with the notes as results.
fn plan(
    list: &ResourceList,
    objects: BuilderObjects,
    notes: Vec<String>,
    location: &ConfigLocation,
) -> Result<Generation<BuilderObjects>, Failure> {
    let owner = objects.owner.clone();
    let mut generation = Generation::plan(&list.items, objects).map_err(|c| {
        Failure(vec![location.error(
            "metadata.name",
            format!("{c} and was not generated by {owner}: rename the config or remove the existing object"),
        )])
    })?;
    generation.results = notes
        .into_iter()
        .map(|note| {
            Diagnostic::info(note)
                .about(location.resource.clone())
                .in_file(location.file.clone())
        })
        .collect();
    Ok(generation)
}

#[cfg(test)]
mod tests;
