#!/usr/bin/env bash
# Creates .dev.vars with freshly generated secrets, unless one exists. Never prints a secret.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -f .dev.vars ]; then exit 0; fi
umask 077
key=$(head -c 32 /dev/urandom | base64)
cat > .dev.vars <<VARS
# Local development settings and secrets for \`make dev\`. Never commit this file.
DOVECOTE_ENV=development
# HMAC key for MCP session ids: 32 random bytes, base64.
DOVECOTE_SIGNING_KEY=$key
VARS
echo "created .dev.vars with a fresh DOVECOTE_SIGNING_KEY"
