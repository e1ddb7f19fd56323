// Request bodies in workerd: every route reads its body through a reader capped by the route
// table, so a chunked body (no Content-Length) that never ends — past the cap, and then
// without end — is answered 413 with a machine-readable body, and /webhooks/github refuses an
// address outside GitHub's ranges before it reads the body at all. (That the rest is left unread is shown natively, in
// gateway/tests/routes.rs and gateway/src/body.rs, where the chunks taken can be counted.)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import http from "node:http";
import { localOnly, startWorker } from "./harness/worker.mjs";
import { signIn } from "./harness/signin.mjs";
import { MODERN } from "./harness/mcp.mjs";

const LOCAL = localOnly("body caps set for the test");
const MCP_CAP = 4096;
const WEBHOOK_CAP = 64 * 1024;
// What is sent past the cap before the client stops writing (its body never ends). More
// would sit unread in the runtime's socket when it answers, and a socket closed with unread
// data is reset, losing the answer on the way: the test would fail for the wrong reason.
const PAST_CAP = 16 * 1024;

let worker;
let token;

before(async () => {
  if (LOCAL.skip) return;
  worker = await startWorker({
    vars: {
      MCP_MAX_BODY_BYTES: String(MCP_CAP),
      WEBHOOK_MAX_BODY_BYTES: String(WEBHOOK_CAP),
      WEBHOOK_IP_ALLOWLIST: "github",
      GITHUB_WEBHOOK_SECRET: "bodies-secret",
    },
  });
  token = await signIn(worker.origin);
});

after(async () => {
  await worker?.stop();
});

/** A body of `size` bytes of `fill`, streamed in 16 KiB chunks with no Content-Length. */
function chunked(size, fill = " ") {
  const chunk = new TextEncoder().encode(fill.repeat(16 * 1024));
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      controller.enqueue(chunk);
      sent += chunk.length;
    },
  });
}

/**
 * POSTs a chunked body (no Content-Length) that never ends: `cap` + PAST_CAP bytes, then
 * nothing, not even the last chunk — a body of no length at all, far over any cap. An answer
 * can only come from a Worker that stopped reading; one that read bodies whole would wait.
 */
function postChunked(path, headers, cap) {
  return new Promise((ok, fail) => {
    const url = new URL(path, worker.origin);
    let answered = false;
    const timer = setTimeout(() => fail(new Error(`${path}: no answer while the body was unfinished`)), 30_000);
    const req = http.request({ host: url.hostname, port: url.port, path, method: "POST", headers }, (res) => {
      answered = true;
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => {
        clearTimeout(timer);
        req.destroy();
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        ok({ status: res.statusCode, text, json });
      });
    });
    req.on("error", (e) => { if (!answered) { clearTimeout(timer); fail(e); } });
    const chunk = Buffer.alloc(1024, 0x20);
    let written = 0;
    const pump = () => {
      while (!answered && written < cap + PAST_CAP) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
    };
    pump();
  });
}

test("a chunked body that never ends → 413 on /mcp, /token, /register and /webhooks/github", LOCAL, async () => {
  const mcp = await postChunked("/mcp", {
    "content-type": "application/json",
    accept: "application/json",
    authorization: `Bearer ${token.access_token}`,
    "mcp-protocol-version": MODERN,
    "mcp-method": "server/discover",
  }, MCP_CAP);
  assert.equal(mcp.status, 413, mcp.text);
  assert.equal(mcp.json?.error?.code, -32600, mcp.text);
  assert.match(mcp.json.error.message, new RegExp(String(MCP_CAP)));

  for (const [path, type, cap] of [
    ["/token", "application/x-www-form-urlencoded", 64 * 1024],
    ["/register", "application/json", 16 * 1024],
  ]) {
    const r = await postChunked(path, { "content-type": type }, cap);
    assert.equal(r.status, 413, `${path}: ${r.text}`);
    assert.equal(r.json?.error, "payload_too_large", `${path}: ${r.text}`);
    assert.match(r.json.error_description, new RegExp(String(cap)));
  }

  const hook = await postChunked("/webhooks/github", {
    "content-type": "application/json",
    "x-github-event": "issues",
    "x-github-delivery": randomUUID(),
    "cf-connecting-ip": "140.82.112.7",
  }, WEBHOOK_CAP);
  assert.equal(hook.status, 413, hook.text);
  assert.equal(hook.json?.error, "payload_too_large", hook.text);
  assert.match(hook.json.error_description, new RegExp(`${WEBHOOK_CAP} bytes \\(WEBHOOK_MAX_BODY_BYTES\\)`));
});

test("/webhooks/github refuses an address outside GitHub's ranges before reading the body", LOCAL, async () => {
  const r = await postChunked("/webhooks/github", {
    "content-type": "application/json",
    "x-github-event": "issues",
    "x-github-delivery": randomUUID(),
    "cf-connecting-ip": "203.0.113.50",
  }, 0);
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json?.error, "forbidden_address", r.text);
});

test("a body up to the cap is still served", LOCAL, async () => {
  const r = await fetch(`${worker.origin}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: chunked(32 * 1024, "a"),
    duplex: "half",
  });
  const json = await r.json();
  assert.notEqual(r.status, 413, JSON.stringify(json));
  assert.equal(json.error, "invalid_client", "read whole, then judged on what it says");
});
