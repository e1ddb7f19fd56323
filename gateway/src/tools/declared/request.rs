//! The request an http tool sends, built from its templates: each value encoded for where it
//! goes — percent-encoded per path segment or query component (so `/`, `..`, `@`, `?` or `#`
//! cannot change the target), refused in a header when it holds a line break, JSON in the
//! body. Secrets are read by name here and never leave in anything but the request.

use serde_json::{Map, Value};

use super::as_text;
use crate::template::{self, Slot};

/// Why a request could not be built: a message for the model or the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// An argument's value cannot go where the template puts it.
    Argument(String),
    /// A secret or variable the tool needs is not set, or not valid.
    Setup(String),
}

/// The parts of a request, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The full URL.
    pub url: String,
    /// The headers, names lower-case.
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: Option<Vec<u8>>,
    /// The secret values sent, to keep them out of anything returned.
    pub secrets: Vec<String>,
}

/// Percent-encodes every byte but the unreserved ones (RFC 3986 §2.3).
pub fn percent_encode(value: &str, out: &mut String) {
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// Reads secrets by name, remembering their values.
struct Secrets<'s> {
    get: &'s dyn Fn(&str) -> Option<String>,
    used: Vec<String>,
}

impl Secrets<'_> {
    fn value(&mut self, name: &str) -> Result<String, Refusal> {
        match (self.get)(name).filter(|v| !v.is_empty()) {
            Some(v) => {
                self.used.push(v.clone());
                Ok(v)
            }
            None => Err(Refusal::Setup(format!(
                "the secret `{name}` is not set; the operator must store it with `wrangler secret put {name}`"
            ))),
        }
    }
}

/// `template` with each `{name}` from `args` encoded by `encode` (`None`: an absent optional
/// argument, written as nothing) and each `{secret:NAME}` read through `secrets`.
fn fill(
    template: &str,
    args: &Map<String, Value>,
    secrets: &mut Secrets<'_>,
    mut encode: impl FnMut(&str, &str, &mut String) -> Result<(), Refusal>,
) -> Result<String, Refusal> {
    let mut failed = None;
    let out = template::render(template, |slot, out| {
        let step = match slot {
            Slot::Value(name) => match args.get(name) {
                Some(v) => encode(name, &as_text(v), out),
                None => Ok(()),
            },
            Slot::Secret(name) => secrets.value(name).and_then(|v| encode(name, &v, out)),
        };
        if let Err(e) = step {
            failed.get_or_insert(e);
        }
        true
    });
    match failed {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// The whole request of a tool whose URL (origin already chosen) is `url`.
pub fn build(
    url: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    body: Option<&str>,
    args: &Map<String, Value>,
    get_secret: &dyn Fn(&str) -> Option<String>,
) -> Result<Built, Refusal> {
    let mut secrets = Secrets {
        get: get_secret,
        used: Vec::new(),
    };
    let mut full = fill(url, args, &mut secrets, |name, value, out| {
        if value.is_empty() || value == "." || value == ".." {
            return Err(Refusal::Argument(format!(
                "`{name}` goes into the URL's path and may not be empty, `.` or `..`"
            )));
        }
        percent_encode(value, out);
        Ok(())
    })?;
    let mut first = true;
    for (key, value) in query {
        // A parameter that is exactly one absent optional argument is left out.
        if template::whole_value(value).is_some_and(|n| !args.contains_key(n)) {
            continue;
        }
        let value = fill(value, args, &mut secrets, |_, v, out| {
            percent_encode(v, out);
            Ok(())
        })?;
        full.push(if first { '?' } else { '&' });
        first = false;
        percent_encode(key, &mut full);
        full.push('=');
        full.push_str(&value);
    }
    let mut out_headers = Vec::new();
    for (name, value) in headers {
        if template::whole_value(value).is_some_and(|n| !args.contains_key(n)) {
            continue;
        }
        let value = fill(value, args, &mut secrets, |name, v, out| {
            if v.chars().any(|c| c.is_control()) {
                return Err(Refusal::Argument(format!(
                    "`{name}` goes into a header and may not hold a line break or control character"
                )));
            }
            out.push_str(v);
            Ok(())
        })?;
        out_headers.push(((*name).to_owned(), value));
    }
    let body = match body {
        None => None,
        Some(text) => {
            let template: Value = serde_json::from_str(text).unwrap_or_default();
            let filled = fill_json(&template, args, &mut secrets)?;
            Some(filled.map_or_else(|| b"{}".to_vec(), |v| v.to_string().into_bytes()))
        }
    };
    Ok(Built {
        url: full,
        headers: out_headers,
        body,
        secrets: secrets.used,
    })
}

/// A JSON body template filled in: a string that is exactly `{name}` takes the argument's
/// JSON value (and its key is left out when the argument is absent); other strings are text
/// templates, JSON-encoded when the body is written. `None`: left out.
fn fill_json(
    template: &Value,
    args: &Map<String, Value>,
    secrets: &mut Secrets<'_>,
) -> Result<Option<Value>, Refusal> {
    Ok(Some(match template {
        Value::String(s) => match template::whole_value(s) {
            Some(name) => match args.get(name) {
                Some(v) => v.clone(),
                None => return Ok(None),
            },
            None => Value::String(fill(s, args, secrets, |_, v, out| {
                out.push_str(v);
                Ok(())
            })?),
        },
        Value::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                out.extend(fill_json(item, args, secrets)?);
            }
            Value::Array(out)
        }
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if let Some(v) = fill_json(v, args, secrets)? {
                    out.insert(k.clone(), v);
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn no_secret(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn path_and_query_values_cannot_change_the_target() {
        let a = args(json!({"id": "../admin?x=1#f @evil.com/", "q": "a&b=c d"}));
        let built = build(
            "https://api.example.com/items/{id}",
            &[("q", "{q}"), ("missing", "{nope}")],
            &[],
            None,
            &a,
            &no_secret,
        )
        .unwrap();
        assert_eq!(
            built.url,
            "https://api.example.com/items/..%2Fadmin%3Fx%3D1%23f%20%40evil.com%2F?q=a%26b%3Dc%20d"
        );
        for bad in ["..", ".", ""] {
            let a = args(json!({ "id": bad }));
            let err = build("https://h.example/{id}", &[], &[], None, &a, &no_secret);
            assert!(matches!(err, Err(Refusal::Argument(_))), "{bad:?}");
        }
    }

    #[test]
    fn headers_refuse_line_breaks_and_carry_secrets_by_name() {
        let secret = |n: &str| (n == "TOKEN").then(|| "s3cr3t".to_owned());
        let headers = [
            ("authorization", "Bearer {secret:TOKEN}"),
            ("x-who", "{who}"),
        ];
        let ok = build(
            "https://h.example/",
            &[],
            &headers,
            None,
            &args(json!({"who": "ann"})),
            &secret,
        )
        .unwrap();
        assert_eq!(
            ok.headers[0],
            ("authorization".into(), "Bearer s3cr3t".into())
        );
        assert_eq!(ok.secrets, ["s3cr3t"]);
        let bad = build(
            "https://h.example/",
            &[],
            &headers,
            None,
            &args(json!({"who": "a\r\nX-Evil: 1"})),
            &secret,
        );
        assert!(matches!(bad, Err(Refusal::Argument(_))));
        let unset = build(
            "https://h.example/",
            &[],
            &headers,
            None,
            &args(json!({})),
            &no_secret,
        );
        assert!(matches!(unset, Err(Refusal::Setup(m)) if m.contains("TOKEN")));
    }

    #[test]
    fn the_body_is_json_with_typed_values() {
        let body = r#"{"title":"{title}","count":"{count}","note":"n: {title}","tags":["{tag}"]}"#;
        let a = args(json!({"title": "say \"hi\"\n", "count": 3}));
        let built = build("https://h.example/", &[], &[], Some(body), &a, &no_secret).unwrap();
        let sent: Value = serde_json::from_slice(&built.body.unwrap()).unwrap();
        assert_eq!(
            sent,
            json!({"title": "say \"hi\"\n", "count": 3, "note": "n: say \"hi\"\n", "tags": []})
        );
    }
}
