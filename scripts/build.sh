#!/usr/bin/env bash
# Builds the Worker into build/<name>/ with worker-build.
#   scripts/build.sh <name> [--opt] [--crate <dir>] [cargo options…]
# Without --opt wasm-opt is skipped (quicker; tests and `make dev` use that). --crate builds
# another Worker crate of the workspace (the benchmark floor) instead of gateway/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
name=$1; shift
opt=(--no-opt)
if [ "${1:-}" = "--opt" ]; then opt=(); shift; fi
crate=gateway
if [ "${1:-}" = "--crate" ]; then crate=$2; shift 2; fi
# The commit this build comes from, shown by GET /health (`-dirty` with uncommitted changes).
DOVECOTE_BUILD=$(git -C "$ROOT" describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)
export DOVECOTE_BUILD
cd "$ROOT/$crate"
worker-build --release "${opt[@]}" --out-dir "$ROOT/build/$name" "$@"
test -f "$ROOT/build/$name/index.js" && test -f "$ROOT/build/$name/index_bg.wasm"
# worker-build writes into the output folder; keep git out of it.
echo '*' > "$ROOT/build/$name/.gitignore"
