// Per-caller, per-tool rate limits (tools.toml: get_user_info at 60/minute), kept in a
// RateLimiter Durable Object per caller. Callers are told apart by CF-Connecting-IP. The
// limiter is GCRA: a burst of 60, then one more call per second.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./harness/worker.mjs";
import { modern, post } from "./harness/mcp.mjs";

const LIMIT = 60; // get_user_info: "60/minute"
const INTERVAL_MS = 60_000 / LIMIT;

let worker;

/** Calls `tool` as the caller at `ip` (2026-07-28); returns the tools/call result. */
async function call(ip, tool = "get_user_info", args = {}) {
  const r = await modern(worker.url, "tools/call", { name: tool, arguments: args }, { headers: { "cf-connecting-ip": ip } });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.result, r.text);
  return r.json.result;
}

const isLimited = (result) => result.isError === true && /Rate limit/.test(result.content?.[0]?.text ?? "");

/** Most calls GCRA may allow in `elapsedMs` from a full bucket (one slack call for timing). */
const ceiling = (elapsedMs) => LIMIT + Math.floor(elapsedMs / INTERVAL_MS) + 1;

before(async () => {
  worker = await startWorker();
});

after(async () => {
  await worker?.stop();
});

test("a caller gets 60 calls, then a rate-limit tool error; another caller is unaffected", async () => {
  const A = "198.51.100.10";
  const B = "198.51.100.20";
  const started = Date.now();
  let allowed = 0;
  let limited;
  while (allowed < 200) {
    const result = await call(A);
    if (isLimited(result)) {
      limited = result;
      break;
    }
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.equal(result.structuredContent.id, `anonymous:${A}`);
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

  // Right away: B is allowed, A is still limited for this tool but not for another one.
  const b = await call(B);
  assert.notEqual(b.isError, true, JSON.stringify(b));
  assert.equal(b.structuredContent.id, `anonymous:${B}`);
  assert.ok(isLimited(await call(A)), "A stays limited");
  const calc = await call(A, "calculate", { operation: "add", a: 1, b: 1 });
  assert.notEqual(calc.isError, true, "limits are per tool");
  assert.equal(calc.structuredContent.result, 2);

  // The 2025 era shares the same counters: a session-era call by A is limited too.
  const init = await post(
    worker.url,
    JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "rl", version: "1" } },
    }),
    { "cf-connecting-ip": A },
  );
  const sessionId = init.headers.get("mcp-session-id");
  assert.ok(sessionId);
  const legacy = await post(
    worker.url,
    JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "get_user_info", arguments: {} } }),
    { "cf-connecting-ip": A, "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" },
  );
  assert.equal(legacy.status, 200, legacy.text);
  assert.ok(isLimited(legacy.json.result), legacy.text);
});

test("a limited caller may call again after the time it was told", async () => {
  const C = "198.51.100.30";
  let result;
  for (let i = 0; i < 200; i++) {
    result = await call(C);
    if (isLimited(result)) break;
  }
  assert.ok(isLimited(result));
  const seconds = Number(/Retry in (\d+) seconds?/.exec(result.content[0].text)[1]);
  assert.ok(seconds >= 1 && seconds <= 2, `told to retry in ${seconds} s at 60/minute`);
  await new Promise((ok) => setTimeout(ok, seconds * 1000 + 100));
  const again = await call(C);
  assert.notEqual(again.isError, true, JSON.stringify(again));
});

test("concurrent calls by one caller never exceed the limit", async () => {
  const D = "198.51.100.40";
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: LIMIT + 25 }, () => call(D)));
  const elapsed = Date.now() - started;
  const allowed = results.filter((r) => !isLimited(r)).length;
  for (const r of results.filter((x) => !isLimited(x))) assert.notEqual(r.isError, true, JSON.stringify(r));
  assert.ok(allowed >= LIMIT, `only ${allowed} of ${results.length} allowed`);
  assert.ok(allowed <= ceiling(elapsed), `${allowed} allowed in ${elapsed} ms`);
  assert.ok(results.length - allowed >= 25 - Math.floor(elapsed / INTERVAL_MS) - 1, "the excess was limited");
});
