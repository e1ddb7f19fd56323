// `make lint` can fail: each of its checks, run by scripts/lint.sh exactly as `make lint` runs
// it, refuses a small workspace with one planted mistake — an unformatted file, a clippy
// warning, a clippy warning only the wasm32 build sees, a broken workflow — and passes the same
// workspace without it. Run by `make lint` after the lint itself.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const CLEAN = "/// Adds one.\npub fn add_one(x: u32) -> u32 {\n    x + 1\n}\n";
let scratch;

before(() => {
  scratch = mkdtempSync(join(tmpdir(), "dovecote-lint-"));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A workspace shaped like ours (pinned toolchain, workspace lints, our workflows) holding `lib`. */
function workspace(name, lib, { workflow } = {}) {
  const dir = join(scratch, name);
  mkdirSync(join(dir, "probe/src"), { recursive: true });
  mkdirSync(join(dir, ".github/workflows"), { recursive: true });
  cpSync(join(ROOT, "rust-toolchain.toml"), join(dir, "rust-toolchain.toml"));
  writeFileSync(
    join(dir, "Cargo.toml"),
    '[workspace]\nresolver = "2"\nmembers = ["probe"]\n\n[workspace.lints.clippy]\nall = { level = "warn", priority = -1 }\n',
  );
  writeFileSync(
    join(dir, "probe/Cargo.toml"),
    '[package]\nname = "probe"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[lints]\nworkspace = true\n',
  );
  writeFileSync(join(dir, "probe/src/lib.rs"), lib);
  for (const file of ["ci.yml", "release.yml"]) {
    cpSync(join(ROOT, ".github/workflows", file), join(dir, ".github/workflows", file));
  }
  if (workflow) writeFileSync(join(dir, ".github/workflows/ci.yml"), workflow);
  return dir;
}

function lint(dir) {
  const r = spawnSync("bash", [join(ROOT, "scripts/lint.sh")], {
    encoding: "utf8",
    env: { ...process.env, LINT_ROOT: dir, LINT_WASM_PACKAGE: "probe", CARGO_TARGET_DIR: join(scratch, "target") },
  });
  // Without the colours, so the summary line can be matched whole.
  return { status: r.status, output: (r.stdout + r.stderr).replace(/\x1b\[[0-9;]*m/g, "") };
}

test("a clean workspace passes every check", { timeout: 300_000 }, () => {
  const r = lint(workspace("clean", CLEAN));
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /Checking 2 workflow file\(s\)/);
});

test("an unformatted file fails the lint", { timeout: 300_000 }, () => {
  const r = lint(workspace("fmt", CLEAN.replace("x + 1", "x+1")));
  assert.equal(r.status, 1, r.output);
  assert.match(r.output, /lint failed: cargo fmt$/m);
});

test("a clippy warning fails the lint", { timeout: 300_000 }, () => {
  const lib = CLEAN + "\n/// Counts.\npub fn count(v: &Vec<u8>) -> usize {\n    v.len()\n}\n";
  const r = lint(workspace("clippy", lib));
  assert.equal(r.status, 1, r.output);
  assert.match(r.output, /ptr_arg/);
  assert.match(r.output, /lint failed: clippy \(native\), clippy \(wasm32, probe\)$/m);
});

test("a clippy warning only the wasm32 build sees fails the lint", { timeout: 300_000 }, () => {
  const lib =
    CLEAN + '\n/// Counts.\n#[cfg(target_arch = "wasm32")]\npub fn count(v: &Vec<u8>) -> usize {\n    v.len()\n}\n';
  const r = lint(workspace("wasm", lib));
  assert.equal(r.status, 1, r.output);
  assert.match(r.output, /lint failed: clippy \(wasm32, probe\)$/m);
});

test("a broken workflow fails the lint", { timeout: 300_000 }, () => {
  const ci = readFileSync(join(ROOT, ".github/workflows/ci.yml"), "utf8");
  assert.ok(ci.includes("needs: test"), "ci.yml changed: plant the mistake elsewhere");
  const r = lint(workspace("workflow", CLEAN, { workflow: ci.replace("needs: test", "needs: tset") }));
  assert.equal(r.status, 1, r.output);
  assert.match(r.output, /tset/);
  assert.match(r.output, /lint failed: actionlint$/m);
});
