// Starts a built Worker under `wrangler dev` (workerd, local KV and SQLite Durable Objects) on
// 127.0.0.1 with a fresh state folder and its own variables, for one test file.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");

/**
 * Remote mode: the origin of a deployed gateway (`TEST_BASE_URL`, with or without `/mcp`) that
 * the suite runs against instead of a local Worker; null when testing locally. Its sign-in
 * password comes from `TEST_PASSWORD`.
 */
export const REMOTE = process.env.TEST_BASE_URL
  ? new URL(process.env.TEST_BASE_URL.replace(/\/mcp\/?$/, "")).origin
  : null;

/**
 * Test options for a test or suite that needs `what`, which only a local Worker can be given
 * (variables, another build, a stand-in): skipped in remote mode, run locally.
 */
export function localOnly(what) {
  return REMOTE ? { skip: `needs a local Worker: ${what}` } : {};
}

/**
 * The wrangler.toml a build runs with: its own when it has one (an earlier release, whose
 * classes and bindings may be fewer than today's), else the checkout's.
 */
function configOf(buildDir) {
  const own = join(buildDir, "wrangler.toml");
  return existsSync(own) ? own : join(ROOT, "wrangler.toml");
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/**
 * Serves build/<build> and resolves once it answers. `restart()` stops the runtime and starts
 * it again with the same state (KV, Durable Objects, pending alarms) and variables;
 * `restart({NAME: "value", OTHER: null})` changes variables as it does.
 * In remote mode (TEST_BASE_URL), returns that gateway instead, with a `stop` that does nothing.
 * @param {{build?: string, vars?: Record<string,string>, port?: number, logLevel?: string, state?: string}} options
 *   `build`: a folder under build/, or an absolute path to one.
 *   `port`: listen there (to replace a stopped Worker at the same address) instead of a free one.
 *   `state`: keep KV and Durable Objects in this folder (another Worker, e.g. another build,
 *   may have written them; `stop` leaves it) instead of a fresh one.
 *   `logLevel` "log" keeps the Worker's own console lines in `output()`.
 */
export async function startWorker({ build = "default", vars = {}, port: fixedPort, logLevel = "warn", state: keptState } = {}) {
  if (REMOTE) {
    // A remote gateway has its own configuration: a test that sets any is marked localOnly.
    if (build !== "default" || Object.keys(vars).length || fixedPort) {
      throw new Error(`remote mode (TEST_BASE_URL) cannot give the Worker build ${build} or ${Object.keys(vars).join(", ")}: mark the test localOnly(…)`);
    }
    return { origin: REMOTE, url: `${REMOTE}/mcp`, port: Number(new URL(REMOTE).port) || null, stop: async () => {}, output: () => "", remote: true };
  }
  const script = join(resolve(ROOT, "build", build), "index.js");
  if (!existsSync(script)) throw new Error(`${script} is missing: run make test (it builds first)`);
  const port = fixedPort ?? (await freePort());
  const inspectorPort = await freePort();
  const state = keptState ?? mkdtempSync(join(tmpdir(), "dovecote-e2e-"));
  const envFile = join(mkdtempSync(join(tmpdir(), "dovecote-env-")), "test.env");
  const allVars = {
    DOVECOTE_ENV: "development",
    DOVECOTE_SIGNING_KEY: randomBytes(32).toString("base64"),
    DOVECOTE_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    OAUTH_PASSWORD: "dovecote-e2e-password",
    // Every client of a test registers from 127.0.0.1: the production default (10/hour) would
    // refuse a file's later tests. e2e/bounded.test.mjs sets its own to test the limit.
    REGISTER_RATE_PER_ADDRESS: "1000/minute",
    ...vars,
  };
  writeFileSync(envFile, Object.entries(allVars).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
  const args = [
    "dev", script, "--config", configOf(resolve(ROOT, "build", build)),
    "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort),
    "--persist-to", join(state, "state"), "--env-file", envFile,
    "--show-interactive-dev-session=false", "--log-level", logLevel,
  ];
  const origin = `http://127.0.0.1:${port}`;
  let child;
  let output = "";
  /** Spawns wrangler on the state folder and waits until the Worker answers. */
  const launch = async () => {
    child = spawn(join(ROOT, "node_modules/.bin/wrangler"), args, {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    });
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const deadline = Date.now() + 60_000;
    while (true) {
      if (child.exitCode !== null) throw new Error(`wrangler exited (${child.exitCode}):\n${output}`);
      try {
        const r = await fetch(origin + "/");
        if (r.status === 200) return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`the Worker did not answer within 60 s:\n${output}`);
      await new Promise((ok) => setTimeout(ok, 200));
    }
  };
  /** Ends wrangler and its workerd, keeping the state folder. */
  const halt = async () => {
    if (child.exitCode === null) {
      try { process.kill(-child.pid, "SIGTERM"); } catch { /* already gone */ }
      await new Promise((ok) => { child.once("exit", ok); setTimeout(ok, 5000); });
    }
  };
  const stop = async () => {
    await halt();
    rmSync(dirname(envFile), { recursive: true, force: true });
    if (!keptState) rmSync(state, { recursive: true, force: true });
  };
  /**
   * Stops the runtime and starts it again on the same port and state, with the same variables
   * or, given `changed`, those changed (a `null` value unsets one): a configuration change.
   */
  const restart = async (changed) => {
    await halt();
    if (changed) {
      for (const [k, v] of Object.entries(changed)) {
        if (v === null) delete allVars[k];
        else allVars[k] = v;
      }
      writeFileSync(envFile, Object.entries(allVars).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
    }
    try { await launch(); } catch (e) { await stop(); throw e; }
  };
  try { await launch(); } catch (e) { await stop(); throw e; }
  return { origin, url: `${origin}/mcp`, port, stop, restart, output: () => output };
}
