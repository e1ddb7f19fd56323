#!/usr/bin/env bash
# `make size`: where the deployed build's bytes go. Builds the gateway as `make deploy` does
# (release profile, wasm-bindgen, wasm-opt with gateway/Cargo.toml's flags) but keeps the
# function names, so that twiggy (installed into .tools/twiggy once) can attribute every
# function; then bench/size.mjs sums them by crate and by gateway module. The names are a
# section of their own, left out of the sums, so the totals match the deployed build's wasm.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
out="$ROOT/build/size"
mkdir -p "$out"
TWIGGY_VERSION=0.8.0
if [ "$("$TOOLS/twiggy/bin/twiggy" --version 2>/dev/null | awk '{print $NF}')" != "$TWIGGY_VERSION" ]; then
  printf '\033[1m==> installing twiggy %s into .tools/twiggy (a minute or two, once)\033[0m\n' "$TWIGGY_VERSION"
  cargo install twiggy --version "$TWIGGY_VERSION" --root "$TOOLS/twiggy" --quiet
fi
# Its own target folder: the deployed build's stays stripped and untouched.
CARGO_TARGET_DIR="$ROOT/target/size" CARGO_PROFILE_RELEASE_STRIP=false \
  cargo build --release --target wasm32-unknown-unknown -p dovecote-gateway --quiet
"$WASM_BINDGEN_BIN" --target bundler --keep-debug --out-dir "$out/bindgen" \
  "$ROOT/target/size/wasm32-unknown-unknown/release/dovecote_gateway.wasm"
# The deployed build's wasm-opt flags, as gateway/Cargo.toml gives them to worker-build, and the
# features rustc's wasm32 target emits, as that wasm-opt sees them.
read -ra opt_flags < <(sed -n '/^\[package\.metadata\.wasm-pack\.profile\.release\]/,/^\[/s/^wasm-opt = \[\(.*\)\]$/\1/p' \
  "$ROOT/gateway/Cargo.toml" | tr -d '",')
[ "${#opt_flags[@]}" -gt 0 ] || { echo "size: no wasm-opt flags in gateway/Cargo.toml" >&2; exit 1; }
"$WASM_OPT_BIN" "${opt_flags[@]}" -g --strip-dwarf --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$out/bindgen/dovecote_gateway_bg.wasm" -o "$out/named.wasm"
"$TOOLS/twiggy/bin/twiggy" top -n 1000000 --format csv "$out/named.wasm" > "$out/top.csv"
node bench/size.mjs "$out/top.csv" | tee "$out/report.txt"
