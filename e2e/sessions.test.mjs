// Sessions of the 2025 generation with the official v1 TypeScript SDK client: the server asks
// the person over the session (an `elicitation/create` request on the call's SSE stream, the
// answer POSTed back), a notification to a Discord channel with `confirm: true` (a local
// stand-in of Discord's webhook API) is confirmed that way; the runtime restarted between the
// question and the answer, the client resuming its stream with `Last-Event-ID`, still completes
// the call; `DELETE /mcp` ends a session; the SDK's legacy SSE transport (2024-11-05, `GET /sse`
// and `POST /messages`) lists and calls tools, and is asked the same way.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { localOnly, startWorker } from "./harness/worker.mjs";
import { signIn } from "./harness/signin.mjs";
import * as discord from "./harness/services/discord.mjs";

const LOCAL = localOnly("a local Discord stand-in and a runtime to restart");

let worker;
let dc;
let token;

before(async () => {
  if (LOCAL.skip) return;
  dc = await discord.startDiscord({ id: "2025", token: "sessiontoken_e2e" });
  worker = await startWorker({
    vars: {
      DISCORD_INSTANCES: JSON.stringify([
        { id: "careful", name: "Careful", webhookUrl: dc.webhookUrl, confirm: true, allowAnyHost: true },
      ]),
    },
  });
  token = await signIn(worker.origin, { scope: "dovecote:notify kb:write" });
});

after(async () => {
  await worker?.stop();
  await dc?.stop();
});

beforeEach(() => dc?.reset());

const NOTE = { channel: "discord-careful", title: "Release", text: "Ship v3" };
const text = (result) => result.content.filter((c) => c.type === "text").map((c) => c.text).join("\n");

/** A v1 client (session era) whose person answers each form with `answer(params)`. */
async function connect(answer, resumedFrom = []) {
  const shown = [];
  const client = new Client({ name: "dovecote-e2e-sessions", version: "1.0.0" }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    shown.push(request.params);
    return answer(request.params);
  });
  const transport = new StreamableHTTPClientTransport(new URL(worker.url), {
    requestInit: { headers: { Authorization: `Bearer ${token.access_token}` } },
    // A restarting runtime refuses connections for a few seconds.
    reconnectionOptions: { maxRetries: 30, initialReconnectionDelay: 500, maxReconnectionDelay: 2000, reconnectionDelayGrowFactor: 1.5 },
    // Records the streams the client resumes, by the Last-Event-ID it sends.
    fetch: (url, init = {}) => {
      const last = new Headers(init.headers).get("last-event-id");
      if ((init.method ?? "GET") === "GET" && last) resumedFrom.push(last);
      return fetch(url, init);
    },
  });
  await client.connect(transport);
  return { client, transport, shown };
}

test("a notification is confirmed over a 2025 session, then delivered once", LOCAL, async () => {
  const { client, transport, shown } = await connect(() => ({ action: "accept", content: { send: true } }));
  assert.match(transport.protocolVersion ?? "2025-11-25", /^2025-/);
  const result = await client.callTool({ name: "send_notification", arguments: NOTE });
  assert.ok(!result.isError, text(result));
  assert.equal(result.structuredContent.outcome, "sent");
  assert.equal(shown.length, 1, "asked once");
  assert.match(shown[0].message, /Careful \(discord-careful\)/);
  assert.equal(dc.requests.length, 1, "delivered exactly once");
  await client.close();
});

test("a declined confirmation over a session sends nothing", LOCAL, async () => {
  const { client } = await connect(() => ({ action: "decline" }));
  const result = await client.callTool({ name: "send_notification", arguments: NOTE });
  assert.equal(result.isError, true);
  assert.match(text(result), /Not sent: the person declined/);
  assert.equal(dc.requests.length, 0);
  await client.close();
});

test("the runtime restarts between the question and the answer; the client resumes and the call completes", LOCAL, async () => {
  const resumedFrom = [];
  const { client, shown } = await connect(async () => {
    // The question is out; the runtime goes away (the stream drops) and comes back on the
    // same state before the person answers.
    await worker.restart();
    return { action: "accept", content: { send: true } };
  }, resumedFrom);
  const result = await client.callTool({ name: "send_notification", arguments: NOTE }, undefined, { timeout: 120_000 });
  assert.ok(!result.isError, text(result));
  assert.equal(result.structuredContent.outcome, "sent");
  assert.equal(shown.length, 1);
  assert.equal(dc.requests.length, 1, "delivered exactly once");
  const callStream = resumedFrom.filter((id) => !id.startsWith("standalone-"));
  assert.ok(callStream.length >= 1, `the call's stream was resumed with Last-Event-ID: ${resumedFrom}`);
  await client.close();
});

test("DELETE /mcp ends a session: its id is refused afterwards", LOCAL, async () => {
  const { client, transport } = await connect(() => ({ action: "cancel" }));
  const sessionId = transport.sessionId;
  assert.ok(sessionId);
  await transport.terminateSession();
  assert.equal(transport.sessionId, undefined);
  const r = await fetch(worker.url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token.access_token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": sessionId,
      "mcp-protocol-version": "2025-11-25",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "ping" }),
  });
  assert.equal(r.status, 404);
  const standalone = await fetch(worker.url, {
    headers: { authorization: `Bearer ${token.access_token}`, accept: "text/event-stream", "mcp-session-id": sessionId },
  });
  assert.equal(standalone.status, 404);
  await client.close();
});

test("a legacy SSE client lists and calls tools with a token, and is asked over its stream", LOCAL, async () => {
  const auth = { Authorization: `Bearer ${token.access_token}` };
  const refused = await fetch(`${worker.origin}/sse`, { headers: { accept: "text/event-stream" } });
  await refused.body?.cancel();
  assert.equal(refused.status, 401, "the stream is behind the same sign-in");
  const client = new Client({ name: "dovecote-e2e-legacy", version: "1.0.0" }, { capabilities: { elicitation: {} } });
  const shown = [];
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    shown.push(request.params);
    return { action: "accept", content: { title: "From an old client" } };
  });
  const transport = new SSEClientTransport(new URL(`${worker.origin}/sse`), { requestInit: { headers: auth } });
  await client.connect(transport);
  const { tools } = await client.listTools();
  assert.ok(tools.some((t) => t.name === "create_document"), tools.map((t) => t.name).join(", "));
  const created = await client.callTool({ name: "create_document", arguments: { content: "written over /sse" } });
  assert.ok(!created.isError, text(created));
  assert.equal(created.structuredContent.title, "From an old client");
  assert.equal(shown.length, 1, "asked once, over the stream");
  await client.close();
});
