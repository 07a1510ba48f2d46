//! Generators that write each object as they make it.
//!
//! A function that expands a config into many objects would otherwise hold all of them as
//! trees before the first is written: 10,000 kpack Images take ~25 MiB under wasm32, where
//! linear memory never shrinks. A [`Generator`] instead does every check up front and knows
//! the identity of each object it will write. The framework plans the output from those
//! identities ([`crate::generated::plan`]: owned objects replaced in place, stale ones
//! dropped, new ones appended) and asks for each object only while writing it.
//!
//! The function sees the input list read-only, so a failure has nothing to put back.

use crate::annotations::carry_orchestrator_annotations;
use crate::codec::Format;
use crate::diagnostic::Diagnostic;
use crate::generated::{self, Conflict, Slot};
use crate::object::Identity;
use crate::resource_list::{ResourceList, WithItems};
use crate::run::{self, Failure, Outcome, Processed, WriteList};
use serde::Serialize;
use serde::ser::{Error as _, SerializeSeq, Serializer};
use std::process::ExitCode;

/// The objects a function generates, checked and ready to be made one at a time.
pub trait Generator {
    /// One generated object, as it is written.
    type Object: Serialize;

    /// The config that owns the objects, as generated objects are marked: see
    /// [`crate::generated`].
    fn owner(&self) -> &generated::Owner;

    /// How many objects there are, in the order new ones are appended.
    fn len(&self) -> usize;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The apiVersion, kind, namespace and name of object `index`.
    fn identity(&self, index: usize) -> Identity<'_>;

    /// Makes object `index` from the run's `functionConfig` (the one the generator was
    /// checked against: a generator need not keep a copy of its config). Called at most once
    /// per object, while the output is written. Every check has passed by then, so an error
    /// here is a bug in the function; it stops the output and fails the run.
    fn object(
        &self,
        function_config: Option<&serde_json::Value>,
        index: usize,
    ) -> Result<Self::Object, String>;
}

/// A generator together with the place of each object in the output.
pub struct Generation<G> {
    generator: G,
    slots: Vec<Slot>,
    /// Results to report about the run (e.g. notes on what was resolved).
    pub results: Vec<Diagnostic>,
}

impl<G: Generator> Generation<G> {
    /// Plans where `generator`'s objects go among `items`, or the first object it would
    /// overwrite although it did not generate it.
    pub fn plan(items: &[serde_json::Value], generator: G) -> Result<Self, Conflict> {
        let identities: Vec<Identity<'_>> = (0..generator.len())
            .map(|i| generator.identity(i))
            .collect();
        let slots = generated::plan(items, &identities, generator.owner())?;
        drop(identities);
        Ok(Generation {
            generator,
            slots,
            results: Vec::new(),
        })
    }

    /// Carries the plan out on trees: `list.items` becomes the output's items, and the
    /// results are added. For tests and callers that want the list, not the text. On
    /// failure the items are left part-way ([`crate::process`] puts them back).
    pub fn apply(self, list: &mut ResourceList) -> Result<(), Failure> {
        let mut old: Vec<Option<serde_json::Value>> = std::mem::take(&mut list.items)
            .into_iter()
            .map(Some)
            .collect();
        let mut items = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            let item = match *slot {
                Slot::Item(i) => old[i].take(),
                Slot::Generated { index, replaces } => {
                    let previous = replaces.and_then(|i| old[i].take());
                    Some(
                        self.object_tree(list.function_config.as_ref(), index, previous.as_ref())
                            .map_err(internal_error)?,
                    )
                }
            };
            items.extend(item);
        }
        list.items = items;
        list.results.extend(self.results);
        Ok(())
    }

    /// Object `index` as a tree, with the orchestrator annotations of the item it replaces.
    fn object_tree(
        &self,
        function_config: Option<&serde_json::Value>,
        index: usize,
        previous: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, String> {
        let object = self.generator.object(function_config, index)?;
        let mut tree =
            serde_json::to_value(object).map_err(|e| format!("generated object {index}: {e}"))?;
        if let Some(previous) = previous {
            carry_orchestrator_annotations(previous, &mut tree);
        }
        Ok(tree)
    }
}

fn internal_error(message: String) -> Failure {
    Diagnostic::error(format!("internal error, please report it: {message}")).into()
}

/// The entry point of a generator binary: like [`crate::run`], for a function that reads
/// the list and returns a [`Generation`]. The output is written as the objects are made.
pub fn run_generator<F, G>(name: &str, generate: F) -> ExitCode
where
    F: FnOnce(&ResourceList) -> Result<Generation<G>, Failure>,
    G: Generator,
{
    let Some(input) = run::read_stdin(name) else {
        return ExitCode::FAILURE;
    };
    run::write_out(name, generate_list(name, input, generate))
}

/// [`run_generator`] without stdio: runs `generate` over the ResourceList in `input` and
/// renders the output.
pub fn process_generator<F, G>(name: &str, input: &[u8], format: Format, generate: F) -> Outcome
where
    F: FnOnce(&ResourceList) -> Result<Generation<G>, Failure>,
    G: Generator,
{
    generate_list(name, input.to_vec(), generate).render(format)
}

fn generate_list<F, G>(name: &str, input: Vec<u8>, generate: F) -> Processed<Output<G>>
where
    F: FnOnce(&ResourceList) -> Result<Generation<G>, Failure>,
    G: Generator,
{
    // Nothing is put back on failure (the function cannot change the list), so the input
    // text can go as soon as it is parsed.
    let parsed = run::parse_input(name, &input);
    drop(input);
    let mut list = match parsed {
        Ok(list) => list,
        Err(unreadable) => return *unreadable,
    };
    let first_new_result = list.results.len();
    let generation = match generate(&list) {
        Ok(mut generation) => {
            list.results.append(&mut generation.results);
            Some(generation)
        }
        Err(Failure(diagnostics)) => {
            list.results.extend(diagnostics);
            None
        }
    };
    let (mut stderr, errors) = run::report(name, &list.results[first_new_result..]);
    if errors > 0 {
        stderr.push_str(&run::unchanged(name, errors));
    }
    let generation = generation.filter(|_| errors == 0);
    Processed {
        list: Some(Output { list, generation }),
        stderr,
        exit_code: u8::from(errors > 0),
    }
}

/// What a generator's run writes: the input list, with the generated objects in their slots
/// when the run succeeded. Fields in the order [`ResourceList`] writes them.
pub(crate) struct Output<G> {
    list: ResourceList,
    generation: Option<Generation<G>>,
}

impl<G: Generator> Serialize for Output<G> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let list = &self.list;
        match &self.generation {
            None => list.serialize(serializer),
            Some(generation) => WithItems {
                envelope: list,
                items: Items { list, generation },
            }
            .serialize(serializer),
        }
    }
}

impl<G: Generator> WriteList for Output<G> {
    fn write_list<W: std::io::Write>(&self, out: W, format: Format) -> std::io::Result<()> {
        crate::codec::write(out, self, format)
    }
}

/// The output's items, each generated object made as the serializer reaches it.
struct Items<'a, G> {
    list: &'a ResourceList,
    generation: &'a Generation<G>,
}

impl<G: Generator> Serialize for Items<'_, G> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let generation = self.generation;
        let config = self.list.function_config.as_ref();
        let mut seq = serializer.serialize_seq(Some(generation.slots.len()))?;
        for slot in &generation.slots {
            match *slot {
                Slot::Item(i) => seq.serialize_element(&self.list.items[i])?,
                // A replaced object needs a tree to take over the old one's annotations.
                Slot::Generated {
                    index,
                    replaces: Some(i),
                } => {
                    let tree = generation
                        .object_tree(config, index, Some(&self.list.items[i]))
                        .map_err(S::Error::custom)?;
                    seq.serialize_element(&tree)?;
                }
                Slot::Generated {
                    index,
                    replaces: None,
                } => {
                    let object = generation
                        .generator
                        .object(config, index)
                        .map_err(S::Error::custom)?;
                    seq.serialize_element(&object)?;
                }
            }
        }
        seq.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Object;
    use crate::codec::parse_resource_list;
    use serde_json::{Value, json};

    const BY: &str = "example.dev/generated-by";

    /// ConfigMaps `cm-0` … `cm-{n-1}`, each holding the config's `data.value`; `broken`
    /// makes one of them fail while it is made.
    struct ConfigMaps {
        n: usize,
        names: Vec<String>,
        broken: Option<usize>,
        owner: generated::Owner,
    }

    impl ConfigMaps {
        fn new(n: usize) -> Self {
            let names = (0..n).map(|i| format!("cm-{i}")).collect();
            ConfigMaps {
                n,
                names,
                broken: None,
                owner: generated::Owner::config(BY, "Config", None, "c"),
            }
        }
    }

    impl Generator for ConfigMaps {
        type Object = Value;

        fn owner(&self) -> &generated::Owner {
            &self.owner
        }

        fn len(&self) -> usize {
            self.n
        }

        fn identity(&self, index: usize) -> Identity<'_> {
            Identity {
                api_version: Some("v1"),
                kind: Some("ConfigMap"),
                namespace: None,
                name: Some(&self.names[index]),
            }
        }

        fn object(&self, config: Option<&Value>, index: usize) -> Result<Value, String> {
            if self.broken == Some(index) {
                return Err(format!("cm-{index} cannot be made"));
            }
            let value = config.and_then(|c| c.pointer("/data/value")).cloned();
            Ok(json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": self.names[index], "annotations": {BY: "Config/c"}},
                "data": {"value": value},
            }))
        }
    }

    fn item(name: &str, owner: Option<&str>, path: &str) -> Value {
        let mut annotations = json!({ "config.kubernetes.io/path": path });
        if let Some(owner) = owner {
            annotations[BY] = json!(owner);
        }
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "annotations": annotations}})
    }

    fn input(items: Vec<Value>) -> Vec<u8> {
        let config = json!({"apiVersion": "x/v1", "kind": "Config", "metadata": {"name": "c"}, "data": {"value": "v2"}});
        crate::codec::to_bytes(&ResourceList::new(items, Some(config)), Format::Json)
    }

    fn generate(n: usize) -> impl Fn(&ResourceList) -> Result<Generation<ConfigMaps>, Failure> {
        move |list| {
            Generation::plan(&list.items, ConfigMaps::new(n))
                .map_err(|c| Diagnostic::error(c.to_string()).into())
        }
    }

    #[test]
    fn written_as_made_is_what_apply_makes_on_trees() {
        let items = vec![
            item("mine", None, "mine.yaml"),
            item("cm-1", Some("Config/c"), "cm-1.yaml"),
            item("cm-9", Some("Config/c"), "stale.yaml"),
            item("theirs", Some("Config/other"), "theirs.yaml"),
        ];
        let bytes = input(items);
        for format in [Format::Json, Format::Yaml] {
            let streamed = process_generator("t", &bytes, format, generate(3));
            let on_trees = run::process("t", &bytes, format, |list: &mut ResourceList| {
                generate(3)(list)?.apply(list)
            });
            assert_eq!(streamed, on_trees, "{format:?}");
            assert_eq!(streamed.exit_code, 0);
        }
        let out =
            parse_resource_list(&process_generator("t", &bytes, Format::Json, generate(3)).stdout)
                .unwrap();
        let names: Vec<_> = out.items.iter().filter_map(Object::name).collect();
        assert_eq!(names, ["mine", "cm-1", "theirs", "cm-0", "cm-2"]);
        assert_eq!(out.items[1]["data"]["value"], "v2", "made from the config");
        assert_eq!(
            out.items[1].annotation("config.kubernetes.io/path"),
            Some("cm-1.yaml"),
            "a replaced object stays in its file"
        );
    }

    #[test]
    fn a_conflict_fails_the_run_and_changes_nothing() {
        let items = vec![item("cm-0", None, "hand-written.yaml")];
        let bytes = input(items.clone());
        let out = process_generator("t", &bytes, Format::Json, generate(2));
        assert_eq!(out.exit_code, 1);
        let list = parse_resource_list(&out.stdout).unwrap();
        assert_eq!(list.items, items);
        assert!(
            list.results[0]
                .message
                .contains("ConfigMap cm-0 already exists (in hand-written.yaml)")
        );
        assert!(
            out.stderr
                .ends_with("t: failed with 1 error(s); no resources were changed\n"),
            "{}",
            out.stderr
        );
    }

    #[test]
    fn an_error_result_fails_the_run_and_notes_are_kept() {
        let bytes = input(vec![item("mine", None, "mine.yaml")]);
        let with = |result: Diagnostic| {
            move |list: &ResourceList| {
                let mut generation = generate(2)(list)?;
                generation.results.push(result);
                Ok(generation)
            }
        };
        let out = process_generator(
            "t",
            &bytes,
            Format::Json,
            with(Diagnostic::info("resolved")),
        );
        let list = parse_resource_list(&out.stdout).unwrap();
        assert_eq!((out.exit_code, list.items.len()), (0, 3));
        assert_eq!(list.results[0].message, "resolved");

        let out = process_generator("t", &bytes, Format::Json, with(Diagnostic::error("no")));
        let list = parse_resource_list(&out.stdout).unwrap();
        assert_eq!(
            (out.exit_code, list.items.len()),
            (1, 1),
            "nothing generated"
        );
    }

    #[test]
    fn an_object_that_cannot_be_made_fails_without_output() {
        let bytes = input(vec![]);
        let broken = |list: &ResourceList| {
            let mut generator = ConfigMaps::new(3);
            generator.broken = Some(1);
            Generation::plan(&list.items, generator)
                .map_err(|c| Diagnostic::error(c.to_string()).into())
        };
        let out = process_generator("t", &bytes, Format::Json, broken);
        assert_eq!(out.exit_code, 1);
        assert!(out.stdout.is_empty(), "no partial output");
        assert!(out.stderr.contains("cm-1 cannot be made"), "{}", out.stderr);

        let mut list = parse_resource_list(&bytes).unwrap();
        let failure = broken(&list).unwrap().apply(&mut list).unwrap_err();
        assert!(
            failure.0[0].message.contains("internal error"),
            "{failure:?}"
        );
    }
}
