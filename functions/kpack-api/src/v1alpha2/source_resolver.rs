//! `SourceResolver`: made by the Image controller; the webhook does not check it.

use crate::core::SourceConfig;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const SOURCE_RESOLVER_KIND: &str = "SourceResolver";

crate::resource!(SourceResolver, SourceResolverSpec);

/// Note the JSON name `serviceAccount`, even in v1alpha2.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SourceResolverSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    #[serde(default)]
    pub source: SourceConfig,
}
