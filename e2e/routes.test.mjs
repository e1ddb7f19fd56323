// Event routes in workerd: the root tools.toml with e2e/routes/tools.toml appended, and
// e2e/routes/channels.toml, are built into build/routes (DOVECOTE_TOOLS_MANIFEST,
// DOVECOTE_CHANNELS_MANIFEST). Real `workflow_run` payloads of @octokit/webhooks-examples,
// signed with @octokit/webhooks-methods, go to /webhooks/github; the route posts to the local
// Slack stand-in through the outbox, and the event's trigger_status follows it (read over REST).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import { REMOTE, startWorker, localOnly } from "./harness/worker.mjs";
import { signIn } from "./harness/signin.mjs";
import { buildWith } from "./harness/build.mjs";
import * as slack from "./harness/services/slack.mjs";

const LOCAL = localOnly("a build with an event route and a Slack stand-in");
const BUILD = "routes";
const SECRET = "routes-e2e-webhook-secret";
const HOOK_PATH = "/services/T0/B0/routesE2E";
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples");

let worker;
let sl;
let token;

/** GitHub's example `workflow_run` `completed` delivery on `main`, ending with `conclusion`. */
function workflowRun(conclusion, runId) {
  const real = examples.find((e) => e.name === "workflow_run").examples
    .find((p) => p.action === "completed" && p.workflow_run.head_branch === "main");
  const payload = structuredClone(real);
  payload.workflow_run.conclusion = conclusion;
  payload.workflow_run.id = runId;
  return payload;
}

/** Posts `payload` as a signed `event` delivery with `id`; returns the answer's JSON. */
async function deliver(event, payload, id = randomUUID()) {
  const body = JSON.stringify(payload);
  const r = await fetch(`${worker.origin}/webhooks/github`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": event, "x-github-delivery": id, "x-hub-signature-256": await sign(SECRET, body) },
    body,
  });
  const text = await r.text();
  assert.equal(r.status, 202, text);
  return { id, ...JSON.parse(text) };
}

/** The stored event `id` as GET /event returns it. */
async function event(id) {
  const r = await fetch(`${worker.origin}/event?id=${id}`, { headers: { authorization: `Bearer ${token.access_token}` } });
  const text = await r.text();
  assert.equal(r.status, 200, text);
  return JSON.parse(text);
}

/** Waits (up to `ms`) until `check()` returns something truthy, and returns it. */
async function until(what, check, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    const got = await check();
    if (got) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

const posts = () => sl.requests.filter((r) => r.path === HOOK_PATH);
const settle = () => new Promise((ok) => setTimeout(ok, 2_000));

before(async () => {
  if (REMOTE) return;
  await buildWith(BUILD, { tools: "e2e/routes/tools.toml", channels: "e2e/routes/channels.toml" });
  sl = await slack.startSlack({ webhookPath: HOOK_PATH, botToken: "xoxb-unused", channels: [] });
  worker = await startWorker({
    build: BUILD,
    vars: {
      GITHUB_WEBHOOK_SECRET: SECRET,
      WEBHOOK_DEFAULT_TENANT: "routes-org",
      E2E_SLACK_OPS_URL: `${sl.origin}${HOOK_PATH}`,
    },
  });
  token = await signIn(worker.origin);
}, { timeout: 600_000 });

after(async () => {
  await Promise.all([worker?.stop(), sl?.stop()]);
});

test("a failed run on main reaches Slack once, formatted from the route's template; a redelivery does not post again", LOCAL, async () => {
  sl.reset();
  const failed = workflowRun("failure", 1001);
  const { id } = await deliver("workflow_run", failed);
  const stored = await until("the route's notification to be sent", async () => {
    const e = await event(id);
    return e.trigger_status === "sent" && e;
  });
  assert.ok(stored.last_triggered_at, "last_triggered_at is recorded");
  assert.equal(stored.processed, false, "agents still see the event as pending");
  assert.equal(posts().length, 1);
  const { html_url: url, head_sha: sha } = failed.workflow_run;
  assert.equal(stored.repo, failed.repository.full_name);
  assert.equal(stored.head_branch, "main");
  const sent = posts()[0].json;
  const header = sent.blocks.find((b) => b.type === "header").text.text;
  assert.ok(header.includes(`${stored.repo}: ${stored.title} failed`), header);
  const section = sent.blocks.filter((b) => b.type === "section").map((b) => b.text.text).join("\n");
  assert.ok(section.includes("failed on `main`"), section);
  assert.ok(section.includes(sha), section);
  assert.ok(section.includes(url), section);

  // GitHub redelivers the same delivery: stored once, posted once.
  const again = await deliver("workflow_run", failed, id);
  assert.equal(again.duplicate, true);
  await settle();
  assert.equal(posts().length, 1, "a redelivery never triggers twice");
  assert.equal((await event(id)).trigger_status, "sent");
});

test("a successful run matches no route: nothing is posted and the event is not triggered", LOCAL, async () => {
  sl.reset();
  const { id } = await deliver("workflow_run", workflowRun("success", 1002));
  await settle();
  assert.equal(posts().length, 0);
  const e = await event(id);
  assert.equal(e.trigger_status, null);
  assert.equal(e.last_triggered_at, null);
});

test("with Slack down the notification is queued, and delivered once Slack is back", LOCAL, async () => {
  sl.reset();
  sl.always({ status: 503, body: "service unavailable" });
  const started = Date.now();
  const { id } = await deliver("workflow_run", workflowRun("failure", 1003));
  assert.ok(Date.now() - started < 5_000, "the 202 does not wait for Slack");
  await until("the notification to be queued after a refused attempt", async () => posts().length >= 1 && (await event(id)).trigger_status === "queued");
  sl.always(null);
  await until("the queued notification to be delivered", async () => (await event(id)).trigger_status === "sent", 60_000);
  const delivered = posts().filter((r) => r.status === 200);
  assert.equal(delivered.length, 1, "delivered once");
  assert.ok(JSON.stringify(delivered[0].json).includes("failed on `main`"));
});
