//! Validation errors in the shape of knative's `apis.FieldError`, which kpack's webhook returns:
//! a message, the field paths it applies to, and optional details.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub message: String,
    pub paths: Vec<String>,
    pub details: Option<String>,
}

impl FieldError {
    /// The paths are kept sorted, as knative's `FieldError.Error()` prints them.
    pub fn new(message: impl Into<String>, paths: &[&str]) -> Self {
        let mut paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
        paths.sort();
        FieldError {
            message: message.into(),
            paths,
            details: None,
        }
    }

    /// `missing field(s)`.
    pub fn missing(paths: &[&str]) -> Self {
        Self::new("missing field(s)", paths)
    }

    /// `invalid value: <value>`.
    pub fn invalid(value: impl fmt::Display, path: &str) -> Self {
        Self::new(format!("invalid value: {value}"), &[path])
    }

    /// `expected exactly one, got neither`.
    pub fn neither(paths: &[&str]) -> Self {
        Self::new("expected exactly one, got neither", paths)
    }

    /// `expected exactly one, got both`.
    pub fn both(paths: &[&str]) -> Self {
        Self::new("expected exactly one, got both", paths)
    }

    /// `must not set the field(s)`.
    pub fn disallowed(paths: &[&str]) -> Self {
        Self::new("must not set the field(s)", paths)
    }

    /// `invalid key name "<key>"`.
    pub fn invalid_key(key: &str, path: &str) -> Self {
        Self::new(format!("invalid key name {key:?}"), &[path])
    }

    pub fn details(mut self, details: impl Into<String>) -> Self {
        self.details = Some(details.into());
        self
    }

    /// The first path, for a KRM result's `field.path`.
    pub fn path(&self) -> &str {
        self.paths.first().map(String::as_str).unwrap_or_default()
    }
}

/// `<message>: <path>[, <path>…]` then `\n<details>`, as `kubectl apply` prints it.
impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if !self.paths.is_empty() {
            write!(f, ": {}", self.paths.join(", "))?;
        }
        if let Some(d) = &self.details {
            write!(f, "\n{d}")?;
        }
        Ok(())
    }
}

/// What the rules know about the cluster and the kpack release they check for.
#[derive(Clone, Debug)]
pub struct Context {
    /// kpack release whose rules apply (rules change between releases).
    pub kpack_version: semver::Version,
    /// Whether the cluster has a default StorageClass; `None` when unknown offline.
    pub default_storage_class: Option<bool>,
}

impl Default for Context {
    fn default() -> Self {
        Context {
            kpack_version: LATEST_KPACK.clone(),
            default_storage_class: None,
        }
    }
}

/// The newest kpack release whose rules this crate knows.
pub static LATEST_KPACK: semver::Version = semver::Version::new(0, 17, 2);
