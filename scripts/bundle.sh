#!/usr/bin/env bash
# Packs dovecote-bridge into an MCP Bundle (.mcpb) for one platform with @anthropic-ai/mcpb:
#   scripts/bundle.sh <binary> <platform: linux|darwin|win32> <output.mcpb>
# The manifest is bridge/mcpb/manifest.json with the version, binary name and platform
# filled in; it is validated before packing. mcpb is installed into .tools/mcpb once.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
MCPB_VERSION=2.1.2
binary=${1:?usage: scripts/bundle.sh <binary> <linux|darwin|win32> <output.mcpb>}
platform=${2:?platform: linux, darwin or win32}
output=${3:?output .mcpb path}
case "$platform" in linux|darwin|win32) ;; *) echo "platform must be linux, darwin or win32, not $platform" >&2; exit 2;; esac
[ -f "$binary" ] || { echo "no bridge binary at $binary (cargo build -p dovecote-bridge --release)" >&2; exit 2; }

mcpb="$TOOLS/mcpb/node_modules/.bin/mcpb"
if [ "$("$mcpb" --version 2>/dev/null)" != "$MCPB_VERSION" ]; then
  mkdir -p "$TOOLS/mcpb"
  [ -f "$TOOLS/mcpb/package.json" ] || echo '{"private":true}' > "$TOOLS/mcpb/package.json"
  (cd "$TOOLS/mcpb" && npm install --no-audit --no-fund --loglevel=error "@anthropic-ai/mcpb@$MCPB_VERSION")
fi

name=dovecote-bridge
[ "$platform" = win32 ] && name=dovecote-bridge.exe
version=$(awk -F'"' '/^version = /{print $2; exit}' bridge/Cargo.toml)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/server"
cp "$binary" "$stage/server/$name"
chmod 755 "$stage/server/$name"
sed -e "s/@VERSION@/$version/" -e "s/@BINARY@/$name/g" -e "s/@PLATFORM@/$platform/" \
  bridge/mcpb/manifest.json > "$stage/manifest.json"
"$mcpb" validate "$stage/manifest.json" >/dev/null
mkdir -p "$(dirname "$output")"
"$mcpb" pack "$stage" "$output" >/dev/null
echo "packed $output ($platform, dovecote-bridge $version)"
