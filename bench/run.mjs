// `make bench`: the gateway against a constant-answer Rust Worker (the floor), both served by
// the `workerd` binary directly (no wrangler dev proxy, which alone costs ~4 ms of CPU per
// request). Rounds alternate floor and gateway so drift hits both; CPU per request is
// workerd's own user+system time over the run, from /proc. Prints a table, also written to
// build/bench/results.json.
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { Agent, request as httpRequest } from "node:http";
import { ROOT } from "../e2e/harness/worker.mjs";
import { cpuSeconds, serve } from "./workerd.mjs";
import { benchWebhooks } from "./webhooks.mjs";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 2);

const meta = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
};
const REQUESTS = {
  "tools/list": { method: "tools/list", params: { _meta: meta } },
  "tools/call calculate": {
    method: "tools/call",
    params: { name: "calculate", arguments: { operation: "power", a: 7, b: 8 }, _meta: meta },
  },
};

/** Serves `build` (the gateway's bindings for "bench"), ready once tools/list answers. */
function serveMcp(build) {
  const gateway = build === "bench";
  return serve(build, {
    vars: gateway ? { DOVECOTE_ENV: "development" } : {},
    objects: gateway ? { RATE_LIMITER: "RateLimiter", KNOWLEDGE_BASE: "KnowledgeBase" } : {},
    ready: async (origin) => {
      const r = await fetch(`${origin}/mcp`, post(REQUESTS["tools/list"]));
      await r.text();
      return r.ok;
    },
  });
}

function post(request) {
  return {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": request.method,
      ...(request.params.name ? { "mcp-name": request.params.name } : {}),
      host: "127.0.0.1",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, ...request }),
  };
}

/** One POST on a kept-alive connection; resolves with its latency in ms. */
function once(agent, url, init) {
  return new Promise((ok, fail) => {
    const started = process.hrtime.bigint();
    const req = httpRequest(url, { method: "POST", agent, headers: init.headers }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? ok(Number(process.hrtime.bigint() - started) / 1e6) : fail(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on("error", fail);
    req.end(init.body);
  });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/** CONNECTIONS closed loops for SECONDS; latency per request, CPU from workerd's /proc. */
async function measure(server, request) {
  const init = post(request);
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies = [];
  const before = cpuSeconds(server.child.pid);
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (performance.now() < deadline) latencies.push(await once(agent, server.url, init));
  }));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(server.child.pid) - before;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpuMs: (cpu * 1000) / latencies.length,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const floor = await serveMcp("floor");
const gateway = await serveMcp("bench");
const runs = {};
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, request] of Object.entries(REQUESTS)) {
      for (const [who, server] of [["floor", floor], ["gateway", gateway]]) {
        const m = await measure(server, request);
        ((runs[name] ??= { floor: [], gateway: [] })[who]).push(m);
        console.error(`round ${round} ${name.padEnd(22)} ${who.padEnd(8)} ${m.rps.toFixed(0)} req/s  p50 ${m.p50.toFixed(2)} ms  p99 ${m.p99.toFixed(2)} ms  ${m.cpuMs.toFixed(3)} ms CPU/req`);
      }
    }
  }
} finally {
  floor.stop();
  gateway.stop();
}

const size = (build) => {
  const wasm = readFileSync(join(ROOT, "build", build, "index_bg.wasm"));
  const js = readFileSync(join(ROOT, "build", build, "index.js"));
  return { raw: wasm.length + js.length, gzip: gzipSync(wasm, { level: 9 }).length + gzipSync(js, { level: 9 }).length };
};
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const results = { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, requests: {}, size: {}, coldStartMs: {} };
console.log(`\nDovecote benchmark: workerd serve, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s (medians)\n`);
console.log("request                  worker    req/s    p50 ms  p99 ms  CPU ms/req");
for (const [name, r] of Object.entries(runs)) {
  const row = {};
  for (const who of ["floor", "gateway"]) {
    const m = {
      rps: median(r[who].map((x) => x.rps)), p50: median(r[who].map((x) => x.p50)),
      p99: median(r[who].map((x) => x.p99)), cpuMs: median(r[who].map((x) => x.cpuMs)),
    };
    row[who] = m;
    console.log(`${name.padEnd(24)} ${who.padEnd(8)} ${m.rps.toFixed(0).padStart(6)}  ${m.p50.toFixed(2).padStart(7)} ${m.p99.toFixed(2).padStart(7)}  ${m.cpuMs.toFixed(3).padStart(9)}`);
  }
  row.ownCpuMs = row.gateway.cpuMs - row.floor.cpuMs;
  row.rpsRatio = row.gateway.rps / row.floor.rps;
  row.cpuRatio = row.gateway.cpuMs / row.floor.cpuMs;
  console.log(`${"".padEnd(24)} gateway's own CPU: ${row.ownCpuMs.toFixed(3)} ms/req; gateway/floor: ${row.rpsRatio.toFixed(2)}× req/s, ${row.cpuRatio.toFixed(2)}× CPU\n`);
  results.requests[name] = row;
}
for (const build of ["floor", "release"]) results.size[build] = size(build);
results.coldStartMs = { floor: floor.coldStartMs, gateway: gateway.coldStartMs };
console.log(`upload size    gateway ${kib(results.size.release.raw)} raw, ${kib(results.size.release.gzip)} gzipped (the default build); floor ${kib(results.size.floor.raw)} raw, ${kib(results.size.floor.gzip)} gzipped`);
console.log("note           speed runs use the conformance build: /mcp without sign-in, so no per-request token lookup");
console.log(`cold start     gateway ${gateway.coldStartMs.toFixed(0)} ms, floor ${floor.coldStartMs.toFixed(0)} ms (workerd start to first answered request)`);
results.webhooks = await benchWebhooks();
writeFileSync(join(ROOT, "build", "bench", "results.json"), JSON.stringify(results, null, 2));
