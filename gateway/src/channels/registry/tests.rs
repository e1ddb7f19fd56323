//! The JSON-array secrets (dovecote's format), their validation and merging, and run-time
//! resolution of channels.toml's secret names.

use std::borrow::Cow;

use super::*;
use crate::platform::native::MapSecrets;

const TOKEN: &str = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678";

fn telegram_file_instance() -> Instance {
    Instance {
        id: Cow::Borrowed("ops"),
        name: Cow::Borrowed("Ops"),
        description: None,
        credential: Credential::Secret(Cow::Borrowed("OPS_BOT_TOKEN")),
        api_base: None,
        allow_any_host: false,
        confirm: false,
        target: Target::Telegram {
            chat_id: Cow::Borrowed("-100123"),
            topic_id: None,
        },
    }
}

#[test]
fn dovecote_secrets_load_with_default_names_and_lower_cased_ids() {
    let secrets = MapSecrets::default();
    secrets.set(
        "TELEGRAM_INSTANCES",
        &format!(r#"[{{"id":"Default","botToken":"{TOKEN}","chatId":12345}}]"#),
    );
    secrets.set(
        "DISCORD_INSTANCES",
        r#"[{"id":"default","webhookUrl":"https://discord.com/api/webhooks/1/abc"}]"#,
    );
    let registry = Registry::load(&[], &secrets);
    assert_eq!(registry.problems, Vec::<String>::new());
    assert_eq!(registry.ids(), ["telegram-default", "discord-default"]);
    let telegram = &registry.channels[0];
    assert_eq!(telegram.instance.name, "Telegram (default)");
    assert_eq!(telegram.source, Source::Secret("TELEGRAM_INSTANCES"));
    assert!(resolve(&telegram.instance, &secrets).is_ok());
}

#[test]
fn a_bad_secret_is_reported_without_its_value_and_hides_nothing_else() {
    let secrets = MapSecrets::default();
    secrets.set("OPS_BOT_TOKEN", TOKEN);
    secrets.set(
        "TELEGRAM_INSTANCES",
        "[{\"id\": \"x\", \"botToken\": \"sekrit-value\"",
    );
    secrets.set(
        "DISCORD_INSTANCES",
        r#"[{"id":"a","webhookUrl":"https://evil.example/api/webhooks/1/sekrit-value"}]"#,
    );
    secrets.set(
        "SLACK_INSTANCES",
        r#"[{"id":"a","webhookUrl":"https://hooks.slack.com/services/T/B/x"},{"id":"A","webhookUrl":"https://hooks.slack.com/services/T/B/y"}]"#,
    );
    let registry = Registry::load(&[telegram_file_instance()], &secrets);
    assert_eq!(registry.ids(), ["telegram-ops"]);
    assert_eq!(registry.problems.len(), 3, "{:#?}", registry.problems);
    assert!(registry.problems[0].starts_with("TELEGRAM_INSTANCES: is not JSON"));
    assert!(registry.problems[1].starts_with(
        "DISCORD_INSTANCES: entry 0: its credential holds a URL that names host `evil.example`"
    ));
    assert_eq!(
        registry.problems[2],
        "SLACK_INSTANCES: entry 1: id `a` is given twice — ids must be unique"
    );
    assert!(registry.problems.iter().all(|p| !p.contains("sekrit")));
}

#[test]
fn the_file_wins_a_conflict_and_the_conflict_is_reported() {
    let secrets = MapSecrets::default();
    secrets.set(
        "TELEGRAM_INSTANCES",
        &format!(r#"[{{"id":"ops","botToken":"{TOKEN}","chatId":1}},{{"id":"two","botToken":"{TOKEN}","chatId":2}}]"#),
    );
    let registry = Registry::load(&[telegram_file_instance()], &secrets);
    assert_eq!(registry.ids(), ["telegram-ops", "telegram-two"]);
    assert_eq!(registry.channels[0].source, Source::File);
    assert_eq!(
        registry.problems,
        ["TELEGRAM_INSTANCES: `telegram-ops` is also declared in channels.toml, which wins — rename one of them"]
    );
}

#[test]
fn a_missing_or_malformed_secret_makes_the_channel_unavailable_with_the_fix() {
    let secrets = MapSecrets::default();
    let instance = telegram_file_instance();
    assert_eq!(
        resolve(&instance, &secrets).err().unwrap(),
        "the Worker secret `OPS_BOT_TOKEN` is not set — run `npx wrangler secret put OPS_BOT_TOKEN` (or add it to .dev.vars)"
    );
    // A token with a slash would change the request's path.
    secrets.set("OPS_BOT_TOKEN", "123:abc/../../other");
    let e = resolve(&instance, &secrets).err().unwrap();
    assert!(
        e.starts_with("the Worker secret `OPS_BOT_TOKEN` is not a Telegram bot token"),
        "{e}"
    );
    assert!(!e.contains("other"));
}

#[test]
fn loopback_urls_need_allow_any_host() {
    let json = r#"[{"id":"t","webhookUrl":"http://127.0.0.1:9/api/webhooks/1/x"}]"#;
    let e = parse_instances(Service::Discord, json).unwrap_err();
    assert!(e.contains("uses http — only https is allowed"), "{e}");
    let json =
        r#"[{"id":"t","webhookUrl":"http://127.0.0.1:9/api/webhooks/1/x","allowAnyHost":true}]"#;
    assert_eq!(parse_instances(Service::Discord, json).unwrap().len(), 1);
    let json = r#"[{"id":"t","webhookUrl":"http://127.0.0.1:9/elsewhere","allowAnyHost":true}]"#;
    let e = parse_instances(Service::Discord, json).unwrap_err();
    assert!(e.contains("is not a discord webhook URL"), "{e}");
    let json = r#"[{"id":"t","url":"https://10.0.0.1/hook"}]"#;
    let e = parse_instances(Service::Webhook, json).unwrap_err();
    assert!(e.contains("names the private host `10.0.0.1`"), "{e}");
}
