// Runs the official MCP conformance suite against the conformance build (fixture tools, no
// auth) in workerd, for both protocol generations. Exits non-zero on any unexpected failure or
// any stale entry in the expected-failures files.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { startWorker, ROOT } from "../harness/worker.mjs";

const REQUIREMENTS = ["2026-07-28", "2025-11-25"];

function run(cmd, args) {
  return new Promise((ok) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: "inherit" });
    child.on("exit", (code) => ok(code ?? 1));
  });
}

const worker = await startWorker({ build: "conformance" });
let failed = [];
try {
  // The DNS-rebinding scenario needs a localhost URL.
  const url = `http://localhost:${worker.port}/mcp`;
  for (const requirements of REQUIREMENTS) {
    console.log(`\n=== MCP conformance, --requirements ${requirements} ===`);
    const code = await run(join(ROOT, "node_modules/.bin/conformance"), [
      "server", "--url", url, "--requirements", requirements,
      "--expected-failures", join(ROOT, "e2e/conformance", `expected-failures-${requirements}.yml`),
    ]);
    if (code !== 0) failed.push(requirements);
  }
} finally {
  await worker.stop();
}
if (failed.length) {
  console.error(`\nconformance: unexpected results for ${failed.join(", ")}`);
  process.exit(1);
}
console.log("\nconformance: every scenario passed or is an expected failure listed with its reason");
