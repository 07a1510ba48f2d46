#!/usr/bin/env bash
# Installs what building and testing krmwasm needs and a fresh machine may lack:
# the pinned Rust toolchain with the wasm32-wasip1 target. Checks for kpt and kubectl,
# which the end-to-end tests run for real. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

toolchain=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
  echo "setup: installing Rust $toolchain"
  rustup toolchain install "$toolchain" --profile minimal -c rustfmt,clippy -t wasm32-wasip1
fi
if ! rustup target list --installed --toolchain "$toolchain" | grep -qx wasm32-wasip1; then
  echo "setup: adding the wasm32-wasip1 target to Rust $toolchain"
  rustup target add --toolchain "$toolchain" wasm32-wasip1
fi
if ! rustup component list --installed --toolchain "$toolchain" | grep -q '^rustfmt'; then
  rustup component add --toolchain "$toolchain" rustfmt
fi

missing=()
for tool in kpt kubectl; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
  echo "setup: ${missing[*]} not found on PATH. The end-to-end tests run the real kpt" >&2
  echo "(1.0.0-beta.56) and kubectl (Kustomize v5.5.0); install them and run again." >&2
  exit 1
fi
