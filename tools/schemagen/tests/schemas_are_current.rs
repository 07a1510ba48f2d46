//! Fails when `schemas/` differs from what the types generate, byte for byte.

use std::collections::BTreeSet;
use std::path::PathBuf;

fn committed_files(dir: &std::path::Path) -> BTreeSet<PathBuf> {
    fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut BTreeSet<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(path.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn schemas_dir_matches_the_types() {
    let dir = schemagen::schemas_dir();
    let generated = schemagen::schemas();
    let mut stale = Vec::new();
    for file in &generated {
        match std::fs::read_to_string(dir.join(&file.path)) {
            Ok(committed) if committed == file.contents => {}
            Ok(_) => stale.push(format!("{} differs", file.path.display())),
            Err(_) => stale.push(format!("{} is missing", file.path.display())),
        }
    }
    let expected: BTreeSet<PathBuf> = generated.iter().map(|f| f.path.clone()).collect();
    for extra in committed_files(&dir).difference(&expected) {
        stale.push(format!("{} is not generated any more", extra.display()));
    }
    assert!(
        stale.is_empty(),
        "schemas/ is stale; run `cargo run -p schemagen` and commit the result:\n  {}",
        stale.join("\n  ")
    );
}

#[test]
fn the_validators_check_schemas_match_the_types() {
    let path = schemagen::check_schemas_path();
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == schemagen::check_schemas(),
        "{} is stale; run `cargo run -p schemagen` and commit the result",
        path.display()
    );
}

#[test]
fn schemas_are_strict_outside_metadata() {
    for file in schemagen::schemas() {
        let schema: serde_json::Value = serde_json::from_str(&file.contents).unwrap();
        assert_eq!(
            schema["additionalProperties"],
            false,
            "{}",
            file.path.display()
        );
        let defs = schema["$defs"].as_object().cloned().unwrap_or_default();
        for (name, def) in defs {
            if def["type"] == "object" && def.get("properties").is_some() && name != "ObjectMeta" {
                assert_eq!(
                    def["additionalProperties"],
                    false,
                    "{}: {name}",
                    file.path.display()
                );
            }
        }
    }
}
