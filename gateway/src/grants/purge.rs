//! Removing what a grant no longer needs: expired access and refresh tokens, codes a day after
//! they expired (kept that long so a replay is still recognised), and — once the grant is
//! revoked or nothing of it can be used any more — the whole grant. The scheduled purge asks
//! each grant to do this; no rule in `store` depends on the rows it removes.

use serde::{Deserialize, Serialize};

use super::store::{int, migrate};
use crate::platform::{Sql, SqlError, SqlValue};

/// How long a used or expired code is kept after its expiry.
const CODE_KEPT_MS: u64 = 24 * 3600 * 1000;

/// What a purge did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purged {
    /// Rows removed.
    pub rows: u64,
    /// The grant was revoked or had nothing usable left, and is gone.
    pub dead: bool,
}

fn count(sql: &dyn Sql, query: &str, bound: &[SqlValue]) -> Result<u64, SqlError> {
    Ok(sql.exec(query, bound)?.len() as u64)
}

/// Purges the grant in `sql` as of `now_ms`.
pub fn purge(sql: &dyn Sql, now_ms: u64) -> Result<Purged, SqlError> {
    migrate(sql)?;
    let revoked = !sql
        .exec("SELECT 1 FROM grant_row WHERE revoked_ms IS NOT NULL", &[])?
        .is_empty();
    let exists = !sql.exec("SELECT 1 FROM grant_row", &[])?.is_empty();
    // Usable: a refresh token that still rotates, or a code that can still be redeemed.
    let usable = !sql
        .exec(
            "SELECT 1 FROM refresh_tokens WHERE state != 'dead' AND expires_ms > ? \
             UNION ALL SELECT 1 FROM codes WHERE used_ms IS NULL AND expires_ms > ?",
            &[int(now_ms), int(now_ms)],
        )?
        .is_empty();
    if revoked || !exists || !usable {
        let mut rows = 0;
        for table in ["access_tokens", "refresh_tokens", "codes", "grant_row"] {
            rows += count(sql, &format!("DELETE FROM {table} RETURNING 1"), &[])?;
        }
        return Ok(Purged { rows, dead: true });
    }
    let rows = count(
        sql,
        "DELETE FROM access_tokens WHERE expires_ms <= ? RETURNING 1",
        &[int(now_ms)],
    )? + count(
        sql,
        "DELETE FROM refresh_tokens WHERE expires_ms <= ? RETURNING 1",
        &[int(now_ms)],
    )? + count(
        sql,
        "DELETE FROM codes WHERE expires_ms <= ? RETURNING 1",
        &[int(now_ms.saturating_sub(CODE_KEPT_MS))],
    )?;
    Ok(Purged { rows, dead: false })
}
