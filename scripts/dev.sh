#!/usr/bin/env bash
# Serves build/default with `wrangler dev` (workerd, local KV and SQLite Durable Objects
# under .wrangler/state) on 127.0.0.1:$PORT, after saying how to connect.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
PORT=${PORT:-8787}
url="http://127.0.0.1:$PORT/mcp"
tenant=$(sed -n 's/^WEBHOOK_DEFAULT_TENANT=\(..*\)$/set to \1/p' .dev.vars 2>/dev/null | tail -1)
tenant=${tenant:-"not set yet; add WEBHOOK_DEFAULT_TENANT=<owner> and restart make dev"}
cat <<MSG

  Dovecote is starting on $url

  Connect a client:
    Claude Code      claude mcp add dovecote -e DOVECOTE_URL=$url -- npx -y dovecote-bridge
                     (the bridge adds GitHub events as channel messages; without it:
                      claude mcp add --transport http dovecote $url)
    MCP Inspector    node_modules/.bin/mcp-inspector --cli $url --method tools/list
    Claude.ai        Settings → Connectors → Add custom connector → URL ending in /mcp
                     (Claude.ai needs a public https URL: deploy, or tunnel to this port)

  GitHub webhooks to this gateway:
    1. Expose the port:  cloudflared tunnel --url http://127.0.0.1:$PORT
       (or any tunnel; it prints an https://….trycloudflare.com address)
    2. Repository → Settings → Webhooks → Add webhook: Payload URL
       https://<tunnel address>/webhooks/github, Content type application/json,
       Secret: GITHUB_WEBHOOK_SECRET from .dev.vars
    3. A repository webhook needs WEBHOOK_DEFAULT_TENANT (the account its events land
       under) in .dev.vars: $tenant

  Stop with Ctrl-C. State persists in .wrangler/state.

MSG
exec wrangler dev --ip 127.0.0.1 --port "$PORT" --persist-to .wrangler/state \
  --show-interactive-dev-session=false
