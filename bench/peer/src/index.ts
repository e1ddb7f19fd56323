// The benchmark peer: Dovecote's tools served by the standard TypeScript stack, as its
// documentation writes it — `@cloudflare/workers-oauth-provider` in front (registration,
// tokens in KV, discovery documents, the 401 challenge), a password sign-in and consent page
// like Dovecote's, and `createMcpHandler` from `agents` over an `@modelcontextprotocol/server`
// McpServer with zod schemas behind it. `make bench` bundles it with `wrangler deploy
// --dry-run` and runs it beside Dovecote under the same Miniflare.
//
// The tools are Dovecote's own descriptors (names, titles, descriptions, input and output
// schemas), which the bench takes from Dovecote's `tools/list` into tools.generated.json
// before bundling, turned into zod schemas with `z.fromJSONSchema`. `calculate` is written out
// in zod and computes as Dovecote's does; the other tools answer that the peer does not serve
// them (the bench calls only `calculate`). With the variable RATE_LIMIT = "on", each call takes
// one unit of a per-caller, per-tool limit held by a SQLite Durable Object, as Dovecote's
// calls do — the bench's "tools/call touching a Durable Object" line.
import { DurableObject, env as workerEnv } from "cloudflare:workers";
import { OAuthProvider, type AuthRequest } from "@cloudflare/workers-oauth-provider";
import { createMcpHandler } from "agents/mcp/server";
import { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import described from "./tools.generated.json";

interface Env {
  OAUTH_KV: KVNamespace;
  OAUTH_PROVIDER: any;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  OAUTH_PASSWORD: string;
  PUBLIC_URL: string;
  RATE_LIMIT?: string;
}

type Descriptor = {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
};

/** The largest operand, as Dovecote's calculate: 2^53. */
const MAX_OPERAND = 9_007_199_254_740_992;
const SYMBOLS = { add: "+", subtract: "-", multiply: "*", divide: "/", power: "^" } as const;

const calculateInput = z
  .object({
    operation: z.enum(["add", "subtract", "multiply", "divide", "power"]).describe("The operation: add, subtract, multiply, divide or power."),
    a: z.number().describe("The first operand."),
    b: z.number().describe("The second operand (the exponent for power)."),
  })
  .strict();
const calculateOutput = z.object({
  expression: z.string().describe("The calculation written out, e.g. `7 ^ 8`."),
  result: z.number().describe("The result."),
});

function calculate({ operation, a, b }: z.infer<typeof calculateInput>) {
  for (const [name, value] of [["a", a], ["b", b]] as const) {
    if (!Number.isFinite(value) || Math.abs(value) > MAX_OPERAND) {
      return failed(`\`${name}\` must be a finite number between -${MAX_OPERAND} and ${MAX_OPERAND}`);
    }
  }
  if (operation === "divide" && b === 0) return failed("Division by zero: `b` must not be 0 when dividing");
  const result = { add: a + b, subtract: a - b, multiply: a * b, divide: a / b, power: a ** b }[operation];
  const expression = `${a} ${SYMBOLS[operation]} ${b}`;
  if (!Number.isFinite(result)) return failed(`${expression} is not a finite number (it overflows or is undefined); use smaller operands`);
  const output = { expression, result };
  return { content: [{ type: "text" as const, text: JSON.stringify(output) }], structuredContent: output };
}

function failed(text: string) {
  return { content: [{ type: "text" as const, text }], isError: true };
}

/** Dovecote's descriptors with zod schemas, converted once per isolate. */
const TOOLS = (described as Descriptor[]).map((d) => ({
  ...d,
  input: d.name === "calculate" ? calculateInput : z.fromJSONSchema(d.inputSchema ?? { type: "object" }),
  output: d.name === "calculate" ? calculateOutput : d.outputSchema && z.fromJSONSchema(d.outputSchema),
}));

/** Per-caller, per-tool call counts in fixed windows, one object per caller. */
export class RateLimiter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS calls (tool TEXT PRIMARY KEY, window INTEGER NOT NULL, count INTEGER NOT NULL)");
  }

  /** Takes one call of `tool`; false when `limit` calls were already taken this window. */
  take(tool: string, limit: number, windowMs: number): boolean {
    const window = Math.floor(Date.now() / windowMs);
    const row = this.ctx.storage.sql
      .exec<{ count: number }>(
        "INSERT INTO calls (tool, window, count) VALUES (?1, ?2, 1) ON CONFLICT (tool) DO UPDATE SET count = CASE WHEN window = ?2 THEN count + 1 ELSE 1 END, window = ?2 RETURNING count",
        tool,
        window,
      )
      .one();
    return row.count <= limit;
  }
}

/** A fresh McpServer with the tools, per request (the SDK v2 stateless pattern). */
function server(env: Env, user: string) {
  const mcp = new McpServer({ name: "bench-peer", version: "1.0.0" });
  for (const tool of TOOLS) {
    mcp.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.input, outputSchema: tool.output, annotations: tool.annotations },
      async (args: any) => {
        if (env.RATE_LIMIT === "on") {
          const limiter = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(user));
          if (!(await limiter.take(tool.name, 1_000_000_000, 60_000))) return failed(`Rate limit reached for \`${tool.name}\``);
        }
        if (tool.name === "calculate") return calculate(args);
        return failed(`The bench peer does not serve \`${tool.name}\`; it serves calculate`);
      },
    );
  }
  return mcp;
}

/** The MCP endpoint; the factory reads the caller from the token's props (`authInfo.extra`). */
const mcpHandler = createMcpHandler((context: any) =>
  server(workerEnv as unknown as Env, String(context?.authInfo?.extra?.props?.user ?? "anonymous")),
);

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" })[c]!);

/** Constant-time comparison of the submitted password with OAUTH_PASSWORD. */
async function passwordMatches(given: string, expected: string) {
  const digest = async (s: string) => new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  return crypto.subtle.timingSafeEqual(a, b) && expected.length > 0;
}

/** The sign-in and consent page: the client, the scopes, a password field, Approve. */
async function page(env: Env, authRequest: AuthRequest, error = "") {
  const helpers = env.OAUTH_PROVIDER;
  const consent = await helpers.beginConsent(authRequest);
  const facts = await helpers.describeConsent(authRequest);
  const headers = new Headers(consent.headers);
  headers.set("content-type", "text/html; charset=utf-8");
  headers.set("referrer-policy", "no-referrer");
  const scopes = (authRequest.scope ?? []).map((s) => `<li>${escape(s)}</li>`).join("");
  const html = `<!doctype html><meta charset="utf-8"><title>Sign in</title>
<h1>Sign in to the bench peer</h1>
<p>${escape(String(facts.clientName ?? authRequest.clientId))} asks to act for you${scopes ? ":" : "."}</p><ul>${scopes}</ul>
${error ? `<p role="alert">${escape(error)}</p>` : ""}
<form method="post" action="/authorize">
<input type="hidden" name="handle" value="${escape(consent.handle)}">
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<button name="decision" value="approve">Approve</button>
</form>`;
  return new Response(html, { status: error ? 401 : 200, headers });
}

const signIn = {
  async fetch(request: Request, env: Env) {
    const url = new URL(request.url);
    if (url.pathname === "/") return Response.json({ name: "bench-peer", mcp: `${env.PUBLIC_URL}/mcp` });
    if (url.pathname !== "/authorize") return Response.json({ error: "not_found" }, { status: 404 });
    const helpers = env.OAUTH_PROVIDER;
    if (request.method === "GET") return page(env, await helpers.parseAuthRequest(request));
    if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "GET, POST" } });
    const form = await request.formData();
    const approved = await helpers.approveConsent(request, String(form.get("handle") ?? ""));
    if (!(await passwordMatches(String(form.get("password") ?? ""), env.OAUTH_PASSWORD ?? ""))) {
      return page(env, approved.request, "Wrong password");
    }
    const { redirectTo } = await helpers.completeAuthorization({
      request: approved.request,
      userId: "owner",
      metadata: {},
      scope: approved.request.scope,
      props: { user: "owner" },
    });
    const headers = new Headers(approved.headers);
    headers.set("location", redirectTo);
    return new Response(null, { status: 302, headers });
  },
};

let provider: OAuthProvider<Env> | undefined;

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext) {
    provider ??= new OAuthProvider<Env>({
      apiRoute: "/mcp",
      apiHandler: { fetch: mcpHandler } as any,
      defaultHandler: signIn as any,
      authorizeEndpoint: "/authorize",
      tokenEndpoint: "/token",
      clientRegistrationEndpoint: "/register",
      scopesSupported: ["dovecote:read"],
      resourceMetadata: { resource: `${env.PUBLIC_URL}/mcp`, authorization_servers: [env.PUBLIC_URL] },
    });
    return provider.fetch(request, env, ctx);
  },
};
