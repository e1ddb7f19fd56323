//! The route table, walked route by route: each answers a wrong method with 405 and its
//! `Allow`, carries CORS to an allowed origin, is logged under its name, and reads its body
//! through a reader capped as it declares (a route that reads none reads none).

mod support;

use dovecote_gateway::body::Chunks;
use dovecote_gateway::handlers::Answer;
use dovecote_gateway::http::{Headers, HttpRequest, HttpResponse};
use dovecote_gateway::log::Trace;
use dovecote_gateway::platform::native::{OsRandom, SoftDigests};
use dovecote_gateway::platform::Platform;
use dovecote_gateway::router::{serve, Gateway};
use dovecote_gateway::routes::{self, Cap, Path, Route, ROUTES};
use dovecote_gateway::webhooks::settings::Allowlist;
use support::{world, Session, World, ORIGIN};

/// A path the route answers.
fn sample(route: &Route) -> String {
    match route.path {
        Path::Exact(p) => p.to_owned(),
        Path::Prefix("/admin/") => "/admin/clients".into(),
        Path::Prefix(p) => format!("{p}oauth-protected-resource"),
    }
}

/// Serves `method path` with `headers` and a body sent as `chunks`; returns the answer and how
/// many chunks were read.
fn send(
    s: &Session<'_>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    chunks: Vec<Vec<u8>>,
) -> (HttpResponse, usize) {
    let mut h = Headers::default();
    h.push("Host", "127.0.0.1:8787");
    for (k, v) in headers {
        h.push(k, v);
    }
    let request = HttpRequest::new(method, &format!("{ORIGIN}{path}"), h, vec![]);
    let platform = Platform {
        kv: &s.kv,
        objects: &s.objects,
        clock: &s.w.clock,
        random: &OsRandom,
        fetch: &s.fetch,
        secrets: &s.secrets,
        digests: &SoftDigests,
    };
    let settings = s.w.settings.borrow();
    let gateway = Gateway {
        config: &s.w.config,
        platform,
        signing_key: Some(s.w.signing_key.get()),
        previous_signing_key: None,
        oauth: Some(&settings),
        leases: &s.w.leases,
    };
    let source = Chunks::new(chunks);
    let taken = source.taken();
    let trace = Trace::default();
    let answer = pollster::block_on(serve(&gateway, None, request, Box::new(source), &trace));
    let response = match answer {
        Answer::Whole(r) => r,
        Answer::Stream(head, _)
        | Answer::Session(head, _)
        | Answer::Listen(head, _)
        | Answer::Export(head, _) => head,
    };
    (response, taken.get())
}

fn open_world() -> World {
    let mut w = world();
    w.config.webhooks.allowlist = Allowlist::Off;
    w
}

#[test]
fn every_route_answers_a_wrong_method_with_405_and_its_allow() {
    let w = open_world();
    let s = Session::new(&w);
    let client = s.register();
    let bearer = format!("Bearer {}", s.tokens(&client).0);
    for route in &ROUTES {
        let path = sample(route);
        assert_eq!(routes::log_name(&path), route.log);
        let (r, _) = send(&s, "PATCH", &path, &[], vec![]);
        let first = if route.bearer { 401 } else { 405 };
        assert_eq!(r.status, first, "{path} without a token");
        let (r, _) = send(&s, "PATCH", &path, &[("Authorization", &bearer)], vec![]);
        assert_eq!(
            r.status,
            405,
            "{path}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(r.header("Allow"), Some(route.allow().as_str()), "{path}");
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert!(
            body.get("error").is_some(),
            "{path}: a machine-readable refusal"
        );
    }
    assert_eq!(routes::log_name("/mcp/<script>secret"), "other");
    assert_eq!(routes::log_name("/admin/env/staging"), "/admin/*");
}

#[test]
fn every_route_carries_cors_to_an_allowed_origin_and_preflights_as_declared() {
    let w = open_world();
    let s = Session::new(&w);
    let origin = "http://localhost:3000";
    for route in &ROUTES {
        let path = sample(route);
        let (r, _) = send(&s, "PATCH", &path, &[("Origin", origin)], vec![]);
        assert!([401, 405].contains(&r.status), "{path}: {}", r.status);
        assert_eq!(
            r.header("Access-Control-Allow-Origin"),
            Some(origin),
            "{path}"
        );
        let (r, _) = send(&s, "OPTIONS", &path, &[("Origin", origin)], vec![]);
        if route.preflight {
            assert_eq!(r.status, 204, "{path}");
            assert_eq!(
                r.header("Access-Control-Allow-Methods"),
                Some(route.allow().as_str())
            );
            assert_eq!(
                r.header("Access-Control-Allow-Origin"),
                Some(origin),
                "{path}"
            );
            assert_eq!(
                r.headers
                    .iter()
                    .filter(|(n, _)| n == "Access-Control-Allow-Origin")
                    .count(),
                1
            );
        } else {
            assert_eq!(r.status, 405, "{path}");
        }
        let (r, _) = send(
            &s,
            "PATCH",
            &path,
            &[("Origin", "https://evil.example")],
            vec![],
        );
        let expected = if route.public { 405 } else { 403 };
        assert_eq!(r.status, expected, "{path}");
        assert_eq!(r.header("Access-Control-Allow-Origin"), None, "{path}");
    }
}

#[test]
fn every_route_reads_its_body_only_up_to_its_cap() {
    let w = open_world();
    let s = Session::new(&w);
    let client = s.register();
    let (token, _) = s.tokens(&client);
    let bearer = format!("Bearer {token}");
    for route in &ROUTES {
        let path = sample(route);
        let method = route
            .methods
            .iter()
            .find(|m| **m != "GET")
            .unwrap_or(&"GET");
        let headers = [
            ("Authorization", bearer.as_str()),
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
        ];
        let chunk = 4096;
        match route.cap {
            Cap::Unread => {
                let (_, taken) = send(&s, method, &path, &headers, vec![vec![b' '; chunk]; 8]);
                assert_eq!(taken, 0, "{path} reads no body");
            }
            cap => {
                let limit = cap.bytes(&w.config);
                let count = limit / chunk + 8;
                let (r, taken) = send(&s, method, &path, &headers, vec![vec![b' '; chunk]; count]);
                assert_eq!(
                    r.status,
                    413,
                    "{method} {path}: {}",
                    String::from_utf8_lossy(&r.body)
                );
                assert!(
                    taken <= limit / chunk + 1,
                    "{path} read {taken} chunks of {count}"
                );
                assert!(
                    String::from_utf8_lossy(&r.body).contains(&limit.to_string()),
                    "{path}"
                );
            }
        }
    }
}

#[test]
fn a_delivery_from_outside_github_is_refused_before_its_body_is_read() {
    let w = world();
    let s = Session::new(&w);
    let chunks = vec![vec![b'x'; 64 * 1024]; 1024];
    let (r, taken) = send(
        &s,
        "POST",
        "/webhooks/github",
        &[("CF-Connecting-IP", "203.0.113.9")],
        chunks,
    );
    assert_eq!(r.status, 403, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(taken, 0);
}
