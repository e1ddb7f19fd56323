//! Unit tests of manifest validation: every kind of mistake, with its line.

use super::*;

/// The errors of a manifest that is valid TOML, as `line: message`.
fn errors(source: &str) -> Vec<String> {
    let (_, errors) = parse(source).expect("valid TOML");
    errors
        .into_iter()
        .map(|e| format!("{}: {}", e.line, e.message))
        .collect()
}

/// The one error of `source`, which must have exactly one.
fn error(source: &str) -> String {
    let errors = errors(source);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().unwrap()
}

const SCOPES: &str =
    "[scopes]\n\"dovecote:read\" = { description = \"See who you are\", grant = \"members\" }\n";

#[test]
fn a_valid_manifest_in_file_order() {
    let source = r#"# Scopes a client can ask for.
[scopes]
"z:write" = { description = "Change things", grant = "operators" }
"a:read" = { description = "See things", grant = "members" }

[tools.whoami]
scope = "a:read"
rate = "60/minute"

[tools.calculate]
enabled = false
scope = "z:write"
rate = "1000000/day"
title = "Calculator"
description = """Does sums.
Several lines are fine here."""

[tools]
inline = { scope = "a:read", rate = "1/second" }
"#;
    let (manifest, errors) = parse(source).unwrap();
    assert_eq!(errors, []);
    let scopes: Vec<_> = manifest
        .scopes
        .iter()
        .map(|s| (s.name.as_str(), s.description.as_str(), s.grant))
        .collect();
    assert_eq!(
        scopes,
        [
            ("z:write", "Change things", Grant::Operators),
            ("a:read", "See things", Grant::Members)
        ]
    );
    assert_eq!(
        manifest.tools,
        [
            Tool {
                name: "whoami".into(),
                line: 6,
                policy: Some(Policy {
                    enabled: true,
                    scope: "a:read".into(),
                    rate: Rate {
                        count: 60,
                        period: Period::Minute
                    },
                    title: None,
                    description: None,
                    declared: None,
                }),
                kind: None,
                upstream_override: None,
            },
            Tool {
                name: "calculate".into(),
                line: 10,
                policy: Some(Policy {
                    enabled: false,
                    scope: "z:write".into(),
                    rate: Rate {
                        count: 1_000_000,
                        period: Period::Day
                    },
                    title: Some("Calculator".into()),
                    description: Some("Does sums.\nSeveral lines are fine here.".into()),
                    declared: None,
                }),
                kind: None,
                upstream_override: None,
            },
            Tool {
                name: "inline".into(),
                line: 19,
                policy: Some(Policy {
                    enabled: true,
                    scope: "a:read".into(),
                    rate: Rate {
                        count: 1,
                        period: Period::Second
                    },
                    title: None,
                    description: None,
                    declared: None,
                }),
                kind: None,
                upstream_override: None,
            },
        ]
    );
}

#[test]
fn an_empty_manifest_is_valid() {
    assert_eq!(parse("").unwrap(), (Manifest::default(), Vec::new()));
}

#[test]
fn syntax_errors_have_a_line() {
    let e = parse("[scopes]\n\"a\" = {}\n[tools.x]\nscope = \"a\nrate = 1\n").unwrap_err();
    assert_eq!(e.line, 4);
    assert!(
        e.message.ends_with(" — fix the TOML syntax"),
        "{}",
        e.message
    );
    assert!(e.message.contains("string"), "{}", e.message);
    let dup = parse("[scopes]\n\"a\" = {}\n\"a\" = {}\n").unwrap_err();
    assert_eq!(
        (dup.line, dup.message.as_str()),
        (3, "duplicate key — fix the TOML syntax")
    );
}

#[test]
fn unknown_top_level_keys() {
    let errs = errors("name = \"x\"\n[scopes]\n[tool.x]\nscope = \"a\"\n");
    assert_eq!(
        errs,
        [
            "1: unknown key `name` — a manifest has only [scopes], [tools.<fn name>], [resources.<family>], [prompts.<name>], [upstreams.<name>] and [routes.<name>] tables",
            "3: unknown key `tool` — a manifest has only [scopes], [tools.<fn name>], [resources.<family>], [prompts.<name>], [upstreams.<name>] and [routes.<name>] tables",
        ]
    );
}

/// `[scopes]` with one scope `name` whose table body is `body`.
fn scope(name: &str, body: &str) -> String {
    format!("[scopes.\"{name}\"]\n{body}")
}

const GRANT: &str = "grant = \"members\"\n";

#[test]
fn scope_mistakes() {
    assert_eq!(
        error("scopes = \"a\"\n"),
        "1: `scopes` is a string, not a table — write one [scopes.\"<name>\"] table per scope, with `description` and `grant`"
    );
    assert_eq!(
        error(&scope("Dovecote:Read", &format!("description = \"x\"\n{GRANT}"))),
        "1: scope name `Dovecote:Read` is not valid — use 1 to 64 characters of a-z, 0-9, `:`, `.`, `_` and `-`, e.g. `dovecote:read`"
    );
    assert!(error(&scope(
        &"a".repeat(65),
        &format!("description = \"x\"\n{GRANT}")
    ))
    .starts_with("1: scope name `aaaa"));
    assert!(error(&scope("", &format!("description = \"x\"\n{GRANT}")))
        .starts_with("1: scope name `` is not valid"));
    assert!(error(&scope(
        "offline_access",
        &format!("description = \"x\"\n{GRANT}")
    ))
    .starts_with("1: scope `offline_access` is reserved"));
    assert!(errors(&scope(
        &"a".repeat(64),
        &format!("description = \"x\"\n{GRANT}")
    ))
    .is_empty());
    assert_eq!(
        error("[scopes]\n\"a:b\" = \"Read things\"\n"),
        "2: scope `a:b` is a string, not a table — write [scopes.\"a:b\"] with `description = \"What it lets a client do\"` and `grant = \"members\"` or `grant = \"operators\"`"
    );
    assert_eq!(
        error(&scope("a:b", &format!("description = 5\n{GRANT}"))),
        "2: `description` of scope `a:b` is an integer, not a string — write `description = \"What it lets a client do\"`"
    );
    assert_eq!(
        error(&scope("a:b", &format!("description = \"  \"\n{GRANT}"))),
        "2: the description of scope `a:b` is empty — write what a reader needs to know, or leave the key out"
    );
    assert_eq!(
        error(&scope(
            "a:b",
            &format!("description = \"\"\"one\ntwo\"\"\"\n{GRANT}")
        )),
        "2: the description of scope `a:b` spans several lines — write it on one line"
    );
    assert_eq!(
        error(&scope(
            "a:b",
            &format!("description = \"{}\"\n{GRANT}", "é".repeat(201))
        )),
        "2: the description of scope `a:b` is 201 characters long — shorten it to 200 at most"
    );
    assert!(errors(&scope(
        "a:b",
        &format!("description = \"{}\"\n{GRANT}", "é".repeat(200))
    ))
    .is_empty());
    assert_eq!(
        error(&scope("a:b", "grant = \"members\"\n")),
        "1: scope `a:b` has no `description` — add `description = \"What it lets a client do\"` (the consent page shows it)"
    );
    assert_eq!(
        error(&scope(
            "a:b",
            &format!("description = \"x\"\n{GRANT}colour = \"red\"\n")
        )),
        "4: scope `a:b` has an unknown key `colour` — the keys are description and grant"
    );
}

#[test]
fn every_scope_says_who_may_hold_it() {
    let holders = |body: &str| {
        let (manifest, errors) = parse(&scope("a:b", body)).unwrap();
        assert_eq!(errors, [], "{body}");
        manifest.scopes[0].grant
    };
    assert_eq!(
        holders("description = \"x\"\ngrant = \"members\"\n"),
        Grant::Members
    );
    assert_eq!(
        holders("description = \"x\"\ngrant = \"operators\"\n"),
        Grant::Operators
    );
    assert_eq!(
        error(&scope("a:b", "description = \"x\"\n")),
        "1: scope `a:b` has no `grant` — add `grant = \"members\"` (anyone allowed to sign in may hold it) or `grant = \"operators\"` (only operators may)"
    );
    assert_eq!(
        error(&scope("a:b", "description = \"x\"\ngrant = \"admins\"\n")),
        "3: the grant `admins` of scope `a:b` is not valid — write `grant = \"members\"` or `grant = \"operators\"`"
    );
    assert_eq!(
        error(&scope("a:b", "description = \"x\"\ngrant = true\n")),
        "3: `grant` of scope `a:b` is a boolean, not a string — write `grant = \"members\"` or `grant = \"operators\"`"
    );
}

#[test]
fn tool_table_mistakes() {
    assert_eq!(
        error("tools = [1]\n"),
        "1: `tools` is an array, not a table — write one [tools.<fn name>] table per tool"
    );
    assert_eq!(
        error("[tools]\nx = \"60/minute\"\n"),
        "2: `tools.x` is a string, not a table — write a [tools.x] table with `scope` and `rate`"
    );
    assert_eq!(
        error(&format!("{SCOPES}\n[tools.x]\nscope = \"dovecote:read\"\nrate = \"1/day\"\nrat = \"1/day\"\n")),
        "7: tool `x` has an unknown key `rat` — the keys are enabled, scope, rate, title and description (and `kind`, for a tool declared here without Rust)"
    );
}

#[test]
fn missing_keys_point_at_the_tool() {
    let errs = errors(&format!("{SCOPES}\n[tools.x]\nenabled = true\n"));
    assert_eq!(
        errs,
        [
            "4: tool `x` has no `scope` — add `scope = \"…\"`, one of: dovecote:read",
            "4: tool `x` has no `rate` — add `rate = \"60/minute\"` (calls per caller per second, minute, hour or day)",
        ]
    );
    let (manifest, _) = parse(&format!("{SCOPES}\n[tools.x]\n")).unwrap();
    assert_eq!(
        manifest.tools,
        [Tool {
            name: "x".into(),
            line: 4,
            policy: None,
            kind: None,
            upstream_override: None,
        }],
        "kept, without a policy"
    );
}

#[test]
fn wrong_types() {
    let errs = errors(&format!(
        "{SCOPES}[tools.x]\nenabled = \"yes\"\nscope = 5\nrate = 60\ntitle = true\ndescription = []\n"
    ));
    assert_eq!(
        errs,
        [
            "4: `enabled` of tool `x` is a string, not a boolean — write `enabled = true`",
            "5: `scope` of tool `x` is an integer, not a string — write `scope = \"dovecote:read\"`",
            "6: `rate` of tool `x` is an integer, not a string — write `rate = \"60/minute\"`",
            "7: `title` of tool `x` is a boolean, not a string — write `title = \"Calculator\"`",
            "8: `description` of tool `x` is an array, not a string — write `description = \"What it does, and when to use it.\"`",
        ]
    );
}

#[test]
fn undeclared_scopes() {
    let source = format!("{SCOPES}\n[tools.calculate]\nscope = \"kb:read\"\nrate = \"1/day\"\n");
    assert_eq!(
        error(&source),
        "5: tool `calculate` names scope `kb:read`, which is not declared — add it under [scopes] or use one of: dovecote:read"
    );
    assert_eq!(
        error("[tools.calculate]\nscope = \"kb:read\"\nrate = \"1/day\"\n"),
        "2: tool `calculate` names scope `kb:read`, which is not declared — add it under [scopes]"
    );
}

#[test]
fn rates() {
    for (rate, count, period) in [
        ("1/second", 1, Period::Second),
        ("60/minute", 60, Period::Minute),
        ("24/hour", 24, Period::Hour),
        ("1000000/day", 1_000_000, Period::Day),
        ("1000/second", 1000, Period::Second),
        ("60000/minute", 60_000, Period::Minute),
        (" 5 / minute ", 5, Period::Minute),
    ] {
        assert_eq!(parse_rate(rate), Some(Rate { count, period }), "{rate}");
    }
    for rate in [
        "60",
        "0/minute",
        "1000001/day",
        "1001/second",
        "60001/minute",
        "60/min",
        "60/minutes",
        "-1/second",
        "+1/second",
        "1.5/hour",
        "/minute",
        "60/",
        "",
        "99999999999/day",
        "1/second/2",
    ] {
        assert_eq!(parse_rate(rate), None, "{rate}");
    }
    assert_eq!(
        error(&format!("{SCOPES}[tools.x]\nscope = \"dovecote:read\"\nrate = \"60/min\"\n")),
        "5: the rate `60/min` of tool `x` is not valid — write `<count>/<period>` with a count from 1 to 1000000 and a period of second, minute, hour or day, e.g. `60/minute`; at most 1000/second"
    );
}

#[test]
fn overrides_must_say_something() {
    let errs = errors(&format!(
        "{SCOPES}[tools.x]\nscope = \"dovecote:read\"\nrate = \"1/day\"\ntitle = \"\"\ndescription = \" \"\n"
    ));
    assert_eq!(
        errs,
        [
            "6: the title of tool `x` is empty — write what a reader needs to know, or leave the key out",
            "7: the description of tool `x` is empty — write what a reader needs to know, or leave the key out",
        ]
    );
    assert_eq!(
        error(&format!(
            "{SCOPES}[tools.x]\nscope = \"dovecote:read\"\nrate = \"1/day\"\ntitle = \"a\\nb\"\n"
        )),
        "6: the title of tool `x` spans several lines — write it on one line"
    );
}

#[test]
fn every_mistake_at_once_with_its_line() {
    let source = r#"[scopes]
"ok:read" = { description = "Fine", grant = "members" }
"BAD" = { description = "Fine", grant = "members" }

[tools.a]
scope = "nope"
rate = "fast"

[tools.b]
scope = "ok:read"
rate = "1/day"
colour = "red"

[extra]
"#;
    let (manifest, errs) = parse(source).unwrap();
    let lines: Vec<usize> = errs.iter().map(|e| e.line).collect();
    assert_eq!(lines, [3, 6, 7, 12, 14], "{errs:#?}");
    assert!(manifest.tools.iter().all(|t| t.policy.is_none()));
    assert_eq!(
        manifest
            .tools
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
}

#[test]
fn resource_families_have_a_declared_scope_a_rate_and_known_keys() {
    let source = format!(
        "{SCOPES}\n[resources.github_event]\nscope = \"dovecote:read\"\nrate = \"60/minute\"\n\n[resources.docs]\nenabled = false\nscope = \"dovecote:read\"\nrate = \"1/second\"\n"
    );
    let (manifest, errs) = parse(&source).unwrap();
    assert_eq!(errs, []);
    let families: Vec<_> = manifest
        .resources
        .iter()
        .map(|r| (r.name.as_str(), r.line, r.policy.as_ref().unwrap().enabled))
        .collect();
    assert_eq!(families, [("github_event", 4, true), ("docs", 8, false)]);

    let wrong = format!(
        "{SCOPES}\n[resources.github_event]\nscope = \"kb:read\"\nrate = \"0/minute\"\ntitle = \"x\"\n\n[resources.bare]\n"
    );
    assert_eq!(
        errors(&wrong),
        [
            "5: resource family `github_event` names scope `kb:read`, which is not declared — add it under [scopes] or use one of: dovecote:read",
            "6: the rate `0/minute` of resource family `github_event` is not valid — write `<count>/<period>` with a count from 1 to 1000000 and a period of second, minute, hour or day, e.g. `60/minute`; at most 1000/second",
            "7: resource family `github_event` has an unknown key `title` — the keys are enabled, scope and rate",
            "9: resource family `bare` has no `scope` — add `scope = \"…\"`, one of: dovecote:read",
            "9: resource family `bare` has no `rate` — add `rate = \"60/minute\"` (reads per caller per second, minute, hour or day)",
        ]
    );
}

#[test]
fn prompts_are_declared_whole_and_every_mistake_has_its_line() {
    let source = format!(
        r#"{SCOPES}
[prompts.triage]
title = "Triage"
description = "Triage events."
scope = "dovecote:read"
rate = "30/minute"
arguments.account = {{ description = "The account", required = true }}
arguments.note = {{ }}

[[prompts.triage.messages]]
role = "user"
resource = "github://accounts/{{account}}/pending"

[[prompts.triage.messages]]
role = "assistant"
text = "Looking at {{account}} ({{note}}), {{ not a placeholder }}."

[[prompts.triage.messages]]
role = "user"
image = "iVBO"
mime_type = "image/png"
"#
    );
    let (manifest, errs) = parse(&source).unwrap();
    assert_eq!(errs, []);
    let decl = manifest.prompts[0].decl.as_ref().unwrap();
    assert_eq!(
        decl.arguments
            .iter()
            .map(|a| (a.name.as_str(), a.required))
            .collect::<Vec<_>>(),
        [("account", true), ("note", false)]
    );
    assert_eq!(
        decl.messages.iter().map(|m| m.role).collect::<Vec<_>>(),
        [Role::User, Role::Assistant, Role::User]
    );
    assert_eq!(
        decl.messages[0].body,
        Body::Resource("github://accounts/{account}/pending".into())
    );

    let wrong = format!(
        r#"{SCOPES}
[prompts."bad name"]
scope = "kb:read"
rate = "often"
colour = "red"
arguments.account = {{ required = "yes" }}

[[prompts."bad name".messages]]
role = "narrator"
text = "About {{acount}}."

[[prompts."bad name".messages]]
role = "user"
text = "a"
image = "b"
"#
    );
    assert_eq!(
        errors(&wrong),
        [
            "4: prompt name `bad name` is not valid — use 1 to 128 characters of A-Z, a-z, 0-9, `_`, `.` and `-`",
            "4: prompt `bad name` has no `description` — add `description = \"What it is for\"` (clients show it)",
            "5: prompt `bad name` names scope `kb:read`, which is not declared — add it under [scopes] or use one of: dovecote:read",
            "6: the rate `often` of prompt `bad name` is not valid — write `<count>/<period>` with a count from 1 to 1000000 and a period of second, minute, hour or day, e.g. `60/minute`; at most 1000/second",
            "7: prompt `bad name` has an unknown key `colour` — the keys are title, description, scope, rate, arguments and messages",
            "8: argument `account` of prompt `bad name` has a wrong or unknown key `required` — the keys are description (a string) and required (a boolean)",
            "11: the role `narrator` of a message of prompt `bad name` is not valid — write `role = \"user\"` or `role = \"assistant\"`",
            "14: a message of prompt `bad name` mixes or lacks its contents — a message holds `text`, or `resource` (a URI template, read when the prompt is got), or `resource` with `text` (that text embedded under the URI), or `image` (base64) with `mime_type`",
        ]
    );
    let unknown_arg = format!(
        "{SCOPES}\n[prompts.p]\ndescription = \"d\"\nscope = \"dovecote:read\"\nrate = \"1/second\"\n\n[[prompts.p.messages]]\nrole = \"user\"\ntext = \"{{who}}\"\n"
    );
    assert_eq!(
        error(&unknown_arg),
        "9: prompt `p` uses `{who}`, which is not one of its arguments — declare it as [prompts.p.arguments.who]"
    );
}
