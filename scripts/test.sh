#!/usr/bin/env bash
# The test command: sets up what is missing, checks formatting, runs every test.
# One release build serves the host, the embedded wasm functions and the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo fmt --all --check
cargo test --release --workspace --locked --no-fail-fast
