//! The authorization server in process, for the OAuth and GitHub sign-in tests: a world
//! with a moving clock and a session that speaks HTTP to the router.
#![allow(dead_code)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use dovecote_gateway::config::{Config, Environment};
use dovecote_gateway::http::{Headers, HttpRequest, HttpResponse};
use dovecote_gateway::oauth::Settings;
use dovecote_gateway::objects::host::LocalObjects;
use dovecote_gateway::platform::native::{
    CannedFetch, ManualClock, MapSecrets, MemoryKv, OsRandom, SoftDigests,
};
use dovecote_gateway::platform::Platform;
use dovecote_gateway::ratelimit::Leases;
use dovecote_gateway::router::{route, Gateway};
use dovecote_gateway::web::form::{encode, Form};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub mod github;

pub const KEY: &[u8] = b"an HMAC key of thirty-two bytes!";
pub const ORIGIN: &str = "http://127.0.0.1:8787";
pub const REDIRECT: &str = "http://127.0.0.1:9999/callback";
pub const PASSWORD: &str = "correct horse battery staple";
pub const ADMIN: &str = "an operator token for the tests";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

pub struct World {
    pub clock: ManualClock,
    pub config: Config,
    /// The configuration now: `replace` it to change it under a running world.
    pub settings: std::cell::RefCell<Settings>,
    pub signing_key: std::cell::Cell<&'static [u8]>,
    pub previous_signing_key: std::cell::Cell<Option<&'static [u8]>>,
    pub leases: Leases,
}

pub fn settings() -> Settings {
    settings_with(&[])
}

/// The test settings with `extra` variables set (or, with an empty value, unset).
pub fn settings_with(extra: &[(&str, &str)]) -> Settings {
    let key = B64.encode([7u8; 32]);
    Settings::from_vars(|name| {
        if let Some((_, v)) = extra.iter().find(|(k, _)| *k == name) {
            return Some(v.to_string()).filter(|v| !v.is_empty());
        }
        match name {
            "OAUTH_PASSWORD" => Some(PASSWORD.into()),
            "DOVECOTE_ENCRYPTION_KEY" => Some(key.clone()),
            "ADMIN_TOKEN" => Some(ADMIN.into()),
            _ => None,
        }
    })
    .unwrap()
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.body))
    }
    /// The `name=value` of the cookie this reply sets.
    pub fn cookie(&self) -> String {
        let set = self
            .header("Set-Cookie")
            .unwrap_or_else(|| panic!("no cookie ({}): {}", self.status, self.body));
        set.split(';').next().unwrap().to_owned()
    }

    /// The query parameters of the redirect.
    pub fn location(&self) -> Form {
        let l = self
            .header("Location")
            .unwrap_or_else(|| panic!("no redirect ({}): {}", self.status, self.body));
        Form::from_url(l).unwrap()
    }
}

pub fn challenge(verifier: &str) -> String {
    B64.encode(Sha256::digest(verifier.as_bytes()))
}

pub struct Session<'w> {
    pub w: &'w World,
    pub kv: MemoryKv<'w>,
    pub objects: LocalObjects<'w>,
    pub fetch: CannedFetch,
    pub secrets: MapSecrets,
    /// Set to make the random-number source fail, as `crypto.getRandomValues` may.
    pub random_fails: std::cell::Cell<bool>,
}

/// A random-number source that always fails.
pub struct BrokenRandom;

impl dovecote_gateway::platform::Random for BrokenRandom {
    fn fill(&self, _: &mut [u8]) -> Result<(), dovecote_gateway::platform::RandomError> {
        Err(dovecote_gateway::platform::RandomError)
    }
}

impl<'w> Session<'w> {
    pub fn new(w: &'w World) -> Self {
        Self {
            w,
            kv: MemoryKv::new(&w.clock),
            objects: LocalObjects::new(&w.clock),
            fetch: CannedFetch::default(),
            secrets: MapSecrets::default(),
            random_fails: std::cell::Cell::new(false),
        }
    }

    /// The random-number source of this session's requests.
    pub fn random(&self) -> &'static dyn dovecote_gateway::platform::Random {
        if self.random_fails.get() {
            &BrokenRandom
        } else {
            &OsRandom
        }
    }

    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        pollster::block_on(self.send_via(&self.kv, &self.objects, method, path, headers, body))
    }

    /// The platform of this session (its KV and objects, the world's clock).
    pub fn platform(&self) -> Platform<'_> {
        Platform {
            kv: &self.kv,
            objects: &self.objects,
            clock: &self.w.clock,
            random: self.random(),
            fetch: &self.fetch,
            secrets: &self.secrets,
            digests: &SoftDigests,
        }
    }

    /// `send` over other KV and objects (e.g. wrappers that fail or interleave requests).
    // The settings stay borrowed for the request: tests replace them only between requests,
    // and a request nested in another (tests/revocation.rs) borrows them shared too.
    #[allow(clippy::await_holding_refcell_ref)]
    pub async fn send_via(
        &self,
        kv: &dyn dovecote_gateway::platform::Kv,
        objects: &dyn dovecote_gateway::platform::Objects,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Reply {
        let mut h = Headers::default();
        for (k, v) in headers {
            h.push(k, v);
        }
        h.push("Host", "127.0.0.1:8787");
        let req = HttpRequest::new(
            method,
            &format!("{ORIGIN}{path}"),
            h,
            body.as_bytes().to_vec(),
        );
        let platform = Platform {
            kv,
            objects,
            clock: &self.w.clock,
            random: self.random(),
            fetch: &self.fetch,
            secrets: &self.secrets,
            digests: &SoftDigests,
        };
        let settings = self.w.settings.borrow();
        let gateway = Gateway {
            config: &self.w.config,
            platform,
            signing_key: Some(self.w.signing_key.get()),
            previous_signing_key: self.w.previous_signing_key.get(),
            oauth: Some(&settings),
            leases: &self.w.leases,
        };
        let HttpResponse {
            status,
            headers,
            body,
        } = route(&gateway, &req).await;
        Reply {
            status,
            headers,
            body: String::from_utf8(body).unwrap(),
        }
    }

    pub fn form(&self, path: &str, pairs: &[(&str, &str)], extra: &[(&str, &str)]) -> Reply {
        let body: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
        headers.extend_from_slice(extra);
        self.send("POST", path, &headers, &body.join("&"))
    }

    pub fn register(&self) -> String {
        let meta = json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none", "client_name": "Test <script>alert(1)</script>"});
        let r = self.send(
            "POST",
            "/register",
            &[("Content-Type", "application/json")],
            &meta.to_string(),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.header("Cache-Control"), Some("no-store"));
        r.json()["client_id"].as_str().unwrap().to_owned()
    }

    pub fn authorize_query(
        &self,
        client_id: &str,
        extra: &[(&str, &str)],
    ) -> Vec<(String, String)> {
        let mut q: Vec<(String, String)> = [
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
            ("state", "st4te"),
            ("scope", "dovecote:read"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in extra {
            q.retain(|(n, _)| n != k);
            if !v.is_empty() {
                q.push((k.to_string(), v.to_string()));
            }
        }
        q
    }

    /// GET /authorize for `client` with `extra` parameters; returns the page and the query.
    pub fn authorize_page(
        &self,
        client_id: &str,
        extra: &[(&str, &str)],
    ) -> (Reply, Vec<(String, String)>) {
        let q = self.authorize_query(client_id, extra);
        let query: Vec<String> = q
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        (
            self.send("GET", &format!("/authorize?{}", query.join("&")), &[], ""),
            q,
        )
    }

    /// GET /authorize, then the page's form with `password`; returns the POST's reply.
    pub fn sign_in(
        &self,
        client_id: &str,
        extra: &[(&str, &str)],
        password: &str,
        decision: &str,
    ) -> Reply {
        let (page, q) = self.authorize_page(client_id, extra);
        assert_eq!(page.status, 200, "{}", page.body);
        let cookie = page.cookie();
        let csrf = hidden(&page.body, "csrf");
        let mut pairs = borrowed(&q);
        pairs.extend([
            ("csrf", csrf.as_str()),
            ("password", password),
            ("decision", decision),
        ]);
        self.form("/authorize", &pairs, &[("Cookie", &cookie)])
    }

    pub fn code(&self, client_id: &str) -> String {
        let r = self.sign_in(client_id, &[], PASSWORD, "approve");
        assert_eq!(r.status, 302, "{}", r.body);
        let l = r.location();
        assert_eq!(l.get("state").unwrap(), Some("st4te"));
        assert_eq!(l.get("iss").unwrap(), Some(ORIGIN));
        l.get("code").unwrap().unwrap().to_owned()
    }

    /// POST /token with the refresh_token grant.
    pub fn refresh(&self, client_id: &str, refresh_token: &str) -> Reply {
        self.form(
            "/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("client_id", client_id),
            ],
            &[],
        )
    }

    pub fn exchange(&self, client_id: &str, code: &str, verifier: &str) -> Reply {
        self.form(
            "/token",
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("code_verifier", verifier),
                ("redirect_uri", REDIRECT),
                ("client_id", client_id),
            ],
            &[],
        )
    }

    pub fn tokens(&self, client_id: &str) -> (String, String) {
        let r = self.exchange(client_id, &self.code(client_id), VERIFIER);
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("Cache-Control"), Some("no-store"));
        let j = r.json();
        (
            j["access_token"].as_str().unwrap().to_owned(),
            j["refresh_token"].as_str().unwrap().to_owned(),
        )
    }

    pub fn mcp(&self, token: Option<&str>, method: &str, params: Value) -> Reply {
        let mut body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        body["params"]["_meta"] = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}});
        let bearer = token.map(|t| format!("Bearer {t}"));
        let name = params
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let mut headers = vec![
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
            ("MCP-Protocol-Version", "2026-07-28"),
            ("Mcp-Method", method),
        ];
        if !name.is_empty() {
            headers.push(("Mcp-Name", &name));
        }
        if let Some(b) = bearer.as_deref() {
            headers.push(("Authorization", b));
        }
        self.send("POST", "/mcp", &headers, &body.to_string())
    }
}

/// Owned pairs as the borrowed pairs `Session::form` takes.
pub fn borrowed(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub fn world() -> World {
    world_with(&[])
}

/// A world whose settings have `extra` variables.
pub fn world_with(extra: &[(&str, &str)]) -> World {
    World {
        clock: ManualClock::new(1_800_000_000_000),
        config: Config {
            environment: Environment::Development,
            ..Config::default()
        },
        settings: std::cell::RefCell::new(settings_with(extra)),
        signing_key: std::cell::Cell::new(KEY),
        previous_signing_key: std::cell::Cell::new(None),
        leases: Leases::default(),
    }
}
