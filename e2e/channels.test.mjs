// Notification channels against local stand-ins of the Telegram Bot API, a Discord webhook and
// Slack (e2e/harness/services/), declared through dovecote's JSON-array secrets
// (TELEGRAM_INSTANCES, DISCORD_INSTANCES, SLACK_INSTANCES) with `allowAnyHost`, which only
// tests and self-hosting need. One Worker for the file; the tests run in order and reset the
// services' scripts. Checks the exact requests, permanent and transient failures, and a
// notification queued while a service is down that arrives once it is back — also across a
// restart of the runtime.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { REMOTE, localOnly, startWorker } from "./harness/worker.mjs";

/** These tests configure their own Worker: skipped in remote mode (TEST_BASE_URL). */
const LOCAL = localOnly("local Telegram, Discord and Slack stand-ins (*_INSTANCES)");
import { signIn } from "./harness/signin.mjs";
import { withToken } from "./harness/mcp.mjs";
import * as telegram from "./harness/services/telegram.mjs";
import * as discord from "./harness/services/discord.mjs";
import * as slack from "./harness/services/slack.mjs";
import { startWebhook } from "./harness/services/webhook.mjs";

const TG_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const CHAT = -1001234567890;
const SLACK_TOKEN = "xoxb-1111-2222-e2etoken";
const HOOK_KEY = "e2e-signing-key";
const ADMIN_TOKEN = "e2e-admin-token-for-the-audit-trail";

let worker;
let tg;
let dc;
let sl;
let wh;
let client;

before(async () => {
  if (REMOTE) return;
  tg = await telegram.startTelegram({ token: TG_TOKEN, chats: [CHAT] });
  dc = await discord.startDiscord({ id: "1187", token: "hooktoken_e2e" });
  sl = await slack.startSlack({ webhookPath: "/services/T0/B0/hookE2E", botToken: SLACK_TOKEN, channels: ["C0E2E"] });
  wh = await startWebhook({ key: HOOK_KEY });
  const telegramInstances = [
    { id: "ops", botToken: TG_TOKEN, chatId: CHAT, apiBase: tg.apiBase, allowAnyHost: true, description: "On-call" },
    { id: "nochat", botToken: TG_TOKEN, chatId: 42, apiBase: tg.apiBase, allowAnyHost: true },
  ];
  const discordInstances = [
    { id: "deploys", name: "Deploys", webhookUrl: dc.webhookUrl, username: "Dovecote", allowAnyHost: true },
    { id: "gone", webhookUrl: `${dc.origin}/api/webhooks/1187/revoked`, allowAnyHost: true },
  ];
  const slackInstances = [
    { id: "hook", webhookUrl: sl.webhookUrl, allowAnyHost: true },
    { id: "bot", botToken: SLACK_TOKEN, channel: "C0E2E", apiBase: sl.apiBase, allowAnyHost: true },
    { id: "lost", botToken: SLACK_TOKEN, channel: "C0LOST", apiBase: sl.apiBase, allowAnyHost: true },
  ];
  worker = await startWorker({
    vars: {
      ADMIN_TOKEN,
      TELEGRAM_INSTANCES: JSON.stringify(telegramInstances),
      DISCORD_INSTANCES: JSON.stringify(discordInstances),
      SLACK_INSTANCES: JSON.stringify(slackInstances),
      WEBHOOK_INSTANCES: JSON.stringify([
        { id: "ci", url: wh.url, signingSecret: HOOK_KEY, allowAnyHost: true },
        { id: "unsigned", url: wh.url, allowAnyHost: true },
      ]),
    },
  });
  const { access_token } = await signIn(worker.origin, { scope: "dovecote:notify" });
  client = withToken(access_token);
});

after(async () => {
  await worker?.stop();
  await Promise.all([tg?.stop(), dc?.stop(), sl?.stop(), wh?.stop()]);
});

beforeEach(() => [tg, dc, sl, wh].forEach((s) => s?.reset()));

/** Calls `name` with `args`; returns the tools/call result. */
async function call(name, args) {
  const r = await client.modern(worker.url, "tools/call", { name, arguments: args });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.result, r.text);
  return r.json.result;
}

const send = (args) => call("send_notification", args);
const errorText = (result) => {
  assert.equal(result.isError, true, JSON.stringify(result));
  return result.content[0].text;
};

/** Polls get_notification_status until `done(status)` or the deadline. */
async function waitFor(id, done, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let status;
  while (Date.now() < deadline) {
    const result = await call("get_notification_status", { id });
    assert.ok(!result.isError, JSON.stringify(result));
    status = result.structuredContent;
    if (done(status)) return status;
    await new Promise((ok) => setTimeout(ok, 500));
  }
  assert.fail(`notification ${id} still ${JSON.stringify(status)}`);
}

test("list_channels shows every channel from the JSON secrets", LOCAL, async () => {
  const result = await call("list_channels", {});
  const channels = result.structuredContent.channels;
  assert.deepEqual(channels.map((c) => c.id), [
    "telegram-ops", "telegram-nochat", "discord-deploys", "discord-gone", "slack-hook", "slack-bot", "slack-lost",
    "webhook-ci", "webhook-unsigned",
  ]);
  assert.deepEqual(channels[0], {
    id: "telegram-ops", service: "telegram", name: "Telegram (ops)", description: "On-call",
    available: true, source: "TELEGRAM_INSTANCES",
  });
  assert.ok(!JSON.stringify(result).includes(TG_TOKEN), "no secret in the listing");
});

test("plain text reaches Telegram as it was written", LOCAL, async () => {
  const result = await send({ channel: "telegram-ops", text: "Build 42 finished" });
  assert.ok(!result.isError, JSON.stringify(result));
  assert.deepEqual(tg.requests.map((r) => r.json), [{
    chat_id: CHAT,
    text: "Build 42 finished",
    parse_mode: "HTML",
    link_preview_options: { is_disabled: true },
  }]);
});

test("Telegram gets HTML with every entity escaped, in one sendMessage", LOCAL, async () => {
  const result = await send({
    channel: "telegram-ops",
    title: "Deploy <prod>",
    severity: "warning",
    text: "**Build** #42 & `a<b>` is [late](https://ci.example/run?a=1&b=2)\n\n- one\n- two",
    fields: [{ name: "Env", value: "prod & eu" }],
    silent: true,
  });
  assert.ok(!result.isError, JSON.stringify(result));
  assert.equal(tg.requests.length, 1);
  const req = tg.requests[0];
  assert.equal(req.path, `/bot${TG_TOKEN}/sendMessage`);
  assert.equal(req.headers["content-type"], "application/json");
  assert.deepEqual(req.json, {
    chat_id: CHAT,
    text: "⚠️ <b>Deploy &lt;prod&gt;</b>\n\n<b>Build</b> #42 &amp; <code>a&lt;b&gt;</code> is <a href=\"https://ci.example/run?a=1&amp;b=2\">late</a>\n\n• one\n• two\n\n<b>Env:</b> prod &amp; eu",
    parse_mode: "HTML",
    link_preview_options: { is_disabled: true },
    disable_notification: true,
  });
  const out = result.structuredContent;
  assert.equal(out.outcome, "sent");
  assert.equal(out.channel, "telegram-ops");
  assert.equal(out.parts, 1);
  assert.deepEqual(out.message_ids, [String(req.answer.result.message_id)]);
  assert.match(out.id, /^telegram-ops:[0-9a-f]{24}$/);
  const status = (await call("get_notification_status", { id: out.id })).structuredContent;
  assert.equal(status.state, "sent");
  assert.deepEqual(status.message_ids, out.message_ids);
});

test("long text is split at paragraphs into messages Telegram and Discord accept, in order", LOCAL, async () => {
  const paragraphs = Array.from({ length: 12 }, (_, i) => `Paragraph ${i}: ${"**bold** & <tag> ".repeat(40)}`);
  const text = paragraphs.join("\n\n");
  const t = await send({ channel: "telegram-ops", text });
  assert.ok(!t.isError, JSON.stringify(t));
  assert.ok(tg.requests.length >= 3, `${tg.requests.length} messages`);
  assert.equal(t.structuredContent.parts, tg.requests.length);
  assert.equal(t.structuredContent.message_ids.length, tg.requests.length);
  const shown = tg.requests.map((r) => telegram.parseHtml(r.json.text).text);
  assert.ok(shown.every((s) => s !== undefined && s.length <= 4096));
  assert.ok(shown.every((s) => s.startsWith("Paragraph ")), "every message starts at a paragraph");
  const order = shown.join("\n\n").match(/Paragraph \d+/g);
  assert.deepEqual(order, paragraphs.map((_, i) => `Paragraph ${i}`));

  const d = await send({ channel: "discord-deploys", text, title: "Long" });
  assert.ok(!d.isError, JSON.stringify(d));
  assert.ok(dc.requests.length >= 2);
  assert.equal(dc.requests[0].json.embeds[0].title, "Long");
  assert.ok(dc.requests.slice(1).every((r) => r.json.embeds[0].title === undefined), "the title only on the first");
  assert.ok(dc.requests.every((r) => r.json.embeds[0].description.length <= 4096));
});

test("Discord gets an embed coloured by severity, with fields, mentions off", LOCAL, async () => {
  const result = await send({
    channel: "discord-deploys",
    title: "Deployed",
    link: "https://example.com/deploys/7",
    severity: "success",
    text: "*v1.2* is live @everyone",
    fields: [{ name: "Region", value: "eu" }, { name: "Took", value: "3 min" }],
  });
  assert.ok(!result.isError, JSON.stringify(result));
  assert.equal(dc.requests.length, 1);
  const req = dc.requests[0];
  assert.equal(req.path, "/api/webhooks/1187/hooktoken_e2e");
  assert.equal(req.query.get("wait"), "true");
  assert.deepEqual(req.json, {
    embeds: [{
      title: "✅ Deployed",
      url: "https://example.com/deploys/7",
      description: "*v1.2* is live \\@everyone",
      color: 0x2ecc71,
      fields: [{ name: "Region", value: "eu", inline: true }, { name: "Took", value: "3 min", inline: true }],
    }],
    allowed_mentions: { parse: [] },
    username: "Dovecote",
  });
  assert.deepEqual(result.structuredContent.message_ids, [req.answer.id]);
});

test("Slack gets Block Kit with mrkdwn through a webhook and through chat.postMessage", LOCAL, async () => {
  const args = { title: "Alert", severity: "error", text: "*Disk* at 95% on `db<1>`", fields: [{ name: "Host", value: "db1" }] };
  const blocks = [
    { type: "header", text: { type: "plain_text", text: "🚨 Alert", emoji: true } },
    { type: "section", text: { type: "mrkdwn", text: "_Disk_ at 95% on `db&lt;1&gt;`" } },
    { type: "section", fields: [{ type: "mrkdwn", text: "*Host*\ndb1" }] },
    { type: "context", elements: [{ type: "mrkdwn", text: "🚨 Error" }] },
  ];
  const hook = await send({ channel: "slack-hook", ...args });
  assert.ok(!hook.isError, JSON.stringify(hook));
  assert.equal(sl.requests[0].path, "/services/T0/B0/hookE2E");
  assert.deepEqual(sl.requests[0].json, { text: "Alert", blocks, unfurl_links: false });
  assert.deepEqual(hook.structuredContent.message_ids, [], "incoming webhooks return no id");

  const bot = await send({ channel: "slack-bot", ...args });
  assert.ok(!bot.isError, JSON.stringify(bot));
  const req = sl.requests[1];
  assert.equal(req.path, "/api/chat.postMessage");
  assert.equal(req.headers.authorization, `Bearer ${SLACK_TOKEN}`);
  assert.equal(req.headers["content-type"], "application/json; charset=utf-8");
  assert.deepEqual(req.json, { text: "Alert", blocks, unfurl_links: false, channel: "C0E2E" });
  assert.deepEqual(bot.structuredContent.message_ids, ["1700000000.000100"]);
});

test("a generic webhook gets the notification as JSON, signed, with an Idempotency-Key", LOCAL, async () => {
  const result = await send({ channel: "webhook-ci", text: "**done**", severity: "info", fields: [{ name: "a", value: "b" }] });
  assert.ok(!result.isError, JSON.stringify(result));
  const req = wh.requests[0];
  assert.equal(req.status, 202, "the receiver accepted the signature");
  assert.equal(req.headers["idempotency-key"], result.structuredContent.id);
  assert.deepEqual(req.json, {
    text: "**done**", title: null, link: null, severity: "info", fields: [{ name: "a", value: "b" }], silent: false,
    id: result.structuredContent.id, channel: "webhook-ci",
  });
  // Without the key, the receiver refuses it: a permanent failure.
  assert.match(errorText(await send({ channel: "webhook-unsigned", text: "x" })), /webhook: HTTP 401: \{"error":"bad signature"\}/);
});

test("permanent failures are isError with the service's reason, tried once, never the secret", LOCAL, async () => {
  const cases = [
    ["telegram-nochat", tg, "Failed to send to telegram-nochat: Telegram: Bad Request: chat not found"],
    ["discord-gone", dc, "Failed to send to discord-gone: Discord: Unknown Webhook"],
    ["slack-lost", sl, "Failed to send to slack-lost: Slack: channel_not_found"],
  ];
  for (const [channel, service, message] of cases) {
    const text = errorText(await send({ channel, text: "hello" }));
    assert.ok(text.startsWith(message), text);
    assert.match(text, /permanent, so it is not retried/);
    assert.equal(service.requests.length, 1, `${channel}: no retry`);
  }
  sl.script(slack.webhookError(404, "no_service"));
  assert.match(errorText(await send({ channel: "slack-hook", text: "x" })), /Slack: no_service/);
  tg.script(telegram.error(401, "Unauthorized"));
  const text = errorText(await send({ channel: "telegram-ops", text: "x" }));
  assert.match(text, /Telegram: Unauthorized/);
  assert.ok(!text.includes(TG_TOKEN));
});

test("bad input is refused before anything is sent, saying what is valid", LOCAL, async () => {
  assert.match(errorText(await send({ channel: "telegram-nope", text: "x" })), /Unknown channel `telegram-nope`\. Channels: telegram-ops, telegram-nochat/);
  assert.match(errorText(await send({ channel: "telegram-ops", text: "  " })), /`text` is empty/);
  assert.match(errorText(await send({ channel: "telegram-ops", text: "x".repeat(20_001) })), /at most 20000/);
  assert.match(errorText(await send({ channel: "telegram-ops", text: "x", link: "javascript:alert(1)" })), /`link` must be an absolute http\(s\) URL/);
  assert.match(errorText(await call("get_notification_status", { id: "nope" })), /`id` is not an id as send_notification returns it/);
  assert.equal(tg.requests.length, 0);
});

test("a short wait (429 retry_after 1, a 503, a dropped connection) is retried within the request", LOCAL, async () => {
  tg.script(telegram.tooManyRequests(1));
  const a = await send({ channel: "telegram-ops", text: "after 429" });
  assert.equal(a.structuredContent.outcome, "sent", JSON.stringify(a));
  assert.equal(tg.requests.length, 2);
  assert.deepEqual(tg.requests[0].json, tg.requests[1].json, "the same request again");

  dc.script({ status: 503, body: { message: "upstream connect error", code: 0 } });
  const b = await send({ channel: "discord-deploys", text: "after 503" });
  assert.equal(b.structuredContent.outcome, "sent", JSON.stringify(b));
  assert.equal(dc.requests.length, 2);

  sl.script("drop");
  const c = await send({ channel: "slack-bot", text: "after a drop" });
  assert.equal(c.structuredContent.outcome, "sent", JSON.stringify(c));
  assert.equal(sl.requests.length, 2);
});

test("a long wait queues the notification; it is delivered after the service's retry_after, once", LOCAL, async () => {
  dc.script(discord.rateLimited(3));
  const result = await send({ channel: "discord-deploys", text: "queued by 429" });
  assert.ok(!result.isError, JSON.stringify(result));
  const out = result.structuredContent;
  assert.equal(out.outcome, "queued");
  assert.match(out.reason, /Discord: You are being rate limited/);
  const queued = (await call("get_notification_status", { id: out.id })).structuredContent;
  assert.equal(queued.state, "queued");
  assert.ok(queued.next_attempt_ms - Date.now() > 1500, "waits as long as Discord asked");
  const sent = await waitFor(out.id, (s) => s.state === "sent");
  assert.equal(sent.message_ids.length, 1);
  assert.equal(dc.requests.length, 2, "one refused, one delivered");
});

test("a slow answer past the timeout queues it rather than holding the agent", LOCAL, async () => {
  tg.script({ delayMs: 7000 });
  const started = Date.now();
  const result = await send({ channel: "telegram-ops", text: "slow" });
  assert.equal(result.structuredContent.outcome, "queued", JSON.stringify(result));
  assert.match(result.structuredContent.reason, /telegram: no answer within 5 s/);
  assert.ok(Date.now() - started < 7000);
});

test("a notification queued while the service is down arrives when it is back, also across a restart", LOCAL, async () => {
  sl.always({ status: 503, body: { ok: false, error: "service_unavailable" } });
  const first = (await send({ channel: "slack-bot", text: "while down 1" })).structuredContent;
  assert.equal(first.outcome, "queued");
  const second = (await send({ channel: "slack-bot", text: "while down 2" })).structuredContent;
  assert.equal(second.outcome, "queued");
  assert.match(second.reason, /earlier notifications/, "it waits behind the first");

  // The runtime restarts while the service is still down; the outbox is kept.
  await worker.restart();
  sl.always(null);
  const firstSent = await waitFor(first.id, (s) => s.state === "sent", 40_000);
  const secondSent = await waitFor(second.id, (s) => s.state === "sent", 40_000);
  const delivered = sl.requests.filter((r) => r.status === 200).map((r) => r.json.blocks[0].text.text);
  assert.deepEqual(delivered, ["while down 1", "while down 2"], "each delivered once, in order");
  assert.equal(firstSent.message_ids.length, 1);
  assert.equal(secondSent.message_ids.length, 1);
  assert.ok(firstSent.attempts >= 2);
});

test("every send and every retry is in the audit trail, without a secret", async () => {
  const r = await fetch(`${worker.origin}/admin/audit?limit=500`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(r.status, 200);
  const text = await r.text();
  const notify = JSON.parse(text).entries.filter((e) => e.event === "notify");
  const outcomes = new Set(notify.map((e) => e.outcome));
  for (const outcome of ["sent", "failed", "queued"]) assert.ok(outcomes.has(outcome), `an entry with outcome ${outcome}`);
  const bySender = notify.filter((e) => e.actor === "password:owner");
  assert.ok(bySender.length > 10);
  assert.ok(bySender.every((e) => e.client_id), "the OAuth client is recorded");
  assert.ok(notify.some((e) => e.detail.startsWith("outbox retry: ") && e.outcome === "sent"), "the outbox's retries are recorded");
  for (const secret of [TG_TOKEN, "hooktoken_e2e", SLACK_TOKEN, "hookE2E", HOOK_KEY]) {
    assert.ok(!text.includes(secret), "no secret in the audit trail");
  }
});
