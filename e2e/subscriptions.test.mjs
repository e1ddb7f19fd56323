// Subscriptions, end to end, with the official TypeScript SDK clients against the Worker in
// workerd: the v2 client (pinned to 2026-07-28) opens a `subscriptions/listen` stream, the v1
// client (2025-11-25) subscribes over its session; a signed GitHub delivery then updates the
// subscribed account's pending summary and the client is told. Another account's summary is
// never honoured, an event payload (which never changes) is refused, an unsubscribed resource
// stays quiet, and the removed 2025 methods are "Method not found" on 2026-07-28. The delay
// from a delivery's 202 to its update is measured and printed.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { startWorker, REMOTE, localOnly } from "./harness/worker.mjs";
import { githubSignIn, githubVars, startGitHub } from "./harness/github.mjs";
import { deliver as deliverTo, installation, issue } from "./harness/deliveries.mjs";

const LOCAL = localOnly("a local GitHub stand-in and webhook settings");

const SECRET = "subscriptions-e2e-webhook-secret";
const SCOPE = "dovecote:read dovecote:events:read";
const OWN = "github://accounts/9101/pending";
const OTHER = "github://accounts/9202/pending";
/** The poll interval of this Worker's streams (`EVENTS_POLL_MS`). */
const POLL_MS = 200;
let github;
let worker;
let token;
let issueNumber = 1;
const latencies = [];

const deliverOwn = () => deliverTo(worker.origin, SECRET, "issues", issue("octo-org/app", ++issueNumber, 101));
const deliverOther = () => deliverTo(worker.origin, SECRET, "issues", issue("hubot-inc/site", ++issueNumber, 202));

/** Collects `notifications/resources/updated` as they arrive; `next(uri)` waits for one. */
function updates() {
  const seen = [];
  const waiting = [];
  return {
    seen,
    push(uri) {
      seen.push({ uri, at: performance.now() });
      for (const w of waiting.splice(0)) w();
    },
    async next(uri, timeoutMs = 10_000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const i = seen.findIndex((u) => u.uri === uri);
        if (i >= 0) return seen.splice(i, 1)[0];
        const left = deadline - performance.now();
        if (left <= 0) throw new Error(`no update for ${uri} within ${timeoutMs} ms (saw ${JSON.stringify(seen)})`);
        await new Promise((ok) => {
          waiting.push(ok);
          setTimeout(ok, left);
        });
      }
    },
  };
}

/** Delivers with `send`, waits for the update of `uri`, records the delay. */
async function deliveredAndUpdated(send, got, uri) {
  const sent = performance.now();
  await send();
  const update = await got.next(uri);
  latencies.push(update.at - sent);
}

before(async () => {
  if (REMOTE) return;
  github = await startGitHub({
    users: { octocat: { id: 1, installations: [{ id: 101, account: { login: "octo-org", id: 9101 }, repositories: ["octo-org/app"] }] } },
  });
  worker = await startWorker({
    vars: githubVars(github, { ALLOWED_USERNAMES: "*", GITHUB_WEBHOOK_SECRET: SECRET, EVENTS_POLL_MS: String(POLL_MS), EVENTS_STREAM_MAX_SECS: "4" }),
  });
  await deliverTo(worker.origin, SECRET, "installation", installation(101, "octo-org", 9101));
  await deliverTo(worker.origin, SECRET, "installation", installation(202, "hubot-inc", 9202));
  await deliverOwn();
  await deliverOther();
  github.signInAs("octocat");
  token = (await githubSignIn(worker.origin, { scope: SCOPE })).access_token;
});

after(async () => {
  if (latencies.length) {
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(`# delivery-to-subscriber latency (EVENTS_POLL_MS=${POLL_MS}): median ${sorted[sorted.length >> 1].toFixed(0)} ms, max ${sorted.at(-1).toFixed(0)} ms over ${sorted.length}`);
  }
  await worker?.stop();
  await github?.close();
});

describe("v2 client, 2026-07-28: subscriptions/listen", LOCAL, () => {
  let client;
  const got = updates();
  before(async () => {
    client = new ClientV2({ name: "dovecote-e2e", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
    await client.connect(new TransportV2(new URL(worker.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    client.setNotificationHandler("notifications/resources/updated", (n) => got.push(n.params.uri));
  });
  after(async () => {
    await client?.close();
  });

  test("the server declares subscriptions", () => {
    assert.equal(client.getDiscoverResult().capabilities.resources.subscribe, true);
  });

  test("a delivery updates the subscribed pending summary; another account's is never honoured", async () => {
    const eventUri = "github://accounts/9101/events/00000000-0000-0000-0000-000000000000";
    const sub = await client.listen({ resourceSubscriptions: [OWN, OTHER, eventUri], toolsListChanged: true });
    try {
      assert.deepEqual(sub.honoredFilter, { resourceSubscriptions: [OWN] }, "only the caller's summary; no list-changed type is declared");
      await deliveredAndUpdated(deliverOwn, got, OWN);
      await deliveredAndUpdated(deliverOwn, got, OWN);
      await deliverOther();
      await new Promise((ok) => setTimeout(ok, 5 * POLL_MS));
      assert.deepEqual(got.seen.map((u) => u.uri), [], "nothing for another account's delivery");
    } finally {
      await sub.close();
    }
  });

  test("at its maximum age the stream ends with the listen result, and a new listen picks up", async () => {
    const sub = await client.listen({ resourceSubscriptions: [OWN] });
    assert.equal(await sub.closed, "graceful");
    const again = await client.listen({ resourceSubscriptions: [OWN] });
    try {
      await deliveredAndUpdated(deliverOwn, got, OWN);
    } finally {
      await again.close();
    }
  });

  test("the 2025 methods are removed: resources/subscribe is Method not found (404)", async () => {
    const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} };
    for (const method of ["resources/subscribe", "resources/unsubscribe"]) {
      const r = await fetch(worker.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${token}`, "mcp-protocol-version": "2026-07-28", "mcp-method": method },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: { uri: OWN, _meta: meta } }),
      });
      assert.equal(r.status, 404, method);
      assert.equal((await r.json()).error.code, -32601, method);
    }
  });

  test("a listen without a filter is invalid params", async () => {
    const meta = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} };
    const r = await fetch(worker.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${token}`, "mcp-protocol-version": "2026-07-28", "mcp-method": "subscriptions/listen" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "subscriptions/listen", params: { _meta: meta } }),
    });
    assert.equal(r.status, 400);
    const body = await r.json();
    assert.equal(body.error.code, -32602);
    assert.equal(body.id, 7);
  });
});

describe("v1 client, 2025-11-25: resources/subscribe on the session", LOCAL, () => {
  let client;
  const got = updates();
  before(async () => {
    client = new ClientV1({ name: "dovecote-e2e-v1", version: "1.0.0" });
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => got.push(n.params.uri));
    await client.connect(new TransportV1(new URL(worker.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  });
  after(async () => {
    await client?.close();
  });

  test("subscribe, a delivery, the update on the standalone stream; unsubscribe, quiet", async () => {
    assert.equal(client.getServerCapabilities().resources.subscribe, true);
    await client.subscribeResource({ uri: OWN });
    // A delivery right after subscribing is not missed: the watch starts where the subscription did.
    await deliveredAndUpdated(deliverOwn, got, OWN);
    await deliveredAndUpdated(deliverOwn, got, OWN);
    await client.unsubscribeResource({ uri: OWN });
    await deliverOwn();
    await new Promise((ok) => setTimeout(ok, 5 * POLL_MS));
    assert.deepEqual(got.seen.map((u) => u.uri), [], "no update after unsubscribing");
  });

  test("another account's summary is not found; an event payload sends no updates", async () => {
    await assert.rejects(client.subscribeResource({ uri: OTHER }), (e) => {
      assert.equal(e.code, -32602);
      assert.match(e.message, /Resource not found/);
      return true;
    });
    await assert.rejects(client.subscribeResource({ uri: "github://accounts/9101/events/x" }), (e) => {
      assert.equal(e.code, -32602);
      assert.match(e.message, /sends no updates/);
      return true;
    });
  });
});
