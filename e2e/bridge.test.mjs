// dovecote-bridge against the Worker in workerd, driven over stdio by the official MCP
// TypeScript SDK client, as Claude Code drives it: the gateway's tools listed and called
// through the bridge with identical schemas and results; its resources, prompts and
// completions the same; the gateway's questions (elicitation) put to the local client; a
// subscription relayed (the update of a pending summary beside the channel message); the claude/channel capability on and
// off; the browser sign-in with a loopback redirect in Chromium; an expired access token
// refreshed without the client noticing; a revoked grant reported as "sign in again".
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { spawnSync } from "node:child_process";
import { REMOTE, ROOT, localOnly, startWorker } from "./harness/worker.mjs";
import { TEST_PASSWORD, signIn } from "./harness/signin.mjs";
import { BRIDGE, configDir, startBridge } from "./harness/bridge.mjs";
import { deliver as deliverTo, issue } from "./harness/deliveries.mjs";

const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

let worker;
let token;

/** A Telegram channel the prompts can describe (never sent to: nothing here sends). */
const CHANNEL = { id: "ops", name: "Ops", botToken: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", chatId: -1001234567890, apiBase: "http://127.0.0.1:9", allowAnyHost: true };

before(async () => {
  worker = await startWorker(REMOTE ? {} : { vars: { TELEGRAM_INSTANCES: JSON.stringify([CHANNEL]) } });
  token = await signIn(worker.origin, { headers: { "cf-connecting-ip": "203.0.113.1" } });
});

after(async () => {
  await worker?.stop();
});

/** The gateway's own answer, through the SDK's HTTP client, for comparison. */
async function direct(fn) {
  const client = new Client({ name: "direct", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(worker.url), { requestInit: { headers: { authorization: `Bearer ${token.access_token}` } } }));
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

test("the gateway's tools are listed and called through the bridge unchanged", async () => {
  const bridge = await startBridge({ DOVECOTE_URL: worker.origin, DOVECOTE_TOKEN: token.access_token, WEBHOOK_CHANNEL: "0" });
  try {
    const viaBridge = (await bridge.client.listTools()).tools;
    const gateway = (await direct((c) => c.listTools())).tools;
    assert.deepEqual(viaBridge, gateway, "names, titles, schemas and annotations are the gateway's");
    assert.ok(viaBridge.length > 0);
    const args = { name: "calculate", arguments: { operation: "power", a: 7, b: 8 } };
    const result = await bridge.client.callTool(args);
    assert.deepEqual(result, await direct((c) => c.callTool(args)));
    assert.equal(result.structuredContent.result, 5764801);
    const failed = await bridge.client.callTool({ name: "calculate", arguments: { operation: "divide", a: 1, b: 0 } });
    assert.equal(failed.isError, true, "isError passes through");
    await assert.rejects(bridge.client.callTool({ name: "no_such_tool", arguments: {} }), /no_such_tool|Unknown tool|not found/i);
    const caps = bridge.client.getServerCapabilities();
    assert.equal(caps.experimental?.["claude/channel"], undefined, "WEBHOOK_CHANNEL=0: no channel capability");
    assert.ok(caps.tools?.listChanged);

    // rmcp's own client sees the same through the bridge.
    const probe = spawnSync(join(ROOT, "target/debug/examples/rmcp_probe"), [BRIDGE, "calculate", JSON.stringify(args.arguments)], {
      env: { PATH: process.env.PATH, HOME: "/tmp", DOVECOTE_URL: worker.origin, DOVECOTE_TOKEN: token.access_token, WEBHOOK_CHANNEL: "0" },
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(probe.status, 0, probe.stderr);
    const seen = JSON.parse(probe.stdout);
    assert.deepEqual(seen.tools.map((t) => t.name), gateway.map((t) => t.name));
    assert.deepEqual(seen.tools.map((t) => t.inputSchema), gateway.map((t) => t.inputSchema));
    assert.deepEqual(seen.result.structuredContent, result.structuredContent);
  } finally {
    await bridge.close();
  }
});

test("resources, prompts and completions pass through the bridge; the gateway's questions reach the local client", localOnly("a notification channel for the prompt"), async () => {
  const asked = [];
  const answer = (request) => {
    asked.push(request.params);
    const wanted = Object.keys(request.params.requestedSchema?.properties ?? {});
    if (wanted.includes("title")) return { action: "accept", content: { title: "Asked through the bridge" } };
    if (wanted.includes("topic")) return { action: "accept", content: { topic: "the nightly deploy" } };
    return { action: "decline" };
  };
  const bridge = await startBridge(
    { DOVECOTE_URL: worker.origin, DOVECOTE_TOKEN: token.access_token, WEBHOOK_CHANNEL: "0" },
    { capabilities: { elicitation: {} }, handlers: [[ElicitRequestSchema, answer]] },
  );
  try {
    const caps = bridge.client.getServerCapabilities();
    assert.ok(caps.resources && caps.prompts && caps.completions, JSON.stringify(caps));
    // A tool that asks: create_document without a title asks the person for one.
    const created = await bridge.client.callTool({ name: "create_document", arguments: { content: "# Through the bridge" } });
    assert.notEqual(created.isError, true, JSON.stringify(created));
    assert.equal(created.structuredContent.title, "Asked through the bridge");
    assert.equal(asked.length, 1, "the question reached the local client once");
    assert.match(asked[0].message, /document/i);
    // Resources: the same list as the gateway's, and the new document read back.
    const viaBridge = (await bridge.client.listResources()).resources;
    assert.deepEqual(viaBridge, (await direct((c) => c.listResources())).resources);
    const doc = viaBridge.find((r) => r.title === "Asked through the bridge");
    assert.ok(doc, JSON.stringify(viaBridge));
    const { contents } = await bridge.client.readResource({ uri: doc.uri });
    assert.equal(contents[0].text, "# Through the bridge");
    assert.deepEqual((await bridge.client.listResourceTemplates()).resourceTemplates, (await direct((c) => c.listResourceTemplates())).resourceTemplates);
    await assert.rejects(bridge.client.readResource({ uri: "dovecote://knowledge/documents/no-such-document" }), /not found|no such|unknown/i, "the gateway's error passes through");
    // Prompts: the same list; a prompt fetched, a missing argument asked for.
    const prompts = (await bridge.client.listPrompts()).prompts;
    assert.deepEqual(prompts, (await direct((c) => c.listPrompts())).prompts);
    assert.ok(prompts.some((p) => p.name === "draft_notification"));
    const drafted = await bridge.client.getPrompt({ name: "draft_notification", arguments: { channel: "telegram-ops" } });
    const said = drafted.messages.map((m) => m.content.text ?? "").join("\n");
    assert.match(said, /the nightly deploy/, "the asked-for topic is in the prompt");
    assert.equal(asked.length, 2);
    // Completion.
    const completed = await bridge.client.complete({ ref: { type: "ref/prompt", name: "draft_notification" }, argument: { name: "channel", value: "" } });
    assert.deepEqual(completed.completion, (await direct((c) => c.complete({ ref: { type: "ref/prompt", name: "draft_notification" }, argument: { name: "channel", value: "" } }))).completion);
  } finally {
    await bridge.close();
  }
});

test("with the channel on, the bridge declares claude/channel and says the messages are one-way", async () => {
  const bridge = await startBridge({ DOVECOTE_URL: `${worker.origin}/mcp`, DOVECOTE_TOKEN: token.access_token });
  try {
    assert.deepEqual(bridge.client.getServerCapabilities().experimental?.["claude/channel"], {});
    assert.match(bridge.client.getInstructions(), /one way/);
    const names = (await bridge.client.listTools()).tools.map((t) => t.name);
    assert.ok(!names.some((n) => /reply/i.test(n)), "no reply tool (F5.6)");
  } finally {
    await bridge.close();
  }
});

test("bad configuration ends the bridge with a message, not a hang", async () => {
  for (const [env, expected] of [
    [{}, /DOVECOTE_URL is not set/],
    [{ DOVECOTE_URL: "ftp://example.com" }, /http\(s\)/],
    [{ DOVECOTE_URL: "http://example.com/mcp" }, /https/],
    [{ DOVECOTE_URL: "https://example.com", WEBHOOK_CHANNEL: "maybe" }, /WEBHOOK_CHANNEL/],
  ]) {
    const r = spawnSync(BRIDGE, [], { env: { PATH: process.env.PATH, HOME: "/tmp", ...env }, timeout: 10_000, encoding: "utf8" });
    assert.notEqual(r.status, 0, JSON.stringify(env));
    assert.equal(r.signal, null, "it exited by itself");
    assert.match(r.stderr, expected);
    assert.equal(r.stdout, "", "stdout is for MCP only");
  }
});

test("signing in: the browser flow with a loopback redirect, kept for the next start, refreshed and revoked", async () => {
  const dir = configDir();
  const env = { DOVECOTE_URL: worker.origin, DOVECOTE_CONFIG_DIR: dir, WEBHOOK_CHANNEL: "0" };
  const bridge = await startBridge(env);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  try {
    const url = await bridge.waitFor(() => /https?:\/\/\S+\/authorize\?\S+/.exec(bridge.stderr())?.[0], 15_000, "the sign-in URL");
    const authorize = new URL(url);
    assert.match(authorize.searchParams.get("redirect_uri"), /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
    // Before sign-in the client sees no tools and a tool call says to sign in.
    const early = await bridge.client.callTool({ name: "calculate", arguments: { operation: "add", a: 1, b: 1 } });
    assert.equal(early.isError, true);
    assert.match(early.content[0].text, /sign in/i);

    const context = await browser.newContext({ extraHTTPHeaders: { "cf-connecting-ip": "203.0.113.9" } });
    const page = await context.newPage();
    await page.goto(url);
    await page.fill("#password", TEST_PASSWORD);
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL((u) => u.href.startsWith(authorize.searchParams.get("redirect_uri")), { timeout: 15_000 });
    assert.match(await page.content(), /Signed in to Dovecote/);
    await bridge.waitFor(() => bridge.notifications.find((n) => n.method === "notifications/tools/list_changed"), 15_000, "tools/list_changed after sign-in");
    const tools = (await bridge.client.listTools()).tools.map((t) => t.name);
    assert.ok(tools.includes("calculate"), tools.join());
    assert.doesNotMatch(bridge.stderr(), /dva_|eyJ/, "no token in the log");

    const [file] = readdirSync(dir).filter((f) => f.startsWith("credentials-"));
    const path = join(dir, file);
    assert.equal(statSync(path).mode & 0o777, 0o600, "owner-only");
    assert.equal(statSync(dir).mode & 0o777, 0o700);

    // The access token "expired" two hours ago: the next call refreshes it unnoticed.
    const stored = JSON.parse(readFileSync(path, "utf8"));
    const before = stored.token_response.refresh_token;
    stored.token_received_at -= 7200;
    writeFileSync(path, JSON.stringify(stored));
    const after = await bridge.client.callTool({ name: "calculate", arguments: { operation: "add", a: 2, b: 3 } });
    assert.notEqual(after.isError, true, JSON.stringify(after));
    assert.equal(after.structuredContent.result, 5);
    const refreshed = JSON.parse(readFileSync(path, "utf8")).token_response.refresh_token;
    assert.notEqual(refreshed, before, "the refresh token rotated");
    await bridge.close();

    // The next start uses the stored sign-in: no URL, tools at once.
    const again = await startBridge(env);
    try {
      assert.ok((await again.client.listTools()).tools.length > 0);
      assert.doesNotMatch(again.stderr(), /\/authorize\?/);
      // The operator revokes the grant: the bridge's next call says to sign in again.
      const revoked = await fetch(`${worker.origin}/revoke`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: JSON.parse(readFileSync(path, "utf8")).token_response.refresh_token, client_id: stored.client_id }),
      });
      assert.equal(revoked.status, 200);
      const refused = await again.client.callTool({ name: "calculate", arguments: { operation: "add", a: 1, b: 1 } });
      assert.equal(refused.isError, true);
      assert.match(refused.content[0].text, /sign in again/);
    } finally {
      await again.close();
    }
  } finally {
    await browser.close();
    await bridge.close().catch(() => {});
  }
});

test("a redeploy that changes the gateway's tools reaches the client as tools/list_changed", localOnly("a redeploy of a local Worker"), async () => {
  const first = await startWorker();
  let second;
  const signedIn = await signIn(first.origin, { headers: { "cf-connecting-ip": "203.0.113.20" } });
  const bridge = await startBridge({ DOVECOTE_URL: first.origin, DOVECOTE_TOKEN: signedIn.access_token, WEBHOOK_CHANNEL: "0", DOVECOTE_TOOLS_POLL_SECS: "1" });
  try {
    const before = (await bridge.client.listTools()).tools.map((t) => t.name);
    await first.stop();
    // The conformance build serves other tools (and needs no token) at the same address.
    second = await startWorker({ build: "conformance", port: first.port });
    await bridge.waitFor(() => bridge.notifications.find((n) => n.method === "notifications/tools/list_changed"), 20_000, "tools/list_changed");
    const now = (await bridge.client.listTools()).tools.map((t) => t.name);
    assert.notDeepEqual(now, before);
    assert.ok(now.includes("test_simple_text"), now.join());
  } finally {
    await bridge.close();
    await second?.stop();
    await first.stop();
  }
});

test("make bundle's packer builds an .mcpb holding this bridge, with its user configuration", async () => {
  const { mkdtempSync, readFileSync: read } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { createHash } = await import("node:crypto");
  const out = mkdtempSync(join(tmpdir(), "mcpb-"));
  const packed = spawnSync(join(ROOT, "scripts/bundle.sh"), [BRIDGE, "linux", join(out, "bridge.mcpb")], { encoding: "utf8", timeout: 600_000 });
  assert.equal(packed.status, 0, packed.stderr);
  const unpacked = spawnSync(join(ROOT, ".tools/mcpb/node_modules/.bin/mcpb"), ["unpack", join(out, "bridge.mcpb"), join(out, "x")], { encoding: "utf8" });
  assert.equal(unpacked.status, 0, unpacked.stderr);
  const manifest = JSON.parse(read(join(out, "x/manifest.json"), "utf8"));
  assert.equal(manifest.server.type, "binary");
  assert.equal(manifest.server.mcp_config.env.DOVECOTE_URL, "${user_config.gateway_url}");
  assert.equal(manifest.server.mcp_config.env.WEBHOOK_CHANNEL, "${user_config.webhook_channel}");
  assert.equal(manifest.user_config.gateway_url.required, true);
  assert.equal(manifest.user_config.webhook_channel.default, true);
  assert.deepEqual(manifest.compatibility.platforms, ["linux"]);
  const sha = (p) => createHash("sha256").update(read(p)).digest("hex");
  assert.equal(sha(join(out, "x", manifest.server.entry_point)), sha(BRIDGE), "the bundle holds the bridge built here");
  // As Claude Desktop starts it from the bundle: the user's URL and the switch, as strings.
  const { chmodSync } = await import("node:fs");
  const command = join(out, "x", manifest.server.entry_point);
  chmodSync(command, 0o755);
  const bridge = await startBridge({ DOVECOTE_URL: worker.url, WEBHOOK_CHANNEL: "false", DOVECOTE_TOKEN: token.access_token }, { command });
  try {
    assert.ok((await bridge.client.listTools()).tools.length > 0);
    assert.equal(bridge.client.getServerCapabilities().experimental?.["claude/channel"], undefined);
  } finally {
    await bridge.close();
  }
});

test("signed GitHub deliveries reach the client as claude/channel notifications, once each, across a Worker restart", async () => {
  const { sign } = await import("@octokit/webhooks-methods");
  const { randomUUID } = await import("node:crypto");
  const SECRET = "bridge-e2e-webhook-secret";
  const gw = await startWorker({
    vars: { GITHUB_WEBHOOK_SECRET: SECRET, WEBHOOK_DEFAULT_TENANT: "acme", EVENTS_HEARTBEAT_SECS: "1", EVENTS_POLL_MS: "200" },
  });
  const operator = await signIn(gw.origin, { headers: { "cf-connecting-ip": "203.0.113.30" } });
  const deliver = async (n) => {
    const id = randomUUID();
    const body = JSON.stringify({
      action: "opened",
      issue: { number: n, title: `Issue ${n}`, html_url: `https://github.com/acme/app/issues/${n}`, user: { login: "octocat" } },
      repository: { full_name: "acme/app", name: "app", owner: { login: "acme" } },
      sender: { login: "octocat" },
    });
    const r = await fetch(`${gw.origin}/webhooks/github`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "issues", "x-github-delivery": id, "x-hub-signature-256": await sign(SECRET, body) },
      body,
    });
    assert.equal(r.status, 202, await r.text());
    return id;
  };
  const bridge = await startBridge({ DOVECOTE_URL: gw.origin, DOVECOTE_TOKEN: operator.access_token, DOVECOTE_HEARTBEAT_SECS: "1" });
  const silent = await startBridge({ DOVECOTE_URL: gw.origin, DOVECOTE_TOKEN: operator.access_token, WEBHOOK_CHANNEL: "0" });
  const channel = () => bridge.notifications.filter((n) => n.method === "notifications/claude/channel");
  try {
    assert.ok(bridge.client.getServerCapabilities().experimental?.["claude/channel"]);
    // The bridge follows /events once the client has initialized; give it a moment to connect.
    await new Promise((r) => setTimeout(r, 1500));
    const first = await deliver(1);
    const got = await bridge.waitFor(() => channel().find((n) => n.params.meta.message_id === first), 20_000, "the first event");
    assert.equal(got.params.content, "GitHub issues opened in acme/app: #1 Issue 1 by octocat\nhttps://github.com/acme/app/issues/1");
    assert.equal(got.params.meta.chat_id, "github");
    assert.equal(got.params.meta.user, "octocat");
    assert.match(got.params.meta.ts, /^\d{4}-\d{2}-\d{2}T/);

    // The Worker restarts while events arrive: the bridge reconnects with Last-Event-ID.
    await gw.restart();
    const later = [await deliver(2), await deliver(3)];
    await bridge.waitFor(() => later.every((id) => channel().some((n) => n.params.meta.message_id === id)), 40_000, "the events after the restart");
    await new Promise((r) => setTimeout(r, 2500));
    const ids = channel().map((n) => n.params.meta.message_id);
    assert.deepEqual(ids, [first, ...later], "each event once, in order");
    assert.deepEqual(silent.notifications.filter((n) => n.method === "notifications/claude/channel"), [], "WEBHOOK_CHANNEL=0: none");
  } finally {
    await bridge.close();
    await silent.close();
    await gw.stop();
  }
});

test("a subscription through the bridge: a signed delivery updates the pending summary, and still arrives as a channel message", async () => {
  const SECRET = "bridge-e2e-subscription-secret";
  const gw = await startWorker({
    vars: { GITHUB_WEBHOOK_SECRET: SECRET, WEBHOOK_DEFAULT_TENANT: "acme", EVENTS_HEARTBEAT_SECS: "1", EVENTS_POLL_MS: "200" },
  });
  const operator = await signIn(gw.origin, { headers: { "cf-connecting-ip": "203.0.113.31" } });
  let n = 0;
  const deliver = () => deliverTo(gw.origin, SECRET, "issues", issue("acme/app", ++n));
  const bridge = await startBridge({ DOVECOTE_URL: gw.origin, DOVECOTE_TOKEN: operator.access_token, DOVECOTE_HEARTBEAT_SECS: "1" });
  const PENDING = "github://accounts/acme/pending";
  const updates = () => bridge.notifications.filter((m) => m.method === "notifications/resources/updated");
  const channel = () => bridge.notifications.filter((m) => m.method === "notifications/claude/channel");
  try {
    await deliver();
    assert.equal(bridge.client.getServerCapabilities().resources.subscribe, true);
    const { resources } = await bridge.client.listResources();
    assert.ok(resources.some((r) => r.uri === PENDING), JSON.stringify(resources));
    await bridge.client.subscribeResource({ uri: PENDING });
    const id = await deliver();
    await bridge.waitFor(() => updates().some((m) => m.params.uri === PENDING), 20_000, "the resource update");
    assert.deepEqual(updates()[0].params, { uri: PENDING }, "the gateway's subscription id is not passed on");
    await bridge.waitFor(() => channel().some((m) => m.params.meta.message_id === id), 20_000, "the channel message");
    const summary = JSON.parse((await bridge.client.readResource({ uri: PENDING })).contents[0].text);
    assert.equal(summary.pending_count, 2);
    // An event's payload never changes: the gateway refuses, and the bridge says so.
    await assert.rejects(bridge.client.subscribeResource({ uri: `github://accounts/acme/events/${id}` }), (e) => {
      assert.equal(e.code, -32602);
      assert.match(e.message, /no updates/);
      return true;
    });
    await bridge.client.unsubscribeResource({ uri: PENDING });
    const seen = updates().length;
    const quiet = await deliver();
    await bridge.waitFor(() => channel().some((m) => m.params.meta.message_id === quiet), 20_000, "the channel message after unsubscribing");
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(updates().length, seen, "no update after unsubscribing");
  } finally {
    await bridge.close();
    await gw.stop();
  }
});

test("events that arrive while the bridge is stopped are relayed at its start, once each; two bridges for one user each relay every event once", async () => {
  const { sign } = await import("@octokit/webhooks-methods");
  const { randomUUID } = await import("node:crypto");
  const SECRET = "bridge-e2e-resume-secret";
  const gw = await startWorker({
    vars: { GITHUB_WEBHOOK_SECRET: SECRET, WEBHOOK_DEFAULT_TENANT: "acme", EVENTS_HEARTBEAT_SECS: "1", EVENTS_POLL_MS: "200" },
  });
  const operator = await signIn(gw.origin, { headers: { "cf-connecting-ip": "203.0.113.31" } });
  const deliver = async (n) => {
    const id = randomUUID();
    const body = JSON.stringify({ action: "opened", issue: { number: n, title: `Issue ${n}`, user: { login: "octocat" } }, repository: { full_name: "acme/app" }, sender: { login: "octocat" } });
    const r = await fetch(`${gw.origin}/webhooks/github`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "issues", "x-github-delivery": id, "x-hub-signature-256": await sign(SECRET, body) },
      body,
    });
    assert.equal(r.status, 202, await r.text());
    return id;
  };
  const dir = configDir();
  const env = { DOVECOTE_URL: gw.origin, DOVECOTE_TOKEN: operator.access_token, DOVECOTE_HEARTBEAT_SECS: "1", DOVECOTE_CONFIG_DIR: dir };
  const relayed = (b) => b.notifications.filter((n) => n.method === "notifications/claude/channel").map((n) => n.params.meta.message_id);
  const started = [];
  const start = async () => {
    const b = await startBridge(env);
    started.push(b);
    return b;
  };
  try {
    // Two sessions of one user, sharing the configuration folder.
    const [a, b] = [await start(), await start()];
    await new Promise((r) => setTimeout(r, 1500));
    const first = await deliver(1);
    for (const x of [a, b]) await x.waitFor(() => relayed(x).includes(first), 20_000, "the first event in both bridges");
    await Promise.all([a.close(), b.close()]);

    // Both stopped: two events arrive, then one bridge starts again.
    const missed = [await deliver(2), await deliver(3)];
    assert.equal(JSON.parse(readFileSync(join(dir, readdirSync(dir).find((n) => n.startsWith("events-"))), "utf8")).last_event_id.length > 0, true);
    const c = await start();
    await c.waitFor(() => missed.every((id) => relayed(c).includes(id)), 20_000, "the events that arrived while stopped");
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual(relayed(a), [first]);
    assert.deepEqual(relayed(b), [first]);
    assert.deepEqual(relayed(c), missed, "what it missed, once each, and not what it had relayed");
    if (process.platform !== "win32") {
      for (const name of readdirSync(dir)) assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600, name);
    }
    await c.close();

    // A start with nothing new relays nothing.
    const d = await start();
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(relayed(d), []);
  } finally {
    for (const x of started) await x.close().catch(() => {});
    await gw.stop();
  }
});
