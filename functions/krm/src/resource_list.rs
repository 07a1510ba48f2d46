use crate::diagnostic::Diagnostic;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const API_VERSION: &str = "config.kubernetes.io/v1";
pub const KIND: &str = "ResourceList";

/// The KRM Functions Specification's `ResourceList` (`config.kubernetes.io/v1`).
///
/// Fields this type does not know are kept in `extra` and written back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceList {
    #[serde(default = "default_api_version")]
    pub api_version: String,
    #[serde(default = "default_kind")]
    pub kind: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub items: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_config: Option<Value>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub results: Vec<Diagnostic>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn default_api_version() -> String {
    API_VERSION.to_string()
}

fn default_kind() -> String {
    KIND.to_string()
}

/// `items: null` / `results: null` (`items:` with nothing after it) read as empty lists.
fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

impl ResourceList {
    pub fn new(items: Vec<Value>, function_config: Option<Value>) -> Self {
        ResourceList {
            api_version: default_api_version(),
            kind: default_kind(),
            items,
            function_config,
            results: Vec::new(),
            extra: Map::new(),
        }
    }

    /// True when any result has severity `error`: the function failed.
    pub fn has_errors(&self) -> bool {
        self.results.iter().any(Diagnostic::is_error)
    }
}

/// A ResourceList written with other items: `envelope`'s fields in the order
/// [`ResourceList`] writes them (apiVersion, kind, items, functionConfig, results, then any
/// others), with `items` in place of its own. Readers that hold items as text, and
/// generators that make them as they go, write their lists through it.
pub(crate) struct WithItems<'a, I> {
    pub(crate) envelope: &'a ResourceList,
    pub(crate) items: I,
}

impl<I: Serialize> Serialize for WithItems<'_, I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let envelope = self.envelope;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("apiVersion", &envelope.api_version)?;
        map.serialize_entry("kind", &envelope.kind)?;
        map.serialize_entry("items", &self.items)?;
        if let Some(config) = &envelope.function_config {
            map.serialize_entry("functionConfig", config)?;
        }
        if !envelope.results.is_empty() {
            map.serialize_entry("results", &envelope.results)?;
        }
        for (key, value) in &envelope.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}
