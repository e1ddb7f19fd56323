//! Sign-in with GitHub. After the user approves the consent page, `begin` remembers the
//! authorization request (sealed, in KV, for ten minutes), binds it to the browser with a
//! `__Host-` cookie and sends the user to GitHub with PKCE. GitHub returns them to `/callback`,
//! where the request is checked again, the code exchanged, the user read (and checked against
//! `ALLOWED_USERNAMES` and `OPERATORS`) with their App installations, and the grant created
//! with the scopes their role may receive.

use serde::{Deserialize, Serialize};

use super::authorize::{self, AuthRequest};
use super::{page, storage_failed, AuthServer};
use crate::audit::{self, Entry};
use crate::http::{HttpRequest, HttpResponse};
use crate::oauth::github::{GitHubApi, GitHubError, GitHubSettings};
use crate::oauth::props::{GrantProps, IDP_GITHUB};
use crate::oauth::{eq_constant_time, hash_secret, new_token, s256, CodeVerifier, OAuthError};
use crate::web::{cookie, form::Form};

/// Where GitHub sends the user back.
pub const CALLBACK_PATH: &str = "/callback";
/// The cookie that ties GitHub's answer to the browser that started the sign-in.
const COOKIE: &str = "__Host-dovecote-github";
/// How long the user has at GitHub.
const PENDING_TTL_SECS: u64 = 600;
const KV_PREFIX: &str = "github-signin:";

/// The authorization request waiting for GitHub's answer.
#[derive(Serialize, Deserialize)]
struct Pending {
    carried: Vec<(String, String)>,
    verifier: String,
    /// Started by the console's sign-in rather than by an OAuth client.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    console: bool,
}

/// What GitHub's answer at `/callback` came to.
pub enum Callback {
    /// A page or redirect, for an OAuth client's sign-in (or a broken answer).
    Answered(HttpResponse),
    /// The console's sign-in: who signed in, or why not. The caller answers, clearing the
    /// cookie with [`clear_cookie`].
    Console(Result<GrantProps, OAuthError>),
}

/// The `Set-Cookie` that ends a GitHub sign-in's binding to the browser.
pub fn clear_cookie() -> String {
    cookie::clear(COOKIE)
}

fn api<'a>(server: &'a AuthServer<'_>, github: &'a GitHubSettings) -> GitHubApi<'a> {
    GitHubApi {
        fetch: server.platform.fetch,
        oauth_url: &github.oauth_url,
        api_url: &github.api_url,
    }
}

fn callback_url(server: &AuthServer<'_>) -> String {
    format!("{}{CALLBACK_PATH}", server.issuer.as_str())
}

/// Sends the approving user to GitHub.
pub(super) async fn begin(
    server: &AuthServer<'_>,
    request: &AuthRequest,
    github: &GitHubSettings,
) -> HttpResponse {
    let carried = request
        .carried
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    start(server, github, carried, false)
        .await
        .unwrap_or_else(|e| authorize::refuse(server, request, e))
}

/// Sends an operator signing in to the console to GitHub; GitHub returns them to `/callback`,
/// which answers [`Callback::Console`].
pub async fn begin_console(
    server: &AuthServer<'_>,
    github: &GitHubSettings,
) -> Result<HttpResponse, OAuthError> {
    start(server, github, Vec::new(), true).await
}

/// Remembers the pending sign-in (sealed, in KV) and redirects to GitHub with PKCE.
async fn start(
    server: &AuthServer<'_>,
    github: &GitHubSettings,
    carried: Vec<(String, String)>,
    console: bool,
) -> Result<HttpResponse, OAuthError> {
    let Some(sealer) = server.settings.sealer.as_ref() else {
        return Err(OAuthError::ServerError(
            "the server cannot sign in: its operator must set DOVECOTE_ENCRYPTION_KEY".into(),
        ));
    };
    let random = server.platform.random;
    let (Ok(state), Ok(verifier)) = (new_token(random, ""), new_token(random, "")) else {
        return Err(crate::platform::RandomError.into());
    };
    let key = hash_secret(&state);
    let pending = Pending {
        carried,
        verifier: verifier.clone(),
        console,
    };
    let plain = serde_json::to_vec(&pending).unwrap_or_default();
    let Ok(sealed) = sealer.seal(random, &plain, key.as_bytes()) else {
        return Err(OAuthError::ServerError(
            "the sign-in could not be stored".into(),
        ));
    };
    server
        .platform
        .kv
        .put(
            &format!("{KV_PREFIX}{key}"),
            &sealed,
            Some(PENDING_TTL_SECS),
        )
        .await
        .map_err(|e| storage_failed("GitHub sign-in", &e))?;
    let Ok(verifier) = CodeVerifier::parse(&verifier) else {
        return Err(OAuthError::ServerError("PKCE failed".into()));
    };
    let location = api(server, github).authorize_url(
        &github.client_id,
        &callback_url(server),
        &state,
        s256(&verifier).as_str(),
    );
    Ok(HttpResponse::empty(302)
        .with_header("Location", &location)
        .with_header("Cache-Control", "no-store")
        .with_header("Set-Cookie", &cookie::set(COOKIE, &state, PENDING_TTL_SECS)))
}

/// `GET /callback`: GitHub's answer, for an OAuth client's sign-in or the console's.
pub async fn callback(server: &AuthServer<'_>, req: &HttpRequest) -> Callback {
    let cleared =
        |r: HttpResponse| Callback::Answered(r.with_header("Set-Cookie", &cookie::clear(COOKIE)));
    let Some(github) = server.settings.github.as_ref() else {
        return Callback::Answered(page::error(
            404,
            "GitHub sign-in is not configured on this server.",
        ));
    };
    let Some(query) = Form::from_url(&req.url) else {
        return cleared(page::error(
            400,
            "The callback URL has a malformed %-escape.",
        ));
    };
    let get = |name: &str| query.get(name).ok().flatten();
    let Some(state) = get("state").filter(|s| s.len() <= crate::oauth::MAX_SECRET_LEN) else {
        return cleared(page::error(
            400,
            "GitHub's answer has no state. Start the sign-in again from the application.",
        ));
    };
    let bound = cookie::get(req.headers.get("cookie"), COOKIE)
        .is_some_and(|c| eq_constant_time(c.as_bytes(), state.as_bytes()));
    if !bound {
        return cleared(page::error(
            400,
            "This sign-in was not started in this browser, or it took longer than ten minutes. Start it again from the application.",
        ));
    }
    let key = format!("{KV_PREFIX}{}", hash_secret(state));
    let kv = server.platform.kv;
    let stored =
        match kv.get(&key).await {
            Ok(Some(v)) => v,
            Ok(None) => return cleared(page::error(
                400,
                "This sign-in expired or was already used. Start it again from the application.",
            )),
            Err(e) => {
                return cleared(page::error(
                    503,
                    storage_failed("GitHub sign-in", &e).description(),
                ))
            }
        };
    // One use: a replayed callback finds nothing.
    let _ = kv.delete(&key).await;
    let pending: Option<Pending> = server
        .settings
        .sealer
        .as_ref()
        .and_then(|s| s.open(&stored, hash_secret(state).as_bytes()).ok())
        .and_then(|plain| serde_json::from_slice(&plain).ok());
    let Some(pending) = pending else {
        return cleared(page::error(400, "This sign-in can no longer be read (the server's key changed). Start it again from the application."));
    };
    if pending.console {
        let (error, code) = (get("error"), get("code"));
        return Callback::Console(console(server, github, error, code, &pending.verifier).await);
    }
    let form = Form::from_pairs(pending.carried);
    let request = match authorize::validate(server, &form).await {
        Ok(r) => r,
        Err(f) => return cleared(authorize::failed(server, f)),
    };
    if let Some(error) = get("error") {
        let entry = Entry::new("signin", "github", "denied")
            .client(request.client_id.as_str())
            .ip(server.address.as_deref())
            .detail(format!("GitHub answered {}", crate::oauth::shown(error)));
        audit::record(server.platform.objects, entry).await;
        let e = OAuthError::AccessDenied("the sign-in was cancelled at GitHub".into());
        return cleared(authorize::refuse(server, &request, e));
    }
    let Some(code) =
        get("code").filter(|c| !c.is_empty() && c.len() <= crate::oauth::MAX_SECRET_LEN)
    else {
        let e = OAuthError::AccessDenied("GitHub's answer had no code".into());
        return cleared(authorize::refuse(server, &request, e));
    };
    match identify(server, github, code, &pending.verifier).await {
        Ok(props) => cleared(authorize::approved(server, &request, &props).await),
        Err((who, error)) => {
            let entry = Entry::new("signin", &who, "failure")
                .client(request.client_id.as_str())
                .ip(server.address.as_deref())
                .detail(error.description().to_owned());
            audit::record(server.platform.objects, entry).await;
            cleared(authorize::refuse(server, &request, error))
        }
    }
}

/// Who signed in to the console at GitHub, from its answer's `error` and `code`; a failure is
/// audited.
async fn console(
    server: &AuthServer<'_>,
    github: &GitHubSettings,
    error: Option<&str>,
    code: Option<&str>,
    verifier: &str,
) -> Result<GrantProps, OAuthError> {
    let ip = server.address.as_deref();
    if let Some(error) = error {
        let entry = Entry::new("signin", "github", "denied")
            .ip(ip)
            .detail(format!(
                "console: GitHub answered {}",
                crate::oauth::shown(error)
            ));
        audit::record(server.platform.objects, entry).await;
        return Err(OAuthError::AccessDenied(
            "the sign-in was cancelled at GitHub".into(),
        ));
    }
    let Some(code) = code.filter(|c| !c.is_empty() && c.len() <= crate::oauth::MAX_SECRET_LEN)
    else {
        return Err(OAuthError::AccessDenied(
            "GitHub's answer had no code".into(),
        ));
    };
    match identify(server, github, code, verifier).await {
        Ok(props) => Ok(props),
        Err((who, error)) => {
            let entry = Entry::new("signin", &who, "failure")
                .ip(ip)
                .detail(format!("console: {}", error.description()));
            audit::record(server.platform.objects, entry).await;
            Err(error)
        }
    }
}

/// Exchanges GitHub's code and reads who the user is; on failure, who (as far as known) and
/// the error for the client.
async fn identify(
    server: &AuthServer<'_>,
    github: &GitHubSettings,
    code: &str,
    verifier: &str,
) -> Result<GrantProps, (String, OAuthError)> {
    let api = api(server, github);
    let unknown = |e: GitHubError| {
        let error = match e {
            GitHubError::Refused(why) => {
                OAuthError::AccessDenied(format!("GitHub refused the sign-in: {why}"))
            }
            GitHubError::Unavailable(why) => {
                crate::log::internal("GitHub sign-in", &why);
                OAuthError::TemporarilyUnavailable("GitHub is unavailable; try again".into())
            }
        };
        ("github".to_owned(), error)
    };
    let now = server.platform.clock.now_ms();
    let tokens = api
        .exchange_code(
            &github.client_id,
            &github.client_secret,
            code,
            &callback_url(server),
            verifier,
            now,
        )
        .await
        .map_err(unknown)?;
    let user = api.user(&tokens.access_token).await.map_err(unknown)?;
    let subject = user.id.to_string();
    if server
        .settings
        .role_of(IDP_GITHUB, &subject, &user.login)
        .is_none()
    {
        return Err((
            user.login.clone(),
            OAuthError::AccessDenied(format!(
                "the GitHub account {} may not sign in to this server",
                crate::oauth::shown(&user.login)
            )),
        ));
    }
    let reach = crate::oauth::github::reach::read(&api, &tokens.access_token, user.id)
        .await
        .map_err(unknown)?;
    Ok(GrantProps {
        subject,
        name: user.login,
        idp: IDP_GITHUB.into(),
        github: Some(tokens),
        tenants: Some(reach.iter().map(|r| r.login.clone()).collect()),
        reach: Some(reach),
    })
}
