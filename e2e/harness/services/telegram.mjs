// The Telegram Bot API's sendMessage as documented at core.telegram.org/bots/api: answers
// {ok, result} or {ok: false, error_code, description[, parameters.retry_after]}, checks the
// token, the chat and the HTML (known tags, balanced, entities whole) and the 4,096-character
// limit on the text as Telegram counts it (UTF-16 units, tags removed, entities decoded).
import { startService } from "./server.mjs";

const TAGS = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote", "tg-spoiler", "span", "tg-emoji"]);

/** A Telegram error body and status. */
export const error = (code, description, parameters) => ({
  status: code,
  body: { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) },
});

/** A 429 asking to wait `seconds`. */
export const tooManyRequests = (seconds) =>
  error(429, `Too Many Requests: retry after ${seconds}`, { retry_after: seconds });

/** The text a chat shows for `html`, or an error description as Telegram gives it. */
export function parseHtml(html) {
  const stack = [];
  let text = "";
  const re = /<(\/?)([a-zA-Z-]+)([^>]*)>|&([a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);|[<>&]|[^<>&]+/g;
  for (const m of html.matchAll(re)) {
    const [all, closing, tag, , entity] = m;
    if (tag) {
      const name = tag.toLowerCase();
      if (!TAGS.has(name)) return { error: `Bad Request: can't parse entities: Unsupported start tag "${name}" at byte offset ${m.index}` };
      if (closing) {
        if (stack.pop() !== name) return { error: `Bad Request: can't parse entities: Unexpected end tag at byte offset ${m.index}` };
      } else stack.push(name);
    } else if (entity) {
      const named = { lt: "<", gt: ">", amp: "&", quot: '"' }[entity];
      if (!named && !entity.startsWith("#")) return { error: `Bad Request: can't parse entities: Unknown entity at byte offset ${m.index}` };
      text += named ?? "?";
    } else if (all === "<" || all === ">" || all === "&") {
      return { error: `Bad Request: can't parse entities: Unexpected ${all === "&" ? "end of name token" : "character"} at byte offset ${m.index}` };
    } else text += all;
  }
  if (stack.length) return { error: `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${stack.at(-1)}"` };
  return { text };
}

/**
 * Starts the stand-in. `token` is the one bot token it knows; `chats` the chat ids it knows.
 * @param {{token: string, chats: (string|number)[]}} options
 */
export async function startTelegram({ token, chats }) {
  let nextId = 100;
  const known = new Set(chats.map(String));
  const service = await startService((req) => {
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(req.path);
    if (!m || m[1] !== token) return error(401, "Unauthorized");
    if (m[2] !== "sendMessage") return error(404, "Not Found");
    const body = req.json;
    if (!body || body.text === undefined) return error(400, "Bad Request: message text is empty");
    if (!known.has(String(body.chat_id))) return error(400, "Bad Request: chat not found");
    let text = body.text;
    if (body.parse_mode === "HTML") {
      const parsed = parseHtml(body.text);
      if (parsed.error) return error(400, parsed.error);
      text = parsed.text;
    }
    if (!text.trim()) return error(400, "Bad Request: message text is empty");
    // Telegram counts UTF-16 code units.
    if (text.length > 4096) return error(400, "Bad Request: message is too long");
    const message_id = nextId++;
    return {
      status: 200,
      body: {
        ok: true,
        result: {
          message_id,
          from: { id: Number(token.split(":")[0]), is_bot: true, first_name: "Dovecote", username: "dovecote_bot" },
          chat: { id: Number(body.chat_id), type: "supergroup", title: "E2E" },
          date: Math.floor(Date.now() / 1000),
          text,
          ...(body.message_thread_id ? { message_thread_id: body.message_thread_id, is_topic_message: true } : {}),
        },
      },
    };
  });
  return { ...service, token, apiBase: service.origin };
}
