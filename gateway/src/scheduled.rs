//! The jobs the Cron Triggers run (`[triggers] crons` in `wrangler.toml`): each job names its
//! schedule, and a trigger runs the jobs whose schedule it fired for. To add one: a variant,
//! its `name`, `cron` and `run` arms, and its schedule in `wrangler.toml` if it is new.

use serde::Serialize;

use crate::platform::{Platform, PlatformError};

/// Daily at 03:17 UTC (off the hour, when Cron Triggers are busiest).
pub const DAILY: &str = "17 3 * * *";
/// Every six hours, at 17 past.
pub const SIX_HOURLY: &str = "17 */6 * * *";

/// Most grants one run visits (each is a Durable Object call; Workers cap the calls one
/// invocation makes). The next run goes on after the last one visited.
pub const MAX_GRANTS_PER_RUN: usize = 500;

/// A scheduled job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Expired tokens and codes, and dead grants (revoked, or nothing usable left), which no
    /// TTL removes because they live in each grant's Durable Object.
    PurgeGrants,
    /// Audit entries past the 90-day retention, which appends remove only when there are some.
    PurgeAudit,
    /// GitHub's webhook address ranges, from its meta API, for the delivery allowlist.
    RefreshGitHubRanges,
    /// Each upstream MCP server's tool list compared with `upstreams.lock.toml`, for `/health`.
    CheckUpstreams,
}

/// What one job did, as logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Always `scheduled`.
    pub event: &'static str,
    /// The job.
    pub job: &'static str,
    /// Records removed.
    pub removed: u64,
    /// Why it stopped early, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Job {
    /// Every job.
    pub const ALL: [Job; 4] = [
        Job::PurgeGrants,
        Job::PurgeAudit,
        Job::RefreshGitHubRanges,
        Job::CheckUpstreams,
    ];

    /// The job's name in the log.
    pub fn name(self) -> &'static str {
        match self {
            Job::PurgeGrants => "purge_grants",
            Job::PurgeAudit => "purge_audit",
            Job::RefreshGitHubRanges => "refresh_github_ranges",
            Job::CheckUpstreams => "check_upstreams",
        }
    }

    /// The cron expression it runs on.
    pub fn cron(self) -> &'static str {
        match self {
            Job::PurgeGrants | Job::PurgeAudit => DAILY,
            Job::RefreshGitHubRanges | Job::CheckUpstreams => SIX_HOURLY,
        }
    }

    /// Runs the job; a failure part-way still reports what was removed.
    pub async fn run(self, platform: &Platform<'_>) -> Outcome {
        let mut removed = 0;
        let result = match self {
            Job::PurgeGrants => purge_grants(platform, MAX_GRANTS_PER_RUN, &mut removed).await,
            Job::PurgeAudit => crate::audit::purge(platform.objects)
                .await
                .map(|n| removed = n),
            // `removed` counts nothing here; a failure keeps the ranges from before.
            Job::RefreshGitHubRanges => crate::webhooks::allowlist::refresh(platform)
                .await
                .map(drop)
                .map_err(PlatformError),
            // `removed` counts the upstreams that drifted.
            Job::CheckUpstreams => crate::upstreams::drift::check(platform)
                .await
                .map(|n| removed = n),
        };
        Outcome {
            event: "scheduled",
            job: self.name(),
            removed,
            error: result.err().map(|e| e.0),
        }
    }
}

/// Where the last grant purge stopped (a grant id), when it had more to visit.
const PURGE_CURSOR_KEY: &str = "purge:grants:after";

/// Visits up to `MAX_GRANTS_PER_RUN` grants after where the last run stopped, so that every
/// grant is reached over successive runs however many there are.
async fn purge_grants(
    platform: &Platform<'_>,
    per_run: usize,
    removed: &mut u64,
) -> Result<(), PlatformError> {
    let kv = platform.kv;
    let after = kv
        .get(PURGE_CURSOR_KEY)
        .await?
        .and_then(|v| String::from_utf8(v).ok());
    let ids = crate::oauth::store::grant_ids_after(kv, after.as_deref(), per_run).await?;
    for grant_id in &ids {
        let purged = crate::grants::purge(platform.objects, grant_id).await?;
        *removed += purged.rows;
        if purged.dead {
            crate::oauth::store::delete_grant(kv, grant_id).await?;
        }
    }
    match ids.last() {
        Some(last) if ids.len() == per_run => kv.put(PURGE_CURSOR_KEY, last.as_bytes(), None).await,
        // Reached the end: the next run starts over.
        _ => kv.delete(PURGE_CURSOR_KEY).await,
    }
}

/// Runs every job scheduled on `cron`, one after another, and returns what each did.
pub async fn run(cron: &str, platform: &Platform<'_>) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    for job in Job::ALL.into_iter().filter(|j| j.cron() == cron) {
        outcomes.push(job.run(platform).await);
    }
    outcomes
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::grants::Grant;
    use crate::oauth::store::{self, GrantSummary};
    use crate::objects::host::TestHost;
    use crate::platform::native::ManualClock;

    const MINUTE: u64 = 60_000;

    fn new_grant(platform: &Platform<'_>, id: &str, now: u64, code_life_ms: u64) {
        let grant = Grant {
            id: id.into(),
            client_id: "client-a".into(),
            subject: "owner".into(),
            scopes: "dovecote:read".into(),
            resource: "https://gw.example/mcp".into(),
            sealed: "sealed".into(),
            created_ms: now,
            last_used_ms: now,
        };
        let code = format!("code-{id}");
        pollster::block_on(crate::grants::create(
            platform.objects,
            grant,
            code,
            "https://app.example/cb".into(),
            "challenge".into(),
            now + code_life_ms,
        ))
        .unwrap();
        let summary = GrantSummary {
            grant_id: id.into(),
            client_id: "client-a".into(),
            subject: "owner".into(),
            scopes: "dovecote:read".into(),
            created_ms: now,
            last_used_ms: now,
        };
        pollster::block_on(store::put_grant(platform.kv, &summary, 3600)).unwrap();
    }

    #[test]
    fn the_daily_run_clears_dead_grants_and_old_audit_entries() {
        let clock = ManualClock::new(1_800_000_000_000);
        let host = TestHost::new(&clock);
        let platform = host.platform();
        let (kv, objects) = (&host.kv, &host.objects);
        let now = 1_800_000_000_000;
        new_grant(&platform, "abandoned", now, 5 * MINUTE);
        new_grant(&platform, "pending", now, 60 * MINUTE);
        pollster::block_on(crate::audit::record(
            objects,
            crate::audit::Entry::new("signin", "owner", "success"),
        ));
        clock.advance_ms(10 * MINUTE);

        let outcomes = pollster::block_on(run(DAILY, &platform));
        let jobs: Vec<(&str, u64)> = outcomes.iter().map(|o| (o.job, o.removed)).collect();
        assert_eq!(jobs, [("purge_grants", 2), ("purge_audit", 0)]);
        assert!(outcomes.iter().all(|o| o.error.is_none()));
        let left = pollster::block_on(store::grant_ids(kv, 10)).unwrap();
        assert_eq!(left, ["pending"], "the dead grant left the index");

        clock.advance_ms(crate::audit::RETENTION_MS);
        let outcomes = pollster::block_on(run(DAILY, &platform));
        assert_eq!(outcomes[1].removed, 1, "the 90-day-old entry");
        assert!(pollster::block_on(run("0 * * * *", &platform)).is_empty());
        let six_hourly = pollster::block_on(run(SIX_HOURLY, &platform));
        assert_eq!(six_hourly.len(), 2);
        assert_eq!(six_hourly[0].job, "refresh_github_ranges");
        assert_eq!(six_hourly[1].job, "check_upstreams");
        assert!(
            six_hourly[1].error.is_none(),
            "no upstreams, nothing to check"
        );
        assert!(
            six_hourly[0].error.is_some(),
            "GitHub unreachable is reported, not hidden"
        );
    }

    #[test]
    fn a_purge_goes_on_where_the_last_run_stopped() {
        let clock = ManualClock::new(1_800_000_000_000);
        let host = TestHost::new(&clock);
        let platform = host.platform();
        let kv = &host.kv;
        let now = 1_800_000_000_000;
        // g1 and g2 stay alive (their codes are still good); g3–g5 die.
        for id in ["g1", "g2"] {
            new_grant(&platform, id, now, 60 * MINUTE);
        }
        for id in ["g3", "g4", "g5"] {
            new_grant(&platform, id, now, MINUTE);
        }
        clock.advance_ms(10 * MINUTE);
        let run = || {
            let mut removed = 0;
            pollster::block_on(purge_grants(&platform, 2, &mut removed)).unwrap();
            pollster::block_on(store::grant_ids(kv, 10)).unwrap()
        };
        // Without the cursor every run would visit g1 and g2 again and never reach the rest.
        assert_eq!(run(), ["g1", "g2", "g3", "g4", "g5"]);
        assert_eq!(run(), ["g1", "g2", "g5"], "the second run went on after g2");
        assert_eq!(run(), ["g1", "g2"]);
        let cursor = pollster::block_on(crate::platform::Kv::get(kv, PURGE_CURSOR_KEY)).unwrap();
        assert_eq!(cursor, None, "the end reached, the next run starts over");
    }
}
