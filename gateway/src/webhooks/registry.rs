//! The `TenantRegistry` Durable Object: which account each GitHub App installation belongs to.
//! One instance; it only maps installations (`installation` and `installation_repositories`
//! events keep it current) — quotas are counted in each tenant's own store.

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use super::Tenant;
use crate::platform::{Objects, PlatformError, Sql, SqlError, SqlValue};

/// The Durable Object binding (and class).
pub const BINDING: &str = "TENANT_REGISTRY";
/// The one instance's name.
const INSTANCE: &str = "registry";

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Request {
    Lookup { installation: u64 },
    Put { installation: u64, account: Tenant },
    Remove { installation: u64 },
    Accounts,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Answer<T> {
    Ok(T),
    Failed(String),
}

async fn ask<T: DeserializeOwned>(
    objects: &dyn Objects,
    request: &Request,
) -> Result<T, PlatformError> {
    let body = serde_json::to_vec(request).map_err(|e| PlatformError(e.to_string()))?;
    let answer = objects.call(BINDING, INSTANCE, &body).await?;
    match serde_json::from_slice::<Answer<T>>(&answer) {
        Ok(Answer::Ok(v)) => Ok(v),
        Ok(Answer::Failed(why)) => Err(PlatformError(format!("tenant registry: {why}"))),
        Err(e) => Err(PlatformError(format!(
            "tenant registry answered badly: {e}"
        ))),
    }
}

/// The account `installation` belongs to, unless unknown or removed.
pub async fn lookup(
    objects: &dyn Objects,
    installation: u64,
) -> Result<Option<Tenant>, PlatformError> {
    ask(objects, &Request::Lookup { installation }).await
}

/// Records that `installation` belongs to `account`.
pub async fn put(
    objects: &dyn Objects,
    installation: u64,
    account: &Tenant,
) -> Result<(), PlatformError> {
    let request = Request::Put {
        installation,
        account: account.clone(),
    };
    ask(objects, &request).await
}

/// Forgets `installation`; returns the account it belonged to.
pub async fn remove(
    objects: &dyn Objects,
    installation: u64,
) -> Result<Option<Tenant>, PlatformError> {
    ask(objects, &Request::Remove { installation }).await
}

/// Every account with an installation, in login order.
pub async fn accounts(objects: &dyn Objects) -> Result<Vec<Tenant>, PlatformError> {
    ask(objects, &Request::Accounts).await
}

const SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS installations (id INTEGER PRIMARY KEY, account TEXT NOT NULL)";

fn account_of(sql: &dyn Sql, installation: u64) -> Result<Option<Tenant>, SqlError> {
    let rows = sql.exec(
        "SELECT account FROM installations WHERE id = ?",
        &[SqlValue::Integer(installation as i64)],
    )?;
    Ok(rows
        .first()
        .and_then(|r| r[0].as_str())
        .and_then(|a| Tenant::parse(a).ok()))
}

fn serve(sql: &dyn Sql, request: Request) -> Result<serde_json::Value, SqlError> {
    sql.exec(SCHEMA, &[])?;
    let json = |v: Option<Tenant>| serde_json::to_value(v).unwrap_or_default();
    Ok(match request {
        Request::Lookup { installation } => json(account_of(sql, installation)?),
        Request::Put {
            installation,
            account,
        } => {
            sql.exec(
                "INSERT INTO installations (id, account) VALUES (?, ?) \
                 ON CONFLICT (id) DO UPDATE SET account = excluded.account",
                &[
                    SqlValue::Integer(installation as i64),
                    account.as_str().into(),
                ],
            )?;
            serde_json::Value::Null
        }
        Request::Remove { installation } => {
            let account = account_of(sql, installation)?;
            sql.exec(
                "DELETE FROM installations WHERE id = ?",
                &[SqlValue::Integer(installation as i64)],
            )?;
            json(account)
        }
        Request::Accounts => {
            let rows = sql.exec(
                "SELECT DISTINCT account FROM installations ORDER BY account",
                &[],
            )?;
            let accounts: Vec<Tenant> = rows
                .iter()
                .filter_map(|r| r[0].as_str().and_then(|a| Tenant::parse(a).ok()))
                .collect();
            serde_json::to_value(accounts).unwrap_or_default()
        }
    })
}

/// The object's side.
pub fn handle(sql: &dyn Sql, _now_ms: u64, request: &[u8]) -> Vec<u8> {
    let answer = match serde_json::from_slice::<Request>(request) {
        Ok(r) => match serve(sql, r) {
            Ok(v) => Answer::Ok(v),
            Err(e) => Answer::Failed(e.0),
        },
        Err(e) => Answer::Failed(format!("bad request: {e}")),
    };
    serde_json::to_vec(&answer).unwrap_or_default()
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::platform::native::{LocalObjects, ManualClock};

    #[test]
    fn installations_map_to_accounts_until_removed() {
        let clock = ManualClock::new(0);
        let objects = LocalObjects::new(crate::objects::handle, &clock);
        let octo = Tenant::parse("Octo").unwrap();
        assert_eq!(pollster::block_on(lookup(&objects, 1)).unwrap(), None);
        pollster::block_on(put(&objects, 1, &octo)).unwrap();
        assert_eq!(
            pollster::block_on(lookup(&objects, 1)).unwrap(),
            Some(octo.clone())
        );
        let renamed = Tenant::parse("octo-renamed").unwrap();
        pollster::block_on(put(&objects, 1, &renamed)).unwrap();
        assert_eq!(
            pollster::block_on(lookup(&objects, 1)).unwrap(),
            Some(renamed.clone())
        );
        pollster::block_on(put(&objects, 2, &octo)).unwrap();
        assert_eq!(
            pollster::block_on(accounts(&objects)).unwrap(),
            [octo.clone(), renamed.clone()]
        );
        assert_eq!(
            pollster::block_on(remove(&objects, 1)).unwrap(),
            Some(renamed)
        );
        assert_eq!(pollster::block_on(lookup(&objects, 1)).unwrap(), None);
        assert_eq!(pollster::block_on(remove(&objects, 1)).unwrap(), None);
    }
}
