// Operators and members in workerd, with the local GitHub stand-in (e2e/harness/github.mjs)
// and a person signing in through Chromium: GitHub sign-in naming nobody lets nobody in; a
// GitHub account named nowhere cannot sign in; with ALLOWED_USERNAMES=* a member who asks for
// dovecote:env:read and dovecote:notify gets a token without them, sees neither tool and is
// refused both; an operator in OPERATORS gets and uses both; removed from OPERATORS, the
// operator's next refresh fails. One Worker, its configuration changed by restarting it on
// the same state. The tests run in order.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { chromium } from "playwright-core";
import { startWorker, localOnly, REMOTE } from "./harness/worker.mjs";
import { pkce, redeem } from "./harness/signin.mjs";
import { githubSignIn, githubVars, startGitHub } from "./harness/github.mjs";
import { modern } from "./harness/mcp.mjs";
import { startDiscord } from "./harness/services/discord.mjs";

const LOCAL = localOnly("a local GitHub stand-in and changing OPERATORS / ALLOWED_USERNAMES");
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];
const OPERATOR_SCOPES = "dovecote:env:read dovecote:notify";
const ADMIN_TOKEN = "e2e-roles-admin-token";

let github;
let discord;
let worker;
let browser;
let client; // the application the person signs in to: {server, redirectUri}
let operator; // octocat's token response, kept for the last test's refresh

before(async () => {
  if (REMOTE) return;
  github = await startGitHub({
    users: {
      octocat: { id: 583231, name: "The Octocat", installations: [] },
      mallory: { id: 666, name: "Mallory", installations: [] },
      stranger: { id: 999, name: "Named Nowhere", installations: [] },
    },
  });
  discord = await startDiscord({ id: "1187", token: "hooktoken_roles" });
  worker = await startWorker({
    vars: githubVars(github, {
      ADMIN_TOKEN,
      DISCORD_INSTANCES: JSON.stringify([{ id: "ops", webhookUrl: discord.webhookUrl, allowAnyHost: true }]),
    }),
  });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  const server = http.createServer((req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<p>Signed in.</p>"));
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  client = { server, redirectUri: `http://127.0.0.1:${server.address().port}/callback` };
});

after(async () => {
  await browser?.close();
  if (client) await new Promise((ok) => { client.server.closeAllConnections(); client.server.close(ok); });
  await worker?.stop();
  await github?.close();
  await discord?.stop();
});

/** The authorization request of a fresh client registered for `client.redirectUri`. */
async function authorizationUrl(scope) {
  const reg = await fetch(`${worker.origin}/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ redirect_uris: [client.redirectUri], token_endpoint_auth_method: "none", client_name: "Roles e2e" }),
  });
  assert.equal(reg.status, 201);
  const { client_id } = await reg.json();
  const { verifier, challenge } = pkce();
  const params = new URLSearchParams({ client_id, redirect_uri: client.redirectUri, response_type: "code", code_challenge: challenge, code_challenge_method: "S256", state: "roles-state", scope });
  return { url: `${worker.origin}/authorize?${params}`, client_id, verifier };
}

/**
 * `login` approves the consent page in Chromium and signs in at GitHub; returns the consent
 * page's text and either the token response or the error the client received.
 */
async function personSignsIn(login, scope) {
  github.signInAs(login);
  const { url, client_id, verifier } = await authorizationUrl(scope);
  const page = await (await browser.newContext()).newPage();
  try {
    await page.goto(url);
    const consent = await page.locator("body").innerText();
    await page.getByRole("button", { name: "Approve and sign in with GitHub" }).click();
    await page.waitForURL((u) => u.href.startsWith(client.redirectUri), { timeout: 15_000 });
    const landed = new URL(page.url());
    assert.equal(landed.searchParams.get("state"), "roles-state");
    if (landed.searchParams.get("error")) return { consent, error: Object.fromEntries(landed.searchParams) };
    const r = await redeem(worker.origin, { code: landed.searchParams.get("code"), verifier, client_id, redirect_uri: client.redirectUri });
    const text = await r.text();
    assert.equal(r.status, 200, text);
    return { consent, token: { ...JSON.parse(text), client_id } };
  } finally {
    await page.context().close();
  }
}

async function mcp(token, method, params = {}) {
  return modern(worker.url, method, params, { headers: { authorization: `Bearer ${token}` } });
}

async function toolNames(token) {
  const r = await mcp(token, "tools/list");
  assert.equal(r.status, 200, r.text);
  return r.json.result.tools.map((t) => t.name);
}

const refresh = (t) =>
  fetch(`${worker.origin}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: t.refresh_token, client_id: t.client_id }),
  });

test("GitHub sign-in naming nobody lets nobody in, and says which variable to set", LOCAL, async () => {
  const health = await (await fetch(`${worker.origin}/health`)).json();
  assert.match(health.problems.join("\n"), /GitHub sign-in lets nobody in: set ALLOWED_USERNAMES .* or OPERATORS/);
  const { url } = await authorizationUrl("dovecote:read");
  const page = await (await browser.newContext()).newPage();
  try {
    const response = await page.goto(url);
    assert.equal(response.status(), 503);
    assert.match(await page.locator("body").innerText(), /Sign-in is closed.*ALLOWED_USERNAMES.*OPERATORS/s);
    assert.equal(await page.getByRole("button", { name: /Approve/ }).count(), 0);
  } finally {
    await page.context().close();
  }
});

test("a GitHub account named nowhere cannot sign in", LOCAL, async () => {
  await worker.restart({ OPERATORS: "octocat" });
  const { error } = await personSignsIn("stranger", "dovecote:read");
  assert.equal(error?.error, "access_denied", JSON.stringify(error));
  assert.match(error.error_description, /stranger/);
});

test("with ALLOWED_USERNAMES=*, a member asking for operator scopes gets a token without them and is refused both tools", LOCAL, async () => {
  await worker.restart({ ALLOWED_USERNAMES: "*" });
  const { consent, token } = await personSignsIn("mallory", OPERATOR_SCOPES);
  assert.match(consent, /\(operators only\)/, "the consent page says who receives them");
  for (const scope of OPERATOR_SCOPES.split(" ")) {
    assert.ok(!token.scope.split(" ").includes(scope), `granted ${token.scope}`);
  }
  const tools = await toolNames(token.access_token);
  for (const tool of ["get_env", "send_notification"]) assert.ok(!tools.includes(tool), tools.join(" "));
  for (const [tool, args] of [["get_env", { name: "staging" }], ["send_notification", { channel: "discord-ops", text: "hi" }]]) {
    const r = await mcp(token.access_token, "tools/call", { name: tool, arguments: args });
    assert.equal(r.status, 403, `${tool}: ${r.text}`);
    assert.match(r.headers.get("www-authenticate"), /insufficient_scope/);
  }
  assert.equal(discord.requests.length, 0, "nothing reached the operator's channel");
});

test("an operator in OPERATORS gets and uses both", LOCAL, async () => {
  const put = await fetch(`${worker.origin}/admin/env/staging`, {
    method: "PUT",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ region: "eu-west" }),
  });
  assert.equal(put.status, 200, await put.text());
  const { token } = await personSignsIn("octocat", OPERATOR_SCOPES);
  assert.deepEqual(token.scope.split(" ").sort(), OPERATOR_SCOPES.split(" ").sort());
  const tools = await toolNames(token.access_token);
  for (const tool of ["get_env", "send_notification"]) assert.ok(tools.includes(tool), tools.join(" "));
  const env = await mcp(token.access_token, "tools/call", { name: "get_env", arguments: { name: "staging" } });
  assert.equal(env.json.result.structuredContent?.values?.region, "eu-west", env.text);
  const sent = await mcp(token.access_token, "tools/call", { name: "send_notification", arguments: { channel: "discord-ops", text: "Deployed by an operator" } });
  assert.notEqual(sent.json.result.isError, true, sent.text);
  const deadline = Date.now() + 20_000;
  while (discord.requests.length === 0 && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 200));
  assert.match(JSON.stringify(discord.requests[0]?.json), /Deployed by an operator/);
  operator = token;
});

test("removed from OPERATORS, the operator's next refresh fails", LOCAL, async () => {
  assert.ok(operator, "the previous test signed the operator in");
  await worker.restart({ OPERATORS: null });
  assert.equal((await mcp(operator.access_token, "tools/call", { name: "get_env", arguments: { name: "staging" } })).status, 403);
  const r = await refresh(operator);
  const body = await r.json();
  assert.equal(r.status, 400, JSON.stringify(body));
  assert.equal(body.error, "invalid_grant");
  assert.match(body.error_description, /no longer an operator/);
  // Headless sign-in still works for the same account, now as a member.
  github.signInAs("octocat");
  const again = await githubSignIn(worker.origin, { scope: OPERATOR_SCOPES });
  assert.equal(again.scope, "");
});
