// Real access tokens for the bench, each obtained through the gateway's own OAuth flow over
// HTTP, as a client and a browser would: Dynamic Client Registration, the sign-in page with
// its password, the authorization code with PKCE, the token endpoint. Dovecote's flow is the
// e2e harness's (e2e/harness/signin.mjs); the peer's page is bench/peer's.
import { pkce, REDIRECT_URI, signIn as dovecoteSignIn } from "../e2e/harness/signin.mjs";

export const PASSWORD = "dovecote-bench-password";

/** Dovecote: an access token from the password sign-in. */
export async function dovecoteToken(origin) {
  return (await dovecoteSignIn(origin, { password: PASSWORD })).access_token;
}

const unescapeHtml = (s) => s.replace(/&(amp|lt|gt|quot|#x27);/g, (_, e) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#x27": "'" })[e]);

/** The peer: registers a public client, signs in on its page, redeems the code. */
export async function peerToken(origin) {
  const registered = await fetch(`${origin}/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none", client_name: "bench" }),
  });
  if (registered.status !== 201) throw new Error(`peer registration: ${registered.status} ${await registered.text()}`);
  const { client_id } = await registered.json();
  const { verifier, challenge } = pkce();
  const query = new URLSearchParams({
    client_id, redirect_uri: REDIRECT_URI, response_type: "code", code_challenge: challenge,
    code_challenge_method: "S256", state: "bench", scope: "dovecote:read", resource: `${origin}/mcp`,
  });
  const page = await fetch(`${origin}/authorize?${query}`, { redirect: "manual" });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`peer sign-in page: ${page.status} ${html}`);
  const cookies = page.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const handle = /name="handle" value="([^"]*)"/.exec(html)?.[1];
  if (!handle) throw new Error(`no consent handle on the peer's page: ${html}`);
  const submitted = await fetch(`${origin}/authorize`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies },
    body: new URLSearchParams({ handle: unescapeHtml(handle), password: PASSWORD, decision: "approve" }),
  });
  if (submitted.status !== 302) throw new Error(`peer sign-in: ${submitted.status} ${await submitted.text()}`);
  const code = new URL(submitted.headers.get("location")).searchParams.get("code");
  if (!code) throw new Error(`peer sign-in redirected without a code: ${submitted.headers.get("location")}`);
  const token = await fetch(`${origin}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id, resource: `${origin}/mcp` }),
  });
  if (token.status !== 200) throw new Error(`peer token: ${token.status} ${await token.text()}`);
  return (await token.json()).access_token;
}
