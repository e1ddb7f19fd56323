// `make bench`, the operator console (issue 29): the webhooks page of an account holding
// the bench's filled store (BENCH_EVENTS, 100,000) beside one holding ten events, signed in
// to the console with the password. The page reads counters kept as deliveries happen, so
// its cost should not grow with the store: the target is within 1.2× of the small account.
import { createHmac, randomUUID } from "node:crypto";
import { PASSWORD } from "./auth.mjs";
import { QUICK, SECONDS, timed } from "./load.mjs";

const TARGET_RATIO = 1.2;
/** Rounds of the two webhooks pages, alternating which goes first. */
const PAGE_ROUNDS = Number(process.env.BENCH_CONSOLE_ROUNDS ?? (QUICK ? 1 : 3));
const SMALL = "bench-small";

/** A console session cookie, from the password sign-in form. */
async function session(origin) {
  const page = await fetch(`${origin}/console/signin`);
  const csrfCookie = page.headers.get("set-cookie").split(";")[0];
  const token = /name="csrf" value="([^"]+)"/.exec(await page.text())[1];
  const r = await fetch(`${origin}/console/signin`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: csrfCookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrf: token, password: PASSWORD }),
  });
  if (r.status !== 303) throw new Error(`console sign-in: ${r.status} ${await r.text()}`);
  return r.headers.get("set-cookie").split(";")[0];
}

/** Delivers ten `issues` events to the account `SMALL` through an App installation. */
async function tenEvents(origin, secret) {
  const post = async (event, payload) => {
    const body = JSON.stringify(payload);
    const r = await fetch(`${origin}/webhooks/github`, {
      method: "POST",
      headers: {
        "cf-connecting-ip": "140.82.115.9", "content-type": "application/json", "x-github-event": event,
        "x-github-delivery": randomUUID(), "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
      },
      body,
    });
    if (r.status !== 202) throw new Error(`delivery: ${r.status} ${await r.text()}`);
  };
  const installation = { id: 4242, account: { login: SMALL, id: 4242, type: "Organization" }, app_id: 1 };
  await post("installation", { action: "created", installation, repositories: [], sender: { login: SMALL } });
  for (let n = 1; n <= 9; n++) {
    await post("issues", { action: "opened", issue: { number: n, title: `#${n}` }, repository: { full_name: `${SMALL}/app` }, sender: { login: "x" }, installation: { id: 4242 } });
  }
}

/** The store name (the console's `account=`) of the App installation account `login`, from the all-accounts page. */
async function storeOf(origin, cookie, login) {
  const page = await (await fetch(`${origin}/console/webhooks`, { headers: { cookie } })).text();
  const link = new RegExp(`href="/console/webhooks\\?account=([^"]+)">${login}</a>`).exec(page);
  if (!link) throw new Error(`console: the webhooks page lists no account ${login}`);
  return link[1];
}

/** The newest delivery id of `account`, from its webhooks page (the link to its event page). */
async function newestEvent(origin, cookie, account) {
  const page = await (await fetch(`${origin}/console/webhooks?account=${account}`, { headers: { cookie } })).text();
  const href = /href="(\/console\/webhooks\/event\?[^"]+)"/.exec(page);
  if (!href) throw new Error(`console: no event link on the webhooks page of ${account}`);
  return href[1].replaceAll("&amp;", "&");
}

/** Times each console page, and the webhooks page of `big` (the filled account, `events` events) beside a ten-event account. */
export async function benchConsole(server, { secret, big, events }) {
  await tenEvents(server.origin, secret);
  const cookie = await session(server.origin);
  const small = await storeOf(server.origin, cookie, SMALL);
  const time = async (label, path, seconds = SECONDS) => {
    const check = (text) => (!text.includes("<main") ? "not a console page"
      : text.includes("No account of that name") ? "the page shows no account" : undefined);
    const m = await timed(server.child.pid, `${server.origin}${path}`, () => ({ method: "GET", headers: { cookie } }), seconds, { connections: 1, check });
    console.log(`console ${label.padEnd(28)} ${m.rps.toFixed(0).padStart(5)} /s  p50 ${m.p50.toFixed(2)} ms  p99 ${m.p99.toFixed(2)} ms  ${m.cpuMs.toFixed(3)} ms CPU/page`);
    return m;
  };
  const out = { pages: {} };
  const pages = [
    ["overview", "/console"],
    ["notifications", "/console/notifications"],
    ["clients and grants", "/console/grants"],
    ["audit trail", "/console/audit"],
    ["event (ten-event account)", () => newestEvent(server.origin, cookie, small)],
    [`event (${events} events)`, () => newestEvent(server.origin, cookie, big)],
  ];
  for (const [label, where] of pages) {
    try {
      const path = typeof where === "string" ? where : await where();
      out.pages[label] = await time(label, path, Math.min(SECONDS, 2));
    } catch (e) {
      console.log(`console ${label.padEnd(28)} not measured: ${e.message}`);
    }
  }
  // The two webhooks pages in alternating rounds, each round starting with the other one, so
  // that a busy moment of the host does not decide the ratio: the median of the rounds' ratios.
  const pair = [["webhooks (ten events)", small], [`webhooks (${events} events)`, big]];
  const rounds = [];
  for (let round = 0; round < PAGE_ROUNDS; round++) {
    const m = {};
    for (const [label, account] of round % 2 ? [...pair].reverse() : pair) {
      m[account] = await time(`${label}${PAGE_ROUNDS > 1 ? ` ${round + 1}` : ""}`, `/console/webhooks?account=${account}`);
    }
    rounds.push(m);
  }
  const middle = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ratios = rounds.map((m) => m[big].cpuMs / m[small].cpuMs);
  out[SMALL] = { cpuMs: middle(rounds.map((m) => m[small].cpuMs)), rounds: rounds.map((m) => m[small]) };
  out[big] = { cpuMs: middle(rounds.map((m) => m[big].cpuMs)), rounds: rounds.map((m) => m[big]) };
  const ratio = middle(ratios);
  out.ratio = ratio;
  console.log(`                  target ≤ ${TARGET_RATIO}× the ten-event page's CPU at ${events} events: ${ratio.toFixed(2)}× (${ratio <= TARGET_RATIO ? "met" : "NOT MET"}; median of ${PAGE_ROUNDS} alternating rounds: ${ratios.map((r) => r.toFixed(2)).join(" ")})`);
  return out;
}
