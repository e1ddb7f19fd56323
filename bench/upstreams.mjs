// The bench's upstream line: what forwarding a tool call to an upstream MCP server costs
// Dovecote, with the upstream's own time shown apart. A 2026-07-28 upstream built with the
// official SDK (e2e/harness/services/mcp_upstream.mjs) runs in this process on a fixed port;
// build/bench-upstreams is the measured build (every rate raised, bench/manifest.sh) with that
// upstream imported (locked by scripts/upstreams.mjs), bundled by wrangler's dry run and served
// by the same Miniflare as the rest of the bench. Measured: the call straight to the upstream,
// the same call forwarded by Dovecote (`bench_add`), and the time the upstream spent per call.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../e2e/harness/worker.mjs";
import { startUpstream } from "../e2e/harness/services/mcp_upstream.mjs";
import { writeLock } from "../scripts/upstreams.mjs";
import { dovecoteToken } from "./auth.mjs";
import { dryRun } from "./bundles.mjs";
import { mcp, startDovecote } from "./gateways.mjs";
import { SECONDS, timed } from "./load.mjs";

/** A fixed port, so the manifest, the lock and the build stay the same between runs. */
const PORT = Number(process.env.BENCH_UPSTREAM_PORT ?? 47_801);
const TOKEN = "bench-upstream-token-0123456789";
const ARGS = { a: 7, b: 8 };

/** The measured manifest with the upstream imported, and its lock; then the build. */
async function build(upstreamUrl) {
  const dir = join(ROOT, "build/bench-manifests");
  mkdirSync(dir, { recursive: true });
  const manifest = join(dir, "upstreams", "tools.toml");
  mkdirSync(join(dir, "upstreams"), { recursive: true });
  execFileSync("bash", [join(ROOT, "bench/manifest.sh"), join(ROOT, "tools.toml"), manifest]);
  const text = readFileSync(manifest, "utf8") + `
[scopes."bench:upstream"]
description = "Call the bench's upstream MCP server"
grant = "members"

[upstreams.bench]
url = "${upstreamUrl}"
bearer_secret = "BENCH_UPSTREAM_TOKEN"
tools = ["add"]
prefix = "bench_"
scope = "bench:upstream"
rate = "1000/second"
allow_any_host = true
`;
  if (readFileSync(manifest, "utf8") !== text) writeFileSync(manifest, text);
  process.env.BENCH_UPSTREAM_TOKEN = TOKEN;
  await writeLock(manifest);
  execFileSync("bash", [join(ROOT, "scripts/build.sh"), "bench-upstreams", "--opt"], {
    cwd: ROOT,
    env: { ...process.env, DOVECOTE_TOOLS_MANIFEST: manifest },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return dryRun({ script: "build/bench-upstreams/index.js", config: "wrangler.toml", env: ["--env", ""], outdir: "build/bench-upstreams/dry-run" });
}

/** Checks a tools/call answer of 7 + 8. */
const summed = (b) => (b.includes('"sum":15') ? undefined : "not the sum of 7 and 8");

/** The line: runs, prints and returns it. */
export async function upstreamLine() {
  console.error("bench: upstream MCP server (build/bench-upstreams)");
  const upstream = await startUpstream({ generation: "2026-07-28", token: TOKEN, port: PORT });
  let dovecote;
  try {
    const bundle = await build(upstream.url);
    dovecote = await startDovecote(bundle, { BENCH_UPSTREAM_TOKEN: TOKEN });
    // A sign-in without `scope` is granted every declared scope, bench:upstream among them.
    const token = await dovecoteToken(dovecote.origin);
    const direct = mcp("tools/call", { name: "add", arguments: ARGS }, TOKEN);
    // Warm both paths, then measure: straight to the upstream, then through Dovecote.
    await timed(process.pid, upstream.url, direct, 0.3, { check: summed });
    const alone = await timed(process.pid, upstream.url, direct, SECONDS, { check: summed });
    const forward = mcp("tools/call", { name: "bench_add", arguments: ARGS }, token);
    await timed(dovecote.child.pid, dovecote.url, forward, 0.3, { check: summed });
    upstream.state.busy = { ms: 0, calls: 0 };
    const through = await timed(dovecote.child.pid, dovecote.url, forward, SECONDS, { check: summed });
    const upstreamMs = upstream.state.busy.calls ? upstream.state.busy.ms / upstream.state.busy.calls : 0;
    const own = through.p50 - alone.p50;
    console.log(`upstream tools/call  through Dovecote p50 ${through.p50.toFixed(2)} ms  p99 ${through.p99.toFixed(2)} ms  ${through.cpuMs.toFixed(3)} ms Worker CPU/call; the upstream alone p50 ${alone.p50.toFixed(2)} ms (of which ${upstreamMs.toFixed(2)} ms inside the upstream); Dovecote's own ${own.toFixed(2)} ms per forwarded call (p50 through minus p50 alone: sign-in check, scope, rate limit, audit, the outbound request)`);
    return { through, alone, upstreamMs, ownMs: own };
  } finally {
    await dovecote?.stop();
    await upstream.stop();
  }
}
