#!/usr/bin/env bash
# Creates .dev.vars with freshly generated secrets, unless one exists. Never prints a secret.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -f .dev.vars ]; then exit 0; fi
umask 077
random() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }
cat > .dev.vars <<VARS
# Local development settings and secrets for \`make dev\`. Never commit this file.
DOVECOTE_ENV=development
# The password of the sign-in page (/authorize). Change it to one you like.
OAUTH_PASSWORD=$(random 12 | tr '+/' '-_')
# HMAC key for MCP session ids and the sign-in form's CSRF tokens: 32 random bytes, base64.
DOVECOTE_SIGNING_KEY=$(random 32)
# AES-256-GCM key that seals what a grant carries: 32 random bytes, base64.
DOVECOTE_ENCRYPTION_KEY=$(random 32)
VARS
echo "created .dev.vars with fresh secrets; your sign-in password is OAUTH_PASSWORD in that file"
