// tools.toml drives what a build serves: a copy with calculate disabled, get_user_info retitled
// and re-rated, and search_knowledge_base re-described is built (DOVECOTE_TOOLS_MANIFEST) into
// build/manifest-changed, and tools/list, tools/call and the rate limit follow it. The default
// build keeps serving the checked-in manifest. The rebuild takes about a minute. Each Worker
// has its own sign-in (tokens are only good where they were issued).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT, startWorker, REMOTE, localOnly } from "./harness/worker.mjs";
import { signIn } from "./harness/signin.mjs";
import { withToken } from "./harness/mcp.mjs";
import { defaultTools } from "./harness/manifest.mjs";

/** These tests configure their own Worker: skipped in remote mode (TEST_BASE_URL). */
const LOCAL = localOnly("a build from an edited tools.toml");

const run = promisify(execFile);
const BUILD = "manifest-changed";
const NEW_TITLE = "Identity check";
const NEW_DESCRIPTION = "Finds documents in your knowledge base (description from the e2e manifest).";
const DEFAULT_TOOLS = defaultTools();

let dir;
let changed;
let original;
/** `modern` with the access token of the Worker at `url`. */
const tokens = new Map();
const modern = (url, ...rest) => tokens.get(new URL(url).origin).modern(url, ...rest);

/** Replaces `from` with `to` in `text`, failing if `from` is not there. */
function edit(text, from, to) {
  assert.ok(text.includes(from), `tools.toml no longer contains ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** Every page of tools/list. */
async function listAll(url) {
  const tools = [];
  let cursor;
  do {
    const r = await modern(url, "tools/list", cursor ? { cursor } : {});
    assert.equal(r.status, 200, r.text);
    tools.push(...r.json.result.tools);
    cursor = r.json.result.nextCursor;
  } while (cursor);
  return tools;
}

before(async () => {
  if (REMOTE) return;
  dir = mkdtempSync(join(tmpdir(), "dovecote-manifest-"));
  let manifest = readFileSync(join(ROOT, "tools.toml"), "utf8");
  manifest = edit(manifest, "[tools.calculate]\n", "[tools.calculate]\nenabled = false\n");
  manifest = edit(
    manifest,
    '[tools.get_user_info]\nscope = "dovecote:read"\nrate = "60/minute"\n',
    `[tools.get_user_info]\nscope = "dovecote:read"\nrate = "2/minute"\ntitle = "${NEW_TITLE}"\n`,
  );
  manifest = edit(
    manifest,
    "[tools.search_knowledge_base]\n",
    `[tools.search_knowledge_base]\ndescription = "${NEW_DESCRIPTION}"\n`,
  );
  const path = join(dir, "tools.toml");
  writeFileSync(path, manifest);
  try {
    await run("bash", [join(ROOT, "scripts/build.sh"), BUILD], {
      cwd: ROOT,
      env: { ...process.env, DOVECOTE_TOOLS_MANIFEST: path },
      timeout: 290_000,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    throw new Error(`scripts/build.sh ${BUILD} failed:\n${e.stdout}\n${e.stderr}`);
  }
  [changed, original] = await Promise.all([
    startWorker({ build: BUILD, vars: { MCP_TOOLS_PAGE_SIZE: "1" } }),
    startWorker({ build: "default", vars: { MCP_TOOLS_PAGE_SIZE: "1" } }),
  ]);
  for (const worker of [changed, original]) {
    tokens.set(worker.origin, withToken((await signIn(worker.origin)).access_token));
  }
}, { timeout: 300_000 });

after(async () => {
  await Promise.all([changed?.stop(), original?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a build from an edited tools.toml", LOCAL, () => {
  test("tools/list drops the disabled tool and shows the new title and description", async () => {
    const tools = await listAll(changed.url);
    assert.deepEqual(tools.map((t) => t.name), DEFAULT_TOOLS.filter((n) => n !== "calculate"));
    const who = tools.find((t) => t.name === "get_user_info");
    assert.equal(who.title, NEW_TITLE);
    assert.equal(who.annotations.title, NEW_TITLE, "the annotation title follows the manifest too");
    const search = tools.find((t) => t.name === "search_knowledge_base");
    assert.equal(search.description, NEW_DESCRIPTION);
    assert.equal(search.title, "Search knowledge base", "an unset title keeps the one in code");
  });

  test("calling the disabled tool is an unknown-tool error", async () => {
    const r = await modern(changed.url, "tools/call", { name: "calculate", arguments: { operation: "power", a: 7, b: 8 } });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, -32602);
    assert.match(r.json.error.message, /Unknown tool: calculate/);
  });

  test("the manifest's rate applies: get_user_info at 2/minute", async () => {
    const calls = [];
    for (let i = 0; i < 3; i++) {
      const r = await modern(changed.url, "tools/call", { name: "get_user_info", arguments: {} });
      calls.push(r.json.result);
    }
    assert.notEqual(calls[0].isError, true);
    assert.notEqual(calls[1].isError, true);
    assert.equal(calls[2].isError, true, JSON.stringify(calls[2]));
    assert.match(calls[2].content[0].text, /2 calls per minute/);
  });

  test("a cursor from another build is refused", async () => {
    const first = await modern(original.url, "tools/list", {});
    const cursor = first.json.result.nextCursor;
    assert.ok(cursor, "the default build has a second page");
    const own = await modern(changed.url, "tools/list", {});
    assert.ok(own.json.result.nextCursor);
    assert.notEqual(own.json.result.nextCursor, cursor, "cursors name the build's tool set");
    const r = await modern(changed.url, "tools/list", { cursor });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, -32602);
  });
});

describe("the default build", LOCAL, () => {
  test("still serves the checked-in tools.toml", async () => {
    const tools = await listAll(original.url);
    assert.deepEqual(tools.map((t) => t.name), DEFAULT_TOOLS);
    assert.equal(tools.find((t) => t.name === "get_user_info").title, "Who am I");
    const r = await modern(original.url, "tools/call", { name: "calculate", arguments: { operation: "power", a: 7, b: 8 } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.result.structuredContent.result, 5764801);
  });
});
