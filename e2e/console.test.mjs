// The operator console in Chromium against the Worker in workerd (issue 29). With the
// password: the operator signs in, sees a delivery just sent appear in the chart and the
// list, marks it processed; sees a Slack outage as a queued notification with Slack's error,
// presses "retry now" once Slack is back and sees it sent; revokes a grant and sees that
// client's next MCP call get 401; filters the audit trail to those actions. With GitHub (the
// stand-in): an operator in OPERATORS gets in, a member is refused with a 403 saying why.
// Deliveries refused before their account is known are counted for the whole gateway.
// Every page passes axe-core with no serious or critical violation, and is photographed at
// desktop and phone width under e2e/screenshots/console/ (ignored by git).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { ROOT, localOnly, startWorker } from "./harness/worker.mjs";
import { TEST_PASSWORD, signIn } from "./harness/signin.mjs";
import { withToken } from "./harness/mcp.mjs";
import { deliver, issue } from "./harness/deliveries.mjs";
import { githubVars, startGitHub } from "./harness/github.mjs";
import * as slack from "./harness/services/slack.mjs";

const LOCAL = localOnly("local stand-ins for Slack and GitHub");
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];
const SECRET = "console-e2e-webhook-secret";
const SLACK_TOKEN = "xoxb-1111-2222-consoletoken";
const SHOTS = join(ROOT, "e2e/screenshots/console");
const AXE = readFileSync(join(ROOT, "node_modules/axe-core/axe.min.js"), "utf8");
const SIZES = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };

let sl;
let github;
let worker; // password sign-in
let ghWorker; // GitHub sign-in
let browser;
let page; // the operator's tab on `worker`

before(async () => {
  if (LOCAL.skip) return;
  mkdirSync(SHOTS, { recursive: true });
  sl = await slack.startSlack({ webhookPath: "/services/T0/B0/hookConsole", botToken: SLACK_TOKEN, channels: ["C0OPS"] });
  github = await startGitHub({
    users: {
      octocat: { id: 583231, name: "The Octocat", installations: [] },
      mallory: { id: 666, name: "Mallory", installations: [] },
    },
  });
  [worker, ghWorker] = await Promise.all([
    startWorker({
      vars: {
        GITHUB_WEBHOOK_SECRET: SECRET,
        WEBHOOK_DEFAULT_TENANT: "console-org",
        SLACK_INSTANCES: JSON.stringify([{ id: "ops", botToken: SLACK_TOKEN, channel: "C0OPS", apiBase: sl.apiBase, allowAnyHost: true }]),
      },
    }),
    startWorker({ vars: githubVars(github, { OPERATORS: "octocat", ALLOWED_USERNAMES: "mallory" }) }),
  ]);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  page = await (await browser.newContext({ viewport: SIZES.desktop })).newPage();
});

after(async () => {
  await browser?.close();
  await Promise.all([worker?.stop(), ghWorker?.stop(), sl?.stop(), github?.close()]);
});

/** Runs axe-core on the open page; fails on serious or critical violations. */
async function accessible(p, name) {
  await p.addScriptTag({ content: AXE }).catch(() => {});
  // The console's policy forbids scripts; axe runs in an isolated world instead.
  const results = await p.evaluate(async () => (window.axe ? await window.axe.run() : null));
  if (results === null) {
    const cdp = await p.context().newCDPSession(p);
    const { executionContextId } = await cdp.send("Page.createIsolatedWorld", { frameId: (await cdp.send("Page.getFrameTree")).frameTree.frame.id, worldName: "axe" });
    await cdp.send("Runtime.evaluate", { expression: AXE, contextId: executionContextId });
    const { result } = await cdp.send("Runtime.evaluate", { expression: "axe.run().then((r) => JSON.stringify(r.violations))", contextId: executionContextId, awaitPromise: true, returnByValue: true });
    await cdp.detach();
    return check(JSON.parse(result.value), name);
  }
  return check(results.violations, name);
}

function check(violations, name) {
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`), [], `axe on ${name}`);
}

/** Checks the page's accessibility and photographs it at both widths. */
async function inspect(p, name) {
  await accessible(p, name);
  for (const [size, viewport] of Object.entries(SIZES)) {
    await p.setViewportSize(viewport);
    await p.screenshot({ path: join(SHOTS, `${name}-${size}.png`), fullPage: true });
  }
  await p.setViewportSize(SIZES.desktop);
}

test("the console answers with a strict policy and sends strangers to sign in", LOCAL, async () => {
  const r = await fetch(`${worker.origin}/console/webhooks`, { redirect: "manual" });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get("location"), "/console/signin");
  const signin = await fetch(`${worker.origin}/console/signin`);
  assert.equal(signin.status, 200);
  const csp = signin.headers.get("content-security-policy");
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(signin.headers.get("referrer-policy"), "no-referrer");
  // A POST without a session is refused, whatever it carries.
  const forged = await fetch(`${worker.origin}/console/grants/revoke`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "grant=x&csrf=y", redirect: "manual" });
  assert.equal(forged.status, 403);
});

test("the operator signs in with the password and sees the overview", LOCAL, async () => {
  await page.goto(`${worker.origin}/console`);
  assert.match(page.url(), /\/console\/signin$/);
  await inspect(page, "signin");
  await page.fill("#password", "not the password");
  await page.click("button[type=submit]");
  assert.match(await page.textContent("main"), /not right/);
  await page.fill("#password", TEST_PASSWORD);
  await page.click("button[type=submit]");
  assert.match(page.url(), /\/console$/);
  assert.equal(await page.textContent("h1"), "Overview");
  assert.match(await page.textContent("main"), /Version/);
  const [cookie] = (await page.context().cookies()).filter((c) => c.name === "__Host-dovecote-console");
  assert.ok(cookie, "the session cookie");
  assert.equal(cookie.secure, true);
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, "Lax");
  assert.ok(cookie.expires * 1000 - Date.now() <= 30 * 60 * 1000 + 5000, "short-lived");
  await inspect(page, "overview");
});

test("a delivery just sent appears in the chart and the list, and is marked processed", LOCAL, async () => {
  const id = await deliver(worker.origin, SECRET, "issues", issue("console-org/app", 7));
  await page.goto(`${worker.origin}/console/webhooks`);
  const section = page.locator("section", { has: page.locator("h2", { hasText: "console-org" }) });
  assert.match(await section.locator("svg").first().getAttribute("aria-label"), /1 accepted/);
  await inspect(page, "webhooks");
  await section.locator(`a:has-text("${id}")`).click();
  assert.match(await page.textContent("main"), /console-org\/app #7/);
  await inspect(page, "event");
  await page.click("button:has-text('Mark processed')");
  assert.match(await page.textContent("main"), /Processed\./);
  const r = await fetch(`${worker.origin}/console/webhooks`, { redirect: "manual" });
  assert.equal(r.status, 303, "still nobody's without the cookie");
});

test("refusals before an account is known are counted for the whole gateway, in batches", LOCAL, async () => {
  const body = JSON.stringify(issue("console-org/app", 8));
  const refused = [];
  for (let i = 0; i < 100; i++) {
    const r = await fetch(`${worker.origin}/webhooks/github`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "issues", "x-github-delivery": `forged-${i}`, "x-hub-signature-256": "sha256=" + "0".repeat(64) },
      body,
    });
    refused.push(r.status);
  }
  assert.ok(refused.every((s) => s === 403), refused.join());
  await page.goto(`${worker.origin}/console/webhooks`);
  const chart = await page.locator("section", { has: page.locator("h2", { hasText: "Refused before" }) }).locator("svg").first().getAttribute("aria-label");
  assert.match(chart, /100 bad signature/);
});

test("a Slack outage shows as a queued notification; retry now sends it once Slack is back", LOCAL, async () => {
  const { access_token } = await signIn(worker.origin, { scope: "dovecote:notify" });
  const client = withToken(access_token);
  // Slack is down and asks for an hour: only "retry now" sends it sooner.
  sl.always(slack.rateLimited(3600));
  const r = await client.modern(worker.url, "tools/call", { name: "send_notification", arguments: { channel: "slack-ops", text: "while Slack is down" } });
  const sent = r.json.result.structuredContent;
  assert.equal(sent.outcome, "queued", r.text);
  await page.goto(`${worker.origin}/console/notifications`);
  const row = page.locator("tr", { hasText: sent.id });
  assert.match(await row.textContent(), /queued/);
  assert.match(await row.textContent(), /ratelimited|429/, "Slack's own words");
  await inspect(page, "notifications");
  sl.always(null);
  await row.locator("button:has-text('Retry now')").click();
  const deadline = Date.now() + 30_000;
  while (await page.locator("tr", { hasText: sent.id }).count()) {
    assert.ok(Date.now() < deadline, "the notification left the queue");
    await new Promise((ok) => setTimeout(ok, 500));
    await page.reload();
  }
  const delivered = sl.requests.filter((q) => q.status === 200 && q.path === "/api/chat.postMessage");
  assert.equal(delivered.length, 1, "sent once");
  const chart = await page.locator("section", { hasText: "slack-ops" }).locator("svg").first().getAttribute("aria-label");
  assert.match(chart, /1 sent/);
});

test("a notification can be dropped", LOCAL, async () => {
  const { access_token } = await signIn(worker.origin, { scope: "dovecote:notify" });
  sl.always(slack.rateLimited(3600));
  const r = await withToken(access_token).modern(worker.url, "tools/call", { name: "send_notification", arguments: { channel: "slack-ops", text: "never mind" } });
  const sent = r.json.result.structuredContent;
  assert.equal(sent.outcome, "queued", r.text);
  await page.goto(`${worker.origin}/console/notifications`);
  await page.locator("tr", { hasText: sent.id }).locator("button:has-text('Drop')").click();
  const failures = page.locator("h3:has-text('Recent failures') + div tr", { hasText: sent.id });
  assert.match(await failures.textContent(), /dropped by owner/);
  sl.always(null);
});

test("a revoked grant's next MCP call gets 401", LOCAL, async () => {
  const { access_token, client_id } = await signIn(worker.origin, { scope: "dovecote:notify" });
  const client = withToken(access_token);
  assert.equal((await client.modern(worker.url, "tools/list")).status, 200);
  await page.goto(`${worker.origin}/console/grants`);
  await inspect(page, "grants");
  const grants = await (await fetch(`${worker.origin}/console/grants`, { headers: { cookie: await session(page) } })).text();
  assert.ok(grants.includes(client_id) || grants.includes("e2e"), "the client is listed");
  // The newest grant is listed first: it is the one just made.
  await page.locator("tbody tr").first().locator("button:has-text('Revoke')").click();
  assert.match(page.url(), /\/console\/grants$/);
  assert.equal((await client.modern(worker.url, "tools/list")).status, 401);
});

test("the audit trail filters to the console's actions, with the operator's name", LOCAL, async () => {
  await page.goto(`${worker.origin}/console/audit`);
  await page.fill("#kind", "console");
  await page.click("button:has-text('Filter')");
  const text = await page.textContent("tbody");
  for (const action of ["mark processed", "retry notification", "drop notification", "revoke grant", "sign-in with password"]) {
    assert.match(text, new RegExp(action), action);
  }
  const kinds = await page.locator("tbody tr td:nth-child(2)").allTextContents();
  assert.ok(kinds.length > 0 && kinds.every((k) => k === "console"), kinds.join());
  const who = await page.locator("tbody tr td:nth-child(3)").allTextContents();
  assert.ok(who.every((w) => w === "owner"), who.join());
  await inspect(page, "audit");
});

test("a forged form (no CSRF token) is refused even with the session", LOCAL, async () => {
  const r = await fetch(`${worker.origin}/console/signout`, { method: "POST", headers: { cookie: await session(page), "content-type": "application/x-www-form-urlencoded" }, body: "csrf=forged", redirect: "manual" });
  assert.equal(r.status, 403);
});

test("with GitHub, an operator signs in and a member is refused with a reason", LOCAL, async () => {
  const context = await browser.newContext({ viewport: SIZES.desktop });
  const p = await context.newPage();
  github.signInAs("mallory");
  await p.goto(`${ghWorker.origin}/console/signin`);
  await p.click("a:has-text('Sign in with GitHub')");
  assert.match(await p.textContent("h1"), /Operators only/);
  assert.match(await p.textContent("main"), /mallory, who is not an operator/);
  await inspect(p, "forbidden");
  assert.equal((await context.cookies()).filter((c) => c.name === "__Host-dovecote-console").length, 0, "no session for a member");

  github.signInAs("octocat");
  await p.goto(`${ghWorker.origin}/console/signin`);
  await p.click("a:has-text('Sign in with GitHub')");
  assert.match(p.url(), /\/console$/);
  assert.match(await p.textContent("header"), /Signed in as octocat/);
  await context.close();
});

/** The page's console cookie, as a Cookie header. */
async function session(p) {
  const [c] = (await p.context().cookies()).filter((c) => c.name === "__Host-dovecote-console");
  return `${c.name}=${c.value}`;
}
