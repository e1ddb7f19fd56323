//! The overview: the gateway's health as `/health` reports it (bindings, secrets present,
//! configuration problems), its version and build, and how people sign in.

use super::layout::{self};
use super::{Console, Operator};
use crate::http::HttpResponse;
use crate::web::html::escape;

/// `GET /console`.
pub fn show(console: &Console<'_>, operator: &Operator) -> HttpResponse {
    let report = crate::health::with_probe(&console.server.platform, crate::health::gather);
    let mut body = String::new();
    let status = if report.problems.is_empty() {
        "<p class=\"ok\"><strong>Healthy:</strong> nothing is missing.</p>".to_owned()
    } else {
        let items: String = report
            .problems
            .iter()
            .map(|p| format!("<li>{}</li>", escape(p)))
            .collect();
        format!(
            "<p class=\"bad\"><strong>Unhealthy:</strong> {} problem(s).</p><ul>{items}</ul>",
            report.problems.len()
        )
    };
    body.push_str(&status);
    body.push_str(&format!(
        "<h2>This gateway</h2><table><tbody>\
<tr><th scope=\"row\">Version</th><td>{}</td></tr>\
<tr><th scope=\"row\">Build</th><td><code>{}</code></td></tr>\
<tr><th scope=\"row\">Environment</th><td>{}</td></tr>\
<tr><th scope=\"row\">Sign-in</th><td>{}</td></tr>\
<tr><th scope=\"row\">Signed in as</th><td>{} ({})</td></tr></tbody></table>",
        escape(report.version),
        escape(report.build),
        escape(report.environment),
        escape(report.sign_in),
        escape(&operator.session.name),
        escape(&operator.session.idp),
    ));
    body.push_str(&yes_no_table(
        "Bindings",
        "Binding",
        "Bound",
        &report.bindings,
    ));
    body.push_str(&yes_no_table("Secrets", "Secret", "Set", &report.secrets));
    layout::page(200, "Overview", "/console", Some(&operator.signed()), &body)
}

fn yes_no_table(
    title: &str,
    what: &str,
    yes: &str,
    map: &serde_json::Map<String, serde_json::Value>,
) -> String {
    let rows: String = map
        .iter()
        .map(|(name, v)| {
            let answer = if v.as_bool() == Some(true) {
                "<span class=\"ok\">yes</span>"
            } else {
                "<span class=\"bad\">no</span>"
            };
            format!(
                "<tr><td><code>{}</code></td><td>{answer}</td></tr>",
                escape(name)
            )
        })
        .collect();
    format!(
        "<h2>{title}</h2><div class=\"scroll\"><table><thead><tr><th scope=\"col\">{what}</th>\
<th scope=\"col\">{yes}</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )
}
