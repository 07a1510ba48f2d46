#!/usr/bin/env bash
# The test command: sets up what is missing, checks formatting, runs every test.
# One release build serves the host, the embedded wasm functions and the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo fmt --all --check

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --release --workspace --locked --no-fail-fast 2>&1 | tee "$log" || status=$?
# The benchmarks, each run once with its assertions (divan's test mode), so they cannot rot.
cargo bench --workspace --locked --bench functions -- --test || status=$?

# cargo prints one "test result" line per test binary, the last often for an empty doc-test
# run; close with the totals so the run is read as a whole.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
     END { printf "total: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
