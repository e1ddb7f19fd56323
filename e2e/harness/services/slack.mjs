// Slack as documented at api.slack.com: incoming webhooks (POST /services/T…/B…/…) answer
// `ok` as text, or a text error with 400/403/404/410 (invalid_payload, no_service,
// channel_not_found, …); chat.postMessage (POST /api/chat.postMessage with a Bearer token)
// answers 200 {ok: true, channel, ts, message} or {ok: false, error}; both answer 429 with
// Retry-After when rate limited.
import { startService } from "./server.mjs";

/** An incoming webhook's text error. */
export const webhookError = (status, text) => ({ status, body: text });
/** A Web API error (HTTP 200, as Slack answers them). */
export const apiError = (error) => ({ status: 200, body: { ok: false, error } });
/** A 429 asking to wait `seconds` (the Web API's body; webhooks answer the same status). */
export const rateLimited = (seconds) => ({ status: 429, headers: { "retry-after": String(seconds) }, body: { ok: false, error: "ratelimited" } });

/** Why Block Kit would refuse `body`, or null. */
function invalidBlocks(body) {
  if (!body.text && !(body.blocks ?? []).length) return "no_text";
  for (const block of body.blocks ?? []) {
    if (block.type === "section" && block.text && block.text.text.length > 3000) return "invalid_blocks";
    if (block.type === "header" && block.text.text.length > 150) return "invalid_blocks";
    if (block.type === "section" && (block.fields ?? []).length > 10) return "invalid_blocks";
  }
  return (body.blocks ?? []).length > 50 ? "invalid_blocks" : null;
}

/**
 * Starts the stand-in knowing one webhook path and one bot token with its channels.
 * @param {{webhookPath: string, botToken: string, channels: string[]}} options
 */
export async function startSlack({ webhookPath, botToken, channels }) {
  let ts = 1700000000;
  const service = await startService((req) => {
    if (req.path.startsWith("/services/")) {
      if (req.path !== webhookPath) return webhookError(404, "no_service");
      if (!req.json) return webhookError(400, "invalid_payload");
      const problem = invalidBlocks(req.json);
      return problem ? webhookError(400, problem) : { status: 200, body: "ok" };
    }
    if (req.path === "/api/chat.postMessage") {
      if (req.headers.authorization !== `Bearer ${botToken}`) return apiError(req.headers.authorization ? "invalid_auth" : "not_authed");
      if (!req.json) return apiError("invalid_json");
      if (!channels.includes(req.json.channel)) return apiError("channel_not_found");
      const problem = invalidBlocks(req.json);
      if (problem) return apiError(problem);
      const stamp = `${ts++}.000100`;
      return { status: 200, body: { ok: true, channel: req.json.channel, ts: stamp, message: { type: "message", text: req.json.text, ts: stamp, bot_id: "B0E2E" } } };
    }
    return { status: 404, body: "not found" };
  });
  return { ...service, webhookUrl: `${service.origin}${webhookPath}`, apiBase: `${service.origin}/api` };
}
