// Serves a deployable bundle (what `wrangler deploy --dry-run --outdir` wrote) with Miniflare —
// wrangler's own, the KV and SQLite Durable Object implementation `wrangler dev` uses — started
// programmatically, without wrangler's dev proxy and without an inspector: one `workerd`
// process runs the Worker, its KV and its Durable Objects, and the bench reads that process's
// CPU from /proc. Requests go to the Worker's own socket (Miniflare's "direct socket"), not
// through Miniflare's entry worker.
import { readdirSync, readFileSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { execFileSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { ROOT, freePort } from "../e2e/harness/worker.mjs";

export const NODE_MODULES = join(ROOT, "node_modules");
// wrangler's own Miniflare: the one `wrangler dev` runs.
const { Miniflare, Log, LogLevel, convertV4MiniflareOptions } = await import(
  pathToFileURL(createRequire(join(NODE_MODULES, "wrangler/package.json")).resolve("miniflare")).href
);

/** The CPU cores: the Workers run on the last, the load generator (this process) on the rest. */
const CORES = Number(execFileSync("nproc", { encoding: "utf8" }).trim());
export const WORKER_CORE = CORES - 1;

/** Pins every thread of `pid` to `cores` (a taskset list such as "1" or "0-2"); false if refused. */
export function pin(pid, cores) {
  try {
    execFileSync("taskset", ["-a", "-cp", String(cores), String(pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Pins this process (the load generator) off the Workers' core; a no-op on one core. */
export function pinLoadGenerator() {
  return CORES > 1 && pin(process.pid, CORES === 2 ? "0" : `0-${CORES - 2}`);
}

/** The pids of this process's `workerd` children. */
function workerdChildren() {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [, comm, rest] = /^\d+ \((.*)\) (.*)$/s.exec(stat);
      if (comm === "workerd" && Number(rest.split(" ")[1]) === process.pid) pids.push(Number(entry));
    } catch { /* gone */ }
  }
  return pids;
}

/** Milliseconds since boot (/proc/uptime, 10 ms resolution). */
const uptimeMs = () => Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 1000;

/** When `pid` started, in milliseconds since boot (/proc/<pid>/stat, 10 ms resolution). */
function processStartMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[19]) * 1000) / 100; // starttime, in USER_HZ (100) ticks
}

/** The modules of a dry-run output folder: the entry first, then wasm and other JS. */
function modulesOf(dir, entry) {
  const files = readdirSync(dir, { recursive: true }).filter((f) => /\.(m?js|wasm)$/.test(f) && !f.endsWith(".map"));
  const ordered = [entry, ...files.filter((f) => f !== entry)];
  return ordered.map((f) => ({
    type: f.endsWith(".wasm") ? "CompiledWasm" : "ESModule",
    path: join(dir, f),
    contents: readFileSync(join(dir, f)),
  }));
}

/**
 * Serves the bundle in `dir` (entry `entry`) and resolves once `ready(origin)` is true.
 * `vars` may be a function of the Worker's origin (a gateway that must know its public URL).
 * @param {{dir: string, entry?: string, vars?: Record<string,string> | ((origin: string) => Record<string,string>), kv?: string[],
 *   objects?: Record<string,string>, compatibilityFlags?: string[], inspectorPort?: number,
 *   ready: (origin: string) => Promise<boolean>}} options
 */
export async function serveBundle({ dir, entry = "index.js", vars = {}, kv = [], objects = {}, compatibilityFlags = [], ready, inspectorPort }) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const state = mkdtempSync(join(tmpdir(), "dovecote-bench-mf-"));
  const before = new Set(workerdChildren());
  const started = performance.now();
  // The options as Miniflare 4 documented them, converted to the current shape.
  const mf = new Miniflare(convertV4MiniflareOptions({
    log: new Log(LogLevel.WARN),
    host: "127.0.0.1",
    port: 0,
    modules: modulesOf(dir, entry),
    modulesRoot: dir,
    compatibilityDate: "2026-10-01",
    compatibilityFlags,
    bindings: typeof vars === "function" ? vars(origin) : vars,
    kvNamespaces: Object.fromEntries(kv.map((b) => [b, b])),
    durableObjects: Object.fromEntries(Object.entries(objects).map(([b, className]) => [b, { className, useSQLite: true }])),
    resourcePersistencePath: state,
    unsafeDirectSockets: [{ host: "127.0.0.1", port }],
    handleStructuredLogs: () => {},
    // Only `make profile` (bench/profile.mjs) asks for one: DevTools' CPU profiler.
    ...(inspectorPort ? { inspectorPort, name: "profiled", unsafeInspectorProxy: true } : {}),
  }));
  let child;
  try {
    await mf.ready;
    for (;;) {
      try {
        if (await ready(origin)) break;
      } catch { /* starting */ }
      await new Promise((ok) => setTimeout(ok, 5));
    }
    const answeredAt = uptimeMs();
    const miniflareStartMs = performance.now() - started;
    const pids = workerdChildren().filter((p) => !before.has(p));
    if (pids.length !== 1) throw new Error(`expected one new workerd process, found ${pids.length}`);
    child = { pid: pids[0] };
    // Cold start: from the workerd process's start (its /proc start time) to the first answer.
    const coldStartMs = answeredAt - processStartMs(child.pid);
    pin(child.pid, WORKER_CORE);
    return {
      origin,
      url: `${origin}/mcp`,
      child,
      coldStartMs,
      miniflareStartMs,
      stop: async () => {
        await mf.dispose();
        rmSync(state, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await mf.dispose().catch(() => {});
    rmSync(state, { recursive: true, force: true });
    throw e;
  }
}

/** `relative` for messages: a path under the checkout, as the user would type it. */
export const shown = (path) => relative(ROOT, path);
