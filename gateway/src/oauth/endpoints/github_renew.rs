//! Renewing the user's GitHub token when their client refreshes ours. GitHub App user tokens
//! live 8 hours; ours an hour. When the GitHub token would expire before the new access token
//! does, its refresh token is spent, the installations are read again (they decide the webhook
//! tenants) and the grant is resealed.

use super::{storage_failed, AuthServer};
use crate::audit::{self, Entry};
use crate::grants::{self, Grant};
use crate::oauth::github::{GitHubApi, GitHubError};
use crate::oauth::props::GrantProps;
use crate::oauth::OAuthError;

/// Renew this long before GitHub's expiry, on top of our access token's lifetime.
const MARGIN_MS: u64 = 5 * 60 * 1000;

/// The grant's properties, with the GitHub token renewed if it would expire too soon.
pub(super) async fn renew_if_due(
    server: &AuthServer<'_>,
    grant: &Grant,
    props: GrantProps,
) -> Result<GrantProps, OAuthError> {
    let (Some(settings), Some(tokens)) = (server.settings.github.as_ref(), props.github.as_ref())
    else {
        return Ok(props);
    };
    let now = server.platform.clock.now_ms();
    let needed_until = now + server.settings.access_ttl_secs * 1000 + MARGIN_MS;
    if tokens.expires_ms.is_none_or(|at| at > needed_until) {
        let tokens = tokens.clone();
        return match props.reach {
            // Sealed before installations were read per repository: read them now.
            None => reread(server, grant, props, tokens).await,
            Some(_) => Ok(props),
        };
    }
    let sign_in_again = |why: &str| OAuthError::InvalidGrant(format!("{why}; sign in again"));
    let Some(refresh_token) = tokens
        .refresh_token
        .as_deref()
        .filter(|_| tokens.refresh_expires_ms.is_none_or(|at| at > now))
    else {
        return Err(sign_in_again("the GitHub sign-in expired"));
    };
    let api = GitHubApi {
        fetch: server.platform.fetch,
        oauth_url: &settings.oauth_url,
        api_url: &settings.api_url,
    };
    let renewed = match api
        .refresh(
            &settings.client_id,
            &settings.client_secret,
            refresh_token,
            now,
        )
        .await
    {
        Ok(t) => t,
        Err(GitHubError::Refused(why)) => {
            let entry = Entry::new("refresh", &props.name, "failure")
                .client(&grant.client_id)
                .detail(format!("GitHub refused the renewal: {why}"));
            audit::record(server.platform.objects, entry).await;
            super::revocation::revoke_grant(server, &grant.id).await?;
            return Err(sign_in_again("GitHub no longer accepts this sign-in"));
        }
        Err(GitHubError::Unavailable(why)) => {
            crate::log::internal("GitHub token renewal", &why);
            return Err(OAuthError::TemporarilyUnavailable(
                "GitHub is unavailable; retry the refresh with the same refresh token".into(),
            ));
        }
    };
    reread(server, grant, props, renewed).await
}

/// Reads the user's installations again with `tokens` (what they reach decides which events
/// they see) and reseals the grant with both.
async fn reread(
    server: &AuthServer<'_>,
    grant: &Grant,
    props: GrantProps,
    tokens: crate::oauth::github::UpstreamTokens,
) -> Result<GrantProps, OAuthError> {
    let Some(settings) = server.settings.github.as_ref() else {
        return Ok(props);
    };
    let api = GitHubApi {
        fetch: server.platform.fetch,
        oauth_url: &settings.oauth_url,
        api_url: &settings.api_url,
    };
    let updated = match crate::oauth::github::reach::read_for(&api, &tokens.access_token).await {
        Ok(reach) => GrantProps {
            github: Some(tokens),
            tenants: Some(reach.iter().map(|r| r.login.clone()).collect()),
            reach: Some(reach),
            ..props
        },
        // Keep what was read before rather than failing the refresh.
        Err(_) => GrantProps {
            github: Some(tokens),
            ..props
        },
    };
    let sealer = server
        .settings
        .sealer
        .as_ref()
        .ok_or_else(|| OAuthError::ServerError("DOVECOTE_ENCRYPTION_KEY is not set".into()))?;
    let sealed = updated.seal(sealer, server.platform.random, &grant.id)?;
    grants::reseal(
        server.platform.objects,
        &grant.id,
        grant.sealed.clone(),
        sealed,
    )
    .await
    .map_err(|e| storage_failed("grant renewal", &e))?;
    Ok(updated)
}
