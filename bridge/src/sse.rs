//! A Server-Sent Events parser for the gateway's `/events` stream: bytes in, events out, as
//! the HTML standard's event-stream format says (fields `id`, `event`, `data`, `retry`;
//! comment lines, used for heartbeats; LF, CRLF or CR line ends; a blank line ends an event).

/// Longest event accepted; a longer one is dropped whole.
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// What the stream said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// An event.
    Event {
        /// `id`, when given.
        id: Option<String>,
        /// `event`, or `message` when not given.
        event: String,
        /// The `data` lines, joined by newlines.
        data: String,
    },
    /// A comment line (`: heartbeat`) or an event with no data: proof the stream is alive.
    Heartbeat,
}

/// Feeds bytes in, takes items out.
#[derive(Debug, Default)]
pub struct Parser {
    line: Vec<u8>,
    last_was_cr: bool,
    id: Option<String>,
    event: Option<String>,
    data: Option<String>,
    size: usize,
    oversized: bool,
}

impl Parser {
    /// Parses `bytes`, appending complete items to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Item>) {
        for &b in bytes {
            if self.last_was_cr && b == b'\n' {
                self.last_was_cr = false;
                continue;
            }
            self.last_was_cr = b == b'\r';
            if b == b'\n' || b == b'\r' {
                let line = std::mem::take(&mut self.line);
                self.line_done(&line, out);
            } else if self.line.len() < MAX_EVENT_BYTES {
                self.line.push(b);
            } else {
                self.oversized = true;
            }
        }
    }

    fn line_done(&mut self, line: &[u8], out: &mut Vec<Item>) {
        if line.is_empty() {
            let data = self.data.take();
            let event = self.event.take().unwrap_or_else(|| "message".into());
            let oversized = std::mem::take(&mut self.oversized);
            self.size = 0;
            match data {
                Some(data) if !oversized => out.push(Item::Event {
                    id: self.id.clone(),
                    event,
                    data,
                }),
                _ => out.push(Item::Heartbeat),
            }
            return;
        }
        if line[0] == b':' {
            out.push(Item::Heartbeat);
            return;
        }
        let text = String::from_utf8_lossy(line);
        let (field, value) = match text.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (text.as_ref(), ""),
        };
        self.size += value.len();
        if self.size > MAX_EVENT_BYTES {
            self.oversized = true;
            return;
        }
        match field {
            "id" if !value.contains('\0') => self.id = Some(value.to_owned()),
            "event" => self.event = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(chunks: &[&[u8]]) -> Vec<Item> {
        let mut p = Parser::default();
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, &mut out);
        }
        out
    }

    #[test]
    fn events_split_anywhere_with_any_line_end() {
        let items = parse(&[
            b"id: 7\r\nevent: git",
            b"hub\r\ndata: {\"a\":",
            b"1}\r\ndata: x\r\n\r\n: heartbeat\n\n",
        ]);
        assert_eq!(
            items,
            [
                Item::Event {
                    id: Some("7".into()),
                    event: "github".into(),
                    data: "{\"a\":1}\nx".into()
                },
                Item::Heartbeat,
                Item::Heartbeat,
            ]
        );
        let cr = parse(&[b"data: a\rdata: b\r\r"]);
        assert_eq!(
            cr,
            [Item::Event {
                id: None,
                event: "message".into(),
                data: "a\nb".into()
            }]
        );
    }

    #[test]
    fn the_id_carries_over_and_oversized_events_are_dropped() {
        let mut p = Parser::default();
        let mut out = Vec::new();
        p.feed(b"id: 1\ndata: a\n\ndata: b\n\n", &mut out);
        assert!(matches!(&out[1], Item::Event { id: Some(id), .. } if id == "1"));
        out.clear();
        let big = vec![b'x'; MAX_EVENT_BYTES + 10];
        p.feed(b"data: ", &mut out);
        p.feed(&big, &mut out);
        p.feed(b"\n\ndata: ok\n\n", &mut out);
        assert_eq!(out[0], Item::Heartbeat);
        assert!(matches!(&out[1], Item::Event { data, .. } if data == "ok"));
    }
}
