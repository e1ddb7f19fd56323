//! The authorization server's configuration: how people sign in, whether clients may
//! register themselves, token lifetimes and the key that seals grant properties.

use super::github::GitHubSettings;
use super::roles::Operators;
use super::seal::{key_from_base64, Sealer};
use crate::config::ConfigError;
use crate::toolbox::{Rate, RatePeriod};

/// Default access token lifetime: one hour.
pub const DEFAULT_ACCESS_TTL_SECS: u64 = 3600;
/// Default refresh token lifetime: 30 days.
pub const DEFAULT_REFRESH_TTL_SECS: u64 = 30 * 24 * 3600;
/// Default `ACCESS_TOKEN_CACHE_SECS`: how long an isolate trusts an access token's record it
/// read from KV.
pub const DEFAULT_ACCESS_CACHE_SECS: u64 = 10;
/// The most `ACCESS_TOKEN_CACHE_SECS` may be: KV's own time to carry a revocation elsewhere.
pub const MAX_ACCESS_CACHE_SECS: u64 = 60;
/// What a token or code lifetime may be: at least a minute (KV's shortest expiry).
const LIFETIME: std::ops::RangeInclusive<u64> = 60..=u64::MAX;
/// Default authorization code lifetime: five minutes.
pub const DEFAULT_CODE_TTL_SECS: u64 = 300;
/// Password attempts per IP per minute; the next one gets 429.
pub const SIGNIN_ATTEMPTS_PER_MINUTE: u32 = 5;
/// Admin requests per IP per minute; the next one gets 429.
pub const ADMIN_REQUESTS_PER_MINUTE: u32 = 5;
/// Default `REGISTER_RATE_PER_ADDRESS`: client registrations per caller address.
pub const DEFAULT_REGISTER_RATE_PER_ADDRESS: Rate = Rate {
    count: 10,
    period: RatePeriod::Hour,
};
/// Default `REGISTER_BUDGET`: client registrations from everyone together.
pub const DEFAULT_REGISTER_BUDGET: Rate = Rate {
    count: 1000,
    period: RatePeriod::Day,
};

/// Settings read from the Worker's variables and secrets.
pub struct Settings {
    /// `OAUTH_PASSWORD`: the password of the sign-in page.
    pub password: Option<String>,
    /// `OAUTH_REGISTRATION`: `open` (default) or `closed`.
    pub registration_open: bool,
    /// `ACCESS_TOKEN_TTL_SECS`.
    pub access_ttl_secs: u64,
    /// `ACCESS_TOKEN_CACHE_SECS`: how long an isolate answers a bearer check from the token's
    /// record it read last (`oauth::checked`); 0 reads KV on every request.
    pub access_cache_secs: u64,
    /// `REFRESH_TOKEN_TTL_SECS`.
    pub refresh_ttl_secs: u64,
    /// `AUTH_CODE_TTL_SECS`.
    pub code_ttl_secs: u64,
    /// `DOVECOTE_ENCRYPTION_KEY` (and `DOVECOTE_ENCRYPTION_KEY_PREVIOUS` during a rotation).
    pub sealer: Option<Sealer>,
    /// `OAUTH_ALLOW_LOOPBACK_CLIENT_METADATA=true`: fetch `http://127.0.0.1…` client metadata
    /// documents. Honoured only in development; off by default.
    pub allow_loopback_metadata: bool,
    /// `ADMIN_TOKEN`: enables `/admin/*` for requests bearing it.
    pub admin_token: Option<String>,
    /// `GITHUB_CLIENT_ID` and friends: sign in with GitHub instead of the password.
    pub github: Option<GitHubSettings>,
    /// `OPERATORS`: the GitHub accounts that are operators (the password owner always is).
    pub operators: Operators,
    /// `REGISTER_RATE_PER_ADDRESS`: `/register` calls one address may make.
    pub register_rate_per_address: Rate,
    /// `REGISTER_BUDGET`: `/register` calls everyone together may make.
    pub register_budget: Rate,
}

/// How people sign in, by configuration.
pub enum SignIn<'a> {
    /// With GitHub (`GITHUB_CLIENT_ID`/`GITHUB_CLIENT_SECRET`); takes precedence.
    GitHub(&'a GitHubSettings),
    /// With the operator's password (`OAUTH_PASSWORD`).
    Password(&'a str),
    /// Not configured: `/authorize` says so.
    Unconfigured,
}

/// A number of seconds in `range` from variable `name`, or `default` when it is unset.
fn secs(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    match var(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
    {
        None => Ok(default),
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                let (least, most) = (range.start(), range.end());
                ConfigError(match *most {
                    u64::MAX => {
                        format!("{name} is `{v}`; it takes a number of seconds, at least {least}")
                    }
                    _ => format!(
                        "{name} is `{v}`; it takes a number of seconds from {least} to {most}"
                    ),
                })
            }),
    }
}

fn rate(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: Rate,
) -> Result<Rate, ConfigError> {
    match var(name).filter(|v| !v.trim().is_empty()) {
        None => Ok(default),
        Some(v) => Rate::parse(&v).ok_or_else(|| {
            ConfigError(format!(
                "{name} is `{v}`; write it as N/second, N/minute, N/hour or N/day, e.g. {default}"
            ))
        }),
    }
}

impl Settings {
    /// Reads the settings through `var`. Secret values never appear in errors.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let registration_open = match var("OAUTH_REGISTRATION").as_deref().map(str::trim) {
            None | Some("") | Some("open") => true,
            Some("closed") => false,
            Some(other) => {
                return Err(ConfigError(format!(
                    "OAUTH_REGISTRATION is `{other}`; use `open` or `closed`"
                )))
            }
        };
        let key = |name: &str| -> Result<Option<[u8; 32]>, ConfigError> {
            var(name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| {
                    key_from_base64(&v).map_err(|_| {
                        ConfigError(format!(
                            "{name} must be 32 random bytes, base64 (openssl rand -base64 32)"
                        ))
                    })
                })
                .transpose()
        };
        let sealer = match (
            key("DOVECOTE_ENCRYPTION_KEY")?,
            key("DOVECOTE_ENCRYPTION_KEY_PREVIOUS")?,
        ) {
            (Some(current), previous) => Some(
                Sealer::new(&current, previous.as_ref().map(|k| &k[..]))
                    .map_err(|e| ConfigError(format!("DOVECOTE_ENCRYPTION_KEY: {e}")))?,
            ),
            (None, _) => None,
        };
        Ok(Self {
            password: var("OAUTH_PASSWORD").filter(|p| !p.is_empty()),
            registration_open,
            access_ttl_secs: secs(
                &var,
                "ACCESS_TOKEN_TTL_SECS",
                DEFAULT_ACCESS_TTL_SECS,
                LIFETIME,
            )?,
            access_cache_secs: secs(
                &var,
                "ACCESS_TOKEN_CACHE_SECS",
                DEFAULT_ACCESS_CACHE_SECS,
                0..=MAX_ACCESS_CACHE_SECS,
            )?,
            refresh_ttl_secs: secs(
                &var,
                "REFRESH_TOKEN_TTL_SECS",
                DEFAULT_REFRESH_TTL_SECS,
                LIFETIME,
            )?,
            code_ttl_secs: secs(&var, "AUTH_CODE_TTL_SECS", DEFAULT_CODE_TTL_SECS, LIFETIME)?,
            sealer,
            allow_loopback_metadata: var("OAUTH_ALLOW_LOOPBACK_CLIENT_METADATA").as_deref()
                == Some("true"),
            admin_token: var("ADMIN_TOKEN").filter(|t| !t.trim().is_empty()),
            github: GitHubSettings::from_vars(&var)?,
            operators: Operators::parse(var("OPERATORS").as_deref())?,
            register_rate_per_address: rate(
                &var,
                "REGISTER_RATE_PER_ADDRESS",
                DEFAULT_REGISTER_RATE_PER_ADDRESS,
            )?,
            register_budget: rate(&var, "REGISTER_BUDGET", DEFAULT_REGISTER_BUDGET)?,
        })
    }

    /// How people sign in: GitHub when configured, else the password.
    pub fn sign_in(&self) -> SignIn<'_> {
        match (&self.github, &self.password) {
            (Some(github), _) => SignIn::GitHub(github),
            (None, Some(password)) => SignIn::Password(password),
            (None, None) => SignIn::Unconfigured,
        }
    }
}
