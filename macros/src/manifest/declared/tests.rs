//! Unit tests of declared tools in the manifest: what a valid one becomes, and each mistake
//! with its line.

use super::super::parse;
use super::*;
use serde_json::json;

const HEAD: &str = "[scopes]\n\"a:read\" = { description = \"Read\", grant = \"operators\" }\n\n[tools.t]\nscope = \"a:read\"\nrate = \"60/minute\"\ndescription = \"Does it.\"\n";

/// The errors of `HEAD` + `tail`, as `line: message`.
fn errors(tail: &str) -> Vec<String> {
    let (_, errors) = parse(&format!("{HEAD}{tail}")).expect("valid TOML");
    errors
        .into_iter()
        .map(|e| format!("{}: {}", e.line, e.message))
        .collect()
}

fn declared(tail: &str) -> Declared {
    let (manifest, errors) = parse(&format!("{HEAD}{tail}")).expect("valid TOML");
    assert_eq!(errors, [], "{tail}");
    manifest.tools[0].policy.clone().unwrap().declared.unwrap()
}

/// Asserts one error, on `line`, containing each of `says`.
fn one_error(tail: &str, line: usize, says: &[&str]) {
    let errors = errors(tail);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].starts_with(&format!("{line}: ")), "{errors:#?}");
    for s in says {
        assert!(errors[0].contains(s), "{s}: {errors:#?}");
    }
}

#[test]
fn a_valid_http_tool() {
    let d = declared(
        r#"kind = "http"
method = "post"
url = "https://api.example.com/v1/items/{id}"
query = { key = "{secret:API_KEY}" }
headers = { "X-Mode" = "fast" }
body = { n = "{n}", label = "n is {n}" }
returns = "/data"
idempotent = true
arguments.id = { description = "The id", required = true, max_length = 10 }
arguments.n = { type = "integer", minimum = 1, default = 2 }
"#,
    );
    let Kind::Http(h) = &d.kind else { panic!() };
    assert_eq!(h.method, Method::Post);
    assert_eq!(h.headers, [("x-mode".to_owned(), "fast".to_owned())]);
    assert_eq!(h.body.as_deref(), Some(r#"{"label":"n is {n}","n":"{n}"}"#));
    assert_eq!(h.returns, Returns::Pointer("/data".into()));
    assert!(h.sends_secret);
    assert_eq!((h.timeout_ms, h.max_bytes), (10_000, 262_144));
    assert_eq!(d.hints.idempotent, Some(true));
    let schema = |i: usize| serde_json::from_str::<Value>(&d.arguments[i].schema).unwrap();
    assert_eq!(
        schema(0),
        json!({"type": "string", "description": "The id", "maxLength": 10})
    );
    assert_eq!(
        schema(1),
        json!({"type": "integer", "minimum": 1, "default": 2})
    );
    assert_eq!(d.arguments[1].line, 17);
}

#[test]
fn http_mistakes_are_reported_on_their_line_with_a_fix() {
    one_error("kind = \"ftp\"\n", 8, &["kind `ftp`", "kind = \"http\""]);
    one_error("kind = \"http\"\n", 4, &["has no `url`"]);
    one_error(
        "kind = \"http\"\nurl = \"https://{host}/x\"\n",
        9,
        &["write the host out"],
    );
    one_error(
        "kind = \"http\"\nurl = \"https://a.example/x?q=1\"\n",
        9,
        &["under `query`"],
    );
    one_error(
        "kind = \"http\"\nurl = \"https://localhost/x\"\n",
        9,
        &["private host", "allow_any_host"],
    );
    let any_host = "kind = \"http\"\nurl = \"http://127.0.0.1:8080/\"\nallow_any_host = true\n";
    assert_eq!(errors(any_host), Vec::<String>::new());
    one_error(
        "kind = \"http\"\nurl = \"https://a.example/\"\nbody = { a = \"b\" }\n",
        10,
        &["body", "GET"],
    );
    one_error(
        "kind = \"http\"\nurl = \"https://a.example/\"\nheaders = { Host = \"x\" }\n",
        10,
        &["gateway sets itself"],
    );
    one_error(
        "kind = \"http\"\nurl = \"https://a.example/{secret:K}\"\n",
        9,
        &["secrets may not go there"],
    );
    one_error(
        "kind = \"http\"\nurl = \"https://a.example/\"\ntimeout_ms = 90000\n",
        10,
        &["100 to 30000"],
    );
    one_error(
        "kind = \"http\"\nurl = \"https://a.example/\"\nreturns = \"data\"\n",
        10,
        &["JSON pointer"],
    );
    one_error(
        "kind = \"http\"\nurl = \"https://a.example/\"\nurls = \"x\"\n",
        10,
        &["unknown key `urls`", "base_url_var"],
    );
    one_error("kind = \"http\"\nurl = \"https://a.example/{x}\"\narguments.x = { type = \"integer\", default = \"a\" }\n", 10, &["its type (integer)"]);
    one_error("kind = \"http\"\nurl = \"https://a.example/{x}\"\narguments.x = { required = true, default = \"a\" }\n", 10, &["required and has a default"]);
}

#[test]
fn a_valid_preset_and_its_mistakes() {
    let d = declared(
        "kind = \"preset\"\nchannels = [\"telegram-ops\", \"slack-alerts\"]\nseverity = \"warning\"\nheadline = \"{a}\"\ntext = \"t {a}\"\narguments.a = { required = true }\n",
    );
    let Kind::Preset(p) = &d.kind else { panic!() };
    let channels: Vec<&str> = p.channels.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(channels, ["telegram-ops", "slack-alerts"]);
    assert_eq!(p.severity.as_deref(), Some("warning"));
    one_error(
        "kind = \"preset\"\ntext = \"t\"\n",
        4,
        &["has no `channel`"],
    );
    one_error(
        "kind = \"preset\"\nchannel = \"telegram-ops\"\n",
        4,
        &["has no `text`"],
    );
    one_error(
        "kind = \"preset\"\nchannel = \"ops\"\ntext = \"t\"\n",
        9,
        &["not a channel id"],
    );
    one_error(
        "kind = \"preset\"\nchannel = \"telegram-ops\"\ntext = \"t\"\nseverity = \"loud\"\n",
        11,
        &["severity `loud`"],
    );
    one_error(
        "kind = \"preset\"\nchannel = \"telegram-ops\"\ntext = \"t {secret:K}\"\n",
        10,
        &["secrets may not go there"],
    );
}

#[test]
fn a_declared_tool_needs_a_description() {
    let source = "[scopes]\n\"a:read\" = { description = \"Read\", grant = \"operators\" }\n[tools.t]\nkind = \"http\"\nscope = \"a:read\"\nrate = \"1/second\"\nurl = \"https://a.example/\"\n";
    let (_, errors) = parse(source).unwrap();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].message.contains("has no `description`"));
}
