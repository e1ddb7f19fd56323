// What the checked-in tools.toml declares, so tests follow it instead of repeating its list:
// the tools in declaration order, with scope and whether enabled. A minimal reader for our
// own file's shape (`[tools.<name>]` tables with `scope = "…"` and `enabled = …`).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./worker.mjs";

/** Scopes never in the default grant (gateway/src/oauth/endpoints/mod.rs). */
export const HIGH_PRIVILEGE_SCOPES = ["dovecote:env:read"];

/** [{name, scope, enabled}] from `file` (default: the checked-in tools.toml). */
export function declaredTools(file = join(ROOT, "tools.toml")) {
  const tools = [];
  let current;
  for (const raw of readFileSync(file, "utf8").split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    const table = /^\[tools\.([A-Za-z0-9_-]+)\]$/.exec(line);
    if (table) {
      current = { name: table[1], scope: undefined, enabled: true };
      tools.push(current);
      continue;
    }
    if (line.startsWith("[")) current = undefined;
    const kv = /^(\w+)\s*=\s*(.+)$/.exec(line);
    if (!current || !kv) continue;
    if (kv[1] === "scope") current.scope = JSON.parse(kv[2]);
    if (kv[1] === "enabled") current.enabled = kv[2] === "true";
  }
  return tools;
}

/** Scopes a sign-in without `scope` is granted: every declared one but the high-privilege. */
export function defaultScopes(file) {
  const scopes = new Set(declaredTools(file).map((t) => t.scope));
  return [...scopes].filter((s) => !HIGH_PRIVILEGE_SCOPES.includes(s));
}

/** Names of the tools a default sign-in sees, in declaration order. */
export function defaultTools(file) {
  return declaredTools(file)
    .filter((t) => t.enabled && !HIGH_PRIVILEGE_SCOPES.includes(t.scope))
    .map((t) => t.name);
}
