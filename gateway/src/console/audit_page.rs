//! The audit trail: filter by kind, principal and time (dates, UTC), newest first, a page at
//! a time ("older" follows the last entry shown).

use super::layout::{self, when};
use super::{query, Console, Operator, PAGE_ROWS};
use crate::audit::{self, Filter};
use crate::http::{HttpRequest, HttpResponse};
use crate::web::form::encode;
use crate::web::html::escape;

const DAY_MS: u64 = 86_400_000;

/// `YYYY-MM-DD` as milliseconds since the epoch at its midnight (UTC).
fn date_ms(date: &str) -> Option<u64> {
    let mut parts = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (parts.next()??, parts.next()??, parts.next()??);
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days).ok().map(|d| d * DAY_MS)
}

/// `GET /console/audit?kind=&principal=&from=&to=&before=`.
pub async fn show(console: &Console<'_>, operator: &Operator, req: &HttpRequest) -> HttpResponse {
    let kind = query(req, "kind").filter(|k| k.len() <= 64);
    let principal = query(req, "principal").filter(|p| p.len() <= 128);
    let from = query(req, "from");
    let to = query(req, "to");
    let filter = Filter {
        event: kind.clone(),
        actor: principal.clone(),
        since_ms: from.as_deref().and_then(date_ms),
        until_ms: to.as_deref().and_then(date_ms).map(|t| t + DAY_MS),
        before_id: query(req, "before").and_then(|b| b.parse().ok()),
        limit: PAGE_ROWS,
    };
    let found = match audit::find(console.server.platform.objects, filter).await {
        Ok(f) => f,
        Err(e) => return super::unavailable("console audit", &e.0, operator),
    };
    let value = |v: &Option<String>| escape(v.as_deref().unwrap_or(""));
    let form = format!(
        "<form method=\"get\" action=\"/console/audit\" class=\"filters\" role=\"search\">\
<div><label for=\"kind\">Kind</label><input id=\"kind\" name=\"kind\" value=\"{}\" placeholder=\"console\"></div>\
<div><label for=\"principal\">Principal</label><input id=\"principal\" name=\"principal\" value=\"{}\"></div>\
<div><label for=\"from\">From (UTC)</label><input id=\"from\" name=\"from\" type=\"date\" value=\"{}\"></div>\
<div><label for=\"to\">To (UTC)</label><input id=\"to\" name=\"to\" type=\"date\" value=\"{}\"></div>\
<div><button type=\"submit\">Filter</button></div></form>",
        value(&kind),
        value(&principal),
        value(&from),
        value(&to)
    );
    let rows: String = found
        .iter()
        .map(|f| {
            let e = &f.entry;
            let count = if e.count > 1 { format!(" (×{})", e.count) } else { String::new() };
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}{count}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                when(e.at_ms),
                escape(&e.event),
                escape(&e.actor),
                escape(&e.outcome),
                escape(e.client_id.as_deref().unwrap_or("")),
                escape(e.ip.as_deref().unwrap_or("")),
                escape(&e.detail),
            )
        })
        .collect();
    let older = match found.last() {
        Some(last) if found.len() == PAGE_ROWS => {
            let keep: Vec<String> = [
                ("kind", &kind),
                ("principal", &principal),
                ("from", &from),
                ("to", &to),
            ]
            .iter()
            .filter_map(|(k, v)| v.as_deref().map(|v| format!("{k}={}", encode(v))))
            .chain(std::iter::once(format!("before={}", last.id)))
            .collect();
            format!("<nav class=\"pages\" aria-label=\"Pages\"><a href=\"/console/audit?{}\">Older entries</a></nav>", escape(&keep.join("&")))
        }
        _ => String::new(),
    };
    let body = format!(
        "{form}<p>{} entries shown, newest first.</p><div class=\"scroll\"><table><thead><tr><th scope=\"col\">When</th>\
<th scope=\"col\">Kind</th><th scope=\"col\">Principal</th><th scope=\"col\">Outcome</th><th scope=\"col\">Client</th>\
<th scope=\"col\">Address</th><th scope=\"col\">Detail</th></tr></thead><tbody>{rows}</tbody></table></div>{older}",
        found.len()
    );
    layout::page(
        200,
        "Audit trail",
        "/console/audit",
        Some(&operator.signed()),
        &body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_as_utc_midnights() {
        assert_eq!(date_ms("1970-01-01"), Some(0));
        assert_eq!(date_ms("2026-12-02"), Some(1_796_169_600_000));
        assert_eq!(date_ms("2026-13-02"), None);
        assert_eq!(date_ms("yesterday"), None);
        assert_eq!(date_ms("1969-12-31"), None);
    }
}
