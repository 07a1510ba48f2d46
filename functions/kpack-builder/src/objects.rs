//! The objects a BuilderConfig or a kp descriptor generates, as a [`krm::Generator`].
//!
//! Most are made while the config is checked. ClusterBuildpacks, one per buildpack and
//! thousands in a large catalog, are made only when written.

use crate::config::BuildpackSource;
use crate::expand::cluster_buildpack;
use kpack_api::meta::ObjectMeta;
use kpack_api::v1alpha2 as kpack;
use krm::generated::Owner;
use krm::{Generator, Identity, Object};
use serde_json::Value;

/// One object, as planned.
pub enum Planned {
    /// Made already.
    Made(Value),
    /// The ClusterBuildpack of `spec.buildpacks[index]`, named `name`.
    ClusterBuildpack { index: usize, name: String },
}

pub struct BuilderObjects {
    /// The BuilderConfig or DependencyDescriptor.
    pub owner: Owner,
    /// The config's name, which ClusterBuildpack names start with.
    pub config_name: String,
    /// The labels and annotations of every generated object.
    pub meta: ObjectMeta,
    pub buildpacks: Vec<BuildpackSource>,
    pub objects: Vec<Planned>,
}

impl Generator for BuilderObjects {
    type Object = Value;

    fn owner(&self) -> &Owner {
        &self.owner
    }

    fn len(&self) -> usize {
        self.objects.len()
    }

    fn identity(&self, index: usize) -> Identity<'_> {
        match &self.objects[index] {
            Planned::Made(object) => object.identity(),
            Planned::ClusterBuildpack { name, .. } => Identity {
                api_version: Some(kpack::API_VERSION),
                kind: Some("ClusterBuildpack"),
                namespace: None,
                name: Some(name),
            },
        }
    }

    fn object(&self, _config: Option<&Value>, index: usize) -> Result<Value, String> {
        match &self.objects[index] {
            Planned::Made(object) => Ok(object.clone()),
            Planned::ClusterBuildpack { index, .. } => {
                let bp = self
                    .buildpacks
                    .get(*index)
                    .ok_or_else(|| format!("spec.buildpacks[{index}] is gone"))?;
                Ok(cluster_buildpack(&self.config_name, &self.meta, bp))
            }
        }
    }
}
