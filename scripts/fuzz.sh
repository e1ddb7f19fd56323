#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/) for FUZZ_SECONDS each — by default about five
# minutes in all — and prints the executions per target. Installs cargo-fuzz into .tools/cargo
# when it is missing (only here: `make test` never needs it). Stable Rust: no sanitizer.
#
# Each target starts from its committed seeds (fuzz/corpus/<target>, read only) and grows a
# working corpus in fuzz/work/<target> (ignored by git). A crash lands in
# fuzz/artifacts/<target>/crash-*, which `make test` then replays (and fails) until it is
# fixed; move it to fuzz/regressions/<target>/ with the fix. FUZZ_TARGETS="a b" runs only those.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

CARGO_FUZZ_VERSION=0.13.2
TOTAL_SECONDS=300

if [ "$("$TOOLS/cargo/bin/cargo-fuzz" --version 2>/dev/null | awk '{print $NF}')" != "$CARGO_FUZZ_VERSION" ]; then
  printf '\033[1m==> %s\033[0m\n' "installing cargo-fuzz $CARGO_FUZZ_VERSION into .tools/cargo (a few minutes, once)"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --root "$TOOLS/cargo" --locked --quiet
fi

read -r -a targets <<< "${FUZZ_TARGETS:-$(cargo fuzz list --fuzz-dir fuzz | tr '\n' ' ')}"
seconds=${FUZZ_SECONDS:-$(( TOTAL_SECONDS / ${#targets[@]} ))}

echo "==> building ${#targets[@]} fuzz targets"
cargo fuzz build --fuzz-dir fuzz --sanitizer none

failed=()
summary=()
for target in "${targets[@]}"; do
  mkdir -p "fuzz/work/$target"
  log="fuzz/work/$target.log"
  echo "==> $target for ${seconds}s"
  status=0
  cargo fuzz run --fuzz-dir fuzz --sanitizer none "$target" "fuzz/work/$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
    > "$log" 2>&1 || status=$?
  runs=$(awk '/^stat::number_of_executed_units:/{print $NF}' "$log" | tail -1)
  speed=$(awk '/^stat::average_exec_per_sec:/{print $NF}' "$log" | tail -1)
  inputs=$(find "fuzz/work/$target" -type f | wc -l)
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    grep -E 'panicked at|Test unit written to' "$log" | head -4 || true
  fi
  summary+=("$(printf '%-20s %12s runs %8s/s %6s inputs  %s' "$target" "${runs:-?}" "${speed:-?}" "$inputs" \
    "$([ "$status" -eq 0 ] && echo ok || echo "FAILED (see $log)")")")
done

echo
echo "==> executions per target (${seconds}s each)"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzzing found crashes in: ${failed[*]} (inputs in fuzz/artifacts/; replay: cargo test -p dovecote-gateway --test fuzz_corpus)" >&2
  exit 1
fi
