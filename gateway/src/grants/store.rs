//! A grant's SQLite tables and the rules that need one answer: an authorization code is
//! redeemed once (a second use revokes everything issued from it), a refresh token rotates on
//! every use (its predecessor works once more only while the successor is unused; any other
//! reuse revokes the grant), and revocation reaches every token. Only hashes are stored.

use serde::{Deserialize, Serialize};

use crate::objects::tagged::need;
use crate::platform::{Sql, SqlError, SqlValue};

const SCHEMA: [&str; 4] = [
    "CREATE TABLE IF NOT EXISTS grant_row (id TEXT PRIMARY KEY, client_id TEXT NOT NULL, \
     subject TEXT NOT NULL, scopes TEXT NOT NULL, resource TEXT NOT NULL, sealed TEXT NOT NULL, \
     created_ms INTEGER NOT NULL, last_used_ms INTEGER NOT NULL, revoked_ms INTEGER)",
    "CREATE TABLE IF NOT EXISTS codes (hash TEXT PRIMARY KEY, redirect_uri TEXT NOT NULL, \
     challenge TEXT NOT NULL, expires_ms INTEGER NOT NULL, used_ms INTEGER)",
    "CREATE TABLE IF NOT EXISTS refresh_tokens (hash TEXT PRIMARY KEY, \
     state TEXT NOT NULL CHECK (state IN ('active', 'previous', 'dead')), \
     successor TEXT, expires_ms INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS access_tokens (hash TEXT PRIMARY KEY, expires_ms INTEGER NOT NULL)",
];

/// What a grant is: who approved which client for what. `sealed` holds the encrypted
/// properties (upstream identity, tokens); the store never reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The grant's id (also the object's name).
    pub id: String,
    /// The client it was issued to.
    pub client_id: String,
    /// The user's stable id.
    pub subject: String,
    /// Granted scopes, space-separated.
    pub scopes: String,
    /// The resource (audience) tokens are bound to.
    pub resource: String,
    /// Encrypted properties.
    pub sealed: String,
    /// When it was created.
    pub created_ms: u64,
    /// When a token of it was last issued.
    pub last_used_ms: u64,
}

/// New tokens to issue, by hash, with their expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTokens {
    /// The access token's hash.
    pub access_hash: String,
    /// When the access token expires.
    pub access_expires_ms: u64,
    /// The refresh token's hash.
    pub refresh_hash: String,
    /// When the refresh token expires.
    pub refresh_expires_ms: u64,
}

/// Why a code or refresh token was refused (all `invalid_grant` on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "refused", rename_all = "snake_case", try_from = "RefusalRead")]
pub enum Refusal {
    /// Unknown, expired or revoked; nothing else happened.
    Invalid {
        /// Why, for the error description.
        why: String,
    },
    /// A replayed code or reused refresh token: the grant is now revoked, and these access
    /// tokens must be deleted wherever they are cached.
    Revoked {
        /// Why.
        why: String,
        /// Hashes of the access tokens that were live.
        access_hashes: Vec<String>,
    },
}

/// A `Refusal` as it is read (see `objects::tagged`).
#[derive(Deserialize)]
struct RefusalRead {
    refused: RefusalTag,
    why: Option<String>,
    access_hashes: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum RefusalTag {
    Invalid,
    Revoked,
}

impl TryFrom<RefusalRead> for Refusal {
    type Error = String;

    fn try_from(read: RefusalRead) -> Result<Self, String> {
        Ok(match read.refused {
            RefusalTag::Invalid => Self::Invalid {
                why: need(read.why, "invalid", "why")?,
            },
            RefusalTag::Revoked => Self::Revoked {
                why: need(read.why, "revoked", "why")?,
                access_hashes: need(read.access_hashes, "revoked", "access_hashes")?,
            },
        })
    }
}

fn invalid<T>(why: &str) -> Result<Result<T, Refusal>, SqlError> {
    Ok(Err(Refusal::Invalid {
        why: why.to_owned(),
    }))
}

pub(super) fn migrate(sql: &dyn Sql) -> Result<(), SqlError> {
    SCHEMA.iter().try_for_each(|s| sql.exec(s, &[]).map(drop))
}

pub(super) fn int(v: u64) -> SqlValue {
    SqlValue::Integer(v as i64)
}

/// Creates the grant and its authorization code.
pub fn create(
    sql: &dyn Sql,
    grant: &Grant,
    code_hash: &str,
    redirect_uri: &str,
    challenge: &str,
    code_expires_ms: u64,
) -> Result<(), SqlError> {
    migrate(sql)?;
    sql.exec(
        "INSERT INTO grant_row (id, client_id, subject, scopes, resource, sealed, created_ms, last_used_ms) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            grant.id.clone().into(),
            grant.client_id.clone().into(),
            grant.subject.clone().into(),
            grant.scopes.clone().into(),
            grant.resource.clone().into(),
            grant.sealed.clone().into(),
            int(grant.created_ms),
            int(grant.last_used_ms),
        ],
    )?;
    sql.exec(
        "INSERT INTO codes (hash, redirect_uri, challenge, expires_ms) VALUES (?, ?, ?, ?)",
        &[
            code_hash.into(),
            redirect_uri.into(),
            challenge.into(),
            int(code_expires_ms),
        ],
    )?;
    Ok(())
}

fn load(sql: &dyn Sql) -> Result<Option<(Grant, bool)>, SqlError> {
    let rows = sql.exec(
        "SELECT id, client_id, subject, scopes, resource, sealed, created_ms, last_used_ms, revoked_ms FROM grant_row",
        &[],
    )?;
    let Some(r) = rows.into_iter().next() else {
        return Ok(None);
    };
    let text = |i: usize| r[i].as_str().unwrap_or_default().to_owned();
    let num = |i: usize| r[i].as_i64().unwrap_or_default() as u64;
    let grant = Grant {
        id: text(0),
        client_id: text(1),
        subject: text(2),
        scopes: text(3),
        resource: text(4),
        sealed: text(5),
        created_ms: num(6),
        last_used_ms: num(7),
    };
    Ok(Some((grant, r[8] != SqlValue::Null)))
}

/// Replaces the sealed properties of a live grant if they are still `expected`.
pub fn reseal(sql: &dyn Sql, expected: &str, sealed: &str) -> Result<bool, SqlError> {
    migrate(sql)?;
    let updated = sql.exec(
        "UPDATE grant_row SET sealed = ? WHERE sealed = ? AND revoked_ms IS NULL RETURNING id",
        &[sealed.into(), expected.into()],
    )?;
    Ok(!updated.is_empty())
}

/// Revokes the grant: every token stops working. Returns the live access token hashes. The
/// sealed properties (upstream tokens) are forgotten at once: nothing reads them again.
pub fn revoke(sql: &dyn Sql, now_ms: u64) -> Result<Vec<String>, SqlError> {
    migrate(sql)?;
    sql.exec(
        "UPDATE grant_row SET revoked_ms = ?, sealed = '' WHERE revoked_ms IS NULL",
        &[int(now_ms)],
    )?;
    sql.exec(
        "UPDATE codes SET used_ms = coalesce(used_ms, ?)",
        &[int(now_ms)],
    )?;
    sql.exec("UPDATE refresh_tokens SET state = 'dead'", &[])?;
    let rows = sql.exec(
        "SELECT hash FROM access_tokens WHERE expires_ms > ?",
        &[int(now_ms)],
    )?;
    sql.exec("DELETE FROM access_tokens", &[])?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r[0].as_str().map(str::to_owned))
        .collect())
}

/// Revokes the grant if `client_id` holds it and `token_hash` is one of its tokens (RFC 7009
/// revocation by a client); returns the live access token hashes, or nothing.
pub fn revoke_if_held(
    sql: &dyn Sql,
    now_ms: u64,
    token_hash: &str,
    client_id: &str,
) -> Result<Option<Vec<String>>, SqlError> {
    migrate(sql)?;
    let Some((grant, _)) = load(sql)? else {
        return Ok(None);
    };
    let held = !sql
        .exec(
            "SELECT 1 FROM refresh_tokens WHERE hash = ?1 UNION ALL SELECT 1 FROM access_tokens WHERE hash = ?1",
            &[token_hash.into()],
        )?
        .is_empty();
    if grant.client_id != client_id || !held {
        return Ok(None);
    }
    revoke(sql, now_ms).map(Some)
}

fn revoked(sql: &dyn Sql, now_ms: u64, why: &str) -> Result<Result<Grant, Refusal>, SqlError> {
    let access_hashes = revoke(sql, now_ms)?;
    Ok(Err(Refusal::Revoked {
        why: why.to_owned(),
        access_hashes,
    }))
}

fn issue(sql: &dyn Sql, now_ms: u64, tokens: &NewTokens) -> Result<(), SqlError> {
    sql.exec(
        "INSERT INTO refresh_tokens (hash, state, expires_ms) VALUES (?, 'active', ?)",
        &[
            tokens.refresh_hash.clone().into(),
            int(tokens.refresh_expires_ms),
        ],
    )?;
    sql.exec(
        "INSERT INTO access_tokens (hash, expires_ms) VALUES (?, ?)",
        &[
            tokens.access_hash.clone().into(),
            int(tokens.access_expires_ms),
        ],
    )?;
    sql.exec(
        "DELETE FROM access_tokens WHERE expires_ms <= ?",
        &[int(now_ms)],
    )?;
    sql.exec("UPDATE grant_row SET last_used_ms = ?", &[int(now_ms)])?;
    Ok(())
}

/// What the token request says about the code, checked against what the code was bound to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeRedemption {
    /// Hash of the presented code.
    pub code_hash: String,
    /// The authenticated client.
    pub client_id: String,
    /// The `redirect_uri` of the token request.
    pub redirect_uri: String,
    /// `BASE64URL(SHA256(code_verifier))` of the token request.
    pub challenge_of_verifier: String,
    /// The resource the token request names.
    pub resource: String,
}

/// Redeems an authorization code, once.
pub fn redeem_code(
    sql: &dyn Sql,
    now_ms: u64,
    r: &CodeRedemption,
    tokens: &NewTokens,
) -> Result<Result<Grant, Refusal>, SqlError> {
    migrate(sql)?;
    let Some((grant, is_revoked)) = load(sql)? else {
        return invalid("unknown authorization code");
    };
    let rows = sql.exec(
        "SELECT redirect_uri, challenge, expires_ms, used_ms FROM codes WHERE hash = ?",
        &[r.code_hash.clone().into()],
    )?;
    let Some(code) = rows.into_iter().next() else {
        return invalid("unknown authorization code");
    };
    if code[3] != SqlValue::Null {
        return revoked(
            sql,
            now_ms,
            "authorization code was already used; every token issued from it is revoked",
        );
    }
    if is_revoked {
        return invalid("the grant was revoked");
    }
    // The code is spent from here on, whatever the outcome.
    sql.exec(
        "UPDATE codes SET used_ms = ? WHERE hash = ?",
        &[int(now_ms), r.code_hash.clone().into()],
    )?;
    let (redirect_uri, challenge) = (
        code[0].as_str().unwrap_or_default(),
        code[1].as_str().unwrap_or_default(),
    );
    if code[2].as_i64().unwrap_or_default() as u64 <= now_ms {
        return invalid("authorization code expired; start the sign-in again");
    }
    if r.client_id != grant.client_id {
        return invalid("authorization code was issued to another client");
    }
    if r.redirect_uri != redirect_uri {
        return invalid("redirect_uri does not match the authorization request");
    }
    if !crate::oauth::eq_constant_time(r.challenge_of_verifier.as_bytes(), challenge.as_bytes()) {
        return invalid("code_verifier does not match the code_challenge (PKCE)");
    }
    if r.resource != grant.resource {
        return invalid("resource does not match the authorization request");
    }
    issue(sql, now_ms, tokens)?;
    Ok(Ok(grant))
}

/// Exchanges a refresh token for new tokens, rotating it.
pub fn refresh(
    sql: &dyn Sql,
    now_ms: u64,
    refresh_hash: &str,
    client_id: &str,
    tokens: &NewTokens,
) -> Result<Result<Grant, Refusal>, SqlError> {
    migrate(sql)?;
    let Some((grant, is_revoked)) = load(sql)? else {
        return invalid("unknown refresh token");
    };
    if is_revoked {
        return invalid("the grant was revoked; sign in again");
    }
    let rows = sql.exec(
        "SELECT state, successor, expires_ms FROM refresh_tokens WHERE hash = ?",
        &[refresh_hash.into()],
    )?;
    let Some(row) = rows.into_iter().next() else {
        return invalid("unknown refresh token");
    };
    if client_id != grant.client_id {
        return invalid("refresh token was issued to another client");
    }
    if row[2].as_i64().unwrap_or_default() as u64 <= now_ms {
        return invalid("refresh token expired; sign in again");
    }
    match row[0].as_str() {
        Some("active") => {
            sql.exec(
                "UPDATE refresh_tokens SET state = 'dead' WHERE state = 'previous'",
                &[],
            )?;
            sql.exec(
                "UPDATE refresh_tokens SET state = 'previous', successor = ? WHERE hash = ?",
                &[tokens.refresh_hash.clone().into(), refresh_hash.into()],
            )?;
        }
        Some("previous") => {
            // A retried request: the client may never have received the successor. Allowed
            // once, and only while the successor is unused.
            let successor = row[1].as_str().unwrap_or_default().to_owned();
            let unused = sql
                .exec(
                    "SELECT 1 FROM refresh_tokens WHERE hash = ? AND state = 'active'",
                    &[successor.clone().into()],
                )?
                .len()
                == 1;
            if !unused {
                return revoked(
                    sql,
                    now_ms,
                    "refresh token was reused after rotation; the grant is revoked",
                );
            }
            sql.exec(
                "UPDATE refresh_tokens SET state = 'dead' WHERE hash IN (?, ?)",
                &[successor.into(), refresh_hash.into()],
            )?;
        }
        _ => {
            return revoked(
                sql,
                now_ms,
                "refresh token was reused after rotation; the grant is revoked",
            )
        }
    }
    issue(sql, now_ms, tokens)?;
    Ok(Ok(grant))
}
