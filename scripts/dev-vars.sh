#!/usr/bin/env bash
# Creates .dev.vars with freshly generated secrets, or adds the ones an older .dev.vars lacks.
# Never overwrites a value and never prints a secret.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
umask 077
random() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }
if [ ! -f .dev.vars ]; then
  cat > .dev.vars <<'VARS'
# Local development settings and secrets for `make dev`. Never commit this file.
DOVECOTE_ENV=development
# To sign in with GitHub instead of the password, uncomment and fill in a GitHub App's
# credentials (its callback URL: http://127.0.0.1:8787/callback). See docs/sign-in.md.
# GITHUB_CLIENT_ID=
# GITHUB_CLIENT_SECRET=
# ALLOWED_USERNAMES=your-github-login
VARS
  created=1
fi
added=()
add() {
  grep -q "^$1=" .dev.vars && return
  printf '# %s\n%s=%s\n' "$2" "$1" "$3" >> .dev.vars
  added+=("$1")
}
add OAUTH_PASSWORD "The password of the sign-in page (/authorize). Change it to one you like." "$(random 12 | tr '+/' '-_')"
add DOVECOTE_SIGNING_KEY "HMAC key for MCP session ids and the sign-in form's CSRF tokens: 32 random bytes, base64." "$(random 32)"
add DOVECOTE_ENCRYPTION_KEY "AES-256-GCM key that seals what a grant carries: 32 random bytes, base64." "$(random 32)"
if [ -n "${created:-}" ]; then
  echo "created .dev.vars with fresh secrets; your sign-in password is OAUTH_PASSWORD in that file"
elif [ ${#added[@]} -gt 0 ]; then
  echo "added to .dev.vars: ${added[*]} (your sign-in password is OAUTH_PASSWORD in that file)"
fi
