//! `application/x-www-form-urlencoded` bodies and query strings: decoded into pairs, with
//! malformed escapes refused rather than guessed at.

/// Largest form body accepted, in bytes.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// Decoded name/value pairs, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form(Vec<(String, String)>);

fn decode(part: &str) -> Option<String> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                // Two hex digits exactly: `from_str_radix` alone would also take `%+1`.
                let digit = |at: usize| char::from(*bytes.get(at)?).to_digit(16);
                out.push((digit(i + 1)? * 16 + digit(i + 2)?) as u8);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Encodes `value` for a query string or form.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Form {
    /// Parses `a=1&b=2`; `None` when an escape or UTF-8 is malformed.
    pub fn parse(text: &str) -> Option<Self> {
        let mut pairs = Vec::new();
        for item in text.split('&').filter(|s| !s.is_empty()) {
            let (name, value) = item.split_once('=').unwrap_or((item, ""));
            pairs.push((decode(name)?, decode(value)?));
        }
        Some(Self(pairs))
    }

    /// A form of already-decoded pairs.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The query string of a URL.
    pub fn from_url(url: &str) -> Option<Self> {
        let query = url.split_once('?').map_or("", |(_, q)| q);
        Self::parse(query.split('#').next().unwrap_or(""))
    }

    /// The value of `name`, if it appears exactly once; `Err` when repeated (RFC 6749 §3.1
    /// forbids repeating a parameter).
    pub fn get(&self, name: &str) -> Result<Option<&str>, String> {
        let mut values = self
            .0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str());
        match (values.next(), values.next()) {
            (first, None) => Ok(first.filter(|v| !v.is_empty())),
            _ => Err(format!("the `{name}` parameter appears more than once")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_and_refuse_bad_escapes_and_repeats() {
        let f = Form::parse("a=1+2&b=%C3%A9t%C3%A9&c=&d").unwrap();
        assert_eq!(f.get("a").unwrap(), Some("1 2"));
        assert_eq!(f.get("b").unwrap(), Some("été"));
        assert_eq!(f.get("c").unwrap(), None, "empty counts as absent");
        assert_eq!(f.get("zz").unwrap(), None);
        assert!(Form::parse("a=%zz").is_none());
        assert!(Form::parse("a=%C3").is_none(), "invalid UTF-8");
        assert!(Form::parse("a=%4").is_none());
        // Found by the `oauth_form` fuzz target: a sign is not a hex digit.
        assert!(Form::parse("a=%+1").is_none());
        assert!(Form::parse("a=%-1").is_none());
        assert!(Form::parse("a=%%41").is_none());
        assert!(Form::parse("x=1&x=2").unwrap().get("x").is_err());
        assert_eq!(
            Form::from_url("https://h/p?q=1#f")
                .unwrap()
                .get("q")
                .unwrap(),
            Some("1")
        );
    }

    #[test]
    fn encoding_round_trips() {
        let v = "a b&c=d/é?";
        assert_eq!(
            Form::parse(&format!("k={}", encode(v)))
                .unwrap()
                .get("k")
                .unwrap(),
            Some(v)
        );
    }
}
