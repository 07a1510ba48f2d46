#!/usr/bin/env bash
# Fuzzes each target in fuzz/ for N minutes (default 5): ResourceList reading, kpack-image,
# kpack-builder and kpack-validate over whole ResourceLists (see tools/fuzz-targets).
#   bash scripts/fuzz.sh [MINUTES] [TARGET…]
# Needs cargo-fuzz (installed here if missing). cargo-fuzz uses nightly-only compiler flags;
# the project's stable toolchain accepts them with RUSTC_BOOTSTRAP=1, so no second toolchain
# is needed. Seeds: the functions' golden inputs, the examples and, when present beside the
# repository, the real-world corpus. A crash is saved under fuzz/artifacts/<target>/: copy it
# into tools/fuzz-targets/regressions/<target>/, fix the bug, and `cargo test` replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-5}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(resource_list image_config builder_config validator)

command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1

for target in "${targets[@]}"; do
  corpus=fuzz/corpus/$target
  mkdir -p "$corpus"
  for seed in functions/*/tests/golden/*/input.yaml examples/*/*/*.yaml; do
    cp "$seed" "$corpus/seed-$(echo "$seed" | tr / _)"
  done
  if [[ -d ../shared/corpus/kpack-real ]]; then
    find ../shared/corpus/kpack-real -name '*.yaml' -size -64k | while read -r f; do
      cp "$f" "$corpus/real-$(echo "${f#../shared/corpus/kpack-real/}" | tr / _)"
    done
  fi
  # The same seeds as JSON lists, compact and indented, so that the JSON readers (the host's
  # item-by-item JSON path among them) start from real lists too. Needs PyYAML; skipped
  # without it.
  python3 - "$corpus" <<'PY' || echo "fuzz: no JSON seeds (python3 with PyYAML not found)"
import glob, json, os, sys
import yaml
corpus = sys.argv[1]
for path in glob.glob(os.path.join(corpus, "seed-*")) + glob.glob(os.path.join(corpus, "real-*")):
    try:
        documents = [d for d in yaml.safe_load_all(open(path)) if d is not None]
    except Exception:
        continue
    if len(documents) == 1 and isinstance(documents[0], dict) and documents[0].get("kind") == "ResourceList":
        listed = documents[0]
    else:
        listed = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": documents}
    name = os.path.basename(path)
    with open(os.path.join(corpus, f"json-{name}"), "w") as f:
        json.dump(listed, f, separators=(",", ":"), default=str)
    with open(os.path.join(corpus, f"jsonpretty-{name}"), "w") as f:
        json.dump(listed, f, indent=2, default=str)
PY
  echo "fuzz: $target for $minutes minute(s)"
  # ASan is left off: the code under test is safe Rust, and it would slow every run.
  cargo fuzz run --release --sanitizer none "$target" "$corpus" -- \
    -max_total_time=$((minutes * 60)) -max_len=65536 -timeout=10 -rss_limit_mb=4096
done
