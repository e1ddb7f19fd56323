// Asking the person (2026-07-28, InputRequiredResult) with the official v2 TypeScript SDK client,
// which answers the server's questions through its `elicitation/create` handler and retries the
// call itself. A Discord channel with `confirm: true` (a local stand-in of Discord's webhook API)
// must receive a confirmed notification once and a declined one never; a state altered on its
// way back is refused; a client that cannot elicit gets a clear refusal and nothing is sent;
// marking more than 20 events at once asks first.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { localOnly, startWorker } from "./harness/worker.mjs";
import { signIn } from "./harness/signin.mjs";
import { withToken } from "./harness/mcp.mjs";
import * as discord from "./harness/services/discord.mjs";

const LOCAL = localOnly("a local Discord stand-in (DISCORD_INSTANCES)");
const MODERN = "2026-07-28";
const ADMIN_TOKEN = "e2e-admin-token-for-asking";

let worker;
let dc;
let token;

before(async () => {
  if (!LOCAL.skip) {
    dc = await discord.startDiscord({ id: "2024", token: "confirmtoken_e2e" });
    worker = await startWorker({
      vars: {
        ADMIN_TOKEN,
        DISCORD_INSTANCES: JSON.stringify([
          { id: "careful", name: "Careful", webhookUrl: dc.webhookUrl, confirm: true, allowAnyHost: true },
        ]),
      },
    });
    token = await signIn(worker.origin, { scope: "dovecote:notify dovecote:events:write kb:write" });
  }
});

after(async () => {
  await worker?.stop();
  await dc?.stop();
});

beforeEach(() => dc?.reset());

/**
 * A v2 client pinned to 2026-07-28 whose person answers every form with `answer(params)`;
 * without `answer` it declares no elicitation capability. Records the forms it was shown.
 */
async function connect(answer) {
  const shown = [];
  const client = new Client(
    { name: "dovecote-e2e-asking", version: "1.0.0" },
    { versionNegotiation: { mode: { pin: MODERN } }, capabilities: answer ? { elicitation: { form: {} } } : {} },
  );
  if (answer) {
    client.setRequestHandler("elicitation/create", async (request) => {
      shown.push(request.params);
      return answer(request.params);
    });
  }
  const transport = new StreamableHTTPClientTransport(new URL(worker.url), {
    requestInit: { headers: { Authorization: `Bearer ${token.access_token}` } },
  });
  await client.connect(transport);
  return { client, shown };
}

const text = (result) => result.content.filter((c) => c.type === "text").map((c) => c.text).join("\n");

const NOTE = { channel: "discord-careful", title: "Deploy", text: "Ship **v2** to production" };

async function audit() {
  const r = await fetch(`${worker.origin}/admin/audit?limit=100`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(r.status, 200);
  return (await r.json()).entries;
}

test("a confirmed notification is shown to the person, then delivered once", LOCAL, async () => {
  const { client, shown } = await connect(() => ({ action: "accept", content: { send: true } }));
  const result = await client.callTool({ name: "send_notification", arguments: NOTE });
  assert.ok(!result.isError, text(result));
  assert.equal(result.structuredContent.outcome, "sent");
  assert.equal(shown.length, 1, "asked once");
  assert.match(shown[0].message, /Careful \(discord-careful\)/);
  assert.match(shown[0].message, /Deploy/);
  assert.match(shown[0].message, /Ship \*\*v2\*\* to production/);
  assert.equal(shown[0].requestedSchema.properties.send.type, "boolean");
  assert.equal(shown[0].requestedSchema.properties.send.default, true, "SEP-1034 default");
  assert.equal(dc.requests.length, 1, "delivered exactly once");
  assert.equal(dc.requests[0].json.embeds[0].title, "Deploy");
  await client.close();
});

test("a declined notification sends nothing and is audited", LOCAL, async () => {
  for (const answer of [{ action: "decline" }, { action: "accept", content: { send: false } }, { action: "cancel" }]) {
    const { client, shown } = await connect(() => answer);
    const result = await client.callTool({ name: "send_notification", arguments: NOTE });
    assert.equal(result.isError, true, JSON.stringify(answer));
    assert.match(text(result), /Not sent: the person declined/);
    assert.equal(shown.length, 1);
    await client.close();
  }
  assert.equal(dc.requests.length, 0, "nothing reached Discord");
  const declined = (await audit()).filter((e) => e.event === "notify" && e.outcome === "declined");
  assert.equal(declined.length, 3, "each decline is in the audit trail");
});

test("a client that cannot elicit is refused clearly and nothing is sent", LOCAL, async () => {
  const { client } = await connect(null);
  const result = await client.callTool({ name: "send_notification", arguments: NOTE });
  assert.equal(result.isError, true);
  assert.match(text(result), /asks the person to confirm every notification, and this client cannot ask/);
  assert.equal(dc.requests.length, 0);
  await client.close();
});

/** A raw 2026-07-28 tools/call (the harness's), so the state can be altered on its way back. */
async function rawCall(params) {
  const meta = { "io.modelcontextprotocol/clientCapabilities": { elicitation: { form: {} } } };
  const r = await withToken(token.access_token).modern(worker.url, "tools/call", { ...params, _meta: meta });
  return { status: r.status, json: r.json };
}

test("a tampered, foreign-call or replayed state is refused and sends nothing", LOCAL, async () => {
  const first = await rawCall({ name: "send_notification", arguments: NOTE });
  assert.equal(first.status, 200);
  const asked = first.json.result;
  assert.equal(asked.resultType, "input_required");
  assert.ok(asked.inputRequests.confirm_send, JSON.stringify(asked));
  assert.equal(typeof asked.requestState, "string");
  const yes = { confirm_send: { action: "accept", content: { send: true } } };
  const flipped = asked.requestState.slice(0, -2) + (asked.requestState.endsWith("AA") ? "BB" : "AA");
  for (const [state, args] of [
    [flipped, NOTE],
    [asked.requestState, { ...NOTE, text: "something else entirely" }],
  ]) {
    const r = await rawCall({ name: "send_notification", arguments: args, inputResponses: yes, requestState: state });
    assert.equal(r.status, 400);
    assert.equal(r.json.error?.code, -32602, JSON.stringify(r.json));
    assert.match(r.json.error.message, /requestState/);
  }
  assert.equal(dc.requests.length, 0, "nothing went out on a refused state");
  const honest = await rawCall({ name: "send_notification", arguments: NOTE, inputResponses: yes, requestState: asked.requestState });
  assert.equal(honest.json.result.resultType, "complete", JSON.stringify(honest.json));
  assert.equal(honest.json.result.structuredContent.outcome, "sent");
  assert.equal(dc.requests.length, 1);
});

test("marking more than 20 events at once asks first; 20 or fewer does not", LOCAL, async () => {
  const ids = Array.from({ length: 21 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
  const { client, shown } = await connect(() => ({ action: "decline" }));
  const declined = await client.callTool({ name: "mark_processed", arguments: { ids } });
  assert.equal(declined.isError, true);
  assert.match(text(declined), /Nothing marked: the person declined to mark 21 events/);
  assert.equal(shown.length, 1);
  assert.match(shown[0].message, /Mark 21 GitHub events processed/);
  const few = await client.callTool({ name: "mark_processed", arguments: { ids: ids.slice(0, 20) } });
  assert.ok(!few.isError, text(few));
  assert.equal(shown.length, 1, "not asked for 20");
  assert.equal(few.structuredContent.marked, 0);
  assert.equal(few.structuredContent.not_found.length, 20, "unknown ids are reported, not invented");
  await client.close();
});

test("create_document without a title asks the person for one (the example in examples/tools/)", LOCAL, async () => {
  const { client, shown } = await connect(() => ({ action: "accept", content: { title: "Asked for" } }));
  const created = await client.callTool({ name: "create_document", arguments: { content: "Body" } });
  assert.ok(!created.isError, text(created));
  assert.equal(created.structuredContent.title, "Asked for");
  assert.equal(shown.length, 1);
  await client.close();
  const { client: mute } = await connect(null);
  const refused = await mute.callTool({ name: "create_document", arguments: { content: "Body" } });
  assert.equal(refused.isError, true);
  assert.match(text(refused), /`title` is required/);
  await mute.close();
});
