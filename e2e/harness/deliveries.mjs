// Signed GitHub webhook deliveries for end-to-end tests, signed with GitHub's own code
// (@octokit/webhooks-methods), and the payload shapes the tests deliver.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";

/** Delivers `payload` as event `event` to `origin`, signed with `secret`; returns its delivery id. */
export async function deliver(origin, secret, event, payload) {
  const body = JSON.stringify(payload);
  const id = randomUUID();
  const r = await fetch(`${origin}/webhooks/github`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": event, "x-github-delivery": id, "x-hub-signature-256": await sign(secret, body) },
    body,
  });
  assert.equal(r.status, 202, await r.text());
  return id;
}

/** An `issues` `opened` payload of `repo` ("owner/name"), through App installation `installation` if given. */
export const issue = (repo, n, installation) => ({
  action: "opened",
  issue: { number: n, title: `${repo} #${n}`, html_url: `https://github.com/${repo}/issues/${n}`, user: { login: "someone" } },
  repository: { full_name: repo, name: repo.split("/")[1], owner: { login: repo.split("/")[0] } },
  sender: { login: "someone" },
  ...(installation ? { installation: { id: installation } } : {}),
});

/** A stable numeric GitHub id for an account named only by login (GitHub sends both). */
const idOf = (login) => 10_000 + [...login].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1_000_000, 7);

/** An `installation` `created` payload: App installation `id` on `account` (GitHub id `accountId`). */
export const installation = (id, account, accountId = idOf(account)) => ({
  action: "created",
  installation: { id, account: { login: account, id: accountId, type: "Organization" }, app_id: 1 },
  repositories: [],
  sender: { login: account },
});
