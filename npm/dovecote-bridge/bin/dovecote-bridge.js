#!/usr/bin/env node
// Starts the dovecote-bridge binary of this platform, which npm installed as one of the
// optional dependencies (dovecote-bridge-<platform>-<arch>), with this process's stdio,
// arguments and environment, and exits as it exits.
"use strict";
const { spawn } = require("node:child_process");
const { join, dirname } = require("node:path");

const platform = `${process.platform}-${process.arch}`;
const pkg = `dovecote-bridge-${platform}`;
const exe = process.platform === "win32" ? "dovecote-bridge.exe" : "dovecote-bridge";
let binary;
try {
  binary = join(dirname(require.resolve(`${pkg}/package.json`)), "bin", exe);
} catch {
  process.stderr.write(
    `dovecote-bridge: no binary for ${platform} (the package ${pkg} is not installed).\n` +
      "Builds exist for linux-x64, linux-arm64, darwin-x64, darwin-arm64 and win32-x64; if yours is one of them,\n" +
      "reinstall without --no-optional / --omit=optional. Otherwise: cargo install dovecote-bridge\n",
  );
  process.exit(1);
}
const child = spawn(binary, process.argv.slice(2), { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("error", (e) => {
  process.stderr.write(`dovecote-bridge: cannot start ${binary}: ${e.message}\n`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
