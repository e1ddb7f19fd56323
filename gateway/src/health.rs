//! `GET /health`: what a deployment has, without authentication — version, build, whether each
//! binding and secret it needs is present, and what is misconfigured. Never a value: only
//! names and yes/no, so it is safe to expose and to poll.

use serde_json::{Map, Value};

use crate::channels::instance::{Credential, Instance, Target};
use crate::http::HttpResponse;

/// The KV namespace binding.
pub const KV_BINDING: &str = "DOVECOTE_KV";

/// The build this Worker came from: the git commit `scripts/build.sh` passes in
/// `DOVECOTE_BUILD`, or `unknown` for a build outside a checkout.
pub const BUILD: &str = match option_env!("DOVECOTE_BUILD") {
    Some(b) => b,
    None => "unknown",
};

/// Whether sign-in is part of this build (the conformance build serves `/mcp` without it).
pub const SIGN_IN: bool = !cfg!(feature = "conformance");

/// How much a deployment needs a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Nothing signs in without it.
    Required,
    /// One way to sign in: the password, or GitHub's client id and secret.
    SignIn,
    /// Turns a feature on.
    Optional,
}

/// Every secret the gateway reads, and how much it needs it. `.dev.vars.example` marks the
/// same names `[secret]` (a test keeps the two in step), and `make secrets` offers each.
pub const SECRETS: &[(&str, Need)] = &[
    ("DOVECOTE_SIGNING_KEY", Need::Required),
    ("DOVECOTE_ENCRYPTION_KEY", Need::Required),
    ("OAUTH_PASSWORD", Need::SignIn),
    ("GITHUB_CLIENT_ID", Need::SignIn),
    ("GITHUB_CLIENT_SECRET", Need::SignIn),
    ("ADMIN_TOKEN", Need::Optional),
    ("DOVECOTE_SIGNING_KEY_PREVIOUS", Need::Optional),
    ("DOVECOTE_ENCRYPTION_KEY_PREVIOUS", Need::Optional),
    ("TELEGRAM_INSTANCES", Need::Optional),
    ("DISCORD_INSTANCES", Need::Optional),
    ("SLACK_INSTANCES", Need::Optional),
    ("WEBHOOK_INSTANCES", Need::Optional),
    // Without it /webhooks/github refuses every delivery (fail closed).
    ("GITHUB_WEBHOOK_SECRET", Need::Optional),
    ("GITHUB_WEBHOOK_SECRET_PREVIOUS", Need::Optional),
];

/// Every binding the Worker uses: the KV namespace and each Durable Object class.
pub fn bindings() -> impl Iterator<Item = &'static str> {
    std::iter::once(KV_BINDING).chain(crate::objects::CLASSES.iter().map(|c| c.binding))
}

/// The body of `GET /health`.
#[derive(serde::Serialize)]
pub struct Report {
    /// `ok`, or `unhealthy` while `problems` has any.
    pub status: &'static str,
    /// `dovecote`.
    pub name: &'static str,
    /// The crate's version.
    pub version: &'static str,
    /// The build ([`BUILD`]).
    pub build: &'static str,
    /// `development` or `production`.
    pub environment: &'static str,
    /// `github`, `password`, `unconfigured`, or `none` (a build without sign-in).
    pub sign_in: &'static str,
    /// Each binding, and whether it is bound.
    pub bindings: Map<String, Value>,
    /// Each secret, and whether it is set (never its value).
    pub secrets: Map<String, Value>,
    /// What is wrong, each with what to do.
    pub problems: Vec<String>,
    /// Each upstream MCP server: protocol, secret set, its last check and whether it drifted.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub upstreams: Map<String, Value>,
}

/// What the Worker was given, asked without reading any value out.
pub struct Probe<'a> {
    /// A variable or secret by name.
    pub var: &'a dyn Fn(&str) -> Option<String>,
    /// Whether a binding of that name exists.
    pub has_binding: &'a dyn Fn(&str) -> bool,
    /// Whether sign-in is part of this build (not in the conformance build).
    pub sign_in: bool,
}

/// The Worker secrets `channels` name (token or URL, and a webhook's signing key), each with
/// the channel that needs it.
fn channel_secrets(channels: &[Instance]) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    for channel in channels {
        if let Credential::Secret(name) = &channel.credential {
            out.push((channel.channel_id(), name.as_ref()));
        }
        if let Target::Webhook {
            signing_secret: Some(Credential::Secret(name)),
            ..
        } = &channel.target
        {
            out.push((channel.channel_id(), name.as_ref()));
        }
    }
    out
}

/// The health report: 200 when nothing is missing, else 503 with `problems` saying what to do.
pub fn report(probe: &Probe<'_>) -> HttpResponse {
    report_for(probe, crate::channels::CHANNELS)
}

/// [`report`] with the upstreams' part (`upstreams::drift::health`, read beforehand).
pub fn report_with(probe: &Probe<'_>, upstreams: crate::upstreams::drift::Health) -> HttpResponse {
    let mut report = gather_for(probe, crate::channels::CHANNELS);
    report.problems.extend(upstreams.problems);
    report.upstreams = upstreams.upstreams;
    if !report.problems.is_empty() {
        report.status = "unhealthy";
    }
    respond(&report)
}

/// The health report itself (what `/health` answers, and the console's overview shows).
pub fn gather(probe: &Probe<'_>) -> Report {
    gather_for(probe, crate::channels::CHANNELS)
}

/// Asks `platform` for what the report needs (its variables and bindings) and hands the
/// probe to `f`.
pub fn with_probe<T>(
    platform: &crate::platform::Platform<'_>,
    f: impl FnOnce(&Probe<'_>) -> T,
) -> T {
    let has_binding = |name: &str| {
        if name == KV_BINDING {
            platform.kv.bound()
        } else {
            platform.objects.bound(name)
        }
    };
    f(&Probe {
        var: &|name| platform.secrets.get(name),
        has_binding: &has_binding,
        sign_in: SIGN_IN,
    })
}

/// The health report of a gateway with `channels` declared in `channels.toml`.
fn report_for(probe: &Probe<'_>, channels: &[Instance]) -> HttpResponse {
    respond(&gather_for(probe, channels))
}

fn respond(report: &Report) -> HttpResponse {
    let body = serde_json::to_vec(report).unwrap_or_default();
    let status = if report.problems.is_empty() { 200 } else { 503 };
    HttpResponse::json(status, body).with_header("Cache-Control", "no-store")
}

/// The report of a gateway with `channels` declared in `channels.toml`.
fn gather_for(probe: &Probe<'_>, channels: &[Instance]) -> Report {
    let present = |name: &str| (probe.var)(name).is_some_and(|v| !v.trim().is_empty());
    let mut problems: Vec<String> = Vec::new();

    let mut bound_map = Map::new();
    for name in bindings() {
        let bound = (probe.has_binding)(name);
        if !bound {
            problems.push(format!(
                "the binding {name} is missing: deploy with the repository's wrangler.toml (make deploy)"
            ));
        }
        bound_map.insert(name.into(), Value::Bool(bound));
    }

    let mut secrets = Map::new();
    for (name, _) in SECRETS {
        secrets.insert((*name).into(), Value::Bool(present(name)));
    }
    for (channel, name) in channel_secrets(channels) {
        let set = present(name);
        if !set {
            problems.push(format!(
                "the channel {channel} (channels.toml) needs the secret {name}: run make secrets (or wrangler secret put {name})"
            ));
        }
        secrets.insert(name.into(), Value::Bool(set));
    }
    let github = present("GITHUB_CLIENT_ID") && present("GITHUB_CLIENT_SECRET");
    let sign_in = match (github, present("OAUTH_PASSWORD")) {
        _ if !probe.sign_in => "none",
        (true, _) => "github",
        (false, true) => "password",
        (false, false) => "unconfigured",
    };
    if probe.sign_in {
        for (name, need) in SECRETS {
            if *need == Need::Required && !present(name) {
                problems.push(format!(
                    "the secret {name} is not set: run make secrets (or wrangler secret put {name})"
                ));
            }
        }
        if sign_in == "unconfigured" {
            problems.push(
                "nobody can sign in: set OAUTH_PASSWORD, or GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (make secrets)"
                    .into(),
            );
        }
    }

    // The loader the Worker itself uses: what makes it refuse requests is reported here, in
    // its words (which name variables, never values).
    if let Err(unusable) = crate::deployment::Deployment::load(probe.var, probe.sign_in) {
        problems.extend(unusable);
    }
    // Valid, and yet closed to everyone: say which variable opens it.
    if probe.sign_in
        && crate::oauth::Settings::from_vars(probe.var).is_ok_and(|s| s.github_admits_nobody())
    {
        problems.push(
            "GitHub sign-in lets nobody in: set ALLOWED_USERNAMES (GitHub logins, or * for every GitHub account) or OPERATORS ([vars] in wrangler.toml, or .dev.vars locally)"
                .into(),
        );
    }

    let environment = match crate::config::Config::from_vars(probe.var).map(|c| c.environment) {
        Ok(crate::config::Environment::Development) => "development",
        _ => "production",
    };
    let healthy = problems.is_empty();
    Report {
        status: if healthy { "ok" } else { "unhealthy" },
        name: "dovecote",
        version: env!("CARGO_PKG_VERSION"),
        build: BUILD,
        environment,
        sign_in,
        bindings: bound_map,
        secrets,
        problems,
        upstreams: Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    fn run(pairs: &[(&str, &str)], missing_binding: Option<&str>) -> (u16, Value) {
        run_with(pairs, missing_binding, &[])
    }

    fn run_with(
        pairs: &[(&str, &str)],
        missing_binding: Option<&str>,
        channels: &[Instance],
    ) -> (u16, Value) {
        let var = |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        };
        let has_binding = |name: &str| Some(name) != missing_binding;
        let probe = Probe {
            var: &var,
            has_binding: &has_binding,
            sign_in: true,
        };
        let response = report_for(&probe, channels);
        (
            response.status,
            serde_json::from_slice(&response.body).unwrap(),
        )
    }

    #[test]
    fn a_complete_deployment_is_ok_and_shows_presence_not_values() {
        let (status, body) = run(
            &[
                ("DOVECOTE_SIGNING_KEY", KEY),
                ("DOVECOTE_ENCRYPTION_KEY", KEY),
                ("OAUTH_PASSWORD", "hunter2-password"),
            ],
            None,
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "ok");
        assert_eq!(body["sign_in"], "password");
        assert_eq!(body["bindings"]["GRANTS"], true);
        assert_eq!(body["bindings"][KV_BINDING], true);
        assert_eq!(body["secrets"]["OAUTH_PASSWORD"], true);
        assert_eq!(body["secrets"]["ADMIN_TOKEN"], false);
        let text = body.to_string();
        assert!(!text.contains("hunter2") && !text.contains(KEY));
    }

    #[test]
    fn missing_pieces_are_named_with_the_fix_and_answer_503() {
        let (status, body) = run(
            &[
                ("DOVECOTE_SIGNING_KEY", "too-short-key"),
                ("MCP_MAX_BODY_BYTES", "lots"),
            ],
            Some("AUDIT_LOG"),
        );
        assert_eq!(status, 503);
        assert_eq!(body["status"], "unhealthy");
        assert_eq!(body["sign_in"], "unconfigured");
        assert_eq!(body["bindings"]["AUDIT_LOG"], false);
        let problems = body["problems"].to_string();
        for expected in [
            "AUDIT_LOG",
            "DOVECOTE_ENCRYPTION_KEY is not set: run make secrets",
            "nobody can sign in",
            "MCP_MAX_BODY_BYTES",
            "DOVECOTE_SIGNING_KEY must be at least 32 random bytes",
        ] {
            assert!(problems.contains(expected), "{expected} in {problems}");
        }
        assert!(!problems.contains("too-short-key"));
    }

    #[test]
    fn github_sign_in_that_names_nobody_is_reported_with_the_variables_to_set() {
        let github = [
            ("DOVECOTE_SIGNING_KEY", KEY),
            ("DOVECOTE_ENCRYPTION_KEY", KEY),
            ("GITHUB_CLIENT_ID", "Iv1.x"),
            ("GITHUB_CLIENT_SECRET", "s"),
        ];
        let (status, body) = run(&github, None);
        assert_eq!(status, 503, "{body}");
        let problems = body["problems"].to_string();
        assert!(
            problems.contains("GitHub sign-in lets nobody in")
                && problems.contains("ALLOWED_USERNAMES")
                && problems.contains("OPERATORS"),
            "{problems}"
        );
        for named in [("ALLOWED_USERNAMES", "*"), ("OPERATORS", "octocat")] {
            let mut vars = github.to_vec();
            vars.push(named);
            let (status, body) = run(&vars, None);
            assert_eq!(status, 200, "{named:?}: {body}");
        }
    }

    #[test]
    fn an_empty_signing_key_is_reported_as_not_set() {
        let (status, body) = run(
            &[
                ("DOVECOTE_SIGNING_KEY", ""),
                ("DOVECOTE_ENCRYPTION_KEY", KEY),
                ("OAUTH_PASSWORD", "pw"),
            ],
            None,
        );
        assert_eq!(status, 503);
        assert_eq!(body["secrets"]["DOVECOTE_SIGNING_KEY"], false);
        let problems: Vec<&str> = body["problems"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .collect();
        assert_eq!(
            problems,
            ["the secret DOVECOTE_SIGNING_KEY is not set: run make secrets (or wrangler secret put DOVECOTE_SIGNING_KEY)"]
        );
    }

    #[test]
    fn a_bad_previous_signing_key_is_reported_as_the_worker_refuses_it() {
        let pairs = [
            ("DOVECOTE_SIGNING_KEY", KEY),
            ("DOVECOTE_SIGNING_KEY_PREVIOUS", "not-a-key"),
            ("DOVECOTE_ENCRYPTION_KEY", KEY),
            ("OAUTH_PASSWORD", "pw"),
        ];
        let (status, body) = run(&pairs, None);
        assert_eq!(status, 503, "{body}");
        let var = |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        };
        let refused = crate::deployment::Deployment::load(&var, true).unwrap_err();
        assert_eq!(body["problems"], serde_json::json!(refused));
        assert!(refused[0].starts_with("DOVECOTE_SIGNING_KEY_PREVIOUS"));
        assert!(!body.to_string().contains("not-a-key"));
    }

    #[test]
    fn github_sign_in_wins_when_both_are_set() {
        let (_, body) = run(
            &[
                ("OAUTH_PASSWORD", "p"),
                ("GITHUB_CLIENT_ID", "Iv1.x"),
                ("GITHUB_CLIENT_SECRET", "s"),
            ],
            None,
        );
        assert_eq!(body["sign_in"], "github");
    }

    #[test]
    fn a_channel_without_its_secret_is_named() {
        let ops = Instance {
            id: "ops".into(),
            name: "Ops".into(),
            description: None,
            credential: Credential::Secret("OPS_BOT_TOKEN".into()),
            api_base: None,
            allow_any_host: false,
            confirm: false,
            target: Target::Telegram {
                chat_id: "-100".into(),
                topic_id: None,
            },
        };
        let complete = [
            ("DOVECOTE_SIGNING_KEY", KEY),
            ("DOVECOTE_ENCRYPTION_KEY", KEY),
            ("OAUTH_PASSWORD", "pw"),
        ];
        let (status, body) = run_with(&complete, None, std::slice::from_ref(&ops));
        assert_eq!(status, 503);
        assert_eq!(body["secrets"]["OPS_BOT_TOKEN"], false);
        assert!(body["problems"][0]
            .as_str()
            .unwrap()
            .contains("the channel telegram-ops (channels.toml) needs the secret OPS_BOT_TOKEN"));
        let mut with_token = complete.to_vec();
        with_token.push(("OPS_BOT_TOKEN", "123:abc"));
        let (status, body) = run_with(&with_token, None, &[ops]);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["secrets"]["OPS_BOT_TOKEN"], true);
    }
}
