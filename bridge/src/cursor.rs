//! The last event the bridge relayed, kept between runs beside the sign-in (one file per
//! gateway in the user's configuration folder, written like it: private_file.rs). At start
//! the bridge resumes `/events` from it, so events that arrived while it was stopped are
//! relayed then, once each.
//!
//! Two bridges for the same user (two Claude sessions) each read the file once, at start,
//! then follow the stream from their own position in memory: each relays every event once.
//! Both write the file; each write replaces it whole, so the next start resumes from the
//! newest position either of them had relayed.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::private_file;

/// Where the last relayed event id of one gateway is kept.
#[derive(Debug, Clone)]
pub struct EventCursor {
    path: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    last_event_id: String,
}

impl EventCursor {
    /// The cursor for the gateway at `mcp_url`, under `dir`.
    pub fn new(dir: &Path, mcp_url: &Url) -> Self {
        let name = private_file::gateway_key(mcp_url);
        Self {
            path: dir.join(format!("events-{name}.json")),
        }
    }

    /// Where the cursor lives.
    #[cfg(test)]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The last relayed event id; none when the file is missing or unreadable (the stream
    /// then starts with new events, as on a first run).
    pub fn load(&self) -> Option<String> {
        let bytes = std::fs::read(&self.path).ok()?;
        let stored: Stored = serde_json::from_slice(&bytes).ok()?;
        Some(stored.last_event_id).filter(|id| !id.is_empty())
    }

    /// Remembers `id` as the last relayed event.
    pub fn save(&self, id: &str) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(&Stored {
            last_event_id: id.to_owned(),
        })
        .map_err(std::io::Error::other)?;
        private_file::write(&self.path, &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_round_trips_in_a_private_file_and_survives_garbage() {
        let dir =
            std::env::temp_dir().join(format!("dovecote-bridge-cursor-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        let gateway = Url::parse("http://127.0.0.1:8787/mcp").unwrap();
        let cursor = EventCursor::new(&dir, &gateway);
        assert_eq!(cursor.load(), None);
        cursor.save("t1:4").unwrap();
        cursor.save("t1:5").unwrap();
        assert_eq!(
            EventCursor::new(&dir, &gateway).load().as_deref(),
            Some("t1:5")
        );
        let other = EventCursor::new(&dir, &Url::parse("https://other.example/mcp").unwrap());
        assert_eq!(other.load(), None, "one cursor per gateway");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(cursor.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(cursor.path(), b"{not json").unwrap();
        assert_eq!(cursor.load(), None);
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left behind");
        std::fs::remove_dir_all(&dir).ok();
    }
}
