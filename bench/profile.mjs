// `make profile`: where Dovecote's Worker CPU goes for one of the bench's requests. Serves the
// bench's build with the function names kept (build/profile, `make build/profile/index.js`) in
// Miniflare with DevTools' inspector, signs in as the bench does, starts V8's sampling CPU
// profiler, sends the request in closed loops for a few seconds, and prints the functions that
// held the CPU (self time) and the Rust functions with the most time under them (total time).
// The figures are shares of the Worker's JavaScript thread, not of the whole process: the HTTP
// server, KV and SQLite run outside it.
//   node bench/profile.mjs ["tools/list" | "tools/call calculate" | "static document" | "401 without token" | "webhook"
//                           | "list_pending_events"]
// `list_pending_events` stores PROFILE_EVENTS (100) deliveries first and lists 20 of them.
// Variables: PROFILE_SECONDS (5), PROFILE_TOP (30), PROFILE_INTERVAL_US (50), LOG_REQUESTS (off).
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT, freePort } from "../e2e/harness/worker.mjs";
import { dovecoteToken } from "./auth.mjs";
import { dryRun } from "./bundles.mjs";
import { REQUESTS, startDovecote } from "./gateways.mjs";
import { loop, timed } from "./load.mjs";
import { WEBHOOK_VARS, delivery, toolCall } from "./webhooks.mjs";

const SECONDS = Number(process.env.PROFILE_SECONDS ?? 5);
const TOP = Number(process.env.PROFILE_TOP ?? 30);
const INTERVAL_US = Number(process.env.PROFILE_INTERVAL_US ?? 50);
const EVENTS = Number(process.env.PROFILE_EVENTS ?? 100);
const name = process.argv[2] ?? "tools/list";
const OWN = ["webhook", "list_pending_events"];
if (!(name in REQUESTS) && !OWN.includes(name)) {
  console.error(`profile: no request "${name}"; one of: ${[...Object.keys(REQUESTS), ...OWN].join(", ")}`);
  process.exit(2);
}

/** A DevTools protocol session over the inspector's WebSocket. */
async function devtools(url) {
  // Miniflare's inspector proxy admits local origins only (Node's WebSocket sends none).
  const ws = new WebSocket(url, { headers: { origin: "http://127.0.0.1" } });
  await new Promise((ok, fail) => {
    ws.onopen = ok;
    ws.onerror = () => fail(new Error(`profile: no inspector at ${url}`));
    ws.onclose = () => fail(new Error(`profile: the inspector at ${url} closed the connection`));
  });
  let next = 1;
  const waiting = new Map();
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    if (msg.error) w.fail(new Error(`${w.method}: ${msg.error.message}`));
    else w.ok(msg.result);
  };
  return {
    send: (method, params = {}) =>
      new Promise((ok, fail) => {
        const id = next++;
        waiting.set(id, { ok, fail, method });
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** A frame's name as a person reads it: a wasm function's demangled Rust path, or JS with its file. */
function frameName({ functionName, url, lineNumber }) {
  const f = functionName || "(anonymous)";
  if (url.startsWith("wasm://")) return f.replace(/::h[0-9a-f]{16}$/, "");
  if (!url) return f;
  return `${f} (${url.split("/").pop()}:${lineNumber + 1})`;
}

/** Self and total sample counts per function name from a V8 CPU profile. */
function tally(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const total = new Map();
  const hits = new Map();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  let samples = 0;
  for (const [id, count] of hits) {
    samples += count;
    const leaf = frameName(byId.get(id).callFrame);
    self.set(leaf, (self.get(leaf) ?? 0) + count);
    // Each function once per sample, however deep it recurses.
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const f = frameName(byId.get(at).callFrame);
      if (seen.has(f)) continue;
      seen.add(f);
      total.set(f, (total.get(f) ?? 0) + count);
    }
  }
  return { self, total, samples };
}

const table = (map, samples, filter = () => true) =>
  [...map].filter(([f]) => filter(f)).sort((a, b) => b[1] - a[1]).slice(0, TOP)
    .map(([f, n]) => `${((100 * n) / samples).toFixed(1).padStart(6)} %  ${f}`).join("\n");

const bundle = dryRun({ script: "build/profile/index.js", config: "wrangler.toml", env: ["--env", ""], outdir: "build/profile/dry-run" });
const inspectorPort = await freePort();
console.error(`profile: serving build/profile with the inspector on 127.0.0.1:${inspectorPort}`);
// The log line is left out unless LOG_REQUESTS says otherwise: with DevTools attached every
// console.log is also sent to it, which costs many times what it costs a deployed Worker.
const vars = { ...WEBHOOK_VARS, LOG_REQUESTS: process.env.LOG_REQUESTS ?? "off" };
const dovecote = await startDovecote({ ...bundle, inspectorPort }, vars);
try {
  const token = await dovecoteToken(dovecote.origin);
  let url;
  let make;
  if (name === "webhook") {
    url = `${dovecote.origin}/webhooks/github`;
    make = () => delivery();
  } else if (name === "list_pending_events") {
    const intake = `${dovecote.origin}/webhooks/github`;
    await loop(dovecote.child.pid, intake, () => delivery(), { until: (n) => n >= EVENTS, expect: [202] });
    url = `${dovecote.origin}/mcp`;
    make = toolCall(token, name, { limit: 20 });
  } else {
    url = `${dovecote.origin}${REQUESTS[name].path}`;
    make = REQUESTS[name].make(token);
  }
  console.error("profile: signed in; connecting the profiler");
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? { webSocketDebuggerUrl: `ws://127.0.0.1:${inspectorPort}/profiled` };
  const session = await devtools(target.webSocketDebuggerUrl);
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: INTERVAL_US });
  // Warm up first: V8 compiles the wasm with its baseline tier, then optimizes.
  await timed(dovecote.child.pid, url, make, 2, { expect: [200, 202, 401] });
  await session.send("Profiler.start");
  const m = await timed(dovecote.child.pid, url, make, SECONDS, { expect: [200, 202, 401] });
  const { profile } = await session.send("Profiler.stop");
  session.close();
  const out = join(ROOT, "build/profile");
  mkdirSync(out, { recursive: true });
  const file = join(out, `${name.replace(/[^a-z0-9]+/gi, "-")}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  const { self, total, samples } = tally(profile);
  const idle = (self.get("(idle)") ?? 0) + (self.get("(program)") ?? 0);
  console.log(`${name}: ${m.count} requests in ${SECONDS} s, ${m.cpuMs.toFixed(3)} ms process CPU each; ${samples} samples every ${INTERVAL_US} µs, ${((100 * idle) / samples).toFixed(1)} % idle or outside JavaScript`);
  console.log(`\nself time (the function itself):\n${table(self, samples)}`);
  console.log(`\ntotal time (with what it called), Rust functions:\n${table(total, samples, (f) => f.includes("::") && !f.startsWith("("))}`);
  console.log(`\nthe whole profile: ${file} (open it in Chrome DevTools' Performance panel)`);
} finally {
  await dovecote.stop();
}
