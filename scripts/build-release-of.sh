#!/usr/bin/env bash
# Builds the Worker as it was at an earlier commit into build/release-<commit>/, for the upgrade
# test (e2e/upgrade.test.mjs): a git worktree of that commit in a temporary folder, built with
# that commit's own scripts and Cargo.lock. Skipped when the folder is already there (the commit
# never changes, so neither does its build).
#   scripts/build-release-of.sh <commit>
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
commit=$(git -C "$ROOT" rev-parse --short=12 "$1^{commit}")
out="$ROOT/build/release-$commit"
if [ -f "$out/index.js" ] && [ -f "$out/index_bg.wasm" ]; then
  echo "$out"
  exit 0
fi
tmp=$(mktemp -d)
cleanup() {
  git -C "$ROOT" worktree remove --force "$tmp/src" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
git -C "$ROOT" worktree add --quiet --detach "$tmp/src" "$commit"
# The installed tools are shared; the build has its own target folder (kept, so a rebuild of
# the same commit after `make clean` is quick), seeded with this checkout's compiled
# dependencies when it has none.
ln -s "$TOOLS" "$tmp/src/.tools"
ln -s "$ROOT/node_modules" "$tmp/src/node_modules"
target="$ROOT/target/release-of"
if [ ! -d "$target" ] && [ -d "$ROOT/target/wasm32-unknown-unknown" ]; then
  mkdir -p "$target"
  cp -a "$ROOT/target/wasm32-unknown-unknown" "$target/"
  [ -d "$ROOT/target/release" ] && cp -a "$ROOT/target/release" "$target/"
fi
CARGO_TARGET_DIR="$target" "$tmp/src/scripts/build.sh" "release-$commit" >&2
mkdir -p "$ROOT/build"
rm -rf "$out"
mv "$tmp/src/build/release-$commit" "$out"
echo "$out"
