//! The `TenantRegistry` Durable Object: which account each GitHub App installation belongs to,
//! and which event store holds each account's events. One instance. Accounts are keyed by
//! GitHub's numeric id and their login follows renames (`installation`,
//! `installation_repositories` and `installation_target` events keep it current); a login never
//! leads to a store. Quotas are counted in each tenant's own store.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};

use super::{Account, Tenant};
use crate::expiring::Expiring;
use crate::objects::{ask, Answer, Ask, Instance, ObjectClass};
use crate::platform::{Objects, PlatformError, Sql, SqlError, SqlValue};

/// The Durable Object binding (and class).
pub const BINDING: &str = "TENANT_REGISTRY";
/// The one instance's name.
const INSTANCE: &str = "registry";

/// The class: one instance, `registry`.
pub struct TenantRegistry;

crate::objects::operations!(TenantRegistry, Request {
    Lookup => Option<Tenant>,
    Put => Tenant,
    Remove => Option<Tenant>,
    Accounts => Vec<Listed>,
    Reach => Vec<(u64, Tenant)>,
    Forget => (),
    CountRefusals => (),
    Refusals => Vec<super::refusals::Hour>,
});

/// Adds a batch of refusals counted in an isolate (`super::refusals`).
#[derive(Serialize, Deserialize)]
pub struct CountRefusals {
    hours: Vec<super::refusals::Hour>,
}

/// The gateway's refusals by hour.
#[derive(Serialize, Deserialize)]
pub struct Refusals {}

/// Writes a batch of refusal counts.
pub async fn count_refusals(
    objects: &dyn Objects,
    hours: Vec<super::refusals::Hour>,
) -> Result<(), PlatformError> {
    Ok(ask(objects, INSTANCE, CountRefusals { hours }).await?)
}

/// The gateway's refusal counts by hour, oldest first.
pub async fn refusals(objects: &dyn Objects) -> Result<Vec<super::refusals::Hour>, PlatformError> {
    Ok(ask(objects, INSTANCE, Refusals {}).await?)
}

/// Forgets a store: its installations and its account (an operator deleted the tenant).
#[derive(Serialize, Deserialize)]
pub struct Forget {
    tenant: Tenant,
}

/// Forgets `tenant`: its installations and its account. Deliveries for them are refused until
/// the App is installed again (then under a new store named by the account's id).
pub async fn forget_tenant(objects: &dyn Objects, tenant: &Tenant) -> Result<(), PlatformError> {
    CACHE.with(|c| c.borrow_mut().retain(|t| t != tenant));
    let op = Forget {
        tenant: tenant.clone(),
    };
    Ok(ask(objects, INSTANCE, op).await?)
}

/// The account an installation belongs to.
#[derive(Serialize, Deserialize)]
pub struct Lookup {
    installation: u64,
}

/// Records an installation's account (by id, with its login now); answers the account's store.
#[derive(Serialize, Deserialize)]
pub struct Put {
    installation: u64,
    account: Account,
}

/// The stores of these installations, for those the registry knows and were not removed.
#[derive(Serialize, Deserialize)]
pub struct Reach {
    installations: Vec<u64>,
}

/// Marks an installation removed.
#[derive(Serialize, Deserialize)]
pub struct Remove {
    installation: u64,
}

/// A store the registry lists, with its account where the registry knows it by id (a store
/// from before accounts had ids, whose account has sent no installation event since, has none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    /// The store.
    pub tenant: Tenant,
    /// Its account.
    pub account: Option<Account>,
}

/// Every account with an installation, or removed less than `grace_ms` ago.
#[derive(Serialize, Deserialize)]
pub struct Accounts {
    grace_ms: u64,
}

/// The account `installation` belongs to, unless unknown or removed.
pub async fn lookup(
    objects: &dyn Objects,
    installation: u64,
) -> Result<Option<Tenant>, PlatformError> {
    Ok(ask(objects, INSTANCE, Lookup { installation }).await?)
}

/// How long an isolate trusts an installation's account without asking the registry. A removal
/// seen by another isolate takes at most this long to refuse deliveries here; what is accepted
/// meanwhile lands in the account's store and is deleted with the rest after the grace period.
pub const CACHE_MS: u64 = 60_000;
/// Most installations an isolate remembers.
const CACHE_ENTRIES: usize = 1024;

thread_local! {
    static CACHE: RefCell<Expiring<u64, Tenant>> = RefCell::new(Expiring::new(CACHE_ENTRIES));
}

fn forget(installation: u64) {
    CACHE.with(|c| c.borrow_mut().remove(&installation));
}

/// `lookup`, answered from this isolate's memory when it asked less than `CACHE_MS` ago.
/// Unknown installations are not remembered: one may be installed any moment.
pub async fn lookup_cached(
    objects: &dyn Objects,
    installation: u64,
    now_ms: u64,
) -> Result<Option<Tenant>, PlatformError> {
    let hit = CACHE.with(|c| c.borrow().get(&installation, now_ms));
    if hit.is_some() {
        return Ok(hit);
    }
    let found = lookup(objects, installation).await?;
    if let Some(tenant) = &found {
        CACHE.with(|c| {
            c.borrow_mut()
                .insert(installation, tenant.clone(), now_ms + CACHE_MS, now_ms)
        });
    }
    Ok(found)
}

/// Records that `installation` belongs to `account`; returns the store that holds its events.
pub async fn put(
    objects: &dyn Objects,
    installation: u64,
    account: &Account,
) -> Result<Tenant, PlatformError> {
    forget(installation);
    let op = Put {
        installation,
        account: account.clone(),
    };
    Ok(ask(objects, INSTANCE, op).await?)
}

/// Marks `installation` removed (no more deliveries); returns the store of its account, also
/// when it was removed before; `None` when it was never recorded.
pub async fn remove(
    objects: &dyn Objects,
    installation: u64,
) -> Result<Option<Tenant>, PlatformError> {
    forget(installation);
    Ok(ask(objects, INSTANCE, Remove { installation }).await?)
}

/// The stores of `installations` (those the registry knows and were not removed), in order.
pub async fn reach(
    objects: &dyn Objects,
    installations: &[u64],
) -> Result<Vec<(u64, Tenant)>, PlatformError> {
    let op = Reach {
        installations: installations.to_vec(),
    };
    Ok(ask(objects, INSTANCE, op).await?)
}

/// Every account with an installation, or whose installation was removed less than
/// `grace_ms` ago (its events are still kept), in store order.
pub async fn accounts(objects: &dyn Objects, grace_ms: u64) -> Result<Vec<Listed>, PlatformError> {
    Ok(ask(objects, INSTANCE, Accounts { grace_ms }).await?)
}

// `installations.account` and `tenants.account` are store names (`Tenant`): logins for the
// stores made before accounts were keyed by id, `-<id>` after. `removed_at` is set when an
// installation is deleted. `tenants` remembers every store that has had events, so the operator
// still sees them after an installation is removed (until its grace period ends). `accounts`
// (added later; a registry of the earlier release gains it on first use, empty) maps an
// account id to its store and its login now. An installation recorded before it adopts its
// account on the account's next installation event: its store stays where it is.
const SCHEMA: [&str; 3] = [
    "CREATE TABLE IF NOT EXISTS installations \
     (id INTEGER PRIMARY KEY, account TEXT NOT NULL, removed_at INTEGER)",
    "CREATE TABLE IF NOT EXISTS tenants (account TEXT PRIMARY KEY, removed_at INTEGER)",
    "CREATE TABLE IF NOT EXISTS accounts \
     (id INTEGER PRIMARY KEY, login TEXT NOT NULL, store TEXT NOT NULL UNIQUE)",
];

fn account_of(sql: &dyn Sql, installation: u64) -> Result<Option<Tenant>, SqlError> {
    let rows = sql.exec(
        "SELECT account FROM installations WHERE id = ? AND removed_at IS NULL",
        &[SqlValue::Integer(installation as i64)],
    )?;
    Ok(rows
        .first()
        .and_then(|r| r[0].as_str())
        .and_then(|a| Tenant::parse(a).ok()))
}

#[async_trait::async_trait(?Send)]
impl ObjectClass for TenantRegistry {
    const BINDING: &'static str = BINDING;
    type Request = Request;

    fn serve(at: Instance<'_>, request: Request, _payload: &[u8]) -> Answer {
        let (sql, now_ms) = (at.sql, at.now_ms);
        // The tables, created once per instance (the instance's memory says they exist).
        let created = at.memory.once(crate::platform::Memory::TABLES, || {
            let refusals = super::refusals::schema();
            let mut all = SCHEMA
                .iter()
                .copied()
                .chain(std::iter::once(refusals.as_str()));
            all.try_for_each(|s| sql.exec(s, &[]).map(drop))
        });
        if let Err(e) = created {
            return Answer::failed(e);
        }
        match request {
            Request::Lookup(op) => Lookup::answer(account_of(sql, op.installation)),
            Request::Put(op) => Put::answer(put_account(sql, op.installation, &op.account)),
            Request::Remove(op) => {
                Remove::answer(remove_installation(sql, now_ms, op.installation))
            }
            Request::Accounts(op) => Accounts::answer(live_accounts(sql, now_ms, op.grace_ms)),
            Request::Forget(op) => Forget::answer(forget_store(sql, &op.tenant)),
            Request::CountRefusals(op) => {
                CountRefusals::answer(super::refusals::add(sql, now_ms, &op.hours))
            }
            Request::Refusals(Refusals {}) => Refusals::answer(super::refusals::read(sql, now_ms)),
            Request::Reach(op) => Reach::answer(
                op.installations
                    .iter()
                    .filter_map(|&i| account_of(sql, i).transpose().map(|t| t.map(|t| (i, t))))
                    .collect(),
            ),
        }
    }
}

fn first_text(sql: &dyn Sql, query: &str, param: i64) -> Result<Option<String>, SqlError> {
    let rows = sql.exec(query, &[SqlValue::Integer(param)])?;
    Ok(rows.first().and_then(|r| r[0].as_str()).map(str::to_owned))
}

/// The store of `account`: the one the registry gave it, else the one its `installation` was
/// recorded with before accounts had ids (unless another account holds it), else a new one
/// named by the id. Never one found by login.
fn store_of(sql: &dyn Sql, installation: u64, account: &Account) -> Result<Tenant, SqlError> {
    let id = account.id.0 as i64;
    let known = first_text(sql, "SELECT store FROM accounts WHERE id = ?", id)?;
    let recorded = || {
        first_text(
            sql,
            "SELECT account FROM installations WHERE id = ? AND NOT EXISTS \
             (SELECT 1 FROM accounts WHERE store = installations.account)",
            installation as i64,
        )
    };
    let name = match known {
        Some(name) => Some(name),
        None => recorded()?,
    };
    Ok(name
        .and_then(|n| Tenant::parse(&n).ok())
        .unwrap_or_else(|| Tenant::of_account(account.id)))
}

/// Records that `installation` belongs to `account` (following a rename); returns its store.
fn put_account(sql: &dyn Sql, installation: u64, account: &Account) -> Result<Tenant, SqlError> {
    let store = store_of(sql, installation, account)?;
    sql.exec(
        "INSERT INTO accounts (id, login, store) VALUES (?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET login = excluded.login",
        &[
            SqlValue::Integer(account.id.0 as i64),
            account.login.as_str().into(),
            store.as_str().into(),
        ],
    )?;
    let account = store;
    sql.exec(
        "INSERT INTO installations (id, account) VALUES (?, ?) \
         ON CONFLICT (id) DO UPDATE SET account = excluded.account, removed_at = NULL",
        &[
            SqlValue::Integer(installation as i64),
            account.as_str().into(),
        ],
    )?;
    sql.exec(
        "INSERT INTO tenants (account) VALUES (?) \
         ON CONFLICT (account) DO UPDATE SET removed_at = NULL",
        &[account.as_str().into()],
    )?;
    Ok(account)
}

/// Marks `installation` removed; returns the store of the account it belonged to (also when
/// it was removed before, so a redelivered removal lands where the first did).
fn remove_installation(
    sql: &dyn Sql,
    now_ms: u64,
    installation: u64,
) -> Result<Option<Tenant>, SqlError> {
    let account = first_text(
        sql,
        "SELECT account FROM installations WHERE id = ?",
        installation as i64,
    )?
    .and_then(|a| Tenant::parse(&a).ok());
    sql.exec(
        "UPDATE installations SET removed_at = ? WHERE id = ? AND removed_at IS NULL",
        &[
            SqlValue::Integer(now_ms as i64),
            SqlValue::Integer(installation as i64),
        ],
    )?;
    if let Some(a) = &account {
        sql.exec(
            "UPDATE tenants SET removed_at = ? WHERE account = ? AND NOT EXISTS \
             (SELECT 1 FROM installations WHERE account = ? AND removed_at IS NULL)",
            &[
                SqlValue::Integer(now_ms as i64),
                a.as_str().into(),
                a.as_str().into(),
            ],
        )?;
    }
    Ok(account)
}

fn forget_store(sql: &dyn Sql, tenant: &Tenant) -> Result<(), SqlError> {
    for (table, column) in [
        ("installations", "account"),
        ("tenants", "account"),
        ("accounts", "store"),
    ] {
        sql.exec(
            &format!("DELETE FROM {table} WHERE {column} = ?"),
            &[tenant.as_str().into()],
        )?;
    }
    Ok(())
}

/// Every account with an installation or removed less than `grace_ms` ago, in store order;
/// forgets the others.
fn live_accounts(sql: &dyn Sql, now_ms: u64, grace_ms: u64) -> Result<Vec<Listed>, SqlError> {
    let horizon = SqlValue::Integer(now_ms.saturating_sub(grace_ms) as i64);
    for table in ["installations", "tenants"] {
        sql.exec(
            &format!("DELETE FROM {table} WHERE removed_at <= ?"),
            std::slice::from_ref(&horizon),
        )?;
    }
    let rows = sql.exec(
        "SELECT t.account, a.id, a.login FROM tenants t \
         LEFT JOIN accounts a ON a.store = t.account ORDER BY t.account",
        &[],
    )?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let tenant = Tenant::parse(r[0].as_str()?).ok()?;
            let account = match (r[1].as_i64(), r[2].as_str()) {
                (Some(id), Some(login)) => Some(Account {
                    id: super::AccountId(id as u64),
                    login: login.to_owned(),
                }),
                _ => None,
            };
            Some(Listed { tenant, account })
        })
        .collect())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::objects::host::LocalObjects;
    use crate::platform::native::ManualClock;
    use crate::webhooks::AccountId;
    use pollster::block_on;

    const T0: u64 = 1_800_000_000_000;

    #[test]
    fn the_registry_creates_its_tables_once_per_instance_not_per_request() {
        let creates = |s: &[String]| s.iter().filter(|s| s.contains("CREATE")).count();
        let [first, second] =
            crate::objects::host::statements_twice(|| Accounts { grace_ms: 1000 }, T0);
        assert!(creates(&first) >= SCHEMA.len(), "{first:#?}");
        assert_eq!(creates(&second), 0, "{second:#?}");
        assert_eq!(second.len(), first.len() - creates(&first), "{second:#?}");
    }

    fn stores(objects: &LocalObjects<'_>) -> Vec<Tenant> {
        let listed = block_on(accounts(objects, 1000)).unwrap();
        listed.into_iter().map(|l| l.tenant).collect()
    }

    fn account(id: u64, login: &str) -> Account {
        Account {
            id: AccountId(id),
            login: login.into(),
        }
    }

    #[test]
    fn installations_map_to_accounts_until_removed() {
        let clock = ManualClock::new(T0);
        let objects = LocalObjects::new(&clock);
        assert_eq!(block_on(lookup(&objects, 1)).unwrap(), None);
        let octo = block_on(put(&objects, 1, &account(10, "Octo"))).unwrap();
        assert_eq!(block_on(lookup(&objects, 1)).unwrap(), Some(octo.clone()));
        let other = block_on(put(&objects, 2, &account(20, "other"))).unwrap();
        assert_eq!(stores(&objects).len(), 2, "both accounts are listed");
        assert_eq!(block_on(remove(&objects, 2)).unwrap(), Some(other.clone()));
        assert_eq!(block_on(lookup(&objects, 2)).unwrap(), None);
        assert_eq!(
            block_on(remove(&objects, 2)).unwrap(),
            Some(other.clone()),
            "a redelivered removal lands where the first did"
        );
        assert_eq!(
            block_on(remove(&objects, 3)).unwrap(),
            None,
            "never recorded"
        );
        assert!(
            stores(&objects).contains(&other),
            "listed while its events are kept"
        );
        clock.advance_ms(1000);
        assert_eq!(
            stores(&objects),
            std::slice::from_ref(&octo),
            "forgotten after the grace period"
        );
        let now = T0 + 1000;
        let cached = |i| block_on(lookup_cached(&objects, i, now)).unwrap();
        assert_eq!(cached(1), Some(octo.clone()));
        block_on(remove(&objects, 1)).unwrap();
        assert_eq!(cached(1), None, "a removal in this isolate is seen at once");
        assert_eq!(
            block_on(put(&objects, 1, &account(10, "Octo"))).unwrap(),
            octo,
            "installed again: the same store"
        );
    }

    #[test]
    fn accounts_are_keyed_by_id_follow_renames_and_a_freed_login_reaches_nothing_old() {
        let clock = ManualClock::new(T0);
        let objects = LocalObjects::new(&clock);
        // A registry as the release before this one left it: tables keyed by login, with data.
        let db = objects.database(BINDING, INSTANCE);
        for statement in [
            "CREATE TABLE installations (id INTEGER PRIMARY KEY, account TEXT NOT NULL, removed_at INTEGER)",
            "CREATE TABLE tenants (account TEXT PRIMARY KEY, removed_at INTEGER)",
            "INSERT INTO installations (id, account) VALUES (7, 'octo-org')",
            "INSERT INTO tenants (account) VALUES ('octo-org')",
        ] {
            db.exec(statement, &[]).unwrap();
        }
        let existing = Tenant::parse("octo-org").unwrap();
        assert_eq!(
            block_on(lookup(&objects, 7)).unwrap(),
            Some(existing.clone()),
            "an installation recorded before the upgrade still resolves"
        );
        assert_eq!(
            block_on(accounts(&objects, 1000)).unwrap(),
            [Listed {
                tenant: existing.clone(),
                account: None
            }],
            "listed, its account not yet known by id"
        );
        // `installation_target` renamed: the account (id 1001) is now `octo-renamed`.
        let renamed = account(1001, "octo-renamed");
        assert_eq!(
            block_on(put(&objects, 7, &renamed)).unwrap(),
            existing,
            "the account keeps the store that holds its events"
        );
        assert_eq!(
            block_on(lookup(&objects, 7)).unwrap(),
            Some(existing.clone())
        );
        // Someone else takes the freed login and installs the App.
        let claimer = block_on(put(&objects, 8, &account(6666, "octo-org"))).unwrap();
        assert_ne!(claimer, existing, "a login never leads to another's store");
        assert_eq!(claimer, Tenant::of_account(AccountId(6666)));
        // The renamed account installs again (a new installation id): its store still.
        assert_eq!(block_on(put(&objects, 9, &renamed)).unwrap(), existing);
        assert_eq!(
            block_on(reach(&objects, &[7, 8, 404])).unwrap(),
            [(7, existing.clone()), (8, claimer.clone())],
            "members reach stores through their installations, never by login"
        );
        let listed = block_on(accounts(&objects, 1000)).unwrap();
        let logins: Vec<_> = listed
            .iter()
            .map(|l| (l.tenant.clone(), l.account.clone().map(|a| a.login)))
            .collect();
        assert_eq!(
            logins,
            [
                (claimer, Some("octo-org".to_owned())),
                (existing, Some("octo-renamed".to_owned()))
            ],
            "each store with its account's login now"
        );
        // The migration ran once and twice changes nothing.
        objects.evict(BINDING, INSTANCE);
        assert_eq!(
            block_on(put(&objects, 8, &account(6666, "octo-org"))).unwrap(),
            Tenant::of_account(AccountId(6666))
        );
    }
}
