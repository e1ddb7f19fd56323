// The bench's figures: per request and round, each Worker's own CPU (its process's CPU per
// request minus the floor's in the same round) and the ratios between the gateways and to
// the floor, then medians over the rounds; the printed table; and the targets of the "Lean"
// issue, judged from this run.
import { REQUESTS } from "./gateways.mjs";
import { ROUNDS, SECONDS, CONNECTIONS, median } from "./load.mjs";

const FIGURES = ["rps", "p50", "p99", "cpuMs"];
/** Below this own CPU (ms/req) a ratio of own CPU is noise over noise; shown as —. */
const MIN_OWN_MS = 0.1;

/** Per request: medians per Worker, and per-round and median ratios. */
export function summarize(runs) {
  const out = {};
  for (const [name, byWho] of Object.entries(runs)) {
    const rounds = byWho.floor.map((floor, i) => {
      const round = { floor };
      for (const who of ["peer", "dovecote"]) {
        const m = byWho[who]?.[i];
        if (m) round[who] = { ...m, ownCpuMs: m.cpuMs - floor.cpuMs };
      }
      const { peer, dovecote } = round;
      round.ratios = {
        ...(peer && {
          // Own CPU within MIN_OWN_MS of the floor's (or below it) is noise: no ratio of it.
          ownCpuDovecoteToPeer: peer.ownCpuMs >= MIN_OWN_MS && dovecote.ownCpuMs >= MIN_OWN_MS ? dovecote.ownCpuMs / peer.ownCpuMs : NaN,
          rpsDovecoteToPeer: dovecote.rps / peer.rps,
          p50DovecoteToPeer: dovecote.p50 / peer.p50,
          p99DovecoteToPeer: dovecote.p99 / peer.p99,
          rpsPeerToFloor: peer.rps / floor.rps,
          cpuPeerToFloor: peer.cpuMs / floor.cpuMs,
        }),
        rpsDovecoteToFloor: dovecote.rps / floor.rps,
        cpuDovecoteToFloor: dovecote.cpuMs / floor.cpuMs,
      };
      return round;
    });
    const row = { rounds };
    for (const who of ["floor", "peer", "dovecote"]) {
      if (!rounds[0][who]) continue;
      row[who] = Object.fromEntries([...FIGURES, ...(who === "floor" ? [] : ["ownCpuMs"])].map((f) => [f, median(rounds.map((r) => r[who][f]))]));
    }
    row.ratios = Object.fromEntries(Object.keys(rounds[0].ratios).map((k) => {
      const known = rounds.map((r) => r.ratios[k]).filter(Number.isFinite);
      // A ratio known in fewer than half the rounds is not reported.
      return [k, known.length * 2 > rounds.length ? median(known) : NaN];
    }));
    row.rps = { dovecoteToFloor: row.ratios.rpsDovecoteToFloor };
    out[name] = row;
  }
  return out;
}

const f = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "—");
const perRound = (row, key) => row.rounds.map((r) => f(r.ratios[key])).join(" ");

function printWorker(label, m) {
  const own = m.ownCpuMs === undefined ? "" : f(m.ownCpuMs, 3).padStart(10);
  console.log(`  ${label.padEnd(20)} ${f(m.rps, 0).padStart(6)}  ${f(m.p50).padStart(7)} ${f(m.p99).padStart(7)}  ${f(m.cpuMs, 3).padStart(9)} ${own}`);
}

/** Prints one request's rows and ratios. */
export function printPair(name, row) {
  console.log(name);
  printWorker("floor", row.floor);
  if (row.peer) printWorker("peer (TypeScript)", row.peer);
  printWorker("Dovecote", row.dovecote);
  const r = row.ratios;
  if (row.peer) {
    console.log(`  Dovecote ÷ peer   own CPU ${f(r.ownCpuDovecoteToPeer)}× (— when one is within ${MIN_OWN_MS} ms of the floor; rounds ${perRound(row, "ownCpuDovecoteToPeer")}), req/s ${f(r.rpsDovecoteToPeer)}× (rounds ${perRound(row, "rpsDovecoteToPeer")}), p50 ${f(r.p50DovecoteToPeer)}×, p99 ${f(r.p99DovecoteToPeer)}×`);
    console.log(`  ÷ floor           Dovecote req/s ${f(r.rpsDovecoteToFloor)}×, CPU ${f(r.cpuDovecoteToFloor)}×; peer req/s ${f(r.rpsPeerToFloor)}×, CPU ${f(r.cpuPeerToFloor)}×`);
  } else {
    console.log(`  Dovecote ÷ floor  req/s ${f(r.rpsDovecoteToFloor)}× (rounds ${perRound(row, "rpsDovecoteToFloor")}), CPU ${f(r.cpuDovecoteToFloor)}×`);
  }
}

/** Prints the side-by-side table and what each figure includes. */
export function printSideBySide(results) {
  console.log(`\nDovecote beside the TypeScript stack and the floor: deployable bundles (wrangler deploy --dry-run) under wrangler's Miniflare, no dev proxy, no inspector; ${CONNECTIONS} connections; ${ROUNDS} alternating round(s) of ${SECONDS} s; medians over rounds\n`);
  console.log("request / Worker          req/s   p50 ms  p99 ms  CPU ms/req  own CPU ms/req");
  for (const [name, row] of Object.entries(results.sideBySide)) printPair(name, row);
  console.log(`
What the figures include
  CPU ms/req      user+system CPU of the one workerd process that runs the Worker, its KV and its
                  Durable Objects (/proc/<pid>/stat), over the measurement, per answered request:
                  the HTTP server, the Worker's code, KV reads, Durable Object calls and SQLite,
                  and the request log line where the Worker writes one (Dovecote: one per request)
  own CPU ms/req  CPU ms/req minus the floor's in the same round: what the gateway adds to the
                  least a Rust Worker does (read the request, answer a constant body)
  req/s, p50/p99  closed loops on kept-alive connections from this process, on its own core;
                  latency from sending the request to the answer's last byte
  the requests    (Dovecote and the peer; the floor answers each with its constant body)`);
  for (const name of Object.keys(results.sideBySide)) console.log(`    ${name.padEnd(21)} ${REQUESTS[name].includes}`);
}

/** The "Lean" issue's gates and targets, each met or not from this run's figures. */
export function printTargets(results) {
  const s = results.sideBySide;
  const b = results.beside;
  const verdicts = [];
  const judge = (label, met, figures) => {
    verdicts.push({ label, met, figures });
    console.log(`  ${met === null ? "n/a    " : met ? "met    " : "NOT MET"}  ${label}: ${figures}`);
  };
  console.log('\nTargets of the "Lean" issue (this run)');
  for (const name of ["static document", "401 without token"]) {
    const own = s[name].dovecote.ownCpuMs;
    judge(`${name} within 0.2 ms of the floor's Worker CPU`, own <= 0.2, `Dovecote's own CPU ${f(own, 3)} ms/req`);
  }
  judge("a committed size budget for the deployed build", null, "checked by `make test`, not by the bench");
  judge("LOG_REQUESTS = all | errors | off, each one's cost shown", Boolean(b.logRequests),
    b.logRequests ? Object.entries(b.logRequests).map(([k, v]) => `${k} ${f(v.ownCpuMs, 3)} ms`).join(", ") : "this build does not read LOG_REQUESTS");
  for (const name of ["tools/list", "tools/call calculate"]) {
    const row = s[name];
    const quarter = row.dovecote.ownCpuMs <= row.peer.ownCpuMs / 4;
    const faster = row.dovecote.rps >= row.peer.rps;
    judge(`${name}: own CPU ≤ ¼ of the peer's, req/s ≥ the peer's`, quarter && faster,
      `own CPU ${f(row.dovecote.ownCpuMs, 3)} vs ${f(row.peer.ownCpuMs, 3)} ms (${f(row.ratios.ownCpuDovecoteToPeer)}×), req/s ${f(row.dovecote.rps, 0)} vs ${f(row.peer.rps, 0)} (${f(row.ratios.rpsDovecoteToPeer)}×)`);
  }
  const size = results.size;
  judge("gzipped upload under the peer's", size.dovecote.gzipKiB < size.peer.gzipKiB,
    `${f(size.dovecote.gzipKiB, 1)} KiB vs ${f(size.peer.gzipKiB, 1)} KiB (raw ${f(size.dovecote.rawKiB, 1)} vs ${f(size.peer.rawKiB, 1)} KiB)`);
  const cold = b.coldStartMs;
  judge("cold start within 1.5× the floor's", cold.dovecote.ms <= 1.5 * cold.floor.ms,
    `${f(cold.dovecote.ms, 0)} ms vs ${f(cold.floor.ms, 0)} ms (${f(cold.dovecote.ms / cold.floor.ms)}×)` +
    (cold.namespaces ? `; ${f(cold.namespaces.ms, 0)} ms of it is workerd starting the ${cold.namespaces.count} Durable Object namespaces the floor has none of — without them ${f((cold.dovecote.ms - cold.namespaces.ms) / cold.floor.ms)}×` : ""));
  const d = b.webhooks.deliveries;
  judge("webhook intake ≥ 1,000 deliveries/s into one tenant, measured, < 1 ms CPU each", d.rps >= 1000 && d.cpuMs < 1,
    `${f(d.rps, 0)} /s at ${f(d.cpuMs, 3)} ms CPU each` +
    (b.webhooks.floor ? `; the webhook floor (one Durable Object INSERT, no checks) ${f(b.webhooks.floor.rps, 0)} /s at ${f(b.webhooks.floor.cpuMs, 3)} ms, so Dovecote's own ${f(b.webhooks.ownCpuMs, 3)} ms` : ""));
  results.targets = verdicts;
}
