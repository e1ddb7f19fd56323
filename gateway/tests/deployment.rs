//! What a deployment needs agrees across the files that declare it: wrangler.toml (both
//! environments), the scheduled jobs, the health report's lists and `.dev.vars.example`. A
//! mismatch here otherwise shows only once deployed.

use std::collections::BTreeSet;

use dovecote_gateway::{health, scheduled};

#[path = "support/dev_vars.rs"]
mod dev_vars;

use dev_vars::{example_entries, root, variables_in_source};

fn wrangler() -> toml::Table {
    let text = std::fs::read_to_string(root().join("wrangler.toml")).unwrap();
    text.parse().expect("wrangler.toml parses")
}

fn names(section: &toml::Value, list: &str, key: &str) -> BTreeSet<String> {
    section
        .get(list)
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|b| b.get(key).and_then(|n| n.as_str()).map(str::to_owned))
        .collect()
}

/// The bindings of the top level or of `[env.<name>]`.
fn bindings(config: &toml::Table, env: Option<&str>) -> BTreeSet<String> {
    let section = match env {
        None => toml::Value::Table(config.clone()),
        Some(name) => config["env"][name].clone(),
    };
    let objects = section
        .get("durable_objects")
        .map(|d| names(d, "bindings", "name"))
        .unwrap_or_default();
    let kv = names(&section, "kv_namespaces", "binding");
    objects.union(&kv).cloned().collect()
}

#[test]
fn staging_binds_everything_production_binds_and_has_its_own_name_and_kv() {
    let config = wrangler();
    let expected: BTreeSet<String> = health::bindings().map(str::to_owned).collect();
    assert_eq!(bindings(&config, None), expected, "top-level bindings");
    assert_eq!(
        bindings(&config, Some("staging")),
        expected,
        "[env.staging] must repeat every binding: wrangler does not inherit them"
    );
    let staging = &config["env"]["staging"];
    assert_ne!(staging["name"].as_str(), config["name"].as_str());
    let kv_id = |t: &toml::Value| t["kv_namespaces"][0]["id"].as_str().map(str::to_owned);
    assert_ne!(
        kv_id(staging),
        kv_id(&toml::Value::Table(config.clone())),
        "staging needs its own KV namespace"
    );
    // Migrations are inherited; an environment's own list would diverge from production's.
    assert!(staging.get("migrations").is_none());
}

#[test]
fn every_scheduled_job_has_its_cron_trigger() {
    let config = wrangler();
    let crons: Vec<&str> = config["triggers"]["crons"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    for job in scheduled::Job::ALL {
        assert!(
            crons.contains(&job.cron()),
            "job {} runs on `{}`, which wrangler.toml [triggers] crons lacks",
            job.name(),
            job.cron()
        );
    }
}

#[test]
fn dev_vars_example_lists_every_variable_the_gateway_reads() {
    let listed: BTreeSet<String> = example_entries().into_iter().map(|(n, _)| n).collect();
    let missing: Vec<String> = variables_in_source()
        .into_iter()
        .filter(|n| !listed.contains(n))
        .collect();
    assert!(
        missing.is_empty(),
        "the gateway reads {missing:?}, which .dev.vars.example does not list — add each with a \
         `# [var] …` or `# [secret] …` line saying what it does"
    );
}

#[test]
fn the_secrets_make_secrets_offers_are_the_ones_health_reports() {
    let in_example: BTreeSet<(String, String)> = example_entries()
        .into_iter()
        .filter(|(_, tag)| tag.starts_with("secret"))
        .collect();
    let in_health: BTreeSet<(String, String)> = health::SECRETS
        .iter()
        .map(|(name, need)| {
            let tag = match need {
                health::Need::Required => "secret, required",
                health::Need::SignIn => "secret, sign-in",
                health::Need::Optional => "secret",
            };
            ((*name).to_owned(), tag.to_owned())
        })
        .collect();
    assert_eq!(
        in_example, in_health,
        ".dev.vars.example and health::SECRETS must name the same secrets with the same need"
    );
}
