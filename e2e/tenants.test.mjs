// Who sees which webhook tenant, end to end: two GitHub users signed in through GitHub (the
// local stand-in), two GitHub App installations announced by signed `installation` deliveries,
// and a plain repository webhook whose tenant configuration gives to one of them. Each user
// sees only their own accounts' events — through the MCP tools, the REST endpoints and
// /events — and cannot read or mark another's by id.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startWorker, REMOTE, localOnly } from "./harness/worker.mjs";
import { githubSignIn, githubVars, startGitHub } from "./harness/github.mjs";
import { modern } from "./harness/mcp.mjs";
import { deliver as deliverTo, installation, issue } from "./harness/deliveries.mjs";

/** These tests configure their own Worker: skipped in remote mode (TEST_BASE_URL). */
const LOCAL = localOnly("a local GitHub stand-in and webhook settings");

const SECRET = "tenants-e2e-webhook-secret";
const SCOPE = "dovecote:read dovecote:events:read dovecote:events:write";
let github;
let worker;
const users = {};

const deliver = (event, payload) => deliverTo(worker.origin, SECRET, event, payload);

async function tool(who, name, args = {}) {
  const r = await modern(worker.url, "tools/call", { name, arguments: args }, { headers: { authorization: `Bearer ${users[who].access_token}` } });
  assert.equal(r.status, 200, r.text);
  return r.json.result;
}

async function rest(who, path, init = {}) {
  const r = await fetch(`${worker.origin}${path}`, { ...init, headers: { authorization: `Bearer ${users[who].access_token}`, ...(init.headers ?? {}) } });
  return { status: r.status, json: await r.json().catch(() => undefined) };
}

/** Reads `who`'s /events for `ms` and returns the event summaries it carried. */
async function streamFor(who, ms) {
  const controller = new AbortController();
  const r = await fetch(`${worker.origin}/events`, { headers: { authorization: `Bearer ${users[who].access_token}`, accept: "text/event-stream" }, signal: controller.signal });
  assert.equal(r.status, 200);
  const seen = [];
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const stop = setTimeout(() => controller.abort(), ms);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (data) seen.push(JSON.parse(data));
      }
    }
  } catch (e) {
    if (e.name !== "AbortError") throw e;
  } finally {
    clearTimeout(stop);
  }
  return seen;
}

before(async () => {
  if (REMOTE) return;
  github = await startGitHub({
    users: {
      octocat: { id: 1, installations: ["octo-org"] },
      hubot: { id: 2, installations: ["hubot-inc"] },
    },
  });
  worker = await startWorker({
    vars: githubVars(github, {
      ALLOWED_USERNAMES: "*",
      GITHUB_WEBHOOK_SECRET: SECRET,
      WEBHOOK_DEFAULT_TENANT: "plain-org",
      WEBHOOK_DEFAULT_TENANT_USERS: "hubot",
      EVENTS_HEARTBEAT_SECS: "1",
      EVENTS_POLL_MS: "200",
    }),
  });
  await deliver("installation", installation(101, "octo-org"));
  await deliver("installation", installation(202, "hubot-inc"));
  for (const login of ["octocat", "hubot"]) {
    github.signInAs(login);
    users[login] = await githubSignIn(worker.origin, { scope: SCOPE });
  }
});

after(async () => {
  await worker?.stop();
  await github?.close();
});

test("each user lists only their own accounts' events, through the tools and REST", LOCAL, async () => {
  const octo = await deliver("issues", issue("octo-org/app", 1, 101));
  const hubot = await deliver("issues", issue("hubot-inc/site", 2, 202));
  const plain = await deliver("issues", issue("plain-org/legacy", 3));
  // The `installation` deliveries are events of their accounts too; compare the issues.
  const issues = (events) => events.filter((e) => e.type === "issues").map((e) => e.id).sort();
  const ids = async (who) => issues((await tool(who, "list_pending_events", { limit: 100 })).structuredContent.events);
  assert.deepEqual(await ids("octocat"), [octo]);
  assert.deepEqual(await ids("hubot"), [hubot, plain].sort());
  assert.deepEqual(issues((await rest("octocat", "/pending-events?limit=100")).json.events), [octo]);
  assert.equal((await rest("hubot", "/pending-status")).json.types.issues, 2);
  const accounts = (events) => [...new Set(events.filter((e) => e.repo).map((e) => e.repo.split("/")[0]))].sort();
  assert.deepEqual(accounts((await rest("octocat", "/pending-events?limit=100")).json.events), ["octo-org"]);

  // Another's event by id: as if it did not exist.
  const peek = await tool("octocat", "get_event", { event_id: hubot });
  assert.equal(peek.isError, true);
  assert.equal((await rest("octocat", `/event?id=${hubot}`)).status, 404);
  const mark = await tool("octocat", "mark_processed", { event_id: hubot });
  assert.equal(mark.isError, true);
  const stillPending = (await tool("hubot", "list_pending_events")).structuredContent.events.map((e) => e.id);
  assert.ok(stillPending.includes(hubot), "octocat could not mark hubot's event");
  const own = await tool("hubot", "mark_processed", { event_id: hubot });
  assert.notEqual(own.isError, true, JSON.stringify(own));
});

test("each user's /events carries only their own accounts' events", LOCAL, async () => {
  const reading = { octocat: streamFor("octocat", 4000), hubot: streamFor("hubot", 4000) };
  await new Promise((r) => setTimeout(r, 800));
  const octo = await deliver("issues", issue("octo-org/app", 10, 101));
  const hubot = await deliver("issues", issue("hubot-inc/site", 11, 202));
  const seen = { octocat: await reading.octocat, hubot: await reading.hubot };
  assert.deepEqual(seen.octocat.map((e) => e.id), [octo]);
  assert.deepEqual(seen.hubot.map((e) => e.id), [hubot]);
  assert.equal(seen.octocat[0].repo, "octo-org/app");
});
