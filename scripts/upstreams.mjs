// `make upstreams`: fetches the tool list of every `[upstreams.<name>]` in tools.toml with the
// official MCP TypeScript client and writes the lock beside it (`upstreams.lock.toml`), which
// the build compiles in. The client negotiates the protocol generation (`server/discover` for
// 2026-07-28, else the session era's `initialize`), and the lock records the one it found.
//
//   node scripts/upstreams.mjs [tools.toml]     (default: $DOVECOTE_TOOLS_MANIFEST, else tools.toml)
//
// A `bearer_secret` is read from the environment, else from .dev.vars. Nothing but the tools'
// descriptors is written. The reader below knows the shape of `[upstreams.*]` tables only
// (`key = "string"`, `key = true`, one-line arrays); the build checks the rest of the file.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "..");

/** `[upstreams.<name>]` tables of `source`: {name, url, bearer_secret}. */
export function readUpstreams(source) {
  const out = [];
  let current;
  for (const raw of source.split("\n")) {
    const line = raw.replace(/\s#.*$/, "").replace(/^#.*$/, "").trim();
    const table = /^\[upstreams\.(?:"([^"]+)"|([A-Za-z0-9_-]+))\]$/.exec(line);
    if (table) {
      current = { name: table[1] ?? table[2] };
      out.push(current);
      continue;
    }
    if (line.startsWith("[")) current = undefined;
    const kv = /^(\w+)\s*=\s*(.+)$/.exec(line);
    if (current && kv && ["url", "bearer_secret"].includes(kv[1])) current[kv[1]] = JSON.parse(kv[2]);
  }
  return out;
}

/** The lock's file for `manifest`: upstreams.lock.toml beside tools.toml, else <stem>.upstreams.lock.toml. */
export function lockPath(manifest) {
  const stem = basename(manifest).replace(/\.toml$/, "");
  return join(dirname(manifest), stem === "tools" ? "upstreams.lock.toml" : `${stem}.upstreams.lock.toml`);
}

/** A secret from the environment, else from .dev.vars. */
function secret(name) {
  if (process.env[name]) return process.env[name];
  const vars = join(ROOT, ".dev.vars");
  if (!existsSync(vars)) return undefined;
  const line = readFileSync(vars, "utf8").split("\n").find((l) => l.startsWith(`${name}=`));
  return line?.slice(name.length + 1).replace(/^"(.*)"$/, "$1");
}

/** {protocol, tools} of one upstream, through the official client. */
export async function fetchUpstream({ name, url, bearer_secret }) {
  const headers = {};
  if (bearer_secret) {
    const value = secret(bearer_secret);
    if (!value) throw new Error(`upstream ${name}: set ${bearer_secret} in the environment or .dev.vars (its bearer_secret)`);
    headers.Authorization = `Bearer ${value}`;
  }
  const client = new Client({ name: "dovecote-upstreams", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  try {
    const protocol = client.getNegotiatedProtocolVersion();
    const tools = [];
    let cursor;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, { cacheMode: "bypass" });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return { protocol, tools };
  } finally {
    await client.close();
  }
}

/** A TOML literal string of `text` (a descriptor's JSON). */
function literal(text) {
  return text.includes("'''") ? JSON.stringify(text) : `'''${text}'''`;
}

/** The lock's text. */
export function lockText(entries) {
  let out = "# Written by `make upstreams` (scripts/upstreams.mjs): what each upstream MCP server listed.\n" +
    "# Committed; the build compiles it in. Do not edit: run `make upstreams` again.\n";
  for (const { name, url, protocol, tools } of entries) {
    out += `\n[upstreams.${JSON.stringify(name)}]\nurl = ${JSON.stringify(url)}\nprotocol = ${JSON.stringify(protocol)}\n`;
    for (const tool of tools) {
      out += `\n[[upstreams.${JSON.stringify(name)}.tools]]\nname = ${JSON.stringify(tool.name)}\ndescriptor = ${literal(JSON.stringify(tool))}\n`;
    }
  }
  return out;
}

/** Writes the lock of `manifest`; returns its path. */
export async function writeLock(manifest) {
  const upstreams = readUpstreams(readFileSync(manifest, "utf8"));
  const entries = [];
  for (const u of upstreams) {
    if (!u.url) throw new Error(`upstream ${u.name} has no url`);
    const { protocol, tools } = await fetchUpstream(u);
    console.error(`upstreams: ${u.name}: ${tools.length} tools, protocol ${protocol}`);
    entries.push({ name: u.name, url: u.url, protocol, tools });
  }
  const path = lockPath(manifest);
  writeFileSync(path, lockText(entries));
  return path;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const manifest = resolve(process.argv[2] || process.env.DOVECOTE_TOOLS_MANIFEST || join(ROOT, "tools.toml"));
  try {
    console.log(`wrote ${await writeLock(manifest)}`);
  } catch (e) {
    console.error(`make upstreams: ${e.message}`);
    process.exit(1);
  }
}
