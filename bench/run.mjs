// `make bench`: Dovecote beside the standard TypeScript stack (the peer, bench/peer) and a
// constant-answer Rust Worker (the floor), in one run under the same conditions. Each is the
// bundle `wrangler deploy --dry-run` makes, served by wrangler's Miniflare without the dev proxy
// or inspector; the two gateways are signed in to through their own OAuth flows; rounds
// alternate the three; the load generator (this process) and the Workers run on separate
// cores. Then the lines beside it (bench/beside.mjs), the targets of the "Lean" issue, and
// build/bench/results.json. BENCH_QUICK=1 runs short rounds for working on the bench.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../e2e/harness/worker.mjs";
import { dovecoteToken, peerToken } from "./auth.mjs";
import { bundlePeer, deployedDovecote, dryRun } from "./bundles.mjs";
import { REQUESTS, forFloor, startDovecote, startFloor, startPeer, mcp } from "./gateways.mjs";
import { CONNECTIONS, QUICK, ROUNDS, SECONDS, timed } from "./load.mjs";
import { WORKER_CORE, pinLoadGenerator } from "./miniflare.mjs";
import { WEBHOOK_VARS } from "./webhooks.mjs";
import { besideLines, notificationStandIn } from "./beside.mjs";
import { subscriptionLatency } from "./subscriptions.mjs";
import { printSideBySide, printTargets, summarize } from "./report.mjs";

const WARM_UP_SECONDS = QUICK ? 0.3 : 1;
/** BENCH_TABLE_ONLY=1: the side-by-side table alone, for comparing changes to the request path. */
const TABLE_ONLY = process.env.BENCH_TABLE_ONLY === "1";
mkdirSync(join(ROOT, "build/bench"), { recursive: true });

const pinned = pinLoadGenerator();
console.error(`bench: load generator ${pinned ? "pinned off" : "NOT pinned off"} core ${WORKER_CORE}, Workers on core ${WORKER_CORE}${QUICK ? " (BENCH_QUICK: short runs, numbers only for trying the bench)" : ""}`);

console.error("bench: bundling with wrangler deploy --dry-run");
const bundles = {
  dovecote: deployedDovecote(),
  // The build measured: the deployed build's code with every tools.toml rate raised (see Makefile).
  // BENCH_DOVECOTE=build/<name> measures another build in its place (comparing two versions).
  dovecoteMeasured: dryRun({ script: `${process.env.BENCH_DOVECOTE ?? "build/bench"}/index.js`, config: "wrangler.toml", env: ["--env", ""], outdir: "build/bench/dry-run" }),
  floor: dryRun({ config: "bench/floor/wrangler.toml", outdir: "build/floor/dry-run" }),
  floorStore: dryRun({ config: "bench/floor/wrangler.store.toml", outdir: "build/floor-store/dry-run" }),
};

const standIn = await notificationStandIn();
const servers = {};
try {
  const dovecote = await startDovecote(bundles.dovecoteMeasured, { ...WEBHOOK_VARS, ...standIn.vars });
  servers.dovecote = dovecote;
  const tokens = { floor: null, dovecote: await dovecoteToken(dovecote.origin) };
  // The peer serves Dovecote's own tool descriptors, as this caller sees them.
  const listed = await (await fetch(dovecote.url, mcp("tools/list", {}, tokens.dovecote)())).json();
  console.error("bench: bundling the peer with Dovecote's tools");
  bundles.peer = bundlePeer(listed.result.tools);
  servers.peer = await startPeer(bundles.peer);
  servers.floor = await startFloor(bundles.floor);
  tokens.peer = await peerToken(servers.peer.origin);

  const send = (who, name, seconds) => {
    const request = who === "floor" ? forFloor(REQUESTS[name]) : REQUESTS[name];
    const server = servers[who];
    return timed(server.child.pid, `${server.origin}${request.path}`, request.make(tokens[who]), seconds, request);
  };
  const WHO = ["floor", "peer", "dovecote"];
  for (const name of Object.keys(REQUESTS)) for (const who of WHO) await send(who, name, WARM_UP_SECONDS);

  const runs = {};
  for (let round = 0; round < ROUNDS; round++) {
    // Each round starts with another Worker, so drift over the run does not favour one.
    const order = WHO.map((_, i) => WHO[(i + round) % WHO.length]);
    for (const name of Object.keys(REQUESTS)) {
      for (const who of order) {
        const m = await send(who, name, SECONDS);
        ((runs[name] ??= { floor: [], peer: [], dovecote: [] })[who])[round] = m;
        console.error(`round ${round + 1} ${name.padEnd(22)} ${who.padEnd(9)} ${m.rps.toFixed(0).padStart(5)} req/s  p50 ${m.p50.toFixed(2)} ms  p99 ${m.p99.toFixed(2)} ms  ${m.cpuMs.toFixed(3)} ms CPU/req`);
      }
    }
  }
  const sideBySide = summarize(runs);
  const results = {
    date: new Date().toISOString(),
    quick: QUICK, rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS,
    sideBySide,
    size: Object.fromEntries(["dovecote", "peer", "floor"].map((k) => [k, { rawKiB: bundles[k].rawKiB, gzipKiB: bundles[k].gzipKiB }])),
  };
  printSideBySide(results);
  if (TABLE_ONLY) {
    console.log("\nBENCH_TABLE_ONLY: the table alone, no lines beside it and no targets");
    writeFileSync(join(ROOT, "build/bench/results.json"), JSON.stringify(results, null, 2));
  } else {
    results.beside = await besideLines({ servers, tokens, bundles, sideBySide, telegram: standIn.telegram });
    results.upstreams = await (await import("./upstreams.mjs")).upstreamLine();
    // A line that fails is reported as not measured; the table and the targets still print.
    results.subscriptions = await subscriptionLatency({ dovecote: servers.dovecote, token: tokens.dovecote })
      .catch((e) => (console.log(`subscription update  not measured: ${e.message}`), { error: e.message }));
    printTargets(results);
    writeFileSync(join(ROOT, "build/bench/results.json"), JSON.stringify(results, null, 2));
  }
  console.log("\nfigures also in build/bench/results.json");
} finally {
  for (const s of Object.values(servers)) await s.stop();
  await standIn.telegram.stop();
}
