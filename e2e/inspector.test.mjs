// The MCP Inspector CLI (@modelcontextprotocol/inspector) against the built Worker: a third,
// independent client lists the tools and calls one, parsed from its JSON output. It sends the
// access token of a sign-in with --header; without one, the 401 sends it to sign in.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT, startWorker } from "./harness/worker.mjs";
import { signIn } from "./harness/signin.mjs";

const run = promisify(execFile);
const INSPECTOR = join(ROOT, "node_modules/.bin/mcp-inspector");

let worker;
let home;
let token;

/**
 * Runs the Inspector CLI against the worker and returns its parsed JSON stdout. The CLI exits
 * with `exitCode` (0 on success; it exits 5 when a tool returns isError) and says why on stderr.
 */
async function inspector(args, { exitCode = 0, authorized = true } = {}) {
  const auth = authorized ? ["--header", `Authorization: Bearer ${token.access_token}`] : [];
  let stdout, stderr, code;
  try {
    ({ stdout, stderr } = await run(INSPECTOR, ["--cli", worker.url, ...auth, ...args], {
      cwd: home,
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
      // Keep the CLI's catalog and storage out of the real home folder.
      env: { ...process.env, HOME: home, MCP_CATALOG_PATH: join(home, "mcp.json") },
    }));
    code = 0;
  } catch (e) {
    if (typeof e.code !== "number") throw e;
    ({ stdout, stderr, code } = e);
  }
  assert.equal(code, exitCode, `the Inspector exited ${code}:\nstdout: ${stdout}\nstderr: ${stderr}`);
  if (!stdout.trim()) return { stderr };
  try {
    return { ...JSON.parse(stdout), stderr };
  } catch {
    assert.fail(`the Inspector printed no JSON:\nstdout: ${stdout}\nstderr: ${stderr}`);
  }
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), "dovecote-inspector-"));
  worker = await startWorker();
  token = await signIn(worker.origin);
});

after(async () => {
  await worker?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

test("tools/list contains calculate with its schema", async () => {
  const out = await inspector(["--method", "tools/list"]);
  const names = out.tools.map((t) => t.name);
  assert.ok(names.includes("calculate"), names.join(", "));
  assert.deepEqual(names, [
    "get_user_info", "calculate", "search_knowledge_base", "create_document",
    "get_pending_status", "list_pending_events", "get_event", "get_webhook_events", "mark_processed",
  ]);
  const calc = out.tools.find((t) => t.name === "calculate");
  assert.equal(calc.inputSchema.type, "object");
  assert.ok(calc.inputSchema.properties.operation);
});

test("tools/call calculate power 7 8 prints 5764801", async () => {
  const out = await inspector([
    "--method", "tools/call",
    "--tool-name", "calculate",
    "--tool-arg", "operation=power",
    "--tool-arg", "a=7",
    "--tool-arg", "b=8",
  ]);
  assert.notEqual(out.isError, true, JSON.stringify(out));
  assert.equal(out.structuredContent.result, 5764801);
  assert.match(out.content[0].text, /5764801/);
});

test("tools/call divide by zero prints an isError result", async () => {
  const out = await inspector(
    [
      "--method", "tools/call",
      "--tool-name", "calculate",
      "--tool-arg", "operation=divide",
      "--tool-arg", "a=1",
      "--tool-arg", "b=0",
    ],
    { exitCode: 5 },
  );
  assert.equal(out.isError, true, JSON.stringify(out));
  assert.match(out.content[0].text, /zero/i);
  assert.match(out.stderr, /tool_is_error/);
});

test("tools/call of an unknown tool fails with tool_not_found", async () => {
  const out = await inspector(["--method", "tools/call", "--tool-name", "no_such_tool"], { exitCode: 5 });
  assert.match(out.stderr, /tool_not_found/);
});

test("without the token the Inspector finds that OAuth is required", async () => {
  // The 401 challenge leads it to the sign-in, which a non-interactive run cannot do: exit 3.
  const out = await inspector(["--method", "tools/list"], { exitCode: 3, authorized: false });
  assert.equal(JSON.parse(out.stderr).error.code, "auth_required", out.stderr);
});
