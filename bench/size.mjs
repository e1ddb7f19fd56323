// `make size` (scripts/size.sh): sums twiggy's per-item sizes of the named, optimized wasm by
// crate and by gateway module, so that a change's cost in bytes has a place to be read.
// A generic function is counted under the crate that defines it (serde's code for our types is
// serde's), and wasm-opt inlines small callees into callers, so a module's figure includes what it
// inlined; both are as the shipped wasm is, not as the source is.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const [csvPath] = process.argv.slice(2);
const lines = readFileSync(csvPath, "utf8").trim().split("\n").slice(1);

/** One CSV row of twiggy: name (maybe quoted, with "" inside), shallow size, … */
function row(line) {
  const m = /^("(?:[^"]|"")*"|[^,]*),(\d+),/.exec(line);
  if (!m) return null;
  const name = m[1].startsWith('"') ? m[1].slice(1, -1).replaceAll('""', '"') : m[1];
  return { name, bytes: Number(m[2]) };
}

const byCrate = new Map();
const byModule = new Map();
let total = 0;
let names = 0;
const add = (map, key, n) => map.set(key, (map.get(key) ?? 0) + n);
for (const line of lines) {
  const r = row(line);
  if (!r) continue;
  if (r.name.includes("function names") || r.name.startsWith("custom section")) {
    names += r.bytes;
    continue;
  }
  total += r.bytes;
  if (r.name.startsWith("data") || r.name.startsWith('"data')) {
    add(byCrate, "(data: strings, tables)", r.bytes);
    continue;
  }
  if (r.name.startsWith("import ") || r.name.startsWith("export ") || r.name.startsWith("table")
      || r.name.startsWith("elem") || r.name.startsWith("code[") || r.name.startsWith("type[")) {
    add(byCrate, "(wasm structure: imports, exports, tables)", r.bytes);
    continue;
  }
  let path = r.name;
  while (/^(<|&|mut |dyn |\*const |\*mut |\()/.test(path)) path = path.replace(/^(<|&|mut |dyn |\*const |\*mut |\()/, "");
  // `<Type as Trait>::f`: the type's crate when it has one (derived code is per type), else the trait's.
  const impl = /^([^ ]+) as ([^ >]+)/.exec(path);
  if (impl && !impl[1].includes("::")) path = impl[2];
  const crate = path.split(/::|\[| |<|>|,/)[0] || "(other)";
  add(byCrate, crate, r.bytes);
  if (crate === "dovecote_gateway") add(byModule, path.split("::")[1] ?? "(root)", r.bytes);
}

/** Crates grouped by what they are there for. */
const FAMILIES = [
  ["Dovecote's own code", /^dovecote_gateway$/],
  ["strings and tables (data)", /^\(data/],
  ["Rust's standard library (core, alloc, std, allocator, hash maps)", /^(core|alloc|std|dlmalloc|hashbrown|compiler_builtins)$/],
  ["JSON (serde, serde_json)", /^(serde|serde_core|serde_json)$/],
  ["Workers and JavaScript glue (worker, js_sys, wasm_bindgen, web_sys, serde_wasm_bindgen, wasm_streams)", /^(worker|worker_sys|js_sys|wasm_bindgen|web_sys|serde_wasm_bindgen|wasm_streams|wasm_bindgen_futures|\(wasm structure)/],
  ["JSON Schema (schemars)", /^schemars$/],
  ["URLs (url, idna, icu_*)", /^(url|idna|icu_\w+|form_urlencoded|percent_encoding|utf8_iter|write16|zerovec|yoke|tinystr)$/],
  ["Markdown (pulldown_cmark, unicase)", /^(pulldown_cmark|unicase)$/],
  ["crypto (aes, aes_gcm, sha2, hmac, polyval, ghash, digest, subtle)", /^(aes|aes_gcm|sha2|hmac|polyval|ghash|digest|subtle|cipher|ctr|universal_hash)$/],
  ["futures", /^futures_\w+$/],
];
const bySubsystem = new Map();
for (const [crate, bytes] of byCrate) {
  const family = FAMILIES.find(([, re]) => re.test(crate));
  add(bySubsystem, family ? family[0] : "other crates", bytes);
}

const kib = (n) => (n / 1024).toFixed(1).padStart(8);
const pct = (n) => `${((100 * n) / total).toFixed(1).padStart(5)} %`;
const print = (title, map, top) => {
  console.log(`\n${title}`);
  const rows = [...map].sort((a, b) => b[1] - a[1]);
  for (const [k, v] of rows.slice(0, top)) console.log(`${kib(v)} KiB ${pct(v)}  ${k}`);
  const rest = rows.slice(top).reduce((s, [, v]) => s + v, 0);
  if (rest) console.log(`${kib(rest)} KiB ${pct(rest)}  (${rows.length - top} more)`);
};
const wasm = readFileSync(csvPath.replace(/top\.csv$/, "named.wasm"));
console.log(`optimized wasm without its names section: ${kib(total)} KiB (names: ${(names / 1024).toFixed(1)} KiB, left out)`);
console.log(`gzip of the named wasm, for reference: ${kib(gzipSync(wasm, { level: 9 }).length)} KiB`);
print("by subsystem", bySubsystem, 20);
print("by crate (a generic counts under the crate that defines it)", byCrate, 20);
print("dovecote_gateway by module (with the small functions wasm-opt inlined into it)", byModule, 25);
