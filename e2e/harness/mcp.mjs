// Raw MCP requests for tests that check exact HTTP behaviour (status, headers, bodies), where
// an SDK client would hide it. Real SDK clients are used for everything else.
export const MODERN = "2026-07-28";

export const modernMeta = (extra = {}) => ({
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientCapabilities": {},
  ...extra,
});

/** POSTs a 2026-07-28 request with matching headers; `headers` overrides them. */
export async function modern(url, method, params = {}, { id = 1, headers = {} } = {}) {
  const body = { jsonrpc: "2.0", id, method, params: { ...params, _meta: modernMeta(params._meta) } };
  const h = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": MODERN,
    "mcp-method": method,
    ...(params.name ? { "mcp-name": params.name } : {}),
    ...headers,
  };
  for (const [k, v] of Object.entries(h)) if (v === undefined) delete h[k];
  return post(url, JSON.stringify(body), h);
}

/** POSTs `body` as is; a header given as undefined is not sent. Returns {status, headers, text, json}. */
export async function post(url, body, headers = {}) {
  const h = { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers };
  for (const [k, v] of Object.entries(h)) if (v === undefined) delete h[k];
  const r = await fetch(url, { method: "POST", headers: h, body });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, headers: r.headers, text, json };
}

/**
 * `post` and `modern` that send `Authorization: Bearer <token>` (from signIn), unless the
 * call's own headers replace it (`authorization: undefined` sends none).
 */
export function withToken(token) {
  const auth = { authorization: `Bearer ${token}` };
  return {
    post: (url, body, headers = {}) => post(url, body, { ...auth, ...headers }),
    modern: (url, method, params = {}, { id = 1, headers = {} } = {}) =>
      modern(url, method, params, { id, headers: { ...auth, ...headers } }),
  };
}

/** The JSON-RPC messages of an SSE body, in order. */
export function sseMessages(text) {
  return text.split("\n").filter((l) => l.startsWith("data:")).map((l) => JSON.parse(l.slice(5)));
}
