//! Every input that once broke a fuzz target (regressions/<target>/) and every seed the
//! fuzzing script starts from (the golden inputs and examples), through every target.

use std::path::{Path, PathBuf};

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_in(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn regressions_stay_fixed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let mut replayed = 0;
    for (name, target) in fuzz_targets::TARGETS {
        assert!(root.join(name).is_dir(), "no regressions/{name}");
        for file in files_in(&root.join(name)) {
            if file.file_name().is_some_and(|n| n == "README.md") {
                continue;
            }
            let data = std::fs::read(&file).unwrap();
            eprintln!("{name}: {}", file.display());
            target(&data);
            replayed += 1;
        }
    }
    eprintln!("{replayed} regression inputs replayed");
}

#[test]
fn seeds_pass_every_target() {
    let mut seeds: Vec<PathBuf> = ["kpack-image", "kpack-builder", "kpack-validate"]
        .iter()
        .flat_map(|f| files_in(&repo().join("functions").join(f).join("tests/golden")))
        .filter(|p| p.file_name().is_some_and(|n| n == "input.yaml"))
        .collect();
    seeds.extend(
        files_in(&repo().join("examples"))
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "yaml")),
    );
    assert!(seeds.len() >= 8, "{seeds:?}");
    for seed in &seeds {
        let data = std::fs::read(seed).unwrap();
        for (name, target) in fuzz_targets::TARGETS {
            eprintln!("{name}: {}", seed.display());
            target(&data);
        }
    }
}
