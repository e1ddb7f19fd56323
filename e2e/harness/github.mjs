// A local stand-in for GitHub, answering as GitHub documents for a GitHub App with expiring
// user tokens: the sign-in redirect (`/login/oauth/authorize`, approving at once as GitHub does
// for an app the user already authorized), the token endpoint (`/login/oauth/access_token`:
// code exchange with PKCE, refresh with rotation, errors as 200 + `error`), and the REST API
// under `/api` (`/user`, `/user/installations`, `/user/installations/{id}/repositories` paginated
// with `Link` headers, `/user/memberships/orgs/{org}`, `/user/repos`, 401 "Bad credentials",
// 404 "Not Found").
// Listens on 127.0.0.1 only. Point the Worker at it with `githubVars(stand)`.
// `githubSignIn` is the headless sign-in for GitHub mode, as `signIn` is for the password.
import http from "node:http";
import { createHash, randomBytes } from "node:crypto";
import { REDIRECT_URI, pkce, register, submitSignIn, redeem } from "./signin.mjs";

export const GITHUB_CLIENT_ID = "Iv1.e2e0dovecote";
export const GITHUB_CLIENT_SECRET = "e2e-github-client-secret";

const token = (prefix) => `${prefix}_${randomBytes(18).toString("base64url")}`;

/** A stable numeric id for an account named only by login (GitHub ids are per account). */
const idOf = (login) => 10_000 + [...login].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1_000_000, 7);

/**
 * One installation of a user as the stand-in serves it: an account login (the App installed
 * there, every repository of `repos` under it reachable, the user an admin) or
 * {id, account: {login, id, type}, repositories: [full names], role: "admin" | "member"}.
 */
function installationOf(user, entry, i) {
  if (typeof entry !== "string") return { type: "Organization", role: "admin", ...entry, account: { type: "Organization", ...entry.account } };
  const repositories = (user.repos ?? []).map((r) => r.full_name).filter((n) => n.split("/")[0] === entry);
  return { id: user.id * 100 + i, account: { login: entry, id: idOf(entry), type: "Organization" }, repositories, role: "admin" };
}

/** A repository as GitHub's installation list carries it. */
const repositoryOf = (full_name) => {
  const [owner, name] = full_name.split("/");
  return { id: idOf(full_name), name, full_name, private: true, owner: { login: owner, id: idOf(owner) }, html_url: `https://github.com/${full_name}` };
};

/**
 * Starts the stand-in. `users` maps a login to {id, name, installations: [see installationOf],
 * repos: [{full_name, private, ...}]}; `as` names who signs in next (settable).
 * `tokenLifetimeSecs` is the `expires_in` of user tokens (GitHub: 28800).
 */
export async function startGitHub({ users, tokenLifetimeSecs = 28800 } = {}) {
  const state = {
    as: Object.keys(users)[0],
    users,
    tokenLifetimeSecs,
    codes: new Map(), // code -> {login, redirect_uri, challenge}
    access: new Map(), // token -> login
    refresh: new Map(), // refresh token -> login
    requests: [], // {method, path, form}
    memberships: [], // organizations whose membership was asked for
  };
  const json = (res, status, body) => res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
  const badCredentials = (res) => json(res, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" });
  const issue = (login) => {
    const access_token = token("ghu");
    const refresh_token = token("ghr");
    state.access.set(access_token, login);
    state.refresh.set(refresh_token, login);
    return { access_token, expires_in: state.tokenLifetimeSecs, refresh_token, refresh_token_expires_in: 15897600, token_type: "bearer", scope: "" };
  };
  const tokenError = (res, error, error_description) =>
    json(res, 200, { error, error_description, error_uri: "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors" });

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    let body = "";
    for await (const chunk of req) body += chunk;
    const form = Object.fromEntries(new URLSearchParams(body));
    state.requests.push({ method: req.method, path: url.pathname + url.search, form, headers: req.headers });
    const q = Object.fromEntries(url.searchParams);
    if (req.method === "GET" && url.pathname === "/login/oauth/authorize") {
      if (q.client_id !== GITHUB_CLIENT_ID) return res.writeHead(404).end("Not Found");
      const code = randomBytes(10).toString("hex");
      state.codes.set(code, { login: state.as, redirect_uri: q.redirect_uri, challenge: q.code_challenge });
      const back = new URL(q.redirect_uri);
      back.searchParams.set("code", code);
      back.searchParams.set("state", q.state);
      return res.writeHead(302, { location: String(back) }).end();
    }
    if (req.method === "POST" && url.pathname === "/login/oauth/access_token") {
      if (form.client_id !== GITHUB_CLIENT_ID || form.client_secret !== GITHUB_CLIENT_SECRET) {
        return tokenError(res, "incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.");
      }
      if (form.grant_type === "refresh_token") {
        const login = state.refresh.get(form.refresh_token);
        if (!login) return tokenError(res, "bad_refresh_token", "The refresh token passed is incorrect or expired.");
        state.refresh.delete(form.refresh_token);
        return json(res, 200, issue(login));
      }
      const grant = state.codes.get(form.code);
      state.codes.delete(form.code);
      if (!grant || grant.redirect_uri !== form.redirect_uri) {
        return tokenError(res, "bad_verification_code", "The code passed is incorrect or expired.");
      }
      const challenge = createHash("sha256").update(form.code_verifier ?? "").digest("base64url");
      if (grant.challenge && challenge !== grant.challenge) {
        return tokenError(res, "bad_verification_code", "The code_verifier does not match the code_challenge.");
      }
      return json(res, 200, issue(grant.login));
    }
    if (req.method === "GET" && url.pathname.startsWith("/api/")) {
      const login = state.access.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
      if (!login) return badCredentials(res);
      const user = state.users[login];
      switch (url.pathname) {
        case "/api/user":
          return json(res, 200, { login, id: user.id, name: user.name ?? null, type: "User", html_url: `https://github.com/${login}` });
        case "/api/user/installations": {
          const installations = (user.installations ?? []).map((e, i) => installationOf(user, e, i))
            .map(({ id, account }) => ({ id, account, app_id: 1, target_type: account.type }));
          return json(res, 200, { total_count: installations.length, installations });
        }
        case "/api/user/repos": {
          const perPage = Number(url.searchParams.get("per_page") ?? 30);
          return json(res, 200, (user.repos ?? []).slice(0, perPage));
        }
      }
      const mine = (user.installations ?? []).map((e, i) => installationOf(user, e, i));
      const listing = url.pathname.match(/^\/api\/user\/installations\/(\d+)\/repositories$/);
      const installation = listing && mine.find((i) => i.id === Number(listing[1]));
      if (installation) {
        // GitHub's pagination: `per_page` (max 100), `page`, and a Link header with next/last.
        const perPage = Math.min(Number(q.per_page ?? 30), 100);
        const page = Math.max(Number(q.page ?? 1), 1);
        const all = installation.repositories ?? [];
        const last = Math.max(Math.ceil(all.length / perPage), 1);
        const at = (n) => `<${origin}${url.pathname}?per_page=${perPage}&page=${n}>`;
        const links = [];
        if (page < last) links.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`);
        if (page > 1) links.push(`${at(page - 1)}; rel="prev"`, `${at(1)}; rel="first"`);
        if (links.length) res.setHeader("link", links.join(", "));
        const repositories = all.slice((page - 1) * perPage, page * perPage).map(repositoryOf);
        return json(res, 200, { total_count: all.length, repository_selection: "selected", repositories });
      }
      const membership = url.pathname.match(/^\/api\/user\/memberships\/orgs\/([^/]+)$/);
      const org = membership && mine.find((i) => i.account.type === "Organization" && i.account.login.toLowerCase() === decodeURIComponent(membership[1]).toLowerCase());
      if (org) {
        state.memberships.push(org.account.login);
        return json(res, 200, {
          url: `${origin}/api/orgs/${org.account.login}/memberships/${login}`,
          state: "active",
          role: org.role,
          organization_url: `${origin}/api/orgs/${org.account.login}`,
          organization: { login: org.account.login, id: org.account.id },
          user: { login, id: user.id, type: "User" },
        });
      }
    }
    json(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    state,
    origin,
    /** Who signs in at GitHub next. */
    signInAs: (login) => (state.as = login),
    /** Requests received, e.g. to check the Worker refreshed. */
    requests: () => state.requests,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/** The Worker variables that make it sign in with `stand`. */
export const githubVars = (stand, extra = {}) => ({
  GITHUB_CLIENT_ID,
  GITHUB_CLIENT_SECRET,
  GITHUB_OAUTH_URL: stand.origin,
  GITHUB_API_URL: `${stand.origin}/api`,
  ...extra,
});

/**
 * Signs in through GitHub over HTTP as a browser would: consent form, GitHub, `/callback`
 * (with the cookie it set), the client's redirect. Returns the token response with client_id,
 * or, when the gateway sends an error to the client, {error, error_description}.
 */
export async function githubSignIn(origin, { scope, headers = {} } = {}) {
  const client_id = await register(origin);
  const { verifier, challenge } = pkce();
  const st = randomBytes(6).toString("base64url");
  const params = new URLSearchParams({ client_id, redirect_uri: REDIRECT_URI, response_type: "code", code_challenge: challenge, code_challenge_method: "S256", state: st, ...(scope ? { scope } : {}) });
  const submitted = await submitSignIn(`${origin}/authorize?${params}`, { headers });
  if (submitted.status !== 302) throw new Error(`consent: ${submitted.status} ${await submitted.text()}`);
  const cookie = submitted.headers.get("set-cookie").split(";")[0];
  const atGitHub = await fetch(submitted.headers.get("location"), { redirect: "manual" });
  const callback = await fetch(atGitHub.headers.get("location"), { redirect: "manual", headers: { ...headers, cookie } });
  if (callback.status !== 302) throw new Error(`callback: ${callback.status} ${await callback.text()}`);
  const landed = new URL(callback.headers.get("location"));
  if (landed.searchParams.get("state") !== st) throw new Error(`state not returned: ${landed}`);
  if (landed.searchParams.get("error")) return Object.fromEntries(landed.searchParams);
  const r = await redeem(origin, { code: landed.searchParams.get("code"), verifier, client_id });
  if (r.status !== 200) throw new Error(`token: ${r.status} ${await r.text()}`);
  return { ...(await r.json()), client_id };
}
