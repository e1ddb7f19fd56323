//! The `WWW-Authenticate: Bearer` challenge of a protected endpoint (RFC 6750 §3, RFC 9728
//! §5.1): where the resource metadata is, which scopes to ask for, and what went wrong.

use super::metadata::advertised_scopes;

/// Quotes `value` as an HTTP quoted-string: `"` and `\` are escaped, and anything that is not
/// printable ASCII (a line break could end the header) becomes `?`.
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out.push('"');
    out
}

/// The challenge value: `Bearer resource_metadata="…", scope="…"`, then, when `error` is
/// `Some((code, description))`, `error="…"` and a non-empty `error_description="…"`. For a
/// request without a token pass `None`; for a bad token `("invalid_token", …)`; for a missing
/// scope `("insufficient_scope", …)` with every scope the operation needs. Scopes are
/// deduplicated and never include `offline_access`.
pub fn www_authenticate<S: AsRef<str>>(
    resource_metadata_url: &str,
    scopes: impl IntoIterator<Item = S>,
    error: Option<(&str, &str)>,
) -> String {
    let mut out = format!("Bearer resource_metadata={}", quoted(resource_metadata_url));
    let scopes = advertised_scopes(scopes);
    if !scopes.is_empty() {
        out.push_str(&format!(", scope={}", quoted(&scopes.join(" "))));
    }
    if let Some((code, description)) = error {
        out.push_str(&format!(", error={}", quoted(code)));
        if !description.is_empty() {
            out.push_str(&format!(", error_description={}", quoted(description)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRM: &str = "https://gw.example/.well-known/oauth-protected-resource/mcp";

    #[test]
    fn anonymous_challenge_has_metadata_and_baseline_scope() {
        assert_eq!(
            www_authenticate(PRM, ["read", "write", "read", "offline_access"], None),
            format!("Bearer resource_metadata=\"{PRM}\", scope=\"read write\"")
        );
        assert_eq!(
            www_authenticate(PRM, Vec::<String>::new(), None),
            format!("Bearer resource_metadata=\"{PRM}\"")
        );
    }

    #[test]
    fn insufficient_scope_form() {
        let h = www_authenticate(
            PRM,
            ["dovecote:env:read"],
            Some(("insufficient_scope", "get_env needs dovecote:env:read")),
        );
        assert_eq!(
            h,
            format!(
                "Bearer resource_metadata=\"{PRM}\", scope=\"dovecote:env:read\", \
                 error=\"insufficient_scope\", error_description=\"get_env needs dovecote:env:read\""
            )
        );
    }

    #[test]
    fn quotes_backslashes_and_line_breaks_cannot_escape() {
        let h = www_authenticate(
            PRM,
            ["a"],
            Some(("invalid_token", "say \"hi\" \\ now\r\nX-Evil: 1")),
        );
        assert!(h.ends_with("error_description=\"say \\\"hi\\\" \\\\ now??X-Evil: 1\""));
        assert!(!h.contains('\n') && !h.contains('\r'));
    }
}
