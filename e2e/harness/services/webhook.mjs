// A receiver of Dovecote's generic JSON webhooks, as a careful one is written: it checks the
// HMAC-SHA256 signature (`sha256=<hex>` over the raw body) in constant time, answers 401 when
// it is wrong, and uses `Idempotency-Key` to accept each notification once.
import { createHmac, timingSafeEqual } from "node:crypto";
import { startService } from "./server.mjs";

/**
 * Starts the receiver at `path`, checking signatures in `header` with `key`.
 * @param {{path?: string, key: string, header?: string}} options
 */
export async function startWebhook({ path = "/hooks/dovecote", key, header = "x-dovecote-signature" }) {
  const seen = new Set();
  const service = await startService((req) => {
    if (req.path !== path) return { status: 404, body: "not found" };
    const expected = Buffer.from(`sha256=${createHmac("sha256", key).update(req.body).digest("hex")}`);
    const given = Buffer.from(String(req.headers[header] ?? ""));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { status: 401, body: { error: "bad signature" } };
    }
    const id = req.headers["idempotency-key"];
    if (seen.has(id)) return { status: 200, body: { duplicate: true } };
    seen.add(id);
    return { status: 202, body: { accepted: true } };
  });
  return { ...service, url: `${service.origin}${path}` };
}
