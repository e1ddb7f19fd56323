// MCP resources end to end, with the official TypeScript clients: two GitHub users signed in
// through GitHub (the local stand-in), each with a GitHub App installation announced by a
// signed delivery, and an issue event for each. The v2 client (pinned to 2026-07-28) and the
// v1 client (session era) list, template and read: each user reads their own account's event
// and pending summary, and the other's event is "Resource not found", exactly like a missing
// one. The triage prompt embeds the caller's pending summary (never another's), an account
// name completes among the caller's own, and documents read back as Markdown.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client as ClientV2, ProtocolError, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startWorker, REMOTE, localOnly } from "./harness/worker.mjs";
import { githubSignIn, githubVars, startGitHub } from "./harness/github.mjs";
import { deliver as deliverTo, installation, issue } from "./harness/deliveries.mjs";

/** These tests configure their own Worker: skipped in remote mode (TEST_BASE_URL). */
const LOCAL = localOnly("a local GitHub stand-in and webhook settings");

const SECRET = "resources-e2e-webhook-secret";
const SCOPE = "dovecote:read dovecote:events:read kb:read kb:write";
let github;
let worker;
const users = {};
const events = {};

const deliver = (event, payload) => deliverTo(worker.origin, SECRET, event, payload);

async function connectV2(who) {
  const client = new ClientV2({ name: "dovecote-e2e", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  await client.connect(new TransportV2(new URL(worker.url), { requestInit: { headers: { Authorization: `Bearer ${users[who].access_token}` } } }));
  return client;
}

async function connectV1(who) {
  const client = new ClientV1({ name: "dovecote-e2e-v1", version: "1.0.0" });
  await client.connect(new TransportV1(new URL(worker.url), { requestInit: { headers: { Authorization: `Bearer ${users[who].access_token}` } } }));
  return client;
}

/** Asserts `promise` fails with the spec's resource-not-found error naming `uri`. */
async function notFound(promise, uri, ErrorType) {
  await assert.rejects(promise, (e) => {
    if (ErrorType) assert.ok(e instanceof ErrorType, `expected ${ErrorType.name}, got ${e?.constructor?.name}: ${e}`);
    assert.equal(e.code, -32602);
    assert.match(e.message, /Resource not found/);
    assert.equal(e.data?.uri, uri);
    return true;
  });
}

before(async () => {
  if (REMOTE) return;
  github = await startGitHub({
    users: {
      octocat: { id: 1, installations: [{ id: 101, account: { login: "octo-org", id: 9101 }, repositories: ["octo-org/app"] }] },
      hubot: { id: 2, installations: [{ id: 202, account: { login: "hubot-inc", id: 9202 }, repositories: ["hubot-inc/site"] }] },
    },
  });
  worker = await startWorker({ vars: githubVars(github, { ALLOWED_USERNAMES: "*", GITHUB_WEBHOOK_SECRET: SECRET }) });
  // `{account}` is the account's GitHub id (a rename never changes a URI); reads also take the
  // current login among the accounts the caller sees. The summary's `account` is the login.
  await deliver("installation", installation(101, "octo-org", 9101));
  await deliver("installation", installation(202, "hubot-inc", 9202));
  events.octocat = await deliver("issues", issue("octo-org/app", 1, 101));
  events.hubot = await deliver("issues", issue("hubot-inc/site", 2, 202));
  for (const login of ["octocat", "hubot"]) {
    github.signInAs(login);
    users[login] = await githubSignIn(worker.origin, { scope: SCOPE });
  }
});

after(async () => {
  await worker?.stop();
  await github?.close();
});

describe("v2 client pinned to 2026-07-28", LOCAL, () => {
  let client;
  before(async () => {
    client = await connectV2("octocat");
  });
  after(async () => {
    await client?.close();
  });

  test("the server offers resources; the list holds the caller's accounts, never the other's", async () => {
    assert.ok(client.getDiscoverResult().capabilities.resources);
    const { resources } = await client.listResources(undefined, { cacheMode: "bypass" });
    const uris = resources.map((r) => r.uri);
    assert.ok(uris.includes("github://accounts/9101/pending"), uris.join(", "));
    assert.ok(!uris.some((u) => u.includes("9202")), uris.join(", "));
    assert.ok(!uris.some((u) => u.includes("/events/")), "events are reached through the template, not listed");
    const { resourceTemplates } = await client.listResourceTemplates(undefined, { cacheMode: "bypass" });
    assert.deepEqual(
      resourceTemplates.map((t) => t.uriTemplate),
      ["github://accounts/{account}/pending", "github://accounts/{account}/events/{delivery_id}", "dovecote://knowledge/documents/{id}"],
    );
  });

  test("reads its own event's payload and its account's pending summary", async () => {
    const uri = `github://accounts/9101/events/${events.octocat}`;
    const { contents } = await client.readResource({ uri });
    assert.equal(contents[0].uri, uri);
    assert.equal(contents[0].mimeType, "application/json");
    const payload = JSON.parse(contents[0].text);
    assert.equal(payload.issue.number, 1);
    assert.equal(payload.repository.full_name, "octo-org/app");

    const summary = JSON.parse((await client.readResource({ uri: "github://accounts/9101/pending" })).contents[0].text);
    assert.equal(summary.account, "octo-org");
    assert.ok(summary.events.some((e) => e.uri === uri), JSON.stringify(summary));
  });

  test("another user's event is not found, exactly like a missing one", async () => {
    const foreign = `github://accounts/9202/events/${events.hubot}`;
    await notFound(client.readResource({ uri: foreign }), foreign, ProtocolError);
    const missing = "github://accounts/9101/events/00000000-0000-0000-0000-000000000000";
    await notFound(client.readResource({ uri: missing }), missing, ProtocolError);
    await notFound(client.readResource({ uri: "github://accounts/9202/pending" }), "github://accounts/9202/pending", ProtocolError);
  });

  test("the triage prompt embeds the account's pending summary, and an account name completes", async () => {
    const { prompts } = await client.listPrompts(undefined, { cacheMode: "bypass" });
    assert.deepEqual(prompts.map((p) => p.name), ["triage_pending_events", "summarize_pull_request"]);
    // A person types the account's login; the embedded resource is read through it.
    const got = await client.getPrompt({ name: "triage_pending_events", arguments: { account: "octo-org" } });
    const embedded = got.messages[0].content;
    assert.equal(embedded.type, "resource");
    assert.equal(embedded.resource.uri, "github://accounts/octo-org/pending");
    const summary = JSON.parse(embedded.resource.text);
    assert.ok(summary.events.some((e) => e.id === events.octocat), embedded.resource.text);
    assert.match(got.messages[1].content.text, /octo-org/);
    await notFound(client.getPrompt({ name: "triage_pending_events", arguments: { account: "hubot-inc" } }), "github://accounts/hubot-inc/pending", ProtocolError);

    const { completion } = await client.complete({ ref: { type: "ref/prompt", name: "triage_pending_events" }, argument: { name: "account", value: "oc" } });
    assert.deepEqual(completion.values, ["octo-org"]);
    const byId = await client.complete({ ref: { type: "ref/resource", uri: "github://accounts/{account}/pending" }, argument: { name: "account", value: "91" } });
    assert.deepEqual(byId.completion.values, ["9101"], "the id a URI holds completes too");
    const none = await client.complete({ ref: { type: "ref/prompt", name: "triage_pending_events" }, argument: { name: "account", value: "hub" } });
    assert.deepEqual(none.completion.values, [], "hubot's account is not suggested to octocat");
  });

  test("a document created with create_document reads back as Markdown", async () => {
    const created = await client.callTool({ name: "create_document", arguments: { title: "Runbook", content: "# Runbook\n\n1. Breathe.", tags: [] } });
    assert.notEqual(created.isError, true, JSON.stringify(created));
    const { resources } = await client.listResources(undefined, { cacheMode: "bypass" });
    const doc = resources.find((r) => r.title === "Runbook");
    assert.ok(doc, JSON.stringify(resources));
    assert.equal(doc.mimeType, "text/markdown");
    const { contents } = await client.readResource({ uri: doc.uri });
    assert.equal(contents[0].text, "# Runbook\n\n1. Breathe.");
    // hubot's knowledge base is another one: the same URI is not found for hubot.
    const other = await connectV2("hubot");
    try {
      await notFound(other.readResource({ uri: doc.uri }), doc.uri, ProtocolError);
    } finally {
      await other.close();
    }
  });
});

describe("v1 client (session era)", LOCAL, () => {
  let client;
  before(async () => {
    client = await connectV1("hubot");
  });
  after(async () => {
    await client?.close();
  });

  test("lists, reads its own event, and is refused the other's as not found", async () => {
    assert.ok(client.getServerCapabilities().resources);
    const { resources } = await client.listResources();
    assert.deepEqual(resources.filter((r) => r.uri.startsWith("github://")).map((r) => r.uri), ["github://accounts/9202/pending"]);
    const uri = `github://accounts/9202/events/${events.hubot}`;
    const { contents } = await client.readResource({ uri });
    assert.equal(JSON.parse(contents[0].text).issue.number, 2);
    const foreign = `github://accounts/9101/events/${events.octocat}`;
    await notFound(client.readResource({ uri: foreign }), foreign);
  });

  test("gets the triage prompt with its embedded resource and completes its account", async () => {
    const got = await client.getPrompt({ name: "triage_pending_events", arguments: { account: "9202" } });
    assert.equal(got.messages[0].content.resource.uri, "github://accounts/9202/pending");
    assert.equal(JSON.parse(got.messages[0].content.resource.text).account, "hubot-inc");
    const { completion } = await client.complete({ ref: { type: "ref/prompt", name: "triage_pending_events" }, argument: { name: "account", value: "" } });
    assert.deepEqual(completion.values, ["hubot-inc"]);
  });
});
