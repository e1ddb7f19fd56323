// Request bodies in workerd: every route reads its body through a reader capped by the route
// table, so a chunked body (no Content-Length) far over the cap is answered 413 with a
// machine-readable body, and /webhooks/github refuses an address outside GitHub's ranges
// before it reads the body at all. (That the rest is left unread is shown natively, in
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
// 16 times the largest cap here (and 256 times the /mcp one); more would only fill buffers.
const FAR_OVER = 1024 * 1024;

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
 * POSTs a chunked body (no Content-Length) of FAR_OVER bytes and never ends it: the last chunk
 * is not sent, so an answer can only come from a Worker that stopped reading. (Writing on
 * after the answer would have the runtime reset the connection, so the test stops there.)
 */
function postChunked(path, headers) {
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
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    let written = 0;
    const pump = () => {
      while (!answered && written < FAR_OVER) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
    };
    pump();
  });
}

test("an unfinished chunked body far over the cap → 413 on /mcp, /token, /register and /webhooks/github", LOCAL, async () => {
  const mcp = await postChunked("/mcp", {
    "content-type": "application/json",
    accept: "application/json",
    authorization: `Bearer ${token.access_token}`,
    "mcp-protocol-version": MODERN,
    "mcp-method": "server/discover",
  });
  assert.equal(mcp.status, 413, mcp.text);
  assert.equal(mcp.json?.error?.code, -32600, mcp.text);
  assert.match(mcp.json.error.message, new RegExp(String(MCP_CAP)));

  for (const [path, type, cap] of [
    ["/token", "application/x-www-form-urlencoded", 64 * 1024],
    ["/register", "application/json", 16 * 1024],
  ]) {
    const r = await postChunked(path, { "content-type": type });
    assert.equal(r.status, 413, `${path}: ${r.text}`);
    assert.equal(r.json?.error, "payload_too_large", `${path}: ${r.text}`);
    assert.match(r.json.error_description, new RegExp(String(cap)));
  }

  const hook = await postChunked("/webhooks/github", {
    "content-type": "application/json",
    "x-github-event": "issues",
    "x-github-delivery": randomUUID(),
    "cf-connecting-ip": "140.82.112.7",
  });
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
  });
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
