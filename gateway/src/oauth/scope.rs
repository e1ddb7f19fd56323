//! Scopes (RFC 6749 §3.3): one `Scope` token, and the `ScopeSet` a `scope` parameter holds —
//! deduplicated, in the order first given, written back space-separated.

use super::error::{shown, OAuthError};
use super::newtype::newtype;

/// Longest scope token.
pub const MAX_SCOPE_LEN: usize = 128;
/// Most scopes one `scope` parameter may hold.
pub const MAX_SCOPES: usize = 50;

fn check_scope(value: &str) -> Result<(), OAuthError> {
    // NQCHAR = %x21 / %x23-5B / %x5D-7E: visible ASCII but `"` and `\`.
    let nqchar = |b: u8| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b);
    if value.is_empty() || value.len() > MAX_SCOPE_LEN || !value.bytes().all(nqchar) {
        return Err(OAuthError::InvalidScope(format!(
            "scope {} must be 1 to {MAX_SCOPE_LEN} visible ASCII characters other than double \
             quote and backslash, separated by single spaces",
            shown(value)
        )));
    }
    Ok(())
}

newtype!(
    /// One scope token, e.g. `dovecote:read`.
    Scope: check_scope
);

/// A set of scopes in first-given order. Serialized as the space-separated string.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ScopeSet(Vec<Scope>);

impl ScopeSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a `scope` parameter. Repeated spaces are tolerated; an empty string is the
    /// empty set (the caller decides what an absent scope means).
    pub fn parse(value: &str) -> Result<Self, OAuthError> {
        let mut set = Self::new();
        for token in value.split(' ').filter(|t| !t.is_empty()) {
            set.insert(Scope::parse(token)?);
            if set.len() > MAX_SCOPES {
                return Err(OAuthError::InvalidScope(format!(
                    "scope lists more than {MAX_SCOPES} scopes; ask for fewer"
                )));
            }
        }
        Ok(set)
    }

    /// Adds `scope` unless present; whether it was added.
    pub fn insert(&mut self, scope: Scope) -> bool {
        let new = !self.contains(scope.as_str());
        if new {
            self.0.push(scope);
        }
        new
    }

    /// Whether the set holds `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|s| s.as_str() == name)
    }

    /// The scopes, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }

    /// How many scopes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The scopes of `self` that `other` also holds, in `self`'s order (narrowing a grant).
    pub fn intersection(&self, other: &ScopeSet) -> ScopeSet {
        self.iter()
            .filter(|s| other.contains(s.as_str()))
            .cloned()
            .collect()
    }

    /// Whether every scope of `self` is in `other`.
    pub fn is_subset(&self, other: &ScopeSet) -> bool {
        self.iter().all(|s| other.contains(s.as_str()))
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        let mut set = Self::new();
        for scope in iter {
            set.insert(scope);
        }
        set
    }
}

impl std::fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, scope) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(scope.as_str())?;
        }
        Ok(())
    }
}

impl From<ScopeSet> for String {
    fn from(set: ScopeSet) -> String {
        set.to_string()
    }
}

impl TryFrom<String> for ScopeSet {
    type Error = OAuthError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dedups_and_keeps_order() {
        let s = ScopeSet::parse("b a  b c").unwrap();
        assert_eq!(s.to_string(), "b a c");
        assert_eq!(s.len(), 3);
        assert!(ScopeSet::parse("").unwrap().is_empty());
        assert_eq!(ScopeSet::parse("dovecote:env:read").unwrap().len(), 1);
    }

    #[test]
    fn refuses_characters_outside_nqchar() {
        for bad in ["a\"b", "a\\b", "a\tb", "caf\u{e9}"] {
            let e = ScopeSet::parse(bad).unwrap_err();
            assert!(matches!(e, OAuthError::InvalidScope(_)), "{bad}");
        }
        assert!(Scope::parse(&"s".repeat(MAX_SCOPE_LEN + 1)).is_err());
        let many: Vec<String> = (0..=MAX_SCOPES).map(|i| format!("s{i}")).collect();
        assert!(ScopeSet::parse(&many.join(" ")).is_err());
    }

    #[test]
    fn narrows_and_compares() {
        let granted = ScopeSet::parse("read write admin").unwrap();
        let asked = ScopeSet::parse("admin other read").unwrap();
        assert_eq!(asked.intersection(&granted).to_string(), "admin read");
        assert!(!asked.is_subset(&granted));
        assert!(ScopeSet::parse("write").unwrap().is_subset(&granted));
    }

    #[test]
    fn round_trips_as_a_string() {
        let s = ScopeSet::parse("a b").unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"a b\"");
        assert_eq!(serde_json::from_str::<ScopeSet>(&json).unwrap(), s);
        assert!(serde_json::from_str::<ScopeSet>("\"a\\\"b\"").is_err());
    }
}
