#!/usr/bin/env bash
# Deploys the optimized build (build/release, made by `make deploy`) with `wrangler deploy`:
# the production Worker, or the staging one with ENV=staging.
#   scripts/deploy.sh [--dry-run]
# --dry-run checks the upload and its bindings without publishing anything; it needs no
# Cloudflare login (`make test` runs it for both environments). WRANGLER_CONFIG names another
# configuration than wrangler.toml.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

die() { printf 'deploy: %s\n' "$*" >&2; exit 1; }
dry_run=
[ "${1:-}" = "--dry-run" ] && dry_run=1

# Each environment's KV namespace id until the user puts theirs in wrangler.toml.
case "${ENV:-}" in
  "" | production) env_args=(--env ""); label=production; placeholder=00000000000000000000000000000000 ;;
  staging) env_args=(--env staging); label=staging; placeholder=11111111111111111111111111111111 ;;
  *) die "ENV is \`$ENV\`; use ENV=staging, or leave ENV unset for production" ;;
esac

config=${WRANGLER_CONFIG:-wrangler.toml}
script=build/release/index.js
[ -f "$script" ] || die "$script is missing: run \`make deploy\`, which builds it first"

if [ -z "$dry_run" ] && grep -q "id = \"$placeholder\"" "$config"; then
  flag=; [ "$label" = staging ] && flag=" --env staging"
  die "$config still has the placeholder KV namespace id for $label.
  Create the namespace:  npx wrangler kv namespace create DOVECOTE_KV$flag
  and put the id it prints in place of $placeholder in $config."
fi

if [ -n "$dry_run" ]; then
  wrangler deploy "$script" --config "$config" "${env_args[@]}" --dry-run --outdir "build/dry-run-$label"
  exit 0
fi

wrangler deploy "$script" --config "$config" "${env_args[@]}"
cat <<MSG

Deployed $label. Next:
  - secrets, if not done yet:   make secrets${ENV:+ ENV=$ENV}
  - check it:                   make verify URL=https://<the URL printed above>
  - connect Claude.ai with that URL followed by /mcp
MSG
