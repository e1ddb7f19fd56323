// `make bench`, subscriptions: the delay from a signed delivery's 202 to the
// `notifications/resources/updated` of its account's pending summary on an open
// `subscriptions/listen` stream, at the poll interval the instance runs with
// (`EVENTS_POLL_MS`, 2 s by default). BENCH_SUBSCRIPTION_SAMPLES deliveries (30; 5 with
// BENCH_QUICK), one at a time, each at a random point of the poll cycle.
// Run alone (`BENCH_QUICK=1 node bench/subscriptions.mjs`) it starts the development build
// in workerd itself.
import { createHmac, randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import { issue } from "../e2e/harness/deliveries.mjs";
import { mcp } from "./gateways.mjs";
import { QUICK, median } from "./load.mjs";
import { SECRET, TENANT, WEBHOOK_VARS } from "./webhooks.mjs";

const SAMPLES = Number(process.env.BENCH_SUBSCRIPTION_SAMPLES ?? (QUICK ? 5 : 30));

let opened = 0;
/** A signed `issues` `opened` delivery into the bench's tenant, a new issue each time. */
function delivery() {
  const body = JSON.stringify(issue(`${TENANT}/app`, ++opened));
  return {
    method: "POST",
    headers: {
      "cf-connecting-ip": "140.82.115.9",
      "content-type": "application/json",
      "x-github-event": "issues",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
    },
    body,
  };
}

/** Reads JSON-RPC messages off an SSE response body, handing each to `onMessage`. */
async function readMessages(body, onMessage) {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
      if (data) onMessage(JSON.parse(data));
    }
  }
}

/** Measures delivery-to-subscriber latency on `dovecote` (`{origin, url}`) with `token`. */
export async function subscriptionLatency({ dovecote, token, pollMs = 2000 }) {
  const listed = await (await fetch(dovecote.url, mcp("resources/list", {}, token)())).json();
  // The summary of the account the deliveries below go to (the bench's default tenant), not
  // just the first one listed: in `make bench` the console line has added another account.
  const uri = listed.result.resources.find((r) => r.uri === `github://accounts/${TENANT}/pending`)?.uri;
  if (!uri) throw new Error(`no pending summary of ${TENANT} to follow: ${JSON.stringify(listed.result?.resources?.map((r) => r.uri) ?? listed)}`);
  const listen = mcp("subscriptions/listen", { notifications: { resourceSubscriptions: [uri] } }, token)();
  const abort = new AbortController();
  const response = await fetch(dovecote.url, { ...listen, signal: abort.signal });
  let acknowledged;
  const ack = new Promise((ok) => (acknowledged = ok));
  let waiting = null;
  const reading = readMessages(response.body, (m) => {
    if (m.method === "notifications/subscriptions/acknowledged") acknowledged(m.params.notifications);
    if (m.method === "notifications/resources/updated" && m.params.uri === uri) waiting?.(performance.now());
  }).catch(() => {});
  const honoured = await ack;
  if (!honoured.resourceSubscriptions?.includes(uri)) throw new Error(`not honoured: ${JSON.stringify(honoured)}`);
  const delays = [];
  try {
    for (let i = 0; i < SAMPLES; i++) {
      // Start anywhere in the poll cycle.
      await new Promise((ok) => setTimeout(ok, Math.random() * pollMs));
      const updated = new Promise((ok) => (waiting = ok));
      const d = delivery();
      const sent = performance.now();
      const r = await fetch(`${dovecote.origin}/webhooks/github`, d);
      if (r.status !== 202 && r.status !== 200) throw new Error(`delivery: ${r.status} ${await r.text()}`);
      const at = await Promise.race([updated, new Promise((_, no) => setTimeout(() => no(new Error("no update within 4 poll intervals")), 4 * pollMs + 1000))]);
      delays.push(at - sent);
    }
  } finally {
    abort.abort();
    await reading;
  }
  const sorted = [...delays].sort((a, b) => a - b);
  const out = { pollMs, samples: sorted.length, p50: median(sorted), max: sorted.at(-1), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
  console.log(`subscription update  delivery → notifications/resources/updated: p50 ${out.p50.toFixed(0)} ms, mean ${out.mean.toFixed(0)} ms, max ${out.max.toFixed(0)} ms over ${out.samples} (EVENTS_POLL_MS ${pollMs}; one open listen stream costs one store request per followed resource per poll)`);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { startWorker } = await import("../e2e/harness/worker.mjs");
  const { signIn } = await import("../e2e/harness/signin.mjs");
  const worker = await startWorker({ vars: WEBHOOK_VARS });
  try {
    // One delivery first, so the default tenant's summary is listed.
    await fetch(`${worker.origin}/webhooks/github`, delivery());
    const token = (await signIn(worker.origin, { scope: "dovecote:read dovecote:events:read" })).access_token;
    await subscriptionLatency({ dovecote: worker, token });
  } finally {
    await worker.stop();
  }
}
