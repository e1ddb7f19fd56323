//! `SecretValue`: a token or webhook URL read at run time. It never prints, and leaves
//! messages only through `redact`.

/// A credential's value.
pub struct SecretValue(String);

impl SecretValue {
    /// Wraps `value`.
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The value, to put in a request.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the value (and of its URL path, for webhook URLs)
    /// replaced, so that a service's error message can be shown.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        if self.0.len() >= 4 {
            out = out.replace(&self.0, "[redacted]");
        }
        // A webhook's token is the last path segment; services echo it alone too.
        if let Some(last) = self.0.rsplit('/').next().filter(|s| s.len() >= 8) {
            out = out.replace(last, "[redacted]");
        }
        if let Some((_, token)) = self.0.split_once(':').filter(|(_, t)| t.len() >= 8) {
            out = out.replace(token, "[redacted]");
        }
        out
    }
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretValue([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_tokens_and_webhook_paths_and_never_prints() {
        let token = SecretValue::new("123456:ABCdef_ghijkl-mnop".into());
        assert_eq!(
            token.redact("bad token 123456:ABCdef_ghijkl-mnop and ABCdef_ghijkl-mnop"),
            "bad token [redacted] and [redacted]"
        );
        let url = SecretValue::new("https://discord.com/api/webhooks/1/tok3nt0ken".into());
        assert_eq!(url.redact("no webhook tok3nt0ken"), "no webhook [redacted]");
        assert_eq!(format!("{url:?}"), "SecretValue([redacted])");
    }
}
