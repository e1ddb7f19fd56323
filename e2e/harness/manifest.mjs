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

/** [{name, grant}] of the `[scopes."<name>"]` tables of `file`, in declaration order. */
export function declaredScopes(file = join(ROOT, "tools.toml")) {
  const scopes = [];
  let current;
  for (const raw of readFileSync(file, "utf8").split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    const table = /^\[scopes\.(?:"([^"]+)"|([A-Za-z0-9_-]+))\]$/.exec(line);
    if (table) {
      current = { name: table[1] ?? table[2], grant: undefined };
      scopes.push(current);
      continue;
    }
    if (line.startsWith("[")) current = undefined;
    const kv = /^grant\s*=\s*(.+)$/.exec(line);
    if (current && kv) current.grant = JSON.parse(kv[1]);
  }
  return scopes;
}

/** Scopes only operators may hold (`grant = "operators"`). */
export function operatorScopes(file) {
  return declaredScopes(file).filter((s) => s.grant === "operators").map((s) => s.name);
}

/**
 * Scopes the password owner (an operator) is granted by a sign-in without `scope`: every
 * declared one but the high-privilege.
 */
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
