#!/usr/bin/env node
// Sets every secret a deployment needs, in one `wrangler secret bulk`: those `.dev.vars.example`
// marks [secret] and those `channels.toml` names (`…_secret = "NAME"`). For each it asks,
// offering the value in .dev.vars as the default (a fresh random key for the two keys when
// .dev.vars has none). Values are never printed. Answering `-` leaves a deployed secret as
// it is (what to answer for the keys when re-running it on a live deployment).
//
//   node scripts/secrets.mjs [--env staging] [--dry-run] [--from-env]
//     --dry-run   say what would be set, and from where, without calling wrangler
//     --from-env  no questions: take each value from the environment variable of the same
//                 name, else .dev.vars (for CI, where repository secrets arrive as env vars)
//   Files: --example FILE, --dev-vars FILE, --channels FILE (defaults: the checkout's own).
//   WRANGLER=path runs another wrangler (the tests use a stand-in).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";

const ROOT = resolve(import.meta.dirname, "..");

/** Secrets generated when .dev.vars has none: 32 random bytes, base64. */
const GENERATED = new Set(["DOVECOTE_SIGNING_KEY", "DOVECOTE_ENCRYPTION_KEY"]);

function parseArgs(argv) {
  const options = { env: "", dryRun: false, fromEnv: false, example: ".dev.vars.example", devVars: ".dev.vars", channels: "channels.toml" };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === "--env") options.env = value();
    else if (flag === "--dry-run") options.dryRun = true;
    else if (flag === "--from-env") options.fromEnv = true;
    else if (flag === "--example") options.example = value();
    else if (flag === "--dev-vars") options.devVars = value();
    else if (flag === "--channels") options.channels = value();
    else fail(`unknown option ${flag}; see the top of scripts/secrets.mjs`);
  }
  if (options.env === "production") options.env = "";
  if (options.env !== "" && options.env !== "staging") fail(`--env is \`${options.env}\`; use staging, or leave it out for production`);
  return options;
}

function fail(message) {
  console.error(`secrets: ${message}`);
  process.exit(1);
}

/** The [secret] entries of .dev.vars.example: name, need (required/sign-in/optional), what it is. */
function exampleSecrets(text) {
  const secrets = [];
  let tag = null;
  let about = [];
  for (const line of text.split("\n")) {
    const bare = line.replace(/^#\s?/, "").trim();
    const tagged = /^\[((?:secret|var)[^\]]*)\]\s*(.*)$/.exec(bare);
    if (tagged) {
      tag = tagged[1].split(",").map((t) => t.trim());
      about = [tagged[2]];
      continue;
    }
    const entry = /^([A-Z][A-Z0-9_]*)=/.exec(bare);
    if (entry && tag) {
      if (tag[0] === "secret") secrets.push({ name: entry[1], need: tag[1] ?? "optional", about: about.join(" ") });
      tag = null;
    } else if (tag && line.startsWith("#")) {
      about.push(bare);
    }
  }
  return secrets;
}

/** The secret names channels.toml's instances point at (`bot_token_secret = "NAME"`, …). */
function channelSecrets(text) {
  const found = [];
  let table = null;
  for (const line of text.split("\n")) {
    const header = /^\s*\[([^\]]+)\]/.exec(line);
    if (header) table = header[1].trim();
    const key = /^\s*([a-z_]*secret)\s*=\s*"([^"]+)"/.exec(line);
    if (key && table) found.push({ name: key[2], need: "required", about: `channels.toml [${table}] ${key[1]}` });
  }
  return found;
}

/** KEY=value lines of a .dev.vars file (quotes removed). */
function parseDotenv(text) {
  const values = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trim().startsWith("#")) continue;
    let value = m[2];
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    if (value !== "") values[m[1]] = value;
  }
  return values;
}

/** A prompt that does not echo answers; one for the whole run, so typed-ahead lines wait. */
function hiddenPrompt() {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  let muted = false;
  rl._writeToOutput = (s) => { if (!muted) process.stdout.write(s); };
  const ask = (question) => new Promise((done) => {
    muted = false;
    rl.question(question, (answer) => {
      muted = false;
      process.stdout.write("\n");
      done(answer.trim());
    });
    muted = true;
  });
  return { ask, close: () => rl.close() };
}

/** Sets `values` ({NAME: value}) in one `wrangler secret bulk` request, the JSON on stdin. */
function putAll(values, options) {
  const wrangler = process.env.WRANGLER || resolve(ROOT, "node_modules/.bin/wrangler");
  const args = ["secret", "bulk", "--env", options.env];
  const run = spawnSync(wrangler, args, { input: JSON.stringify(values), stdio: ["pipe", "inherit", "inherit"], cwd: ROOT });
  if (run.status !== 0) {
    fail(`wrangler secret bulk failed (exit ${run.status ?? run.error?.message}): are you logged in (npx wrangler login, or CLOUDFLARE_API_TOKEN in CI), and is the Worker deployed (make deploy${options.env ? ` ENV=${options.env}` : ""})?`);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const read = (file) => (existsSync(resolve(ROOT, file)) ? readFileSync(resolve(ROOT, file), "utf8") : "");
  const exampleText = read(options.example);
  if (!exampleText) fail(`${options.example} is missing: it lists the secrets to set`);
  const devVars = parseDotenv(read(options.devVars));
  const secrets = exampleSecrets(exampleText);
  for (const channel of channelSecrets(read(options.channels))) {
    if (!secrets.some((s) => s.name === channel.name)) secrets.push(channel);
  }
  const target = options.env || "production";
  const interactive = !options.dryRun && !options.fromEnv && process.stdin.isTTY;
  if (!options.dryRun && !options.fromEnv && !process.stdin.isTTY) {
    fail("no terminal to ask on: run it in a terminal, or pass --from-env (values from the environment) or --dry-run");
  }

  console.log(`Secrets for the ${target} Worker (${secrets.length}):`);
  for (const s of secrets) console.log(`  ${s.name.padEnd(34)} ${s.need.padEnd(9)} ${s.about.slice(0, 60)}`);
  console.log("Sign-in needs OAUTH_PASSWORD, or GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET.\n");

  const prompt = interactive ? hiddenPrompt() : null;
  const chosen = new Map();
  for (const s of secrets) {
    let source = null;
    let value = null;
    if (options.fromEnv && process.env[s.name]) [source, value] = ["environment", process.env[s.name]];
    else if (devVars[s.name]) [source, value] = [options.devVars, devVars[s.name]];
    // Never in CI: a new encryption key on every deploy would make every grant unreadable.
    else if (GENERATED.has(s.name) && !options.fromEnv) [source, value] = ["generated", randomBytes(32).toString("base64")];
    if (interactive) {
      const offer = source === "generated"
        ? "Enter sets a new random key (first deploy only: replacing it signs everyone out)"
        : source ? `Enter uses the value from ${source}` : "Enter skips it";
      const answer = await prompt.ask(`${s.name} (${s.need}) — ${offer}; - leaves the deployed value; or type a new value: `);
      if (answer === "-") [source, value] = ["deployed", null];
      else if (answer) [source, value] = ["typed", answer];
    }
    chosen.set(s.name, { ...s, source, value });
  }
  prompt?.close();

  const given = (s) => Boolean(s?.value) || s?.source === "deployed";
  const has = (name) => given(chosen.get(name));
  const problems = [];
  for (const s of chosen.values()) {
    if (s.need === "required" && !given(s)) problems.push(`${s.name} is required (${s.about.slice(0, 70)})`);
  }
  const github = has("GITHUB_CLIENT_ID") && has("GITHUB_CLIENT_SECRET");
  if (has("GITHUB_CLIENT_ID") !== has("GITHUB_CLIENT_SECRET")) problems.push("set both GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET, or neither");
  else if (!github && !has("OAUTH_PASSWORD")) problems.push("nobody could sign in: set OAUTH_PASSWORD, or GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET");

  for (const s of chosen.values()) {
    const from = s.value ? `set from ${s.source}` : s.source === "deployed" ? "left as deployed" : "skipped";
    console.log(`  ${s.name.padEnd(34)} ${from}`);
  }
  if (problems.length) {
    for (const p of problems) console.error(`secrets: ${p}`);
    process.exit(1);
  }
  const values = Object.fromEntries([...chosen.values()].filter((s) => s.value).map((s) => [s.name, s.value]));
  const command = `wrangler secret bulk --env "${options.env}"`;
  if (options.dryRun) {
    console.log(`\nwould run: ${command} (${Object.keys(values).length} secrets on stdin)`);
    return;
  }
  putAll(values, options);
  console.log(`\nDone. Sign-in: ${github ? "GitHub" : "password"}. Check the deployment with: make verify URL=https://…`);
  if (github) {
    console.log("GitHub sign-in lets nobody in until you name someone: set OPERATORS=<your GitHub login> (and ALLOWED_USERNAMES=<logins>, or * for everyone) under [vars] in wrangler.toml (docs/sign-in.md).");
  }
}

await main();
