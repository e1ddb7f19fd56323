// The Workers the bench compares, each served from its deployable bundle by the same Miniflare
// (bench/miniflare.mjs): the floor, a constant-answer Rust Worker; the peer, the TypeScript
// stack (bench/peer); and Dovecote with every binding wrangler.toml declares. And the
// requests each is sent, with the answer each must give.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../e2e/harness/worker.mjs";
import { PASSWORD } from "./auth.mjs";
import { serveBundle } from "./miniflare.mjs";

const META = { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} };

/** Dovecote's bindings, as wrangler.toml declares them for production (before [env.staging]). */
export function dovecoteBindings() {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8").split(/^\[env\./m)[0];
  const objects = Object.fromEntries([...toml.matchAll(/\{ name = "(\w+)", class_name = "(\w+)" \}/g)].map((m) => [m[1], m[2]]));
  const kv = [...toml.matchAll(/^binding = "(\w+)"/gm)].map((m) => m[1]);
  return { objects, kv };
}

/** Ready once `/` answers 200. */
const rootAnswers = async (origin) => {
  const r = await fetch(`${origin}/`);
  await r.arrayBuffer();
  return r.ok;
};

/** Starts the floor from its bundle. */
export const startFloor = (bundle) => serveBundle({ ...bundle, ready: rootAnswers });

/** Starts the peer from its bundle; `rateLimit` turns on its Durable Object rate limit. */
export const startPeer = (bundle, { rateLimit = false } = {}) =>
  serveBundle({
    ...bundle,
    vars: (origin) => ({ OAUTH_PASSWORD: PASSWORD, PUBLIC_URL: origin, RATE_LIMIT: rateLimit ? "on" : "off" }),
    kv: ["OAUTH_KV"],
    objects: { RATE_LIMITER: "RateLimiter" },
    compatibilityFlags: ["nodejs_compat"],
    ready: rootAnswers,
  });

/** Fresh signing and encryption keys for a Dovecote instance. */
export const dovecoteKeys = () => ({
  DOVECOTE_SIGNING_KEY: randomBytes(32).toString("base64"),
  DOVECOTE_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
});

/** Starts Dovecote from its bundle with fresh keys, the password sign-in and `vars`. */
export function startDovecote(bundle, vars = {}) {
  const { objects, kv } = dovecoteBindings();
  return serveBundle({
    ...bundle,
    vars: {
      DOVECOTE_ENV: "development",
      ...dovecoteKeys(),
      OAUTH_PASSWORD: PASSWORD,
      ...vars,
    },
    kv,
    objects,
    ready: rootAnswers,
  });
}

/** An MCP POST of `method` with `params`, with the bearer `token` unless it is null. */
export function mcp(method, params, token) {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: { ...params, _meta: META } });
  const headers = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": "2026-07-28",
    "mcp-method": method,
    ...(params.name ? { "mcp-name": params.name } : {}),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  return () => ({ method: "POST", headers, body });
}

const CALC = { name: "calculate", arguments: { operation: "power", a: 7, b: 8 } };

/**
 * The side-by-side requests: per request, its path, how to make it with a token, the statuses
 * a gateway must answer and a check of a gateway's answer (the floor answers 200 to anything).
 */
export const REQUESTS = {
  "tools/list": {
    path: "/mcp",
    make: (token) => mcp("tools/list", {}, token),
    expect: [200],
    check: (b) => (b.includes('"calculate"') ? undefined : "no calculate in tools/list"),
    includes: "bearer token checked (the peer reads KV each time; Dovecote once per token per ACCESS_TOKEN_CACHE_SECS, 10 s, then from memory), JSON-RPC parsed, the caller's tools listed with their schemas",
  },
  "tools/call calculate": {
    path: "/mcp",
    make: (token) => mcp("tools/call", CALC, token),
    expect: [200],
    check: (b) => (b.includes("5764801") && !b.includes('"isError":true') ? undefined : "calculate did not answer 5764801"),
    includes: "bearer token checked, arguments validated, 7^8 computed; Dovecote also takes the per-caller rate limit (at the bench's 1000/second from a lease its RateLimiter Durable Object grants 64 calls at a time; a rate under 20/s asks the object on every call), the peer has none",
  },
  "static document": {
    path: "/.well-known/oauth-authorization-server",
    method: "GET",
    make: () => () => ({ method: "GET", headers: {} }),
    expect: [200],
    check: (b) => (b.includes('"issuer"') ? undefined : "no issuer in the metadata"),
    includes: "GET /.well-known/oauth-authorization-server: no token, no storage",
  },
  "401 without token": {
    path: "/mcp",
    make: () => mcp("tools/list", {}, null),
    expect: [401],
    includes: "POST /mcp tools/list without Authorization: the 401 with its WWW-Authenticate challenge",
  },
};

/** `REQUESTS[name]` as sent to the floor, which answers 200 with a constant body. */
export const forFloor = (request) => ({ ...request, expect: [200], check: undefined });
