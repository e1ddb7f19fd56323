// Tools declared in tools.toml without Rust, in workerd: the root tools.toml with
// e2e/declared/tools.toml appended, and e2e/declared/channels.toml, are built into
// build/declared (DOVECOTE_TOOLS_MANIFEST, DOVECOTE_CHANNELS_MANIFEST). The http tools call a
// local stand-in of an API on 127.0.0.1 (its origin in DEMO_API_BASE): success, 4xx, 5xx, slow,
// oversized, non-JSON, a redirect, and an argument crafted to escape its path segment. The
// preset goes to a generic-webhook stand-in through the outbox. Called by the official v2
// TypeScript client with a real access token; listed, scope-filtered and rate-limited.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client, InsufficientScopeError, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { REMOTE, startWorker, localOnly } from "./harness/worker.mjs";
import { signIn } from "./harness/signin.mjs";
import { buildWith } from "./harness/build.mjs";
import { startService } from "./harness/services/server.mjs";
import { startWebhook } from "./harness/services/webhook.mjs";

const LOCAL = localOnly("a build with declared tools and local API stand-ins");
const BUILD = "declared";
const API_KEY = "demo-api-key-e2e-0123456789";
const HOOK_KEY = "e2e-alerts-signing-key";

let worker;
let api;
let hook;
let client;

/** The demo API: items by id, and ids that make it misbehave as real APIs do. */
function demoApi(req) {
  if (req.path === "/ping") return { status: 200, body: { pong: true } };
  if (req.headers["x-api-key"] !== API_KEY) return { status: 401, body: { error: "bad key" } };
  if (req.method === "POST" && req.path === "/items") {
    return { status: 201, body: { id: "i-9", name: req.json?.name, count: req.json?.count } };
  }
  const id = decodeURIComponent(req.path.replace(/^\/items\//, ""));
  switch (id) {
    case "missing": return { status: 404, body: { error: "no item missing" } };
    case "leaky": return { status: 400, body: { error: `bad request for key ${API_KEY}` } };
    case "broken": return { status: 500, body: { error: "database down" } };
    case "huge": return { status: 200, body: { item: { name: "x".repeat(10_000) } } };
    case "html": return { status: 200, body: "<html><body>hello</body></html>", headers: { "content-type": "text/html" } };
    case "moved": return { status: 302, body: "", headers: { location: "http://127.0.0.1:1/elsewhere" } };
    default: return { status: 200, body: { item: { id, name: `Item ${id}`, price: 12, view: req.query.get("view") } } };
  }
}

const text = (result) => result.content.filter((c) => c.type === "text").map((c) => c.text).join("\n");

/** A v2 client pinned to 2026-07-28 with `token`. */
async function connect(token) {
  const c = new Client({ name: "dovecote-e2e", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  const transport = new StreamableHTTPClientTransport(new URL(worker.url), {
    requestInit: { headers: { Authorization: `Bearer ${token.access_token}` } },
  });
  await c.connect(transport);
  return c;
}

before(async () => {
  if (REMOTE) return;
  await buildWith(BUILD, { tools: "e2e/declared/tools.toml", channels: "e2e/declared/channels.toml" });
  api = await startService(demoApi);
  hook = await startWebhook({ key: HOOK_KEY });
  worker = await startWorker({
    build: BUILD,
    vars: {
      DEMO_API_BASE: api.origin,
      DEMO_API_KEY: API_KEY,
      E2E_ALERTS_URL: hook.url,
      E2E_ALERTS_SIGNING_KEY: HOOK_KEY,
    },
  });
  const token = await signIn(worker.origin, { scope: "demo:api dovecote:notify dovecote:read" });
  client = await connect(token);
}, { timeout: 600_000 });

after(async () => {
  await client?.close();
  await Promise.all([worker?.stop(), api?.stop(), hook?.stop()]);
});

describe("declared http tools", LOCAL, () => {
  test("are listed with their input schema and annotations", async () => {
    const { tools } = await client.listTools(undefined, { cacheMode: "bypass" });
    const item = tools.find((t) => t.name === "demo_get_item");
    assert.ok(item, tools.map((t) => t.name).join(", "));
    assert.equal(item.title, "Demo item");
    assert.equal(item.description, "Reads one item of the demo API.");
    assert.deepEqual(item.inputSchema.required, ["id"]);
    assert.deepEqual(item.inputSchema.properties.view.enum, ["short", "full"]);
    assert.equal(item.inputSchema.additionalProperties, false);
    assert.equal(item.annotations.readOnlyHint, true);
    assert.ok(tools.some((t) => t.name === "demo_deploy_finished"));
  });

  test("call the API with the secret in a header and return the declared pointers", async () => {
    api.reset();
    const r = await client.callTool({ name: "demo_get_item", arguments: { id: "lamp" } });
    assert.ok(!r.isError, text(r));
    assert.deepEqual(r.structuredContent, { name: "Item lamp", price: 12 });
    assert.equal(api.requests.length, 1);
    assert.equal(api.requests[0].path, "/items/lamp");
    assert.equal(api.requests[0].query.get("view"), "short", "the default is sent");
    assert.equal(api.requests[0].headers["x-api-key"], API_KEY);
  });

  test("an argument crafted to escape its path segment stays in it", async () => {
    api.reset();
    const r = await client.callTool({ name: "demo_get_item", arguments: { id: "../ping?x=1#@evil.example" } });
    assert.ok(!r.isError, text(r));
    assert.equal(api.requests.length, 1);
    assert.equal(api.requests[0].path, "/items/..%2Fping%3Fx%3D1%23%40evil.example");
    assert.equal(api.requests[0].query.get("x"), null);
    const dots = await client.callTool({ name: "demo_get_item", arguments: { id: ".." } });
    assert.ok(dots.isError && /may not be empty, `\.` or `\.\.`/.test(text(dots)), text(dots));
    assert.equal(api.requests.length, 1, "nothing is sent for a refused argument");
  });

  test("refuse bad arguments before anything goes out", async () => {
    api.reset();
    for (const [args, says] of [
      [{}, /`id` is required/],
      [{ id: "a", view: "all" }, /must be one of/],
      [{ id: "a", other: 1 }, /no argument `other`/],
    ]) {
      const r = await client.callTool({ name: "demo_get_item", arguments: args });
      assert.ok(r.isError && says.test(text(r)), `${JSON.stringify(args)}: ${text(r)}`);
    }
    assert.equal(api.requests.length, 0);
  });

  test("turn upstream failures into errors a model can act on, without the secret", async () => {
    for (const [id, says] of [
      ["missing", /refused the request \(404\).*no item missing.*Check the arguments/],
      ["leaky", /refused the request \(400\)/],
      ["broken", /failed \(500\)/],
      ["huge", /more than 2048 bytes/],
      ["html", /not JSON \(text\/html/],
      ["moved", /answered 302, a redirect, which this gateway does not follow/],
    ]) {
      const r = await client.callTool({ name: "demo_get_item", arguments: { id } });
      assert.ok(r.isError && says.test(text(r)), `${id}: ${text(r)}`);
      assert.ok(!JSON.stringify(r).includes(API_KEY), `${id} shows the secret: ${text(r)}`);
    }
    assert.ok(!api.requests.some((q) => q.path === "/elsewhere"), "the redirect is not followed");
  });

  test("give up on a slow API at the declared timeout", async () => {
    api.reset();
    api.script({ delayMs: 4_000 });
    const r = await client.callTool({ name: "demo_get_item", arguments: { id: "slow" } });
    assert.ok(r.isError && /did not answer within 1500 ms/.test(text(r)), text(r));
    assert.equal(api.requests.length, 1, "a timeout is not retried");
  });

  test("retry an idempotent GET once when the API's gateway fails", async () => {
    api.reset();
    api.script({ status: 503, body: { error: "busy" } });
    const r = await client.callTool({ name: "demo_get_item", arguments: { id: "again" } });
    assert.ok(!r.isError, text(r));
    assert.equal(api.requests.length, 2);
  });

  test("send typed JSON in a POST body", async () => {
    api.reset();
    const r = await client.callTool({ name: "demo_create_item", arguments: { name: 'Lamp "L"\n', count: 3 } });
    assert.ok(!r.isError, text(r));
    assert.deepEqual(api.requests[0].json, { name: 'Lamp "L"\n', count: 3 });
    assert.equal(api.requests[0].headers["content-type"], "application/json");
  });

  test("are rate limited per caller", async () => {
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await client.callTool({ name: "demo_ping", arguments: {} }));
    assert.ok(!outcomes[0].isError && !outcomes[1].isError, text(outcomes[0]));
    assert.ok(outcomes[2].isError && /Rate limit reached for `demo_ping`: 2 calls per minute/.test(text(outcomes[2])), text(outcomes[2]));
  });

  test("are hidden from and refused to a token without their scope", async () => {
    const narrow = await signIn(worker.origin, { scope: "dovecote:read" });
    const limited = await connect(narrow);
    try {
      const { tools } = await limited.listTools(undefined, { cacheMode: "bypass" });
      assert.ok(!tools.some((t) => t.name.startsWith("demo_")), tools.map((t) => t.name).join(", "));
      await assert.rejects(
        limited.callTool({ name: "demo_get_item", arguments: { id: "lamp" } }),
        (e) => e instanceof InsufficientScopeError && e.requiredScope === "demo:api",
      );
    } finally {
      await limited.close();
    }
  });
});

describe("a declared preset", LOCAL, () => {
  test("sends its message to its channel through the outbox", async () => {
    hook.reset();
    const r = await client.callTool({
      name: "demo_deploy_finished",
      arguments: { service: "api", version: "1.4.2", url: "https://ci.example.com/runs/7" },
    });
    assert.ok(!r.isError, text(r));
    const sent = r.structuredContent.notifications[0];
    assert.equal(sent.channel, "webhook-alerts");
    assert.equal(sent.outcome, "sent");
    assert.equal(hook.requests.length, 1);
    assert.equal(hook.requests[0].status, 202, "the stand-in accepted the signature");
    const body = JSON.stringify(hook.requests[0].json);
    assert.match(body, /Deployed api 1\.4\.2/);
    assert.match(body, /https:\/\/ci\.example\.com\/runs\/7/);
    const status = await client.callTool({ name: "get_notification_status", arguments: { id: sent.id } });
    assert.ok(!status.isError, text(status));
  });
});
