//! The pace of an open `/events` stream: when to poll, when to send a heartbeat, when to end.
//! A state machine over the clock, so the Worker only waits and polls as it is told, and tests
//! step it with numbers instead of sleeping.

use super::stream::HEARTBEAT;
use super::WebhookSettings;
use crate::platform::PlatformError;

/// What the stream does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send these bytes.
    Send(Vec<u8>),
    /// Wait this many milliseconds, then poll and report it with [`Pace::polled`].
    Wait(u64),
    /// End the stream: the client reconnects with its `Last-Event-ID`.
    End,
}

/// The state of one open stream.
#[derive(Debug)]
pub struct Pace {
    poll_ms: u64,
    heartbeat_ms: u64,
    max_ms: u64,
    started_ms: u64,
    last_sent_ms: u64,
    pending: Option<Vec<u8>>,
    ended: bool,
}

impl Pace {
    /// A stream opened at `now_ms` that first sends `opening`.
    pub fn new(settings: &WebhookSettings, now_ms: u64, opening: Vec<u8>) -> Self {
        Self {
            poll_ms: settings.poll_ms,
            heartbeat_ms: settings.heartbeat_ms,
            max_ms: settings.stream_max_ms,
            started_ms: now_ms,
            last_sent_ms: now_ms,
            pending: Some(opening),
            ended: false,
        }
    }

    /// What to do at `now_ms`: send what is waiting, end once the stream is as old as
    /// `EVENTS_STREAM_MAX_SECS` or a poll failed, else wait and poll.
    pub fn next(&mut self, now_ms: u64) -> Step {
        if let Some(bytes) = self.pending.take() {
            self.last_sent_ms = now_ms;
            return Step::Send(bytes);
        }
        if self.ended || now_ms.saturating_sub(self.started_ms) >= self.max_ms {
            return Step::End;
        }
        Step::Wait(self.poll_ms)
    }

    /// Takes in what a poll at `now_ms` found: new frames are sent; with nothing new, a
    /// heartbeat once `EVENTS_HEARTBEAT_SECS` passed without a byte; a failure ends the
    /// stream (the failure is logged).
    pub fn polled(&mut self, now_ms: u64, polled: Result<Vec<u8>, PlatformError>) {
        match polled {
            Ok(frames) if !frames.is_empty() => self.pending = Some(frames),
            Ok(_) if now_ms.saturating_sub(self.last_sent_ms) >= self.heartbeat_ms => {
                self.pending = Some(HEARTBEAT.to_vec());
            }
            Ok(_) => {}
            Err(e) => {
                crate::log::internal("event stream", &e.0);
                self.ended = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pace() -> Pace {
        let settings = WebhookSettings {
            poll_ms: 1_000,
            heartbeat_ms: 2_500,
            stream_max_ms: 10_000,
            ..WebhookSettings::default()
        };
        Pace::new(&settings, 100_000, b"retry: 1000\n\n".to_vec())
    }

    #[test]
    fn the_opening_goes_first_then_it_waits_a_poll_interval() {
        let mut p = pace();
        assert_eq!(p.next(100_000), Step::Send(b"retry: 1000\n\n".to_vec()));
        assert_eq!(p.next(100_000), Step::Wait(1_000));
    }

    #[test]
    fn new_frames_are_sent_and_quiet_polls_send_nothing_until_a_heartbeat_is_due() {
        let mut p = pace();
        p.next(100_000);
        p.polled(101_000, Ok(b"event\n\n".to_vec()));
        assert_eq!(p.next(101_000), Step::Send(b"event\n\n".to_vec()));
        p.polled(102_000, Ok(Vec::new()));
        assert_eq!(
            p.next(102_000),
            Step::Wait(1_000),
            "1 s since the last byte"
        );
        p.polled(103_400, Ok(Vec::new()));
        assert_eq!(p.next(103_400), Step::Wait(1_000), "2.4 s");
        p.polled(103_500, Ok(Vec::new()));
        assert_eq!(p.next(103_500), Step::Send(HEARTBEAT.to_vec()), "2.5 s");
        p.polled(104_500, Ok(Vec::new()));
        assert_eq!(
            p.next(104_500),
            Step::Wait(1_000),
            "the heartbeat counts as sent"
        );
    }

    #[test]
    fn it_ends_at_its_maximum_age_or_after_a_failed_poll() {
        let mut p = pace();
        p.next(100_000);
        assert_eq!(p.next(109_999), Step::Wait(1_000));
        assert_eq!(p.next(110_000), Step::End);
        let mut p = pace();
        p.next(100_000);
        p.polled(101_000, Err(PlatformError("store unreachable".into())));
        assert_eq!(p.next(101_000), Step::End);
    }

    #[test]
    fn frames_found_by_the_last_poll_are_sent_before_it_ends() {
        let mut p = pace();
        p.next(100_000);
        p.polled(110_500, Ok(b"late\n\n".to_vec()));
        assert_eq!(p.next(110_500), Step::Send(b"late\n\n".to_vec()));
        assert_eq!(p.next(110_500), Step::End);
    }
}
