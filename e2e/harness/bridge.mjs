// Starts dovecote-bridge (target/debug, built by `make`) as an MCP client would: a subprocess
// on stdio, driven by the official MCP TypeScript SDK client. Captures its stderr (where it
// prints the sign-in URL) and every notification it sends.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ROOT } from "./worker.mjs";

export const BRIDGE = join(ROOT, "target/debug/dovecote-bridge");

/** A fresh folder for the bridge's stored sign-in. */
export const configDir = () => mkdtempSync(join(tmpdir(), "dovecote-bridge-"));

/**
 * Starts the bridge (`command`, default the one built here) with `env` and connects an SDK
 * client to it, declaring `capabilities` and answering the bridge's requests with `handlers`
 * ([schema, handler] pairs, e.g. elicitation).
 * Returns {client, notifications, stderr(), waitFor(pred, ms), close()}.
 */
export async function startBridge(env, { connect = true, command = BRIDGE, capabilities = {}, handlers = [] } = {}) {
  if (!existsSync(command)) throw new Error(`${command} is missing: run make test (it builds the bridge)`);
  const transport = new StdioClientTransport({
    command,
    env: { PATH: process.env.PATH, HOME: process.env.HOME ?? "/tmp", DOVECOTE_NO_BROWSER: "1", ...env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr.on("data", (d) => (stderr += d));
  const notifications = [];
  const client = new Client({ name: "bridge-e2e", version: "1.0.0" }, { capabilities });
  for (const [schema, handler] of handlers) client.setRequestHandler(schema, handler);
  client.fallbackNotificationHandler = async (n) => notifications.push(n);
  const waitFor = async (pred, ms = 15_000, what = "condition") => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const found = pred();
      if (found) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}; bridge stderr:\n${stderr}`);
  };
  if (connect) await client.connect(transport);
  return {
    client,
    transport,
    notifications,
    stderr: () => stderr,
    waitFor,
    close: () => client.close(),
  };
}
