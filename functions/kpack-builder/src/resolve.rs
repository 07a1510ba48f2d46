//! Which buildpack versions are known, and how an order entry's version or range resolves.
//!
//! Known versions come from `spec.buildpacks` (`version`, else a semver image tag) and from
//! ClusterBuildpack/Buildpack items already in the input that carry the annotation
//! `kpack.krmwasm.dev/buildpack-id` (version from `kpack.krmwasm.dev/buildpack-version`, else a
//! semver image tag). A range resolves to the highest known version that satisfies it and is
//! written out exactly; kpack itself never sees a range.

use crate::Problem;
use kpack_api::reference::{ImageRef, Tag};
use krm::Object;
use semver::{Version, VersionReq};
use serde_json::Value;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

pub const BUILDPACK_ID_ANNOTATION: &str = "kpack.krmwasm.dev/buildpack-id";
pub const BUILDPACK_VERSION_ANNOTATION: &str = "kpack.krmwasm.dev/buildpack-version";

/// One buildpack of an id (maybe with its version) and where it was declared.
#[derive(Debug, Clone)]
pub struct Known {
    pub version: Option<Version>,
    /// `spec.buildpacks[2]`, or `ClusterBuildpack java (in buildpacks.yaml)`.
    pub source: String,
}

/// The known buildpacks, by id (a builder may list thousands: lookups must not scan them all).
#[derive(Debug, Default)]
pub struct Catalog {
    by_id: HashMap<String, Vec<Known>>,
}

/// `1.2.3` or `v1.2.3` from an image tag; None for `latest`, digests and other tags.
pub fn version_from_image(image: &str) -> Option<Version> {
    match ImageRef::parse(image).ok()? {
        ImageRef::Tag(Tag { tag, .. }) => Version::parse(tag.trim_start_matches('v')).ok(),
        ImageRef::Digest { .. } => {
            // `repo:1.2.3@sha256:…` keeps its tag before the digest.
            let before = image.split('@').next()?;
            let tag = before.rsplit_once(':').map(|(_, t)| t)?;
            Version::parse(tag.trim_start_matches('v')).ok()
        }
    }
}

impl Catalog {
    pub fn add(
        &mut self,
        id: &str,
        version: Option<Version>,
        source: String,
    ) -> Result<(), Problem> {
        let known = Known { version, source };
        // Most ids are known once: a vector of exactly one, not the four an empty vector
        // grows to on its first push (10,000 buildpacks in a large catalog).
        let same_id = match self.by_id.entry(id.to_string()) {
            Entry::Vacant(entry) => {
                entry.insert(vec![known]);
                return Ok(());
            }
            Entry::Occupied(entry) => entry.into_mut(),
        };
        let Known { version, source } = &known;
        if let Some(v) = version
            && let Some(other) = same_id.iter().find(|k| k.version.as_ref() == Some(v))
        {
            return Err(Problem::new(
                source.clone(),
                format!(
                    "{id} {v} is provided twice, by {} and by {source}: keep one (kpack must not have to choose)",
                    other.source
                ),
            ));
        }
        same_id.push(known);
        Ok(())
    }

    /// Buildpacks declared by ClusterBuildpack/Buildpack items of the input.
    pub fn add_items<'v>(
        &mut self,
        items: impl IntoIterator<Item = &'v Value>,
        problems: &mut Vec<Problem>,
    ) {
        for item in items {
            if !matches!(item.kind(), Some("ClusterBuildpack" | "Buildpack")) {
                continue;
            }
            let Some(id) = item.annotation(BUILDPACK_ID_ANNOTATION) else {
                continue;
            };
            let image = item
                .pointer("/spec/image")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let version = item
                .annotation(BUILDPACK_VERSION_ANNOTATION)
                .and_then(|v| Version::parse(v.trim_start_matches('v')).ok())
                .or_else(|| version_from_image(image));
            let file = item
                .file_ref()
                .map(|f| format!(" (in {})", f.path))
                .unwrap_or_default();
            let source = format!(
                "{} {}{file}",
                item.kind().unwrap_or_default(),
                item.name().unwrap_or_default()
            );
            if let Err(p) = self.add(id, version, source) {
                problems.push(p);
            }
        }
    }

    fn versions_of(&self, id: &str) -> Vec<&Version> {
        let mut v: Vec<&Version> = self
            .by_id
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|k| k.version.as_ref())
            .collect();
        v.sort();
        v
    }

    /// The exact version to write for `id` with `requirement` (none: no version is written).
    pub fn resolve(
        &self,
        id: &str,
        requirement: Option<&str>,
        path: &str,
    ) -> Result<Option<Version>, Problem> {
        if self.by_id.get(id).is_none_or(Vec::is_empty) {
            return Err(Problem::new(
                path,
                format!(
                    "no buildpack provides {id}: add {{id: {id}, image: ...}} to spec.buildpacks"
                ),
            ));
        }
        let Some(requirement) = requirement.map(str::trim).filter(|r| !r.is_empty()) else {
            return Ok(None);
        };
        let versions = self.versions_of(id);
        let listed = || {
            if versions.is_empty() {
                "none is known: give spec.buildpacks[].version, or tag the image with its version"
                    .to_string()
            } else {
                format!(
                    "known: {}",
                    versions
                        .iter()
                        .map(|v| v.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        };
        if let Ok(exact) = Version::parse(requirement.trim_start_matches('v')) {
            return if versions.contains(&&exact) {
                Ok(Some(exact))
            } else {
                Err(Problem::new(
                    path,
                    format!("{id} {exact} is not among the buildpacks ({})", listed()),
                ))
            };
        }
        let range = VersionReq::parse(requirement).map_err(|e| {
            Problem::new(
                path,
                format!("{requirement:?} is neither a version nor a semver range for {id}: {e}"),
            )
        })?;
        versions
            .iter()
            .rev()
            .find(|v| range.matches(v))
            .map(|v| Some((*v).clone()))
            .ok_or_else(|| {
                Problem::new(
                    path,
                    format!("no version of {id} matches {requirement} ({})", listed()),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        let mut c = Catalog::default();
        for (id, v) in [
            ("java", "17.0.1"),
            ("java", "18.5.0"),
            ("java", "18.6.2"),
            ("java", "19.0.0"),
            ("node", "3.2.1"),
        ] {
            c.add(id, Some(Version::parse(v).unwrap()), format!("{id}@{v}"))
                .unwrap();
        }
        c
    }

    #[test]
    fn ranges_take_the_highest_match() {
        let c = catalog();
        assert_eq!(
            c.resolve("java", Some("^18"), "p").unwrap(),
            Some(Version::new(18, 6, 2))
        );
        assert_eq!(
            c.resolve("java", Some(">=17, <19"), "p").unwrap(),
            Some(Version::new(18, 6, 2))
        );
        assert_eq!(
            c.resolve("java", Some("18.5.0"), "p").unwrap(),
            Some(Version::new(18, 5, 0))
        );
        assert_eq!(c.resolve("java", None, "p").unwrap(), None);
    }

    #[test]
    fn failures_name_the_id_the_range_and_what_exists() {
        let c = catalog();
        let e = c
            .resolve("java", Some("^20"), "spec.order[0].group[0]")
            .unwrap_err();
        assert_eq!(e.path, "spec.order[0].group[0]");
        assert!(
            e.message
                .contains("no version of java matches ^20 (known: 17.0.1, 18.5.0, 18.6.2, 19.0.0)"),
            "{}",
            e.message
        );
        assert!(
            c.resolve("java", Some("18.5.1"), "p")
                .unwrap_err()
                .message
                .contains("18.5.1 is not among")
        );
        assert!(
            c.resolve("go", None, "p")
                .unwrap_err()
                .message
                .contains("no buildpack provides go")
        );
        assert!(
            c.resolve("java", Some("~>"), "p")
                .unwrap_err()
                .message
                .contains("neither a version nor a semver range")
        );
    }

    #[test]
    fn the_same_id_and_version_twice_is_refused() {
        let mut c = catalog();
        let e = c
            .add(
                "java",
                Some(Version::new(18, 5, 0)),
                "spec.buildpacks[3]".into(),
            )
            .unwrap_err();
        assert!(
            e.message
                .contains("provided twice, by java@18.5.0 and by spec.buildpacks[3]"),
            "{}",
            e.message
        );
    }

    #[test]
    fn versions_come_from_semver_tags() {
        assert_eq!(
            version_from_image("r.io/bp/java:18.5.0"),
            Some(Version::new(18, 5, 0))
        );
        assert_eq!(
            version_from_image("r.io/bp/java:v3.2.1"),
            Some(Version::new(3, 2, 1))
        );
        assert_eq!(version_from_image("r.io/bp/java:latest"), None);
        let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert_eq!(
            version_from_image(&format!("r.io/bp/java:1.0.0@{digest}")),
            Some(Version::new(1, 0, 0))
        );
        assert_eq!(version_from_image(&format!("r.io/bp/java@{digest}")), None);
    }
}
