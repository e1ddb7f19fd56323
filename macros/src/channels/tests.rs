//! Unit tests of `channels.toml` validation: each kind of mistake, with its line.

use super::manifest::{parse, Target};
use super::rules::Service;

/// The errors of `source` (valid TOML), as `line: message`.
fn errors(source: &str) -> Vec<String> {
    let (_, errors) = parse(source).expect("valid TOML");
    errors
        .into_iter()
        .map(|e| format!("{}: {}", e.line, e.message))
        .collect()
}

/// The one error of `source`.
fn error(source: &str) -> String {
    let errors = errors(source);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().unwrap()
}

const VALID: &str = r#"
[telegram.ops]
name = "Ops"
description = "Pager for the on-call"
bot_token_secret = "TELEGRAM_OPS_BOT_TOKEN"
chat_id = -1001234567890
topic_id = 7

[discord.deploys]
name = "Deploys"
webhook_url_secret = "DISCORD_DEPLOYS_WEBHOOK"
thread_id = "123456789012345678"
username = "Dovecote"

[slack.team]
name = "Team"
bot_token_secret = "SLACK_BOT_TOKEN"
channel = "C0123456"

[slack.alerts]
name = "Alerts"
webhook_url_secret = "SLACK_ALERTS_WEBHOOK"

[webhook.ci]
name = "CI"
url_secret = "CI_WEBHOOK_URL"
signing_secret = "CI_WEBHOOK_KEY"
signature_header = "X-Hub-Signature-256"

[telegram.local]
name = "Local Bot API server"
bot_token_secret = "LOCAL_BOT_TOKEN"
chat_id = "@dovecote_test"
api_base = "http://127.0.0.1:8081"
allow_any_host = true
"#;

#[test]
fn a_valid_file_gives_every_instance_in_file_order() {
    let (instances, errors) = parse(VALID).unwrap();
    assert_eq!(errors, []);
    let ids: Vec<(Service, &str)> = instances.iter().map(|(s, d)| (*s, d.id.as_str())).collect();
    assert_eq!(
        ids,
        [
            (Service::Telegram, "ops"),
            (Service::Telegram, "local"),
            (Service::Discord, "deploys"),
            (Service::Slack, "team"),
            (Service::Slack, "alerts"),
            (Service::Webhook, "ci"),
        ]
    );
    let ops = &instances[0].1;
    assert_eq!(ops.secret, "TELEGRAM_OPS_BOT_TOKEN");
    assert_eq!(
        ops.target,
        Target::Telegram {
            chat_id: "-1001234567890".into(),
            topic_id: Some(7)
        }
    );
    assert_eq!(instances[4].1.secret, "SLACK_ALERTS_WEBHOOK");
    assert_eq!(
        instances[5].1.target,
        Target::Webhook {
            signing_secret: Some("CI_WEBHOOK_KEY".into()),
            signature_header: Some("x-hub-signature-256".into())
        }
    );
}

#[test]
fn a_bot_token_written_inline_fails_with_its_line() {
    let source = "[telegram.ops]\nname = \"Ops\"\nbot_token_secret = \"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw\"\nchat_id = 1\n";
    assert_eq!(
        error(source),
        "3: `bot_token_secret` of [telegram.ops] holds what looks like the secret itself — store it with `wrangler secret put NAME` and write NAME here"
    );
    let source = "[telegram.ops]\nname = \"Ops\"\nbot_token_secret = \"T\"\nchat_id = \"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw\"\n";
    let found = errors(source);
    assert!(
        found[0].starts_with(
            "4: `chat_id` of [telegram.ops] looks like a Telegram bot token written inline"
        ),
        "{found:?}"
    );
}

#[test]
fn unknown_keys_services_and_missing_keys_are_named() {
    assert_eq!(
        error("[discord.a]\nname = \"A\"\nwebhook_url_secret = \"W\"\nchat_id = 5\n"),
        "4: [discord.a] has an unknown key `chat_id` — the keys are name, description, allow_any_host, confirm, webhook_url_secret, thread_id, username, avatar_url"
    );
    assert_eq!(
        error("[matrix.a]\nname = \"A\"\n"),
        "1: unknown service `matrix` — the tables are [telegram.<id>], [discord.<id>], [slack.<id>] and [webhook.<id>]"
    );
    let found = errors("[telegram.a]\nname = \"A\"\n");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("has no `bot_token_secret`"));
    assert!(found[1].contains("has no `chat_id`"));
    assert_eq!(
        error("[telegram.Ops]\n"),
        "1: instance id `Ops` is not valid — use 1 to 32 characters of a-z, 0-9, `_` and `-`"
    );
}

#[test]
fn hosts_outside_the_service_need_the_override() {
    let base = "[telegram.a]\nname = \"A\"\nbot_token_secret = \"T\"\nchat_id = 1\napi_base = \"https://evil.example\"\n";
    assert_eq!(
        error(base),
        "5: `api_base` of [telegram.a] names host `evil.example`, which is not telegram's — use api.telegram.org (`allow_any_host = true` permits other hosts, for tests and self-hosting only)"
    );
    assert_eq!(
        errors(&format!("{base}allow_any_host = true\n")),
        Vec::<String>::new()
    );
    let http = "[slack.a]\nname = \"A\"\nbot_token_secret = \"T\"\nchannel = \"C1\"\napi_base = \"http://slack.com/api\"\n";
    assert!(error(http).contains("uses http — only https is allowed"));
    let creds = "[slack.a]\nname = \"A\"\nbot_token_secret = \"T\"\nchannel = \"C1\"\napi_base = \"https://u:p@slack.com/api\"\n";
    assert!(error(creds).contains("carries credentials"));
}

#[test]
fn a_table_given_twice_is_a_syntax_error_with_its_line() {
    let source =
        "[discord.a]\nname = \"A\"\nwebhook_url_secret = \"W\"\n\n[discord.a]\nname = \"B\"\n";
    let e = parse(source).unwrap_err();
    assert_eq!(e.line, 5, "{}", e.message);
    assert!(
        e.message.contains("an instance id is declared twice"),
        "{}",
        e.message
    );
}

#[test]
fn the_example_users_copy_and_the_root_file_are_valid() {
    let (instances, errors) = parse(include_str!("../../../examples/channels.toml")).unwrap();
    assert_eq!(errors, []);
    let ids: Vec<&str> = instances.iter().map(|(_, d)| d.id.as_str()).collect();
    assert_eq!(ids, ["ops", "deploys"]);
    let (_, errors) = parse(include_str!("../../../channels.toml")).unwrap();
    assert_eq!(errors, []);
}

#[test]
fn every_bad_url_is_reported_with_its_fix() {
    // Found by the `channels_manifest` fuzz target: the URL rules stated the problem only.
    for base in [
        "api.telegram.org",
        "https://api telegram.org",
        "https://[::1",
        "https://api.telegram.org:99999",
        "https://api_telegram.org",
        &format!("https://api.telegram.org/{}", "a".repeat(2048)),
    ] {
        let source = format!(
            "[telegram.ops]\nname = \"Ops\"\nbot_token_secret = \"T\"\nchat_id = 1\napi_base = \"{base}\"\n"
        );
        let error = error(&source);
        assert!(
            error.starts_with("5: `api_base` of [telegram.ops] "),
            "{error}"
        );
        assert!(error.contains(" — "), "no fix in {error}");
    }
}
