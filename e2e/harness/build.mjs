// Builds the Worker into build/<name>/ with manifests of a test's own: the root tools.toml with
// the test's tables appended (DOVECOTE_TOOLS_MANIFEST) and the test's channels.toml
// (DOVECOTE_CHANNELS_MANIFEST). Used by the tests of declared tools and event routes.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./worker.mjs";

const run = promisify(execFile);

/**
 * Builds `name` with tools.toml plus `tools` and with `channels` (paths under the checkout).
 * @param {string} name
 * @param {{tools: string, channels: string}} manifests
 */
export async function buildWith(name, { tools, channels }) {
  const dir = mkdtempSync(join(tmpdir(), `dovecote-${name}-`));
  try {
    const manifest = readFileSync(join(ROOT, "tools.toml"), "utf8") + "\n" + readFileSync(join(ROOT, tools), "utf8");
    const path = join(dir, "tools.toml");
    writeFileSync(path, manifest);
    await run("bash", [join(ROOT, "scripts/build.sh"), name], {
      cwd: ROOT,
      env: { ...process.env, DOVECOTE_TOOLS_MANIFEST: path, DOVECOTE_CHANNELS_MANIFEST: join(ROOT, channels) },
      timeout: 590_000,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    throw new Error(`scripts/build.sh ${name} failed:\n${e.stdout ?? ""}\n${e.stderr ?? e.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
