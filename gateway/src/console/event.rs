//! One delivery: its summary and payload, and "mark processed".

use super::layout;
use super::{field, query, Console, Operator};
use crate::http::{HttpRequest, HttpResponse};
use crate::web::form::{encode, Form};
use crate::web::html::escape;
use crate::webhooks::store::{self, Marked};
use crate::webhooks::{DeliveryId, Tenant};

/// Payloads larger than this are not shown (the export has them).
const MAX_SHOWN_PAYLOAD: usize = 256 * 1024;

fn parse(account: &str, id: &str) -> Result<(Tenant, DeliveryId), String> {
    Ok((Tenant::parse(account)?, DeliveryId::parse(id)?))
}

/// `GET /console/webhooks/event?account=…&id=…`.
pub async fn show(console: &Console<'_>, operator: &Operator, req: &HttpRequest) -> HttpResponse {
    let signed = operator.signed();
    let (Some(account), Some(id)) = (query(req, "account"), query(req, "id")) else {
        return layout::message(
            400,
            "Bad request",
            "Name the account and the delivery id.",
            Some(&signed),
        );
    };
    let (tenant, id) = match parse(&account, &id) {
        Ok(p) => p,
        Err(why) => return layout::message(400, "Bad request", &why, Some(&signed)),
    };
    let objects = console.server.platform.objects;
    let event = match store::get(objects, &tenant, &id, MAX_SHOWN_PAYLOAD).await {
        Ok(Some(e)) => e,
        Ok(None) => {
            return layout::message(
                404,
                "No such delivery",
                "This account holds no delivery with that id (it may have expired).",
                Some(&signed),
            )
        }
        Err(e) => return super::unavailable("console event", &e.0, operator),
    };
    let e = &event.event;
    let s = &e.summary;
    let row = |k: &str, v: Option<String>| {
        v.map(|v| format!("<tr><th scope=\"row\">{k}</th><td>{}</td></tr>", escape(&v)))
            .unwrap_or_default()
    };
    let summary = [
        row("Account", Some(account.clone())),
        row("Type", Some(e.event_type.clone())),
        row("Action", s.action.clone()),
        row("Repository", s.repo.clone()),
        row("Sender", s.sender.clone()),
        row("Number", s.number.map(|n| n.to_string())),
        row("Title", s.title.clone()),
        row("Link", s.url.clone()),
        row("Received", Some(e.received_at.clone())),
        row("Size", Some(format!("{} bytes", e.payload_bytes))),
        row(
            "State",
            Some(if e.processed { "processed" } else { "pending" }.into()),
        ),
    ]
    .concat();
    let payload = match (&event.payload, &event.note) {
        (Some(raw), _) => {
            let pretty = serde_json::from_str::<serde_json::Value>(raw.get())
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or_else(|| raw.get().to_owned());
            format!("<pre>{}</pre>", escape(&pretty))
        }
        (None, Some(note)) => format!("<p class=\"note\">{}</p>", escape(note)),
        (None, None) => "<p class=\"note\">No payload.</p>".into(),
    };
    let action = if e.processed {
        "<p class=\"ok\">Processed.</p>".to_owned()
    } else {
        format!(
            "<form method=\"post\" action=\"/console/webhooks/mark\">{}\
<input type=\"hidden\" name=\"account\" value=\"{}\"><input type=\"hidden\" name=\"id\" value=\"{}\">\
<button class=\"primary\" type=\"submit\">Mark processed</button></form>",
            operator.csrf_field(),
            escape(&account),
            escape(id.as_str())
        )
    };
    let body = format!(
        "<p><a href=\"/console/webhooks\">All webhooks</a></p><table><tbody>{summary}</tbody></table>{action}<h2>Payload</h2>{payload}"
    );
    layout::page(
        200,
        &format!("Delivery {}", id.as_str()),
        "/console/webhooks",
        Some(&signed),
        &body,
    )
}

/// `POST /console/webhooks/mark`: marks the delivery processed; audited.
pub async fn mark(console: &Console<'_>, operator: &Operator, form: &Form) -> HttpResponse {
    let (account, id) = match (
        field(form, "account", operator),
        field(form, "id", operator),
    ) {
        (Ok(a), Ok(i)) => (a, i),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let (tenant, delivery) = match parse(account, id) {
        Ok(p) => p,
        Err(why) => return layout::message(400, "Bad request", &why, Some(&operator.signed())),
    };
    let detail = format!("{account}/{id}");
    match store::mark(console.server.platform.objects, &tenant, &delivery).await {
        Ok(Marked::NotFound) => {
            console
                .audit(operator, "mark processed", "failure", &detail)
                .await;
            layout::message(
                404,
                "No such delivery",
                "This account holds no delivery with that id.",
                Some(&operator.signed()),
            )
        }
        Ok(_) => {
            console
                .audit(operator, "mark processed", "success", &detail)
                .await;
            layout::see_other(&format!(
                "/console/webhooks/event?account={}&id={}",
                encode(account),
                encode(id)
            ))
        }
        Err(e) => super::unavailable("console mark", &e.0, operator),
    }
}
