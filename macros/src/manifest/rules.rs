//! The rules a manifest's values follow: scope names, one-line descriptions, rates.

/// The length of a rate-limit window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// `second`.
    Second,
    /// `minute`.
    Minute,
    /// `hour`.
    Hour,
    /// `day`.
    Day,
}

/// `count` calls per `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// 1 to 1,000,000.
    pub count: u32,
    /// The window.
    pub period: Period,
}

/// A scope name: 1 to 64 characters of `[a-z0-9:._-]`, not `offline_access`.
pub fn check_scope_name(name: &str) -> Result<(), String> {
    if name == "offline_access" {
        return Err(
            "scope `offline_access` is reserved by OpenID Connect for refresh tokens — \
                    name the scope after what it grants, e.g. `dovecote:read`"
                .to_owned(),
        );
    }
    let valid = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b':' | b'.' | b'_' | b'-'));
    if valid {
        return Ok(());
    }
    Err(format!(
        "scope name `{name}` is not valid — use 1 to 64 characters of a-z, 0-9, `:`, `.`, `_` \
         and `-`, e.g. `dovecote:read`"
    ))
}

/// Text that is not blank.
pub fn check_non_empty(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err(
            "is empty — write what a reader needs to know, or leave the key out".to_owned(),
        );
    }
    Ok(())
}

/// One non-blank line of at most `max` characters.
pub fn check_description(text: &str, max: usize) -> Result<(), String> {
    check_non_empty(text)?;
    if text.contains(['\n', '\r']) {
        return Err("spans several lines — write it on one line".to_owned());
    }
    let len = text.chars().count();
    if len > max {
        return Err(format!(
            "is {len} characters long — shorten it to {max} at most"
        ));
    }
    Ok(())
}

/// `"<count>/<second|minute|hour|day>"`, count 1 to 1,000,000 and at most one a
/// millisecond (the limiter counts whole milliseconds): 1000/second, 60000/minute.
pub fn parse_rate(rate: &str) -> Option<Rate> {
    let (count, period) = rate.split_once('/')?;
    let count = count.trim();
    if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let count: u32 = count.parse().ok().filter(|c| (1..=1_000_000).contains(c))?;
    let period = match period.trim() {
        "second" => Period::Second,
        "minute" => Period::Minute,
        "hour" => Period::Hour,
        "day" => Period::Day,
        _ => return None,
    };
    let period_ms: u64 = match period {
        Period::Second => 1_000,
        Period::Minute => 60_000,
        Period::Hour => 3_600_000,
        Period::Day => 86_400_000,
    };
    (u64::from(count) <= period_ms).then_some(Rate { count, period })
}
