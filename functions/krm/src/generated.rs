//! Objects a function generates and owns: how they go into `items` on every run.
//!
//! A generator marks what it writes with an annotation naming its owner, the config it came
//! from (`ImageConfig/apps/shop`: kind, namespace if the config has one, name; configs in two
//! namespaces may share a name). On the next run an owned object is replaced in place (keeping the
//! orchestrator's file, index and id annotations, so it stays in its file and keeps its
//! comments), one no longer generated is removed, a new one is appended; running the function
//! on its own output changes nothing. An object of the same kind and name that the owner did
//! not generate is a conflict, never overwritten.

use crate::Object;
use crate::annotations::carry_orchestrator_annotations;
use crate::object::Identity;
use serde_json::Value;
use std::collections::HashMap;

/// An object the generator would overwrite although it does not own it.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// `Image apps/cart`
    pub object: String,
    /// Where the existing object came from, when the orchestrator said.
    pub file: Option<String>,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} already exists", self.object)?;
        if let Some(file) = &self.file {
            write!(f, " (in {file})")?;
        }
        Ok(())
    }
}

/// Who generated an object: the config it came from, as written in an annotation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    annotation: String,
    /// `Kind/namespace/name`, or `Kind/name` for a config without a namespace.
    value: String,
    /// For a config with a namespace, the value without it, which releases before namespaces
    /// were written put on what this config generated, and the namespace.
    earlier: Option<(String, String)>,
}

impl Owner {
    /// The config `kind` `namespace`/`name`, marked with `annotation`.
    pub fn config(annotation: &str, kind: &str, namespace: Option<&str>, name: &str) -> Self {
        let earlier = format!("{kind}/{name}");
        let (value, earlier) = match namespace {
            Some(ns) => (
                format!("{kind}/{ns}/{name}"),
                Some((earlier, ns.to_string())),
            ),
            None => (earlier, None),
        };
        Owner {
            annotation: annotation.to_string(),
            value,
            earlier,
        }
    }

    /// The annotation generated objects carry.
    pub fn annotation(&self) -> &str {
        &self.annotation
    }

    /// Its value for this owner, as written on what it generates.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether this owner generated `item`. An object marked the earlier way (no namespace)
    /// is this owner's when it is in the config's namespace or in none (cluster-scoped):
    /// another config of that name in another namespace does not take it.
    pub fn owns(&self, item: &Value) -> bool {
        match item.annotation(&self.annotation) {
            Some(value) if value == self.value => true,
            Some(value) => self.earlier.as_ref().is_some_and(|(earlier, namespace)| {
                value == earlier && item.namespace().is_none_or(|n| n == namespace)
            }),
            None => false,
        }
    }
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.value)
    }
}

/// Where one object of the output comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// `items[i]`, unchanged.
    Item(usize),
    /// Generated object `index`. When it replaces an item an earlier run generated, that
    /// item's index: the new object takes over its orchestrator annotations.
    Generated {
        index: usize,
        replaces: Option<usize>,
    },
}

/// The order of the output, given the input `items` and the identities of the objects to
/// generate: as described in the module docs, or the first conflict.
///
/// Objects are matched through maps keyed by identity, not by searching: a generator re-run
/// on its own output meets every object it generated before, thousands of them at scale.
pub fn plan(
    items: &[Value],
    generated: &[Identity<'_>],
    owner: &Owner,
) -> Result<Vec<Slot>, Conflict> {
    if let Some(conflict) = first_conflict(items, generated, owner) {
        return Err(conflict);
    }
    // Owned items by identity, indices in reverse so that `pop` hands out the first. The
    // map holds only what an earlier run generated, so a first run keeps nothing per object.
    let mut owned: HashMap<Identity<'_>, Vec<usize>> = HashMap::new();
    for (i, item) in items.iter().enumerate().rev() {
        if owner.owns(item) {
            owned.entry(item.identity()).or_default().push(i);
        }
    }
    // Each generated object replaces the first owned item of its identity that no earlier
    // object took (pairing them in order, whichever side is walked).
    let mut replacement: Vec<Option<usize>> = vec![None; items.len()];
    let mut replaces_an_item = vec![false; generated.len()];
    if !owned.is_empty() {
        for (index, identity) in generated.iter().enumerate() {
            if let Some(i) = owned.get_mut(identity).and_then(Vec::pop) {
                replacement[i] = Some(index);
                replaces_an_item[index] = true;
            }
        }
    }
    let mut slots = Vec::with_capacity(items.len() + generated.len());
    for (i, item) in items.iter().enumerate() {
        if let Some(index) = replacement[i] {
            slots.push(Slot::Generated {
                index,
                replaces: Some(i),
            });
        } else if !owner.owns(item) {
            slots.push(Slot::Item(i));
        }
        // Otherwise generated before and no longer configured: dropped.
    }
    slots.extend(
        (0..generated.len())
            .filter(|&index| !replaces_an_item[index])
            .map(|index| Slot::Generated {
                index,
                replaces: None,
            }),
    );
    Ok(slots)
}

/// Puts `generated` into `items` as described in the module docs ([`plan`], carried out on
/// trees).
pub fn apply(items: &mut Vec<Value>, generated: Vec<Value>, owner: &Owner) -> Result<(), Conflict> {
    let identities: Vec<Identity<'_>> = generated.iter().map(Object::identity).collect();
    let slots = plan(items, &identities, owner)?;
    drop(identities);
    // Each input item and each generated object appears in at most one slot.
    let mut old: Vec<Option<Value>> = std::mem::take(items).into_iter().map(Some).collect();
    let mut new: Vec<Option<Value>> = generated.into_iter().map(Some).collect();
    *items = slots
        .into_iter()
        .filter_map(|slot| match slot {
            Slot::Item(i) => old[i].take(),
            Slot::Generated { index, replaces } => {
                let mut object = new[index].take()?;
                if let Some(previous) = replaces.and_then(|i| old[i].take()) {
                    carry_orchestrator_annotations(&previous, &mut object);
                }
                Some(object)
            }
        })
        .collect();
    Ok(())
}

/// The first generated object that has the identity of an item `owner` did not generate.
fn first_conflict(items: &[Value], generated: &[Identity<'_>], owner: &Owner) -> Option<Conflict> {
    let mut foreign: HashMap<Identity<'_>, &Value> = HashMap::new();
    for item in items.iter().filter(|i| !owner.owns(i)) {
        foreign.entry(item.identity()).or_insert(item);
    }
    let (new, existing) = generated
        .iter()
        .find_map(|new| foreign.get(new).map(|existing| (new, *existing)))?;
    Some(Conflict {
        object: format!(
            "{} {}{}",
            new.kind.unwrap_or_default(),
            new.namespace.map(|n| format!("{n}/")).unwrap_or_default(),
            new.name.unwrap_or_default()
        ),
        file: existing.file_ref().map(|f| f.path),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BY: &str = "example.dev/generated-by";

    /// The config `Config/o`, without a namespace.
    fn owner() -> Owner {
        Owner::config(BY, "Config", None, "o")
    }

    fn object(kind: &str, name: &str, owner: Option<&str>) -> Value {
        let mut v = json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": name}});
        if let Some(owner) = owner {
            v["metadata"]["annotations"] = json!({ BY: owner });
        }
        v
    }

    fn names(items: &[Value]) -> Vec<&str> {
        items.iter().filter_map(Object::name).collect()
    }

    #[test]
    fn owned_objects_are_replaced_in_place_stale_ones_dropped_new_ones_appended() {
        let mut stale_with_file = object("ConfigMap", "b", Some("Config/o"));
        stale_with_file["metadata"]["annotations"]["config.kubernetes.io/path"] = json!("b.yaml");
        let mut kept_with_file = object("ConfigMap", "c", Some("Config/o"));
        kept_with_file["metadata"]["annotations"]["config.kubernetes.io/path"] = json!("c.yaml");
        let mut items = vec![
            object("ConfigMap", "a", None),
            stale_with_file,
            kept_with_file,
            object("ConfigMap", "d", Some("someone-else")),
        ];
        let mut regenerated = object("ConfigMap", "c", Some("Config/o"));
        regenerated["data"] = json!({"new": "yes"});
        let generated = vec![object("ConfigMap", "e", Some("Config/o")), regenerated];
        apply(&mut items, generated, &owner()).unwrap();
        assert_eq!(names(&items), ["a", "c", "d", "e"]);
        assert_eq!(items[1]["data"]["new"], "yes");
        assert_eq!(
            items[1].annotation("config.kubernetes.io/path"),
            Some("c.yaml"),
            "the regenerated object stays in its file"
        );
    }

    #[test]
    fn applying_twice_changes_nothing() {
        let generate = || -> Vec<Value> {
            (0..50)
                .map(|i| object("ConfigMap", &format!("cm-{i}"), Some("Config/o")))
                .collect()
        };
        let mut items = vec![object("Secret", "s", None)];
        apply(&mut items, generate(), &owner()).unwrap();
        let once = items.clone();
        apply(&mut items, generate(), &owner()).unwrap();
        assert_eq!(items, once);
    }

    #[test]
    fn an_object_someone_else_owns_is_a_conflict_naming_its_file() {
        let mut theirs = object("ConfigMap", "x", None);
        theirs["metadata"]["namespace"] = json!("apps");
        theirs["metadata"]["annotations"] = json!({"config.kubernetes.io/path": "x.yaml"});
        let mut items = vec![object("ConfigMap", "y", Some("Config/o")), theirs.clone()];
        let before = items.clone();
        let mut ours = object("ConfigMap", "x", Some("Config/o"));
        ours["metadata"]["namespace"] = json!("apps");
        let conflict = apply(&mut items, vec![ours], &owner()).unwrap_err();
        assert_eq!(
            conflict.to_string(),
            "ConfigMap apps/x already exists (in x.yaml)"
        );
        assert_eq!(items, before, "a conflict changes nothing");
    }

    #[test]
    fn same_name_in_another_namespace_or_kind_is_another_object() {
        let mut items = vec![object("Secret", "x", None)];
        let mut other_namespace = object("ConfigMap", "x", Some("Config/o"));
        other_namespace["metadata"]["namespace"] = json!("apps");
        apply(
            &mut items,
            vec![object("ConfigMap", "x", Some("Config/o")), other_namespace],
            &owner(),
        )
        .unwrap();
        assert_eq!(items.len(), 3);
    }

    #[test]
    fn configs_of_one_name_in_two_namespaces_own_their_own_objects() {
        let team = |ns: &str| Owner::config(BY, "Config", Some(ns), "o");
        let in_namespace = |name: &str, ns: &str, by: &str| {
            let mut o = object("ConfigMap", name, Some(by));
            o["metadata"]["namespace"] = json!(ns);
            o
        };
        let a = in_namespace("a", "team-a", "Config/team-a/o");
        assert_eq!(team("team-a").value(), "Config/team-a/o");
        assert!(team("team-a").owns(&a));
        assert!(!team("team-b").owns(&a));
        // Marked before namespaces were written: the config of the object's namespace owns
        // it, and a config of that name owns a cluster-scoped object.
        let earlier = in_namespace("a", "team-a", "Config/o");
        assert!(team("team-a").owns(&earlier));
        assert!(!team("team-b").owns(&earlier));
        assert!(owner().owns(&earlier));
        assert!(team("team-b").owns(&object("ConfigMap", "c", Some("Config/o"))));
        assert!(!owner().owns(&a));

        // team-b's run keeps team-a's object and replaces its own.
        let mut items = vec![a.clone(), in_namespace("b", "team-b", "Config/o")];
        apply(
            &mut items,
            vec![in_namespace("b", "team-b", "Config/team-b/o")],
            &team("team-b"),
        )
        .unwrap();
        assert_eq!(items[0], a);
        assert_eq!(items[1].annotation(BY), Some("Config/team-b/o"));
        assert_eq!(items.len(), 2);
    }

    #[test]
    fn a_duplicated_owned_object_is_replaced_once() {
        let mut items = vec![
            object("ConfigMap", "a", Some("Config/o")),
            object("ConfigMap", "a", Some("Config/o")),
        ];
        apply(
            &mut items,
            vec![object("ConfigMap", "a", Some("Config/o"))],
            &owner(),
        )
        .unwrap();
        assert_eq!(names(&items), ["a"]);
    }
}
