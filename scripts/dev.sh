#!/usr/bin/env bash
# Serves build/default with `wrangler dev` (workerd, local KV and SQLite Durable Objects
# under .wrangler/state) on 127.0.0.1:$PORT, after saying how to connect.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
PORT=${PORT:-8787}
url="http://127.0.0.1:$PORT/mcp"
cat <<MSG

  Dovecote is starting on $url

  Connect a client:
    Claude Code      claude mcp add --transport http dovecote $url
    MCP Inspector    node_modules/.bin/mcp-inspector --cli $url --method tools/list
    Claude.ai        Settings → Connectors → Add custom connector → URL ending in /mcp
                     (Claude.ai needs a public https URL: deploy, or tunnel to this port)

  Stop with Ctrl-C. State persists in .wrangler/state.

MSG
exec wrangler dev --ip 127.0.0.1 --port "$PORT" --persist-to .wrangler/state \
  --show-interactive-dev-session=false
