// Headless sign-in for end-to-end tests: registers a client (DCR), walks /authorize's
// sign-in and consent form over HTTP as a browser would (cookie, CSRF token, password),
// and exchanges the code with PKCE. The browser-driven version of the same flow lives in
// e2e/oauth.test.mjs; this one is for tests that only need a token.
import { createHash, randomBytes } from "node:crypto";

/** The password the harness gives a local Worker; in remote mode, the gateway's (TEST_PASSWORD). */
export const TEST_PASSWORD = process.env.TEST_BASE_URL ? process.env.TEST_PASSWORD : "dovecote-e2e-password";
export const REDIRECT_URI = "http://127.0.0.1:1/callback";

const b64url = (buf) => Buffer.from(buf).toString("base64url");

/** A fresh PKCE pair: {verifier, challenge} (S256). */
export function pkce() {
  const verifier = b64url(randomBytes(32));
  return { verifier, challenge: b64url(createHash("sha256").update(verifier).digest()) };
}

/** Registers a public client; returns its client_id. */
export async function register(origin, metadata = {}) {
  const r = await fetch(`${origin}/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none", client_name: "e2e", ...metadata }),
  });
  if (r.status !== 201) throw new Error(`registration failed: ${r.status} ${await r.text()}`);
  return (await r.json()).client_id;
}

const unescapeHtml = (s) =>
  s.replace(/&(amp|lt|gt|quot|#x27);/g, (_, e) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#x27": "'" })[e]);

/**
 * Opens the sign-in page at `authorizationUrl` and submits its form as a browser would: the
 * page's cookie, its hidden fields (the request and the CSRF token) as they are, the password,
 * and the Approve button. Returns the POST's response (302 to the client on success).
 * @param {string | URL} authorizationUrl
 * @param {{password?: string, decision?: string, headers?: Record<string,string>}} options
 *   `headers` go on both requests (e.g. CF-Connecting-IP).
 */
export async function submitSignIn(authorizationUrl, { password = TEST_PASSWORD, decision = "approve", headers = {} } = {}) {
  const page = await fetch(authorizationUrl, { headers, redirect: "manual" });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`authorize page: ${page.status} ${html}`);
  const cookie = page.headers.get("set-cookie").split(";")[0];
  const form = new URLSearchParams();
  for (const [, name, value] of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.append(name, unescapeHtml(value));
  }
  if (!form.has("csrf")) throw new Error(`no CSRF field on the page: ${html}`);
  form.append("password", password);
  form.append("decision", decision);
  const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1] ?? "/authorize";
  return fetch(new URL(unescapeHtml(action), authorizationUrl), {
    method: "POST",
    redirect: "manual",
    headers: { ...headers, "content-type": "application/x-www-form-urlencoded", cookie },
    body: form,
  });
}

/** `submitSignIn`, then the URL it redirects to (carrying code, state and iss). */
export async function approve(authorizationUrl, options = {}) {
  const submitted = await submitSignIn(authorizationUrl, options);
  if (submitted.status !== 302) throw new Error(`sign-in: ${submitted.status} ${await submitted.text()}`);
  return new URL(submitted.headers.get("location"));
}

/**
 * Registers a client (unless `clientId` is given) and signs in; returns the authorization
 * code with what redeeming it needs: {code, verifier, client_id, redirect_uri, state, location}.
 */
export async function authorize(origin, { scope, password, clientId, headers } = {}) {
  const client_id = clientId ?? (await register(origin));
  const { verifier, challenge } = pkce();
  const state = b64url(randomBytes(8));
  const params = {
    client_id,
    redirect_uri: REDIRECT_URI,
    response_type: "code",
    code_challenge: challenge,
    code_challenge_method: "S256",
    state,
    ...(scope ? { scope } : {}),
  };
  const location = await approve(`${origin}/authorize?${new URLSearchParams(params)}`, { password, headers });
  if (location.searchParams.get("state") !== state) throw new Error(`state not returned: ${location}`);
  const code = location.searchParams.get("code");
  if (!code) throw new Error(`no code: ${location}`);
  return { code, verifier, client_id, redirect_uri: REDIRECT_URI, state, location };
}

/** POSTs the authorization_code grant; returns the raw response. */
export function redeem(origin, { code, verifier, client_id, redirect_uri = REDIRECT_URI }) {
  return fetch(`${origin}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri, client_id }),
  });
}

/**
 * Signs in and returns {access_token, refresh_token, client_id, scope}.
 * @param {string} origin the Worker's origin
 * @param {{scope?: string, password?: string, clientId?: string, headers?: Record<string,string>}} options
 */
export async function signIn(origin, options = {}) {
  const grant = await authorize(origin, options);
  const token = await redeem(origin, grant);
  if (token.status !== 200) throw new Error(`token: ${token.status} ${await token.text()}`);
  return { ...(await token.json()), client_id: grant.client_id };
}
