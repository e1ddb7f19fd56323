//! `/authorize`: validates the authorization request, shows the sign-in and consent page,
//! and on approval creates the grant and redirects with `code`, `state` and `iss`. Until the
//! client and redirect URI are known good, errors are a page, never a redirect.

use super::page::{self, Consent, OperatorScopes};
use super::password::Refused;
use super::{form_body, param, redirect_to, storage_failed, AuthServer};
use crate::audit::{self, Entry};
use crate::grants::{self, Grant};
use crate::http::{HttpRequest, HttpResponse};
use crate::oauth::props::GrantProps;
use crate::oauth::store::StoredClient;
use crate::oauth::SignIn;
use crate::oauth::{
    challenge_from_request, hash_secret, new_token, ClientId, CodeChallenge, OAuthError, ScopeSet,
    State, OFFLINE_ACCESS,
};
use crate::toolbox::Role;
use crate::web::{csrf, form::Form};

/// The parameters carried from the page to its form, in this order.
const CARRIED: [&str; 8] = [
    "client_id",
    "redirect_uri",
    "response_type",
    "code_challenge",
    "code_challenge_method",
    "state",
    "scope",
    "resource",
];

/// A valid authorization request.
pub(super) struct AuthRequest {
    pub client_id: ClientId,
    pub client: StoredClient,
    pub redirect_uri: String,
    pub state: Option<State>,
    pub challenge: CodeChallenge,
    pub scopes: ScopeSet,
    pub resource: String,
    /// The request's parameters, to carry through the form.
    pub carried: Vec<(&'static str, String)>,
}

pub(super) enum Failure {
    /// Shown as a page: the client or redirect URI cannot be trusted with a redirect.
    Page(u16, String),
    /// Sent back to the client's redirect URI.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: OAuthError,
    },
}

impl Failure {
    fn respond(self, server: &AuthServer<'_>) -> HttpResponse {
        match self {
            Failure::Page(status, message) => page::error(status, &message),
            Failure::Redirect {
                redirect_uri,
                state,
                error,
            } => {
                let mut params = vec![
                    ("error", error.as_str()),
                    ("error_description", error.description()),
                ];
                if let Some(state) = state.as_deref() {
                    params.push(("state", state));
                }
                params.push(("iss", server.issuer.as_str()));
                redirect_to(&redirect_uri, &params)
            }
        }
    }
}

pub(super) async fn validate(server: &AuthServer<'_>, form: &Form) -> Result<AuthRequest, Failure> {
    let page = |m: String| Failure::Page(400, m);
    let get = |name: &str| form.get(name).map_err(&page);
    let raw_client =
        get("client_id")?.ok_or_else(|| page("The request has no client_id.".into()))?;
    let client_id = ClientId::parse(raw_client)
        .map_err(|e| page(format!("The client_id is not valid: {}", e.description())))?;
    let client = super::clients::lookup(server, &client_id)
        .await
        .map_err(|e| {
            let status = if e.status() >= 500 { 503 } else { 400 };
            Failure::Page(
                status,
                format!("This client cannot be used: {}", e.description()),
            )
        })?
        .ok_or_else(|| {
            page(
                "This client is not registered here. Ask its developer to register it again."
                    .into(),
            )
        })?;
    let redirect_uri = match get("redirect_uri")? {
        Some(requested) => match client.metadata.redirect_uri(requested) {
            Some(_) => requested.to_owned(),
            None => return Err(page("The redirect_uri is not one this client registered, so the sign-in cannot continue.".into())),
        },
        None if client.metadata.redirect_uris.len() == 1 => client.metadata.redirect_uris[0].as_str().to_owned(),
        None => return Err(page("The request has no redirect_uri and the client registered several.".into())),
    };
    // From here on the redirect URI is known good: errors go back to the client.
    let raw_state = get("state")?.map(str::to_owned);
    let redirect = |error: OAuthError| Failure::Redirect {
        redirect_uri: redirect_uri.clone(),
        state: raw_state.clone(),
        error,
    };
    let state = raw_state
        .as_deref()
        .map(State::parse)
        .transpose()
        .map_err(redirect)?;
    if get("response_type")? != Some("code") {
        return Err(redirect(OAuthError::UnsupportedResponseType(
            "response_type must be `code`".into(),
        )));
    }
    let challenge = challenge_from_request(get("code_challenge")?, get("code_challenge_method")?)
        .map_err(redirect)?;
    let requested = match get("scope")? {
        Some(s) => ScopeSet::parse(s).map_err(redirect)?,
        None => ScopeSet::default(),
    };
    let known: Vec<&str> = server.scopes.iter().map(|s| s.name).collect();
    let mut scopes = ScopeSet::default();
    for scope in requested.iter() {
        if scope.as_str() == OFFLINE_ACCESS {
            continue; // Refresh tokens are issued anyway.
        }
        if !known.contains(&scope.as_str()) {
            return Err(redirect(OAuthError::InvalidScope(format!(
                "unknown scope {}; this server offers: {}",
                crate::oauth::shown(scope.as_str()),
                known.join(" ")
            ))));
        }
        scopes.insert(scope.clone());
    }
    if scopes.is_empty() {
        // Everything but the high-privilege scopes, which must be asked for by name.
        let default: Vec<&str> = known
            .iter()
            .copied()
            .filter(|s| !super::HIGH_PRIVILEGE_SCOPES.contains(s))
            .collect();
        scopes = ScopeSet::parse(&default.join(" ")).map_err(redirect)?;
    }
    let resource = match get("resource")? {
        None => server.issuer.resource().as_str().to_owned(),
        Some(r) if r == server.issuer.resource().as_str() => r.to_owned(),
        Some(r) => {
            return Err(redirect(OAuthError::InvalidTarget(format!(
                "resource {} is not this server's; use {}",
                crate::oauth::shown(r),
                server.issuer.resource().as_str()
            ))))
        }
    };
    let carried = CARRIED
        .iter()
        .filter_map(|k| form.get(k).ok().flatten().map(|v| (*k, v.to_owned())))
        .collect();
    Ok(AuthRequest {
        client_id,
        client,
        redirect_uri,
        state,
        challenge,
        scopes,
        resource,
        carried,
    })
}

/// Binds a CSRF token to this exact request.
fn purpose(request: &AuthRequest) -> String {
    let canonical = serde_json::to_string(&request.carried).unwrap_or_default();
    format!("authorize:{}", hash_secret(&canonical))
}

pub(super) async fn show(server: &AuthServer<'_>, req: &HttpRequest) -> HttpResponse {
    let Some(form) = Form::from_url(&req.url) else {
        return page::error(400, "The request URL has a malformed %-escape.");
    };
    let request = match validate(server, &form).await {
        Ok(r) => r,
        Err(f) => return f.respond(server),
    };
    if matches!(server.settings.sign_in(), SignIn::Unconfigured) {
        return not_configured();
    }
    if server.settings.github_admits_nobody() {
        return closed();
    }
    let Ok(issued) = csrf::issue(
        server.signing_key,
        server.platform.random,
        req.headers.get("cookie"),
        &purpose(&request),
    ) else {
        let e = OAuthError::from(crate::platform::RandomError);
        return page::error(e.status(), e.description());
    };
    let consent = Consent {
        request: &request,
        csrf: &issued.token,
        scopes: server.scopes,
        error: None,
        github: matches!(server.settings.sign_in(), SignIn::GitHub(_)),
        operator_scopes: operator_scopes(server),
    };
    let response = page::consent(200, &consent);
    match issued.set_cookie {
        Some(cookie) => response.with_header("Set-Cookie", &cookie),
        None => response,
    }
}

pub(super) async fn submit(server: &AuthServer<'_>, req: &HttpRequest) -> HttpResponse {
    let form = match form_body(req) {
        Ok(f) => f,
        Err(e) => return page::error(400, e.description()),
    };
    let request = match validate(server, &form).await {
        Ok(r) => r,
        Err(f) => return f.respond(server),
    };
    let token = param(&form, "csrf").ok().flatten().unwrap_or_default();
    let cookie = req.headers.get("cookie");
    let keys = std::iter::once(server.signing_key).chain(server.previous_signing_key);
    if !keys
        .into_iter()
        .any(|key| csrf::verify(key, cookie, &purpose(&request), token))
    {
        return page::error(403, "This form expired or did not come from this page. Go back to the application and start the sign-in again.");
    }
    let deny = |why: &str| Failure::Redirect {
        redirect_uri: request.redirect_uri.clone(),
        state: request.state.as_ref().map(|s| s.as_str().to_owned()),
        error: OAuthError::AccessDenied(why.into()),
    };
    let ip = server.address.as_deref();
    let client = request.client_id.as_str();
    if param(&form, "decision").ok().flatten() != Some("approve") {
        audit::record(
            server.platform.objects,
            Entry::new("consent", "owner", "denied")
                .client(client)
                .ip(ip),
        )
        .await;
        return deny("the user denied the request").respond(server);
    }
    let expected = match server.settings.sign_in() {
        SignIn::GitHub(_) if server.settings.github_admits_nobody() => return closed(),
        SignIn::GitHub(github) => {
            return super::github_signin::begin(server, &request, github).await
        }
        SignIn::Password(password) => password,
        SignIn::Unconfigured => return not_configured(),
    };
    let given = param(&form, "password").ok().flatten().unwrap_or_default();
    match super::password::check(server, expected, given, Some(client)).await {
        Ok(()) => {}
        Err(Refused::TooMany(secs)) => {
            return page::error(
                429,
                &format!("Too many sign-in attempts. Wait {secs} seconds and try again."),
            )
            .with_header("Retry-After", &secs.to_string())
        }
        Err(Refused::Unavailable(e)) => return page::error(503, e.description()),
        Err(Refused::Wrong) => {
            let consent = Consent {
                request: &request,
                csrf: token,
                scopes: server.scopes,
                error: Some("That password is not right."),
                github: false,
                operator_scopes: OperatorScopes::Granted,
            };
            return page::consent(401, &consent);
        }
    }
    approved(server, &request, &GrantProps::owner()).await
}

/// How the consent page treats scopes only operators may hold: whoever signs in with the
/// password is the operator; with GitHub, who signs in is known only after GitHub answers.
fn operator_scopes(server: &AuthServer<'_>) -> OperatorScopes {
    match server.settings.sign_in() {
        SignIn::GitHub(_) if server.settings.operators.is_empty() => OperatorScopes::Never,
        SignIn::GitHub(_) => OperatorScopes::IfOperator,
        _ => OperatorScopes::Granted,
    }
}

/// GitHub sign-in names nobody: it lets nobody in, and says what to set.
fn closed() -> HttpResponse {
    page::error(
        503,
        "Sign-in is closed on this server: its operator must set ALLOWED_USERNAMES (GitHub logins, or * for every GitHub account) or OPERATORS.",
    )
}

fn not_configured() -> HttpResponse {
    page::error(
        503,
        "Sign-in is not configured on this server: its operator must set OAUTH_PASSWORD, or GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET.",
    )
}

/// The scopes of `requested` that someone of `role` may receive: the rest are left out
/// (RFC 6749 §3.3), and the token response's `scope` says what was granted.
pub(super) fn narrowed(server: &AuthServer<'_>, requested: &ScopeSet, role: Role) -> ScopeSet {
    requested
        .iter()
        .filter(|s| {
            server
                .scopes
                .iter()
                .any(|d| d.name == s.as_str() && d.grantable_to(role))
        })
        .cloned()
        .collect()
}

/// The user approved and is known: creates the grant with the scopes their role may receive,
/// and sends its code to the client.
pub(super) async fn approved(
    server: &AuthServer<'_>,
    request: &AuthRequest,
    props: &GrantProps,
) -> HttpResponse {
    let Some(role) = server
        .settings
        .role_of(&props.idp, &props.subject, &props.name)
    else {
        let why = format!(
            "the account {} may not sign in to this server",
            crate::oauth::shown(&props.name)
        );
        return refuse(server, request, OAuthError::AccessDenied(why));
    };
    let scopes = narrowed(server, &request.scopes, role);
    match grant(server, request, &scopes, props).await {
        Ok(code) => {
            let entry = Entry::new("consent", &props.name, "success")
                .client(request.client_id.as_str())
                .ip(server.address.as_deref())
                .detail(format!("scopes {scopes}"));
            audit::record(server.platform.objects, entry).await;
            let mut params = vec![("code", code.as_str())];
            if let Some(state) = &request.state {
                params.push(("state", state.as_str()));
            }
            params.push(("iss", server.issuer.as_str()));
            redirect_to(&request.redirect_uri, &params)
        }
        Err(e) => refuse(server, request, e),
    }
}

/// Sends `error` back to the client of a validated request.
pub(super) fn refuse(
    server: &AuthServer<'_>,
    request: &AuthRequest,
    error: OAuthError,
) -> HttpResponse {
    Failure::Redirect {
        redirect_uri: request.redirect_uri.clone(),
        state: request.state.as_ref().map(|s| s.as_str().to_owned()),
        error,
    }
    .respond(server)
}

/// Answers a request that failed validation.
pub(super) fn failed(server: &AuthServer<'_>, failure: Failure) -> HttpResponse {
    failure.respond(server)
}

/// Creates the grant and returns its authorization code (`<grant id>.<secret>`).
async fn grant(
    server: &AuthServer<'_>,
    request: &AuthRequest,
    scopes: &ScopeSet,
    props: &GrantProps,
) -> Result<String, OAuthError> {
    let Some(sealer) = server.settings.sealer.as_ref() else {
        crate::log::internal("authorize", "DOVECOTE_ENCRYPTION_KEY is not set");
        return Err(OAuthError::ServerError(
            "the server cannot store grants: its operator must set DOVECOTE_ENCRYPTION_KEY".into(),
        ));
    };
    let grant_id = crate::oauth::new_grant_id(server.platform.random, server.signing_key)?;
    let sealed = props.seal(sealer, server.platform.random, &grant_id)?;
    let code = format!("{grant_id}.{}", new_token(server.platform.random, "")?);
    let now = server.platform.clock.now_ms();
    let grant = Grant {
        id: grant_id,
        client_id: request.client_id.as_str().to_owned(),
        subject: format!("{}:{}", props.idp, props.subject),
        scopes: scopes.to_string(),
        resource: request.resource.clone(),
        sealed,
        created_ms: now,
        last_used_ms: now,
    };
    let expires = now + server.settings.code_ttl_secs * 1000;
    let summary = crate::oauth::store::GrantSummary {
        grant_id: grant.id.clone(),
        client_id: grant.client_id.clone(),
        subject: grant.subject.clone(),
        scopes: grant.scopes.clone(),
        created_ms: now,
        last_used_ms: now,
    };
    grants::create(
        server.platform.objects,
        grant,
        hash_secret(&code),
        request.redirect_uri.clone(),
        request.challenge.as_str().to_owned(),
        expires,
    )
    .await
    .map_err(|e| storage_failed("grant creation", &e))?;
    crate::oauth::store::put_grant(
        server.platform.kv,
        &summary,
        server.settings.refresh_ttl_secs,
    )
    .await
    .map_err(|e| storage_failed("grant creation", &e))?;
    Ok(code)
}
