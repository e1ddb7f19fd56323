// Headless sign-in for end-to-end tests: registers a client (DCR), walks /authorize's
// sign-in and consent form over HTTP as a browser would (cookie, CSRF token, password),
// and exchanges the code with PKCE. The browser-driven version of the same flow lives in
// e2e/oauth.test.mjs; this one is for tests that only need a token.
import { createHash, randomBytes } from "node:crypto";

export const TEST_PASSWORD = "dovecote-e2e-password";
export const REDIRECT_URI = "http://127.0.0.1:1/callback";

const b64url = (buf) => Buffer.from(buf).toString("base64url");

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

/**
 * Signs in and returns {access_token, refresh_token, client_id, scope}.
 * @param {string} origin the Worker's origin
 * @param {{scope?: string, password?: string, clientId?: string}} options
 */
export async function signIn(origin, { scope, password = TEST_PASSWORD, clientId } = {}) {
  const client_id = clientId ?? (await register(origin));
  const verifier = b64url(randomBytes(32));
  const params = {
    client_id,
    redirect_uri: REDIRECT_URI,
    response_type: "code",
    code_challenge: b64url(createHash("sha256").update(verifier).digest()),
    code_challenge_method: "S256",
    state: b64url(randomBytes(8)),
    ...(scope ? { scope } : {}),
  };
  const page = await fetch(`${origin}/authorize?${new URLSearchParams(params)}`);
  const html = await page.text();
  if (page.status !== 200) throw new Error(`authorize page: ${page.status} ${html}`);
  const cookie = page.headers.get("set-cookie").split(";")[0];
  const csrf = html.match(/name="csrf" value="([^"]+)"/)[1];
  const form = new URLSearchParams({ ...params, csrf, password, decision: "approve" });
  const submitted = await fetch(`${origin}/authorize`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: form,
  });
  if (submitted.status !== 302) throw new Error(`sign-in: ${submitted.status} ${await submitted.text()}`);
  const location = new URL(submitted.headers.get("location"));
  const code = location.searchParams.get("code");
  const token = await fetch(`${origin}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id }),
  });
  if (token.status !== 200) throw new Error(`token: ${token.status} ${await token.text()}`);
  return { ...(await token.json()), client_id };
}
