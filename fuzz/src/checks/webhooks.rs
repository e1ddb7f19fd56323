//! The webhook payload summariser: what `/webhooks/github` reads from a delivery's JSON.

use dovecote_gateway::webhooks::payload::{self, Summary, MAX_SUMMARY_TEXT_CHARS};

/// A delivery parses only from a JSON object; its summary's title is one clipped line, and the
/// summary survives the JSON round trip the event store gives it.
pub fn payload(data: &[u8]) {
    let Ok(delivery) = payload::parse(data) else {
        return;
    };
    let first = data.iter().find(|b| !b.is_ascii_whitespace());
    assert_eq!(first, Some(&b'{'));
    let summary = delivery.summary;
    if let Some(title) = &summary.title {
        assert!(title.chars().count() <= MAX_SUMMARY_TEXT_CHARS, "{title}");
        assert!(!title.contains('\n'), "{title:?}");
    }
    let stored = serde_json::to_string(&summary).expect("a summary serializes");
    let read: Summary = serde_json::from_str(&stored).expect("a stored summary reads back");
    assert_eq!(read, summary);
}
