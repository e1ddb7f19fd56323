#!/usr/bin/env bash
# Creates .dev.vars with freshly generated secrets, or adds the ones an older .dev.vars lacks.
# Never overwrites a value and never prints a secret.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
umask 077
random() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }
hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
if [ ! -f .dev.vars ]; then
  cat > .dev.vars <<'VARS'
# Local development settings and secrets for `make dev`. Never commit this file.
DOVECOTE_ENV=development
# To sign in with GitHub instead of the password, uncomment and fill in a GitHub App's
# credentials (its callback URL: http://127.0.0.1:8787/callback). See docs/sign-in.md.
# GITHUB_CLIENT_ID=
# GITHUB_CLIENT_SECRET=
# With GitHub sign-in nobody gets in until you name someone: OPERATORS (operator powers:
# environment profiles, notifications) and/or ALLOWED_USERNAMES (members; * for everyone).
# OPERATORS=your-github-login
# ALLOWED_USERNAMES=your-github-login
# A repository webhook (no GitHub App) stores its events under this account; set it to the
# repository's owner to receive them (docs/webhooks.md):
# WEBHOOK_DEFAULT_TENANT=your-github-login
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
add GITHUB_WEBHOOK_SECRET "The secret of your GitHub webhook: paste it as the webhook's Secret (docs/webhooks.md)." "$(hex 32)"
# GitHub sign-in fails closed: say which variable lets someone in.
set_in() { grep -Eq "^$1=[[:space:]]*[^[:space:]]" .dev.vars; }
if set_in GITHUB_CLIENT_ID && ! set_in ALLOWED_USERNAMES && ! set_in OPERATORS; then
  echo "GitHub sign-in is on but lets nobody in: set OPERATORS=<your GitHub login> (and ALLOWED_USERNAMES=<logins>, or * for every GitHub account) in .dev.vars"
fi
if [ -n "${created:-}" ]; then
  echo "created .dev.vars with fresh secrets; your sign-in password is OAUTH_PASSWORD in that file"
elif [ ${#added[@]} -gt 0 ]; then
  echo "added to .dev.vars: ${added[*]} (your sign-in password is OAUTH_PASSWORD in that file)"
fi
