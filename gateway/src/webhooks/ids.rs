//! The identifiers of the webhook subsystem, validated once at the edge: `DeliveryId` (GitHub's
//! `X-GitHub-Delivery`, also the event's id), `Tenant` (the name of an account's event store)
//! and `Account` (a GitHub account: its numeric id, which survives renames, and its login).

use serde::{Deserialize, Serialize};

/// Longest delivery id accepted (GitHub sends 36-character UUIDs).
pub const MAX_DELIVERY_ID_LEN: usize = 64;
/// Longest account login (GitHub allows 39 characters).
pub const MAX_LOGIN_LEN: usize = 39;

/// An event's id: the `X-GitHub-Delivery` header of the delivery that brought it. Letters,
/// digits and `-`, 1–64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DeliveryId(String);

impl DeliveryId {
    /// Validates `value`.
    pub fn parse(value: &str) -> Result<Self, String> {
        let ok = !value.is_empty()
            && value.len() <= MAX_DELIVERY_ID_LEN
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(format!(
                "an event id is 1–{MAX_DELIVERY_ID_LEN} letters, digits and dashes (the X-GitHub-Delivery of its delivery)"
            ))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DeliveryId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value)
    }
}

impl From<DeliveryId> for String {
    fn from(value: DeliveryId) -> String {
        value.0
    }
}

/// A tenant: the name of the event store that holds one GitHub account's events. Stores made
/// before accounts were keyed by id are named by the account's login then, lower-cased; new
/// ones are `-<account id>` (no login starts with `-`, so the two never meet). The registry
/// maps account ids to store names; a name is never derived from a login again.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tenant(String);

impl Tenant {
    /// Validates `login`: 1–39 letters, digits, `-` or `_` (GitHub Enterprise adds `_`).
    pub fn parse(login: &str) -> Result<Self, String> {
        let ok = !login.is_empty()
            && login.len() <= MAX_LOGIN_LEN
            && login
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(login.to_ascii_lowercase()))
        } else {
            Err(format!(
                "`{}` is not a GitHub account login (1–{MAX_LOGIN_LEN} letters, digits, - or _)",
                login.chars().take(MAX_LOGIN_LEN + 1).collect::<String>()
            ))
        }
    }

    /// The store of the account with this id, for an account the registry has no store for.
    pub fn of_account(id: AccountId) -> Self {
        Self(format!("-{}", id.0))
    }

    /// The store's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Tenant {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value)
    }
}

impl From<Tenant> for String {
    fn from(value: Tenant) -> String {
        value.0
    }
}

impl std::fmt::Display for Tenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A GitHub account's numeric id (user or organization): stable across renames, unlike its
/// login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(pub u64);

impl std::fmt::Display for AccountId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A GitHub account as a delivery or the API names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The id: what the account is keyed by.
    pub id: AccountId,
    /// The login now (shown; followed through renames).
    pub login: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_ids_are_uuids_or_similar_and_nothing_else() {
        assert!(DeliveryId::parse("72d3162e-cc78-11e3-81ab-4c9367dc0958").is_ok());
        for bad in ["", "a b", "x/../y", &"a".repeat(65), "é"] {
            assert!(DeliveryId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tenants_are_logins_compared_without_case() {
        assert_eq!(
            Tenant::parse("Octo-Org").unwrap(),
            Tenant::parse("octo-org").unwrap()
        );
        for bad in ["", "has space", "a/b", &"a".repeat(40)] {
            assert!(Tenant::parse(bad).is_err(), "{bad:?}");
        }
    }
}
