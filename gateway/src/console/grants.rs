//! Clients and grants: registered clients (name, redirect hosts, how registered, last used)
//! and grants (who, client, scopes, created, last refreshed), newest first, a page at a time,
//! each grant with "revoke" (audited; its tokens stop working at once).

use super::layout::{self, when};
use super::{field, query, Console, Operator, PAGE_ROWS};
use crate::http::{HttpRequest, HttpResponse};
use crate::oauth::store;
use crate::web::form::Form;
use crate::web::html::escape;

/// Most clients or grants read for the listing.
const MAX_READ: usize = 1000;

/// `GET /console/grants[?page=N]`.
pub async fn show(console: &Console<'_>, operator: &Operator, req: &HttpRequest) -> HttpResponse {
    let kv = console.server.platform.kv;
    let page: usize = query(req, "page")
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let mut grants = match store::grants(kv, MAX_READ).await {
        Ok(g) => g,
        Err(e) => return super::unavailable("console grants", &e.0, operator),
    };
    let mut clients = match store::clients(kv, MAX_READ).await {
        Ok(c) => c,
        Err(e) => return super::unavailable("console grants", &e.0, operator),
    };
    grants.sort_by_key(|g| std::cmp::Reverse(g.created_ms));
    clients.sort_by_key(|c| std::cmp::Reverse(c.1.issued_at));
    let last_used = |client: &str| {
        grants
            .iter()
            .filter(|g| g.client_id == client)
            .map(|g| g.last_used_ms)
            .max()
    };
    let skip = (page - 1) * PAGE_ROWS;
    let client_rows: String = clients
        .iter()
        .skip(skip)
        .take(PAGE_ROWS)
        .map(|(id, c)| {
            let hosts: Vec<String> = c
                .metadata
                .redirect_uris
                .iter()
                .map(|u| host_of(u.as_str()))
                .collect();
            format!(
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(c.metadata.client_name.as_deref().unwrap_or("(no name)")),
                escape(id),
                escape(&hosts.join(", ")),
                if c.self_registered {
                    "self-registered"
                } else {
                    "by the operator"
                },
                last_used(id).map_or_else(|| "never".into(), when),
            )
        })
        .collect();
    let grant_rows: String = grants
        .iter()
        .skip(skip)
        .take(PAGE_ROWS)
        .map(|g| {
            let client = clients
                .iter()
                .find(|(id, _)| *id == g.client_id)
                .and_then(|(_, c)| c.metadata.client_name.clone())
                .unwrap_or_else(|| g.client_id.clone());
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>\
<form class=\"inline\" method=\"post\" action=\"/console/grants/revoke\">{}\
<input type=\"hidden\" name=\"grant\" value=\"{}\">\
<button class=\"danger\" type=\"submit\" aria-label=\"Revoke the grant of {} to {}\">Revoke</button></form></td></tr>",
                escape(&g.subject),
                escape(&client),
                escape(&g.scopes),
                when(g.created_ms),
                when(g.last_used_ms),
                operator.csrf_field(),
                escape(&g.grant_id),
                escape(&g.subject),
                escape(&client),
            )
        })
        .collect();
    let more = grants.len().max(clients.len()) > skip + PAGE_ROWS;
    let pages = format!(
        "<nav class=\"pages\" aria-label=\"Pages\">{}{}</nav>",
        if page > 1 {
            format!(
                "<a href=\"/console/grants?page={}\">Previous page</a>",
                page - 1
            )
        } else {
            String::new()
        },
        if more {
            format!(
                "<a href=\"/console/grants?page={}\">Next page</a>",
                page + 1
            )
        } else {
            String::new()
        }
    );
    let body = format!(
        "<p>Page {page}. {} grants, {} clients.</p>\
<h2>Grants</h2><div class=\"scroll\"><table><thead><tr><th scope=\"col\">Who</th><th scope=\"col\">Client</th>\
<th scope=\"col\">Scopes</th><th scope=\"col\">Created</th><th scope=\"col\">Last refreshed</th><th scope=\"col\">Action</th></tr></thead>\
<tbody>{grant_rows}</tbody></table></div>\
<h2>Clients</h2><div class=\"scroll\"><table><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Client id</th>\
<th scope=\"col\">Redirect hosts</th><th scope=\"col\">Registered</th><th scope=\"col\">Last used</th></tr></thead>\
<tbody>{client_rows}</tbody></table></div>{pages}",
        grants.len(),
        clients.len()
    );
    layout::page(
        200,
        "Clients and grants",
        "/console/grants",
        Some(&operator.signed()),
        &body,
    )
}

/// The host (and port) of a redirect URI, or the URI when it has none (a custom scheme).
fn host_of(uri: &str) -> String {
    uri.split_once("://")
        .map(|(_, rest)| {
            rest.split(['/', '?', '#'])
                .next()
                .unwrap_or(rest)
                .to_owned()
        })
        .unwrap_or_else(|| uri.to_owned())
}

/// `POST /console/grants/revoke`: revokes one grant; audited.
pub async fn revoke(console: &Console<'_>, operator: &Operator, form: &Form) -> HttpResponse {
    let grant_id = match field(form, "grant", operator) {
        Ok(g) => g,
        Err(r) => return r,
    };
    let kv = console.server.platform.kv;
    let known = match store::grant(kv, grant_id).await {
        Ok(g) => g,
        Err(e) => return super::unavailable("console revoke", &e.0, operator),
    };
    let Some(grant) = known else {
        console
            .audit(operator, "revoke grant", "failure", grant_id)
            .await;
        return layout::message(
            404,
            "No such grant",
            "That grant does not exist (any more).",
            Some(&operator.signed()),
        );
    };
    let detail = format!("{grant_id} of {} to {}", grant.subject, grant.client_id);
    match crate::oauth::endpoints::revocation::revoke_grant(console.server, grant_id).await {
        Ok(()) => {
            console
                .audit(operator, "revoke grant", "success", &detail)
                .await;
            layout::see_other("/console/grants")
        }
        Err(e) => {
            console
                .audit(operator, "revoke grant", "failure", &detail)
                .await;
            layout::message(
                503,
                "Not revoked",
                e.description(),
                Some(&operator.signed()),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redirect_hosts_keep_the_port_and_drop_the_path() {
        assert_eq!(
            super::host_of("http://127.0.0.1:33418/callback?x"),
            "127.0.0.1:33418"
        );
        assert_eq!(
            super::host_of("https://claude.ai/api/mcp/auth_callback"),
            "claude.ai"
        );
        assert_eq!(super::host_of("com.example.app:/cb"), "com.example.app:/cb");
    }
}
