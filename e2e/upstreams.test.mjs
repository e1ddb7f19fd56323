// Upstream MCP servers behind Dovecote, in workerd: two real servers on 127.0.0.1 built with
// the official TypeScript SDKs (e2e/harness/services/mcp_upstream.mjs) — one speaking
// 2026-07-28, one the session era (2025-11-25) — are declared in e2e/upstreams/tools.toml
// (appended to the root tools.toml), locked by scripts/upstreams.mjs (what `make upstreams`
// runs) and built into build/upstreams. The official v2 client, with a real access token, lists
// and calls their tools through Dovecote: scope-filtered, rate-limited, audited, the caller's
// token never forwarded; an upstream that is slow, huge, garbage or down gives a clear isError
// in time without stalling others; the lock drifting is reported on /health, not fatal.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client, InsufficientScopeError, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { ROOT, REMOTE, startWorker, localOnly } from "./harness/worker.mjs";
import { signIn } from "./harness/signin.mjs";
import { startUpstream } from "./harness/services/mcp_upstream.mjs";
import { writeLock } from "../scripts/upstreams.mjs";

const LOCAL = localOnly("a build with upstream MCP servers on 127.0.0.1");
const run = promisify(execFile);
const BUILD = "upstreams";
const MODERN_TOKEN = "modern-upstream-secret-0123456789";
const SESSIONS_TOKEN = "sessions-upstream-secret-0123456789";
const ADMIN_TOKEN = "e2e-admin-token-upstreams-0123456789abcdef";

let dir;
let worker;
let modern;
let sessions;
let token;
let client;

const text = (result) => result.content.filter((c) => c.type === "text").map((c) => c.text).join("\n");

/** A v2 client pinned to 2026-07-28 with `token`. */
async function connect(t) {
  const c = new Client({ name: "dovecote-e2e", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  await c.connect(new StreamableHTTPClientTransport(new URL(worker.url), {
    requestInit: { headers: { Authorization: `Bearer ${t.access_token}` } },
  }));
  return c;
}

async function audit() {
  const r = await fetch(`${worker.origin}/admin/audit?limit=200`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(r.status, 200);
  return (await r.json()).entries;
}

async function health() {
  const r = await fetch(`${worker.origin}/health`);
  return { status: r.status, body: await r.json() };
}

before(async () => {
  if (REMOTE) return;
  modern = await startUpstream({ generation: "2026-07-28", token: MODERN_TOKEN });
  sessions = await startUpstream({ generation: "2025-11-25", token: SESSIONS_TOKEN });
  dir = mkdtempSync(join(tmpdir(), "dovecote-upstreams-"));
  const declared = readFileSync(join(ROOT, "e2e/upstreams/tools.toml"), "utf8")
    .replace('"MODERN_URL"', JSON.stringify(modern.url))
    .replace('"SESSIONS_URL"', JSON.stringify(sessions.url));
  const path = join(dir, "tools.toml");
  writeFileSync(path, readFileSync(join(ROOT, "tools.toml"), "utf8") + "\n" + declared);
  // What `make upstreams` does, with the secrets in the environment.
  process.env.MODERN_UPSTREAM_TOKEN = MODERN_TOKEN;
  process.env.SESSIONS_UPSTREAM_TOKEN = SESSIONS_TOKEN;
  await writeLock(path);
  try {
    await run("bash", [join(ROOT, "scripts/build.sh"), BUILD], {
      cwd: ROOT,
      env: { ...process.env, DOVECOTE_TOOLS_MANIFEST: path },
      timeout: 590_000,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    throw new Error(`scripts/build.sh ${BUILD} failed:\n${e.stdout}\n${e.stderr}`);
  }
  worker = await startWorker({
    build: BUILD,
    vars: { MODERN_UPSTREAM_TOKEN: MODERN_TOKEN, SESSIONS_UPSTREAM_TOKEN: SESSIONS_TOKEN, ADMIN_TOKEN },
  });
  token = await signIn(worker.origin, { scope: "dovecote:read e2e:upstream" });
  client = await connect(token);
}, { timeout: 600_000 });

after(async () => {
  await client?.close();
  await Promise.all([worker?.stop(), modern?.stop(), sessions?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the lock", LOCAL, () => {
  test("records each upstream's protocol generation and tools", () => {
    const lock = readFileSync(join(dir, "upstreams.lock.toml"), "utf8");
    assert.match(lock, /\[upstreams\."modern"\]\nurl = "http:\/\/127\.0\.0\.1:\d+\/mcp"\nprotocol = "2026-07-28"/);
    assert.match(lock, /\[upstreams\."sessions"\]\nurl = "[^"]+"\nprotocol = "2025-11-25"/);
    assert.match(lock, /name = "whoami"/);
  });
});

describe("imported tools", LOCAL, () => {
  test("are listed with the upstream's schemas, titles and annotations", async () => {
    const { tools } = await client.listTools(undefined, { cacheMode: "bypass" });
    const names = tools.map((t) => t.name);
    for (const n of ["modern_echo", "modern_add", "modern_fail", "modern_whoami", "legacy_echo", "legacy_add", "legacy_whoami"]) {
      assert.ok(names.includes(n), `${n} in ${names.join(", ")}`);
    }
    assert.ok(!names.includes("legacy_fail"), "only the named tools of `sessions`");
    const echo = tools.find((t) => t.name === "modern_echo");
    assert.equal(echo.title, "Echo");
    assert.equal(echo.description, "Says back what it is given.");
    assert.deepEqual(echo.inputSchema.required, ["text"]);
    assert.equal(echo.inputSchema.properties.text.description, "What to say back.");
    assert.equal(echo.annotations.readOnlyHint, true);
    assert.equal(echo.annotations.openWorldHint, false);
    const add = tools.find((t) => t.name === "modern_add");
    assert.deepEqual(add.outputSchema.required, ["sum"]);
    assert.equal(tools.find((t) => t.name === "legacy_add").title, "Add (session era)", "the override's title");
  });

  test("are called on a 2026-07-28 upstream and its result passed back unchanged", async () => {
    const before = modern.calls().length;
    const r = await client.callTool({ name: "modern_add", arguments: { a: 2, b: 40 } });
    assert.ok(!r.isError, text(r));
    assert.deepEqual(r.structuredContent, { sum: 42 });
    assert.deepEqual(r.content, [{ type: "text", text: "42" }]);
    const calls = modern.calls().slice(before);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].json.params.name, "add", "the upstream's own name, without the prefix");
    assert.equal(calls[0].headers["mcp-protocol-version"], "2026-07-28");
    assert.equal(calls[0].headers["mcp-method"], "tools/call");
    assert.equal(calls[0].headers["mcp-name"], "add");
    const failed = await client.callTool({ name: "modern_fail", arguments: {} });
    assert.equal(failed.isError, true);
    assert.equal(text(failed), "it failed on purpose", "the upstream's isError result, as it is");
  });

  test("are called on a session-era upstream, one session per isolate", async () => {
    const initializes = () => sessions.state.requests.filter((r) => r.rpc === "initialize").length;
    const opened = initializes(); // make upstreams opened one to fetch the list
    const first = await client.callTool({ name: "legacy_add", arguments: { a: 1, b: 2 } });
    assert.ok(!first.isError, text(first));
    assert.deepEqual(first.structuredContent, { sum: 3 });
    const second = await client.callTool({ name: "legacy_echo", arguments: { text: "hi" } });
    assert.equal(text(second), "echo: hi");
    assert.equal(initializes() - opened, 1, sessions.state.requests.map((r) => r.rpc).join(","));
    for (const call of sessions.calls()) {
      assert.ok(call.headers["mcp-session-id"], "calls carry the session");
      assert.equal(call.headers["mcp-protocol-version"], "2025-11-25");
    }
  });

  test("a session the upstream forgot is opened again", async () => {
    const initializes = () => sessions.state.requests.filter((r) => r.rpc === "initialize").length;
    const opened = initializes();
    sessions.state.sessions.clear();
    const r = await client.callTool({ name: "legacy_echo", arguments: { text: "again" } });
    assert.equal(text(r), "echo: again");
    assert.equal(initializes() - opened, 1, "one new session");
  });

  test("never forward the caller's token, only the upstream's secret", async () => {
    const m = await client.callTool({ name: "modern_whoami", arguments: {} });
    assert.equal(text(m), `Bearer ${MODERN_TOKEN}`);
    const s = await client.callTool({ name: "legacy_whoami", arguments: {} });
    assert.equal(text(s), `Bearer ${SESSIONS_TOKEN}`);
    for (const r of [...modern.state.requests, ...sessions.state.requests]) {
      assert.ok(!JSON.stringify(r.headers).includes(token.access_token), "the caller's token never leaves");
    }
  });

  test("are audited with the upstream's name", async () => {
    const entries = (await audit()).filter((e) => e.event === "upstream_tool");
    assert.ok(entries.some((e) => e.outcome === "ok" && e.detail === "modern/add: ok"), JSON.stringify(entries));
    assert.ok(entries.some((e) => e.detail === "sessions/echo: ok"), JSON.stringify(entries));
    assert.ok(entries.some((e) => e.detail === "modern/fail: tool error"), JSON.stringify(entries));
  });

  test("are rate limited per caller", async () => {
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await client.callTool({ name: "modern_echo", arguments: { text: String(i) } }));
    assert.deepEqual(outcomes.slice(0, 3).map(text), ["echo: 0", "echo: 1", "echo: 2"]);
    assert.ok(outcomes[3].isError && /Rate limit reached for `modern_echo`: 3 calls per minute/.test(text(outcomes[3])), text(outcomes[3]));
  });

  test("are hidden from and refused to a token without their scope", async () => {
    const narrow = await connect(await signIn(worker.origin, { scope: "dovecote:read" }));
    try {
      const { tools } = await narrow.listTools(undefined, { cacheMode: "bypass" });
      const names = tools.map((t) => t.name);
      assert.ok(!names.some((n) => n.startsWith("modern_")), names.join(", "));
      assert.ok(names.includes("legacy_add"), "its override's scope is dovecote:read");
      await assert.rejects(
        narrow.callTool({ name: "modern_add", arguments: { a: 1, b: 1 } }),
        (e) => e instanceof InsufficientScopeError && e.requiredScope === "e2e:upstream",
      );
      const r = await narrow.callTool({ name: "legacy_add", arguments: { a: 5, b: 5 } });
      assert.deepEqual(r.structuredContent, { sum: 10 });
    } finally {
      await narrow.close();
    }
  });
});

describe("an upstream that misbehaves", LOCAL, () => {
  const cases = [
    ["slow", /did not answer within 2000 ms/],
    ["huge", /more than 65536 bytes/],
    ["garbage", /something that is not JSON/],
    ["html", /answered HTTP 502/],
    ["drop", /could not be reached/],
  ];
  for (const [how, says] of cases) {
    test(`(${how}) gives a clear isError within its deadline`, async () => {
      modern.state.misbehave = how;
      modern.state.slowMs = 5000;
      try {
        const started = Date.now();
        const r = await client.callTool({ name: "modern_add", arguments: { a: 1, b: 1 } });
        assert.equal(r.isError, true);
        assert.match(text(r), says);
        assert.match(text(r), /`modern`/);
        assert.ok(Date.now() - started < 4000, `answered in ${Date.now() - started} ms`);
      } finally {
        modern.state.misbehave = null;
      }
    });
  }

  test("does not stall calls to other upstreams", async () => {
    modern.state.misbehave = "slow";
    modern.state.slowMs = 5000;
    try {
      const slow = client.callTool({ name: "modern_add", arguments: { a: 1, b: 1 } });
      await new Promise((ok) => setTimeout(ok, 100));
      const started = Date.now();
      const other = await client.callTool({ name: "legacy_echo", arguments: { text: "meanwhile" } });
      assert.equal(text(other), "echo: meanwhile");
      assert.ok(Date.now() - started < 1500, `answered in ${Date.now() - started} ms`);
      assert.equal((await slow).isError, true);
    } finally {
      modern.state.misbehave = null;
    }
  });
});

describe("drift", LOCAL, () => {
  test("a changed upstream list is reported on /health, and is not fatal", async () => {
    let h = await health();
    assert.equal(h.status, 200, JSON.stringify(h.body));
    assert.equal(h.body.upstreams.modern.protocol, "2026-07-28");
    assert.equal(h.body.upstreams.sessions.protocol, "2025-11-25");
    assert.equal(h.body.upstreams.modern.bearer_secret, true);
    assert.equal(h.body.upstreams.modern.checked, null, "not checked yet");

    modern.state.extraTool = "brand_new";
    sessions.state.hidden = ["whoami"];
    sessions.state.sessions.clear();
    const fired = await fetch(`${worker.origin}/cdn-cgi/local/scheduled?cron=${encodeURIComponent("17 */6 * * *")}`);
    assert.equal(fired.status, 200);
    h = await health();
    assert.equal(h.status, 200, "drift is reported, not fatal");
    assert.equal(h.body.upstreams.modern.drift, true, JSON.stringify(h.body.upstreams));
    assert.deepEqual(h.body.upstreams.modern.checked.added, ["brand_new"]);
    assert.deepEqual(h.body.upstreams.modern.checked.changed, [], "the lock's descriptors fingerprint as the live ones do");
    assert.deepEqual(h.body.upstreams.modern.checked.missing, []);
    assert.deepEqual(h.body.upstreams.sessions.checked.missing, ["whoami"]);
    assert.equal(h.body.upstreams.sessions.drift, true);

    const still = await client.callTool({ name: "modern_add", arguments: { a: 3, b: 4 } });
    assert.deepEqual(still.structuredContent, { sum: 7 }, "the imported tools still work");
    const gone = await client.callTool({ name: "legacy_whoami", arguments: {} });
    assert.equal(gone.isError, true, "a tool the upstream dropped answers isError");
    modern.state.extraTool = null;
    sessions.state.hidden = [];
  });
});

describe("an upstream", LOCAL, () => {
  test("without its bearer_secret is a /health problem, and its calls say so", async () => {
    await client.close();
    await worker.restart({ SESSIONS_UPSTREAM_TOKEN: null });
    client = await connect(token);
    const h = await health();
    assert.equal(h.status, 503);
    assert.equal(h.body.upstreams.sessions.bearer_secret, false);
    assert.ok(h.body.problems.some((p) => p.includes("the upstream sessions (tools.toml) needs the secret SESSIONS_UPSTREAM_TOKEN")), JSON.stringify(h.body.problems));
    const r = await client.callTool({ name: "legacy_echo", arguments: { text: "x" } });
    assert.equal(r.isError, true);
    assert.match(text(r), /needs the secret `SESSIONS_UPSTREAM_TOKEN`/);
  });

  test("that is down gives an isError, never a 5xx", async () => {
    await modern.stop();
    const r = await client.callTool({ name: "modern_add", arguments: { a: 1, b: 1 } });
    assert.equal(r.isError, true);
    assert.match(text(r), /could not be reached/);
    modern = undefined;
  });
});
