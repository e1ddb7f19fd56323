#!/usr/bin/env bash
# Builds the Worker into build/<name>/ with worker-build.
#   scripts/build.sh <name> [--opt] [cargo options…]
# Without --opt wasm-opt is skipped (quicker; tests and `make dev` use that).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
name=$1; shift
opt=(--no-opt)
if [ "${1:-}" = "--opt" ]; then opt=(); shift; fi
cd "$ROOT/gateway"
worker-build --release "${opt[@]}" --out-dir "../build/$name" "$@"
test -f "$ROOT/build/$name/index.js" && test -f "$ROOT/build/$name/index_bg.wasm"
# worker-build writes into the output folder; keep git out of it.
echo '*' > "$ROOT/build/$name/.gitignore"
