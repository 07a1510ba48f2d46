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
  echo "fuzz: $target for $minutes minute(s)"
  # ASan is left off: the code under test is safe Rust, and it would slow every run.
  cargo fuzz run --release --sanitizer none "$target" "$corpus" -- \
    -max_total_time=$((minutes * 60)) -max_len=65536 -timeout=10 -rss_limit_mb=4096
done
