// Real MCP servers on 127.0.0.1, built with the official TypeScript SDKs, for Dovecote's
// upstreams to import: one speaking 2026-07-28 (`@modelcontextprotocol/server` v2, its
// `createMcpHandler`, strict: no 2025 fallback) and one speaking the session era
// (`@modelcontextprotocol/sdk` v1, a `StreamableHTTPServerTransport` with session ids, which
// answers 2025-11-25). Both record each request's method and headers, can be told to misbehave
// as a real server might (slow, huge, garbage, down) and can change their tool list (drift).
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { McpServer as McpServerV2, createMcpHandler } from "@modelcontextprotocol/server";
import { McpServer as McpServerV1 } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import * as z from "zod/v4";

/** The tools both upstreams serve, as JSON Schema and zod. */
function register(server, state, zod) {
  const hidden = new Set(state.hidden);
  const original = server.registerTool.bind(server);
  server = { registerTool: (name, ...rest) => (hidden.has(name) ? undefined : original(name, ...rest)) };
  server.registerTool(
    "echo",
    {
      title: "Echo",
      description: "Says back what it is given.",
      inputSchema: zod.object({ text: zod.string().describe("What to say back.") }),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ text }) => ({ content: [{ type: "text", text: `echo: ${text}` }] }),
  );
  server.registerTool(
    "add",
    {
      title: "Add",
      description: "Adds two numbers.",
      inputSchema: zod.object({ a: zod.number(), b: zod.number() }),
      outputSchema: zod.object({ sum: zod.number() }),
    },
    async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }], structuredContent: { sum: a + b } }),
  );
  server.registerTool(
    "fail",
    { description: "Always fails, as a tool does.", inputSchema: zod.object({}) },
    async () => ({ content: [{ type: "text", text: "it failed on purpose" }], isError: true }),
  );
  server.registerTool(
    "whoami",
    { description: "Returns the Authorization header the upstream received.", inputSchema: zod.object({}) },
    async () => ({ content: [{ type: "text", text: state.lastAuthorization ?? "none" }] }),
  );
  if (state.extraTool) {
    server.registerTool(
      state.extraTool,
      { description: "A tool added after the lock was written.", inputSchema: zod.object({}) },
      async () => ({ content: [{ type: "text", text: "new" }] }),
    );
  }
}

/** A node:http request as a web Request. */
async function toRequest(req, port) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  const body = chunks.length && req.method !== "GET" && req.method !== "HEAD" ? Buffer.concat(chunks) : undefined;
  return { request: new Request(`http://127.0.0.1:${port}${req.url}`, { method: req.method, headers, body }), body };
}

/** Writes a web Response to a node:http response, streaming its body. */
async function fromResponse(response, res) {
  const headers = {};
  response.headers.forEach((v, k) => { headers[k] = v; });
  res.writeHead(response.status, headers);
  if (response.body) {
    for await (const chunk of response.body) res.write(chunk);
  }
  res.end();
}

/**
 * Starts an upstream. `generation` is "2026-07-28" (SDK v2) or "2025-11-25" (SDK v1, sessions).
 * `token`: the bearer it requires (401 without it). `port`: a fixed port (default: any free one).
 */
export async function startUpstream({ generation, token, port: fixedPort = 0 }) {
  const state = {
    requests: [],
    /** null, "slow", "huge", "garbage", "html", "drop" */
    misbehave: null,
    slowMs: 0,
    extraTool: null,
    /** Tool names left out of the list (drift). */
    hidden: [],
    lastAuthorization: null,
    sessions: new Map(),
    /** Time spent answering tool calls (from the request's arrival to the answer's end). */
    busy: { ms: 0, calls: 0 },
  };
  const modern = generation === "2026-07-28";
  const handler = modern
    ? createMcpHandler(() => {
        const s = new McpServerV2({ name: "upstream-modern", version: "1.0.0" });
        register(s, state, z);
        return s;
      }, { legacy: "reject" })
    : null;

  const server = createServer(async (req, res) => {
    const started = performance.now();
    res.on("finish", () => {
      if (req.method === "POST") { state.busy.ms += performance.now() - started; state.busy.calls += 1; }
    });
    try {
      state.lastAuthorization = req.headers.authorization ?? null;
      if (token && req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401, { "content-type": "application/json", "www-authenticate": "Bearer" });
        res.end(JSON.stringify({ error: "invalid_token" }));
        return;
      }
      const { request, body } = await toRequest(req, server.address().port);
      let json;
      try { json = body ? JSON.parse(body.toString("utf8")) : undefined; } catch { json = undefined; }
      state.requests.push({ method: req.method, rpc: json?.method, headers: req.headers, json });
      const m = state.misbehave;
      if (m === "drop") { req.socket.destroy(); return; }
      if (m === "slow") await new Promise((ok) => setTimeout(ok, state.slowMs));
      if (m === "garbage") { res.writeHead(200, { "content-type": "application/json" }); res.end("{not json at all"); return; }
      if (m === "html") { res.writeHead(502, { "content-type": "text/html" }); res.end("<html>Bad gateway</html>"); return; }
      if (m === "huge" && json?.method === "tools/call") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: json.id, result: { content: [{ type: "text", text: "x".repeat(3 * 1024 * 1024) }] } }));
        return;
      }
      if (modern) {
        await fromResponse(await handler.fetch(request, { parsedBody: json }), res);
        return;
      }
      // Session era: one transport per session, created at initialize.
      const sid = req.headers["mcp-session-id"];
      let transport = sid ? state.sessions.get(sid) : undefined;
      if (!transport) {
        if (sid || json?.method !== "initialize") {
          res.writeHead(sid ? 404 : 400, { "content-type": "application/json" });
          res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message: sid ? "Session not found" : "No session" } }));
          return;
        }
        transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          // Answers as an event stream, as the SDK does by default.
          enableJsonResponse: false,
          onsessioninitialized: (id) => state.sessions.set(id, transport),
        });
        transport.onclose = () => { if (transport.sessionId) state.sessions.delete(transport.sessionId); };
        const s = new McpServerV1({ name: "upstream-sessions", version: "1.0.0" });
        register(s, state, z);
        await s.connect(transport);
      }
      await transport.handleRequest(req, res, json);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(e));
    }
  });
  await new Promise((ok, fail) => server.once("error", fail).listen(fixedPort, "127.0.0.1", ok));
  const { port } = server.address();
  return {
    port,
    url: `http://127.0.0.1:${port}/mcp`,
    state,
    /** Tool calls received so far. */
    calls: () => state.requests.filter((r) => r.rpc === "tools/call"),
    stop: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }),
  };
}
