// The first hour, as a newcomer lives it: from a clean copy of the checkout (no .dev.vars,
// no .wrangler state; installed tools and compiled caches stay), run the commands of the
// blocks the docs mark `<!-- newcomer: setup|serve|deliver -->`, in the order of README.md,
// docs/webhooks.md, docs/connect.md (setup blocks, then serve blocks in the background until
// the gateway answers); install the bridge from the npm tarballs; sign in through Chromium as
// the bridge asks; run the deliver blocks (a signed delivery) and see the event arrive as a
// channel notification through the bridge. Prints the time from the clean state to it.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chromium } from "playwright-core";
import { ROOT, freePort, localOnly } from "./harness/worker.mjs";
import { BRIDGE, startBridge } from "./harness/bridge.mjs";

const PAGES = ["README.md", "docs/webhooks.md", "docs/connect.md"];
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

/** The marked blocks of `pages`, in order: [{kind, page, code}]. */
export function newcomerBlocks(root, pages = PAGES) {
  const blocks = [];
  for (const page of pages) {
    const text = readFileSync(join(root, page), "utf8");
    for (const m of text.matchAll(/<!-- newcomer: (\w+) -->\n```(?:sh|bash)\n([\s\S]*?)\n```/g)) blocks.push({ kind: m[1], page, code: m[2] });
  }
  return blocks;
}

const scratch = mkdtempSync(join(tmpdir(), "dovecote-newcomer-"));
const cleanup = [];
after(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
});

test("the marked blocks are there and in an order that can work", () => {
  const kinds = newcomerBlocks(ROOT).map((b) => b.kind);
  assert.deepEqual([...new Set(kinds)], ["setup", "serve", "deliver"], kinds.join());
});

test("a newcomer gets from a clean checkout to a GitHub event in Claude through the npm bridge", localOnly("a local make dev"), async () => {
  const started = Date.now();
  // A clean copy: the tracked files (with their times, so make reuses the build cache), the
  // installed tools, the compiled caches; no .dev.vars, no .wrangler.
  const copy = join(scratch, "checkout");
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const f of files) {
    if (f === ".dev.vars" || !existsSync(join(ROOT, f))) continue;
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    cpSync(join(ROOT, f), join(copy, f), { preserveTimestamps: true, verbatimSymlinks: true });
  }
  for (const cached of [".tools", "node_modules", "target"]) symlinkSync(realpathSync(join(ROOT, cached)), join(copy, cached));
  if (existsSync(join(ROOT, "build/default"))) cpSync(join(ROOT, "build/default"), join(copy, "build/default"), { recursive: true, preserveTimestamps: true });
  assert.ok(!existsSync(join(copy, ".dev.vars")) && !existsSync(join(copy, ".wrangler")));

  const port = await freePort();
  const env = { ...process.env, PORT: String(port) };
  const local = (code) => code.replaceAll("127.0.0.1:8787", `127.0.0.1:${port}`);
  const blocks = newcomerBlocks(copy);
  for (const b of blocks.filter((b) => b.kind === "setup")) {
    const r = spawnSync("bash", ["-euo", "pipefail", "-c", local(b.code)], { cwd: copy, env, encoding: "utf8" });
    assert.equal(r.status, 0, `${b.page}:\n${b.code}\n${r.stdout}${r.stderr}`);
  }
  let served = "";
  for (const b of blocks.filter((b) => b.kind === "serve")) {
    const server = spawn("bash", ["-euo", "pipefail", "-c", `exec ${local(b.code)}`], { cwd: copy, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    server.stdout.on("data", (d) => (served += d));
    server.stderr.on("data", (d) => (served += d));
    cleanup.push(async () => {
      try {
        process.kill(-server.pid, "SIGTERM");
      } catch {}
    });
  }
  const origin = `http://127.0.0.1:${port}`;
  const until = Date.now() + 900_000;
  for (;;) {
    if (await fetch(`${origin}/`).then((r) => r.ok, () => false)) break;
    if (Date.now() > until) assert.fail(`make dev never answered:\n${served}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.match(served, /npx -y dovecote-bridge/, "make dev says how to connect the bridge");
  assert.match(served, /cloudflared tunnel --url/, "and how to reach it from GitHub");
  assert.match(served, /WEBHOOK_DEFAULT_TENANT.*set to my-org/s);
  assert.match(readFileSync(join(copy, ".dev.vars"), "utf8"), /^GITHUB_WEBHOOK_SECRET=[0-9a-f]{64}$/m);

  // The bridge from the npm tarballs, installed offline into an empty prefix.
  const packages = join(scratch, "packages");
  const binary = join(scratch, "dovecote-bridge");
  if (spawnSync("strip", ["-o", binary, BRIDGE]).status !== 0) cpSync(BRIDGE, binary);
  execFileSync(join(copy, "scripts/npm-pack.sh"), [packages, `linux-x64=${binary}`], { stdio: ["ignore", "ignore", "inherit"] });
  const prefix = join(scratch, "prefix");
  mkdirSync(prefix);
  writeFileSync(join(prefix, "package.json"), "{}");
  const tarballs = readdirSync(packages).map((t) => join(packages, t));
  const install = spawnSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--prefix", prefix, ...tarballs], {
    encoding: "utf8",
    env: { ...process.env, npm_config_cache: join(scratch, "cache"), npm_config_registry: "http://127.0.0.1:9/" },
  });
  assert.equal(install.status, 0, install.stderr);

  // Claude Code starts it as the docs say; the newcomer signs in in the browser it opens.
  const bridge = await startBridge({ DOVECOTE_URL: `${origin}/mcp`, DOVECOTE_CONFIG_DIR: join(scratch, "config") }, { command: join(prefix, "node_modules/.bin/dovecote-bridge") });
  cleanup.push(() => bridge.close());
  const url = await bridge.waitFor(() => /https?:\/\/\S+\/authorize\?\S+/.exec(bridge.stderr())?.[0], 30_000, "the sign-in URL");
  const password = /^OAUTH_PASSWORD=(.*)$/m.exec(readFileSync(join(copy, ".dev.vars"), "utf8"))[1];
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
  cleanup.push(() => browser.close());
  const page = await browser.newPage();
  await page.goto(url);
  await page.fill("#password", password);
  await page.getByRole("button", { name: "Approve" }).click();
  await page.waitForURL((u) => u.pathname === "/callback", { timeout: 30_000 });
  await bridge.waitFor(() => bridge.notifications.find((n) => n.method === "notifications/tools/list_changed"), 30_000, "the sign-in to finish");

  // The first start follows only new events: wait until the stream is open, then deliver.
  const channel = () => bridge.notifications.filter((n) => n.method === "notifications/claude/channel");
  await new Promise((r) => setTimeout(r, 3000));
  for (const b of blocks.filter((b) => b.kind === "deliver")) {
    const r = spawnSync("bash", ["-euo", "pipefail", "-c", local(b.code)], { cwd: copy, env, encoding: "utf8" });
    assert.equal(r.status, 0, `${b.page}:\n${b.code}\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /"id"|accepted|stored/i, r.stdout);
  }
  const got = await bridge.waitFor(() => channel()[0], 60_000, "the channel notification");
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  assert.equal(got.params.content, "GitHub issues opened in my-org/app: #1 Hello from a webhook by octocat");
  console.log(`# newcomer: clean state to the first relayed event in ${seconds} s`);
});
