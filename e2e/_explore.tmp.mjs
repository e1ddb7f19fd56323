import { startWorker } from "/work/main/e2e/harness/worker.mjs";
import http from "node:http";
const w = await startWorker({});
function raw(host) { return new Promise((ok, fail) => {
  const req = http.request({ host: "127.0.0.1", port: w.port, path: "/mcp", method: "POST", headers: { host, "content-type": "application/json", accept: "application/json" } }, (res) => { let b=""; res.on("data", d=>b+=d); res.on("end", ()=>ok([res.statusCode, b, res.headers])); });
  req.on("error", fail); req.end("{}"); }); }
try {
  console.log(await raw("evil.example.com"));
  console.log(await raw("localhost.evil.com:80"));
  console.log(await raw(`localhost:${w.port}`));
  const h = await fetch(w.origin + "/", { headers: { host: "evil.example.com" } });
  console.log("fetch /", h.status, await h.text());
} finally { await w.stop(); }
