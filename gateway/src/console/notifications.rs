//! The notifications page: per channel, attempts over the last 24 hours and 30 days (sent,
//! queued again, failed) from the outbox's counters, the queue with each notification's next
//! attempt and last error (the service's words), the recent failures, and "retry now" and
//! "drop" on waiting ones (audited).

use super::chart::{self, Bar, Series};
use super::layout::{self, when};
use super::{field, Console, Operator};
use crate::channels::outbox::steer::{self, Hour, Steered};
use crate::channels::outbox::Status;
use crate::channels::registry::Registry;
use crate::http::HttpResponse;
use crate::web::form::Form;
use crate::web::html::escape;

pub use steer::Action;

/// Most notifications listed per channel and kind.
const LISTED: usize = 50;

const SERIES: [Series; 3] = [
    Series { label: "sent" },
    Series {
        label: "queued again",
    },
    Series { label: "failed" },
];

fn channels(console: &Console<'_>) -> Vec<String> {
    Registry::load(crate::channels::CHANNELS, console.server.platform.secrets).ids()
}

/// `GET /console/notifications`.
pub async fn show(console: &Console<'_>, operator: &Operator) -> HttpResponse {
    let platform = &console.server.platform;
    let now = platform.clock.now_ms();
    let ids = channels(console);
    let mut body = String::new();
    if ids.is_empty() {
        body.push_str(
            "<p>No channel is configured (channels.toml, or the *_INSTANCES secrets).</p>",
        );
    }
    for id in &ids {
        let view = match steer::watch(platform.objects, id, LISTED).await {
            Ok(v) => v,
            Err(e) => return super::unavailable("console notifications", &e.0, operator),
        };
        body.push_str(&section(operator, id, &view, now));
    }
    layout::page(
        200,
        "Notifications",
        "/console/notifications",
        Some(&operator.signed()),
        &body,
    )
}

fn section(operator: &Operator, channel: &str, view: &steer::View, now_ms: u64) -> String {
    let now_hour = now_ms / 3_600_000;
    let sum = |pick: &dyn Fn(u64) -> bool| {
        view.hours
            .iter()
            .filter(|h| pick(h.hour))
            .fold(Hour::default(), |a, h| Hour {
                hour: 0,
                sent: a.sent + h.sent,
                queued: a.queued + h.queued,
                failed: a.failed + h.failed,
            })
    };
    let bar = |label: String, h: Hour| Bar {
        label,
        values: vec![h.sent, h.queued, h.failed],
    };
    let hourly: Vec<Bar> = (now_hour - 23..=now_hour)
        .map(|h| bar(when(h * 3_600_000)[11..16].to_owned(), sum(&|x| x == h)))
        .collect();
    let today = now_hour / 24;
    let daily: Vec<Bar> = (today - 29..=today)
        .map(|d| bar(when(d * 86_400_000)[..10].to_owned(), sum(&|x| x / 24 == d)))
        .collect();
    let name = escape(channel);
    let waiting: String = view
        .waiting
        .iter()
        .map(|s| row(operator, channel, s, true))
        .collect();
    let failed: String = view
        .failed
        .iter()
        .map(|s| row(operator, channel, s, false))
        .collect();
    format!(
        "<section class=\"box\" aria-labelledby=\"ch-{name}\"><h2 id=\"ch-{name}\">{name}</h2>\
<h3>Last 24 hours</h3>{}<h3>Last 30 days</h3>{}\
<h3>Queue ({} waiting)</h3>{}<h3>Recent failures</h3>{}</section>",
        chart::bars(&format!("{channel}: attempts by hour"), &SERIES, &hourly),
        chart::bars(&format!("{channel}: attempts by day"), &SERIES, &daily),
        view.waiting.len(),
        table(&waiting, true),
        table(&failed, false),
    )
}

fn table(rows: &str, actions: bool) -> String {
    if rows.is_empty() {
        return "<p>None.</p>".into();
    }
    let head = if actions {
        "<th scope=\"col\">Action</th>"
    } else {
        ""
    };
    format!(
        "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Notification</th><th scope=\"col\">State</th>\
<th scope=\"col\">Attempts</th><th scope=\"col\">Next attempt</th><th scope=\"col\">Last error</th>{head}</tr></thead>\
<tbody>{rows}</tbody></table></div>"
    )
}

fn row(operator: &Operator, channel: &str, s: &Status, actions: bool) -> String {
    let state = serde_json::to_value(s.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let next = s.next_attempt_ms.map_or_else(|| "—".into(), when);
    let buttons = if actions && s.state == crate::channels::outbox::State::Queued {
        let hidden = format!(
            "{}<input type=\"hidden\" name=\"channel\" value=\"{}\"><input type=\"hidden\" name=\"id\" value=\"{}\">",
            operator.csrf_field(),
            escape(channel),
            escape(&s.id)
        );
        format!(
            "<td><form class=\"inline\" method=\"post\" action=\"/console/notifications/retry\">{hidden}\
<button type=\"submit\" aria-label=\"Retry now: {id}\">Retry now</button></form> \
<form class=\"inline\" method=\"post\" action=\"/console/notifications/drop\">{hidden}\
<button class=\"danger\" type=\"submit\" aria-label=\"Drop: {id}\">Drop</button></form></td>",
            id = escape(&s.id)
        )
    } else if actions {
        "<td>being sent</td>".into()
    } else {
        String::new()
    };
    format!(
        "<tr><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td>{buttons}</tr>",
        escape(&s.id),
        escape(&state),
        s.attempts,
        next,
        escape(s.reason.as_deref().unwrap_or("")),
    )
}

/// `POST /console/notifications/retry|drop`.
pub async fn act(
    console: &Console<'_>,
    operator: &Operator,
    form: &Form,
    action: Action,
) -> HttpResponse {
    let (channel, id) = match (
        field(form, "channel", operator),
        field(form, "id", operator),
    ) {
        (Ok(c), Ok(i)) => (c, i),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    if !channels(console).iter().any(|c| c == channel) {
        return layout::message(
            404,
            "No such channel",
            "That channel is not configured.",
            Some(&operator.signed()),
        );
    }
    let what = match action {
        Action::Retry => "retry notification",
        Action::Drop => "drop notification",
    };
    let detail = format!("{id} on {channel}");
    let by = operator.session.actor();
    match steer::act(console.server.platform.objects, channel, id, action, by).await {
        Ok(Steered::Done) => {
            console.audit(operator, what, "success", &detail).await;
            layout::see_other("/console/notifications")
        }
        Ok(other) => {
            console.audit(operator, what, "failure", &detail).await;
            let why = if other == Steered::NotFound {
                "No such notification on this channel."
            } else {
                "It is not waiting any more: it was sent, failed, or is being sent right now."
            };
            layout::message(409, "Nothing to do", why, Some(&operator.signed()))
        }
        Err(e) => super::unavailable("console notifications", &e.0, operator),
    }
}
