// `make bench`, GitHub webhooks, on the Dovecote instance the bench already runs (Miniflare,
// SQLite Durable Objects): deliveries per second into one tenant, measured; the store filled
// to BENCH_EVENTS (100,000) events; list_pending_events and get_pending_status over MCP with
// the bench's access token at that size; and the largest delivery (25 MiB) stored and read
// back, with the peak RSS of the workerd process meanwhile.
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { createRequire } from "node:module";
import { loop, once, timed, QUICK, SECONDS } from "./load.mjs";
import { benchConsole } from "./console.mjs";

const WARM_UP_SECONDS = QUICK ? 0.5 : 2;
export const EVENTS = Number(process.env.BENCH_EVENTS ?? (QUICK ? 2_000 : 100_000));
const CONNECTIONS = Number(process.env.BENCH_DELIVERY_CONNECTIONS ?? 8);
/** The most time filling the store may take; a slower machine gets a smaller store, said so. */
const FILL_SECONDS = Number(process.env.BENCH_FILL_SECONDS ?? 900);
export const SECRET = "bench webhook secret";
export const TENANT = "bench-org";
export const MAX_BODY = 25 * 1024 * 1024;
/** The variables the webhook intake needs, for the Dovecote instance. */
export const WEBHOOK_VARS = {
  GITHUB_WEBHOOK_SECRET: SECRET,
  WEBHOOK_DEFAULT_TENANT: TENANT,
  WEBHOOK_IP_RATE: "1000/second",
  WEBHOOK_TENANT_QUOTA: "100000000",
  WEBHOOK_MAX_BODY_BYTES: String(MAX_BODY),
};
// The targets webhooks were held to before the "Lean" issue: deliveries per second into one
// tenant, and list latency at 100,000 stored events.
const TARGET_DELIVERIES = 500;
const TARGET_LIST_P50_MS = 5;
const verdict = (met) => (met ? "met" : "NOT MET");

const examples = createRequire(import.meta.url)("@octokit/webhooks-examples");
const PUSH_EXAMPLE = examples.find((g) => g.name === "push").examples[0];
const PUSH = JSON.stringify(PUSH_EXAMPLE);
/**
 * The push with a commit of its own: the store keeps one event per (type, body) — a body seen
 * before under a new delivery id is a replay, answered as a duplicate and not stored — so each
 * delivery the bench counts as stored must differ. Same length as the example.
 */
const freshPush = () => PUSH.split(PUSH_EXAMPLE.after).join(randomBytes(20).toString("hex"));
/** Fails the run on an answer that is not a newly stored delivery (a duplicate, a refusal). */
const storedAsNew = (body) => {
  if (!body.includes('"accepted":true') || !body.includes('"duplicate":false')) {
    throw new Error(`a delivery was not stored as new: ${body.slice(0, 200)}`);
  }
};
const sign = (body) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;

// GitHub delivers from several addresses; each has its own per-address limit.
const ADDRESSES = ["140.82.115.1", "140.82.115.2", "140.82.115.3", "140.82.115.4"];
let sent = 0;
export const delivery = (body = freshPush()) => ({
  method: "POST",
  headers: {
    "cf-connecting-ip": ADDRESSES[sent++ % ADDRESSES.length],
    "content-type": "application/json",
    "x-github-event": "push",
    "x-github-delivery": randomUUID(),
    "x-hub-signature-256": sign(body),
  },
  body,
});

/** A tools/call on `/mcp` with the bench's token. */
export function toolCall(token, name, args) {
  const body = JSON.stringify({
    jsonrpc: "2.0", id: 1, method: "tools/call",
    params: { name, arguments: args, _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} } },
  });
  return () => ({
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": name,
    },
    body,
  });
}

/** A problem with a tools/call answer, or undefined when it is a result without error. */
export const toolProblem = (text) => (/"isError":true|"error":\{|Rate limit/.test(text) || !text.includes('"result"') ? "the tool call failed" : undefined);

/** A /proc/<pid>/status figure (VmRSS, VmHWM) in MiB. */
const memoryMiB = (pid, field) => {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
  return Number(line.split(/\s+/)[1]) / 1024;
};
/** Resets the process's peak RSS (VmHWM) to its current RSS; false where Linux refuses. */
const resetPeak = (pid) => {
  try { writeFileSync(`/proc/${pid}/clear_refs`, "5"); return true; } catch { return false; }
};

/**
 * Runs the webhook benchmarks against `server` (Dovecote with WEBHOOK_VARS), prints them, returns
 * the figures. `floor` is the webhook floor (bench/floor built with `store`): the same deliveries
 * measured into it, just before Dovecote's, show what the runtime itself costs per kept delivery.
 */
export async function benchWebhooks(server, token, floor) {
  const pid = server.child.pid;
  const intake = `${server.origin}/webhooks/github`;
  const out = {};
  const deliveries = (to, seconds) =>
    timed(to.child.pid, `${to.origin}/webhooks/github`, () => delivery(), seconds, { connections: CONNECTIONS, expect: [202], onBody: storedAsNew });
  // Warm-up first: V8 compiles the wasm with its baseline tier and optimizes it while it runs,
  // and the tenant's store opens; the measured window starts after that.
  if (floor) await deliveries(floor, WARM_UP_SECONDS);
  const warm = await deliveries(server, WARM_UP_SECONDS);
  if (floor) out.floor = await deliveries(floor, SECONDS);
  out.deliveries = await deliveries(server, SECONDS);
  const m = out.deliveries;
  const kept = warm.count + m.count;
  console.log(`\nGitHub webhooks (${PUSH.length}-byte push payload, ${CONNECTIONS} connections from ${ADDRESSES.length} addresses at WEBHOOK_IP_RATE=1000/second each, one tenant)`);
  if (out.floor) {
    const f = out.floor;
    console.log(`floor deliveries  ${f.rps.toFixed(0).padStart(6)} /s  p50 ${f.p50.toFixed(2)} ms  p99 ${f.p99.toFixed(2)} ms  ${f.cpuMs.toFixed(3)} ms CPU/delivery (a Rust Worker handing the body to one SQLite Durable Object, one INSERT, no checks)`);
  }
  console.log(`deliveries        ${m.rps.toFixed(0).padStart(6)} /s  p50 ${m.p50.toFixed(2)} ms  p99 ${m.p99.toFixed(2)} ms  ${m.cpuMs.toFixed(3)} ms CPU/delivery (measured)`);
  if (out.floor) {
    out.ownCpuMs = m.cpuMs - out.floor.cpuMs;
    console.log(`                  own CPU ${out.ownCpuMs.toFixed(3)} ms/delivery over the floor's (the signature, the checks, the store's bookkeeping); ${(m.rps / out.floor.rps).toFixed(2)}× the floor's deliveries/s`);
  }
  const perCore = 1000 / m.cpuMs;
  console.log(`                  target ≥ ${TARGET_DELIVERIES} /s: measured ${m.rps.toFixed(0)} /s (${verdict(m.rps >= TARGET_DELIVERIES)}); by CPU per delivery ${perCore.toFixed(0)} /s on one core (${verdict(perCore >= TARGET_DELIVERIES)})`);
  const fillStarted = performance.now();
  const fill = await loop(pid, intake, () => delivery(), {
    connections: CONNECTIONS,
    until: (n, ms) => n + kept >= EVENTS || ms >= FILL_SECONDS * 1000,
    expect: [202],
    onBody: storedAsNew,
  });
  out.fill = { events: kept + fill.count, seconds: (performance.now() - fillStarted) / 1000 };
  const short = out.fill.events < EVENTS ? ` — stopped at BENCH_FILL_SECONDS=${FILL_SECONDS}, short of ${EVENTS}` : "";
  console.log(`filled to         ${out.fill.events} events in ${out.fill.seconds.toFixed(0)} s (${fill.rps.toFixed(0)} /s)${short}`);
  const calls = [
    ["list_pending_events", toolCall(token, "list_pending_events", { limit: 20 })],
    ["get_pending_status", toolCall(token, "get_pending_status", {})],
  ];
  for (const [name, make] of calls) {
    const r = await timed(pid, `${server.origin}/mcp`, make, SECONDS, { connections: 1, check: toolProblem });
    out[name] = r;
    console.log(`${name.padEnd(20)} ${r.rps.toFixed(0).padStart(5)} /s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  ${r.cpuMs.toFixed(3)} ms CPU/call  (tools/call over MCP at ${out.fill.events} events)`);
  }
  const list = out.list_pending_events;
  console.log(`                  target list p50 < ${TARGET_LIST_P50_MS} ms at ${EVENTS} events: ${verdict(list.p50 < TARGET_LIST_P50_MS && out.fill.events >= EVENTS)}`);
  out.console = await benchConsole(server, { secret: SECRET, big: TENANT, events: out.fill.events });
  // The largest delivery: a push padded to the body limit, stored, then read back whole.
  const padding = MAX_BODY - PUSH.length - 64;
  const big = PUSH.replace(/^\{/, `{"padding":"${"p".repeat(padding)}",`);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const baseline = memoryMiB(pid, "VmRSS");
  const reset = resetPeak(pid);
  const d = delivery(big);
  const [stored] = await once(agent, intake, d);
  const [read, , body] = await once(agent, `${server.origin}/event?id=${d.headers["x-github-delivery"]}`, { headers: { authorization: `Bearer ${token}` } });
  agent.destroy();
  const peak = memoryMiB(pid, "VmHWM");
  out.largest = { bytes: big.length, stored, read, returnedBytes: body.length, baselineRssMiB: baseline, peakRssMiB: peak, peakIsForThisDelivery: reset };
  console.log(`largest delivery  ${(big.length / 1048576).toFixed(1)} MiB: store HTTP ${stored}, read back HTTP ${read} (${(body.length / 1048576).toFixed(1)} MiB)`);
  console.log(`memory            workerd RSS ${baseline.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB while storing and returning it (+${(peak - baseline).toFixed(0)} MiB${reset ? "" : "; peak is over the whole run: clear_refs refused"})`);
  return out;
}
