// GitHub webhooks against the Worker in workerd: every payload of @octokit/webhooks-examples
// (real GitHub payloads) signed with @octokit/webhooks-methods (GitHub's own signing code),
// delivered, stored and summarized; GitHub's documented signature test vector; bad signatures
// and rotation; redelivery after mark_processed; installations; the address allowlist and
// per-address rate (exact, and leased); a payload over 2 MB; /events resumption and
// heartbeats; and a burst of concurrent deliveries that all survive a wrangler restart. One
// Worker for the file, and one more for the leased rate.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { sign } from "@octokit/webhooks-methods";
import { startWorker, REMOTE, localOnly } from "./harness/worker.mjs";
import { signIn } from "./harness/signin.mjs";
import { modern } from "./harness/mcp.mjs";

/** These tests configure their own Worker: skipped in remote mode (TEST_BASE_URL). */
const LOCAL = localOnly("webhook secrets and limits set for the test");

// GitHub's documented example ("Validating webhook deliveries"): this secret, this body, this
// signature. The Worker's current secret is this one, so the vector is checked end to end.
const VECTOR = {
  secret: "It's a Secret to Everybody",
  body: "Hello, World!",
  signature: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
};
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples");
const OLD_SECRET = "the secret before the rotation";
const IP_RATE = 20; // per address per minute
const BURST = 300;

let worker;
let token;
let nextAddress = 0;
/** A fresh address in GitHub's 140.82.112.0/20 hook range, so each delivery has its own rate. */
const githubAddress = () => {
  nextAddress += 1;
  return `140.82.${112 + Math.floor(nextAddress / 250)}.${1 + (nextAddress % 250)}`;
};

async function deliver(event, payload, { id = randomUUID(), secret = VECTOR.secret, signature, ip, body, to = worker } = {}) {
  const raw = body ?? JSON.stringify(payload);
  const headers = {
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": id,
    "cf-connecting-ip": ip ?? githubAddress(),
  };
  const sig = signature === undefined ? await sign(secret, raw) : signature;
  if (sig !== null) headers["x-hub-signature-256"] = sig;
  const r = await fetch(`${to.origin}/webhooks/github`, { method: "POST", headers, body: raw });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, json, text, id, headers: r.headers };
}

const bearer = () => ({ authorization: `Bearer ${token.access_token}` });

async function rest(path, init = {}) {
  const r = await fetch(`${worker.origin}${path}`, { ...init, headers: { ...bearer(), ...(init.headers ?? {}) } });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined, text };
}

async function tool(name, args = {}) {
  const r = await modern(worker.url, "tools/call", { name, arguments: args }, { headers: bearer() });
  assert.equal(r.status, 200, r.text);
  return r.json.result;
}

before(async () => {
  if (REMOTE) return;
  worker = await startWorker({
    vars: {
      GITHUB_WEBHOOK_SECRET: `"${VECTOR.secret}"`,
      GITHUB_WEBHOOK_SECRET_PREVIOUS: OLD_SECRET,
      WEBHOOK_IP_ALLOWLIST: "github",
      WEBHOOK_IP_RATE: `${IP_RATE}/minute`,
      WEBHOOK_DEFAULT_TENANT: "plain-org",
      EVENTS_HEARTBEAT_SECS: "1",
      EVENTS_POLL_MS: "200",
    },
  });
  token = await signIn(worker.origin);
});

after(async () => {
  await worker?.stop();
});

/** What a summary must carry, given what the payload has. */
function expectedSummary(p) {
  const owner = p.pull_request ?? p.issue ?? p.discussion;
  const subjects = ["comment", "review", "workflow_run", "workflow_job", "check_run", "check_suite",
    "pull_request", "issue", "discussion", "release", "deployment_status", "milestone", "package"]
    .map((k) => p[k]).filter((s) => s && typeof s === "object");
  const want = {};
  if (typeof p.action === "string") want.action = p.action;
  if (p.repository?.full_name) want.repo = p.repository.full_name;
  if (p.sender?.login) want.sender = p.sender.login;
  const number = owner?.number ?? p.number;
  if (Number.isInteger(number)) want.number = number;
  if (owner?.title) want.title = true;
  if (subjects.some((s) => s.html_url) || p.compare || p.repository?.html_url) want.url = true;
  if (subjects.some((s) => s.head_sha || s.head?.sha) || p.after) want.head_sha = true;
  if (subjects.some((s) => s.head_branch || s.head?.ref) || p.ref?.startsWith?.("refs/heads/")) want.head_branch = true;
  if (subjects.some((s) => s.conclusion)) want.conclusion = true;
  return want;
}

test("every example payload is delivered, stored and summarized", LOCAL, async () => {
  const all = examples.flatMap((group) => group.examples.map((payload) => ({ event: group.name, payload })));
  assert.ok(all.length > 300, `only ${all.length} examples`);
  // Installation events last: a `deleted` one forgets its installation.
  const mapping = new Set(["installation", "installation_repositories", "installation_target"]);
  const ordered = [...all.filter((d) => !mapping.has(d.event)), ...all.filter((d) => mapping.has(d.event))];
  const installations = new Set(all.map((d) => d.payload.installation?.id).filter(Number.isInteger));
  for (const id of installations) {
    const r = await deliver("installation", { action: "created", installation: { id, account: { login: `inst-${id}`, id: 700_000 + id } } });
    assert.equal(r.status, 202, r.text);
  }
  const stored = [];
  const bodies = new Set();
  for (const d of ordered) {
    const r = await deliver(d.event, d.payload);
    // A few examples repeat another's body exactly: a replay, answered as a duplicate.
    const body = `${d.event} ${JSON.stringify(d.payload)}`;
    const repeated = bodies.has(body);
    bodies.add(body);
    if (r.status === 202) assert.equal(r.json.duplicate, repeated, `${d.event}: duplicate exactly when the body repeats`);
    if (repeated) continue;
    assert.ok(r.status < 500, `${d.event}: ${r.status} ${r.text}`);
    if (d.event === "ping") {
      assert.equal(r.status, 200, r.text);
      continue;
    }
    assert.equal(r.status, 202, `${d.event} ${d.payload.action ?? ""}: ${r.text}`);
    assert.equal(r.json.id, r.id);
    stored.push({ ...d, id: r.id });
  }
  // Read back 16 at a time: each read asks every account's store (the operator sees all).
  const read = [];
  for (let i = 0; i < stored.length; i += 16) {
    read.push(...await Promise.all(stored.slice(i, i + 16).map((d) => rest(`/event?id=${d.id}`))));
  }
  for (const [i, d] of stored.entries()) {
    const r = read[i];
    assert.equal(r.status, 200, `${d.event}: ${r.text}`);
    const e = r.json;
    assert.equal(e.type, d.event);
    assert.deepEqual(e.payload, d.payload, `${d.event}: the payload comes back as sent`);
    for (const [field, value] of Object.entries(expectedSummary(d.payload))) {
      assert.ok(e[field] !== undefined && e[field] !== null, `${d.event} ${d.payload.action ?? ""}: summary lacks ${field}`);
      if (value !== true) assert.equal(e[field], value, `${d.event}: ${field}`);
    }
    for (const field of ["id", "type", "tenant", "received_at", "processed", "trigger_status", "last_triggered_at"]) {
      assert.ok(field in e, `${d.event}: ${field} missing`);
    }
  }
});

test("GitHub's signature test vector verifies, and bad signatures are refused", LOCAL, async () => {
  assert.equal(await sign(VECTOR.secret, VECTOR.body), VECTOR.signature, "octokit agrees with GitHub's docs");
  // The vector's body is not JSON: a verified signature gets past 403 to the payload check.
  const r = await deliver("issues", null, { body: VECTOR.body, signature: VECTOR.signature });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.error, "invalid_payload");
  const payload = { action: "opened", issue: { number: 1, title: "t" } };
  const good = await sign(VECTOR.secret, JSON.stringify(payload));
  const cases = {
    wrong: await sign("not the secret", JSON.stringify(payload)),
    missing: null,
    malformed: good.replace("sha256=", "sha1="),
    truncated: good.slice(0, -1),
    empty: "",
    "other body": VECTOR.signature,
  };
  for (const [name, signature] of Object.entries(cases)) {
    const r = await deliver("issues", payload, { signature });
    assert.equal(r.status, 403, `${name}: ${r.text}`);
    assert.equal(r.json.error, "invalid_signature", name);
  }
  const rotated = await deliver("issues", payload, { secret: OLD_SECRET });
  assert.equal(rotated.status, 202, `the previous secret still verifies: ${rotated.text}`);
});

test("deliveries come only from GitHub's addresses, at a bounded rate per address", LOCAL, async () => {
  const r = await deliver("issues", { action: "opened" }, { ip: "203.0.113.5" });
  assert.equal(r.status, 403);
  assert.equal(r.json.error, "forbidden_address");
  const ip = githubAddress();
  const statuses = [];
  for (let i = 0; i <= IP_RATE; i++) {
    statuses.push((await deliver("issues", { action: "opened" }, { ip })).status);
  }
  assert.deepEqual(statuses.slice(0, IP_RATE), Array(IP_RATE).fill(202));
  assert.equal(statuses[IP_RATE], 429);
});

test("a per-address rate high enough to lease still holds, with concurrent deliveries", LOCAL, async () => {
  // 120/minute is leased two deliveries at a time (docs/webhooks.md, "The per-address rate, leased"); its burst is 120
  // and it refills two a second. Deliveries go ten at a time, so leases are asked for at once.
  const leased = await startWorker({
    vars: { GITHUB_WEBHOOK_SECRET: `"${VECTOR.secret}"`, WEBHOOK_IP_RATE: "120/minute", WEBHOOK_DEFAULT_TENANT: "lease-org" },
  });
  try {
    const ip = githubAddress();
    const started = performance.now();
    const results = [];
    for (let wave = 0; wave < 16; wave++) {
      results.push(...(await Promise.all(Array.from({ length: 10 }, () =>
        deliver("issues", { action: "opened" }, { ip, to: leased })))));
    }
    const seconds = (performance.now() - started) / 1000;
    const accepted = results.filter((r) => r.status === 202).length;
    const refused = results.filter((r) => r.status === 429);
    assert.equal(accepted + refused.length, results.length, results.map((r) => r.status).join(","));
    assert.ok(accepted >= 120, `the whole burst is available: ${accepted} accepted`);
    // The refill during the run, and at most one lease (two) beyond it for the isolate.
    const most = 120 + Math.ceil(2 * seconds) + 2;
    assert.ok(accepted <= most, `${accepted} accepted in ${seconds.toFixed(1)} s; at most ${most}`);
    assert.equal(refused.at(-1).json.error, "rate_limited");
    assert.ok(Number(refused.at(-1).headers.get("retry-after")) >= 1);
    assert.equal(results.at(-1).status, 429, "the last wave is past the burst");
  } finally {
    await leased.stop();
  }
});

test("a redelivery after mark_processed changes nothing", LOCAL, async () => {
  const payload = { action: "opened", issue: { number: 42, title: "Redelivered" }, repository: { full_name: "o/r" } };
  const first = await deliver("issues", payload);
  assert.equal(first.status, 202);
  const marked = await tool("mark_processed", { event_id: first.id });
  assert.equal(marked.isError, undefined, JSON.stringify(marked));
  assert.equal(marked.structuredContent.success, true);
  const again = await deliver("issues", payload, { id: first.id });
  assert.equal(again.status, 202);
  assert.equal(again.json.duplicate, true);
  const event = await tool("get_event", { event_id: first.id });
  assert.equal(event.structuredContent.processed, true);
  const pending = await tool("list_pending_events", { limit: 100 });
  assert.ok(!pending.structuredContent.events.some((e) => e.id === first.id));
  const unknown = await tool("get_event", { event_id: randomUUID() });
  assert.equal(unknown.isError, true);
  const tooMany = await tool("list_pending_events", { limit: 101 });
  assert.equal(tooMany.isError, true);
});

test("an installation is created, receives events, then is removed", LOCAL, async () => {
  const installation = { id: 987654, account: { login: "e2e-octo", id: 987 } };
  const before = await deliver("issues", { action: "opened", installation: { id: installation.id } });
  assert.equal(before.status, 404);
  assert.equal(before.json.error, "unknown_installation");
  assert.equal((await deliver("installation", { action: "created", installation })).status, 202);
  const during = await deliver("issues", { action: "opened", installation: { id: installation.id } });
  assert.equal(during.status, 202);
  const found = await rest(`/event?id=${during.id}`);
  assert.equal(found.json.tenant, "e2e-octo");
  assert.equal((await deliver("installation", { action: "deleted", installation })).status, 202);
  const afterwards = await deliver("issues", { action: "opened", installation: { id: installation.id } });
  assert.equal(afterwards.status, 404);
});

test("a payload just over 2 MB is stored and returned whole", LOCAL, async () => {
  const payload = { action: "edited", issue: { number: 7, title: "Large", body: "x".repeat(2 * 1024 * 1024 + 100) } };
  const r = await deliver("issues", payload);
  assert.equal(r.status, 202, r.text);
  const got = await rest(`/event?id=${r.id}`);
  assert.equal(got.status, 200);
  assert.equal(got.json.payload.issue.body.length, payload.issue.body.length);
  const listed = await rest("/webhook-events?limit=100");
  const entry = listed.json.events.find((e) => e.id === r.id);
  assert.ok(entry && entry.payload === undefined && /get_event/.test(entry.note), "left out of the bounded list");
});

test("REST endpoints need a token", LOCAL, async () => {
  for (const path of ["/pending-status", "/pending-events", "/webhook-events", "/event?id=x", "/events"]) {
    const r = await fetch(`${worker.origin}${path}`);
    assert.equal(r.status, 401, path);
    assert.match(r.headers.get("www-authenticate"), /resource_metadata=/);
  }
});

/** Opens /events and reads it; `next(predicate)` waits for a frame matching it. */
async function listen(lastEventId) {
  const controller = new AbortController();
  const headers = { ...bearer(), accept: "text/event-stream" };
  if (lastEventId) headers["last-event-id"] = lastEventId;
  const r = await fetch(`${worker.origin}/events`, { headers, signal: controller.signal });
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type"), /text\/event-stream/);
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const frames = [];
  const next = async (predicate, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const found = frames.findIndex(predicate);
      if (found >= 0) return frames.splice(found, 1)[0];
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(frames)}`);
      const { value, done } = await reader.read();
      if (done) throw new Error("stream ended");
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        frames.push(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  };
  return { next, close: () => controller.abort() };
}

const frameId = (frame) => frame.split("\n").find((l) => l.startsWith("id: "))?.slice(4);
const frameData = (frame) => JSON.parse(frame.split("\n").find((l) => l.startsWith("data: ")).slice(6));

test("/events streams new events with heartbeats and resumes from Last-Event-ID", LOCAL, async () => {
  const stream = await listen();
  await stream.next((f) => f.includes(": heartbeat"));
  const live = await deliver("issues", { action: "opened", issue: { number: 1, title: "Live" } });
  const frame = await stream.next((f) => f.includes(live.id));
  assert.equal(frameData(frame).title, "Live");
  const lastId = frameId(frame);
  assert.ok(lastId.includes("plain-org:"), lastId);
  stream.close();
  const missed = await deliver("issues", { action: "opened", issue: { number: 2, title: "Missed" } });
  const resumed = await listen(lastId);
  const replay = await resumed.next((f) => f.includes("github_event"));
  assert.equal(frameData(replay).id, missed.id, "the first frame is the one missed, nothing before it");
  resumed.close();
});

test("a burst of concurrent deliveries is stored once each and survives a restart", LOCAL, async () => {
  const install = { id: 555, account: { login: "burst-org", id: 5550 } };
  assert.equal((await deliver("installation", { action: "created", installation: install })).status, 202);
  const before = (await rest("/pending-status")).json.pending_count;
  const ids = Array.from({ length: BURST }, () => randomUUID());
  const results = await Promise.all(ids.map((id, n) =>
    deliver("push", { ref: "refs/heads/main", after: `${n}`, installation: { id: 555 } }, { id })));
  assert.deepEqual(results.map((r) => r.status).filter((s) => s !== 202), [], "every delivery accepted");
  // Half of them again, concurrently: acknowledged, not stored twice.
  const again = await Promise.all(ids.slice(0, BURST / 2).map((id) =>
    deliver("push", { ref: "refs/heads/main", after: "again", installation: { id: 555 } }, { id })));
  assert.ok(again.every((r) => r.status === 202 && r.json.duplicate === true));
  const countAfter = (await rest("/pending-status")).json.pending_count;
  assert.equal(countAfter - before, BURST, "none lost, none duplicated");
  await worker.restart();
  assert.equal((await rest("/pending-status")).json.pending_count, countAfter, "all still there after a restart");
  for (const id of ids.slice(0, 20)) {
    const r = await rest(`/event?id=${id}`);
    assert.equal(r.status, 200);
    assert.notEqual(r.json.head_sha, "again");
  }
});
