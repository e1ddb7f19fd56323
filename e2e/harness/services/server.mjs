// A local stand-in for an outside service: an HTTP server on 127.0.0.1 that records every
// request and answers through the service's own handler, unless a test scripted something
// else first — a fixed answer, a slow answer, a dropped connection — or took it down.
import { createServer } from "node:http";

/**
 * @typedef {{status: number, body?: string | object, headers?: Record<string,string>}} Answer
 * @typedef {Answer | {delayMs: number} | "drop"} Behaviour
 *   an answer to send instead; a pause before the normal answer; or the connection closed unanswered
 * @typedef {{method: string, path: string, query: URLSearchParams, headers: Record<string,string>, body: string, json: any, status?: number | "dropped", answer?: string | object}} Recorded
 *   a request, and the status and body it was answered with
 */

/**
 * Starts a service whose `handle(recorded)` returns the normal Answer.
 * @param {(req: Recorded) => Answer} handle
 */
export async function startService(handle) {
  /** @type {Recorded[]} */
  const requests = [];
  /** @type {Behaviour[]} */
  const scripted = [];
  let always = null;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const url = new URL(req.url, "http://127.0.0.1");
      const body = Buffer.concat(chunks).toString("utf8");
      let json;
      try { json = JSON.parse(body); } catch { json = undefined; }
      const recorded = { method: req.method, path: url.pathname, query: url.searchParams, headers: req.headers, body, json };
      requests.push(recorded);
      const behaviour = scripted.length ? scripted.shift() : always;
      if (behaviour === "drop") { recorded.status = "dropped"; req.socket.destroy(); return; }
      if (behaviour?.delayMs) await new Promise((ok) => setTimeout(ok, behaviour.delayMs));
      const answer = behaviour && "status" in behaviour ? behaviour : handle(recorded);
      const isText = typeof answer.body === "string";
      const payload = answer.body === undefined ? "" : isText ? answer.body : JSON.stringify(answer.body);
      recorded.status = answer.status;
      recorded.answer = answer.body;
      if (res.destroyed) return;
      res.writeHead(answer.status, {
        "content-type": isText ? "text/plain; charset=utf-8" : "application/json",
        ...(answer.headers ?? {}),
      });
      res.end(payload);
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    /** Every request so far, in order. */
    requests,
    /** The next requests get these behaviours, one each, before normal answers resume. */
    script: (...behaviours) => scripted.push(...behaviours),
    /** Every request gets `behaviour` (null: normal answers) until changed. */
    always: (behaviour) => { always = behaviour; },
    /** Forgets the recorded requests and the script. */
    reset: () => { requests.length = 0; scripted.length = 0; always = null; },
    stop: () => new Promise((ok) => { server.closeAllConnections(); server.close(ok); }),
  };
}
