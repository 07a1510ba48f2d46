//! `krmwasm lint`: every validator function in the trusted catalogs over the documents of a
//! tree of files, and every config a trusted function takes checked by that function, with
//! each finding placed at its file, line and column.
//!
//! Reading ([`inputs`]) turns files into documents, annotated with their file and index as kpt
//! does, once [`crate::tree`] has set aside kustomize patches and Helm templates; reading sets
//! aside ytt templates. The validators run once over all of them (so references between files
//! are checked), and each config's function on that config ([`functions`]); their results
//! become [`Finding`]s, placed by [`locate`]; [`report`] prints them.

mod config_scopes;
pub mod functions;
pub mod inputs;
mod lists;
pub mod locate;
pub mod origin;
pub mod report;
mod syntax;
mod yaml11;

use crate::commands::{FunctionConfigFile, Host};
use crate::tree::fragments::Fragment;
use anyhow::Context;
use functions::{ConfigDocument, Functions, Validator};
use inputs::LoadedFile;
use krm::{Diagnostic, Severity};
use locate::{Region, SourceMap};
use serde_json::Value;
use std::collections::HashMap;

/// One problem, placed.
#[derive(Clone, Debug)]
pub struct Finding {
    pub severity: Severity,
    /// `schema`, `webhook`, `metadata`, `reference`, `policy`, … as the validator tags it
    /// (`validation` when it does not); `config` for a function config; `parse` and `read` for
    /// input that could not be taken in; `yaml` for a value kubectl reads otherwise.
    pub rule: String,
    pub message: String,
    /// The path as given on the command line (or `<stdin>`); `None` for findings about the set.
    pub file: Option<String>,
    /// The document's index in its file.
    pub document: Option<usize>,
    pub region: Option<Region>,
    pub resource: Option<krm::ResourceRef>,
    pub field: Option<String>,
    /// About the key `field` ends in, not its value: an unknown field (the result's tag
    /// `about: key`), shown at the key.
    pub about_key: bool,
    /// Where the resource was written, when the document linted was rendered from it
    /// (kustomize's origin annotations): what CI annotations point at.
    pub origin: Option<origin::Origin>,
    /// The function that reported it (its module's name), or `krmwasm` for input errors.
    pub source: String,
}

impl Finding {
    /// One of krmwasm's own findings about `file` (input it could not take in, a config no
    /// function takes, a value kubectl reads otherwise), about no place in particular until
    /// narrowed with struct update syntax.
    pub fn own(severity: Severity, rule: &str, message: String, file: &str) -> Finding {
        Finding {
            severity,
            rule: rule.to_string(),
            message,
            file: Some(file.to_string()),
            document: None,
            region: None,
            resource: None,
            field: None,
            about_key: false,
            origin: None,
            source: "krmwasm".into(),
        }
    }

    /// Where CI annotations put it: where its resource was written, when that is known
    /// ([`origin`]), else where it was linted.
    pub fn annotated_place(&self) -> (Option<&str>, Option<Region>) {
        match &self.origin {
            Some(origin) => (Some(origin.file.as_str()), origin.region),
            None => (self.file.as_deref(), self.region),
        }
    }
}

/// One document that was linted (JUnit reports one test case each).
#[derive(Clone, Debug)]
pub struct Document {
    pub file: String,
    pub index: usize,
    pub kind: String,
    pub name: String,
}

/// Everything a report needs.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub documents: Vec<Document>,
    pub files: usize,
    /// Files not linted: kustomize patches, Helm and ytt templates.
    pub set_aside: Vec<Fragment>,
    /// What lint chose that the user may want to know, for stderr: which config a validator
    /// ran with when none was named.
    pub notes: Vec<String>,
    /// Some input could not be read or parsed (exit code 2).
    pub input_errors: bool,
    /// Source text by file, for code frames.
    pub sources: HashMap<String, String>,
}

impl Outcome {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Lints `files`; `set_aside` are only reported. `config` replaces the default functionConfig
/// of the validator whose kind it has (e.g. a ValidatorConfig with policy). `origin_root` is
/// where kustomize's origin annotations start (see [`origin`]).
pub fn lint(
    host: &Host,
    files: Vec<LoadedFile>,
    set_aside: Vec<Fragment>,
    config: Option<&FunctionConfigFile>,
    origin_root: std::path::PathBuf,
) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome {
        files: files.len(),
        set_aside,
        ..Outcome::default()
    };
    if let Some(config) = config {
        outcome
            .sources
            .insert(config.display.clone(), config.text.clone());
    }
    let config = config.map(|c| &c.value);
    let started = std::time::Instant::now();
    let functions = Functions::trusted(host)?;
    crate::debug!("lint: catalogs loaded in {:?}", started.elapsed());
    let mut items = Vec::new();
    // Documents a trusted function takes as its config, each with that function.
    let mut configs = Vec::new();
    let mut members = lists::Members::default();
    // The texts documents were read from, where they are not the files' own (see `place`).
    let mut parsed_texts = HashMap::new();
    let mut origins = origin::Origins::new(origin_root);
    for file in files {
        // Documents that did not parse (an empty mapping stands for each).
        let broken: Vec<usize> = file.errors.iter().filter_map(|e| e.document).collect();
        if !file.errors.is_empty() {
            outcome.input_errors = true;
            outcome.findings.extend(file.errors);
        }
        let parsed_text = file.parsed_text.as_deref().unwrap_or(&file.text);
        outcome
            .findings
            .extend(misread_values(&file.display, parsed_text, &file.documents));
        for (index, document) in file.documents.into_iter().enumerate() {
            outcome.documents.push(Document {
                file: file.display.clone(),
                index,
                kind: str_at(&document, "kind"),
                name: document
                    .get("metadata")
                    .map(|m| str_at(m, "name"))
                    .unwrap_or_default(),
            });
            // A document that did not parse is its parse error, nothing more.
            if broken.contains(&index) {
                continue;
            }
            // kubectl and kustomize take only mappings as objects; a list or a plain value
            // would otherwise pass unchecked.
            if let Some(message) = krm::codec::not_an_object(&document) {
                outcome.findings.push(Finding {
                    document: Some(index),
                    ..Finding::own(Severity::Error, "parse", message, &file.display)
                });
                continue;
            }
            let objects = match lists::split(document) {
                Ok(listed) => {
                    for (item, object) in listed.iter().enumerate() {
                        members.add(&file.display, index, item, object);
                    }
                    listed
                }
                Err(document) => vec![document],
            };
            for mut object in objects {
                origins.note(&file.display, index, &object);
                crate::commands::record_origin(&mut object, &file.display, index);
                if let Some(function) = functions.for_config(&object) {
                    configs.push(ConfigDocument {
                        value: object.clone(),
                        function,
                        file: file.display.clone(),
                        index,
                    });
                } else if let Some((field, message)) = functions.unserved(&object) {
                    outcome.findings.push(Finding {
                        document: Some(index),
                        resource: Some(resource_ref(&object)),
                        field: Some(field.into()),
                        ..Finding::own(Severity::Error, "config", message, &file.display)
                    });
                }
                items.push(object);
            }
        }
        if let Some(parsed_text) = file.parsed_text {
            parsed_texts.insert(file.display.clone(), parsed_text);
        }
        // Also the code frame's source under a syntax error.
        outcome.sources.insert(file.display, file.text);
    }
    // Serialized once for every validator; the trees themselves are not needed again.
    let items_json = serde_json::to_vec(&items).expect("JSON values serialize");
    drop(items);
    let mut runner = functions::Runner::new(host);
    run_validators(
        &mut runner,
        &functions,
        &items_json,
        Chosen {
            named: config,
            found: &configs,
        },
        &mut outcome,
    )?;
    crate::debug!("lint: validators ran in {:?}", started.elapsed());
    check_configs(&mut runner, configs, &mut outcome);
    crate::debug!("lint: configs checked in {:?}", started.elapsed());
    place(&mut outcome, &members, &parsed_texts);
    origins.attach(&mut outcome);
    // Ordered by place, then by what is said there, so that repeats sit together.
    let place = |f: &Finding| f.region.map(|r| (r.line, r.column));
    outcome.findings.sort_by(|a, b| {
        (&a.file, place(a), a.severity)
            .cmp(&(&b.file, place(b), b.severity))
            .then_with(|| (&a.rule, &a.message).cmp(&(&b.rule, &b.message)))
    });
    // A `--config` file that is also among the inputs is checked twice: as the validator's
    // config and as a document. Say each of its mistakes once.
    outcome.findings.dedup_by(|a, b| {
        (&a.file, a.document, a.region, &a.field, &a.rule, &a.message)
            == (&b.file, b.document, b.region, &b.field, &b.rule, &b.message)
    });
    Ok(outcome)
}

/// Where a validator's config may come from, besides its defaults.
struct Chosen<'a> {
    /// `--config`.
    named: Option<&'a Value>,
    /// The configs among the inputs.
    found: &'a [ConfigDocument<'a>],
}

/// One run of a validator: the config it runs with, and which findings it keeps.
struct ValidatorRun {
    config: Value,
    /// None: all of them; else those about the files whose judge in these scopes is the
    /// config of this index (None: the defaults), and those about the set.
    judges: Option<(std::rc::Rc<config_scopes::Scopes>, Option<usize>)>,
}

impl Chosen<'_> {
    /// How `validator` runs: with `--config` when that is of the validator's kind; else with
    /// the only config of its kind among the inputs (as in a kpt package, whose pipeline
    /// names it); else with its defaults. Several configs of its kind (packages with policies
    /// of their own) each judge the files of their package ([`config_scopes`]), in a run of
    /// their own over the whole set, and the defaults judge the rest. What was chosen, unless
    /// it was `--config`, goes to `notes`.
    fn runs(
        &self,
        validator: &Validator,
        documents: &[Document],
        notes: &mut Vec<String>,
    ) -> Vec<ValidatorRun> {
        let Validator {
            name,
            default_config,
            ..
        } = validator;
        let everything = |config: &Value| {
            vec![ValidatorRun {
                config: config.clone(),
                judges: None,
            }]
        };
        if let Some(named) = self.named.filter(|c| same_kind(c, default_config)) {
            return everything(named);
        }
        let kind = default_config["kind"].as_str().unwrap_or_default();
        let found: Vec<&ConfigDocument> = self
            .found
            .iter()
            .filter(|c| same_kind(&c.value, default_config))
            .collect();
        match found.as_slice() {
            [] => return everything(default_config),
            [only] => {
                notes.push(format!(
                    "{name} runs with the {kind} in {}, the only one among the inputs (--config chooses another)",
                    only.file
                ));
                return everything(&only.value);
            }
            _ => {}
        }
        let files: Vec<&str> = found.iter().map(|c| c.file.as_str()).collect();
        let scopes = std::rc::Rc::new(config_scopes::Scopes::of(&files));
        let mut said = Vec::new();
        for (directory, owner) in scopes.directories() {
            let shown = match directory.as_os_str().is_empty() {
                true => ".".to_string(),
                false => directory.display().to_string(),
            };
            said.push(match owner {
                Some(i) => format!("{shown} with {}", found[i].file),
                None => format!("{shown} with its defaults (several {kind}s there)"),
            });
        }
        notes.push(format!(
            "{name} judges each package with its own {kind}: {}; other files with its defaults (--config chooses one for all)",
            said.join(", ")
        ));
        // A run for each config that judges a directory (one claimed by several judges none).
        let mut runs: Vec<ValidatorRun> = scopes
            .directories()
            .filter_map(|(_, owner)| owner)
            .map(|i| ValidatorRun {
                config: found[i].value.clone(),
                judges: Some((scopes.clone(), Some(i))),
            })
            .collect();
        if documents.iter().any(|d| scopes.owner(&d.file).is_none()) {
            runs.push(ValidatorRun {
                config: default_config.clone(),
                judges: Some((scopes, None)),
            });
        }
        runs
    }
}

/// Runs every validator over all items at once, with the configs [`Chosen`] gives it.
fn run_validators(
    runner: &mut functions::Runner,
    functions: &Functions,
    items_json: &[u8],
    chosen: Chosen,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let validators = &functions.validators;
    if let Some(config) = chosen.named
        && !validators
            .iter()
            .any(|v| same_kind(config, &v.default_config))
    {
        let kinds: Vec<&str> = validators.iter().map(|v| v.gvk.as_str()).collect();
        anyhow::bail!(
            "the --config file is a {} {}, which no trusted validator takes; it should be one of: {}",
            config["apiVersion"].as_str().unwrap_or("(no apiVersion)"),
            config["kind"].as_str().unwrap_or("(no kind)"),
            kinds.join(", ")
        );
    }
    for validator in validators {
        for run in chosen.runs(validator, &outcome.documents, &mut outcome.notes) {
            let function = functions.for_validator_config(&run.config)?;
            let input = resource_list_json(items_json, &run.config);
            let results = runner
                .results(function, input)
                .with_context(|| format!("the validator {} could not run", validator.gvk))?;
            crate::debug!("{}: {} results", validator.name, results.len());
            let kept = results
                .into_iter()
                .filter_map(|r| finding(r, &validator.name, &run.config, false))
                .filter(|f| match (&run.judges, &f.file) {
                    (Some((scopes, judge)), Some(file)) => scopes.owner(file) == *judge,
                    // Findings about the set: said by every run; `lint` keeps one of each
                    // when it sorts and dedups the findings.
                    _ => true,
                });
            outcome.findings.extend(kept);
        }
    }
    Ok(())
}

/// Runs each config's function on it; a result about no place in particular is about the
/// config. A function that cannot run (a module not cached with `--offline`, a crash) is a
/// finding at the config, and the exit code says the run did not finish.
fn check_configs(
    runner: &mut functions::Runner,
    configs: Vec<ConfigDocument>,
    outcome: &mut Outcome,
) {
    for config in configs {
        let name = functions::function_name(&config.function.wasm.uri);
        let results = match runner.check(config.function, &config.value) {
            Ok(results) => results,
            Err(e) => {
                outcome.input_errors = true;
                outcome.findings.push(Finding {
                    document: Some(config.index),
                    ..Finding::own(Severity::Error, "config", format!("{e:#}"), &config.file)
                });
                continue;
            }
        };
        crate::debug!(
            "{name} on {}#{}: {} results",
            config.file,
            config.index,
            results.len()
        );
        outcome.findings.extend(results.into_iter().filter_map(|r| {
            let mut finding = finding(r, &name, &config.value, true)?;
            if finding.file.is_none() {
                finding.file = Some(config.file.clone());
                finding.document = Some(config.index);
            }
            Some(finding)
        }));
    }
}

/// A ResourceList around items already serialized, without parsing them again.
fn resource_list_json(items_json: &[u8], function_config: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(items_json.len() + 256);
    out.extend_from_slice(
        br#"{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":"#,
    );
    out.extend_from_slice(items_json);
    out.extend_from_slice(br#","functionConfig":"#);
    serde_json::to_writer(&mut out, function_config).expect("JSON values serialize");
    out.extend_from_slice(b"}\n");
    out
}

fn same_kind(a: &Value, b: &Value) -> bool {
    a.get("apiVersion") == b.get("apiVersion") && a.get("kind") == b.get("kind")
}

/// What names `object` in a finding.
fn resource_ref(object: &Value) -> krm::ResourceRef {
    let metadata = object.get("metadata").unwrap_or(&Value::Null);
    krm::ResourceRef {
        api_version: str_at(object, "apiVersion"),
        kind: str_at(object, "kind"),
        name: str_at(metadata, "name"),
        namespace: metadata
            .get("namespace")
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

fn str_at(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A function's result as a finding; its closing summary (info, about nothing) is dropped,
/// the report makes its own. `config_alone`: the function ran on its config and nothing else
/// (a config check), so whatever it says is about that config.
fn finding(
    result: Diagnostic,
    source: &str,
    function_config: &Value,
    config_alone: bool,
) -> Option<Finding> {
    if result.severity == Severity::Info && result.file.is_none() && result.resource_ref.is_none() {
        return None;
    }
    // Untagged, a result about the function's own config is the `config` rule; any other
    // untagged result of a validator is `validation`.
    let about_config = config_alone
        || result.resource_ref.as_ref().is_some_and(|r| {
            function_config.get("apiVersion").and_then(Value::as_str)
                == Some(r.api_version.as_str())
                && function_config.get("kind").and_then(Value::as_str) == Some(r.kind.as_str())
        });
    let tag = |name: &str| result.tags.as_ref().and_then(|t| t.get(name));
    let about_key = tag("about").is_some_and(|about| about == "key");
    Some(Finding {
        severity: result.severity,
        rule: tag("rule")
            .cloned()
            .unwrap_or_else(|| if about_config { "config" } else { "validation" }.into()),
        message: result.message,
        file: result.file.as_ref().map(|f| f.path.clone()),
        document: result
            .file
            .as_ref()
            .and_then(|f| f.index)
            .and_then(|i| usize::try_from(i).ok()),
        region: None,
        resource: result.resource_ref,
        field: result.field.map(|f| f.path),
        about_key,
        origin: None,
        source: source.to_string(),
    })
}

/// Fills in regions, parsing each file with findings once with spans: its text, or the text
/// its documents were read from when some did not parse (`parsed_texts`, by file).
fn place(outcome: &mut Outcome, members: &lists::Members, parsed_texts: &HashMap<String, String>) {
    let mut maps: HashMap<String, Option<SourceMap>> = HashMap::new();
    for finding in &mut outcome.findings {
        if finding.region.is_some() {
            continue;
        }
        let (Some(file), Some(index)) = (&finding.file, finding.document) else {
            continue;
        };
        let map = maps.entry(file.clone()).or_insert_with(|| {
            parsed_texts
                .get(file)
                .or_else(|| outcome.sources.get(file))
                .and_then(|text| SourceMap::parse(text).ok())
        });
        if let Some(map) = map {
            let path = members.path_in_list(finding);
            let path = path.as_deref().or(finding.field.as_deref());
            finding.region = path
                .filter(|_| finding.about_key)
                .and_then(|path| map.locate_key(index, path))
                .or_else(|| map.locate(index, path));
        }
    }
}

/// Plain values of kpack objects that kubectl, reading YAML 1.1, takes for something else
/// than the text kpack-validate checked (see yaml11.rs). Only files whose kpack objects hold
/// such text are scanned.
fn misread_values(file: &str, text: &str, documents: &[Value]) -> Vec<Finding> {
    let kpack = |document: &Value| {
        document
            .get("apiVersion")
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with("kpack.io/"))
    };
    if !documents
        .iter()
        .any(|d| kpack(d) && yaml11::may_hold_misread(d))
    {
        return Vec::new();
    }
    let scanned = |index: usize| documents.get(index).is_some_and(kpack);
    yaml11::scan(text, scanned)
        .into_iter()
        .map(|misread| Finding {
            document: Some(misread.document),
            region: Some(misread.region),
            resource: documents.get(misread.document).map(resource_ref),
            ..Finding::own(
                Severity::Warning,
                "yaml",
                format!(
                "kubectl reads the plain value {value} as {reading} (YAML 1.1), where kustomize, \
                 kpt and these checks read the text \"{value}\": quote it ('{value}') if the text \
                 is meant",
                value = misread.value,
                    reading = misread.reading,
                ),
                file,
            )
        })
        .collect()
}

/// Whether the exit code should say "findings": any at or above `fail_on`.
pub fn fails(outcome: &Outcome, fail_on: Severity) -> bool {
    outcome.findings.iter().any(|f| f.severity <= fail_on)
}
