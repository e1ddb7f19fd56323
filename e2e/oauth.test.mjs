// OAuth end to end, against the Worker in workerd, with real clients:
//  - the MCP TypeScript SDK v1 client with its OAuth support, as Claude Code uses it: 401 →
//    discovery → dynamic registration → sign-in and consent in real Chromium → code exchange →
//    tools → refresh after its access token stops working → revocation;
//  - oauth4webapi (a certified OAuth client library) validating discovery, `iss`, the code
//    grant with PKCE, refresh and revocation;
//  - the MCP conformance suite's authorization-server scenarios;
//  - a few attacks that must fail in workerd as they do in process (gateway/tests/oauth.rs
//    covers them all).
// Sign-ins are limited to 5 a minute per address (CF-Connecting-IP, which Cloudflare's edge
// sets). Each sign-in here comes from its own address unless a test means to meet the limit.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { promisify } from "node:util";
import { join } from "node:path";
import { chromium } from "playwright-core";
import * as oauth from "oauth4webapi";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { ROOT, freePort, localOnly, startWorker } from "./harness/worker.mjs";
import { TEST_PASSWORD, approve, authorize, pkce, redeem, register, submitSignIn } from "./harness/signin.mjs";
import { modern, withToken } from "./harness/mcp.mjs";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
const CONFORMANCE = join(ROOT, "node_modules/.bin/conformance");

let worker;
let browser;

let lastAddress = 0;
/** A fresh client address for one sign-in (its own sign-in rate-limit bucket). */
const nextAddress = () => `198.51.100.${++lastAddress}`;

/** A loopback HTTP server standing in for a native client's redirect URI (RFC 8252 §7.3). */
async function callbackServer() {
  const received = [];
  const server = http.createServer((req, res) => {
    if (new URL(req.url, "http://127.0.0.1").pathname === "/callback") received.push(req.url);
    res.writeHead(200, { "content-type": "text/html" }).end("<p>Signed in. You can close this window.</p>");
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    received,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/**
 * Opens `url` (a sign-in page) in a fresh Chromium context, types the password, clicks
 * Approve and waits until the browser lands on `redirectUri`. Returns that URL and the
 * cookies the browser kept on the way.
 */
async function browserSignIn(url, redirectUri, { address = nextAddress(), onPage } = {}) {
  const context = await browser.newContext({ extraHTTPHeaders: { "cf-connecting-ip": address } });
  try {
    const page = await context.newPage();
    const response = await page.goto(String(url));
    assert.equal(response.status(), 200, await response.text());
    const cookies = await context.cookies();
    await onPage?.(page);
    await page.fill("#password", TEST_PASSWORD);
    const [submitted] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/authorize"),
      page.getByRole("button", { name: "Approve" }).click(),
    ]);
    if (submitted.status() !== 302) {
      const origin = (await submitted.request().allHeaders()).origin;
      assert.fail(`POST /authorize (Origin: ${origin}) answered ${submitted.status()}: ${await submitted.text()}`);
    }
    await page.waitForURL((u) => u.href.startsWith(redirectUri), { timeout: 15_000 });
    return { landed: new URL(page.url()), cookies };
  } finally {
    await context.close();
  }
}

before(async () => {
  worker = await startWorker();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

describe("the MCP TypeScript SDK v1 client signs in as Claude Code would", () => {
  /** An OAuthClientProvider that keeps everything in memory and signs in with Chromium. */
  class BrowserProvider {
    constructor(callback) {
      this.callback = callback;
      this.stored = {};
      this.authorizationUrls = [];
      this.landings = [];
      this.invalidated = [];
      this.interactive = true;
      this.consentPages = [];
    }
    get redirectUrl() {
      return this.callback.redirectUri;
    }
    get clientMetadata() {
      return {
        client_name: "Claude Code (Dovecote e2e)",
        redirect_uris: [this.callback.redirectUri],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
      };
    }
    state() {
      this.expectedState = randomBytes(16).toString("base64url");
      return this.expectedState;
    }
    clientInformation() {
      return this.stored.client;
    }
    saveClientInformation(info) {
      this.stored.client = info;
    }
    tokens() {
      return this.stored.tokens;
    }
    saveTokens(tokens) {
      this.stored.tokens = tokens;
    }
    saveCodeVerifier(verifier) {
      this.stored.verifier = verifier;
    }
    codeVerifier() {
      return this.stored.verifier;
    }
    invalidateCredentials(scope) {
      this.invalidated.push(scope);
      if (scope === "all" || scope === "tokens") delete this.stored.tokens;
      if (scope === "all" || scope === "client") delete this.stored.client;
      if (scope === "all" || scope === "verifier") delete this.stored.verifier;
    }
    async redirectToAuthorization(url) {
      this.authorizationUrls.push(url);
      if (!this.interactive) return;
      const { landed } = await browserSignIn(url, this.callback.redirectUri, {
        onPage: async (page) => this.consentPages.push(await page.content()),
      });
      this.landings.push(landed);
    }
  }

  let callback;
  let provider;
  let requests; // "<METHOD> <path> <status> [grant_type]" of every request the SDK made
  let client;
  let transport;

  const loggedFetch = async (url, init = {}) => {
    const r = await fetch(url, init);
    const grant = init.body instanceof URLSearchParams ? init.body.get("grant_type") : null;
    requests.push(`${init.method ?? "GET"} ${new URL(url).pathname} ${r.status}${grant ? ` ${grant}` : ""}`);
    return r;
  };

  /** A new SDK client and transport over `provider`, connected (or the connect's rejection). */
  async function connect() {
    client = new Client({ name: "claude-code-e2e", version: "1.0.0" });
    transport = new StreamableHTTPClientTransport(new URL(worker.url), { authProvider: provider, fetch: loggedFetch });
    await client.connect(transport);
  }

  before(async () => {
    callback = await callbackServer();
    provider = new BrowserProvider(callback);
    requests = [];
  });

  after(async () => {
    await client?.close().catch(() => {});
    await callback?.close();
  });

  test("connect → 401 → discovery → registration → sign-in in Chromium → code at the loopback redirect", async () => {
    // The first connect needs the user: the SDK sends them to sign in, then rejects.
    await assert.rejects(connect(), (e) => {
      if (!(e instanceof UnauthorizedError)) throw e;
      return true;
    });
    const order = ["POST /mcp 401", "GET /.well-known/oauth-protected-resource/mcp 200", "GET /.well-known/oauth-authorization-server 200", "POST /register 201"];
    let at = -1;
    for (const step of order) {
      const i = requests.indexOf(step, at + 1);
      assert.ok(i > at, `${step} after the previous step in: ${requests.join(", ")}`);
      at = i;
    }

    assert.equal(provider.authorizationUrls.length, 1);
    const asked = provider.authorizationUrls[0];
    assert.equal(asked.origin + asked.pathname, `${worker.origin}/authorize`);
    const q = asked.searchParams;
    assert.equal(q.get("response_type"), "code");
    assert.equal(q.get("code_challenge_method"), "S256");
    assert.equal(q.get("client_id"), provider.stored.client.client_id);
    assert.equal(q.get("redirect_uri"), callback.redirectUri);
    assert.equal(q.get("resource"), worker.url, "RFC 8707 resource from the protected resource metadata");
    const requested = q.get("scope").split(" ");
    assert.ok(requested.includes("dovecote:read"), `scope ${q.get("scope")}`);
    // The consent page shows what was asked for and marks a high-privilege scope as such.
    const consent = provider.consentPages[0];
    assert.match(consent, /Claude Code \(Dovecote e2e\)/);
    assert.equal(consent.includes("(high privilege)"), requested.includes("dovecote:env:read"));

    // The browser delivered the code to the client's loopback server, with state and iss.
    assert.equal(callback.received.length, 1);
    const landed = provider.landings[0];
    assert.equal(landed.searchParams.get("state"), provider.expectedState);
    assert.equal(landed.searchParams.get("iss"), worker.origin);
    assert.ok(landed.searchParams.get("code"));
    assert.equal(landed.searchParams.get("error"), null);
  });

  test("finishAuth(code) exchanges it; the reconnected client lists and calls tools as the user", async () => {
    assert.ok(provider.landings[0], "needs the sign-in of the previous test");
    const code = provider.landings[0].searchParams.get("code");
    await transport.finishAuth(code);
    assert.ok(requests.includes("POST /token 200 authorization_code"), requests.join(", "));
    const tokens = provider.stored.tokens;
    assert.equal(tokens.token_type.toLowerCase(), "bearer");
    assert.ok(tokens.access_token && tokens.refresh_token);

    await connect();
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const name of ["get_user_info", "calculate", "search_knowledge_base", "create_document"]) {
      assert.ok(names.includes(name), `${name} in ${names}`);
    }
    const result = await client.callTool({ name: "calculate", arguments: { operation: "power", a: 7, b: 8 } });
    assert.notEqual(result.isError, true);
    assert.equal(result.structuredContent.result, 5764801);
    const me = await client.callTool({ name: "get_user_info", arguments: {} });
    assert.equal(me.structuredContent.id, "password:owner");
    assert.equal(me.structuredContent.authenticated, true);
    assert.equal(me.structuredContent.client_id, provider.stored.client.client_id);
  });

  test("when its access token stops working, the SDK refreshes (rotating the refresh token) and retries", async () => {
    assert.ok(provider.stored.tokens, "needs the tokens of the previous test");
    const before = { ...provider.stored.tokens };
    // As after expiry: the server no longer accepts the stored access token.
    provider.stored.tokens = { ...before, access_token: "dva_expired" };
    requests.length = 0;
    const result = await client.callTool({ name: "calculate", arguments: { operation: "add", a: 2, b: 3 } });
    assert.equal(result.structuredContent.result, 5);
    assert.deepEqual(
      requests.filter((r) => !r.startsWith("GET /.well-known/")),
      ["POST /mcp 401", "POST /token 200 refresh_token", "POST /mcp 200"],
    );
    const after = provider.stored.tokens;
    assert.notEqual(after.access_token, before.access_token);
    assert.notEqual(after.refresh_token, before.refresh_token, "refresh tokens rotate");
    assert.equal(provider.authorizationUrls.length, 1, "no new sign-in was needed");
  });

  test("after POST /revoke the next call gets 401, and the SDK must send the user to sign in again", async () => {
    assert.ok(provider.stored.tokens, "needs the tokens of the previous tests");
    const { access_token, refresh_token } = provider.stored.tokens;
    const revoked = await fetch(`${worker.origin}/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: refresh_token, client_id: provider.stored.client.client_id }),
    });
    assert.equal(revoked.status, 200, await revoked.text());

    const raw = await withToken(access_token).modern(worker.url, "tools/list", {});
    assert.equal(raw.status, 401, "revoking the refresh token ends its access token too");
    assert.match(raw.headers.get("www-authenticate"), /error="invalid_token"/);

    provider.interactive = false;
    requests.length = 0;
    await assert.rejects(
      client.callTool({ name: "calculate", arguments: { operation: "add", a: 1, b: 1 } }),
      (e) => e instanceof UnauthorizedError,
    );
    assert.ok(requests.includes("POST /mcp 401"), requests.join(", "));
    assert.ok(requests.includes("POST /token 400 refresh_token"), `the refresh is refused: ${requests.join(", ")}`);
    assert.ok(provider.invalidated.includes("tokens"));
    assert.equal(provider.authorizationUrls.length, 2, "a new authorization request for the user");
  });
});

describe("the __Host- CSRF cookie works in Chromium on both loopback names", localOnly("a Worker on a loopback port"), () => {
  for (const host of ["127.0.0.1", "localhost"]) {
    test(`a sign-in through http://${host}:<port> succeeds`, async () => {
      const origin = `http://${host}:${worker.port}`;
      const callback = await callbackServer();
      try {
        const client_id = await register(origin, { redirect_uris: [callback.redirectUri] });
        const { verifier, challenge } = pkce();
        const state = randomBytes(8).toString("base64url");
        const url = `${origin}/authorize?${new URLSearchParams({
          client_id,
          redirect_uri: callback.redirectUri,
          response_type: "code",
          code_challenge: challenge,
          code_challenge_method: "S256",
          state,
        })}`;
        const { landed, cookies } = await browserSignIn(url, callback.redirectUri);
        const csrf = cookies.find((c) => c.name.startsWith("__Host-"));
        assert.ok(csrf, `the browser kept the __Host- cookie: ${JSON.stringify(cookies)}`);
        assert.equal(csrf.domain, host);
        assert.equal(csrf.path, "/");
        assert.equal(csrf.secure, true);
        assert.equal(csrf.httpOnly, true);
        assert.equal(landed.searchParams.get("state"), state);
        assert.equal(landed.searchParams.get("iss"), origin);
        const r = await redeem(origin, { code: landed.searchParams.get("code"), verifier, client_id, redirect_uri: callback.redirectUri });
        assert.equal(r.status, 200, await r.clone().text());
        const { access_token } = await r.json();
        const tools = await withToken(access_token).modern(`${origin}/mcp`, "tools/list", {});
        assert.equal(tools.status, 200, tools.text);
      } finally {
        await callback.close();
      }
    });
  }
});

describe("oauth4webapi, a certified OAuth client", () => {
  const REDIRECT = "http://127.0.0.1:9/callback";
  // Plain http is refused unless allowed; these are loopback URLs only.
  const insecure = { [oauth.allowInsecureRequests]: true };
  let as;
  let client;
  let tokens;

  test("validates the protected resource and authorization server metadata", async () => {
    const resource = new URL(worker.url);
    const rs = await oauth.processResourceDiscoveryResponse(resource, await oauth.resourceDiscoveryRequest(resource, insecure));
    assert.deepEqual(rs.authorization_servers, [worker.origin]);
    const issuer = new URL(rs.authorization_servers[0]);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: "oauth2", ...insecure }));
    assert.equal(as.issuer, worker.origin);
    assert.deepEqual(as.code_challenge_methods_supported, ["S256"]);
    assert.equal(as.authorization_response_iss_parameter_supported, true);
  });

  test("registers, signs in with PKCE, checks state and iss, and redeems the code", async () => {
    client = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        { redirect_uris: [REDIRECT], token_endpoint_auth_method: "none", client_name: "oauth4webapi e2e", grant_types: ["authorization_code", "refresh_token"], response_types: ["code"] },
        insecure,
      ),
    );
    assert.match(client.client_id, /^dvc_/);
    assert.equal(client.client_secret, undefined, "a public client gets no secret");

    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      response_type: "code",
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      scope: "dovecote:read",
      resource: worker.url,
    });
    const location = await approve(url, { headers: { "cf-connecting-ip": nextAddress() } });

    // A response whose iss is another server's, or missing, is refused (mix-up defence).
    for (const iss of ["http://127.0.0.1:1", null]) {
      const tampered = new URL(location);
      if (iss) tampered.searchParams.set("iss", iss);
      else tampered.searchParams.delete("iss");
      assert.throws(() => oauth.validateAuthResponse(as, client, tampered, state), /"iss"/);
    }
    assert.throws(() => oauth.validateAuthResponse(as, client, location, "another-state"), /"state"/);
    const params = oauth.validateAuthResponse(as, client, location, state);

    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, {
      ...insecure,
      additionalParameters: { resource: worker.url },
    });
    assert.equal(response.headers.get("cache-control"), "no-store");
    tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
    assert.equal(tokens.token_type, "bearer");
    assert.equal(tokens.scope, "dovecote:read");
    assert.ok(tokens.expires_in > 0);
    assert.ok(tokens.refresh_token);
  });

  /** tools/call calculate add 20 22 through oauth4webapi's protected resource request. */
  async function calculate(accessToken) {
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: {
        name: "calculate",
        arguments: { operation: "add", a: 20, b: 22 },
        _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} },
      },
    });
    const headers = new Headers({
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": "calculate",
    });
    return oauth.protectedResourceRequest(accessToken, "POST", new URL(worker.url), headers, body, insecure);
  }

  test("the access token calls a tool; a refresh rotates both tokens", async () => {
    const r = await calculate(tokens.access_token);
    assert.equal(r.status, 200);
    assert.equal((await r.json()).result.structuredContent.result, 42);

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token, insecure),
    );
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    assert.equal(refreshed.scope, "dovecote:read");
    const again = await calculate(refreshed.access_token);
    assert.equal((await again.json()).result.structuredContent.result, 42);
    tokens = refreshed;
  });

  test("revocation ends the grant: the access token then meets an invalid_token challenge", async () => {
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, oauth.None(), tokens.access_token, insecure));
    await assert.rejects(calculate(tokens.access_token), (e) => {
      assert.ok(e instanceof oauth.WWWAuthenticateChallengeError, String(e));
      assert.equal(e.status, 401);
      const [bearer] = e.cause;
      assert.equal(bearer.scheme, "bearer");
      assert.equal(bearer.parameters.error, "invalid_token");
      assert.equal(bearer.parameters.resource_metadata, `${worker.origin}/.well-known/oauth-protected-resource/mcp`);
      return true;
    });
    const refresh = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token, insecure);
    await assert.rejects(oauth.processRefreshTokenResponse(as, client, refresh), (e) => {
      assert.ok(e instanceof oauth.ResponseBodyError, String(e));
      assert.equal(e.error, "invalid_grant");
      return true;
    });
  });
});

describe("the MCP conformance suite's authorization server scenarios", () => {
  test("authorization-server-metadata-endpoint passes", async () => {
    const { stdout } = await promisify(execFile)(
      CONFORMANCE,
      ["authorization", "--url", worker.origin, "--scenario", "authorization-server-metadata-endpoint"],
      { cwd: ROOT, timeout: 60_000 },
    );
    assert.match(stdout, /Passed: (\d+)\/\1, 0 failed/, stdout);
  });

  test("the whole authorization suite passes, its code grant signed in with Chromium", async () => {
    const port = await freePort();
    const redirectUri = `http://127.0.0.1:${port}/callback`;
    const clientId = await register(worker.origin, { redirect_uris: [redirectUri], client_name: "MCP conformance" });
    const child = spawn(
      CONFORMANCE,
      ["authorization", "--url", worker.origin, "--client-id", clientId, "--port", String(port), "--resource", worker.url],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    const exited = new Promise((ok) => child.once("exit", ok));
    const authorizationUrl = new Promise((ok, fail) => {
      const onData = (d) => {
        output += d;
        const line = output.split("\n").find((l) => l.startsWith(`${worker.origin}/authorize?`));
        if (line) ok(line.trim());
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", (d) => (output += d));
      exited.then(() => fail(new Error(`the suite exited before asking for a sign-in:\n${output}`)));
    });
    try {
      const url = await authorizationUrl;
      await browserSignIn(url, redirectUri);
      const timer = setTimeout(() => child.kill(), 30_000);
      const code = await exited;
      clearTimeout(timer);
      assert.equal(code, 0, output);
      assert.match(output, /authorization-code-grant: \d+ passed, 0 failed/, output);
      assert.match(output, /Total: \d+ passed, 0 failed/, output);
    } finally {
      if (child.exitCode === null) child.kill();
    }
  });
});

describe("attacks, end to end", () => {
  const asIf = () => ({ "cf-connecting-ip": nextAddress() });

  test("a replayed code gets invalid_grant, and the tokens the code gave stop working", async () => {
    const grant = await authorize(worker.origin, { headers: asIf() });
    const first = await redeem(worker.origin, grant);
    assert.equal(first.status, 200);
    const { access_token } = await first.json();
    assert.equal((await modern(worker.url, "tools/list", {}, { headers: { authorization: `Bearer ${access_token}` } })).status, 200);
    const replay = await redeem(worker.origin, grant);
    assert.equal(replay.status, 400);
    assert.equal((await replay.json()).error, "invalid_grant");
    const after = await modern(worker.url, "tools/list", {}, { headers: { authorization: `Bearer ${access_token}` } });
    assert.equal(after.status, 401, "the first exchange's access token was revoked");
  });

  /** GET /authorize for a registered client, with `changes` to the parameters. */
  async function authorizeWith(changes) {
    const client_id = await register(worker.origin);
    const params = new URLSearchParams({
      client_id,
      redirect_uri: "http://127.0.0.1:1/callback",
      response_type: "code",
      code_challenge: pkce().challenge,
      code_challenge_method: "S256",
      state: "st4te",
      ...changes,
    });
    return fetch(`${worker.origin}/authorize?${params}`, { redirect: "manual" });
  }

  test("an unregistered redirect_uri gets an HTML error page, never a redirect", async () => {
    for (const redirect_uri of ["https://evil.example/callback", "http://127.0.0.1:1/elsewhere"]) {
      const r = await authorizeWith({ redirect_uri });
      const body = await r.text();
      assert.equal(r.status, 400, body);
      assert.equal(r.headers.get("location"), null);
      assert.match(r.headers.get("content-type"), /^text\/html/);
      assert.match(body, /redirect_uri/);
      assert.ok(!body.includes("evil.example"), "the page does not link to the attacker's URI");
    }
  });

  test("code_challenge_method=plain is sent back with error=invalid_request", async () => {
    const r = await authorizeWith({ code_challenge_method: "plain", code_challenge: "a".repeat(43) });
    assert.equal(r.status, 302);
    const location = new URL(r.headers.get("location"));
    assert.equal(location.origin + location.pathname, "http://127.0.0.1:1/callback");
    assert.equal(location.searchParams.get("error"), "invalid_request");
    assert.equal(location.searchParams.get("state"), "st4te");
    assert.equal(location.searchParams.get("iss"), worker.origin);
    assert.equal(location.searchParams.get("code"), null);
  });

  test("in Chromium, a forged or another page's CSRF token → 403, and no code", async () => {
    const client_id = await register(worker.origin);
    const url = (state) =>
      `${worker.origin}/authorize?${new URLSearchParams({
        client_id,
        redirect_uri: "http://127.0.0.1:1/callback",
        response_type: "code",
        code_challenge: pkce().challenge,
        code_challenge_method: "S256",
        state,
      })}`;
    const context = await browser.newContext({ extraHTTPHeaders: { "cf-connecting-ip": nextAddress() } });
    try {
      const page = await context.newPage();
      await page.goto(url("other-request"));
      const otherToken = await page.inputValue('input[name="csrf"]');
      for (const csrf of ["forged", otherToken]) {
        await page.goto(url("this-request"));
        await page.$eval('input[name="csrf"]', (input, value) => (input.value = value), csrf);
        await page.fill("#password", TEST_PASSWORD);
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.url() === `${worker.origin}/authorize` && r.request().method() === "POST"),
          page.getByRole("button", { name: "Approve" }).click(),
        ]);
        assert.equal(response.status(), 403, csrf);
        assert.equal(response.headers().location, undefined);
        assert.match(await page.textContent("body"), /did not come from this page/);
      }
    } finally {
      await context.close();
    }
  });

  test("the 6th password attempt within a minute from one address → 429 with Retry-After", async () => {
    const headers = asIf();
    const client_id = await register(worker.origin);
    const url = `${worker.origin}/authorize?${new URLSearchParams({
      client_id,
      redirect_uri: "http://127.0.0.1:1/callback",
      response_type: "code",
      code_challenge: pkce().challenge,
      code_challenge_method: "S256",
    })}`;
    for (let i = 1; i <= 5; i++) {
      const r = await submitSignIn(url, { password: `wrong-${i}`, headers });
      assert.equal(r.status, 401, `attempt ${i}`);
      assert.match(await r.text(), /not right/);
    }
    const sixth = await submitSignIn(url, { headers });
    const body = await sixth.text();
    assert.equal(sixth.status, 429, body);
    const retryAfter = Number(sixth.headers.get("retry-after"));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${sixth.headers.get("retry-after")}`);
    assert.equal(sixth.headers.get("location"), null, "the right password does not get through either");
    // Another address is not held back.
    const elsewhere = await submitSignIn(url, { headers: asIf() });
    assert.equal(elsewhere.status, 302);
  });
});
