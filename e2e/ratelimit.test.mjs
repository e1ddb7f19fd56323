// Per-caller, per-tool rate limits (tools.toml: get_user_info at 60/minute), kept in a
// RateLimiter Durable Object per caller. The caller is the signed-in user: every password
// sign-in is the user "owner" (principal "password:owner"), so a limit follows the user across
// access tokens, OAuth clients, network addresses and protocol eras, while each tool has its
// own. Two different users keep separate limits in e2e/github.test.mjs (GitHub sign-in).
// The limiter is GCRA: a burst of 60, then one more call per second. Each test has its own Worker, so the user's buckets start full.
import { afterEach, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./harness/worker.mjs";
import { signIn } from "./harness/signin.mjs";
import { modern, post } from "./harness/mcp.mjs";

const LIMIT = 60; // get_user_info: "60/minute"
const INTERVAL_MS = 60_000 / LIMIT;
const USER = "password:owner";

let worker;
let token; // a sign-in of the user

/** Calls `tool` with `as`'s access token (2026-07-28); returns the tools/call result. */
async function call({ as = token, tool = "get_user_info", args = {}, headers = {} } = {}) {
  const r = await modern(
    worker.url,
    "tools/call",
    { name: tool, arguments: args },
    { headers: { authorization: `Bearer ${as.access_token}`, ...headers } },
  );
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.result, r.text);
  return r.json.result;
}

const isLimited = (result) => result.isError === true && /Rate limit/.test(result.content?.[0]?.text ?? "");

/** How many calls with `options` get through before one is limited (at most 200). */
async function allowedUntilLimited(options = {}) {
  let allowed = 0;
  while (allowed < 200 && !isLimited(await call(options))) allowed++;
  return allowed;
}

/** Most calls GCRA may allow in `elapsedMs` from a full bucket (one slack call for timing). */
const ceiling = (elapsedMs) => LIMIT + Math.floor(elapsedMs / INTERVAL_MS) + 1;

beforeEach(async () => {
  worker = await startWorker();
  token = await signIn(worker.origin);
});

afterEach(async () => {
  await worker?.stop();
});

test("the user gets 60 calls, then a rate-limit tool error; other tools keep their own limits", async () => {
  const started = Date.now();
  let allowed = 0;
  let limited;
  while (allowed < 200) {
    const result = await call();
    if (isLimited(result)) {
      limited = result;
      break;
    }
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.equal(result.structuredContent.id, USER);
    allowed++;
  }
  const elapsed = Date.now() - started;
  assert.ok(limited, `never limited after ${allowed} calls`);
  assert.ok(allowed >= LIMIT, `only ${allowed} calls were allowed before the limit`);
  assert.ok(allowed <= ceiling(elapsed), `${allowed} calls allowed in ${elapsed} ms`);

  const message = limited.content[0].text;
  assert.match(message, /Rate limit/);
  assert.match(message, /get_user_info/);
  assert.match(message, /60 calls per minute/);
  assert.match(message, /Retry in \d+ seconds?\./);
  assert.equal(limited.structuredContent, undefined);
  assert.equal(limited.resultType, "complete", "a limited call is a result, not a protocol error");

  // Right away: the user is still limited for this tool (a call a second refills), but not
  // for another one.
  assert.ok((await allowedUntilLimited()) <= 1, "the user stays limited");
  const calc = await call({ tool: "calculate", args: { operation: "add", a: 1, b: 1 } });
  assert.notEqual(calc.isError, true, "limits are per tool");
  assert.equal(calc.structuredContent.result, 2);
});

test("the limit is the user's: another token, another client or another address does not escape it", async () => {
  // Signed in before the bucket is drained: a sign-in takes long enough under load for the
  // bucket to refill a call (one a second), which would let the second token through.
  const second = await signIn(worker.origin);
  assert.ok((await allowedUntilLimited()) < 200, "the first token is limited");

  // The same token from another address (CF-Connecting-IP): still the same user. The bucket
  // refills one call a second, so a call may get through if a second passed; a bucket of its
  // own would let 60 through.
  assert.ok((await allowedUntilLimited({ headers: { "cf-connecting-ip": "198.51.100.20" } })) <= 1);

  // A fresh sign-in through another client, from another address: a new token and client,
  // the same user, the same bucket.
  assert.notEqual(second.client_id, token.client_id);
  assert.notEqual(second.access_token, token.access_token);
  assert.ok((await allowedUntilLimited({ as: second, headers: { "cf-connecting-ip": "198.51.100.30" } })) <= 1);
  const otherTool = await call({ as: second, tool: "calculate", args: { operation: "add", a: 2, b: 2 } });
  assert.notEqual(otherTool.isError, true, JSON.stringify(otherTool));

  // The 2025 era shares the same counters: a session-era call by the user is limited too.
  const auth = { authorization: `Bearer ${second.access_token}` };
  const init = await post(
    worker.url,
    JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "rl", version: "1" } },
    }),
    auth,
  );
  const sessionId = init.headers.get("mcp-session-id");
  assert.ok(sessionId, init.text);
  // The bucket refills one call a second: at most one session-era call may get through before
  // it is limited again; a bucket of its own would allow 60.
  let legacyAllowed = 0;
  for (;;) {
    const legacy = await post(
      worker.url,
      JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "get_user_info", arguments: {} } }),
      { ...auth, "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" },
    );
    assert.equal(legacy.status, 200, legacy.text);
    if (isLimited(legacy.json.result)) break;
    legacyAllowed++;
    assert.ok(legacyAllowed <= 1, `the session era has a bucket of its own: ${legacy.text}`);
  }
});

test("a limited user may call again after the time it was told", async () => {
  let result;
  for (let i = 0; i < 200; i++) {
    result = await call();
    if (isLimited(result)) break;
  }
  assert.ok(isLimited(result));
  const seconds = Number(/Retry in (\d+) seconds?/.exec(result.content[0].text)[1]);
  assert.ok(seconds >= 1 && seconds <= 2, `told to retry in ${seconds} s at 60/minute`);
  await new Promise((ok) => setTimeout(ok, seconds * 1000 + 100));
  const again = await call();
  assert.notEqual(again.isError, true, JSON.stringify(again));
});

test("concurrent calls by one user never exceed the limit", async () => {
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: LIMIT + 25 }, () => call()));
  const elapsed = Date.now() - started;
  const allowed = results.filter((r) => !isLimited(r)).length;
  for (const r of results.filter((x) => !isLimited(x))) assert.notEqual(r.isError, true, JSON.stringify(r));
  assert.ok(allowed >= LIMIT, `only ${allowed} of ${results.length} allowed`);
  assert.ok(allowed <= ceiling(elapsed), `${allowed} allowed in ${elapsed} ms`);
  assert.ok(results.length - allowed >= 25 - Math.floor(elapsed / INTERVAL_MS) - 1, "the excess was limited");
});
