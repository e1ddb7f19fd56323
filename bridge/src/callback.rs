//! The loopback listener that receives the browser's redirect after sign-in: it accepts one
//! `/callback` carrying the `state` this sign-in sent and closes, refuses any other (a wrong or
//! repeated `state` gets 400, other paths 404), and drops a connection that does not send its
//! request in time, so a stray local client can neither end the sign-in nor stall it.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

/// How long a connection has to send its request head.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest request head read on the loopback listener.
const MAX_REQUEST_BYTES: usize = 8 * 1024;

const DONE_PAGE: &str = "<!doctype html><meta charset=utf-8><title>Dovecote</title>\
<p>Signed in to Dovecote. You can close this tab and return to your MCP client.</p>";

const WRONG_STATE_PAGE: &str = "<!doctype html><meta charset=utf-8><title>Dovecote</title>\
<p>This sign-in answer is not the one the Dovecote bridge is waiting for. \
Start the sign-in again from your MCP client.</p>";

/// What one request on the listener is.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// The redirect this sign-in waits for.
    Accept,
    /// A `/callback` without this sign-in's `state` (or with two).
    WrongState,
    /// Anything else (a favicon, a probe).
    NotFound,
}

/// Reads the `state` an authorization URL carries.
pub fn state_of(authorization_url: &str) -> Option<String> {
    let url = Url::parse(authorization_url).ok()?;
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")?
        .1
        .into_owned();
    (!state.is_empty()).then_some(state)
}

/// Equal without an early exit, so timing does not tell how much of a guess was right.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Judges a request target (`/callback?code=…&state=…`).
fn judge(target: &str, expected_state: &str) -> Verdict {
    let Ok(url) = Url::parse(&format!("http://127.0.0.1{target}")) else {
        return Verdict::NotFound;
    };
    if !target.starts_with('/') || url.path() != "/callback" {
        return Verdict::NotFound;
    }
    let mut states = url.query_pairs().filter(|(k, _)| k == "state");
    match (states.next(), states.next()) {
        (Some((_, state)), None) if same_secret(&state, expected_state) => Verdict::Accept,
        _ => Verdict::WrongState,
    }
}

/// The target of a `GET` request line, from what was read of the head.
fn request_target(head: &[u8]) -> &str {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    std::str::from_utf8(line)
        .ok()
        .and_then(|line| line.strip_prefix("GET "))
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or("")
}

/// Reads up to the blank line ending the head, at most `MAX_REQUEST_BYTES`.
async fn read_head(socket: &mut (impl AsyncRead + Unpin)) -> Vec<u8> {
    let mut buf = vec![0u8; MAX_REQUEST_BYTES];
    let mut len = 0;
    while len < buf.len() {
        match socket.read(&mut buf[len..]).await {
            Ok(0) | Err(_) => break,
            Ok(n) => len += n,
        }
        if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    buf.truncate(len);
    buf
}

async fn reply(socket: &mut (impl AsyncWrite + Unpin), status: &str, page: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = socket.write_all(response.as_bytes()).await;
    let _ = socket.shutdown().await;
}

/// Waits for the browser's redirect to `/callback` with `expected_state`, answers it and
/// returns its path and query. Consumes the listener: once it returns, the port is closed and
/// a second callback finds nobody listening.
pub async fn accept(
    listener: TcpListener,
    expected_state: &str,
    read_timeout: Duration,
) -> std::io::Result<String> {
    loop {
        let (mut socket, _) = listener.accept().await?;
        let Ok(head) = tokio::time::timeout(read_timeout, read_head(&mut socket)).await else {
            continue; // Too slow: dropped without an answer.
        };
        let target = request_target(&head);
        match judge(target, expected_state) {
            Verdict::Accept => {
                reply(&mut socket, "200 OK", DONE_PAGE).await;
                return Ok(target.to_owned());
            }
            Verdict::WrongState => reply(&mut socket, "400 Bad Request", WRONG_STATE_PAGE).await,
            Verdict::NotFound => reply(&mut socket, "404 Not Found", "").await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpStream;

    const STATE: &str = "s3cr3t-state_value";

    /// Sends `request` and returns the status line of the answer.
    async fn send(port: u16, request: &str) -> String {
        let mut socket = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        socket.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        socket.read_to_string(&mut answer).await.unwrap();
        answer.lines().next().unwrap_or_default().to_owned()
    }

    fn get(target: &str) -> String {
        format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    }

    #[test]
    fn the_state_is_read_from_the_authorization_url() {
        let url = "https://gw.example/authorize?client_id=c&state=a%2Bb&code_challenge=x";
        assert_eq!(state_of(url).as_deref(), Some("a+b"));
        assert_eq!(state_of("https://gw.example/authorize?state="), None);
        assert_eq!(state_of("not a url"), None);
    }

    #[test]
    fn only_a_callback_with_exactly_this_state_is_accepted() {
        let ok = format!("/callback?code=abc&state={STATE}");
        assert_eq!(judge(&ok, STATE), Verdict::Accept);
        for wrong in [
            "/callback?code=abc".to_owned(),
            "/callback?code=abc&state=other".to_owned(),
            format!("/callback?code=abc&state={STATE}x"),
            format!("/callback?state={STATE}&state=other"),
            format!("/callback?state={STATE}&state={STATE}"),
        ] {
            assert_eq!(judge(&wrong, STATE), Verdict::WrongState, "{wrong}");
        }
        for elsewhere in [
            format!("/favicon.ico?state={STATE}"),
            format!("/callback/x?state={STATE}"),
            format!("http://evil.example/callback?state={STATE}"),
            String::new(),
        ] {
            assert_eq!(judge(&elsewhere, STATE), Verdict::NotFound, "{elsewhere}");
        }
        assert_eq!(request_target(get("/x?y").as_bytes()), "/x?y");
        assert_eq!(request_target(b"POST /callback HTTP/1.1\r\n\r\n"), "");
        assert_eq!(request_target(&[0xff, 0xfe]), "");
    }

    #[tokio::test]
    async fn a_wrong_state_is_refused_and_a_second_callback_finds_the_port_closed() {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let waiting = tokio::spawn(async move { accept(listener, STATE, READ_TIMEOUT).await });

        let wrong = send(port, &get("/callback?code=forged&state=guess")).await;
        assert_eq!(wrong, "HTTP/1.1 400 Bad Request");
        assert_eq!(
            send(port, &get("/favicon.ico")).await,
            "HTTP/1.1 404 Not Found"
        );
        assert!(
            !waiting.is_finished(),
            "a wrong state must not end the sign-in"
        );

        let target = format!("/callback?code=real&state={STATE}");
        assert_eq!(send(port, &get(&target)).await, "HTTP/1.1 200 OK");
        assert_eq!(waiting.await.unwrap().unwrap(), target);

        let again = TcpStream::connect(("127.0.0.1", port)).await;
        assert!(again.is_err(), "the listener closed after the one callback");
    }

    #[tokio::test]
    async fn a_connection_that_sends_nothing_does_not_stall_the_sign_in() {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let waiting =
            tokio::spawn(async move { accept(listener, STATE, Duration::from_millis(200)).await });
        // Connects and stays silent, holding the connection open.
        let silent = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let target = format!("/callback?code=real&state={STATE}");
        assert_eq!(send(port, &get(&target)).await, "HTTP/1.1 200 OK");
        assert_eq!(waiting.await.unwrap().unwrap(), target);
        drop(silent);
    }
}
