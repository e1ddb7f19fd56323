//! What the gateway reads from a delivery's JSON: the installation it belongs to and the
//! fields of its summary. Parsed once, into small typed structs — serde skips everything else
//! without building it, so a 25 MB payload costs little beyond its bytes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Account, AccountId};

/// Longest text kept in a summary field (titles are cut, with `…`).
pub const MAX_SUMMARY_TEXT_CHARS: usize = 300;

/// The summary of an event's payload: enough to decide whether to fetch it. Every field is
/// absent when the payload has nothing for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// The payload's `action`, e.g. `opened`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `owner/repo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Who caused the event (GitHub login).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// The issue, pull request or discussion number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u64>,
    /// The issue, pull request, release, run or commit title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Where to see it on GitHub.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The branch a run, check or pull request is on, or a push went to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_branch: Option<String>,
    /// The commit a run, check or pull request is for, or a push moved to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_sha: Option<String>,
    /// How a run or check ended (`success`, `failure`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<String>,
}

/// The GitHub App installation a delivery names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallationRef {
    /// The installation id.
    pub id: u64,
    /// The account it is installed on, when the payload says (`installation` events carry it
    /// inside `installation`; `installation_target` at the top level).
    pub account: Option<Account>,
}

/// A parsed delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The installation, for GitHub App deliveries.
    pub installation: Option<InstallationRef>,
    /// The summary.
    pub summary: Summary,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Named {
    login: Option<String>,
    full_name: Option<String>,
    html_url: Option<String>,
}

#[derive(Deserialize)]
struct Installation {
    id: u64,
    #[serde(default)]
    account: Option<RawAccount>,
}

/// An account as payloads carry it: always an id; a login for users and organizations, a
/// slug for enterprises.
#[derive(Deserialize)]
struct RawAccount {
    #[serde(default)]
    id: Option<u64>,
    #[serde(default)]
    login: Option<String>,
    #[serde(default)]
    slug: Option<String>,
}

impl RawAccount {
    fn into_account(self) -> Option<Account> {
        Some(Account {
            id: AccountId(self.id?),
            login: self.login.or(self.slug)?,
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Head {
    #[serde(rename = "ref")]
    branch: Option<String>,
    sha: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CheckSuiteRef {
    head_branch: Option<String>,
}

/// The fields any of the subject objects (issue, pull request, run, check, release…) may have.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Subject {
    number: Option<u64>,
    title: Option<String>,
    name: Option<String>,
    tag_name: Option<String>,
    display_title: Option<String>,
    html_url: Option<String>,
    head_branch: Option<String>,
    head_sha: Option<String>,
    conclusion: Option<String>,
    head: Option<Head>,
    check_suite: Option<CheckSuiteRef>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Commit {
    message: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Raw {
    action: Option<String>,
    installation: Option<Installation>,
    // `installation_target`: the renamed account sits beside `installation`, not in it.
    account: Option<RawAccount>,
    repository: Option<Named>,
    organization: Option<Named>,
    sender: Option<Named>,
    number: Option<u64>,
    // Subjects, most specific first: a comment's URL beats its issue's.
    comment: Option<Subject>,
    review: Option<Subject>,
    issue: Option<Subject>,
    pull_request: Option<Subject>,
    discussion: Option<Subject>,
    workflow_run: Option<Subject>,
    workflow_job: Option<Subject>,
    check_run: Option<Subject>,
    check_suite: Option<Subject>,
    release: Option<Subject>,
    deployment_status: Option<Subject>,
    milestone: Option<Subject>,
    package: Option<Subject>,
    // push
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    after: Option<String>,
    compare: Option<String>,
    head_commit: Option<Commit>,
}

fn clip(text: &str) -> String {
    let first_line = text.lines().next().unwrap_or("").trim();
    if first_line.chars().count() <= MAX_SUMMARY_TEXT_CHARS {
        return first_line.to_owned();
    }
    let mut cut: String = first_line
        .chars()
        .take(MAX_SUMMARY_TEXT_CHARS - 1)
        .collect();
    cut.push('…');
    cut
}

/// Parses a delivery body. Fails (with a sentence for the sender) unless it is a JSON object.
pub fn parse(body: &[u8]) -> Result<Delivery, String> {
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err("the payload must be a JSON object".into());
    }
    let raw: Raw =
        serde_json::from_slice(body).map_err(|e| format!("the payload is not valid JSON: {e}"))?;
    let subjects = [
        &raw.comment,
        &raw.review,
        &raw.workflow_run,
        &raw.workflow_job,
        &raw.check_run,
        &raw.check_suite,
        &raw.pull_request,
        &raw.issue,
        &raw.discussion,
        &raw.release,
        &raw.deployment_status,
        &raw.milestone,
        &raw.package,
    ];
    let present = || subjects.iter().filter_map(|s| s.as_ref());
    // Issues, pull requests and discussions own the number and title; the rest name themselves.
    let owner = [&raw.pull_request, &raw.issue, &raw.discussion]
        .into_iter()
        .find_map(Option::as_ref);
    let number = owner.and_then(|s| s.number).or(raw.number);
    let title = owner
        .and_then(|s| s.title.clone())
        .or_else(|| {
            present().find_map(|s| {
                s.display_title
                    .clone()
                    .or_else(|| s.title.clone())
                    .or_else(|| s.name.clone())
                    .or_else(|| s.tag_name.clone())
            })
        })
        .or_else(|| raw.head_commit.as_ref().and_then(|c| c.message.clone()))
        .map(|t| clip(&t));
    let url = present()
        .find_map(|s| s.html_url.clone())
        .or(raw.compare.clone())
        .or_else(|| raw.repository.as_ref().and_then(|r| r.html_url.clone()))
        .or_else(|| raw.organization.as_ref().and_then(|o| o.html_url.clone()));
    let head_branch = present()
        .find_map(|s| {
            s.head_branch
                .clone()
                .or_else(|| s.check_suite.as_ref().and_then(|c| c.head_branch.clone()))
                .or_else(|| s.head.as_ref().and_then(|h| h.branch.clone()))
        })
        .or_else(|| {
            raw.git_ref
                .as_deref()
                .and_then(|r| r.strip_prefix("refs/heads/"))
                .map(str::to_owned)
        });
    let head_sha = present()
        .find_map(|s| {
            s.head_sha
                .clone()
                .or_else(|| s.head.as_ref().and_then(|h| h.sha.clone()))
        })
        .or(raw.after.clone());
    let conclusion = present().find_map(|s| s.conclusion.clone());
    let summary = Summary {
        action: raw.action.clone(),
        repo: raw.repository.as_ref().and_then(|r| r.full_name.clone()),
        sender: raw.sender.as_ref().and_then(|s| s.login.clone()),
        number,
        title,
        url,
        head_branch,
        head_sha,
        conclusion,
    };
    let top_level = raw.account.and_then(RawAccount::into_account);
    let installation = raw.installation.map(|i| InstallationRef {
        id: i.id,
        account: i.account.and_then(RawAccount::into_account).or(top_level),
    });
    Ok(Delivery {
        installation,
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn summary(v: serde_json::Value) -> Summary {
        parse(v.to_string().as_bytes()).unwrap().summary
    }

    #[test]
    fn issues_and_comments_give_number_title_and_the_most_specific_url() {
        let s = summary(json!({
            "action": "created",
            "issue": {"number": 7, "title": "Crash\non start", "html_url": "https://github.com/o/r/issues/7"},
            "comment": {"html_url": "https://github.com/o/r/issues/7#issuecomment-1", "body": "x"},
            "repository": {"full_name": "o/r"},
            "sender": {"login": "alice"}
        }));
        assert_eq!(s.number, Some(7));
        assert_eq!(s.title.as_deref(), Some("Crash"));
        assert_eq!(
            s.url.as_deref(),
            Some("https://github.com/o/r/issues/7#issuecomment-1")
        );
        assert_eq!(
            (s.repo.as_deref(), s.sender.as_deref()),
            (Some("o/r"), Some("alice"))
        );
    }

    #[test]
    fn runs_checks_pull_requests_and_pushes_give_branch_sha_and_conclusion() {
        let run = summary(json!({"action": "completed", "workflow_run": {
            "name": "CI", "display_title": "Fix build", "head_branch": "main", "head_sha": "abc",
            "conclusion": "failure", "html_url": "https://github.com/o/r/actions/runs/1"}}));
        assert_eq!(run.title.as_deref(), Some("Fix build"));
        assert_eq!(run.head_branch.as_deref(), Some("main"));
        assert_eq!(run.head_sha.as_deref(), Some("abc"));
        assert_eq!(run.conclusion.as_deref(), Some("failure"));
        let check = summary(json!({"check_run": {"name": "lint", "head_sha": "def",
            "conclusion": null, "check_suite": {"head_branch": "dev"}}}));
        assert_eq!(check.head_branch.as_deref(), Some("dev"));
        assert_eq!(check.conclusion, None);
        let pr = summary(
            json!({"number": 3, "pull_request": {"number": 3, "title": "Add",
            "head": {"ref": "feature", "sha": "123"}}}),
        );
        assert_eq!(
            (pr.head_branch.as_deref(), pr.head_sha.as_deref()),
            (Some("feature"), Some("123"))
        );
        let push = summary(json!({"ref": "refs/heads/main", "after": "fff",
            "compare": "https://github.com/o/r/compare/a...b", "head_commit": {"message": "Bump\n\nbody"}}));
        assert_eq!(push.head_branch.as_deref(), Some("main"));
        assert_eq!(push.head_sha.as_deref(), Some("fff"));
        assert_eq!(push.title.as_deref(), Some("Bump"));
    }

    #[test]
    fn unknown_events_summarize_to_what_they_have_and_bad_bodies_are_refused() {
        assert_eq!(
            summary(json!({"zen": "Keep it simple."})),
            Summary::default()
        );
        let i = parse(
            br#"{"action":"created","installation":{"id":42,"account":{"id":7,"login":"Octo"}}}"#,
        )
        .unwrap();
        let octo = Account {
            id: AccountId(7),
            login: "Octo".into(),
        };
        assert_eq!(
            i.installation,
            Some(InstallationRef {
                id: 42,
                account: Some(octo.clone())
            })
        );
        let renamed = parse(
            br#"{"action":"renamed","account":{"id":7,"login":"Octo"},"changes":{"login":{"from":"old"}},"installation":{"id":42},"target_type":"Organization"}"#,
        )
        .unwrap();
        assert_eq!(renamed.installation.unwrap().account, Some(octo));
        for bad in [
            &b"[1]"[..],
            b"",
            b"{",
            b"{\"installation\": {\"id\": \"x\"}}",
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let long = "x".repeat(1000);
        let s = summary(json!({"issue": {"title": long}}));
        assert_eq!(s.title.unwrap().chars().count(), MAX_SUMMARY_TEXT_CHARS);
    }
}
