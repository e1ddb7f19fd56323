// Who sees which webhook tenant, end to end: GitHub users signed in through GitHub (the local
// stand-in), GitHub App installations announced by signed `installation` deliveries, and a
// plain repository webhook whose tenant configuration gives to one of them. Each user sees only
// their own accounts' events, and of those only the repositories their GitHub token reaches
// (organization events: admins only) — through the MCP tools, the REST endpoints and /events —
// and cannot read or mark another's by id. Accounts are keyed by GitHub id: a renamed account
// keeps its events, and whoever claims the freed login reaches none of them. A captured
// delivery re-posted under a new id is a duplicate.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startWorker, REMOTE, localOnly } from "./harness/worker.mjs";
import { githubSignIn, githubVars, startGitHub } from "./harness/github.mjs";
import { modern } from "./harness/mcp.mjs";
import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import { deliver as deliverTo, installation, issue } from "./harness/deliveries.mjs";

/** These tests configure their own Worker: skipped in remote mode (TEST_BASE_URL). */
const LOCAL = localOnly("a local GitHub stand-in and webhook settings");

const SECRET = "tenants-e2e-webhook-secret";
const ADMIN_TOKEN = "tenants-e2e-admin-token";
const SCOPE = "dovecote:read dovecote:events:read dovecote:events:write";
let github;
let worker;
const users = {};

const deliver = (event, payload) => deliverTo(worker.origin, SECRET, event, payload);

const ACCOUNT_IDS = { "octo-org": 9101, "hubot-inc": 9202 };

/** An organization event (no repository): for the organization's admins. */
const orgEvent = (org, installationId) => ({
  action: "member_added",
  membership: { state: "active", role: "member", user: { login: "newcomer", id: 77 } },
  organization: { login: org, id: ACCOUNT_IDS[org] },
  sender: { login: org },
  installation: { id: installationId },
});

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
      // A member of octo-org who reaches one of its repositories.
      octocat: { id: 1, installations: [{ id: 101, account: { login: "octo-org", id: 9101 }, repositories: ["octo-org/app"], role: "member" }] },
      // An admin of hubot-inc.
      hubot: { id: 2, installations: [{ id: 202, account: { login: "hubot-inc", id: 9202 }, repositories: ["hubot-inc/site"], role: "admin" }] },
      // Takes octo-org's login once it is freed, and installs the App there.
      mallory: { id: 3, installations: [{ id: 303, account: { login: "octo-org", id: 9303 }, repositories: ["octo-org/app"], role: "admin" }] },
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
      ADMIN_TOKEN,
    }),
  });
  await deliver("installation", installation(101, "octo-org", ACCOUNT_IDS["octo-org"]));
  await deliver("installation", installation(202, "hubot-inc", ACCOUNT_IDS["hubot-inc"]));
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

test("members see the repositories their token reaches; organization events go to admins", LOCAL, async () => {
  const reachable = await deliver("issues", issue("octo-org/app", 20, 101));
  const hidden = await deliver("issues", issue("octo-org/private", 21, 101));
  const octoOrg = await deliver("organization", orgEvent("octo-org", 101));
  const hubotOrg = await deliver("organization", orgEvent("hubot-inc", 202));
  const listed = async (who) => (await rest(who, "/pending-events?limit=100")).json.events.map((e) => e.id);
  const octocat = await listed("octocat");
  assert.ok(octocat.includes(reachable));
  assert.ok(!octocat.includes(hidden), "a repository octocat's token cannot reach");
  assert.ok(!octocat.includes(octoOrg), "an organization event, and octocat is no admin");
  assert.ok((await listed("hubot")).includes(hubotOrg), "hubot administers hubot-inc");
  assert.equal((await rest("octocat", `/event?id=${hidden}`)).status, 404);
  assert.equal((await tool("octocat", "get_event", { event_id: octoOrg })).isError, true);
  const shown = await tool("octocat", "get_event", { event_id: reachable });
  assert.equal(shown.structuredContent.account_id, 9101, "events carry their account's GitHub id");
  // The stand-in was asked what octocat reaches, page by page, as GitHub documents.
  const asked = github.requests().map((r) => r.path);
  assert.ok(asked.some((p) => p.startsWith("/api/user/installations/101/repositories")), asked.join(" "));
  assert.ok(asked.some((p) => p === "/api/user/memberships/orgs/octo-org"), asked.join(" "));
});

test("a captured delivery re-posted under a new delivery id is a duplicate", LOCAL, async () => {
  const payload = issue("octo-org/app", 30, 101);
  const body = JSON.stringify(payload);
  const post = (id) => fetch(`${worker.origin}/webhooks/github`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": "issues", "x-github-delivery": id, "x-hub-signature-256": "" },
    body,
  });
  const first = await deliver("issues", payload);
  const replayed = await (async () => {
    const id = randomUUID();
    const r = await fetch(`${worker.origin}/webhooks/github`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "issues", "x-github-delivery": id, "x-hub-signature-256": await sign(SECRET, body) },
      body,
    });
    return { id, status: r.status, json: await r.json() };
  })();
  assert.equal(replayed.status, 202);
  assert.equal(replayed.json.duplicate, true, JSON.stringify(replayed.json));
  const ids = (await rest("octocat", "/pending-events?limit=100")).json.events.map((e) => e.id);
  assert.ok(ids.includes(first) && !ids.includes(replayed.id));
  assert.equal((await post(randomUUID())).status, 403, "and unsigned, it is refused before that");
});

test("a renamed account keeps its events; whoever claims the freed login reaches none", LOCAL, async () => {
  const before = await deliver("issues", issue("octo-org/app", 40, 101));
  // `installation_target` renamed, shaped as GitHub's schema (@octokit/webhooks-types) has it:
  // the account at the top level, `installation` with only its id.
  await deliver("installation_target", {
    action: "renamed",
    account: { id: 9101, login: "octo-renamed", node_id: "O_9101", avatar_url: "", html_url: "https://github.com/octo-renamed" },
    changes: { login: { from: "octo-org" } },
    installation: { id: 101, node_id: "I_101" },
    target_type: "Organization",
    sender: { login: "octocat", id: 1 },
  });
  const after = await deliver("issues", issue("octo-renamed/app", 41, 101));
  // GitHub now names the account and its repository by the new login. Events keep the
  // repository name they arrived with (docs/webhooks.md, "Who sees what"), so the old name is
  // kept reachable here to show the events from before the rename are still in the store.
  const renamed = github.state.users.octocat.installations[0];
  renamed.account.login = "octo-renamed";
  renamed.repositories = ["octo-org/app", "octo-renamed/app"];
  github.signInAs("octocat");
  users.octocat = await githubSignIn(worker.origin, { scope: SCOPE });
  const octocat = (await rest("octocat", "/pending-events?limit=100")).json.events;
  assert.ok(octocat.some((e) => e.id === before), "the events from before the rename are still there");
  assert.ok(octocat.some((e) => e.id === after));
  assert.equal(octocat.find((e) => e.id === after).tenant, "octo-renamed");
  // Mallory takes the login `octo-org` (a new account, id 9303) and installs the App.
  await deliver("installation", installation(303, "octo-org", 9303));
  github.signInAs("mallory");
  users.mallory = await githubSignIn(worker.origin, { scope: SCOPE });
  const mallory = (await rest("mallory", "/pending-events?limit=100")).json.events.map((e) => e.id);
  assert.ok(!mallory.includes(before) && !mallory.includes(after), JSON.stringify(mallory));
  assert.equal((await rest("mallory", `/event?id=${before}`)).status, 404);
  const own = await deliver("issues", issue("octo-org/app", 42, 303));
  assert.deepEqual((await rest("mallory", "/pending-events?limit=100")).json.events.filter((e) => e.type === "issues").map((e) => e.id), [own]);
});

test("the operator exports a tenant as a stream of JSON lines, then deletes it, each audited", LOCAL, async () => {
  const admin = (method, path) => fetch(`${worker.origin}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  await deliver("installation", installation(404, "export-org", 9404));
  // A few large deliveries, so the export is several pages of the event store's answers.
  const big = "x".repeat(3 * 1024 * 1024);
  const sent = [];
  for (let n = 1; n <= 3; n += 1) {
    const payload = issue("export-org/app", n, 404);
    payload.issue.body = big;
    sent.push(await deliver("issues", payload));
  }
  const listed = await (await admin("GET", "/admin/tenants")).json();
  const tenant = listed.tenants.find((t) => t.account_id === 9404);
  assert.ok(tenant, JSON.stringify(listed));
  const r = await admin("GET", `/admin/tenants/${tenant.name}/export`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "application/x-ndjson");
  assert.equal(r.headers.get("content-length"), null, "streamed: the length is not known when the answer starts");
  assert.equal(r.headers.get("link"), null, "one answer carries every event");
  const lines = (await r.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l));
  assert.deepEqual(lines.filter((l) => l.type === "issues").map((l) => l.id), sent, "every event, oldest first");
  assert.equal(lines.at(-1).payload.issue.body.length, big.length, "with its whole payload");
  assert.equal((await admin("DELETE", `/admin/tenants/${tenant.name}`)).status, 200);
  const gone = await admin("GET", `/admin/tenants/${tenant.name}/export`);
  assert.equal(await gone.text(), "", "every event deleted");
  const audit = await (await admin("GET", "/admin/audit?limit=100")).json();
  const details = JSON.stringify(audit);
  assert.ok(details.includes(`GET /admin/tenants/${tenant.name}/export`) && details.includes(`DELETE /admin/tenants/${tenant.name}`), details.slice(0, 2000));
});
