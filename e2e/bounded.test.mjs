// Bounded, end to end in workerd: an outbound fetch (here a Client ID Metadata Document, which
// anyone can make the gateway fetch without signing in) is read with a size cap and one
// deadline covering headers and body together. Local servers on 127.0.0.1 play the hostile
// document hosts: one drips a byte a second, one streams forever without Content-Length, one
// declares a huge Content-Length, one never sends headers; a closed port stands for a host
// that cannot be reached. Each failure is told to the client in the gateway's words. Then
// `/register` is flooded past its per-address rate.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { freePort, localOnly, startWorker } from "./harness/worker.mjs";

// A hang is a failure: no case may take this long (the gateway's deadline is 5 s).
const HANG = { timeout: 60_000 };

let worker;
let hostile;
/** What each path's connection saw: bytes written, and whether the gateway hung up. */
const seen = new Map();

function documentFor(url) {
  return JSON.stringify({ client_id: url, client_name: "Hostile", redirect_uris: ["http://127.0.0.1/cb"] });
}

function serve(req, res) {
  const url = `http://127.0.0.1:${hostile.address().port}${req.url}`;
  const record = { sent: 0, closed: false };
  seen.set(req.url, record);
  res.on("close", () => { record.closed = true; });
  const write = (chunk) => { record.sent += chunk.length; return res.write(chunk); };
  if (req.url === "/drip.json") {
    // A valid document, one byte a second: complete only after minutes.
    res.writeHead(200, { "content-type": "application/json" });
    const doc = documentFor(url);
    let at = 0;
    const timer = setInterval(() => {
      if (res.destroyed || at >= doc.length) { clearInterval(timer); res.end(); return; }
      write(doc[at++]);
    }, 1000);
    res.on("close", () => clearInterval(timer));
  } else if (req.url === "/endless.json") {
    // No Content-Length, and no end.
    res.writeHead(200, { "content-type": "application/json" });
    const chunk = Buffer.alloc(1024, 0x20);
    const pump = () => { while (!res.destroyed && write(chunk)) { /* until the buffer fills */ } };
    res.on("drain", pump);
    pump();
  } else if (req.url === "/huge.json") {
    res.writeHead(200, { "content-type": "application/json", "content-length": String(50 * 1024 * 1024) });
    write(Buffer.alloc(1024, 0x20));
  } else if (req.url === "/silent.json") {
    // Headers never come.
  } else {
    res.writeHead(404).end();
  }
}

/** Presents `clientId` at /token, which must fetch its metadata document first. */
async function tokenAs(clientId) {
  const r = await fetch(`${worker.origin}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: "x.y",
      code_verifier: "a".repeat(43),
      redirect_uri: "http://127.0.0.1/cb",
      client_id: clientId,
    }),
  });
  return { status: r.status, body: await r.json() };
}

/** Waits until the hostile server sees `path`'s connection closed by the gateway. */
async function hungUp(path) {
  for (let i = 0; i < 200 && !seen.get(path)?.closed; i++) await new Promise((ok) => setTimeout(ok, 100));
  return seen.get(path)?.closed ?? false;
}

describe("bounded outbound fetches and budgets", localOnly("local document hosts and variables set for the test"), () => {
  before(async () => {
    hostile = http.createServer(serve);
    await new Promise((ok) => hostile.listen(0, "127.0.0.1", ok));
    worker = await startWorker({
      vars: { OAUTH_ALLOW_LOOPBACK_CLIENT_METADATA: "true", REGISTER_RATE_PER_ADDRESS: "3/hour" },
    });
  });
  after(async () => {
    await worker?.stop();
    hostile?.closeAllConnections();
    await new Promise((ok) => hostile?.close(ok) ?? ok());
  });

  const origin = () => `http://127.0.0.1:${hostile.address().port}`;

  test("a document that drips a byte a second is cut off at the deadline", HANG, async () => {
    const { status, body } = await tokenAs(`${origin()}/drip.json`);
    assert.equal(status, 401, JSON.stringify(body));
    assert.equal(body.error, "invalid_client");
    assert.match(body.error_description, /sent no complete answer within 5 seconds/);
    assert.ok(await hungUp("/drip.json"), "the gateway closed the connection");
    assert.ok(seen.get("/drip.json").sent < 30, `only the first bytes were sent: ${seen.get("/drip.json").sent}`);
  });

  test("a document that streams forever is cut off at the size cap", HANG, async () => {
    const { status, body } = await tokenAs(`${origin()}/endless.json`);
    assert.equal(status, 401, JSON.stringify(body));
    assert.match(body.error_description, /is larger than 5120 bytes/);
    assert.ok(await hungUp("/endless.json"), "the gateway closed the connection");
  });

  test("a declared Content-Length over the cap is refused before the body is read", HANG, async () => {
    const { status, body } = await tokenAs(`${origin()}/huge.json`);
    assert.equal(status, 401, JSON.stringify(body));
    assert.match(body.error_description, /is larger than 5120 bytes/);
    assert.ok(await hungUp("/huge.json"), "the gateway closed the connection");
  });

  test("a server that never answers is told as such", HANG, async () => {
    const { status, body } = await tokenAs(`${origin()}/silent.json`);
    assert.equal(status, 401, JSON.stringify(body));
    assert.match(body.error_description, /sent no complete answer within 5 seconds/);
  });

  test("a host that cannot be reached is told in the gateway's words", HANG, async () => {
    const closed = await freePort();
    const { status, body } = await tokenAs(`http://127.0.0.1:${closed}/client.json`);
    assert.equal(status, 401, JSON.stringify(body));
    assert.match(body.error_description, /could not be reached/);
    assert.doesNotMatch(body.error_description, /TypeError|Error:|fetch|internal/i);
  });

  test("a flood of registrations from one address gets 429 with Retry-After", HANG, async () => {
    const meta = JSON.stringify({ redirect_uris: ["http://127.0.0.1:9999/cb"], token_endpoint_auth_method: "none", client_name: "Flood" });
    const register = () => fetch(`${worker.origin}/register`, {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": "198.51.100.77" },
      body: meta,
    });
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const r = await register();
      assert.equal(r.status, 201);
      ids.push((await r.json()).client_id);
    }
    for (let i = 0; i < 20; i++) {
      const r = await register();
      assert.equal(r.status, 429);
      assert.match(r.headers.get("retry-after") ?? "", /^[1-9][0-9]*$/);
      assert.equal((await r.json()).error, "invalid_request");
    }
    assert.equal(new Set(ids).size, 3);
  });
});
