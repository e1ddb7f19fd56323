// What the bench runs, as deployed: each Worker bundled by `wrangler deploy --dry-run --outdir`
// (the bytes `wrangler deploy` would upload), with wrangler's own upload size. Dovecote's
// deployed build goes through `scripts/deploy.sh --dry-run`, exactly as `make deploy` would
// bundle it. The peer's npm packages are installed into bench/peer/node_modules from its own
// lock when missing or stale.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../e2e/harness/worker.mjs";
import { NODE_MODULES } from "./miniflare.mjs";

const PEER = join(ROOT, "bench/peer");
const WRANGLER = join(NODE_MODULES, ".bin/wrangler");

/** wrangler's "Total Upload: X KiB / gzip: Y KiB" line, in KiB. */
function uploadSize(output) {
  const m = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
  if (!m) throw new Error(`no upload size in wrangler's output:\n${output}`);
  return { rawKiB: Number(m[1]), gzipKiB: Number(m[2]) };
}

function run(command, args, options = {}) {
  try {
    return execFileSync(command, args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20, ...options });
  } catch (e) {
    throw new Error(`${command} ${args.join(" ")} failed:\n${e.stdout}\n${e.stderr}`);
  }
}

/**
 * Bundles `script` (or the config's `main`) with `config` into `outdir`.
 * @returns {{dir: string, entry: string, rawKiB: number, gzipKiB: number}}
 */
export function dryRun({ script, config, outdir, env = [] }) {
  rmSync(join(ROOT, outdir), { recursive: true, force: true });
  // Absolute: wrangler writes the bundle relative to the config's folder otherwise.
  const output = run(WRANGLER, ["deploy", ...(script ? [script] : []), "--config", config, ...env, "--dry-run", "--outdir", join(ROOT, outdir)]);
  return { dir: join(ROOT, outdir), entry: "index.js", ...uploadSize(output) };
}

/** Dovecote's deployed build, bundled by `make deploy`'s own dry run (scripts/deploy.sh). */
export function deployedDovecote() {
  rmSync(join(ROOT, "build/dry-run-production"), { recursive: true, force: true });
  const output = run("bash", ["scripts/deploy.sh", "--dry-run"], { env: { ...process.env, ENV: "" } });
  return { dir: join(ROOT, "build/dry-run-production"), entry: "index.js", ...uploadSize(output) };
}

/** Installs the peer's locked packages into bench/peer/node_modules unless they are there. */
export function installPeer() {
  const sum = createHash("sha256").update(readFileSync(join(PEER, "package-lock.json"))).digest("hex");
  const stamp = join(PEER, "node_modules/.bench-lock");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === sum) return;
  console.error("bench: installing the peer's npm packages into bench/peer/node_modules");
  // Not `npm ci`: the registry here lacks other platforms' optional packages (see scripts/install.sh).
  run("npm", ["install", "--no-audit", "--no-fund", "--no-save", "--loglevel=error"], { cwd: PEER });
  writeFileSync(stamp, sum);
}

/**
 * Bundles the peer serving `tools` (Dovecote's descriptors, from its tools/list) into
 * build/bench-peer.
 */
export function bundlePeer(tools) {
  installPeer();
  const keep = ["name", "title", "description", "inputSchema", "outputSchema", "annotations"];
  const descriptors = tools.map((t) => Object.fromEntries(keep.filter((k) => k in t).map((k) => [k, t[k]])));
  writeFileSync(join(PEER, "src/tools.generated.json"), JSON.stringify(descriptors, null, 1));
  return dryRun({ config: "bench/peer/wrangler.toml", outdir: "build/bench-peer" });
}
