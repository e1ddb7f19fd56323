#!/usr/bin/env bash
# Packs the npm packages of the bridge into <out-dir> (one .tgz each, via `npm pack`):
#   scripts/npm-pack.sh <out-dir> <platform>=<binary> [<platform>=<binary> …]
# the wrapper (npm/dovecote-bridge, with bridge/README.md) and, for each platform given
# (linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64), its package with the binary
# in bin/. The release workflow publishes these tarballs; e2e/npm.test.mjs installs them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=${1:?usage: scripts/npm-pack.sh <out-dir> <platform>=<binary>...}
shift
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -R npm/dovecote-bridge "$stage/wrapper"
cp bridge/README.md "$stage/wrapper/README.md"
(cd "$stage/wrapper" && npm pack --silent --pack-destination "$out" >/dev/null)
for pair in "$@"; do
  platform=${pair%%=*}
  binary=${pair#*=}
  [ -d "npm/platforms/$platform" ] || { echo "no package for platform $platform (npm/platforms/)" >&2; exit 2; }
  [ -f "$binary" ] || { echo "no bridge binary at $binary" >&2; exit 2; }
  exe=dovecote-bridge
  [ "${platform%%-*}" = win32 ] && exe=dovecote-bridge.exe
  cp -R "npm/platforms/$platform" "$stage/$platform"
  mkdir -p "$stage/$platform/bin"
  cp "$binary" "$stage/$platform/bin/$exe"
  chmod 755 "$stage/$platform/bin/$exe"
  (cd "$stage/$platform" && npm pack --silent --pack-destination "$out" >/dev/null)
done
ls "$out"/*.tgz
