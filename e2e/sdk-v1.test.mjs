// The v1 TypeScript SDK (@modelcontextprotocol/sdk 1.x, the session-era client) against the
// built Worker, plus raw session-era requests whose exact status codes the SDK would hide. All
// of them carry an access token from one sign-in (e2e/oauth.test.mjs has the SDK's own OAuth).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startWorker } from "./harness/worker.mjs";
import { signIn } from "./harness/signin.mjs";
import { post as postWithout, withToken } from "./harness/mcp.mjs";
import { defaultTools } from "./harness/manifest.mjs";

let worker;
let token;
let post; // with `Authorization: Bearer <access token>`

const rpc = (method, params = {}, id = 1) => JSON.stringify({ jsonrpc: "2.0", id, method, params });

/** A raw initialize asking for `version`; returns the response and its session id. */
async function initialize(version) {
  const r = await post(
    worker.url,
    rpc("initialize", {
      protocolVersion: version,
      capabilities: {},
      clientInfo: { name: "raw-e2e", version: "1.0.0" },
    }),
  );
  return { ...r, sessionId: r.headers.get("mcp-session-id") };
}

/** Flips one character of `s` at `index` to another base64url character. */
function flip(s, index) {
  const c = s[index];
  return s.slice(0, index) + (c === "A" ? "B" : "A") + s.slice(index + 1);
}

before(async () => {
  worker = await startWorker();
  token = await signIn(worker.origin);
  ({ post } = withToken(token.access_token));
});

after(async () => {
  await worker?.stop();
});

describe("v1 SDK client over Streamable HTTP", () => {
  let client;
  let transport;

  before(async () => {
    client = new Client({ name: "dovecote-e2e-v1", version: "1.0.0" });
    transport = new StreamableHTTPClientTransport(new URL(worker.url), {
      requestInit: { headers: { Authorization: `Bearer ${token.access_token}` } },
    });
    await client.connect(transport);
  });

  after(async () => {
    await client?.close();
  });

  test("initialize negotiates 2025-11-25 and issues a visible-ASCII session id", () => {
    assert.equal(transport.protocolVersion, "2025-11-25");
    const sid = transport.sessionId;
    assert.equal(typeof sid, "string");
    assert.match(sid, /^[\x21-\x7e]+$/, "session ids are visible ASCII only");
    assert.ok(sid.length >= 32, "a session id carries enough entropy");
    assert.equal(client.getServerVersion()?.name, "dovecote");
    const caps = client.getServerCapabilities();
    assert.ok(caps?.tools, "tools capability");
    assert.ok(caps?.logging, "session-era clients are offered logging");
    assert.match(client.getInstructions() ?? "", /tools\/list/);
  });

  test("listTools returns every tool with object input schemas", async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name), defaultTools());
    for (const t of tools) assert.equal(t.inputSchema.type, "object");
    const calc = tools.find((t) => t.name === "calculate");
    assert.equal(calc.title, "Calculator");
    assert.equal(calc.annotations.readOnlyHint, true);
  });

  test("callTool calculate power 7 8", async () => {
    const result = await client.callTool({ name: "calculate", arguments: { operation: "power", a: 7, b: 8 } });
    assert.notEqual(result.isError, true);
    assert.equal(result.structuredContent.result, 5764801);
    assert.match(result.content[0].text, /5764801/);
  });

  test("callTool divide by zero is an isError result", async () => {
    const result = await client.callTool({ name: "calculate", arguments: { operation: "divide", a: 1, b: 0 } });
    assert.equal(result.isError, true);
    assert.match(result.content[0].text, /zero/i);
  });

  test("an unknown tool is a -32602 error", async () => {
    await assert.rejects(client.callTool({ name: "no_such_tool", arguments: {} }), (e) => {
      assert.equal(e.code, -32602);
      return true;
    });
  });

  test("ping answers with an empty result", async () => {
    assert.deepEqual(await client.ping(), {});
  });

  test("logging/setLevel is accepted", async () => {
    assert.deepEqual(await client.setLoggingLevel("warning"), {});
  });

  test("session-era results carry no 2026 fields", async () => {
    const r = await post(worker.url, rpc("tools/list"), {
      "mcp-session-id": transport.sessionId,
      "mcp-protocol-version": "2025-11-25",
    });
    assert.equal(r.status, 200);
    assert.ok(Array.isArray(r.json.result.tools));
    assert.equal(r.json.result.resultType, undefined);
    assert.equal(r.json.result.ttlMs, undefined);
    assert.equal(r.json.result.cacheScope, undefined);
  });

  test("a tampered Mcp-Session-Id gets 404", async () => {
    const sid = transport.sessionId;
    const parts = sid.split(".");
    // Alter the nonce (third from the end), then the version the id claims.
    const nonceAt = sid.length - parts.at(-1).length - 1 - parts.at(-2).length + 3;
    const tampered = [
      flip(sid, nonceAt),
      sid.replace("2025-11-25", "2025-06-18"),
      `${sid}x`,
      "not-a-session",
    ];
    for (const id of tampered) {
      assert.notEqual(id, sid);
      const r = await post(worker.url, rpc("tools/list", {}, 7), {
        "mcp-session-id": id,
        "mcp-protocol-version": "2025-11-25",
      });
      assert.equal(r.status, 404, `session id ${id}: ${r.text}`);
      assert.equal(r.json?.id, 7, "the error echoes the request id");
      assert.ok(r.json?.error, "a JSON-RPC error body");
    }
    // The genuine id still works.
    const ok = await post(worker.url, rpc("tools/list"), {
      "mcp-session-id": sid,
      "mcp-protocol-version": "2025-11-25",
    });
    assert.equal(ok.status, 200);
  });

  test("a missing Mcp-Session-Id after initialize gets 400", async () => {
    const r = await post(worker.url, rpc("tools/list", {}, 3), { "mcp-protocol-version": "2025-11-25" });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.id, 3);
    assert.equal(r.json.error.code, -32600);
    assert.match(r.json.error.message, /Mcp-Session-Id/);
  });

  test("a session-era notification without a session gets 400", async () => {
    const r = await post(
      worker.url,
      JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      { "mcp-protocol-version": "2025-11-25" },
    );
    assert.equal(r.status, 400, r.text);
  });

  test("a session request without the token gets 401, even with a valid session id", async () => {
    const r = await postWithout(worker.url, rpc("tools/list", {}, 4), {
      "mcp-session-id": transport.sessionId,
      "mcp-protocol-version": "2025-11-25",
    });
    assert.equal(r.status, 401, r.text);
    assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer resource_metadata="/);
  });

  test("a session-era notification with a session gets 202 and no body", async () => {
    const r = await post(
      worker.url,
      JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      { "mcp-protocol-version": "2025-11-25", "mcp-session-id": transport.sessionId },
    );
    assert.equal(r.status, 202);
    assert.equal(r.text, "");
  });

  test("GET opens the session's standalone SSE stream", async () => {
    const r = await fetch(worker.url, {
      headers: {
        accept: "text/event-stream",
        authorization: `Bearer ${token.access_token}`,
        "mcp-session-id": transport.sessionId,
        "mcp-protocol-version": "2025-11-25",
      },
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /^text\/event-stream/);
    const reader = r.body.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /^id: standalone-0\nretry: \d+\n/);
    await reader.cancel();
  });
});

describe("raw session-era initialize", () => {
  test("an unknown version 2024-01-01 is answered with 2025-11-25", async () => {
    const r = await initialize("2024-01-01");
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.result.protocolVersion, "2025-11-25");
    assert.equal(r.json.result.serverInfo.name, "dovecote");
    assert.ok(r.sessionId, "a session id is issued");
  });

  test("each supported session-era version is agreed to as asked", async () => {
    for (const v of ["2025-03-26", "2025-06-18", "2025-11-25"]) {
      const r = await initialize(v);
      assert.equal(r.json.result.protocolVersion, v);
    }
  });

  test("initialize never negotiates 2026-07-28 (a stateless revision)", async () => {
    const r = await initialize("2026-07-28");
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.result.protocolVersion, "2025-11-25");
  });

  test("each initialize issues a distinct session id", async () => {
    const a = await initialize("2025-11-25");
    const b = await initialize("2025-11-25");
    assert.ok(a.sessionId && b.sessionId);
    assert.notEqual(a.sessionId, b.sessionId);
  });

  test("MCP-Protocol-Version must match the version the session negotiated", async () => {
    const { sessionId } = await initialize("2025-06-18");
    const same = await post(worker.url, rpc("tools/list"), {
      "mcp-session-id": sessionId,
      "mcp-protocol-version": "2025-06-18",
    });
    assert.equal(same.status, 200, same.text);
    const other = await post(worker.url, rpc("tools/list"), {
      "mcp-session-id": sessionId,
      "mcp-protocol-version": "2025-11-25",
    });
    assert.equal(other.status, 400, other.text);
  });

  test("an unsupported MCP-Protocol-Version on a session request gets 400", async () => {
    const { sessionId } = await initialize("2025-11-25");
    const r = await post(worker.url, rpc("tools/list"), {
      "mcp-session-id": sessionId,
      "mcp-protocol-version": "1999-01-01",
    });
    assert.equal(r.status, 400, r.text);
  });

  test("a method error in a session travels with 200 and echoes the id", async () => {
    const { sessionId } = await initialize("2025-11-25");
    const r = await post(worker.url, rpc("no/such/method", {}, "m-1"), {
      "mcp-session-id": sessionId,
      "mcp-protocol-version": "2025-11-25",
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, "m-1");
    assert.equal(r.json.error.code, -32601);
  });
});
