//! Objects a function generates and owns: how they go into `items` on every run.
//!
//! A generator marks what it writes with an annotation naming its owner (e.g.
//! `ImageConfig/shop`). On the next run an owned object is replaced in place (keeping the
//! orchestrator's file, index and id annotations, so it stays in its file and keeps its
//! comments), one no longer generated is removed, a new one is appended; running the function
//! on its own output changes nothing. An object of the same kind and name that the owner did
//! not generate is a conflict, never overwritten.

use crate::Object;
use crate::annotations::carry_orchestrator_annotations;
use serde_json::Value;

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

/// Whether `item` carries `annotation: owner`.
pub fn owned_by(item: &Value, annotation: &str, owner: &str) -> bool {
    item.annotation(annotation) == Some(owner)
}

/// Puts `generated` into `items` as described in the module docs.
pub fn apply(
    items: &mut Vec<Value>,
    generated: Vec<Value>,
    annotation: &str,
    owner: &str,
) -> Result<(), Conflict> {
    for new in &generated {
        if let Some(existing) = items
            .iter()
            .find(|i| i.same_object(new) && !owned_by(i, annotation, owner))
        {
            return Err(Conflict {
                object: format!(
                    "{} {}{}",
                    new.kind().unwrap_or_default(),
                    new.namespace().map(|n| format!("{n}/")).unwrap_or_default(),
                    new.name().unwrap_or_default()
                ),
                file: existing.file_ref().map(|f| f.path),
            });
        }
    }
    let mut pending: Vec<Option<Value>> = generated.into_iter().map(Some).collect();
    let mut merged = Vec::with_capacity(items.len() + pending.len());
    for item in items.drain(..) {
        if !owned_by(&item, annotation, owner) {
            merged.push(item);
            continue;
        }
        if let Some(slot) = pending
            .iter_mut()
            .find(|p| p.as_ref().is_some_and(|n| n.same_object(&item)))
        {
            let mut new = slot.take().expect("slot checked above");
            carry_orchestrator_annotations(&item, &mut new);
            merged.push(new);
        }
        // else: generated before and no longer configured: dropped.
    }
    merged.extend(pending.into_iter().flatten());
    *items = merged;
    Ok(())
}
