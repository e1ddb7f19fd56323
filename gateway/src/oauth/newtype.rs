//! The one macro behind every OAuth string type: a private field, validated once by `parse`
//! (and by `Deserialize`), never re-checked inside. Secrets get a redacted `Debug` and no
//! `Clone`, `Display` or `Serialize`.

/// `newtype!(Doc Name: check)` declares a public-value type; `newtype!(Doc secret Name: check)`
/// a secret one. `check: fn(&str) -> Result<(), OAuthError>` holds the rules.
macro_rules! newtype {
    ($(#[$doc:meta])* $name:ident: $check:path) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        newtype!(@parse $name, $check);

        impl $name {
            /// The value, exactly as it was given.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0).finish()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::oauth::OAuthError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                $check(&value)?;
                Ok(Self(value))
            }
        }
    };
    ($(#[$doc:meta])* secret $name:ident: $check:path) => {
        $(#[$doc])*
        pub struct $name(String);

        newtype!(@parse $name, $check);

        impl $name {
            /// The secret itself: only to hash it, compare it, or hand it to its owner once.
            pub fn secret(&self) -> &str {
                &self.0
            }

            /// Its storage form: [`hash_secret`](crate::oauth::secret::hash_secret).
            pub fn hash(&self) -> String {
                $crate::oauth::secret::hash_secret(&self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
    (@parse $name:ident, $check:path) => {
        impl $name {
            /// Validates `value` against this type's rules; the error says which rule failed.
            pub fn parse(value: &str) -> Result<Self, $crate::oauth::OAuthError> {
                $check(value)?;
                Ok(Self(value.to_owned()))
            }
        }
    };
}

pub(crate) use newtype;

#[cfg(test)]
mod tests {
    use crate::oauth::OAuthError;

    fn short(v: &str) -> Result<(), OAuthError> {
        if v.len() <= 3 {
            Ok(())
        } else {
            Err(OAuthError::InvalidRequest("too long".into()))
        }
    }

    newtype!(
        /// Test value.
        Small: short
    );
    newtype!(
        /// Test secret.
        secret Hidden: short
    );

    #[test]
    fn values_validate_on_parse_and_deserialize() {
        assert_eq!(Small::parse("abc").unwrap().as_str(), "abc");
        assert!(Small::parse("abcd").is_err());
        let v: Small = serde_json::from_str("\"ab\"").unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"ab\"");
        assert!(serde_json::from_str::<Small>("\"abcd\"").is_err());
        assert_eq!(format!("{v:?}"), "Small(\"ab\")");
    }

    #[test]
    fn secrets_never_print() {
        let s = Hidden::parse("k3y").unwrap();
        assert_eq!(format!("{s:?}"), "Hidden([redacted])");
        assert_eq!(s.secret(), "k3y");
        assert_eq!(s.hash().len(), 43);
    }
}
