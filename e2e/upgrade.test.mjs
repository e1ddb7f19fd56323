// Upgrade safety: an earlier release (the build `make e2e` makes of UPGRADE_FROM, passed in
// DOVECOTE_UPGRADE_FROM_BUILD) runs on a state folder and stores a grant, webhook events and a
// notification queued while Slack is down; then this build starts on the same folder, at the
// same address and with the same secrets, and reads every one of them back: the token still
// works and its refresh token rotates, the events are listed, and the queued notification is
// delivered once Slack is back. Class names, bindings, schemas and stored JSON must not change.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes, randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import { localOnly, ROOT, startWorker } from "./harness/worker.mjs";
import { signIn } from "./harness/signin.mjs";
import { withToken } from "./harness/mcp.mjs";
import * as slack from "./harness/services/slack.mjs";

const OLD = process.env.DOVECOTE_UPGRADE_FROM_BUILD;
const OPTIONS = OLD ? localOnly("two builds on one state folder") : { skip: "run through make e2e, which builds the earlier release" };
const SECRET = "upgrade-webhook-secret";
const SLACK_TOKEN = "xoxb-3333-4444-upgrade";

let sl;
let state;
let vars;

before(async () => {
  if (OPTIONS.skip) return;
  sl = await slack.startSlack({ webhookPath: "/services/T0/B0/upgrade", botToken: SLACK_TOKEN, channels: ["C0UP"] });
  state = mkdtempSync(join(tmpdir(), "dovecote-upgrade-"));
  vars = {
    DOVECOTE_SIGNING_KEY: randomBytes(32).toString("base64"),
    DOVECOTE_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    GITHUB_WEBHOOK_SECRET: SECRET,
    WEBHOOK_DEFAULT_TENANT: "upgrade-org",
    SLACK_INSTANCES: JSON.stringify([{ id: "bot", botToken: SLACK_TOKEN, channel: "C0UP", apiBase: sl.apiBase, allowAnyHost: true }]),
  };
});

after(async () => {
  await sl?.stop();
  if (state) rmSync(state, { recursive: true, force: true });
});

async function deliver(origin, number) {
  const id = randomUUID();
  const body = JSON.stringify({ action: "opened", issue: { number, title: `issue ${number}` }, repository: { full_name: "upgrade-org/app" } });
  const r = await fetch(`${origin}/webhooks/github`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "issues",
      "x-github-delivery": id,
      "x-hub-signature-256": await sign(SECRET, body),
      "cf-connecting-ip": "140.82.112.9",
    },
    body,
  });
  assert.equal(r.status, 202, await r.text());
  return id;
}

async function call(client, worker, name, args) {
  const r = await client.modern(worker.url, "tools/call", { name, arguments: args });
  assert.equal(r.status, 200, r.text);
  assert.ok(!r.json.result.isError, r.text);
  return r.json.result.structuredContent;
}

/**
 * The earlier release runs with its own wrangler.toml: today's binds classes (MCP_SESSIONS)
 * that its build does not export, which workerd refuses to start.
 */
function oldConfig() {
  const commit = OLD.match(/release-([0-9a-f]+)\/?$/)?.[1];
  const target = join(OLD, "wrangler.toml");
  if (commit && !existsSync(target)) {
    writeFileSync(target, execFileSync("git", ["show", `${commit}:wrangler.toml`], { cwd: ROOT }));
  }
}

test("what an earlier release stored is read back by this build", { ...OPTIONS, timeout: 180_000 }, async () => {
  oldConfig();
  sl.always({ status: 503, body: { ok: false, error: "service_unavailable" } });
  const old = await startWorker({ build: OLD, vars, state });
  let token, ids, queued;
  try {
    token = await signIn(old.origin, { scope: "dovecote:notify dovecote:events:read" });
    ids = [await deliver(old.origin, 1), await deliver(old.origin, 2)];
    queued = await call(withToken(token.access_token), old, "send_notification", { channel: "slack-bot", text: "queued before the upgrade" });
    assert.equal(queued.outcome, "queued", JSON.stringify(queued));
  } finally {
    await old.stop();
  }

  const current = await startWorker({ vars, state, port: old.port });
  try {
    const client = withToken(token.access_token);
    const events = await fetch(`${current.origin}/pending-events`, { headers: { authorization: `Bearer ${token.access_token}` } });
    const listed = await events.json();
    assert.equal(events.status, 200, JSON.stringify(listed));
    assert.deepEqual(listed.events.map((e) => e.id).sort(), [...ids].sort());

    const status = await call(client, current, "get_notification_status", { id: queued.id });
    assert.equal(status.state, "queued", JSON.stringify(status));
    sl.always(null);
    const deadline = Date.now() + 60_000;
    let now = status;
    while (now.state !== "sent" && Date.now() < deadline) {
      await new Promise((ok) => setTimeout(ok, 500));
      now = await call(client, current, "get_notification_status", { id: queued.id });
    }
    assert.equal(now.state, "sent", JSON.stringify(now));
    const delivered = sl.requests.filter((r) => r.status === 200).map((r) => r.json.blocks[0].text.text);
    assert.deepEqual(delivered, ["queued before the upgrade"], "delivered once");

    const refreshed = await fetch(`${current.origin}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token.refresh_token, client_id: token.client_id }),
    });
    const rotated = await refreshed.json();
    assert.equal(refreshed.status, 200, JSON.stringify(rotated));
    assert.notEqual(rotated.refresh_token, token.refresh_token, "the grant's refresh token rotates");
  } finally {
    await current.stop();
  }
});
