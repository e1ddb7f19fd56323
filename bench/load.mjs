// The load generator: closed loops of HTTP requests on kept-alive connections, each loop
// sending its next request when the last answer ended, and the CPU the Worker's process spent
// meanwhile, from /proc. Runs in the bench's own process, pinned off the Workers' core.
import { Agent, request as httpRequest } from "node:http";
import { cpuSeconds } from "./workerd.mjs";

export const QUICK = process.env.BENCH_QUICK === "1";
/** Connections (closed loops) per measurement. */
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 2);
/** Seconds per measurement. */
export const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 1 : 5));
/** Alternating rounds. */
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 1 : 5));

/** One request on a kept-alive connection; resolves with [status, latency ms, body]. */
export function once(agent, url, { method = "GET", headers = {}, body } = {}) {
  return new Promise((ok, fail) => {
    const started = process.hrtime.bigint();
    const req = httpRequest(url, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => ok([res.statusCode, Number(process.hrtime.bigint() - started) / 1e6, Buffer.concat(chunks)]));
    });
    req.on("error", fail);
    req.end(body);
  });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * `connections` closed loops sending `make()` to `url` until `until(count, elapsedMs)`; every
 * answer must have a status in `expect` and, if given, pass `check(body)` (checked on the first
 * answer of each loop, so a wrong answer is caught without parsing every one); `onBody(body)`
 * sees every answer.
 * @returns {Promise<{count: number, rps: number, p50: number, p99: number, cpuMs: number}>}
 */
export async function loop(pid, url, make, { connections = CONNECTIONS, until, expect = [200], check, onBody } = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  const before = cpuSeconds(pid);
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, async () => {
    let first = true;
    while (!until(latencies.length, performance.now() - started)) {
      const [status, ms, body] = await once(agent, url, make());
      if (!expect.includes(status)) throw new Error(`${url}: HTTP ${status} ${body.toString().slice(0, 300)}`);
      if (first && check) {
        const problem = check(body.toString());
        if (problem) throw new Error(`${url}: ${problem}: ${body.toString().slice(0, 300)}`);
      }
      first = false;
      onBody?.(body.toString());
      latencies.push(ms);
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(pid) - before;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    count: latencies.length,
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpuMs: (cpu * 1000) / latencies.length,
  };
}

/** `loop` for `seconds`. */
export const timed = (pid, url, make, seconds = SECONDS, options = {}) =>
  loop(pid, url, make, { ...options, until: (_, ms) => ms >= seconds * 1000 });
