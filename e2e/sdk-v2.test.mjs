// The v2 TypeScript SDK client (@modelcontextprotocol/client) against the built Worker: pinned
// to 2026-07-28 (server/discover, per-request _meta, no session), and in legacy mode (the 2025
// initialize handshake) on the same endpoint. Every client sends an access token from a
// sign-in: the caller is the signed-in user ("password:owner").
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client, InsufficientScopeError, ProtocolError, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { startWorker } from "./harness/worker.mjs";
import { signIn } from "./harness/signin.mjs";

const MODERN = "2026-07-28";
const EXPECTED_TOOLS = ["get_user_info", "calculate", "search_knowledge_base", "create_document", "list_channels", "send_notification", "get_notification_status"];

let worker;
let token; // the sign-in of `before`: {access_token, refresh_token, client_id, scope}

/**
 * A connected v2 client sending `as`'s access token; `headers` go on every HTTP request too
 * (e.g. CF-Connecting-IP).
 */
async function connect(mode, { as = token, headers = {} } = {}) {
  const client = new Client(
    { name: "dovecote-e2e", version: "1.0.0" },
    { versionNegotiation: { mode } },
  );
  const transport = new StreamableHTTPClientTransport(new URL(worker.url), {
    requestInit: { headers: { ...headers, Authorization: `Bearer ${as.access_token}` } },
  });
  await client.connect(transport);
  return { client, transport };
}

const text = (result) => result.content.filter((c) => c.type === "text").map((c) => c.text).join("\n");

before(async () => {
  worker = await startWorker();
  token = await signIn(worker.origin);
});

after(async () => {
  await worker?.stop();
});

describe("v2 client pinned to 2026-07-28", () => {
  let client;
  let transport;

  before(async () => {
    ({ client, transport } = await connect({ pin: MODERN }));
  });

  after(async () => {
    await client?.close();
  });

  test("connects through server/discover in the modern era, without a session", () => {
    assert.equal(client.getProtocolEra(), "modern");
    assert.equal(client.getNegotiatedProtocolVersion(), MODERN);
    assert.equal(client.getServerVersion()?.name, "dovecote");
    const discover = client.getDiscoverResult();
    assert.ok(discover, "the pinned connect ran server/discover");
    assert.ok(discover.supportedVersions.includes(MODERN));
    assert.ok(discover.capabilities.tools, "tools capability advertised");
    assert.equal(transport.sessionId, undefined, "2026-07-28 never issues an Mcp-Session-Id");
  });

  test("listTools: names, titles, annotations and schemas", async () => {
    const { tools } = await client.listTools(undefined, { cacheMode: "bypass" });
    assert.deepEqual(tools.map((t) => t.name), EXPECTED_TOOLS);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    assert.equal(byName.calculate.title, "Calculator");
    assert.equal(byName.get_user_info.title, "Who am I");
    assert.equal(byName.search_knowledge_base.title, "Search knowledge base");
    assert.equal(byName.create_document.title, "Create document");
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, "object", `${tool.name} inputSchema root is an object`);
      assert.equal(typeof tool.description, "string");
      assert.ok(tool.description.length > 0, `${tool.name} has a description`);
    }
    assert.deepEqual(byName.calculate.annotations, {
      title: "Calculator",
      readOnlyHint: true,
      idempotentHint: true,
      openWorldHint: false,
    });
    assert.equal(byName.create_document.annotations.destructiveHint, false);
    assert.equal(byName.create_document.annotations.idempotentHint, false);
    assert.notEqual(byName.create_document.annotations.readOnlyHint, true);

    const calc = byName.calculate;
    assert.deepEqual([...calc.inputSchema.required].sort(), ["a", "b", "operation"]);
    assert.equal(calc.inputSchema.additionalProperties, false);
    assert.equal(calc.inputSchema.properties.a.type, "number");
    assert.equal(calc.outputSchema.type, "object");
    assert.deepEqual([...calc.outputSchema.required].sort(), ["expression", "result"]);
    assert.equal(calc.outputSchema.properties.result.type, "number");
    assert.equal(calc.outputSchema.properties.expression.type, "string");
  });

  test("calculate power 7 8 → 5764801 as structured content and as text", async () => {
    const result = await client.callTool({ name: "calculate", arguments: { operation: "power", a: 7, b: 8 } });
    assert.notEqual(result.isError, true);
    assert.equal(result.structuredContent.result, 5764801);
    assert.equal(result.structuredContent.expression, "7 ^ 8");
    const body = JSON.parse(text(result));
    assert.equal(body.result, 5764801, "the text block is the serialized structured result");
  });

  test("other operations compute the right values", async () => {
    const cases = [
      ["add", 2, 3, 5],
      ["subtract", 1, 3, -2],
      ["multiply", 6, 7, 42],
      ["divide", 1, 4, 0.25],
    ];
    for (const [operation, a, b, expected] of cases) {
      const r = await client.callTool({ name: "calculate", arguments: { operation, a, b } });
      assert.equal(r.structuredContent.result, expected, `${a} ${operation} ${b}`);
    }
  });

  test("divide by zero is a tool error that mentions zero", async () => {
    const result = await client.callTool({ name: "calculate", arguments: { operation: "divide", a: 7, b: 0 } });
    assert.equal(result.isError, true);
    assert.match(text(result), /zero/i);
    assert.equal(result.structuredContent, undefined);
  });

  test("invalid arguments are tool errors, not protocol errors", async () => {
    const missing = await client.callTool({ name: "calculate", arguments: { operation: "divide", a: 7 } });
    assert.equal(missing.isError, true);
    assert.match(text(missing), /`b`/);

    const unknown = await client.callTool({
      name: "calculate",
      arguments: { operation: "add", a: 1, b: 2, c: 3 },
    });
    assert.equal(unknown.isError, true);
    assert.match(text(unknown), /`c`/);

    const badOp = await client.callTool({ name: "calculate", arguments: { operation: "modulo", a: 1, b: 2 } });
    assert.equal(badOp.isError, true);
    assert.match(text(badOp), /modulo/);

    const overflow = await client.callTool({ name: "calculate", arguments: { operation: "power", a: 10, b: 400 } });
    assert.equal(overflow.isError, true);
    assert.match(text(overflow), /finite/);
  });

  test("an unknown tool is a -32602 protocol error", async () => {
    await assert.rejects(
      client.callTool({ name: "no_such_tool", arguments: {} }),
      (e) => {
        assert.ok(e instanceof ProtocolError, `expected ProtocolError, got ${e?.constructor?.name}: ${e}`);
        assert.equal(e.code, -32602);
        assert.match(e.message, /no_such_tool/);
        return true;
      },
    );
  });

  test("create_document is stored and search_knowledge_base finds it", async () => {
    const created = await client.callTool({
      name: "create_document",
      arguments: {
        title: "Pigeon husbandry",
        content: "Rock doves return to the dovecote at dusk; a zanzibarite lining keeps them warm.",
        tags: ["birds", "loft"],
      },
    });
    assert.notEqual(created.isError, true, text(created));
    const id = created.structuredContent.id;
    assert.equal(typeof id, "number");
    assert.equal(created.structuredContent.title, "Pigeon husbandry");
    assert.deepEqual(created.structuredContent.tags, ["birds", "loft"]);

    const other = await client.callTool({
      name: "create_document",
      arguments: { title: "Bread", content: "Flour, water, salt and time." },
    });
    assert.notEqual(other.isError, true, text(other));

    const found = await client.callTool({ name: "search_knowledge_base", arguments: { query: "zanzibarite" } });
    assert.notEqual(found.isError, true, text(found));
    const { results } = found.structuredContent;
    assert.equal(results.length, 1, JSON.stringify(results));
    assert.equal(results[0].id, id);
    assert.equal(results[0].title, "Pigeon husbandry");
    assert.match(results[0].snippet, /zanzibarite/);
    assert.ok(results[0].score > 0);

    const byTitle = await client.callTool({ name: "search_knowledge_base", arguments: { query: "PIGEON" } });
    assert.deepEqual(byTitle.structuredContent.results.map((r) => r.id), [id], "search is case-insensitive");

    const none = await client.callTool({
      name: "search_knowledge_base",
      arguments: { query: "xylophonequux" },
    });
    assert.notEqual(none.isError, true, text(none));
    assert.deepEqual(none.structuredContent.results, []);
  });

  test("search finds words with non-ASCII capitals, in any case", async () => {
    // Searching ignores case (see "PIGEON" above); that must hold beyond ASCII too.
    const created = await client.callTool({
      name: "create_document",
      arguments: { title: "Österreich notes", content: "Wien, then Graz; Ärger with the Édouard ferry." },
    });
    assert.notEqual(created.isError, true, text(created));
    const id = created.structuredContent.id;
    for (const query of ["Österreich", "österreich", "ÖSTERREICH", "Ärger", "ärger", "Édouard", "édouard"]) {
      const r = await client.callTool({ name: "search_knowledge_base", arguments: { query } });
      assert.notEqual(r.isError, true, text(r));
      assert.deepEqual(
        r.structuredContent.results.map((hit) => hit.id),
        [id],
        `query ${JSON.stringify(query)} finds the document`,
      );
    }
  });

  test("LIKE wildcards in a query are matched literally", async () => {
    for (const query of ["%", "_", "%%"]) {
      const r = await client.callTool({ name: "search_knowledge_base", arguments: { query } });
      assert.notEqual(r.isError, true, text(r));
      assert.deepEqual(r.structuredContent.results, [], `query ${JSON.stringify(query)} matches nothing`);
    }
  });

  test("search arguments are validated", async () => {
    const empty = await client.callTool({ name: "search_knowledge_base", arguments: { query: "   " } });
    assert.equal(empty.isError, true);
    const limit = await client.callTool({ name: "search_knowledge_base", arguments: { query: "x", limit: 0 } });
    assert.equal(limit.isError, true);
    assert.match(text(limit), /limit/);
  });

  test("the knowledge base is the signed-in user's: another client, from another address, sees it", async () => {
    // One user ("owner") signs in through a second client: same knowledge base, whatever the
    // client or the network address.
    const second = await signIn(worker.origin);
    assert.notEqual(second.client_id, token.client_id);
    const { client: other } = await connect({ pin: MODERN }, { as: second, headers: { "cf-connecting-ip": "203.0.113.77" } });
    try {
      const r = await other.callTool({ name: "search_knowledge_base", arguments: { query: "zanzibarite" } });
      assert.notEqual(r.isError, true, text(r));
      assert.deepEqual(r.structuredContent.results.map((hit) => hit.title), ["Pigeon husbandry"]);
      const who = await other.callTool({ name: "get_user_info", arguments: {} });
      assert.equal(who.structuredContent.id, "password:owner");
      assert.equal(who.structuredContent.client_id, second.client_id);
    } finally {
      await other.close();
    }
  });

  test("a token without kb:read sees neither the search tool nor the documents", async () => {
    const narrow = await signIn(worker.origin, { scope: "dovecote:read" });
    const { client: limited } = await connect({ pin: MODERN }, { as: narrow });
    try {
      const { tools } = await limited.listTools(undefined, { cacheMode: "bypass" });
      assert.deepEqual(tools.map((t) => t.name), ["get_user_info", "calculate"]);
      await assert.rejects(
        limited.callTool({ name: "search_knowledge_base", arguments: { query: "zanzibarite" } }),
        (e) => {
          // The 403's WWW-Authenticate challenge, as the SDK reads it.
          assert.ok(e instanceof InsufficientScopeError, `expected InsufficientScopeError, got ${e}`);
          assert.equal(e.requiredScope, "kb:read");
          assert.equal(e.resourceMetadataUrl?.href, `${worker.origin}/.well-known/oauth-protected-resource/mcp`);
          return true;
        },
      );
    } finally {
      await limited.close();
    }
  });

  test("get_user_info returns the signed-in user, the client and the granted scopes", async () => {
    const result = await client.callTool({ name: "get_user_info", arguments: {} });
    assert.notEqual(result.isError, true);
    const info = result.structuredContent;
    assert.equal(info.id, "password:owner");
    assert.equal(info.authenticated, true);
    assert.equal(info.identity_provider, "password");
    assert.equal(info.client_id, token.client_id);
    assert.deepEqual([...info.scopes].sort(), token.scope.split(" ").sort());
    assert.deepEqual([...info.scopes].sort(), ["dovecote:notify", "dovecote:read", "kb:read", "kb:write"]);
    assert.deepEqual(JSON.parse(text(result)), info);
  });

  test("CF-Connecting-IP is reported as the address but does not change who the caller is", async () => {
    const { client: other } = await connect({ pin: MODERN }, { headers: { "cf-connecting-ip": "198.51.100.9" } });
    try {
      const r = await other.callTool({ name: "get_user_info", arguments: {} });
      assert.equal(r.structuredContent.id, "password:owner");
      assert.equal(r.structuredContent.address, "198.51.100.9");
    } finally {
      await other.close();
    }
  });
});

describe("v2 client in legacy mode (2025 revisions)", () => {
  let client;
  let transport;

  before(async () => {
    ({ client, transport } = await connect("legacy"));
  });

  after(async () => {
    await client?.close();
  });

  test("initialize negotiates 2025-11-25 and issues a session", () => {
    assert.equal(client.getProtocolEra(), "legacy");
    assert.equal(client.getNegotiatedProtocolVersion(), "2025-11-25");
    assert.equal(client.getServerVersion()?.name, "dovecote");
    assert.match(transport.sessionId ?? "", /^[\x21-\x7e]+$/);
  });

  test("lists and calls a tool", async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name), EXPECTED_TOOLS);
    const result = await client.callTool({ name: "calculate", arguments: { operation: "power", a: 7, b: 8 } });
    assert.notEqual(result.isError, true);
    assert.equal(result.structuredContent.result, 5764801);
    assert.equal(result.resultType, undefined, "2025 results carry no resultType");
  });

  test("an unknown tool is a -32602 protocol error here too", async () => {
    await assert.rejects(client.callTool({ name: "no_such_tool", arguments: {} }), (e) => {
      assert.equal(e.code, -32602);
      return true;
    });
  });
});
