#!/usr/bin/env node
// Turns a release tag into the version every bridge package carries and the npm dist-tag:
//   node scripts/release-version.mjs v1.2.3          → {"version":"1.2.3","distTag":"latest"}
//   node scripts/release-version.mjs v1.2.3-rc.1    → {"version":"1.2.3-rc.1","distTag":"next"}
// With --write [root] it also sets that version in bridge/Cargo.toml, Cargo.lock's entry for
// the bridge, and every package.json under npm/ (the wrapper's optionalDependencies too), so
// the release workflow publishes the tag's version with no hand edits. With --github-output
// it appends version= and dist_tag= to $GITHUB_OUTPUT.
import { appendFileSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SEMVER = /^v(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

/** The version and dist-tag of `tag`, or an Error saying what a tag looks like. */
export function fromTag(tag) {
  const m = SEMVER.exec(tag ?? "");
  if (!m) throw new Error(`the tag \`${tag}\` is not a release tag; use v<major>.<minor>.<patch>, e.g. v1.2.3 or v1.2.3-rc.1`);
  const version = tag.slice(1);
  return { version, distTag: m[4] ? "next" : "latest" };
}

/** Sets `version` in the crate, its lock entry and the npm packages under `root`. */
export function writeVersion(root, version) {
  const cargo = join(root, "bridge/Cargo.toml");
  const crate = readFileSync(cargo, "utf8");
  const bumped = crate.replace(/^version = "[^"]*"/m, `version = "${version}"`);
  if (bumped === crate && !crate.includes(`version = "${version}"`)) throw new Error(`${cargo} has no version line`);
  writeFileSync(cargo, bumped);
  const lockPath = join(root, "Cargo.lock");
  const lock = readFileSync(lockPath, "utf8");
  writeFileSync(lockPath, lock.replace(/(name = "dovecote-bridge"\nversion = )"[^"]*"/, `$1"${version}"`));
  const manifests = [join(root, "npm/dovecote-bridge/package.json")];
  for (const p of readdirSync(join(root, "npm/platforms"))) manifests.push(join(root, "npm/platforms", p, "package.json"));
  for (const path of manifests) {
    const pkg = JSON.parse(readFileSync(path, "utf8"));
    pkg.version = version;
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) pkg.optionalDependencies[dep] = version;
    writeFileSync(path, JSON.stringify(pkg, null, 2) + "\n");
  }
  return manifests;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [tag, ...flags] = process.argv.slice(2);
  try {
    const { version, distTag } = fromTag(tag);
    if (flags.includes("--write")) {
      const i = flags.indexOf("--write");
      const root = flags[i + 1] && !flags[i + 1].startsWith("--") ? flags[i + 1] : join(dirname(fileURLToPath(import.meta.url)), "..");
      writeVersion(root, version);
    }
    if (flags.includes("--github-output")) appendFileSync(process.env.GITHUB_OUTPUT, `version=${version}\ndist_tag=${distTag}\n`);
    console.log(JSON.stringify({ version, distTag }));
  } catch (e) {
    console.error(`release-version: ${e.message}`);
    process.exit(2);
  }
}
