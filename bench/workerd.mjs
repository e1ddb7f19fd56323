// Serves a build with the `workerd` binary directly (no wrangler dev proxy), with the bindings a
// benchmark needs and Durable Objects on a fresh disk; and reads workerd's CPU time from /proc.
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, freePort } from "../e2e/harness/worker.mjs";
import { NODE_MODULES, WORKER_CORE, pin } from "./miniflare.mjs";

const TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s.
const WORKERD = join(NODE_MODULES, ".bin/workerd");

/** workerd's user+system CPU seconds so far. */
export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime
}

/**
 * The capnp config: `vars` as text bindings, `objects` as {binding: className} SQLite Durable
 * Object namespaces.
 */
function capnp(port, disk, files, { vars = {}, objects = {}, compatibilityFlags = [] }) {
  const bindings = [
    ...Object.entries(vars).map(([name, text]) => `(name = "${name}", text = ${JSON.stringify(text)})`),
    ...Object.entries(objects).map(([name, cls]) => `(name = "${name}", durableObjectNamespace = "${cls}")`),
  ];
  const namespaces = Object.values(objects).map(
    (cls) => `(className = "${cls}", uniqueKey = "dovecote-bench-${cls}", enableSql = true)`,
  );
  const withObjects = namespaces.length
    ? `durableObjectNamespaces = [${namespaces.join(", ")}],
  durableObjectStorage = (localDisk = "disk"),`
    : "";
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .w),
    (name = "disk", disk = (path = "${disk}", writable = true)),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const w :Workerd.Worker = (
  modules = [
    ${files.map((f) => `(name = "${f}", ${f.endsWith(".wasm") ? "wasm" : "esModule"} = embed "${f}")`).join(",\n    ")}
  ],
  compatibilityDate = "2026-10-01",
  compatibilityFlags = [${compatibilityFlags.map((f) => JSON.stringify(f)).join(", ")}],
  bindings = [${bindings.join(", ")}],
  ${withObjects}
);
`;
}

/**
 * Serves build/<build> (worker-build's index.js and index_bg.wasm); resolves once
 * `ready(origin)` is true.
 * @param {string} build
 * @param {{vars?: Record<string,string>, objects?: Record<string,string>, ready: (origin: string) => Promise<boolean>}} options
 */
export const serve = (build, options) => serveFiles(join(ROOT, "build", build), ["index.js", "index_bg.wasm"], options);

/**
 * Serves the modules `files` of `dir` (the entry first; `.wasm` files as wasm modules, the rest
 * as ES modules) with `options.compatibilityFlags`; resolves once `ready(origin)` is true.
 */
export async function serveFiles(dir, files, options) {
  const port = await freePort();
  const tmp = mkdtempSync(join(tmpdir(), "dovecote-bench-"));
  const disk = join(tmp, "do");
  mkdirSync(disk);
  // capnp embeds files relative to the config, so the build is copied beside it.
  for (const f of files) copyFileSync(join(dir, f), join(tmp, f));
  const config = join(tmp, "config.capnp");
  writeFileSync(config, capnp(port, disk, files, options));
  const started = performance.now();
  const child = spawn(WORKERD, ["serve", config, "--experimental", ...(options.args ?? [])], { stdio: ["ignore", "pipe", "pipe"] });
  pin(child.pid, WORKER_CORE);
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const origin = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited: ${log}`);
    try {
      if (await options.ready(origin)) break;
    } catch { /* starting */ }
    await new Promise((ok) => setTimeout(ok, 5));
  }
  const coldStartMs = performance.now() - started;
  return {
    origin,
    url: `${origin}/mcp`,
    child,
    coldStartMs,
    log: () => log,
    stop: () => { child.kill("SIGTERM"); rmSync(tmp, { recursive: true, force: true }); },
  };
}
