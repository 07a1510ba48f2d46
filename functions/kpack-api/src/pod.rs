//! What the API server checks of the build pod kpack makes from an Image's `spec.build` or a
//! Build's `spec` (kpack-validate checks those; kpack-image the config fields that become
//! them), and of the claim it makes for an Image's volume cache: tolerations, the node
//! selector, affinity, resources, the runtime class and the service account are copied onto
//! the pod. kpack's webhook lets values through that the pod then cannot have,
//! and the build fails when kpack creates the pod, long after the change was merged. The
//! checks and their words follow Kubernetes' pod validation (`ValidateTolerations`,
//! `ValidateAffinity`, container resource requirements, `ValidateRuntimeClassName`); each
//! result is at the object's own field.

use crate::names::{is_dns1123_subdomain, is_label_value, is_qualified_name};
use serde_json::Value;

/// A problem, at its path under the object; its message says that the pod would be refused.
pub type PodProblem = (String, String);

/// The problems of `build` (an Image's `spec.build`, a Build's `spec`), with paths under
/// `base`.
pub fn check(build: &Value, base: &str) -> Vec<PodProblem> {
    let mut check = Check::default();
    if let Some(tolerations) = build.get("tolerations").and_then(Value::as_array) {
        for (i, toleration) in tolerations.iter().enumerate() {
            check.toleration(toleration, &format!("{base}.tolerations[{i}]"));
        }
    }
    if let Some(selector) = build.get("nodeSelector").and_then(Value::as_object) {
        for (key, value) in selector {
            let at = format!("{base}.nodeSelector[{key}]");
            check.label_key(key, &at);
            check.label_value(value.as_str().unwrap_or_default(), &at);
        }
    }
    if let Some(affinity) = build.get("affinity") {
        check.affinity(affinity, &format!("{base}.affinity"));
    }
    if let Some(resources) = build.get("resources") {
        check.resources(resources, &format!("{base}.resources"));
    }
    if let Some(class) = build.get("runtimeClassName").and_then(Value::as_str) {
        check.subdomain(class, &format!("{base}.runtimeClassName"));
    }
    check.problems
}

/// The problem of an Image's or Build's `spec.serviceAccountName` (at `path`), which becomes
/// the pod's: the API server requires a DNS subdomain.
pub fn check_service_account(name: &str, path: &str) -> Vec<PodProblem> {
    let mut check = Check::default();
    if !name.is_empty() {
        check.subdomain(name, path);
    }
    check.problems
}

/// What the API server would say of the PersistentVolumeClaim kpack makes for an Image's
/// volume cache of `size` (written as a quantity): it must ask for more than nothing. None
/// when it does, or when `size` is no quantity (the schema says so).
pub fn cache_claim_problem(size: &Value) -> Option<String> {
    let text = quantity_text(size);
    let value = crate::quantity::value(&text)?;
    (value <= 0.0).then(|| {
        format!(
            "kpack's cache volume claim would be refused: spec.resources.requests[storage]: \
             Invalid value: {text:?}: must be greater than zero"
        )
    })
}

#[derive(Default)]
struct Check {
    problems: Vec<PodProblem>,
}

impl Check {
    fn say(&mut self, path: String, message: String) {
        self.problems.push((
            path,
            format!("kpack's build pod would be refused: {message}"),
        ));
    }

    /// A name the API server requires to be a DNS subdomain.
    fn subdomain(&mut self, name: &str, path: &str) {
        if !is_dns1123_subdomain(name) {
            self.say(
                path.to_string(),
                format!(
                    "Invalid value: {name:?}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric \
                     characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')"
                ),
            );
        }
    }

    fn label_key(&mut self, key: &str, path: &str) {
        if !is_qualified_name(key) {
            self.say(
                path.to_string(),
                format!(
                    "Invalid value: {key:?}: a label key is a name of at most 63 letters, digits, '-', '_' or '.', \
                     starting and ending with a letter or digit, with an optional DNS subdomain prefix and '/' \
                     (e.g. 'example.com/MyName')"
                ),
            );
        }
    }

    fn label_value(&mut self, value: &str, path: &str) {
        if !is_label_value(value) {
            self.say(
                path.to_string(),
                format!(
                    "Invalid value: {value:?}: a label value is empty or at most 63 letters, digits, '-', '_' or '.', \
                     starting and ending with a letter or digit"
                ),
            );
        }
    }

    fn toleration(&mut self, toleration: &Value, path: &str) {
        let text = |key| toleration.get(key).and_then(Value::as_str).unwrap_or("");
        let (key, operator, value, effect) =
            (text("key"), text("operator"), text("value"), text("effect"));
        if !key.is_empty() {
            self.label_key(key, &format!("{path}.key"));
        } else if operator != "Exists" {
            self.say(
                format!("{path}.operator"),
                format!(
                    "Invalid value: {operator:?}: operator must be Exists when `key` is empty, which means \"match all values and all keys\""
                ),
            );
        }
        if toleration
            .get("tolerationSeconds")
            .is_some_and(|s| !s.is_null())
            && effect != "NoExecute"
        {
            self.say(
                format!("{path}.effect"),
                format!(
                    "Invalid value: {effect:?}: effect must be 'NoExecute' when `tolerationSeconds` is set"
                ),
            );
        }
        match operator {
            "" | "Equal" => self.label_value(value, &format!("{path}.value")),
            "Exists" if !value.is_empty() => self.say(
                format!("{path}.operator"),
                format!(
                    "Invalid value: {value:?}: value must be empty when `operator` is 'Exists'"
                ),
            ),
            "Exists" => {}
            other => self.unsupported(other, &["Equal", "Exists"], format!("{path}.operator")),
        }
        if !matches!(effect, "" | "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
            self.unsupported(
                effect,
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
                format!("{path}.effect"),
            );
        }
    }

    fn unsupported(&mut self, value: &str, supported: &[&str], path: String) {
        let supported: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
        self.say(
            path,
            format!(
                "Unsupported value: {value:?}: supported values: {}",
                supported.join(", ")
            ),
        );
    }

    fn affinity(&mut self, affinity: &Value, path: &str) {
        const REQUIRED: &str = "requiredDuringSchedulingIgnoredDuringExecution";
        const PREFERRED: &str = "preferredDuringSchedulingIgnoredDuringExecution";
        if let Some(node) = affinity.get("nodeAffinity") {
            let node_path = format!("{path}.nodeAffinity");
            if let Some(required) = node.get(REQUIRED).filter(|r| !r.is_null()) {
                let at = format!("{node_path}.{REQUIRED}.nodeSelectorTerms");
                let terms = required.get("nodeSelectorTerms").and_then(Value::as_array);
                match terms {
                    Some(terms) if !terms.is_empty() => {
                        for (i, term) in terms.iter().enumerate() {
                            self.node_selector_term(term, &format!("{at}[{i}]"));
                        }
                    }
                    _ => self.say(
                        at,
                        "Required value: must have at least one node selector term".to_string(),
                    ),
                }
            }
            for (i, preferred) in list(node, PREFERRED).enumerate() {
                let at = format!("{node_path}.{PREFERRED}[{i}]");
                self.weight(preferred, &at);
                if let Some(term) = preferred.get("preference") {
                    self.node_selector_term(term, &format!("{at}.preference"));
                }
            }
        }
        for kind in ["podAffinity", "podAntiAffinity"] {
            let Some(pod) = affinity.get(kind) else {
                continue;
            };
            for (i, term) in list(pod, REQUIRED).enumerate() {
                self.pod_affinity_term(term, &format!("{path}.{kind}.{REQUIRED}[{i}]"));
            }
            for (i, weighted) in list(pod, PREFERRED).enumerate() {
                let at = format!("{path}.{kind}.{PREFERRED}[{i}]");
                self.weight(weighted, &at);
                let term = weighted.get("podAffinityTerm").unwrap_or(&Value::Null);
                self.pod_affinity_term(term, &format!("{at}.podAffinityTerm"));
            }
        }
    }

    fn weight(&mut self, weighted: &Value, path: &str) {
        let weight = weighted.get("weight").and_then(Value::as_i64).unwrap_or(0);
        if !(1..=100).contains(&weight) {
            self.say(
                format!("{path}.weight"),
                format!("Invalid value: {weight}: must be in the range 1-100"),
            );
        }
    }

    fn node_selector_term(&mut self, term: &Value, path: &str) {
        for (i, requirement) in list(term, "matchExpressions").enumerate() {
            let at = format!("{path}.matchExpressions[{i}]");
            let key = requirement.get("key").and_then(Value::as_str).unwrap_or("");
            self.label_key(key, &format!("{at}.key"));
            self.requirement(requirement, &at, true);
        }
        for (i, requirement) in list(term, "matchFields").enumerate() {
            let at = format!("{path}.matchFields[{i}]");
            let key = requirement.get("key").and_then(Value::as_str).unwrap_or("");
            if key != "metadata.name" {
                self.unsupported(key, &["metadata.name"], format!("{at}.key"));
            }
            let operator = requirement
                .get("operator")
                .and_then(Value::as_str)
                .unwrap_or("");
            if !matches!(operator, "In" | "NotIn") {
                self.unsupported(operator, &["In", "NotIn"], format!("{at}.operator"));
            } else if values(requirement).count() != 1 {
                self.say(
                    format!("{at}.values"),
                    "Required value: must be only one value when `operator` is 'In' or 'NotIn' for node field selector"
                        .to_string(),
                );
            }
        }
    }

    /// A node selector requirement (`numeric`: Gt and Lt are allowed) or a label selector's.
    fn requirement(&mut self, requirement: &Value, path: &str, numeric: bool) {
        let operator = requirement
            .get("operator")
            .and_then(Value::as_str)
            .unwrap_or("");
        let count = values(requirement).count();
        let values_at = format!("{path}.values");
        match operator {
            "In" | "NotIn" if count == 0 => self.say(
                values_at,
                "Required value: must be specified when `operator` is 'In' or 'NotIn'".to_string(),
            ),
            "Exists" | "DoesNotExist" if count > 0 => self.say(
                values_at,
                "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                    .to_string(),
            ),
            "Gt" | "Lt" if numeric => {
                let integer = values(requirement)
                    .next()
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.parse::<i64>().is_ok());
                if count != 1 || !integer {
                    self.say(
                        values_at,
                        "Required value: must be specified single value when `operator` is 'Lt' or 'Gt', an integer"
                            .to_string(),
                    );
                }
            }
            "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
            other => {
                let mut supported = vec!["In", "NotIn", "Exists", "DoesNotExist"];
                if numeric {
                    supported.extend(["Gt", "Lt"]);
                }
                self.unsupported(other, &supported, format!("{path}.operator"));
            }
        }
    }

    fn pod_affinity_term(&mut self, term: &Value, path: &str) {
        let topology_key = term
            .get("topologyKey")
            .and_then(Value::as_str)
            .unwrap_or("");
        let at = format!("{path}.topologyKey");
        if topology_key.is_empty() {
            self.say(at, "Required value: can not be empty".to_string());
        } else {
            self.label_key(topology_key, &at);
        }
        for selector in ["labelSelector", "namespaceSelector"] {
            let Some(selector_value) = term.get(selector) else {
                continue;
            };
            let selector_path = format!("{path}.{selector}");
            if let Some(labels) = selector_value.get("matchLabels").and_then(Value::as_object) {
                for (key, value) in labels {
                    let at = format!("{selector_path}.matchLabels[{key}]");
                    self.label_key(key, &at);
                    self.label_value(value.as_str().unwrap_or_default(), &at);
                }
            }
            for (i, requirement) in list(selector_value, "matchExpressions").enumerate() {
                let at = format!("{selector_path}.matchExpressions[{i}]");
                let key = requirement.get("key").and_then(Value::as_str).unwrap_or("");
                self.label_key(key, &format!("{at}.key"));
                self.requirement(requirement, &at, false);
            }
        }
    }

    /// The API server's rules for a container's resources: names it knows (or extended ones
    /// with a domain), no negative amounts, whole numbers of extended resources, requests
    /// within limits (equal to them, and limits set, where a resource cannot be
    /// overcommitted), hugepages only beside cpu or memory, claims only of the pod's.
    fn resources(&mut self, resources: &Value, path: &str) {
        let requests = resources.get("requests").and_then(Value::as_object);
        let limits = resources.get("limits").and_then(Value::as_object);
        let mut cpu_or_memory = false;
        let mut hugepages = false;
        for (list, field) in [(limits, "limits"), (requests, "requests")] {
            for (name, amount) in list.into_iter().flatten() {
                let at = format!("{path}.{field}[{name}]");
                self.resource_name(name, &at);
                self.resource_amount(name, amount, &at);
                cpu_or_memory |= matches!(name.as_str(), "cpu" | "memory");
                hugepages |= is_hugepages(name);
            }
        }
        for (name, request) in requests.into_iter().flatten() {
            let limit = limits.and_then(|limits| limits.get(name));
            self.request_against_limit(name, request, limit, path);
        }
        // kpack's build pod declares no resource claims, so none can be named.
        for (i, claim) in list(resources, "claims").enumerate() {
            let name = claim.get("name").and_then(Value::as_str).unwrap_or("");
            self.say(
                format!("{path}.claims[{i}]"),
                format!(
                    "Not found: {name:?}: must be one of the names in pod.spec.resourceClaims which is empty \
                     (kpack's build pod declares no resource claims)"
                ),
            );
        }
        if hugepages && !cpu_or_memory {
            self.say(
                path.to_string(),
                "Forbidden: HugePages require cpu or memory".to_string(),
            );
        }
    }

    fn resource_name(&mut self, name: &str, path: &str) {
        let problem = if !is_qualified_name(name) {
            "a resource name is a qualified name: at most 63 letters, digits, '-', '_' or '.', \
             starting and ending with a letter or digit, with an optional DNS subdomain prefix and '/'"
        } else if !name.contains('/') {
            if matches!(name, "cpu" | "memory" | "ephemeral-storage") || is_hugepages(name) {
                return;
            }
            "must be a standard resource for containers (cpu, memory, ephemeral-storage, \
             hugepages-<size>) or an extended resource with a domain (e.g. 'example.com/gpu')"
        } else if is_native(name) || is_extended(name) {
            return;
        } else {
            "doesn't follow extended resource name standard"
        };
        self.say(
            path.to_string(),
            format!("Invalid value: {name:?}: {problem}"),
        );
    }

    fn resource_amount(&mut self, name: &str, amount: &Value, path: &str) {
        let text = quantity_text(amount);
        let Some(value) = crate::quantity::value(&text) else {
            return;
        };
        if value < 0.0 {
            self.say(
                path.to_string(),
                format!("Invalid value: {text:?}: must be greater than or equal to 0"),
            );
        } else if is_extended(name) && (value * 1000.0).ceil() % 1000.0 != 0.0 {
            self.say(
                path.to_string(),
                format!("Invalid value: {text:?}: must be an integer"),
            );
        } else if let Some(page) = name.strip_prefix("hugepages-") {
            let page_size = crate::quantity::value(page).filter(|size| *size >= 1.0);
            if page_size.is_none_or(|size| size.fract() != 0.0 || value % size != 0.0) {
                self.say(
                    path.to_string(),
                    format!(
                        "Invalid value: {text:?}: {text} is not positive integer multiple of {name}"
                    ),
                );
            }
        }
    }

    /// A request may not exceed its limit; where a resource cannot be overcommitted
    /// (extended resources, hugepages) it must have a limit and equal it.
    fn request_against_limit(
        &mut self,
        name: &str,
        request: &Value,
        limit: Option<&Value>,
        path: &str,
    ) {
        let overcommit = is_native(name) && !is_hugepages(name);
        let Some(limit) = limit else {
            if !overcommit {
                self.say(
                    format!("{path}.limits"),
                    format!("Required value: Limit must be set for non overcommitable resources ({name} is requested)"),
                );
            }
            return;
        };
        let (request_text, limit_text) = (quantity_text(request), quantity_text(limit));
        let (Some(asked), Some(most)) = (
            crate::quantity::value(&request_text),
            crate::quantity::value(&limit_text),
        ) else {
            return;
        };
        let at = format!("{path}.requests[{name}]");
        if !overcommit && asked != most {
            self.say(
                at,
                format!(
                    "Invalid value: {request_text:?}: must be equal to {name} limit of {limit_text}"
                ),
            );
        } else if asked > most {
            self.say(
                at,
                format!(
                    "Invalid value: {request_text:?}: must be less than or equal to {name} limit of {limit_text}"
                ),
            );
        }
    }
}

/// Kubernetes' own resources: no domain, or one under kubernetes.io.
fn is_native(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

/// An extended resource (a device plugin's, such as `nvidia.com/gpu`): a qualified name with a
/// domain outside kubernetes.io, which a quota could name as `requests.<name>`.
fn is_extended(name: &str) -> bool {
    !is_native(name)
        && !name.starts_with("requests.")
        && is_qualified_name(&format!("requests.{name}"))
}

fn is_hugepages(name: &str) -> bool {
    name.starts_with("hugepages-")
}

/// The items of the list at `key` in `value`, none when there is no list.
fn list<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn values(requirement: &Value) -> impl Iterator<Item = &Value> {
    list(requirement, "values")
}

fn quantity_text(quantity: &Value) -> String {
    match quantity {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(build: Value) -> Vec<(String, String)> {
        check(&build, "spec.build")
    }

    #[track_caller]
    fn only(build: Value, path: &str, message: &str) {
        let found = problems(build);
        assert!(
            found.len() == 1 && found[0].0 == path && found[0].1.contains(message),
            "expected one problem at {path} saying {message:?}, got {found:#?}"
        );
    }

    #[test]
    fn sound_scheduling_passes() {
        let build = json!({
            "tolerations": [
                {"key": "dedicated", "operator": "Equal", "value": "builds", "effect": "NoSchedule"},
                {"operator": "Exists"},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30}
            ],
            "nodeSelector": {"pool": "builds", "example.com/arch": "amd64"},
            "affinity": {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["builds"]},
                                              {"key": "cores", "operator": "Gt", "values": ["4"]}],
                         "matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["n1"]}]}]},
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {"weight": 100, "preference": {"matchExpressions": [{"key": "ssd", "operator": "Exists"}]}}]
                },
                "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 1, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                        "labelSelector": {"matchLabels": {"app": "x"}, "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["a"]}]}}}]}
            },
            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": 1, "memory": "1073741824"}}
        });
        assert_eq!(problems(build), []);
    }

    #[test]
    fn tolerations_follow_the_api_server() {
        only(
            json!({"tolerations": [{"key": "a", "operator": "Equals", "value": "b"}]}),
            "spec.build.tolerations[0].operator",
            "Unsupported value: \"Equals\": supported values: \"Equal\", \"Exists\"",
        );
        only(
            json!({"tolerations": [{"key": "a", "operator": "Exists", "value": "b"}]}),
            "spec.build.tolerations[0].operator",
            "value must be empty when `operator` is 'Exists'",
        );
        only(
            json!({"tolerations": [{"value": "b"}]}),
            "spec.build.tolerations[0].operator",
            "operator must be Exists when `key` is empty",
        );
        only(
            json!({"tolerations": [{"key": "a", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 5}]}),
            "spec.build.tolerations[0].effect",
            "effect must be 'NoExecute' when `tolerationSeconds` is set",
        );
        only(
            json!({"tolerations": [{"key": "a", "operator": "Exists", "effect": "NoScheduling"}]}),
            "spec.build.tolerations[0].effect",
            "supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
        );
        only(
            json!({"tolerations": [{"key": "a b", "operator": "Exists"}]}),
            "spec.build.tolerations[0].key",
            "Invalid value: \"a b\": a label key",
        );
    }

    #[test]
    fn node_selectors_are_labels() {
        only(
            json!({"nodeSelector": {"pool": "gpu builds"}}),
            "spec.build.nodeSelector[pool]",
            "Invalid value: \"gpu builds\": a label value",
        );
        only(
            json!({"nodeSelector": {"-pool": "a"}}),
            "spec.build.nodeSelector[-pool]",
            "a label key",
        );
    }

    #[test]
    fn affinity_follows_the_api_server() {
        let required = |terms: Value| json!({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}}});
        let terms = "spec.build.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms";
        only(
            required(json!([])),
            terms,
            "must have at least one node selector term",
        );
        only(
            required(json!([{"matchExpressions": [{"key": "pool", "operator": "In"}]}])),
            &format!("{terms}[0].matchExpressions[0].values"),
            "must be specified when `operator` is 'In' or 'NotIn'",
        );
        only(
            required(
                json!([{"matchExpressions": [{"key": "pool", "operator": "Exists", "values": ["a"]}]}]),
            ),
            &format!("{terms}[0].matchExpressions[0].values"),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        );
        only(
            required(
                json!([{"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["many"]}]}]),
            ),
            &format!("{terms}[0].matchExpressions[0].values"),
            "single value when `operator` is 'Lt' or 'Gt'",
        );
        only(
            required(
                json!([{"matchExpressions": [{"key": "pool", "operator": "in", "values": ["a"]}]}]),
            ),
            &format!("{terms}[0].matchExpressions[0].operator"),
            "supported values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\", \"Gt\", \"Lt\"",
        );
        only(
            required(
                json!([{"matchFields": [{"key": "metadata.labels", "operator": "In", "values": ["a"]}]}]),
            ),
            &format!("{terms}[0].matchFields[0].key"),
            "supported values: \"metadata.name\"",
        );
        only(
            json!({"affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 0, "preference": {}}]}}}),
            "spec.build.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight",
            "Invalid value: 0: must be in the range 1-100",
        );
        only(
            json!({"affinity": {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"labelSelector": {"matchLabels": {"app": "x"}}}]}}}),
            "spec.build.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey",
            "Required value: can not be empty",
        );
        only(
            json!({"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "zone",
                "labelSelector": {"matchExpressions": [{"key": "app", "operator": "Gt", "values": ["1"]}]}}]}}}),
            "spec.build.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].operator",
            "supported values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\"",
        );
    }

    #[test]
    fn a_request_may_not_exceed_its_limit() {
        only(
            json!({"resources": {"requests": {"memory": "2Gi", "cpu": "1"}, "limits": {"memory": "1Gi", "cpu": "1000m"}}}),
            "spec.build.resources.requests[memory]",
            "Invalid value: \"2Gi\": must be less than or equal to memory limit of 1Gi",
        );
    }

    #[test]
    fn resources_follow_the_api_server() {
        let resources = |r: Value| json!({ "resources": r });
        only(
            resources(json!({"requests": {"cpus": "1"}})),
            "spec.build.resources.requests[cpus]",
            "Invalid value: \"cpus\": must be a standard resource for containers",
        );
        only(
            resources(json!({"limits": {"example.com/my gpu": "1"}})),
            "spec.build.resources.limits[example.com/my gpu]",
            "a resource name is a qualified name",
        );
        only(
            resources(json!({"requests": {"memory": "-1Gi"}})),
            "spec.build.resources.requests[memory]",
            "Invalid value: \"-1Gi\": must be greater than or equal to 0",
        );
        only(
            resources(json!({"limits": {"example.com/gpu": "0.5"}})),
            "spec.build.resources.limits[example.com/gpu]",
            "Invalid value: \"0.5\": must be an integer",
        );
        only(
            resources(json!({"requests": {"nvidia.com/gpu": 1}})),
            "spec.build.resources.limits",
            "Required value: Limit must be set for non overcommitable resources",
        );
        only(
            resources(json!({"requests": {"nvidia.com/gpu": 1}, "limits": {"nvidia.com/gpu": 2}})),
            "spec.build.resources.requests[nvidia.com/gpu]",
            "Invalid value: \"1\": must be equal to nvidia.com/gpu limit of 2",
        );
        only(
            resources(json!({"limits": {"hugepages-2Mi": "100Mi"}})),
            "spec.build.resources",
            "Forbidden: HugePages require cpu or memory",
        );
        only(
            resources(json!({"limits": {"hugepages-2Mi": "3Mi", "memory": "1Gi"}})),
            "spec.build.resources.limits[hugepages-2Mi]",
            "3Mi is not positive integer multiple of hugepages-2Mi",
        );
        only(
            resources(json!({"claims": [{"name": "gpu"}]})),
            "spec.build.resources.claims[0]",
            "Not found: \"gpu\": must be one of the names in pod.spec.resourceClaims which is empty",
        );
        // A limit alone is the request too; kubernetes.io resources may be overcommitted.
        let sound = resources(json!({
            "limits": {"nvidia.com/gpu": "2", "hugepages-2Mi": "4Mi", "memory": "2Gi", "ephemeral-storage": "10G"},
            "requests": {"hugepages-2Mi": "4Mi", "memory": "1Gi", "example.kubernetes.io/thing": "1.5"}
        }));
        assert_eq!(problems(sound), []);
    }

    #[test]
    fn a_cache_claim_asks_for_something() {
        for none in [json!("0"), json!(0), json!("0Gi"), json!("-1G"), json!("G")] {
            let said = cache_claim_problem(&none).expect("refused");
            assert!(said.ends_with("must be greater than zero"), "{said}");
        }
        for some in [json!("2G"), json!(1), json!("1m"), json!("two")] {
            assert_eq!(cache_claim_problem(&some), None, "{some}");
        }
    }

    #[test]
    fn the_runtime_class_is_a_subdomain() {
        only(
            json!({"runtimeClassName": "gVisor"}),
            "spec.build.runtimeClassName",
            "Invalid value: \"gVisor\": a lowercase RFC 1123 subdomain",
        );
        assert_eq!(problems(json!({"runtimeClassName": "gvisor"})), []);
    }
}
