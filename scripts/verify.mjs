#!/usr/bin/env node
// Smoke-checks a deployed gateway and says what is wrong: `make verify URL=https://…`.
// Read-only unless credentials are given: /health, the discovery documents against the URL,
// the /mcp challenge, registration open or closed as expected, /webhooks/github refusing an
// unsigned delivery, and every endpoint answering without a server error.
//
//   node scripts/verify.mjs https://dovecote.example.workers.dev
// Environment (all optional):
//   VERIFY_REGISTRATION=open|closed   what /register should be (default: whatever the metadata says)
//   VERIFY_PASSWORD=…                 OAUTH_PASSWORD: also sign in, list the tools, then revoke
//   VERIFY_CLIENT_ID=…                the client to sign in with when registration is closed
//                                     (its redirect URI: http://127.0.0.1:1/callback)
//   VERIFY_TOKEN=…                    an access token to list the tools with, instead of signing in
//   VERIFY_NOTIFY=<channel id>        with a sign-in or token: send a test notification there
import { withToken } from "../e2e/harness/mcp.mjs";
import { authorize, redeem } from "../e2e/harness/signin.mjs";

const TIMEOUT_MS = 15_000;
const results = [];

function report(ok, name, detail) {
  results.push({ ok, name, detail });
  const mark = ok === true ? "ok  " : ok === false ? "FAIL" : "skip";
  console.log(`${mark}  ${name}${detail ? ` — ${detail}` : ""}`);
}
const pass = (name, detail) => report(true, name, detail);
const fail = (name, detail) => report(false, name, detail);
const skip = (name, detail) => report(null, name, detail);

async function request(url, init = {}) {
  const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS), ...init });
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, headers: response.headers, text, json };
}

/** Runs one check; a network failure or a thrown message becomes its FAIL line. */
async function check(name, fn) {
  try {
    await fn();
  } catch (e) {
    const why = e.name === "TimeoutError" ? `no answer within ${TIMEOUT_MS / 1000} s` : e.cause?.code ?? e.message;
    fail(name, why);
  }
}

function baseUrl(arg) {
  if (!arg) {
    console.error("usage: make verify URL=https://your-gateway.example (the base URL, or the one ending in /mcp)");
    process.exit(2);
  }
  let url;
  try { url = new URL(arg); } catch { console.error(`verify: \`${arg}\` is not a URL; give e.g. https://dovecote.example.workers.dev`); process.exit(2); }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !loopback) {
    console.error(`verify: ${url.origin} is not https; Claude.ai and other clients only connect over https`);
    process.exit(2);
  }
  if (url.pathname.replace(/\/+$/, "") === "/mcp") console.log(`(checking ${url.origin}; clients connect to ${url.origin}/mcp)`);
  else if (url.pathname !== "/") console.log(`(a gateway is served at the root of its origin: checking ${url.origin})`);
  return url.origin;
}

async function main() {
  const origin = baseUrl(process.argv[2]);
  const mcp = `${origin}/mcp`;
  let metadata;

  await check("GET /health", async () => {
    const r = await request(`${origin}/health`);
    if (!r.json) throw new Error(`answered ${r.status} without JSON: is ${origin} a Dovecote gateway (and deployed from this version)?`);
    const what = `version ${r.json.version}, build ${r.json.build}, sign-in: ${r.json.sign_in}`;
    if (r.status === 200) return pass("GET /health", what);
    fail("GET /health", `${r.status} ${r.json.status}: ${(r.json.problems ?? []).join("; ")}`);
  });

  await check("protected resource metadata", async () => {
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
      const r = await request(origin + path);
      if (r.status !== 200 || !r.json) throw new Error(`${path} answered ${r.status}`);
      if (r.json.resource !== mcp) {
        throw new Error(`${path} names the resource ${r.json.resource}, not ${mcp}: set PUBLIC_URL to ${origin} (wrangler.toml [vars]) and deploy again`);
      }
      if (!r.json.authorization_servers?.includes(origin)) {
        throw new Error(`${path} names the authorization servers ${JSON.stringify(r.json.authorization_servers)}, not ${origin}`);
      }
    }
    pass("protected resource metadata", `resource ${mcp}`);
  });

  await check("authorization server metadata", async () => {
    const r = await request(`${origin}/.well-known/oauth-authorization-server`);
    if (r.status !== 200 || !r.json) throw new Error(`answered ${r.status}`);
    metadata = r.json;
    if (metadata.issuer !== origin) throw new Error(`issuer is ${metadata.issuer}, not ${origin}: set PUBLIC_URL to ${origin}`);
    for (const key of ["authorization_endpoint", "token_endpoint", "registration_endpoint", "revocation_endpoint"]) {
      if (metadata[key] !== undefined && !metadata[key].startsWith(`${origin}/`)) throw new Error(`${key} is ${metadata[key]}, outside ${origin}`);
    }
    if (!metadata.code_challenge_methods_supported?.includes("S256")) throw new Error("S256 PKCE is not offered");
    // Clients that insert the resource's path (RFC 8414 §3.1) must read the same document.
    const suffixed = await request(`${origin}/.well-known/oauth-authorization-server/mcp`);
    if (suffixed.json?.issuer !== origin) throw new Error(`/.well-known/oauth-authorization-server/mcp answered ${suffixed.status} with issuer ${suffixed.json?.issuer}`);
    pass("authorization server metadata", `issuer ${origin}`);
  });

  await check("POST /mcp without a token", async () => {
    const r = await request(mcp, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
    });
    const challenge = r.headers.get("www-authenticate") ?? "";
    const expected = `resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`;
    if (r.status !== 401) throw new Error(`answered ${r.status}, not 401: clients will not find the sign-in`);
    if (!challenge.startsWith("Bearer") || !challenge.includes(expected)) throw new Error(`WWW-Authenticate is \`${challenge}\`; it must name ${expected}`);
    pass("POST /mcp without a token", "401 with a Bearer challenge naming the resource metadata");
  });

  await check("registration", async () => {
    const advertised = Boolean(metadata?.registration_endpoint);
    const expected = process.env.VERIFY_REGISTRATION;
    // An invalid registration: it shows whether /register is served without creating a client.
    const r = await request(`${origin}/register`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    const open = r.status === 400 && r.json?.error === "invalid_client_metadata";
    const closed = r.status === 404;
    if (!open && !closed) throw new Error(`POST /register answered ${r.status}: expected 400 (open) or 404 (closed)`);
    if (open !== advertised) throw new Error(`/register is ${open ? "open" : "closed"} but the metadata ${advertised ? "advertises" : "omits"} it`);
    if (expected && expected !== (open ? "open" : "closed")) {
      throw new Error(`registration is ${open ? "open" : "closed"}, expected ${expected}: set OAUTH_REGISTRATION=${expected} in wrangler.toml [vars]`);
    }
    pass("registration", open ? "open (clients register themselves)" : "closed (operators create clients)");
  });

  await check("POST /webhooks/github unsigned", async () => {
    const r = await request(`${origin}/webhooks/github`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "00000000-0000-0000-0000-000000000000" },
      body: JSON.stringify({ zen: "dovecote verify" }),
    });
    if (r.status === 404) return skip("POST /webhooks/github unsigned", "this gateway serves no GitHub webhooks");
    if (r.status >= 200 && r.status < 300) throw new Error(`an unsigned delivery was accepted (${r.status}): set GITHUB_WEBHOOK_SECRET (make secrets)`);
    const why = r.json?.error_description ?? r.text.slice(0, 200);
    // Fail closed without a secret: right for a gateway that takes no webhooks.
    if (r.json?.error === "webhook_secret_missing") {
      return skip("POST /webhooks/github unsigned", "refused, and so is every signed delivery: GITHUB_WEBHOOK_SECRET is not set (make secrets, if you use GitHub webhooks)");
    }
    if (r.status >= 500) throw new Error(`answered ${r.status}: ${why} (is GITHUB_WEBHOOK_SECRET set? make secrets)`);
    pass("POST /webhooks/github unsigned", `refused with ${r.status}${r.json?.error ? ` ${r.json.error}` : ""}`);
  });

  await check("every endpoint answers", async () => {
    const endpoints = [
      ["GET", "/"],
      ["GET", "/authorize"],
      ["POST", "/token"],
      ["POST", "/revoke"],
    ];
    const broken = [];
    for (const [method, path] of endpoints) {
      const init = method === "POST" ? { method, headers: { "content-type": "application/x-www-form-urlencoded" }, body: "" } : { method };
      const r = await request(origin + path, init);
      if (r.status >= 500) broken.push(`${method} ${path} → ${r.status}`);
    }
    if (broken.length) throw new Error(broken.join(", "));
    pass("every endpoint answers", `${endpoints.length} endpoints, no server error`);
  });

  await signedIn(origin, mcp);

  const failed = results.filter((r) => r.ok === false).length;
  const passed = results.filter((r) => r.ok === true).length;
  const skipped = results.filter((r) => r.ok === null).length;
  console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (failed) console.log("See docs/troubleshooting.md for what each failure usually means.");
  process.exitCode = failed ? 1 : 0;
}

/** With credentials: signs in (or takes a token), lists the tools, optionally notifies, and revokes. */
async function signedIn(origin, mcp) {
  const password = process.env.VERIFY_PASSWORD;
  let token = process.env.VERIFY_TOKEN;
  let grant;
  if (!token && !password) return skip("sign-in and tools/list", "set VERIFY_PASSWORD (or VERIFY_TOKEN) to check them");
  if (!token) {
    await check("sign in with the password", async () => {
      const code = await authorize(origin, { password, clientId: process.env.VERIFY_CLIENT_ID });
      const r = await redeem(origin, code);
      const body = await r.json();
      if (r.status !== 200) throw new Error(`/token answered ${r.status} ${body.error}: ${body.error_description}`);
      token = body.access_token;
      grant = { client_id: code.client_id, token: body.refresh_token };
      pass("sign in with the password", `scopes: ${body.scope}`);
    });
    if (!token) return;
  }
  const client = withToken(token);
  await check("tools/list", async () => {
    const r = await client.modern(mcp, "tools/list");
    const tools = r.json?.result?.tools?.map((t) => t.name);
    if (r.status === 401) throw new Error("the token was refused (expired? tokens live an hour): sign in again");
    if (r.status !== 200 || !tools) throw new Error(`answered ${r.status}: ${r.text.slice(0, 200)}`);
    pass("tools/list", tools.join(", ") || "no tools for this token's scopes");
  });
  const channel = process.env.VERIFY_NOTIFY;
  if (channel) {
    await check("send_notification", async () => {
      const args = { channel, title: "Dovecote verify", text: "Notifications from this gateway reach this channel.", severity: "success" };
      const r = await client.modern(mcp, "tools/call", { name: "send_notification", arguments: args });
      const result = r.json?.result;
      if (r.json?.error) throw new Error(`${r.json.error.message} (does this gateway have channels, and the token the dovecote:notify scope?)`);
      if (!result) throw new Error(`answered ${r.status}: ${r.text.slice(0, 200)}`);
      if (result.isError) throw new Error(result.content?.[0]?.text ?? "the tool failed");
      const outcome = result.structuredContent?.outcome ?? "sent";
      pass("send_notification", `${outcome} to ${channel}`);
    });
  }
  if (grant) {
    // Leave nothing behind: the grant this check created is revoked.
    await check("revoke the check's grant", async () => {
      const r = await request(`${origin}/revoke`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: grant.token, client_id: grant.client_id }),
      });
      if (r.status !== 200) throw new Error(`/revoke answered ${r.status}`);
      pass("revoke the check's grant");
    });
  }
}

await main();
