#!/usr/bin/env bash
# Writes a copy of a tools.toml with every tool's rate raised to 1000/second (the most a rate
# can be), for the builds `make bench` measures: same code as the deployed build, but calls
# are not refused by the per-caller limit after the first few hundred, so the bench measures
# tool calls rather than refusals. Every call still takes its unit from the RateLimiter
# Durable Object. Rewrites the output only when it changes, so cargo does not rebuild for it.
#   bench/manifest.sh <tools.toml> <output>
set -euo pipefail
tmp=$(mktemp)
sed -E 's|^rate = "[^"]*"|rate = "1000/second"|' "$1" > "$tmp"
grep -q '^rate = "1000/second"' "$tmp" || { echo "bench/manifest.sh: no rate = lines in $1" >&2; exit 1; }
mkdir -p "$(dirname "$2")"
if cmp -s "$tmp" "$2"; then rm "$tmp"; else mv "$tmp" "$2"; fi
