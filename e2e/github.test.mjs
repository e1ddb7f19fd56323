// Sign-in with GitHub against the Worker in workerd and a local GitHub stand-in
// (e2e/harness/github.mjs): a person approving in Chromium, ALLOWED_USERNAMES, two users with
// their own identities and rate limits, get_github_repos with the user's own GitHub token, and
// a refresh that renews the GitHub token and reads the installations again.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { chromium } from "playwright-core";
import { startWorker, REMOTE, localOnly } from "./harness/worker.mjs";
import { pkce, redeem } from "./harness/signin.mjs";
import { githubSignIn, githubVars, startGitHub } from "./harness/github.mjs";
import { modern } from "./harness/mcp.mjs";

/** These tests configure their own Worker: skipped in remote mode (TEST_BASE_URL). */
const LOCAL = localOnly("a local GitHub stand-in (GITHUB_OAUTH_URL, GITHUB_API_URL)");

const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];
const SCOPE = "dovecote:read github:read";

let github;
let worker;

before(async () => {
  if (REMOTE) return;
  github = await startGitHub({
    // GitHub App user tokens live 8 hours; a minute here makes every refresh renew them.
    tokenLifetimeSecs: 60,
    users: {
      octocat: {
        id: 583231,
        name: "The Octocat",
        installations: ["octo-org"],
        repos: [
          { id: 1296269, full_name: "octocat/Hello-World", private: false, html_url: "https://github.com/octocat/Hello-World", description: "My first repository on GitHub!", default_branch: "master", updated_at: "2026-11-20T10:00:00Z" },
          { id: 1300192, full_name: "octo-org/secret-plans", private: true, html_url: "https://github.com/octo-org/secret-plans", description: null, default_branch: "main", updated_at: "2026-11-19T10:00:00Z" },
        ],
      },
      hubot: { id: 2, name: null, installations: ["hubot-inc"], repos: [] },
      mallory: { id: 666, name: "Mallory", installations: [] },
    },
  });
  worker = await startWorker({ vars: githubVars(github, { ALLOWED_USERNAMES: "octocat,hubot" }) });
});

after(async () => {
  await worker?.stop();
  await github?.close();
});

async function call(token, tool, args = {}) {
  const r = await modern(worker.url, "tools/call", { name: tool, arguments: args }, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.result, r.text);
  return r.json.result;
}

test("a person approves in Chromium and signs in at GitHub; tools see their GitHub identity", LOCAL, async () => {
  const received = [];
  const client = http.createServer((req, res) => {
    received.push(req.url);
    res.writeHead(200, { "content-type": "text/html" }).end("<p>Signed in.</p>");
  });
  await new Promise((ok) => client.listen(0, "127.0.0.1", ok));
  const redirectUri = `http://127.0.0.1:${client.address().port}/callback`;
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  try {
    github.signInAs("octocat");
    const reg = await fetch(`${worker.origin}/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ redirect_uris: [redirectUri], token_endpoint_auth_method: "none", client_name: "GitHub e2e" }),
    });
    const { client_id } = await reg.json();
    const { verifier, challenge } = pkce();
    const params = new URLSearchParams({ client_id, redirect_uri: redirectUri, response_type: "code", code_challenge: challenge, code_challenge_method: "S256", state: "browser-state", scope: SCOPE });
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${worker.origin}/authorize?${params}`);
    assert.equal(await page.locator("#password").count(), 0, "GitHub mode asks no password");
    await page.getByRole("button", { name: "Approve and sign in with GitHub" }).click();
    await page.waitForURL((u) => u.href.startsWith(redirectUri), { timeout: 15_000 });
    const landed = new URL(page.url());
    assert.equal(landed.searchParams.get("state"), "browser-state");
    assert.equal(landed.searchParams.get("iss"), worker.origin);
    const token = await redeem(worker.origin, { code: landed.searchParams.get("code"), verifier, client_id, redirect_uri: redirectUri });
    const text = await token.text();
    assert.equal(token.status, 200, text);
    assert.doesNotMatch(text, /gh[ur]_/, "GitHub's tokens never reach the client");
    const { access_token } = JSON.parse(text);

    const me = (await call(access_token, "get_user_info")).structuredContent;
    assert.equal(me.id, "github:583231");
    assert.equal(me.name, "octocat");
    assert.equal(me.identity_provider, "github");
    assert.deepEqual(me.github_accounts, ["octo-org"]);

    const repos = await call(access_token, "get_github_repos", { limit: 1 });
    assert.notEqual(repos.isError, true, JSON.stringify(repos));
    assert.deepEqual(repos.structuredContent.repositories.map((r) => r.full_name), ["octocat/Hello-World"]);
    const asked = github.requests().filter((r) => r.path.startsWith("/api/user/repos"));
    assert.equal(asked.at(-1).path, "/api/user/repos?per_page=1&sort=updated");
    const all = await call(access_token, "get_github_repos");
    assert.equal(all.structuredContent.repositories.length, 2, "default limit 10 returns both");
    const bad = await call(access_token, "get_github_repos", { limit: 0 });
    assert.equal(bad.isError, true);
  } finally {
    await browser.close();
    await new Promise((ok) => client.close(ok));
  }
});

test("a GitHub user outside ALLOWED_USERNAMES is refused with access_denied", LOCAL, async () => {
  github.signInAs("mallory");
  const refused = await githubSignIn(worker.origin, { scope: SCOPE });
  assert.equal(refused.error, "access_denied");
  assert.match(refused.error_description, /mallory/);
});

test("a refresh renews the GitHub token and reads the installations again", LOCAL, async () => {
  github.signInAs("octocat");
  const first = await githubSignIn(worker.origin, { scope: SCOPE });
  github.state.users.octocat.installations = ["octo-org", "octo-labs"];
  const before = github.requests().length;
  const r = await fetch(`${worker.origin}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: first.refresh_token, client_id: first.client_id }),
  });
  const refreshed = await r.json();
  assert.equal(r.status, 200, JSON.stringify(refreshed));
  const renewal = github.requests().slice(before).find((q) => q.path === "/login/oauth/access_token");
  assert.equal(renewal?.form.grant_type, "refresh_token", "the GitHub token was renewed with its refresh token");
  const me = (await call(refreshed.access_token, "get_user_info")).structuredContent;
  assert.deepEqual(me.github_accounts, ["octo-org", "octo-labs"]);
  const repos = await call(refreshed.access_token, "get_github_repos", { limit: 2 });
  assert.notEqual(repos.isError, true, JSON.stringify(repos));
  github.state.users.octocat.installations = ["octo-org"];
});

// Last: it spends octocat's get_user_info budget for the minute.
test("two GitHub users are two principals with their own rate limits", LOCAL, async () => {
  github.signInAs("octocat");
  const octocat = await githubSignIn(worker.origin, { scope: SCOPE });
  github.signInAs("hubot");
  const hubot = await githubSignIn(worker.origin, { scope: SCOPE });
  assert.equal((await call(hubot.access_token, "get_user_info")).structuredContent.id, "github:2");
  // get_user_info allows 60 a minute per user: use up octocat's.
  let limited;
  for (let i = 0; i < 200 && !limited; i++) {
    const r = await call(octocat.access_token, "get_user_info");
    if (r.isError) limited = r;
  }
  assert.match(limited?.content?.[0]?.text ?? "", /Rate limit/);
  const other = await call(hubot.access_token, "get_user_info");
  assert.notEqual(other.isError, true, "hubot's budget is untouched");
  assert.deepEqual(other.structuredContent.github_accounts, ["hubot-inc"]);
});
