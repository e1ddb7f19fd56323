//! Channels declared in a `channels.toml` (tests/fixtures/channels.toml), compiled in by
//! `channels!`, resolved against the Worker's secrets at run time and delivered to.

use dovecote_gateway::channels::deliver;
use dovecote_gateway::channels::message::{Attempt, Message};
use dovecote_gateway::channels::registry::{resolve, Registry, Source};
use dovecote_gateway::platform::native::{CannedFetch, MapSecrets};
use serde_json::json;

mod declared {
    dovecote_gateway::channels! { manifest = "fixtures/channels.toml" }
}

const TOKEN: &str = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678";

#[test]
fn file_channels_are_unavailable_until_their_secret_is_set_then_deliver_as_declared() {
    let secrets = MapSecrets::default();
    let registry = Registry::load(declared::CHANNELS, &secrets);
    assert_eq!(registry.ids(), ["telegram-selfhosted", "discord-deploys"]);
    assert!(registry.channels.iter().all(|c| c.source == Source::File));
    let selfhosted = &registry.find("telegram-selfhosted").unwrap().instance;
    assert_eq!(
        resolve(selfhosted, &secrets).err().unwrap(),
        "the Worker secret `SELFHOSTED_BOT_TOKEN` is not set — run `npx wrangler secret put SELFHOSTED_BOT_TOKEN` (or add it to .dev.vars)"
    );

    secrets.set("SELFHOSTED_BOT_TOKEN", TOKEN);
    let resolved = resolve(selfhosted, &secrets).unwrap();
    let message = Message::new("*hi*".into(), None, None, None, vec![], false).unwrap();
    let parts = deliver::render(selfhosted, &message);
    let fetch = CannedFetch::default();
    let url = format!("https://bots.example.org/bot{TOKEN}/sendMessage");
    fetch.answer_json(&url, 200, &json!({"ok": true, "result": {"message_id": 3}}));
    let attempt = pollster::block_on(deliver::send_part(
        &fetch, selfhosted, &resolved, &parts[0], "id",
    ));
    assert_eq!(attempt, Attempt::Sent(Some("3".into())));
    let sent = &fetch.sent()[0];
    let body: serde_json::Value = serde_json::from_slice(sent.body.as_ref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"chat_id": "@dovecote_ops", "text": "<i>hi</i>", "parse_mode": "HTML",
               "message_thread_id": 9, "link_preview_options": {"is_disabled": true}})
    );

    // A Discord webhook secret on another host is refused at run time, without its value.
    let deploys = &registry.find("discord-deploys").unwrap().instance;
    secrets.set(
        "DEPLOYS_WEBHOOK",
        "https://evil.example/api/webhooks/1/s3cr3t-token",
    );
    let why = resolve(deploys, &secrets).err().unwrap();
    assert!(
        why.starts_with(
            "the Worker secret `DEPLOYS_WEBHOOK` holds a URL that names host `evil.example`"
        ),
        "{why}"
    );
    assert!(!why.contains("s3cr3t"));
    secrets.set(
        "DEPLOYS_WEBHOOK",
        "https://discord.com/api/webhooks/1/s3cr3t-token",
    );
    let resolved = resolve(deploys, &secrets).unwrap();
    let parts = deliver::render(deploys, &message);
    let url =
        "https://discord.com/api/webhooks/1/s3cr3t-token?wait=true&thread_id=998877665544332211";
    fetch.answer_json(
        url,
        404,
        &json!({"message": "Unknown Webhook", "code": 10015}),
    );
    let attempt = pollster::block_on(deliver::send_part(
        &fetch, deploys, &resolved, &parts[0], "id",
    ));
    assert_eq!(
        attempt,
        Attempt::Permanent("Discord: Unknown Webhook".into())
    );
}
