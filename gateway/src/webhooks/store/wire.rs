//! How the Worker reads the store's replies that serde would buffer (see `objects::tagged`):
//! `Ingested`, tagged by `outcome`, and an event (`EventSummary`, `Stored`), whose summary and
//! event are flattened into one object. Each is read through one plain struct here.

use serde::{Deserialize, Deserializer};

use super::{EventSummary, Ingested, Stored};
use crate::objects::tagged::need;
use crate::webhooks::payload::Summary;

/// `Ingested` as it is read.
#[derive(Deserialize)]
pub(super) struct Outcome {
    outcome: OutcomeTag,
    retry_after_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum OutcomeTag {
    Stored,
    Duplicate,
    OverQuota,
}

impl TryFrom<Outcome> for Ingested {
    type Error = String;

    fn try_from(read: Outcome) -> Result<Self, String> {
        Ok(match read.outcome {
            OutcomeTag::Stored => Self::Stored,
            OutcomeTag::Duplicate => Self::Duplicate,
            OutcomeTag::OverQuota => Self::OverQuota {
                retry_after_ms: need(read.retry_after_ms, "over_quota", "retry_after_ms")?,
            },
        })
    }
}

/// An `EventSummary`, or a `Stored` (the same with `seq`), as it is read: every field of the
/// event and of its summary side by side, as they are written.
#[derive(Deserialize)]
pub(super) struct EventRow {
    seq: Option<i64>,
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    #[serde(default)]
    tenant: String,
    account_id: Option<u64>,
    received_at: String,
    processed: bool,
    trigger_status: Option<String>,
    last_triggered_at: Option<String>,
    payload_bytes: u64,
    action: Option<String>,
    repo: Option<String>,
    sender: Option<String>,
    number: Option<u64>,
    title: Option<String>,
    url: Option<String>,
    head_branch: Option<String>,
    head_sha: Option<String>,
    conclusion: Option<String>,
}

impl From<EventRow> for EventSummary {
    fn from(row: EventRow) -> Self {
        Self {
            id: row.id,
            event_type: row.event_type,
            tenant: row.tenant,
            account_id: row.account_id,
            received_at: row.received_at,
            processed: row.processed,
            trigger_status: row.trigger_status,
            last_triggered_at: row.last_triggered_at,
            summary: Summary {
                action: row.action,
                repo: row.repo,
                sender: row.sender,
                number: row.number,
                title: row.title,
                url: row.url,
                head_branch: row.head_branch,
                head_sha: row.head_sha,
                conclusion: row.conclusion,
            },
            payload_bytes: row.payload_bytes,
        }
    }
}

impl<'de> Deserialize<'de> for EventSummary {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        EventRow::deserialize(deserializer).map(Self::from)
    }
}

impl TryFrom<EventRow> for Stored {
    type Error = String;

    fn try_from(mut row: EventRow) -> Result<Self, String> {
        Ok(Self {
            seq: need(row.seq.take(), "event", "seq")?,
            event: row.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> EventSummary {
        EventSummary {
            id: "d-1".into(),
            event_type: "workflow_run".into(),
            tenant: "octo-org".into(),
            account_id: Some(42),
            received_at: "2026-12-03T10:00:00Z".into(),
            processed: true,
            trigger_status: Some("sent".into()),
            last_triggered_at: None,
            summary: Summary {
                action: Some("completed".into()),
                repo: Some("octo-org/hello".into()),
                sender: Some("octocat".into()),
                number: Some(7),
                title: Some("CI \"main\"".into()),
                url: Some("https://github.com/octo-org/hello/actions/runs/1".into()),
                head_branch: Some("main".into()),
                head_sha: Some("abc".into()),
                conclusion: Some("failure".into()),
            },
            payload_bytes: 7_000,
        }
    }

    #[test]
    fn events_read_back_as_written() {
        let stored = Stored {
            seq: 12,
            event: event(),
        };
        let json = serde_json::to_vec(&stored).unwrap();
        assert_eq!(serde_json::from_slice::<Stored>(&json).unwrap(), stored);
        let json = serde_json::to_vec(&event()).unwrap();
        assert_eq!(
            serde_json::from_slice::<EventSummary>(&json).unwrap(),
            event()
        );
        // A bare event (no summary fields, no tenant: an earlier release's row).
        let bare: Stored = serde_json::from_str(
            r#"{"seq":1,"id":"d","type":"ping","received_at":"t","processed":false,
                "trigger_status":null,"last_triggered_at":null,"payload_bytes":2}"#,
        )
        .unwrap();
        assert_eq!(bare.event.summary, Summary::default());
        assert_eq!(bare.event.tenant, "");
    }

    #[test]
    fn an_event_without_its_fields_is_refused() {
        let json = serde_json::to_value(event()).unwrap();
        let err = serde_json::from_value::<Stored>(json.clone()).unwrap_err();
        assert!(err.to_string().contains("seq"), "{err}");
        let mut without = json;
        without.as_object_mut().unwrap().remove("received_at");
        assert!(serde_json::from_value::<EventSummary>(without).is_err());
    }

    #[test]
    fn outcomes_read_back_as_written() {
        for outcome in [
            Ingested::Stored,
            Ingested::Duplicate,
            Ingested::OverQuota { retry_after_ms: 5 },
        ] {
            let json = serde_json::to_vec(&outcome).unwrap();
            assert_eq!(serde_json::from_slice::<Ingested>(&json).unwrap(), outcome);
        }
        assert_eq!(
            serde_json::to_string(&Ingested::OverQuota { retry_after_ms: 5 }).unwrap(),
            r#"{"outcome":"over_quota","retry_after_ms":5}"#
        );
        assert!(serde_json::from_slice::<Ingested>(br#"{"outcome":"over_quota"}"#).is_err());
        assert!(serde_json::from_slice::<Ingested>(br#"{"outcome":"lost"}"#).is_err());
    }
}
