// Exact HTTP behaviour of /mcp with raw requests: status codes, headers and JSON-RPC error
// codes for malformed, oversized, cross-origin and 2026-07-28 header-checked requests. Bad
// input must never get a 5xx. Requests carry an access token from a sign-in in `before`;
// those without one must get the 401 challenge that starts OAuth discovery.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startWorker, REMOTE, localOnly } from "./harness/worker.mjs";
import { signIn } from "./harness/signin.mjs";
import { MODERN, modernMeta, post as postWithout, sseMessages, withToken } from "./harness/mcp.mjs";
import { defaultTools, operatorScopes } from "./harness/manifest.mjs";

/** These tests configure their own Worker: skipped in remote mode (TEST_BASE_URL). */
const LOCAL = localOnly("MCP_MAX_BODY_BYTES and MCP_TOOLS_PAGE_SIZE set for the test");

// Never in the default grant or the 401 challenge; a client asks for it by name.
const HIGH_PRIVILEGE = "dovecote:env:read";

const MAX_BODY = 4096;
// Every tool the default sign-in's scopes reach (get_env's high-privilege scope must be asked
// for by name).
const ALL_TOOLS = defaultTools();

let worker;
let token; // {access_token, refresh_token, client_id, scope}
let post; // post and modern with `Authorization: Bearer <access token>`
let modern;
const bearer = () => ({ authorization: `Bearer ${token.access_token}` });

const b64 = (s) => `=?base64?${Buffer.from(s, "utf8").toString("base64")}?=`;

/** The body of a 2026-07-28 request. */
const modernBody = (method, params = {}, id = 1) =>
  JSON.stringify({ jsonrpc: "2.0", id, method, params: { ...params, _meta: modernMeta(params._meta) } });

/** The headers of a 2026-07-28 request for `method`. */
const modernHeaders = (method, name) => ({
  "mcp-protocol-version": MODERN,
  "mcp-method": method,
  ...(name ? { "mcp-name": name } : {}),
});

/** Asserts a JSON-RPC error response. */
function assertError(r, status, code, id = null) {
  assert.equal(r.status, status, `status (body: ${r.text})`);
  assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
  assert.ok(r.json, `a JSON body: ${r.text}`);
  assert.equal(r.json.jsonrpc, "2.0");
  assert.equal(r.json.error?.code, code, `error code (body: ${r.text})`);
  assert.equal(typeof r.json.error.message, "string");
  assert.ok(r.json.error.message.length > 0);
  assert.deepEqual(r.json.id, id, "the error's id");
  assert.equal(r.json.result, undefined);
  return r.json.error;
}

/** A request through node:http, which (unlike fetch) lets the test choose the Host header. */
function rawRequest({ method = "POST", headers = {}, body = "" }) {
  return new Promise((ok, fail) => {
    const req = http.request(
      { host: "127.0.0.1", port: worker.port, path: "/mcp", method, headers },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => ok({ status: res.statusCode, headers: res.headers, text }));
      },
    );
    req.on("error", fail);
    req.end(body);
  });
}

before(async () => {
  if (REMOTE) return;
  worker = await startWorker({ vars: { MCP_MAX_BODY_BYTES: String(MAX_BODY), MCP_TOOLS_PAGE_SIZE: "1" } });
  token = await signIn(worker.origin);
  ({ post, modern } = withToken(token.access_token));
});

after(async () => {
  await worker?.stop();
});

describe("the JSON-RPC envelope", LOCAL, () => {
  test("invalid JSON → 400 -32700", async () => {
    assertError(await post(worker.url, "{not json", modernHeaders("tools/list")), 400, -32700);
    assertError(await post(worker.url, "", modernHeaders("tools/list")), 400, -32700);
  });

  test("a JSON array (batch) → 400 -32600", async () => {
    const batch = `[${modernBody("tools/list")},${modernBody("server/discover", {}, 2)}]`;
    const e = assertError(await post(worker.url, batch, modernHeaders("tools/list")), 400, -32600);
    assert.match(e.message, /batch/i);
    assertError(await post(worker.url, "[]", modernHeaders("tools/list")), 400, -32600);
  });

  test("a JSON value that is not an object → 400 -32600", async () => {
    for (const body of ["null", "42", '"tools/list"', "true"]) {
      assertError(await post(worker.url, body, modernHeaders("tools/list")), 400, -32600);
    }
  });

  test("id null, fractional or an object → 400 -32600", async () => {
    for (const id of [null, 1.5, { a: 1 }, [1], true]) {
      const body = JSON.stringify({ jsonrpc: "2.0", id, method: "tools/list", params: { _meta: modernMeta() } });
      assertError(await post(worker.url, body, modernHeaders("tools/list")), 400, -32600);
    }
  });

  test("a wrong jsonrpc version, a non-string method or array params → 400 -32600 echoing the id", async () => {
    const bodies = [
      { jsonrpc: "1.0", id: 11, method: "tools/list", params: { _meta: modernMeta() } },
      { id: 11, method: "tools/list", params: { _meta: modernMeta() } },
      { jsonrpc: "2.0", id: 11, method: 5, params: { _meta: modernMeta() } },
      { jsonrpc: "2.0", id: 11, method: "tools/list", params: [1, 2] },
      { jsonrpc: "2.0", id: 11 },
    ];
    for (const body of bodies) {
      assertError(await post(worker.url, JSON.stringify(body), modernHeaders("tools/list")), 400, -32600, 11);
    }
  });

  test("deeply nested JSON and invalid UTF-8 are client errors, not server errors", async () => {
    const deep = "[".repeat(2000) + "]".repeat(2000);
    let r = await post(worker.url, deep, modernHeaders("tools/list"));
    assert.equal(r.status, 400, r.text);
    const objDeep = '{"a":'.repeat(600) + "1" + "}".repeat(600);
    r = await post(worker.url, objDeep, modernHeaders("tools/list"));
    assert.equal(r.status, 400, r.text);
    r = await post(worker.url, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), modernHeaders("tools/list"));
    assertError(r, 400, -32700);
  });

  test("errors echo string and integer request ids", async () => {
    for (const id of ["req-α-1", 0, 9007199254740991, -4]) {
      const body = JSON.stringify({ jsonrpc: "2.0", id, method: "no/such/method", params: { _meta: modernMeta() } });
      assertError(await post(worker.url, body, modernHeaders("no/such/method")), 404, -32601, id);
    }
    const r = await modern(worker.url, "tools/list", { cursor: "garbage" }, { id: "cursor-7" });
    assertError(r, 400, -32602, "cursor-7");
  });

  test("a notification → 202 with an empty body", async () => {
    const body = JSON.stringify({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: 1, _meta: modernMeta() },
    });
    const r = await post(worker.url, body, modernHeaders("notifications/cancelled"));
    assert.equal(r.status, 202);
    assert.equal(r.text, "");
    const bare = await post(worker.url, JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), {
      "mcp-protocol-version": MODERN,
    });
    assert.equal(bare.status, 202);
    assert.equal(bare.text, "");
  });

  test("a 2026-07-28 client may not send responses → 400", async () => {
    const r = await post(worker.url, JSON.stringify({ jsonrpc: "2.0", id: 5, result: {} }), {
      "mcp-protocol-version": MODERN,
    });
    assertError(r, 400, -32600);
  });
});

describe("size, media types and methods", LOCAL, () => {
  /** A 2026-07-28 server/discover body padded to exactly `size` bytes. */
  function paddedBody(size) {
    const base = modernBody("server/discover", { _meta: { pad: "" } });
    const body = modernBody("server/discover", { _meta: { pad: "x".repeat(size - Buffer.byteLength(base)) } });
    assert.equal(Buffer.byteLength(body), size);
    return body;
  }

  test(`a body over MCP_MAX_BODY_BYTES (${MAX_BODY}) → 413`, async () => {
    const e = assertError(await post(worker.url, paddedBody(MAX_BODY + 1), modernHeaders("server/discover")), 413, -32600);
    assert.match(e.message, new RegExp(String(MAX_BODY)));
    assert.equal((await post(worker.url, paddedBody(MAX_BODY * 4), modernHeaders("server/discover"))).status, 413);
  });

  test("a body of exactly the limit, or just under, is served", async () => {
    for (const size of [MAX_BODY, MAX_BODY - 1, MAX_BODY - 100]) {
      const r = await post(worker.url, paddedBody(size), modernHeaders("server/discover"));
      assert.equal(r.status, 200, `${size} bytes: ${r.text}`);
      assert.ok(r.json.result.supportedVersions);
    }
  });

  test("an oversized chunked body (no Content-Length) → 413", async () => {
    const bytes = new TextEncoder().encode(paddedBody(MAX_BODY + 500));
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 1000) controller.enqueue(bytes.slice(i, i + 1000));
        controller.close();
      },
    });
    const res = await fetch(worker.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...bearer(), ...modernHeaders("server/discover") },
      body: stream,
      duplex: "half",
    });
    const text = await res.text();
    assert.equal(res.status, 413, text);
  });

  test("a wrong or missing Content-Type → 415", async () => {
    const body = modernBody("server/discover");
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "text/json"]) {
      const r = await post(worker.url, body, { ...modernHeaders("server/discover"), "content-type": type });
      assertError(r, 415, -32600);
    }
    const res = await fetch(worker.url, {
      method: "POST",
      headers: { accept: "application/json", ...bearer(), ...modernHeaders("server/discover") },
      body: new Blob([body]),
    });
    assert.equal(res.status, 415, await res.text());
    const charset = await post(worker.url, body, {
      ...modernHeaders("server/discover"),
      "content-type": "application/json; charset=utf-8",
    });
    assert.equal(charset.status, 200, charset.text);
  });

  test("Accept: text/html → 406", async () => {
    const r = await post(worker.url, modernBody("server/discover"), { ...modernHeaders("server/discover"), accept: "text/html" });
    assertError(r, 406, -32600);
  });

  test("Accept: text/event-stream only → the response as one SSE event", async () => {
    const r = await post(worker.url, modernBody("tools/call", { name: "calculate", arguments: { operation: "add", a: 2, b: 2 } }, 41), {
      ...modernHeaders("tools/call", "calculate"),
      accept: "text/event-stream",
    });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get("content-type"), /^text\/event-stream/);
    assert.equal(r.headers.get("x-accel-buffering"), "no");
    const messages = sseMessages(r.text);
    assert.equal(messages.length, 1);
    assert.equal(messages[0].id, 41);
    assert.equal(messages[0].result.structuredContent.result, 4);
  });

  test("Accept: application/json and text/event-stream → plain JSON when there is nothing to stream", async () => {
    const r = await modern(worker.url, "tools/call", { name: "calculate", arguments: { operation: "add", a: 2, b: 2 } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type"), /^application\/json/);
  });

  test("PUT on /mcp → 405 with Allow; GET and DELETE without a session → 400", async () => {
    const put = await fetch(worker.url, { method: "PUT", headers: { accept: "application/json, text/event-stream", ...bearer() } });
    const text = await put.text();
    assert.equal(put.status, 405, text);
    const allow = (put.headers.get("allow") ?? "").split(",").map((m) => m.trim());
    for (const method of ["POST", "GET", "DELETE"]) assert.ok(allow.includes(method), `Allow: ${allow}`);
    assert.ok(!allow.includes("PUT"));
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(worker.url, { method, headers: { accept: "text/event-stream", ...bearer() } });
      const body = await res.json();
      assert.equal(res.status, 400, `${method}: ${JSON.stringify(body)}`);
      assert.match(body.error.message, /Mcp-Session-Id is required/);
    }
  });

  test("OPTIONS /mcp without an Origin advertises the same methods as the 405 answers", async () => {
    // RFC 9110 §9.3.7/§10.2.1: Allow lists the methods the resource supports, the same in a
    // 405 (here to PUT) as in OPTIONS.
    const get = await fetch(worker.url, { method: "PUT", headers: bearer() });
    await get.text();
    const options = await fetch(worker.url, { method: "OPTIONS" });
    await options.text();
    assert.equal(options.status, 204);
    const set = (h) => (h ?? "").split(",").map((m) => m.trim()).filter(Boolean).sort();
    assert.deepEqual(set(options.headers.get("allow")), set(get.headers.get("allow")));
  });
});

describe("Origin and Host (DNS rebinding) and CORS", LOCAL, () => {
  test("a foreign Origin → 403 with a JSON body", async () => {
    for (const origin of ["http://evil.example", "https://evil.example", "null", "http://localhost.evil.example"]) {
      const r = await post(worker.url, modernBody("server/discover"), { ...modernHeaders("server/discover"), origin });
      assert.equal(r.status, 403, `${origin}: ${r.text}`);
      assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
      assert.ok(r.json, r.text);
      assert.equal(r.headers.get("access-control-allow-origin"), null);
    }
  });

  test("a foreign Host → 403", async () => {
    for (const host of ["evil.example.com", "localhost.evil.example.com", "127.0.0.1.nip.io"]) {
      const r = await rawRequest({
        headers: { host, "content-type": "application/json", accept: "application/json", ...bearer(), ...modernHeaders("server/discover") },
        body: modernBody("server/discover"),
      });
      assert.equal(r.status, 403, `${host}: ${r.text}`);
      assert.ok(JSON.parse(r.text));
    }
    // A loopback alias is served. Tokens are bound to the resource they were issued for
    // (see "a token is bound to the origin it was signed in through"), so this one comes from
    // a sign-in through http://localhost.
    const viaLocalhost = await signIn(`http://localhost:${worker.port}`);
    const ok = await rawRequest({
      headers: {
        host: `localhost:${worker.port}`,
        "content-type": "application/json",
        accept: "application/json",
        authorization: `Bearer ${viaLocalhost.access_token}`,
        ...modernHeaders("server/discover"),
      },
      body: modernBody("server/discover"),
    });
    assert.equal(ok.status, 200, ok.text);
  });

  test("a loopback Origin is allowed and gets CORS headers", async () => {
    const origin = `http://localhost:${worker.port}`;
    const r = await post(worker.url, modernBody("server/discover"), { ...modernHeaders("server/discover"), origin });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get("access-control-allow-origin"), origin);
    const exposed = (r.headers.get("access-control-expose-headers") ?? "").toLowerCase().split(",").map((h) => h.trim());
    for (const h of ["mcp-session-id", "www-authenticate", "mcp-protocol-version"]) {
      assert.ok(exposed.includes(h), `${h} exposed: ${exposed}`);
    }
    assert.match(r.headers.get("vary") ?? "", /origin/i);
  });

  test("errors to an allowed Origin carry CORS headers too", async () => {
    const origin = `http://127.0.0.1:${worker.port}`;
    const r = await post(worker.url, "{oops", { ...modernHeaders("server/discover"), origin });
    assert.equal(r.status, 400);
    assert.equal(r.headers.get("access-control-allow-origin"), origin);
  });

  test("a preflight from an allowed Origin → 204 with the allowed methods and headers", async () => {
    const origin = `http://localhost:${worker.port}`;
    const res = await fetch(worker.url, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type, mcp-protocol-version, mcp-method, mcp-name",
      },
    });
    // Browsers send preflights without credentials: no token is needed for one.
    assert.equal(res.status, 204);
    assert.equal(await res.text(), "");
    assert.equal(res.headers.get("access-control-allow-origin"), origin);
    const methods = (res.headers.get("access-control-allow-methods") ?? "").split(",").map((m) => m.trim());
    assert.ok(methods.includes("POST"), `methods: ${methods}`);
    const allowed = (res.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    for (const h of ["authorization", "content-type", "mcp-protocol-version", "mcp-method", "mcp-name"]) {
      assert.ok(allowed.includes(h), `${h} allowed: ${allowed}`);
    }
    const exposed = (res.headers.get("access-control-expose-headers") ?? "").toLowerCase().split(",").map((h) => h.trim());
    assert.ok(exposed.includes("www-authenticate"), `WWW-Authenticate exposed: ${exposed}`);
  });

  test("a preflight from a foreign Origin → 403", async () => {
    const res = await fetch(worker.url, {
      method: "OPTIONS",
      headers: { origin: "http://evil.example", "access-control-request-method": "POST" },
    });
    await res.text();
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
  });
});

/** The auth-params of a `Bearer` WWW-Authenticate challenge, e.g. {resource_metadata, scope}. */
function bearerChallenge(header) {
  const m = /^Bearer (.+)$/.exec(header ?? "");
  assert.ok(m, `a Bearer challenge: ${header}`);
  const params = {};
  for (const [, k, v] of m[1].matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) params[k] = v;
  return params;
}

describe("Bearer tokens on /mcp", LOCAL, () => {
  const prmUrl = () => `${worker.origin}/.well-known/oauth-protected-resource/mcp`;

  test("no token → 401 with a Bearer challenge naming the resource metadata and the scopes", async () => {
    const { scopes_supported } = await (await fetch(prmUrl())).json();
    const initialize = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } },
    });
    const requests = [
      await postWithout(worker.url, modernBody("tools/list"), modernHeaders("tools/list")),
      await postWithout(worker.url, modernBody("tools/call", { name: "calculate", arguments: { operation: "add", a: 1, b: 1 } }), modernHeaders("tools/call", "calculate")),
      await postWithout(worker.url, modernBody("server/discover"), modernHeaders("server/discover")),
      await postWithout(worker.url, initialize),
    ];
    for (const r of requests) {
      assert.equal(r.status, 401, r.text);
      const header = r.headers.get("www-authenticate");
      assert.equal(
        header,
        `Bearer resource_metadata="${prmUrl()}", scope="${scopes_supported.filter((s) => !operatorScopes().includes(s)).join(" ")}"`,
        "the exact challenge: what a member may hold (operator scopes, the high-privilege one among them, are asked for by name)",
      );
      // RFC 6750 §3.1: a request without credentials gets no error code in the challenge.
      assert.equal(bearerChallenge(header).error, undefined);
      assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
      assert.ok(r.json, r.text);
      assert.equal(r.headers.get("mcp-session-id"), null, "no session without a token");
    }
    const get = await fetch(worker.url, { headers: { accept: "text/event-stream" } });
    await get.text();
    assert.equal(get.status, 401);
    assert.ok(get.headers.get("www-authenticate").startsWith("Bearer resource_metadata="));
  });

  test("the resource metadata the challenge names points back at this server", async () => {
    const r = await postWithout(worker.url, modernBody("tools/list"), modernHeaders("tools/list"));
    const { resource_metadata, scope } = bearerChallenge(r.headers.get("www-authenticate"));
    const res = await fetch(resource_metadata);
    assert.equal(res.status, 200);
    const prm = await res.json();
    assert.equal(prm.resource, worker.url);
    assert.deepEqual(prm.authorization_servers, [worker.origin]);
    assert.deepEqual([...prm.scopes_supported].sort(), [...scope.split(" "), ...operatorScopes()].sort());
    assert.ok(operatorScopes().includes(HIGH_PRIVILEGE));
    assert.deepEqual(prm.bearer_methods_supported, ["header"]);
  });

  test("a forged, tampered or non-Bearer credential → 401 error=\"invalid_token\"", async () => {
    const tampered = token.access_token.slice(0, -1) + (token.access_token.endsWith("A") ? "B" : "A");
    for (const authorization of [
      "Bearer dva_forged",
      `Bearer ${tampered}`,
      `Bearer ${token.refresh_token}`,
      "Bearer ",
      `Basic ${Buffer.from("owner:dovecote-e2e-password").toString("base64")}`,
      token.access_token,
    ]) {
      const r = await modern(worker.url, "tools/list", {}, { headers: { authorization } });
      assert.equal(r.status, 401, `${authorization}: ${r.text}`);
      const challenge = bearerChallenge(r.headers.get("www-authenticate"));
      assert.equal(challenge.error, "invalid_token", authorization);
      assert.equal(challenge.resource_metadata, prmUrl());
      assert.equal(r.json.error, "invalid_token");
    }
  });

  test("a token is bound to the origin it was signed in through", async () => {
    // Signed in through 127.0.0.1, the token's resource is http://127.0.0.1:<port>/mcp;
    // http://localhost:<port>/mcp is another resource (RFC 8707), so it is refused there.
    const r = await modern(`http://localhost:${worker.port}/mcp`, "tools/list", {});
    assert.equal(r.status, 401, r.text);
    const challenge = bearerChallenge(r.headers.get("www-authenticate"));
    assert.equal(challenge.error, "invalid_token");
    assert.equal(challenge.resource_metadata, `http://localhost:${worker.port}/.well-known/oauth-protected-resource/mcp`);
    assert.match(challenge.error_description, /another resource/);
  });

  test("a 401 to an allowed Origin carries CORS headers and lets the browser read WWW-Authenticate", async () => {
    const origin = `http://localhost:${worker.port}`;
    const r = await postWithout(`${origin}/mcp`, modernBody("tools/list"), { ...modernHeaders("tools/list"), origin });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.headers.get("access-control-allow-origin"), origin);
    const exposed = (r.headers.get("access-control-expose-headers") ?? "").toLowerCase().split(",").map((h) => h.trim());
    assert.ok(exposed.includes("www-authenticate"), `WWW-Authenticate exposed: ${exposed}`);
    assert.ok(r.headers.get("www-authenticate").startsWith(`Bearer resource_metadata="${origin}/.well-known/`));
  });

  test("a token without a tool's scope neither lists it nor calls it (403 insufficient_scope)", async () => {
    const narrow = await signIn(worker.origin, { scope: "dovecote:read kb:read" });
    assert.equal(narrow.scope, "dovecote:read kb:read");
    const as = withToken(narrow.access_token);
    const names = [];
    let cursor;
    do {
      const page = await as.modern(worker.url, "tools/list", cursor ? { cursor } : {});
      assert.equal(page.status, 200, page.text);
      names.push(...page.json.result.tools.map((t) => t.name));
      cursor = page.json.result.nextCursor;
    } while (cursor);
    assert.deepEqual(names, ["get_user_info", "calculate", "search_knowledge_base"]);
    const r = await as.modern(worker.url, "tools/call", { name: "create_document", arguments: { title: "t", content: "c" } }, { id: 21 });
    assertError(r, 403, -32602, 21);
    const challenge = bearerChallenge(r.headers.get("www-authenticate"));
    assert.equal(challenge.error, "insufficient_scope");
    assert.equal(challenge.scope, "kb:write");
    assert.equal(challenge.resource_metadata, prmUrl());
    const allowed = await as.modern(worker.url, "tools/call", { name: "search_knowledge_base", arguments: { query: "x" } });
    assert.equal(allowed.status, 200, allowed.text);
    assert.notEqual(allowed.json.result.isError, true, allowed.text);
  });
});

describe("2026-07-28 request metadata", LOCAL, () => {
  test("missing _meta → 400 -32602", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list", params: {} });
    const e = assertError(await post(worker.url, body, modernHeaders("tools/list")), 400, -32602, 3);
    assert.match(e.message, /protocolVersion/);
  });

  test("_meta without clientCapabilities → 400 -32602", async () => {
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 3,
      method: "tools/list",
      params: { _meta: { "io.modelcontextprotocol/protocolVersion": MODERN } },
    });
    const e = assertError(await post(worker.url, body, modernHeaders("tools/list")), 400, -32602, 3);
    assert.match(e.message, /clientCapabilities/);
  });

  test("MCP-Protocol-Version header disagreeing with _meta → 400 -32020", async () => {
    // Header 2026-07-28, body an older revision.
    const older = JSON.stringify({
      jsonrpc: "2.0",
      id: 4,
      method: "tools/list",
      params: { _meta: modernMeta({ "io.modelcontextprotocol/protocolVersion": "2025-11-25" }) },
    });
    assertError(await post(worker.url, older, modernHeaders("tools/list")), 400, -32020, 4);
    // The conformance case: header 2026-07-28, body v999 → the mismatch, not the version.
    const v999 = JSON.stringify({
      jsonrpc: "2.0",
      id: 5,
      method: "tools/list",
      params: { _meta: modernMeta({ "io.modelcontextprotocol/protocolVersion": "v999" }) },
    });
    assertError(await post(worker.url, v999, modernHeaders("tools/list")), 400, -32020, 5);
  });

  test("a missing MCP-Protocol-Version header on a _meta request → 400 -32020", async () => {
    const r = await modern(worker.url, "tools/list", {}, { id: 6, headers: { "mcp-protocol-version": undefined } });
    assertError(r, 400, -32020, 6);
  });

  test("an unsupported version in header and body → 400 -32022 with supported and requested", async () => {
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 8,
      method: "tools/list",
      params: { _meta: modernMeta({ "io.modelcontextprotocol/protocolVersion": "v999" }) },
    });
    const r = await post(worker.url, body, { ...modernHeaders("tools/list"), "mcp-protocol-version": "v999" });
    const e = assertError(r, 400, -32022, 8);
    assert.equal(e.data.requested, "v999");
    assert.ok(Array.isArray(e.data.supported));
    assert.ok(e.data.supported.includes(MODERN), `supported: ${e.data.supported}`);
    assert.ok(!e.data.supported.includes("v999"));
  });

  test("Mcp-Method missing, different or differently cased → 400 -32020", async () => {
    for (const method of [undefined, "tools/call", "TOOLS/LIST", "tools/list/"]) {
      const r = await modern(worker.url, "tools/list", {}, { id: 9, headers: { "mcp-method": method } });
      assertError(r, 400, -32020, 9);
    }
  });

  test("Mcp-Name missing or different on tools/call → 400 -32020", async () => {
    const params = { name: "calculate", arguments: { operation: "add", a: 1, b: 1 } };
    for (const name of [undefined, "get_user_info", "Calculate"]) {
      const r = await modern(worker.url, "tools/call", params, { id: 10, headers: { "mcp-name": name } });
      assertError(r, 400, -32020, 10);
    }
  });

  test("tools/call without params.name → 400 -32602", async () => {
    const r = await modern(worker.url, "tools/call", { arguments: {} }, { id: 12 });
    assertError(r, 400, -32602, 12);
  });

  test("the =?base64?…?= header form is decoded before comparing", async () => {
    const params = { name: "calculate", arguments: { operation: "multiply", a: 6, b: 7 } };
    const r = await modern(worker.url, "tools/call", params, {
      headers: { "mcp-name": b64("calculate"), "mcp-method": b64("tools/call"), "mcp-protocol-version": b64(MODERN) },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.result.structuredContent.result, 42);

    const wrong = await modern(worker.url, "tools/call", params, { headers: { "mcp-name": b64("get_user_info") } });
    assertError(wrong, 400, -32020, 1);
    const malformed = await modern(worker.url, "tools/call", params, { headers: { "mcp-name": "=?base64?Y2FsY3!!?=" } });
    assertError(malformed, 400, -32020, 1);
  });

  test("a non-ASCII tool name round-trips through a base64 Mcp-Name to an unknown-tool error", async () => {
    const name = "calculé";
    const r = await modern(worker.url, "tools/call", { name, arguments: {} }, { headers: { "mcp-name": b64(name) } });
    const e = assertError(r, 400, -32602, 1);
    assert.match(e.message, /Unknown tool/);
  });

  test("methods removed in 2026-07-28 and unknown methods → 404 -32601", async () => {
    const initParams = { protocolVersion: MODERN, capabilities: {}, clientInfo: { name: "x", version: "1" } };
    for (const [method, params] of [
      ["initialize", initParams],
      ["ping", {}],
      ["logging/setLevel", { level: "info" }],
      ["resources/subscribe", { uri: "x://y" }],
      ["no/such/method", {}],
    ]) {
      const r = await modern(worker.url, method, params, { id: `m-${method}` });
      assertError(r, 404, -32601, `m-${method}`);
    }
  });

  test("a modern request is never given a session, even when it sends one", async () => {
    const r = await modern(worker.url, "tools/list", {}, { headers: { "mcp-session-id": "s1.bogus" } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get("mcp-session-id"), null);
    const d = await modern(worker.url, "server/discover", {});
    assert.equal(d.headers.get("mcp-session-id"), null);
  });

  test("server/discover describes the server", async () => {
    const r = await modern(worker.url, "server/discover", {}, { id: "disc" });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, "disc");
    const res = r.json.result;
    assert.equal(res.resultType, "complete");
    assert.deepEqual(res.supportedVersions, ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"]);
    assert.ok(res.capabilities.tools);
    assert.equal(res.capabilities.logging, undefined, "no logging capability in 2026-07-28");
    assert.ok(Number.isInteger(res.ttlMs) && res.ttlMs >= 0, `ttlMs ${res.ttlMs}`);
    assert.ok(["public", "private"].includes(res.cacheScope));
    const info = res._meta["io.modelcontextprotocol/serverInfo"];
    assert.equal(info.name, "dovecote");
    assert.equal(typeof info.version, "string");
  });

  test("every modern result carries resultType and serverInfo", async () => {
    for (const [method, params] of [
      ["tools/list", {}],
      ["prompts/list", {}],
      ["resources/list", {}],
      ["resources/templates/list", {}],
      ["tools/call", { name: "get_user_info", arguments: {} }],
    ]) {
      const r = await modern(worker.url, method, params);
      assert.equal(r.status, 200, `${method}: ${r.text}`);
      assert.equal(r.json.result.resultType, "complete", method);
      assert.equal(r.json.result._meta["io.modelcontextprotocol/serverInfo"].name, "dovecote", method);
      if (method.endsWith("/list")) {
        assert.ok(Number.isInteger(r.json.result.ttlMs), `${method} ttlMs`);
        assert.ok(["public", "private"].includes(r.json.result.cacheScope), `${method} cacheScope`);
      }
    }
  });

  test("resources/read of a missing resource → -32602 (never -32002)", async () => {
    const r = await modern(worker.url, "resources/read", { uri: "file:///nope" }, { headers: { "mcp-name": "file:///nope" } });
    assertError(r, 400, -32602, 1);
  });

  test("tools/call with non-object arguments is a tool error", async () => {
    const r = await modern(worker.url, "tools/call", { name: "calculate", arguments: [7, 8] });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.result.isError, true);
  });
});

describe("tools/list pagination (MCP_TOOLS_PAGE_SIZE=1)", LOCAL, () => {
  async function walk() {
    const pages = [];
    let cursor;
    for (let i = 0; i < 20; i++) {
      const r = await modern(worker.url, "tools/list", cursor === undefined ? {} : { cursor }, { id: i });
      assert.equal(r.status, 200, r.text);
      pages.push(r.json.result);
      cursor = r.json.result.nextCursor;
      if (cursor === undefined) return pages;
      assert.equal(typeof cursor, "string");
    }
    assert.fail("nextCursor never ended");
  }

  test("following nextCursor yields every tool exactly once, in a deterministic order", async () => {
    const pages = await walk();
    assert.equal(pages.length, ALL_TOOLS.length);
    for (const page of pages) {
      assert.equal(page.tools.length, 1, "one tool per page");
      assert.equal(page.cacheScope, pages[0].cacheScope, "the same cacheScope on every page");
      assert.ok(Number.isInteger(page.ttlMs));
    }
    const names = pages.flatMap((p) => p.tools.map((t) => t.name));
    assert.deepEqual(names, ALL_TOOLS);
    assert.equal(new Set(names).size, names.length);
    const again = (await walk()).flatMap((p) => p.tools.map((t) => t.name));
    assert.deepEqual(again, names, "the same order every time");
  });

  test("a garbage or altered cursor → 400 -32602", async () => {
    const first = await modern(worker.url, "tools/list", {});
    const good = first.json.result.nextCursor;
    const altered = good.slice(0, 2) + (good[2] === "A" ? "B" : "A") + good.slice(3);
    for (const cursor of ["garbage", "", "!!!!", altered, Buffer.from("00000000:1").toString("base64url")]) {
      const r = await modern(worker.url, "tools/list", { cursor }, { id: "c" });
      assertError(r, 400, -32602, "c");
    }
    const notString = await modern(worker.url, "tools/list", { cursor: 1 }, { id: "n" });
    assertError(notString, 400, -32602, "n");
  });
});

test("no malformed request gets a 5xx", LOCAL, async () => {
  const h = modernHeaders("tools/call", "calculate");
  const bodies = [
    "{}",
    '{"jsonrpc":"2.0"}',
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":"x"}}',
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":7}}}',
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":[]}}}',
    modernBody("tools/call", { name: 5 }),
    modernBody("tools/call", { name: "calculate", arguments: "7^8" }),
    modernBody("tools/call", { name: "calculate", arguments: { operation: "power", a: "7", b: null } }),
    modernBody("tools/call", { name: "calculate", arguments: { operation: "power", a: 1e308, b: 1e308 } }),
    modernBody("tools/call", { name: "search_knowledge_base", arguments: { query: "x".repeat(1000) } }),
    modernBody("tools/call", { name: "search_knowledge_base", arguments: { query: "a", limit: -1 } }),
    modernBody("tools/call", { name: "create_document", arguments: { title: "", content: "" } }),
    modernBody("tools/call", { name: "create_document", arguments: { title: "t", content: "c", tags: ["x".repeat(500)] } }),
    modernBody("tools/list", { cursor: { nested: true } }),
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{}}}',
  ];
  for (const body of bodies) {
    const r = await post(worker.url, body, h);
    assert.ok(r.status < 500, `${r.status} for ${body.slice(0, 120)}: ${r.text}`);
    assert.ok(r.json, `a JSON answer for ${body.slice(0, 120)}`);
  }
});
