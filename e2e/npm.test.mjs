// The bridge as npm delivers it: scripts/release-version.mjs turns a tag into the version of
// every package and the dist-tag; scripts/npm-pack.sh packs the wrapper and the Linux x64
// package (with the bridge built here) into tarballs, which install into an empty prefix
// without the network; the installed `dovecote-bridge` answers --version and lists the
// gateway's tools over stdio.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { ROOT, startWorker } from "./harness/worker.mjs";
import { signIn } from "./harness/signin.mjs";
import { BRIDGE, startBridge } from "./harness/bridge.mjs";
import { fromTag, writeVersion } from "../scripts/release-version.mjs";

const scratch = mkdtempSync(join(tmpdir(), "dovecote-npm-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("a tag sets one version everywhere and picks the dist-tag", () => {
  assert.deepEqual(fromTag("v1.2.3"), { version: "1.2.3", distTag: "latest" });
  assert.deepEqual(fromTag("v1.2.3-rc.1"), { version: "1.2.3-rc.1", distTag: "next" });
  for (const bad of ["1.2.3", "v1.2", "v1.2.3-", "release-1", "v1.2.3+build"]) assert.throws(() => fromTag(bad), /v1\.2\.3/, bad);

  // --write on a copy of the tree: the crate, its lock entry and every package.json.
  const root = join(scratch, "tree");
  for (const p of ["bridge/Cargo.toml", "Cargo.lock", "npm"]) cpSync(join(ROOT, p), join(root, p), { recursive: true });
  const out = spawnSync(process.execPath, [join(ROOT, "scripts/release-version.mjs"), "v1.2.3-rc.1", "--write", root], { encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  assert.deepEqual(JSON.parse(out.stdout), { version: "1.2.3-rc.1", distTag: "next" });
  assert.match(readFileSync(join(root, "bridge/Cargo.toml"), "utf8"), /^version = "1\.2\.3-rc\.1"$/m);
  assert.match(readFileSync(join(root, "Cargo.lock"), "utf8"), /name = "dovecote-bridge"\nversion = "1\.2\.3-rc\.1"/);
  const wrapper = JSON.parse(readFileSync(join(root, "npm/dovecote-bridge/package.json"), "utf8"));
  assert.equal(wrapper.version, "1.2.3-rc.1");
  const platforms = readdirSync(join(root, "npm/platforms")).sort();
  assert.deepEqual(platforms, ["darwin-arm64", "darwin-x64", "linux-arm64", "linux-x64", "win32-x64"]);
  assert.deepEqual(Object.keys(wrapper.optionalDependencies).sort(), platforms.map((p) => `dovecote-bridge-${p}`));
  assert.ok(Object.values(wrapper.optionalDependencies).every((v) => v === "1.2.3-rc.1"));
  for (const p of platforms) {
    const pkg = JSON.parse(readFileSync(join(root, "npm/platforms", p, "package.json"), "utf8"));
    const [os, cpu] = p.split("-");
    assert.equal(pkg.version, "1.2.3-rc.1", p);
    assert.deepEqual([pkg.name, pkg.os, pkg.cpu], [`dovecote-bridge-${p}`, [os], [cpu]]);
  }
  writeVersion(root, "1.2.3");
  assert.match(readFileSync(join(root, "bridge/Cargo.toml"), "utf8"), /^version = "1\.2\.3"$/m);
  const bad = spawnSync(process.execPath, [join(ROOT, "scripts/release-version.mjs"), "main"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /not a release tag/);
});

test("the npm tarballs install offline into an empty prefix, and the installed bridge runs", { skip: process.platform !== "linux" || process.arch !== "x64" ? "the test packs the linux-x64 package" : false }, async () => {
  const packages = join(scratch, "packages");
  // The debug build carries ~100 MB of debug info; a stripped copy packs in seconds, as the
  // release build (already stripped) does.
  const binary = join(scratch, "dovecote-bridge");
  if (spawnSync("strip", ["-o", binary, BRIDGE]).status !== 0) cpSync(BRIDGE, binary);
  execFileSync(join(ROOT, "scripts/npm-pack.sh"), [packages, `linux-x64=${binary}`], { stdio: ["ignore", "ignore", "inherit"] });
  const version = JSON.parse(readFileSync(join(ROOT, "npm/dovecote-bridge/package.json"), "utf8")).version;
  const tarballs = readdirSync(packages).sort();
  assert.deepEqual(tarballs, [`dovecote-bridge-${version}.tgz`, `dovecote-bridge-linux-x64-${version}.tgz`]);
  for (const t of tarballs) console.log(`# ${t}: ${statSync(join(packages, t)).size} bytes packed`);

  // An empty prefix, an empty cache, and a registry that does not exist: nothing comes from the network.
  const prefix = join(scratch, "prefix");
  mkdirSync(prefix);
  writeFileSync(join(prefix, "package.json"), "{}");
  const install = spawnSync(
    "npm",
    ["install", "--offline", "--no-audit", "--no-fund", "--prefix", prefix, ...tarballs.map((t) => join(packages, t))],
    { encoding: "utf8", env: { ...process.env, npm_config_cache: join(scratch, "cache"), npm_config_registry: "http://127.0.0.1:9/" } },
  );
  assert.equal(install.status, 0, install.stderr);
  const bin = join(prefix, "node_modules/.bin/dovecote-bridge");
  const v = spawnSync(bin, ["--version"], { encoding: "utf8" });
  assert.equal(v.status, 0, v.stderr);
  const crate = /^version = "([^"]+)"/m.exec(readFileSync(join(ROOT, "bridge/Cargo.toml"), "utf8"))[1];
  assert.equal(v.stdout, `dovecote-bridge ${crate}\n`);
  const help = spawnSync(bin, ["--help"], { encoding: "utf8" });
  assert.match(help.stdout, /npx -y dovecote-bridge/);
  const unknown = spawnSync(bin, ["--bogus"], { encoding: "utf8" });
  assert.equal(unknown.status, 2, "the wrapper passes the exit code on");

  const worker = await startWorker();
  let bridge;
  try {
    const token = await signIn(worker.origin, { headers: { "cf-connecting-ip": "203.0.113.40" } });
    bridge = await startBridge({ DOVECOTE_URL: worker.url, DOVECOTE_TOKEN: token.access_token, WEBHOOK_CHANNEL: "0" }, { command: bin });
    const { tools } = await bridge.client.listTools();
    assert.ok(tools.some((t) => t.name === "calculate"), JSON.stringify(tools.map((t) => t.name)));
  } finally {
    await bridge?.close();
    await worker.stop();
  }
});
