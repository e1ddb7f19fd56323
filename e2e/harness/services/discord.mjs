// Discord's Execute Webhook as documented at discord.com/developers/docs/resources/webhook:
// POST /api/webhooks/{id}/{token}[?wait=true][&thread_id=…] with JSON; the message object with
// wait=true, else 204; {message, code} errors (10015 Unknown Webhook, 50035 Invalid Form Body),
// and 429 with retry_after (seconds, float) in the body and Retry-After in the headers.
import { startService } from "./server.mjs";

/** A Discord error body and status. */
export const error = (status, message, code, errors) => ({ status, body: { message, code, ...(errors ? { errors } : {}) } });

/** A 429 asking to wait `seconds`. */
export const rateLimited = (seconds) => ({
  status: 429,
  headers: { "retry-after": String(Math.ceil(seconds)), "x-ratelimit-scope": "user" },
  body: { message: "You are being rate limited.", retry_after: seconds, global: false },
});

/** Embed limits: checked as Discord does, with its Invalid Form Body error. */
function invalid(body) {
  if ((body.content ?? "").length > 2000) return "content";
  for (const [i, e] of (body.embeds ?? []).entries()) {
    if ((e.description ?? "").length > 4096) return `embeds.${i}.description`;
    if ((e.title ?? "").length > 256) return `embeds.${i}.title`;
    if ((e.fields ?? []).length > 25) return `embeds.${i}.fields`;
    const total = (e.title ?? "").length + (e.description ?? "").length + (e.footer?.text ?? "").length
      + (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
    if (total > 6000) return `embeds.${i}`;
  }
  if (!body.content && !(body.embeds ?? []).length) return "content";
  return null;
}

/**
 * Starts the stand-in knowing one webhook.
 * @param {{id: string, token: string}} webhook
 */
export async function startDiscord({ id, token }) {
  let next = 1200000000000000000n;
  const service = await startService((req) => {
    const m = /^\/api\/webhooks\/(\d+)\/([^/]+)$/.exec(req.path);
    if (req.method !== "POST" || !m) return error(405, "405: Method Not Allowed", 0);
    if (m[1] !== id || m[2] !== token) return error(404, "Unknown Webhook", 10015);
    if (!req.json) return error(400, "Cannot send an empty message", 50006);
    const field = invalid(req.json);
    if (field) return error(400, "Invalid Form Body", 50035, { [field]: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 4096 or fewer in length." }] } });
    if (req.query.get("wait") !== "true") return { status: 204 };
    const messageId = String(next++);
    return {
      status: 200,
      body: {
        id: messageId,
        type: 0,
        content: req.json.content ?? "",
        embeds: req.json.embeds ?? [],
        channel_id: req.query.get("thread_id") ?? "1100000000000000000",
        webhook_id: id,
        author: { id, username: req.json.username ?? "Captain Hook", bot: true },
        timestamp: new Date().toISOString(),
        flags: req.json.flags ?? 0,
      },
    };
  });
  return { ...service, webhookUrl: `${service.origin}/api/webhooks/${id}/${token}` };
}
