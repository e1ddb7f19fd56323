//! The webhooks page: per account, deliveries over the last 24 hours (hourly) and 30 days
//! (daily) as charts of accepted, duplicate and over-quota deliveries, the pending backlog, the
//! newest deliveries with a link to each. Every number comes from the event store's counters
//! (`webhooks::store::tally`), never from scanning events. `?account=<name>` shows one account.

use super::chart::{self, Bar, Series};
use super::layout::{self, when};
use super::{query, Console, Operator};
use crate::http::{HttpRequest, HttpResponse};
use crate::web::form::encode;
use crate::web::html::escape;
use crate::webhooks::store::{self, tally::Hour};
use crate::webhooks::{refusals, registry, Tenant};

/// The newest deliveries listed per account.
const LISTED: usize = 10;

const SERIES: [Series; 3] = [
    Series { label: "accepted" },
    Series { label: "duplicate" },
    Series {
        label: "over quota",
    },
];

/// `GET /console/webhooks[?account=…]`.
pub async fn show(console: &Console<'_>, operator: &Operator, req: &HttpRequest) -> HttpResponse {
    let only = query(req, "account");
    let platform = &console.server.platform;
    let settings = &console.config.webhooks;
    let mut accounts: Vec<(Tenant, String)> =
        match registry::accounts(platform.objects, settings.uninstall_grace_ms).await {
            Ok(listed) => listed
                .into_iter()
                .map(|l| {
                    let shown = l
                        .account
                        .map_or_else(|| l.tenant.as_str().to_owned(), |a| a.login);
                    (l.tenant, shown)
                })
                .collect(),
            Err(e) => return super::unavailable("console webhooks", &e.0, operator),
        };
    if let Some(t) = &settings.default_tenant {
        if !accounts.iter().any(|(a, _)| a == t) {
            accounts.push((t.clone(), format!("{} (repository webhooks)", t.as_str())));
        }
    }
    if let Some(only) = &only {
        accounts.retain(|(t, _)| t.as_str() == only.as_str());
    }
    let now = platform.clock.now_ms();
    let refused = match crate::webhooks::refusals::recent(platform.objects).await {
        Ok(r) => r,
        Err(e) => return super::unavailable("console webhooks", &e.0, operator),
    };
    let mut body = String::new();
    if only.is_some() {
        body.push_str("<p><a href=\"/console/webhooks\">All accounts</a></p>");
    }
    if accounts.is_empty() && only.is_some() {
        body.push_str("<p>No account of that name has delivered anything.</p>");
    } else if accounts.is_empty() {
        body.push_str("<p>No account has delivered anything yet. Deliveries appear here once GitHub sends them to <code>/webhooks/github</code>.</p>");
    }
    if only.is_none() {
        body.push_str(&refusals(&refused, now));
    }
    for (tenant, shown) in &accounts {
        let activity = match store::activity(platform.objects, tenant).await {
            Ok(a) => a,
            Err(e) => return super::unavailable("console webhooks", &e.0, operator),
        };
        let newest = match store::newest(platform.objects, tenant, LISTED).await {
            Ok(n) => n,
            Err(e) => return super::unavailable("console webhooks", &e.0, operator),
        };
        body.push_str(&section(tenant, shown, &activity, &newest, now));
    }
    layout::page(
        200,
        "Webhooks",
        "/console/webhooks",
        Some(&operator.signed()),
        &body,
    )
}

const REFUSED: [Series; 3] = [
    Series {
        label: "bad signature",
    },
    Series {
        label: "address over its rate",
    },
    Series {
        label: "unknown account",
    },
];

/// The gateway's refusals before an account was known, hourly and daily.
fn refusals(hours: &[refusals::Hour], now_ms: u64) -> String {
    let bars = |range: std::ops::RangeInclusive<u64>, per: u64, label: &dyn Fn(u64) -> String| {
        range
            .map(|p| {
                let in_period = hours.iter().filter(|h| h.hour / per == p);
                let (s, a, u) = in_period.fold((0, 0, 0), |(s, a, u), h| {
                    (s + h.signature, a + h.address_rate, u + h.unknown_tenant)
                });
                Bar {
                    label: label(p),
                    values: vec![s, a, u],
                }
            })
            .collect::<Vec<_>>()
    };
    let hour = now_ms / 3_600_000;
    let day = hour / 24;
    let hourly = bars(hour - 23..=hour, 1, &|h| {
        when(h * 3_600_000)[11..16].to_owned()
    });
    let daily = bars(day - 29..=day, 24, &|d| {
        when(d * 86_400_000)[..10].to_owned()
    });
    format!(
        "<section class=\"box\" aria-labelledby=\"refused\"><h2 id=\"refused\">Refused before an account was known</h2>\
<p class=\"note\">For the whole gateway; counted in memory and written in batches, so the last minute may be missing.</p>\
<h3>Last 24 hours</h3>{}<h3>Last 30 days</h3>{}</section>",
        chart::bars("Refused deliveries by hour", &REFUSED, &hourly),
        chart::bars("Refused deliveries by day", &REFUSED, &daily),
    )
}

fn section(
    tenant: &Tenant,
    shown: &str,
    activity: &store::tally::Activity,
    newest: &[store::Stored],
    now_ms: u64,
) -> String {
    let now_hour = now_ms / 3_600_000;
    let day = |h: u64| h / 24;
    let hourly: Vec<Bar> = (0..24)
        .map(|i| now_hour - 23 + i)
        .map(|h| {
            bar(
                &when(h * 3_600_000)[11..16],
                sum(&activity.hours, |x| x.hour == h),
            )
        })
        .collect();
    let daily: Vec<Bar> = (0..30)
        .map(|i| day(now_hour) - 29 + i)
        .map(|d| {
            bar(
                &when(d * 86_400_000)[..10],
                sum(&activity.hours, |x| day(x.hour) == d),
            )
        })
        .collect();
    let name = format!(
        "<a href=\"/console/webhooks?account={}\">{}</a>",
        escape(&encode(tenant.as_str())),
        escape(shown)
    );
    let pending = &activity.pending;
    let types: Vec<String> = pending
        .types
        .iter()
        .map(|(t, n)| format!("{} {n}", escape(t)))
        .collect();
    let backlog = if pending.pending_count == 0 {
        "nothing pending".to_owned()
    } else {
        format!("{} pending ({})", pending.pending_count, types.join(", "))
    };
    let newest_line = match &activity.newest {
        Some(e) => format!(
            "{} <code>{}</code> at {}",
            escape(&e.event.event_type),
            escape(&e.event.id),
            escape(&e.event.received_at)
        ),
        None => "none yet".into(),
    };
    let rows: String = newest
        .iter()
        .map(|e| {
            let href = format!(
                "/console/webhooks/event?account={}&amp;id={}",
                encode(tenant.as_str()),
                encode(&e.event.id)
            );
            let title = e.event.summary.title.as_deref().unwrap_or("");
            format!(
                "<tr><td><a href=\"{href}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&e.event.id),
                escape(&e.event.event_type),
                escape(title),
                escape(&e.event.received_at),
                if e.event.processed { "processed" } else { "pending" }
            )
        })
        .collect();
    format!(
        "<section aria-labelledby=\"acct-{id}\" class=\"box\"><h2 id=\"acct-{id}\">{name}</h2>\
<p><strong>Backlog:</strong> {backlog}. <strong>Newest delivery:</strong> {newest_line}.</p>\
<h3>Last 24 hours</h3>{}<h3>Last 30 days</h3>{}\
<h3>Newest deliveries</h3><div class=\"scroll\"><table><thead><tr><th scope=\"col\">Delivery</th>\
<th scope=\"col\">Type</th><th scope=\"col\">Title</th><th scope=\"col\">Received</th><th scope=\"col\">State</th></tr></thead>\
<tbody>{rows}</tbody></table></div></section>",
        chart::bars(&format!("{shown}: deliveries by hour"), &SERIES, &hourly),
        chart::bars(&format!("{shown}: deliveries by day"), &SERIES, &daily),
        id = escape(&encode(tenant.as_str())),
    )
}

fn sum(hours: &[Hour], pick: impl Fn(&Hour) -> bool) -> Hour {
    hours
        .iter()
        .filter(|h| pick(h))
        .fold(Hour::default(), |a, h| Hour {
            hour: a.hour,
            accepted: a.accepted + h.accepted,
            duplicate: a.duplicate + h.duplicate,
            over_quota: a.over_quota + h.over_quota,
        })
}

fn bar(label: &str, h: Hour) -> Bar {
    Bar {
        label: label.to_owned(),
        values: vec![h.accepted, h.duplicate, h.over_quota],
    }
}
