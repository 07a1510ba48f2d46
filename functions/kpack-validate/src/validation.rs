//! The validator as the run loop drives it: settings from the config, then each item checked
//! as it comes (see [`crate::check_item`]), then the set-level checks over what the items left.

use crate::kept::Keep;
use crate::report::{ItemRefs, Report};
use crate::schema_check::SchemaChecker;
use crate::settings::Settings;
use crate::{Entry, check_item, policy, references};
use krm::config::ConfigLocation;
use krm::{Diagnostic, Failure, Object};
use serde_json::Value;
use std::collections::BTreeMap;

/// One run of kpack-validate over a ResourceList.
pub struct Validation(State);

enum State {
    Checking(Box<Checking>),
    BadConfig(Box<BadConfig>),
}

/// The config is wrong: nothing is checked, but the items may tell which file the config
/// came from, to point the errors there.
struct BadConfig {
    failure: Failure,
    config: Value,
    location: ConfigLocation,
    /// Whether the first item that is the config has been seen (its file is the one).
    twin_seen: bool,
}

struct Checking {
    settings: Settings,
    keep: Keep,
    checker: SchemaChecker,
    report: Report,
    /// The kpack objects, in item order.
    entries: Vec<Entry>,
    /// Where the other items with findings are (legacy groups, unknown kinds).
    others: BTreeMap<usize, ItemRefs>,
    /// How many objects were checked: each object's index in the report. A List's items
    /// are objects of their own, as `kubectl apply` takes them.
    objects: usize,
    /// The objects that are items of a List item: that item's file, and their place in it.
    members: BTreeMap<usize, (Option<krm::FileRef>, String)>,
    /// The input's ServiceAccounts, as references.rs matches kpack's references to them.
    service_accounts: references::ServiceAccounts,
}

impl Validation {
    /// A run with the settings of `function_config` (none, an empty ConfigMap or a
    /// `ValidatorConfig`).
    pub fn start(function_config: Option<&Value>) -> Self {
        Self::keeping(function_config, Keep::WhatSetChecksRead)
    }

    fn keeping(function_config: Option<&Value>, keep: Keep) -> Self {
        Validation(match Settings::from_function_config(function_config) {
            Ok(settings) => State::Checking(Box::new(Checking {
                settings,
                keep,
                checker: SchemaChecker::default(),
                report: Report::new(),
                entries: Vec::new(),
                others: BTreeMap::new(),
                objects: 0,
                members: BTreeMap::new(),
                service_accounts: references::ServiceAccounts::default(),
            })),
            Err(failure) => {
                let config = function_config.cloned().unwrap_or_default();
                State::BadConfig(Box::new(BadConfig {
                    failure,
                    location: ConfigLocation {
                        resource: config.resource_ref(),
                        file: config.file_ref(),
                    },
                    config,
                    twin_seen: false,
                }))
            }
        })
    }

    /// A run that keeps every object whole, to compare with one that keeps only what the
    /// set-level checks read.
    #[cfg(test)]
    pub(crate) fn keeping_whole(function_config: Option<&Value>) -> Self {
        Self::keeping(function_config, Keep::Whole)
    }
}

impl krm::ItemValidator for Validation {
    fn check(&mut self, index: usize, item: &Value) {
        match &mut self.0 {
            State::Checking(run) => run.check(index, item),
            State::BadConfig(bad) => {
                // kustomize's copy of the config has no file annotations; the item it was
                // made from has (ConfigLocation::of, one item at a time).
                if !bad.twin_seen && item.same_object(&bad.config) {
                    bad.twin_seen = true;
                    bad.location.file = bad.location.file.take().or_else(|| item.file_ref());
                }
            }
        }
    }

    fn finish(self) -> Result<Vec<Diagnostic>, Failure> {
        match self.0 {
            State::Checking(run) => Ok(run.finish()),
            State::BadConfig(bad) => Err(bad.location.attach(bad.failure)),
        }
    }
}

impl Checking {
    fn check(&mut self, _index: usize, item: &Value) {
        let Some(members) = list_members(item) else {
            self.check_object(item);
            return;
        };
        let file = item.file_ref();
        for (i, member) in members.iter().enumerate() {
            self.members
                .insert(self.objects, (file.clone(), format!("items[{i}]")));
            self.check_object(member);
        }
    }

    fn check_object(&mut self, item: &Value) {
        let index = self.objects;
        self.objects += 1;
        let findings_before = self.report.len();
        self.service_accounts.note(item);
        let entry = check_item(
            index,
            item,
            &self.settings,
            &mut self.checker,
            &mut self.report,
            self.keep,
        );
        match entry {
            Some(entry) => self.entries.push(entry),
            None if self.report.len() > findings_before => {
                self.others.insert(index, ItemRefs::of(item));
            }
            None => {}
        }
    }

    fn finish(mut self) -> Vec<Diagnostic> {
        references::check(
            &self.entries,
            &self.service_accounts,
            &self.settings,
            &mut self.report,
        );
        policy::check(&self.entries, &self.settings, &mut self.report);
        let (entries, others, members) = (&self.entries, &self.others, &self.members);
        let refs = |index: usize| {
            let mut refs = match entries.binary_search_by_key(&index, |e| e.index) {
                Ok(i) => ItemRefs {
                    resource: entries[i].resource_ref(),
                    file: entries[i].file.clone(),
                    within: None,
                },
                Err(_) => others.get(&index).cloned().unwrap_or_default(),
            };
            if let Some((file, place)) = members.get(&index) {
                refs.file = file.clone();
                refs.within = Some(place.clone());
            }
            refs
        };
        self.report.into_results(refs, entries.len())
    }
}

/// The items of a List item (`kind: List`, or a kind's own list such as `ImageList`, which
/// `kubectl apply` takes as the objects in it); `None` for any other item.
fn list_members(item: &Value) -> Option<&Vec<Value>> {
    if !krm::codec::is_applied_list_kind(item.kind()?) {
        return None;
    }
    item.get("items")?.as_array()
}
