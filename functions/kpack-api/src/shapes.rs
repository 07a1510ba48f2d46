//! The shapes of the core Kubernetes objects kpack specs carry as written (a build's
//! `affinity`, an env var's `valueFrom` selectors, resource claims), for their schemas and
//! decoding only. kpack's webhook decodes them strictly into Go types, so a misspelt key deep
//! inside (`matchExpression`, `fieldpath`) is refused at admission; the specs keep them as
//! `Value`s, which would let any key through. Functions that write such a value from their
//! own config check it with these types ([`affinity_problem`]). Every field is optional:
//! decoding requires none (the API server's own checks of a pod come later, when kpack
//! creates one).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// Why kpack's webhook could not decode `value` as a `corev1.Affinity`: the path inside it
/// (`nodeAffinity.….matchExpression`) and the reason; None when it decodes.
pub fn affinity_problem(value: &Value) -> Option<(String, String)> {
    serde_path_to_error::deserialize::<_, Affinity>(value)
        .err()
        .map(|e| (e.path().to_string(), e.inner().to_string()))
}

/// `corev1.Affinity`.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Affinity {
    pub node_affinity: Option<NodeAffinity>,
    pub pod_affinity: Option<PodAffinity>,
    pub pod_anti_affinity: Option<PodAffinity>,
}

/// `corev1.NodeAffinity`.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeAffinity {
    pub required_during_scheduling_ignored_during_execution: Option<NodeSelector>,
    pub preferred_during_scheduling_ignored_during_execution: Option<Vec<PreferredSchedulingTerm>>,
}

/// `corev1.NodeSelector`.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSelector {
    pub node_selector_terms: Option<Vec<NodeSelectorTerm>>,
}

/// `corev1.NodeSelectorTerm`.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeSelectorTerm {
    pub match_expressions: Option<Vec<SelectorRequirement>>,
    pub match_fields: Option<Vec<SelectorRequirement>>,
}

/// `corev1.NodeSelectorRequirement` and `metav1.LabelSelectorRequirement`: the same fields.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SelectorRequirement {
    pub key: Option<String>,
    pub operator: Option<String>,
    pub values: Option<Vec<String>>,
}

/// `corev1.PreferredSchedulingTerm`.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PreferredSchedulingTerm {
    pub weight: Option<i32>,
    pub preference: Option<NodeSelectorTerm>,
}

/// `corev1.PodAffinity` and `corev1.PodAntiAffinity`: the same fields.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodAffinity {
    pub required_during_scheduling_ignored_during_execution: Option<Vec<PodAffinityTerm>>,
    pub preferred_during_scheduling_ignored_during_execution: Option<Vec<WeightedPodAffinityTerm>>,
}

/// `corev1.PodAffinityTerm`.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodAffinityTerm {
    pub label_selector: Option<LabelSelector>,
    pub namespaces: Option<Vec<String>>,
    pub topology_key: Option<String>,
    pub namespace_selector: Option<LabelSelector>,
    pub match_label_keys: Option<Vec<String>>,
    pub mismatch_label_keys: Option<Vec<String>>,
}

/// `corev1.WeightedPodAffinityTerm`.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WeightedPodAffinityTerm {
    pub weight: Option<i32>,
    pub pod_affinity_term: Option<PodAffinityTerm>,
}

/// `metav1.LabelSelector`.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSelector {
    pub match_labels: Option<IndexMap<String, String>>,
    pub match_expressions: Option<Vec<SelectorRequirement>>,
}

/// `corev1.ObjectFieldSelector`.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectFieldSelector {
    pub api_version: Option<String>,
    pub field_path: Option<String>,
}

/// `corev1.ResourceFieldSelector`.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceFieldSelector {
    pub container_name: Option<String>,
    pub resource: Option<String>,
    pub divisor: Option<crate::k8s::Quantity>,
}

/// `corev1.ConfigMapKeySelector` and `corev1.SecretKeySelector`: the same fields.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeySelector {
    pub name: Option<String>,
    pub key: Option<String>,
    pub optional: Option<bool>,
}

/// `corev1.ResourceClaim`, an entry of a container's `resources.claims`.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceClaim {
    pub name: Option<String>,
    pub request: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_affinity_is_decoded_as_kpack_decodes_it() {
        let good = json!({"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 1, "preference": {"matchExpressions": [{"key": "a", "operator": "In", "values": ["b"]}]}}]}});
        assert_eq!(affinity_problem(&good), None);
        let (path, reason) = affinity_problem(&json!({"podAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [{"topologykey": "zone"}]}}))
        .unwrap();
        assert_eq!(
            path,
            "podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologykey"
        );
        assert!(
            reason.starts_with("unknown field `topologykey`, expected one of"),
            "{reason}"
        );
        let (path, reason) =
            affinity_problem(&json!({"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": "1"}]}}))
                .unwrap();
        assert_eq!(
            path,
            "nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight"
        );
        assert!(reason.contains("expected i32"), "{reason}");
    }
}
