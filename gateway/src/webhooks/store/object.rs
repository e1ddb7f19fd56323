//! The `EventStore` class: its operations, and how one instance serves them over its SQL.

use serde::{Deserialize, Serialize};

use super::{
    export, read, retention, schema, tally, triggered, write, FullEvent, Incoming, Ingested,
    Marked, PendingStatus, Stored, MAX_LIST,
};
pub use crate::objects::follow::Settled;
use crate::objects::{Answer, Ask, Instance, ObjectClass, DONE};
use crate::platform::Platform;
use crate::webhooks::DeliveryId;

/// The class: one instance per tenant, named by the tenant.
pub struct EventStore;

#[async_trait::async_trait(?Send)]
impl ObjectClass for EventStore {
    const BINDING: &'static str = super::BINDING;
    type Request = Request;

    fn serve(at: Instance<'_>, request: Request, payload: &[u8]) -> Answer {
        let (sql, memory, now_ms) = (at.sql, at.memory, at.now_ms);
        if let Err(e) = schema::ensure(sql, memory) {
            return Answer::failed(e);
        }
        match request {
            Request::Ingest(op) => {
                let ingested = write::ingest(sql, memory, now_ms, &op.0, payload);
                if let Ok(outcome) = &ingested {
                    if *outcome == Ingested::Stored {
                        retention::note_event(memory);
                    }
                    // A count that fails to be kept never refuses the delivery.
                    if let Err(e) = tally::count(sql, memory, now_ms, outcome) {
                        crate::log::internal("delivery tally", &e.0);
                    }
                }
                Ingest::answer(ingested)
            }
            Request::Activity(Activity {}) => Activity::answer(tally::activity(sql, now_ms)),
            Request::Newest(op) => Newest::answer(read::newest(sql, op.limit.min(MAX_LIST))),
            Request::Status(Status {}) => Status::answer(read::status(sql)),
            Request::Pending(op) => Pending::answer(read::pending(sql, op.limit.min(MAX_LIST))),
            Request::After(op) => After::answer(read::after(sql, op.seq, op.limit.min(MAX_LIST))),
            Request::Head(Head {}) => Head::answer(read::head(sql)),
            Request::Get(op) => Get::answer(read::get(sql, &op.id, op.max_payload)),
            Request::Rendered(op) => {
                let mut body = vec![DONE];
                match read::rendered(sql, &op.id, (&op.tenant, op.account_id), &mut body) {
                    Ok(true) => Answer::encoded(body),
                    Ok(false) => Answer::encoded(vec![DONE]),
                    Err(e) => Answer::failed(e),
                }
            }
            Request::PendingWithPayloads(op) => PendingWithPayloads::answer(
                read::pending_with_payloads(sql, op.limit.min(MAX_LIST), op.budget, op.inline_max),
            ),
            Request::Mark(op) => Mark::answer(write::mark(sql, now_ms, &op.id)),
            Request::Wipe(op) => Wipe::answer(retention::schedule_wipe(sql, memory, op.at_ms)),
            Request::ExportPage(op) => {
                let mut body = vec![DONE, 0, 0, 0, 0, 0, 0, 0, 0];
                let budget = op.budget.min(export::PAGE_BYTES);
                match export::page(sql, op.after, budget, &op.tenant, &mut body) {
                    Ok(last) => {
                        body[1..9].copy_from_slice(&last.unwrap_or(-1).to_be_bytes());
                        Answer::encoded(body)
                    }
                    Err(e) => Answer::failed(e),
                }
            }
            Request::Erase(Erase {}) => {
                // What the instance remembers of the settings and events goes with them.
                retention::forget_known(memory);
                Erase::answer(export::erase(sql))
            }
            Request::Settled(op) => Settled::answer(triggered::settle(sql, now_ms, &op)),
        }
    }

    fn wanted_alarm(at: Instance<'_>) -> Option<u64> {
        retention::next_alarm(at.sql, at.memory, at.now_ms).unwrap_or(None)
    }

    async fn alarm(at: Instance<'_>, _platform: &Platform<'_>) -> Option<u64> {
        match retention::run(at.sql, at.memory, at.now_ms) {
            Ok(done) => done.next_alarm_ms,
            Err(e) => {
                crate::log::internal("event retention", &e.0);
                Some(at.now_ms + retention::PURGE_INTERVAL_MS)
            }
        }
    }
}

crate::objects::operations!(EventStore, Request {
    Ingest => Ingested,
    Status => PendingStatus,
    Pending => Vec<Stored>,
    After => Vec<Stored>,
    Head => i64,
    Get => Option<FullEvent>,
    Rendered => Option<Vec<u8>> as rendered,
    PendingWithPayloads => Vec<(i64, FullEvent)>,
    Mark => Marked,
    Wipe => (),
    ExportPage => (Option<i64>, Vec<u8>) as exported,
    Erase => (),
    Activity => tally::Activity,
    Newest => Vec<Stored>,
    Settled => (),
});

/// The console's view: hourly counts by outcome, the backlog, the newest event.
#[derive(Serialize, Deserialize)]
pub struct Activity {}

/// Up to `limit` events, processed or not, newest first.
#[derive(Serialize, Deserialize)]
pub struct Newest {
    pub(super) limit: usize,
}

/// Stores a delivery, whose payload follows the request (quota checked and counted in the
/// same step).
#[derive(Serialize, Deserialize)]
pub struct Ingest(pub(super) Box<Incoming>);

/// The pending count, latest arrival and counts by type.
#[derive(Serialize, Deserialize)]
pub struct Status {}

/// Up to `limit` pending events, newest first.
#[derive(Serialize, Deserialize)]
pub struct Pending {
    pub(super) limit: usize,
}

/// Up to `limit` events that arrived after position `seq`, oldest first.
#[derive(Serialize, Deserialize)]
pub struct After {
    pub(super) seq: i64,
    pub(super) limit: usize,
}

/// The position of the newest event (0 when empty).
#[derive(Serialize, Deserialize)]
pub struct Head {}

/// One event with its payload, left out above `max_payload` bytes.
#[derive(Serialize, Deserialize)]
pub struct Get {
    pub(super) id: DeliveryId,
    pub(super) max_payload: usize,
}

/// One event as `GET /event` returns it: its JSON bytes, passed through, never parsed.
#[derive(Serialize, Deserialize)]
pub struct Rendered {
    pub(super) id: DeliveryId,
    /// How the event names its account (`Visible::label`).
    pub(super) tenant: String,
    #[serde(default)]
    pub(super) account_id: Option<u64>,
}

/// The answer to `Rendered`: `DONE` alone when the store has no such event, else `DONE`
/// followed by the event's JSON, which is handed on as it is.
fn rendered(mut answer: Vec<u8>) -> Result<Option<Vec<u8>>, String> {
    if answer.len() == 1 {
        return Ok(None);
    }
    // In place: the payload is not copied again.
    answer.drain(..1);
    Ok(Some(answer))
}

/// Pending events with payloads, newest first, within a budget of payload bytes.
#[derive(Serialize, Deserialize)]
pub struct PendingWithPayloads {
    pub(super) limit: usize,
    pub(super) budget: usize,
    pub(super) inline_max: usize,
}

/// Marks an event processed.
#[derive(Serialize, Deserialize)]
pub struct Mark {
    pub(super) id: DeliveryId,
}

/// Schedules deleting every event at `at_ms`, or cancels that with `None`.
#[derive(Serialize, Deserialize)]
pub struct Wipe {
    pub(super) at_ms: Option<u64>,
}

/// Up to `budget` bytes of JSON lines: the events after position `after`, oldest first.
#[derive(Serialize, Deserialize)]
pub struct ExportPage {
    pub(super) after: i64,
    pub(super) budget: usize,
    /// How each line names its account.
    pub(super) tenant: String,
}

/// The answer to `ExportPage`: `DONE`, the last position written (8 bytes, big-endian; -1 for
/// none), then the lines, handed on as they are.
fn exported(mut answer: Vec<u8>) -> Result<(Option<i64>, Vec<u8>), String> {
    let Some(head) = answer.get(1..9) else {
        return Err("an export page shorter than its header".into());
    };
    let last = i64::from_be_bytes(head.try_into().map_err(|_| "bad export header")?);
    answer.drain(..9);
    Ok(((last >= 0).then_some(last), answer))
}

/// Deletes every event of this store now.
#[derive(Serialize, Deserialize)]
pub struct Erase {}
