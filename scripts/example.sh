#!/usr/bin/env bash
# The main job on the shipped example: builds krmwasm, then renders examples/kpt/shop with
# kpt (in a scratch copy), which runs krmwasm on image-config.yaml and writes kpack Images.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --locked -p krmwasm
bin_dir="$PWD/target/release"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples/kpt/shop "$work/shop"
(cd "$work/shop" && PATH="$bin_dir:$PATH" kpt fn render --allow-exec)

echo
echo "Generated from examples/kpt/shop/image-config.yaml:"
for file in "$work"/shop/apps/*.yaml; do
  echo "--- # ${file#"$work/shop/"}"
  cat "$file"
done
