//! What a deployment needs agrees across the files that declare it: wrangler.toml (both
//! environments), the scheduled jobs, the health report's lists and `.dev.vars.example`. A
//! mismatch here otherwise shows only once deployed.

use std::collections::BTreeSet;
use std::path::Path;

use dovecote_gateway::{health, scheduled};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

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

/// `(name, tag)` for each entry of `.dev.vars.example`, the tag being what its `[…]` says:
/// `var`, `secret`, `secret, required` or `secret, sign-in`.
fn example_entries() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join(".dev.vars.example")).unwrap();
    let mut kind = None;
    let mut out = Vec::new();
    for line in text.lines() {
        let bare = line.trim_start_matches('#').trim();
        if let Some(tag) = bare
            .strip_prefix('[')
            .and_then(|rest| rest.split(']').next())
            .filter(|t| t.starts_with("secret") || t.starts_with("var"))
        {
            kind = Some(tag.to_owned());
            continue;
        }
        let Some((name, _)) = bare.split_once('=') else {
            continue;
        };
        if !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            let kind = kind.take().unwrap_or_else(|| {
                panic!("{name} in .dev.vars.example has no [secret] or [var] line above it")
            });
            out.push((name.to_owned(), kind));
        }
    }
    out
}

/// Upper-case names in string literals of the gateway's non-test code: what it reads from
/// its env (and its binding names).
fn names_in_source() -> BTreeSet<String> {
    fn walk(dir: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                let code = code.split("#[cfg(all(test").next().unwrap_or_default();
                for piece in code.split('"').skip(1).step_by(2) {
                    let upper = piece.len() > 3
                        && piece.contains('_')
                        && piece.starts_with(|c: char| c.is_ascii_uppercase())
                        && piece
                            .bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
                    if upper {
                        out.insert(piece.to_owned());
                    }
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&root().join("gateway/src"), &mut out);
    out
}

#[test]
fn dev_vars_example_lists_every_variable_the_gateway_reads() {
    let listed: BTreeSet<String> = example_entries().into_iter().map(|(n, _)| n).collect();
    // Build-time names, not variables of the Worker.
    let not_variables = ["CARGO_PKG_VERSION", "DOVECOTE_BUILD"];
    let missing: Vec<String> = names_in_source()
        .into_iter()
        .filter(|n| !not_variables.contains(&n.as_str()))
        .filter(|n| !health::bindings().any(|b| b == n))
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
