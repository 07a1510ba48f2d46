#!/usr/bin/env bash
# Benchmarks for docs/benchmarks.md: run on an idle machine, copy the figures by hand.
# Needs hyperfine and GNU time (apt-get install hyperfine time) and a release build
# (cargo build --release --workspace, which also builds the functions' native binaries).
# The in-process figures (native vs wasm per call, host overhead) come from
# cargo bench -p krmwasm --bench functions.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$PWD/target/release/krmwasm"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KRMWASM_CACHE_DIR="$work/cache"
config=examples/kpt/shop/image-config.yaml

# Peak RSS counts the pages of krmwasm's binary and of the compiled entry that a run maps, and
# how many one touch maps depends on how the file came into the page cache: a file just
# written in one piece is held in large folios, each mapped whole on its first touch, a file
# read back in small ones (docs/benchmarks.md, "Peak RSS and the page cache"). So each peak is
# taken as the files are after building and compiling, and again after `settle` wrote them
# out and dropped them, so that the run reads them back as after a reboot.
settle() {
  python3 - "$@" <<'PY'
import os, sys
for path in sys.argv[1:]:
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
PY
}
# Peak RSS in KiB of a command, its stdin redirected by the caller.
peak_rss() {
  /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>&1
  tail -1 "$work/rss"
}

# Inputs: an ImageConfig with 1,000 images; 10,000 unrelated resources to pass through.
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
images = [{"name": f"app-{i}", "git": {"url": f"https://git.example.com/app-{i}"}} for i in range(1000)]
cfg = {"apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "ImageConfig",
       "metadata": {"name": "bench", "namespace": "apps"},
       "spec": {"defaults": {"registry": "registry.example.com/bench", "builder": "base"}, "images": images}}
open(f"{work}/config-1000.json", "w").write(json.dumps(cfg))
with open(f"{work}/kpack-10000.yaml", "w") as f:
    f.write("apiVersion: kpack.io/v1alpha2\nkind: ClusterBuilder\nmetadata: {name: base}\nspec:\n  tag: registry.example.com/builders/base\n  stack: {kind: ClusterStack, name: base}\n  serviceAccountRef: {name: kpack, namespace: kpack}\n  order: [{group: [{id: paketo-buildpacks/java}]}]\n")
    for i in range(9999):
        f.write(f"---\napiVersion: kpack.io/v1alpha2\nkind: Image\nmetadata:\n  name: app-{i}\n  namespace: apps\nspec:\n  tag: registry.example.com/apps/app-{i}\n  builder: {{kind: ClusterBuilder, name: base}}\n  serviceAccountName: builds\n  source:\n    git: {{url: https://git.example.com/app-{i}, revision: main}}\n  build:\n    env:\n    - {{name: BP_JVM_VERSION, value: '21'}}\n")
with open(f"{work}/resources-10000.yaml", "w") as f:
    for i in range(10000):
        f.write(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: apps\n  labels: {{app: a{i % 50}}}\ndata:\n  key: value-{i}\n")
PY

"$bin" run kpack-image --fn-config "$config" --input /dev/null >/dev/null   # fill the cache
hyperfine -N --warmup 3 --runs 30 \
  -n "2 images, cached module" "$bin run kpack-image --fn-config $config --input /dev/null" \
  -n "1,000 images" "$bin run kpack-image --fn-config $work/config-1000.json --input /dev/null" \
  -n "2 images + 10,000 resources passed through" "$bin run kpack-image --fn-config $config --input $work/resources-10000.yaml"
hyperfine -N --warmup 1 --runs 10 \
  -n "kpack-validate, 10,000 kpack resources" "$bin run kpack-validate --input $work/kpack-10000.yaml"
hyperfine -N --runs 5 \
  -n "kpack-image first run (compiles the module)" "$bin --no-cache run kpack-image --fn-config $config --input /dev/null" \
  -n "kpack-builder first run (compiles the module)" "$bin --no-cache run kpack-builder --fn-config examples/kpt/builders/builder-config.yaml --input /dev/null" \
  -n "kpack-validate first run (compiles the module)" "$bin --no-cache run kpack-validate --input /dev/null"
hyperfine -N --warmup 3 --runs 30 \
  -n "kpack-validate, empty input (5.3 MB digest check + cached load)" "$bin run kpack-validate --input /dev/null" \
  -n "catalog list (built-in catalog)" "$bin catalog list"

# lint: 1,000 and 10,000 kpack manifests, one per file (an Image per file in directories of 100,
# plus a platform file with the ClusterBuilder, ClusterStack and ClusterStore they use), and
# the 10,000 as one multi-document file (as kustomize build writes them).
python3 - "$work" <<'PY'
import os, sys
work = sys.argv[1]
platform = """apiVersion: kpack.io/v1alpha2
kind: ClusterBuilder
metadata: {name: base}
spec:
  tag: registry.example.com/builders/base
  stack: {kind: ClusterStack, name: base}
  store: {kind: ClusterStore, name: base}
  serviceAccountRef: {name: kpack, namespace: kpack}
  order: [{group: [{id: paketo-buildpacks/java}]}]
---
apiVersion: kpack.io/v1alpha2
kind: ClusterStack
metadata: {name: base}
spec:
  id: io.buildpacks.stacks.jammy
  buildImage: {image: paketobuildpacks/build-jammy-base}
  runImage: {image: paketobuildpacks/run-jammy-base}
---
apiVersion: kpack.io/v1alpha2
kind: ClusterStore
metadata: {name: base}
spec:
  sources: [{image: paketobuildpacks/java}]
"""
def image(i):
    return (f"apiVersion: kpack.io/v1alpha2\nkind: Image\nmetadata:\n  name: app-{i}\n  namespace: apps\n"
            f"spec:\n  tag: registry.example.com/apps/app-{i}\n  builder: {{kind: ClusterBuilder, name: base}}\n"
            f"  serviceAccountName: builds\n  source:\n    git: {{url: https://git.example.com/app-{i}, revision: main}}\n"
            f"  build:\n    env:\n    - {{name: BP_JVM_VERSION, value: '21'}}\n")
for n in (1000, 10000):
    tree = f"{work}/lint-{n}"
    os.makedirs(f"{tree}/platform")
    open(f"{tree}/platform/builders.yaml", "w").write(platform)
    for i in range(n - 3):
        team = f"{tree}/apps/team-{i // 100:03d}"
        os.makedirs(team, exist_ok=True)
        open(f"{team}/app-{i}.yaml", "w").write(image(i))
with open(f"{work}/lint-10000.yaml", "w") as f:
    f.write(platform)
    for i in range(9997):
        f.write("---\n" + image(i))
PY
"$bin" lint "$work/lint-1000" >/dev/null
hyperfine -N --warmup 3 --runs 30 \
  -n "lint, 1,000 manifests in 998 files" "$bin lint $work/lint-1000"
hyperfine -N --warmup 1 --runs 15 \
  -n "lint, 10,000 manifests in 9,998 files" "$bin lint $work/lint-10000" \
  -n "lint, 10,000 manifests in one file" "$bin lint $work/lint-10000.yaml"

# Whole processes: each function's native binary against `krmwasm run` of its wasm build, at
# 10, 1,000 and 10,000 resources (JSON in, YAML out for both), and peak memory at 10,000.
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def image(n):
    images = [{"name": f"app-{i}", "git": {"url": f"https://git.example.com/app-{i}"}} for i in range(n)]
    return [], {"apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "ImageConfig", "metadata": {"name": "bench", "namespace": "apps"},
                "spec": {"defaults": {"registry": "registry.example.com/bench", "builder": "base"}, "images": images}}
def builder(n):
    bps = [{"id": f"example/bp-{i}", "image": f"registry.example.com/bp/bp-{i}:1.0.{i}"} for i in range(max(n - 3, 1))]
    return [], {"apiVersion": "kpack.krmwasm.dev/v1alpha1", "kind": "BuilderConfig", "metadata": {"name": "bench"},
                "spec": {"scope": "Cluster", "tag": "registry.example.com/builders/bench",
                         "serviceAccount": {"name": "kpack-builder", "namespace": "kpack"},
                         "stack": {"id": "io.buildpacks.stacks.jammy", "buildImage": "registry.example.com/stacks/build:1",
                                   "runImage": "registry.example.com/stacks/run:1"},
                         "lifecycle": "registry.example.com/lifecycle:0.20.5", "buildpacks": bps,
                         "order": [{"group": ["example/bp-0"]}], "store": "ClusterBuildpack"}}
def validate(n):
    items = [{"apiVersion": "kpack.io/v1alpha2", "kind": "ClusterBuilder", "metadata": {"name": "base"},
              "spec": {"tag": "registry.example.com/builders/base", "stack": {"kind": "ClusterStack", "name": "base"},
                       "serviceAccountRef": {"name": "kpack", "namespace": "kpack"}, "order": [{"group": [{"id": "paketo-buildpacks/java"}]}]}}]
    items += [{"apiVersion": "kpack.io/v1alpha2", "kind": "Image", "metadata": {"name": f"app-{i}", "namespace": "apps"},
               "spec": {"tag": f"registry.example.com/apps/app-{i}", "builder": {"kind": "ClusterBuilder", "name": "base"},
                        "serviceAccountName": "builds", "source": {"git": {"url": f"https://git.example.com/app-{i}", "revision": "main"}}}}
              for i in range(n - 1)]
    return items, None
for name, make in (("kpack-image", image), ("kpack-builder", builder), ("kpack-validate", validate)):
    for n in (10, 1000, 10000):
        items, config = make(n)
        rl = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": items}
        if config:
            rl["functionConfig"] = config
        json.dump(rl, open(f"{work}/{name}-{n}.json", "w"))
PY
for fn in kpack-image kpack-builder kpack-validate; do
  "$bin" run "$fn" <"$work/$fn-10.json" >/dev/null   # compile and cache the module
  # Taken in turn (scripts/interleave.py), so that the machine's drift does not fall on one
  # side of the ratio.
  for n in 10 1000 10000; do
    rounds=$((n == 10000 ? 15 : 30))
    python3 scripts/interleave.py "$rounds" \
      "$fn native, $n=target/release/$fn <$work/$fn-$n.json" \
      "$fn through krmwasm, $n=$bin run $fn <$work/$fn-$n.json"
  done
  size=$(stat -c %s "$work/$fn-10000.json")
  native=$(peak_rss "target/release/$fn" <"$work/$fn-10000.json")
  hosted=$(peak_rss "$bin" run "$fn" <"$work/$fn-10000.json")
  settle "target/release/$fn" "$bin" "$KRMWASM_CACHE_DIR"/compiled/*
  native_back=$(peak_rss "target/release/$fn" <"$work/$fn-10000.json")
  hosted_back=$(peak_rss "$bin" run "$fn" <"$work/$fn-10000.json")
  echo "$fn, 10,000 resources: input $((size / 1024)) KiB; peak RSS native ${native} KiB" \
    "(${native_back} read back), through krmwasm ${hosted} KiB (${hosted_back} read back)" \
    "(target $((3 * size / 1024 + 30 * 1024)) KiB)"
done

# An exec call, as kpt and kustomize make it (the function found by its functionConfig's kind),
# against the same call through `run kpack-image`.
python3 scripts/interleave.py 60 \
  "run kpack-image, 10 images=$bin run kpack-image <$work/kpack-image-10.json" \
  "exec call, 10 images=$bin <$work/kpack-image-10.json"

# The same 10,000 kpack resources as a YAML ResourceList, as kustomize and kpt send them
# (written by kpack-validate itself, so with its one warning among the results).
"$bin" run -o yaml kpack-validate <"$work/kpack-validate-10000.json" 2>/dev/null \
  >"$work/kpack-validate-10000.yaml"
size=$(stat -c %s "$work/kpack-validate-10000.yaml")
settle "$bin" "$KRMWASM_CACHE_DIR"/compiled/*
hosted_back=$(peak_rss "$bin" run kpack-validate <"$work/kpack-validate-10000.yaml")
rm -r "$KRMWASM_CACHE_DIR/compiled"   # compiled again: its entry as written, in one piece
"$bin" run kpack-validate <"$work/kpack-validate-10.json" >/dev/null
hosted=$(peak_rss "$bin" run kpack-validate <"$work/kpack-validate-10000.yaml")
echo "kpack-validate, 10,000 resources as YAML: input $((size / 1024)) KiB; peak RSS through" \
  "krmwasm ${hosted} KiB (${hosted_back} read back) (target $((3 * size / 1024 + 30 * 1024)) KiB)"
python3 scripts/interleave.py 15 \
  "kpack-validate native, 10,000 as YAML=target/release/kpack-validate <$work/kpack-validate-10000.yaml" \
  "kpack-validate through krmwasm, 10,000 as YAML=$bin run kpack-validate <$work/kpack-validate-10000.yaml"

# A generator run again on its own output (kpt fn render on a package that holds what the
# function wrote last time): every object it generated is met again and replaced in place.
"$bin" run -o json kpack-image <"$work/kpack-image-10000.json" >"$work/kpack-image-rerun.json"
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
out = json.load(open(f"{work}/kpack-image-rerun.json"))
out["functionConfig"] = json.load(open(f"{work}/kpack-image-10000.json"))["functionConfig"]
json.dump(out, open(f"{work}/kpack-image-rerun.json", "w"))
PY
hyperfine --warmup 1 --runs 5 \
  -n "kpack-image native, re-run on its 10,000 images" "target/release/kpack-image <$work/kpack-image-rerun.json" \
  -n "kpack-image through krmwasm, re-run on its 10,000 images" "$bin run kpack-image <$work/kpack-image-rerun.json"

# OCI: a local registry (Debian's docker-registry, as the tests use) on a free loopback port.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/registry"
printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:%s}\n' \
  "$work/registry" "$port" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
trap 'kill "$registry_pid"; rm -rf "$work"' EXIT
until curl -fs "http://127.0.0.1:$port/v2/" >/dev/null; do sleep 0.1; done
ref="127.0.0.1:$port/krmwasm/kpack-validate:bench"
"$bin" push kpack-validate "$ref" >/dev/null 2>&1
hyperfine -N --runs 20 \
  -n "push kpack-validate (5.3 MB) to a loopback registry" "$bin push kpack-validate $ref" \
  -n "pull kpack-validate, empty cache" --prepare "rm -rf $work/cache/blobs $work/cache/refs" "$bin pull $ref -o $work/pulled.wasm"

# A run whose trusted catalog comes from the registry, pinned by digest (as docs/catalog.md
# advises), against the same catalog from a file: after the first run neither touches the
# network.
catalog_ref=$("$bin" push catalog.yaml "127.0.0.1:$port/krmwasm/catalog:bench" 2>/dev/null)
"$bin" --trusted-catalog "oci://$catalog_ref" run kpack-image --fn-config "$config" --input /dev/null >/dev/null
hyperfine -N --warmup 3 --runs 30 \
  -n "run kpack-image, catalog pinned by digest from a registry" \
  "$bin --trusted-catalog oci://$catalog_ref run kpack-image --fn-config $config --input /dev/null" \
  -n "run kpack-image, the same catalog from its file" \
  "$bin --trusted-catalog catalog.yaml run kpack-image --fn-config $config --input /dev/null"
