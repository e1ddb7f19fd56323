//! `NotificationId`: `<channel id>:<24 hex digits>`, made once per notification and parsed
//! at the edge. The channel part names the outbox that holds it.

use super::rules::{check_instance_id, Service};
use crate::platform::Random;

/// A notification's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationId {
    text: String,
    /// Where the channel part ends.
    colon: usize,
}

impl NotificationId {
    /// A fresh id for a notification to `channel_id` (96 random bits).
    pub fn generate(channel_id: &str, random: &dyn Random) -> Self {
        let mut bytes = [0u8; 12];
        random.fill(&mut bytes);
        let hex = crate::hex::lower(&bytes);
        Self {
            text: format!("{channel_id}:{hex}"),
            colon: channel_id.len(),
        }
    }

    /// Reads an id an agent passed back; `Err` says what one looks like.
    pub fn parse(text: &str) -> Result<Self, String> {
        let invalid = || {
            "`id` is not an id as send_notification returns it, `<channel>:<24 hex digits>`"
                .to_owned()
        };
        let (channel, hex) = text.rsplit_once(':').ok_or_else(invalid)?;
        let channel_ok = channel.split_once('-').is_some_and(|(service, instance)| {
            Service::parse(service).is_some() && check_instance_id(instance).is_ok()
        });
        let hex_ok = hex.len() == 24 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !channel_ok || !hex_ok {
            return Err(invalid());
        }
        Ok(Self {
            text: text.to_owned(),
            colon: channel.len(),
        })
    }

    /// The channel it was sent to.
    pub fn channel(&self) -> &str {
        &self.text[..self.colon]
    }

    /// The whole id.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::platform::native::OsRandom;

    #[test]
    fn generated_ids_parse_back_and_name_their_channel() {
        let id = NotificationId::generate("slack-team_alerts", &OsRandom);
        let parsed = NotificationId::parse(id.as_str()).unwrap();
        assert_eq!(parsed, id);
        assert_eq!(parsed.channel(), "slack-team_alerts");
        assert_ne!(
            NotificationId::generate("slack-a", &OsRandom),
            NotificationId::generate("slack-a", &OsRandom)
        );
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "telegram-ops",
            "telegram-ops:0123456789abcdef0123456",
            "telegram-ops:0123456789ABCDEF01234567",
            "matrix-ops:0123456789abcdef01234567",
            "telegram-Ops:0123456789abcdef01234567",
            "telegram:0123456789abcdef01234567",
            "../telegram-ops:0123456789abcdef01234567",
        ] {
            assert!(NotificationId::parse(bad).is_err(), "{bad}");
        }
    }
}
