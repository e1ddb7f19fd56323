// Runs a command of the checkout for tests of the scripts and make targets: its exit status
// and what it printed, never throwing.
import { spawn } from "node:child_process";
import { ROOT } from "./worker.mjs";

/**
 * Runs `command` with `args` in `cwd` (the checkout), `env` added to the environment and
 * `input` on stdin. Without NODE_TEST_CONTEXT, so a nested `node --test` reports as if run
 * from a shell. Resolves {status, stdout, stderr}.
 * @param {string} command
 * @param {string[]} args
 * @param {{env?: Record<string,string>, cwd?: string, input?: string}} options
 */
export function run(command, args, { env = {}, cwd = ROOT, input } = {}) {
  const { NODE_TEST_CONTEXT: _, ...inherited } = process.env;
  return new Promise((ok) => {
    const child = spawn(command, args, { cwd, env: { ...inherited, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (status) => ok({ status, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}
