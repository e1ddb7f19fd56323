//! Reading the `Cookie` header and writing `Set-Cookie` for the gateway's own cookies, which
//! are always `__Host-` prefixed: `Secure`, `Path=/`, no `Domain`, `HttpOnly`, `SameSite=Lax`.
//! Browsers accept `Secure` cookies on `http://localhost` and `http://127.0.0.1`, so local
//! development works over plain http.

/// The value of cookie `name` in a `Cookie` header.
pub fn get<'a>(header: Option<&'a str>, name: &str) -> Option<&'a str> {
    header?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim_matches('"'))
}

/// A `Set-Cookie` value for a `__Host-` cookie that lives `max_age_secs`.
pub fn set(name: &str, value: &str, max_age_secs: u64) -> String {
    debug_assert!(name.starts_with("__Host-"));
    format!("{name}={value}; Max-Age={max_age_secs}; Path=/; Secure; HttpOnly; SameSite=Lax")
}

/// A `Set-Cookie` value that deletes cookie `name`.
pub fn clear(name: &str) -> String {
    format!("{name}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let h = Some("a=1; __Host-csrf=abc; __Host-csrfx=nope");
        assert_eq!(get(h, "__Host-csrf"), Some("abc"));
        assert_eq!(get(h, "csrf"), None);
        assert_eq!(get(None, "a"), None);
        assert_eq!(get(Some("garbage"), "a"), None);
    }

    #[test]
    fn set_cookies_carry_every_attribute() {
        let c = set("__Host-x", "v", 600);
        for attr in [
            "Secure",
            "HttpOnly",
            "SameSite=Lax",
            "Path=/",
            "Max-Age=600",
        ] {
            assert!(c.contains(attr), "{c}");
        }
        assert!(!c.contains("Domain"));
    }
}
