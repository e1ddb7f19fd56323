// Starts a built Worker under `wrangler dev` (workerd, local KV and SQLite Durable Objects) on
// 127.0.0.1 with a fresh state folder and its own variables, for one test file.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");

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
 * Serves build/<build> and resolves once it answers.
 * @param {{build?: string, vars?: Record<string,string>}} options
 */
export async function startWorker({ build = "default", vars = {} } = {}) {
  const script = join(ROOT, "build", build, "index.js");
  if (!existsSync(script)) throw new Error(`${script} is missing: run make test (it builds first)`);
  const port = await freePort();
  const inspectorPort = await freePort();
  const state = mkdtempSync(join(tmpdir(), "dovecote-e2e-"));
  const envFile = join(state, "test.env");
  const allVars = {
    DOVECOTE_ENV: "development",
    DOVECOTE_SIGNING_KEY: randomBytes(32).toString("base64"),
    DOVECOTE_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    OAUTH_PASSWORD: "dovecote-e2e-password",
    ...vars,
  };
  writeFileSync(envFile, Object.entries(allVars).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
  const args = [
    "dev", script, "--config", join(ROOT, "wrangler.toml"),
    "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort),
    "--persist-to", join(state, "state"), "--env-file", envFile,
    "--show-interactive-dev-session=false", "--log-level", "warn",
  ];
  const origin = `http://127.0.0.1:${port}`;
  let child;
  let output = "";
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
      if (child.exitCode !== null) {
        rmSync(state, { recursive: true, force: true });
        throw new Error(`wrangler exited (${child.exitCode}):\n${output}`);
      }
      try {
        const r = await fetch(origin + "/");
        if (r.status === 200) return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) { await stop(); throw new Error(`the Worker did not answer within 60 s:\n${output}`); }
      await new Promise((ok) => setTimeout(ok, 200));
    }
  };
  const halt = async () => {
    if (child.exitCode === null) {
      try { process.kill(-child.pid, "SIGTERM"); } catch { /* already gone */ }
      await new Promise((ok) => { child.once("exit", ok); setTimeout(ok, 5000); });
    }
  };
  const stop = async () => {
    await halt();
    rmSync(state, { recursive: true, force: true });
  };
  /** Stops wrangler and starts it again on the same port and state (Durable Objects persist). */
  const restart = async () => {
    await halt();
    await launch();
  };
  await launch();
  return { origin, url: `${origin}/mcp`, port, stop, restart, output: () => output };
}
