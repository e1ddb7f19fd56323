// The lines beside the side-by-side, each from the same run: a tools/call through a Durable
// Object on both gateways; send_notification to a local Telegram stand-in; the request log's
// cost per LOG_REQUESTS setting (when the build reads it); cold starts; upload sizes; the
// sign-in-free path under plain `workerd`; and the GitHub webhooks (bench/webhooks.mjs).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../e2e/harness/worker.mjs";
import { startTelegram } from "../e2e/harness/services/telegram.mjs";
import { PASSWORD, dovecoteToken, peerToken } from "./auth.mjs";
import { REQUESTS, dovecoteBindings, dovecoteKeys, forFloor, mcp, startDovecote, startFloor, startPeer } from "./gateways.mjs";
import { QUICK, ROUNDS, SECONDS, median, timed } from "./load.mjs";
import { summarize, printPair } from "./report.mjs";
import { benchWebhooks, toolCall, toolProblem } from "./webhooks.mjs";
import { serve as serveWorkerd, serveFiles } from "./workerd.mjs";

const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? (QUICK ? 1 : 3));
const TG_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
const TG_CHAT = -1001234567890;

/** A local Telegram Bot API stand-in and the TELEGRAM_INSTANCES that points Dovecote at it. */
export async function notificationStandIn() {
  const telegram = await startTelegram({ token: TG_TOKEN, chats: [TG_CHAT] });
  const instances = [{ id: "bench", name: "Bench", botToken: TG_TOKEN, chatId: TG_CHAT, apiBase: telegram.apiBase, allowAnyHost: true }];
  return { telegram, vars: { TELEGRAM_INSTANCES: JSON.stringify(instances) } };
}

/** Rounds alternating `servers` (name → server) on `request`; per name, one measurement a round. */
async function alternate(servers, tokens, request, label) {
  const names = Object.keys(servers);
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const who of names.map((_, i) => names[(i + round) % names.length])) {
      const r = who === "floor" ? forFloor(request) : request;
      const s = servers[who];
      runs[who][round] = await timed(s.child.pid, `${s.origin}${r.path}`, r.make(tokens[who]), SECONDS, r);
    }
  }
  console.error(`bench: ${label} done`);
  return runs;
}

/**
 * Median cold start of `count` fresh starts of the bundle in `dir` under plain `workerd`: from
 * spawning the process to the first answer of `GET /`. Plain workerd rather than Miniflare,
 * whose own start (its internal services) would dwarf the Worker's. Bindings a `GET /` does not
 * touch (KV) are given as text.
 */
async function coldStart(dir, options, count = COLD_STARTS) {
  const files = readdirSync(dir).filter((f) => /\.(m?js|wasm)$/.test(f));
  const ordered = ["index.js", ...files.filter((f) => f !== "index.js")];
  const ready = async (origin) => {
    const r = await fetch(`${origin}/`);
    await r.arrayBuffer();
    return r.ok;
  };
  const times = [];
  for (let i = 0; i < count; i++) {
    const s = await serveFiles(dir, ordered, { ...options, ready });
    times.push(s.coldStartMs);
    s.stop();
  }
  return { ms: median(times), runs: times };
}

/**
 * What plain workerd itself spends at start on the Durable Object namespaces `objects`
 * ({binding: className}) — the floor has none: a bare JavaScript Worker exporting classes of
 * those names, started with and without the namespaces. Its answer never touches them.
 */
async function namespacesAtStart(objects) {
  const dir = join(ROOT, "build/bench-namespaces");
  mkdirSync(dir, { recursive: true });
  const classes = [...new Set(Object.values(objects))].map((c) => `export class ${c} extends DurableObject {}`);
  writeFileSync(join(dir, "index.js"), [
    'import { DurableObject } from "cloudflare:workers";',
    'export default { fetch: () => new Response("ok") };',
    ...classes,
  ].join("\n") + "\n");
  const without = await coldStart(dir, {});
  const withThem = await coldStart(dir, { objects });
  return { count: classes.length, withoutMs: without.ms, withMs: withThem.ms, ms: withThem.ms - without.ms };
}

/** The sign-in-free path under plain workerd: floor and Dovecote's conformance build. */
async function plainWorkerd() {
  const ready = async (origin) => {
    const r = await fetch(`${origin}/mcp`, mcp("tools/list", {}, null)());
    await r.text();
    return r.ok;
  };
  const floor = await serveWorkerd("floor", { ready });
  let gateway;
  try {
    gateway = await serveWorkerd("bench-open", {
      vars: { DOVECOTE_ENV: "development" },
      objects: { RATE_LIMITER: "RateLimiter", KNOWLEDGE_BASE: "KnowledgeBase", AUDIT_LOG: "AuditLog" },
      ready,
    });
    const servers = { floor, dovecote: gateway };
    const requests = { "tools/list": REQUESTS["tools/list"], "tools/call calculate": REQUESTS["tools/call calculate"] };
    const out = { coldStartMs: { floor: floor.coldStartMs, dovecote: gateway.coldStartMs }, requests: {} };
    for (const [name, request] of Object.entries(requests)) {
      out.requests[name] = summarize({ [name]: await alternate(servers, {}, request, `plain workerd ${name}`) })[name];
    }
    return out;
  } finally {
    floor.stop();
    gateway?.stop();
  }
}

/** Runs every line beside the side-by-side, printing each; returns the figures. */
export async function besideLines({ servers, tokens, bundles, sideBySide, telegram }) {
  const out = {};
  const { floor, dovecote } = servers;
  const floorCpu = (name) => sideBySide[name].floor.cpuMs;

  console.log("\nBeside it (same run, same Miniflare; own CPU = the Worker process's CPU per request minus the floor's)");
  // Both gateways taking a per-caller rate limit from a SQLite Durable Object on each call.
  const limited = await startPeer(bundles.peer, { rateLimit: true });
  try {
    const limitedTokens = { ...tokens, peer: await peerToken(limited.origin) };
    const runs = await alternate({ floor, peer: limited, dovecote }, limitedTokens, REQUESTS["tools/call calculate"], "tools/call with a Durable Object");
    out.durableObjectCall = summarize({ call: runs }).call;
    printPair("tools/call with a Durable Object rate limit (calculate; the peer with RATE_LIMIT=on asks its object on every call, Dovecote at 1000/second once per 64-call lease)", out.durableObjectCall);
  } finally {
    await limited.stop();
  }

  const send = toolCall(tokens.dovecote, "send_notification", { channel: "telegram-bench", text: "Deploy **finished**", title: "Bench" });
  const before = telegram.requests.length;
  const outcomes = {};
  const onBody = (b) => {
    const outcome = /\\"outcome\\":\\"(\w+)\\"|"outcome":"(\w+)"/.exec(b);
    const key = outcome ? outcome[1] ?? outcome[2] : "other";
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  };
  const n = await timed(dovecote.child.pid, dovecote.url, send, SECONDS, { check: toolProblem, onBody });
  const received = telegram.requests.length - before;
  out.sendNotification = { ...n, ownCpuMs: n.cpuMs - floorCpu("tools/call calculate"), received, outcomes };
  const told = Object.entries(outcomes).map(([k, v]) => `${v} ${k}`).join(", ");
  console.log(`send_notification  Dovecote ${n.rps.toFixed(0)} /s  p50 ${n.p50.toFixed(2)} ms  p99 ${n.p99.toFixed(2)} ms  ${n.cpuMs.toFixed(3)} ms CPU/call, own ${out.sendNotification.ownCpuMs.toFixed(3)} ms; answers: ${told}; the Telegram stand-in received ${received} (queued ones are sent by the outbox later; the peer has no notifications)`);

  // The request log's cost per setting, when the build reads LOG_REQUESTS (the "Lean" issue adds it).
  const wasm = readFileSync(join(bundles.dovecoteMeasured.dir, wasmIn(bundles.dovecoteMeasured.dir)));
  if (wasm.includes("LOG_REQUESTS")) {
    out.logRequests = {};
    for (const setting of ["all", "errors", "off"]) {
      const s = await startDovecote(bundles.dovecoteMeasured, { LOG_REQUESTS: setting });
      try {
        const request = REQUESTS["tools/list"];
        const m = await timed(s.child.pid, s.url, request.make(await dovecoteToken(s.origin)), SECONDS * ROUNDS, request);
        out.logRequests[setting] = { ...m, ownCpuMs: m.cpuMs - floorCpu("tools/list") };
        console.log(`LOG_REQUESTS=${setting.padEnd(7)} tools/list ${m.rps.toFixed(0)} /s  ${m.cpuMs.toFixed(3)} ms CPU/req, own ${out.logRequests[setting].ownCpuMs.toFixed(3)} ms`);
      } finally {
        await s.stop();
      }
    }
  } else {
    console.log("LOG_REQUESTS       not read by this build: every request logs one line (its cost is inside each Dovecote figure)");
  }

  console.error("bench: cold starts");
  out.coldStartMs = {
    floor: await coldStart(bundles.floor.dir, {}),
    peer: await coldStart(bundles.peer.dir, {
      vars: { OAUTH_PASSWORD: PASSWORD, PUBLIC_URL: "http://127.0.0.1:1", RATE_LIMIT: "off", OAUTH_KV: "unused" },
      objects: { RATE_LIMITER: "RateLimiter" },
      compatibilityFlags: ["nodejs_compat"],
    }),
    dovecote: await coldStart(bundles.dovecoteMeasured.dir, {
      vars: { DOVECOTE_ENV: "development", OAUTH_PASSWORD: PASSWORD, DOVECOTE_KV: "unused", ...dovecoteKeys() },
      objects: dovecoteBindings().objects,
    }),
  };
  out.coldStartMs.namespaces = await namespacesAtStart(dovecoteBindings().objects);
  const c = out.coldStartMs;
  console.log(`cold start         floor ${c.floor.ms.toFixed(0)} ms, peer ${c.peer.ms.toFixed(0)} ms, Dovecote ${c.dovecote.ms.toFixed(0)} ms (plain workerd, process spawn to the first answer of GET /, median of ${COLD_STARTS})`);
  const ns = c.namespaces;
  console.log(`                   of which workerd's own start of Dovecote's ${ns.count} Durable Object namespaces: ${ns.ms.toFixed(0)} ms (a bare JavaScript Worker: ${ns.withoutMs.toFixed(0)} ms without them, ${ns.withMs.toFixed(0)} ms with them)`);
  const size = (k) => `${bundles[k].rawKiB.toFixed(1)} KiB raw / ${bundles[k].gzipKiB.toFixed(1)} KiB gzipped`;
  console.log(`upload size        Dovecote ${size("dovecote")} (make deploy's dry run); peer ${size("peer")}; floor ${size("floor")} (wrangler's Total Upload)`);

  console.error("bench: plain workerd");
  out.plainWorkerd = await plainWorkerd();
  const p = out.plainWorkerd;
  for (const [name, r] of Object.entries(p.requests)) {
    console.log(`plain workerd, no sign-in, ${name.padEnd(20)} Dovecote ${r.dovecote.rps.toFixed(0)} /s (${r.rps.dovecoteToFloor.toFixed(2)}× the floor's), own CPU ${r.dovecote.ownCpuMs.toFixed(3)} ms/req`);
  }
  console.log(`plain workerd cold start  floor ${p.coldStartMs.floor.toFixed(0)} ms, Dovecote ${p.coldStartMs.dovecote.toFixed(0)} ms (spawn to first answer)`);

  console.error("bench: webhooks");
  // The webhook floor: a Rust Worker handing each body to one SQLite Durable Object.
  const floorStore = await startFloor({ ...bundles.floorStore, objects: { FLOOR_STORE: "FloorStore" } });
  try {
    out.webhooks = await benchWebhooks(dovecote, tokens.dovecote, floorStore);
  } finally {
    await floorStore.stop();
  }
  return out;
}

/** The wasm module's file name in a dry-run folder. */
function wasmIn(dir) {
  const names = readdirSync(dir).filter((f) => f.endsWith(".wasm"));
  if (names.length !== 1) throw new Error(`expected one .wasm in ${dir}, found ${names.length}`);
  return names[0];
}
