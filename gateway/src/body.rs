//! Request bodies, read through a reader capped by the route: whatever the client declared
//! (an honest `Content-Length`, a false one, or none and a chunked body), no more than the cap
//! is ever held, and past it the reading stops and the rest is left unread.

use async_trait::async_trait;

/// Where a body's bytes come from, a chunk at a time: the request stream in workerd, a list of
/// chunks natively.
#[async_trait(?Send)]
pub trait BodySource {
    /// The next chunk, or `None` at the end of the body.
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, String>;

    /// The whole body in one read, for a body whose `Content-Length` is `declared` (at most the
    /// cap): `None` when this source only reads chunk by chunk. In workerd one `arrayBuffer()`
    /// costs a fraction of a stream reader's crossings for the small bodies most requests have;
    /// the runtime frames the body by its `Content-Length`, so no more than that arrives.
    async fn whole(&mut self, declared: usize) -> Option<Result<Vec<u8>, String>> {
        let _ = declared;
        None
    }
}

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// The body (declared or sent) is longer than `cap` bytes.
    TooLarge {
        /// The route's cap.
        cap: usize,
    },
    /// The client stopped sending, or the stream failed.
    Broken(String),
}

/// A request's body, not read yet, with the cap its route allows.
pub struct Body<'r> {
    source: Box<dyn BodySource + 'r>,
    declared: Option<usize>,
    cap: usize,
}

impl<'r> Body<'r> {
    /// The body from `source`, whose `Content-Length` header said `declared`, capped at `cap`.
    pub fn new(source: Box<dyn BodySource + 'r>, declared: Option<&str>, cap: usize) -> Self {
        Self {
            source,
            declared: declared.and_then(|l| l.trim().parse().ok()),
            cap,
        }
    }

    /// A body that is already in memory (native callers and tests), capped at `cap`.
    pub fn bytes(bytes: Vec<u8>, cap: usize) -> Self {
        let declared = bytes.len();
        Self {
            source: Box::new(Chunks::new(vec![bytes])),
            declared: Some(declared),
            cap,
        }
    }

    /// The cap this body is read with.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Reads the whole body, refusing it unread when the declared length is over the cap and
    /// stopping as soon as what arrived is.
    pub async fn read(mut self) -> Result<Vec<u8>, BodyError> {
        let cap = self.cap;
        if self.declared.is_some_and(|l| l > cap) {
            return Err(BodyError::TooLarge { cap });
        }
        if let Some(declared) = self.declared {
            if let Some(whole) = self.source.whole(declared).await {
                let bytes = whole.map_err(BodyError::Broken)?;
                // Framing makes this impossible; the cap holds even if it were not so.
                if bytes.len() > cap {
                    return Err(BodyError::TooLarge { cap });
                }
                return Ok(bytes);
            }
        }
        let mut out = Vec::with_capacity(self.declared.unwrap_or(0).min(cap));
        while let Some(chunk) = self.source.next_chunk().await.map_err(BodyError::Broken)? {
            if out.len() + chunk.len() > cap {
                return Err(BodyError::TooLarge { cap });
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }
}

/// A body given as chunks, counting how many were taken (so a test can tell the rest was left
/// unread).
#[derive(Debug, Default)]
pub struct Chunks {
    chunks: std::collections::VecDeque<Vec<u8>>,
    taken: std::rc::Rc<std::cell::Cell<usize>>,
}

impl Chunks {
    /// A source handing out `chunks` in order.
    pub fn new(chunks: Vec<Vec<u8>>) -> Self {
        Self {
            chunks: chunks.into(),
            taken: std::rc::Rc::default(),
        }
    }

    /// A counter of the chunks taken, readable after the source is gone.
    pub fn taken(&self) -> std::rc::Rc<std::cell::Cell<usize>> {
        self.taken.clone()
    }
}

#[async_trait(?Send)]
impl BodySource for Chunks {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, String> {
        let next = self.chunks.pop_front();
        if next.is_some() {
            self.taken.set(self.taken.get() + 1);
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(
        chunks: Vec<Vec<u8>>,
        declared: Option<&str>,
        cap: usize,
    ) -> (Result<Vec<u8>, BodyError>, usize) {
        let source = Chunks::new(chunks);
        let taken = source.taken();
        let result = pollster::block_on(Body::new(Box::new(source), declared, cap).read());
        (result, taken.get())
    }

    #[test]
    fn a_body_up_to_the_cap_is_read_whole() {
        let (body, _) = read(vec![b"ab".to_vec(), b"cd".to_vec()], Some("4"), 4);
        assert_eq!(body.unwrap(), b"abcd");
        let (body, _) = read(vec![b"abc".to_vec()], None, 4);
        assert_eq!(body.unwrap(), b"abc");
    }

    #[test]
    fn a_declared_length_over_the_cap_is_refused_unread() {
        let (body, taken) = read(vec![b"a".to_vec()], Some("5"), 4);
        assert_eq!(body, Err(BodyError::TooLarge { cap: 4 }));
        assert_eq!(taken, 0);
    }

    #[test]
    fn a_chunked_body_stops_at_the_cap_and_leaves_the_rest() {
        let chunks = vec![vec![b'x'; 3]; 1000];
        let (body, taken) = read(chunks, None, 10);
        assert_eq!(body, Err(BodyError::TooLarge { cap: 10 }));
        assert_eq!(taken, 4, "reading stops at the chunk that crosses the cap");
    }

    /// A source that reads whole, as workerd's does for a declared length: `sent` is what the
    /// runtime hands over, whatever was declared.
    struct Whole(Vec<u8>);

    #[async_trait(?Send)]
    impl BodySource for Whole {
        async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, String> {
            Ok(Some(std::mem::take(&mut self.0)).filter(|c| !c.is_empty()))
        }
        async fn whole(&mut self, _declared: usize) -> Option<Result<Vec<u8>, String>> {
            Some(Ok(std::mem::take(&mut self.0)))
        }
    }

    #[test]
    fn a_body_read_whole_is_held_to_the_cap_at_it_and_one_byte_past() {
        let whole = |sent: usize, declared: &str| {
            let body = Body::new(Box::new(Whole(vec![b'x'; sent])), Some(declared), 10);
            pollster::block_on(body.read())
        };
        assert_eq!(whole(10, "10").unwrap().len(), 10);
        assert_eq!(whole(11, "11"), Err(BodyError::TooLarge { cap: 10 }));
        assert_eq!(
            whole(11, "10"),
            Err(BodyError::TooLarge { cap: 10 }),
            "more than declared and past the cap is refused, not passed on"
        );
    }

    #[test]
    fn a_false_content_length_does_not_lift_the_cap() {
        let (body, taken) = read(vec![vec![b'x'; 8]; 100], Some("2"), 10);
        assert_eq!(body, Err(BodyError::TooLarge { cap: 10 }));
        assert_eq!(taken, 2);
        let (body, _) = read(vec![b"abc".to_vec()], Some("nonsense"), 10);
        assert_eq!(body.unwrap(), b"abc");
    }
}
