// Deploying, without Cloudflare: `make deploy`'s script as a dry run for both environments
// (no login) and `make secrets` with a stand-in wrangler. The workflows are linted by `make lint`.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./harness/worker.mjs";
import { run } from "./harness/run.mjs";

/** An environment with no Cloudflare credentials and an empty home (no `wrangler login`). */
function loggedOut() {
  const home = mkdtempSync(join(tmpdir(), "dovecote-home-"));
  return { HOME: home, XDG_CONFIG_HOME: join(home, ".config"), CLOUDFLARE_API_TOKEN: "", CLOUDFLARE_ACCOUNT_ID: "", CI: "true" };
}

const wranglerToml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
const bindingNames = [...new Set([...wranglerToml.matchAll(/\{ name = "([A-Z_]+)"/g)].map((m) => m[1]))];
// The KV namespace ids, production's then staging's: placeholders until the user puts theirs.
const kvIds = [...wranglerToml.matchAll(/binding = "DOVECOTE_KV"\n(?:#.*\n)*id = "([0-9a-f]+)"/g)].map((m) => m[1]);

describe("make deploy", () => {
  for (const [label, env, kvId] of [
    ["production", "", kvIds[0]],
    ["staging", "staging", kvIds[1]],
  ]) {
    test(`a dry run of ${label} bundles the optimized build with every binding, logged out`, { timeout: 120_000 }, async () => {
      const r = await run("bash", ["scripts/deploy.sh", "--dry-run"], { env: { ...loggedOut(), ENV: env } });
      const output = r.stdout + r.stderr;
      assert.equal(r.status, 0, output);
      assert.match(output, /--dry-run: exiting now/);
      const size = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(output);
      assert.ok(size, output);
      const budget = JSON.parse(readFileSync(join(ROOT, "bench/size-budget.json"), "utf8"));
      assert.ok(Number(size[1]) <= budget.rawKiB, `the deployed build grew to ${size[1]} KiB raw, past the budget of ${budget.rawKiB} KiB in bench/size-budget.json: find what grew (docs/bench.md) before raising it`);
      assert.ok(Number(size[2]) <= budget.gzipKiB, `the deployed build grew to ${size[2]} KiB gzipped, past the budget of ${budget.gzipKiB} KiB in bench/size-budget.json: find what grew (docs/bench.md) before raising it`);
      assert.ok(bindingNames.length >= 4);
      for (const name of bindingNames) assert.match(output, new RegExp(`env\\.${name} \\(`), `${name} in ${output}`);
      assert.match(output, new RegExp(`env\\.DOVECOTE_KV \\(${kvId}\\)`), `${label}'s own KV namespace`);
      assert.doesNotMatch(output, /Multiple environments are defined/, "the environment is always named");
    });
  }

  test("a real deploy with the placeholder KV id stops and says how to create the namespace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dovecote-config-"));
    const config = join(dir, "wrangler.toml");
    writeFileSync(config, '[[env.staging.kv_namespaces]]\nbinding = "DOVECOTE_KV"\nid = "11111111111111111111111111111111"\n');
    const r = await run("bash", ["scripts/deploy.sh"], { env: { ...loggedOut(), ENV: "staging", WRANGLER_CONFIG: config } });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /npx wrangler kv namespace create DOVECOTE_KV --env staging/);
  });

  test("an unknown ENV is refused", async () => {
    const r = await run("bash", ["scripts/deploy.sh", "--dry-run"], { env: { ENV: "prod" } });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /ENV is `prod`; use ENV=staging/);
  });
});

describe("make secrets", () => {
  const dir = mkdtempSync(join(tmpdir(), "dovecote-secrets-"));
  const devVars = join(dir, "dev.vars");
  const channels = join(dir, "channels.toml");
  const recorded = join(dir, "wrangler.log");
  const wrangler = join(dir, "wrangler");
  writeFileSync(devVars, 'OAUTH_PASSWORD="from-dev-vars-pw"\nDOVECOTE_SIGNING_KEY=c2lnbmluZy1rZXktZnJvbS1kZXYtdmFycy0xMjM0NTY3OA==\nDOVECOTE_ENV=development\n');
  writeFileSync(channels, '[telegram.ops]\nname = "Ops"\nbot_token_secret = "OPS_BOT_TOKEN"\nchat_id = "-100123"\n');
  // Records its arguments and the JSON it was given, as `wrangler secret bulk` would read it.
  writeFileSync(wrangler, `#!/usr/bin/env bash\n{ echo "$*"; cat; echo; } >> ${JSON.stringify(recorded)}\n`);
  chmodSync(wrangler, 0o755);
  const files = ["--dev-vars", devVars, "--channels", channels];

  test("lists what .dev.vars.example and channels.toml need, and a dry run says where each value comes from", async () => {
    const r = await run(process.execPath, ["scripts/secrets.mjs", "--dry-run", "--env", "staging", ...files], { env: { WRANGLER: wrangler } });
    assert.equal(r.status, 1, "the channel's secret is missing");
    assert.match(r.stdout, /OPS_BOT_TOKEN +required +channels\.toml \[telegram\.ops\] bot_token_secret/);
    assert.match(r.stdout, /OAUTH_PASSWORD +set from .*dev\.vars/);
    assert.match(r.stdout, /DOVECOTE_ENCRYPTION_KEY +set from generated/);
    assert.match(r.stdout, /ADMIN_TOKEN +skipped/);
    assert.doesNotMatch(r.stdout, /DOVECOTE_ENV/, "variables are not secrets");
    assert.match(r.stderr, /OPS_BOT_TOKEN is required/);
    assert.ok(!(r.stdout + r.stderr).includes("from-dev-vars-pw"), "never a value");
  });

  test("--from-env sets them in one wrangler secret bulk, values only on its stdin", async () => {
    rmSync(recorded, { force: true });
    const env = { WRANGLER: wrangler, OPS_BOT_TOKEN: "123:bot-token-value", DOVECOTE_ENCRYPTION_KEY: "ZW5jcnlwdGlvbi1rZXktZnJvbS10aGUtZW52aXJvbm1lbnQ=" };
    const r = await run(process.execPath, ["scripts/secrets.mjs", "--from-env", "--env", "staging", ...files], { env });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const [args, json] = readFileSync(recorded, "utf8").split("\n");
    assert.equal(args, "secret bulk --env staging");
    assert.deepEqual(JSON.parse(json), {
      DOVECOTE_SIGNING_KEY: "c2lnbmluZy1rZXktZnJvbS1kZXYtdmFycy0xMjM0NTY3OA==",
      DOVECOTE_ENCRYPTION_KEY: env.DOVECOTE_ENCRYPTION_KEY,
      OAUTH_PASSWORD: "from-dev-vars-pw",
      OPS_BOT_TOKEN: "123:bot-token-value",
    });
    for (const value of Object.values(env).slice(1)) assert.ok(!(r.stdout + r.stderr).includes(value));
  });

  test("--from-env never invents a key: a missing one fails before anything is set", async () => {
    rmSync(recorded, { force: true });
    const r = await run(process.execPath, ["scripts/secrets.mjs", "--from-env", ...files], { env: { WRANGLER: wrangler, OPS_BOT_TOKEN: "t" } });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /DOVECOTE_ENCRYPTION_KEY is required/);
    assert.throws(() => readFileSync(recorded), "wrangler was not run");
  });

  test("without a terminal and without a mode it explains instead of hanging", async () => {
    const r = await run(process.execPath, ["scripts/secrets.mjs", ...files], { env: { WRANGLER: wrangler } });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no terminal to ask on/);
  });
});
