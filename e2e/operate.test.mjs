// Operating a deployment, against the Worker in workerd: GET /health, the JSON log line per
// request, the scheduled purge fired as a Cron Trigger would, `make verify`
// (scripts/verify.mjs) and the suite's remote mode (TEST_BASE_URL) run against this Worker.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, localOnly, startWorker } from "./harness/worker.mjs";
import { TEST_PASSWORD, signIn } from "./harness/signin.mjs";
import { withToken } from "./harness/mcp.mjs";
import { run } from "./harness/run.mjs";
import { startWebhook } from "./harness/services/webhook.mjs";

const LOCAL = localOnly("its console output and scheduled events");
let worker;

before(async () => {
  worker = await startWorker({ logLevel: "log" });
});

after(async () => {
  await worker?.stop();
});

/** Runs a node script of the checkout. */
const node = (args, env = {}) => run(process.execPath, args, { env });

/** The JSON lines of the Worker's output that match `predicate`, waiting for them a little. */
async function logLines(predicate, { atLeast = 1 } = {}) {
  const deadline = Date.now() + 5000;
  while (true) {
    const lines = worker
      .output()
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.startsWith("{"))
      .flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } })
      .filter(predicate);
    if (lines.length >= atLeast || Date.now() > deadline) return lines;
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

describe("GET /health", () => {
  test("answers without a token: version, build, bindings and secrets present, no values", async () => {
    const r = await fetch(`${worker.origin}/health`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("cache-control"), "no-store");
    const body = await r.json();
    assert.equal(body.status, "ok", JSON.stringify(body.problems));
    assert.match(body.version, /^\d+\.\d+\.\d+/);
    assert.ok(body.build.length > 0);
    assert.equal(body.sign_in, "password");
    assert.ok(body.bindings.DOVECOTE_KV && body.bindings.GRANTS && body.bindings.AUDIT_LOG, JSON.stringify(body.bindings));
    for (const [binding, bound] of Object.entries(body.bindings)) assert.equal(bound, true, binding);
    assert.equal(body.secrets.OAUTH_PASSWORD, true);
    assert.equal(body.secrets.ADMIN_TOKEN, false);
    assert.ok(!JSON.stringify(body).includes(TEST_PASSWORD ?? "\0"), "never a secret's value");
  });

  test("POST /health → 405", async () => {
    const r = await fetch(`${worker.origin}/health`, { method: "POST" });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get("allow"), "GET");
  });
});

describe("logs", LOCAL, () => {
  test("one JSON line per request: id, route, status, latency, principal and tool — never the token", async () => {
    const { access_token } = await signIn(worker.origin);
    const { modern } = withToken(access_token);
    const r = await modern(worker.url, "tools/call", { name: "calculate", arguments: { operation: "add", a: 2, b: 3 } });
    assert.equal(r.status, 200, r.text);
    const [line] = await logLines((l) => l.event === "request" && l.tool === "calculate");
    assert.ok(line, worker.output());
    assert.equal(line.route, "/mcp");
    assert.equal(line.method, "POST");
    assert.equal(line.status, 200);
    assert.equal(line.principal, "password:owner");
    assert.equal(typeof line.latency_ms, "number");
    assert.match(line.request_id, /^[0-9a-zA-Z-]+$/);
    const tokenRequest = await logLines((l) => l.event === "request" && l.route === "/token");
    assert.equal(tokenRequest[0]?.status, 200);
    assert.ok(!worker.output().includes(access_token), "the access token is never logged");
    assert.ok(!worker.output().includes(TEST_PASSWORD), "the password is never logged");
  });

  test("paths outside the gateway's routes are logged as `other`, tools it lacks as `unknown`", async () => {
    await fetch(`${worker.origin}/secret-looking-path-abc123`);
    const { modern } = withToken((await signIn(worker.origin)).access_token);
    await modern(worker.url, "tools/call", { name: "no-such-tool-xyz", arguments: {} });
    assert.ok((await logLines((l) => l.event === "request" && l.route === "other")).length > 0);
    assert.ok((await logLines((l) => l.tool === "unknown")).length > 0);
    // (wrangler dev prints each request's path itself; the gateway's own lines must not.)
    const ours = JSON.stringify(await logLines(() => true));
    assert.ok(!ours.includes("secret-looking-path-abc123"));
    assert.ok(!ours.includes("no-such-tool-xyz"));
  });
});

describe("the scheduled purge", LOCAL, () => {
  test("the daily Cron Trigger runs every purge job and logs what each removed", async () => {
    const r = await fetch(`${worker.origin}/cdn-cgi/local/scheduled?cron=${encodeURIComponent("17 3 * * *")}`);
    assert.equal(r.status, 200, await r.text());
    const lines = await logLines((l) => l.event === "scheduled", { atLeast: 2 });
    assert.deepEqual(lines.map((l) => l.job).sort(), ["purge_audit", "purge_grants"]);
    for (const line of lines) {
      assert.equal(line.error, undefined, JSON.stringify(line));
      assert.equal(typeof line.removed, "number");
    }
  });
});

describe("make verify", () => {
  test("passes against a healthy gateway, and with the password signs in, lists tools and revokes", { timeout: 120_000 }, async () => {
    const quick = await run("make", ["--no-print-directory", "verify", `URL=${worker.url}`]);
    assert.equal(quick.status, 0, quick.stdout + quick.stderr);
    assert.match(quick.stdout, /ok +POST \/mcp without a token/);
    assert.match(quick.stdout, /skip +sign-in and tools\/list/);
    const full = await node(["scripts/verify.mjs", worker.origin], { VERIFY_PASSWORD: TEST_PASSWORD });
    assert.equal(full.status, 0, full.stdout + full.stderr);
    assert.match(full.stdout, /ok +tools\/list — .*calculate/);
    assert.match(full.stdout, /ok +revoke the check's grant/);
    assert.ok(!full.stdout.includes(TEST_PASSWORD));
  });

  test("says what is wrong: registration not as expected, a wrong password", async () => {
    const r = await node(["scripts/verify.mjs", worker.origin], { VERIFY_REGISTRATION: "closed", VERIFY_PASSWORD: "not-the-password" });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /FAIL +registration — registration is open, expected closed: set OAUTH_REGISTRATION=closed/);
    assert.match(r.stdout, /FAIL +sign in with the password/);
    assert.match(r.stdout, /\d+ passed, 2 failed/);
  });

  test("with VERIFY_NOTIFY it sends a test notification through the gateway", { ...LOCAL, timeout: 120_000 }, async () => {
    const receiver = await startWebhook({ key: "verify-signing-key" });
    const instances = [{ id: "ci", url: receiver.url, signingSecret: "verify-signing-key", allowAnyHost: true }];
    const notifying = await startWorker({ vars: { WEBHOOK_INSTANCES: JSON.stringify(instances) } });
    try {
      const r = await node(["scripts/verify.mjs", notifying.origin], { VERIFY_PASSWORD: TEST_PASSWORD, VERIFY_NOTIFY: "webhook-ci" });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /ok +send_notification — sent to webhook-ci/);
      const delivered = receiver.requests.filter((q) => q.status === 202);
      assert.equal(delivered.length, 1, JSON.stringify(receiver.requests));
      assert.match(delivered[0].body, /Dovecote verify/);
    } finally {
      await notifying.stop();
      await receiver.stop();
    }
  });

  test("refuses plain http to a public host before sending anything", async () => {
    const r = await node(["scripts/verify.mjs", "http://dovecote.example"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /not https/);
  });
});

describe("remote mode", LOCAL, () => {
  test("the suite runs against TEST_BASE_URL, skipping what needs a local Worker", { timeout: 180_000 }, async () => {
    // A Worker of its own: the SDK tests sign in often, and sign-ins are limited per address.
    const target = await startWorker();
    const files = ["e2e/sdk-v2.test.mjs", "e2e/http.test.mjs"].map((f) => join(ROOT, f));
    const r = await node(["--test", "--test-concurrency=1", ...files], {
      TEST_BASE_URL: target.url,
      TEST_PASSWORD: "dovecote-e2e-password",
    }).finally(() => target.stop());
    assert.equal(r.status, 0, r.stdout.slice(-4000) + r.stderr);
    const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, "m").exec(r.stdout)?.[1]);
    assert.ok(count("pass") > 0, "the SDK tests ran against the given URL");
    assert.ok(count("skipped") > 0, "the local-only tests were skipped");
    assert.equal(count("fail"), 0);
  });
});
