//! An event as routes see it: the stored summary, and the two things routes read from the
//! payload that the summary leaves out — the account it belongs to and the labels it carries.

use serde::Deserialize;

use crate::webhooks::payload::Summary;

/// Most labels read from one payload.
const MAX_LABELS: usize = 100;

/// One delivery, as routes match and render it.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// The delivery id.
    pub id: &'a str,
    /// The event type.
    pub event_type: &'a str,
    /// The summary the store keeps.
    pub summary: &'a Summary,
    /// The repository's owner (or the organization, or the installation's account).
    pub account: Option<String>,
    /// The issue's or pull request's labels, and a label just added or removed.
    pub labels: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Login {
    login: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Named {
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Labelled {
    labels: Vec<Named>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Repository {
    owner: Login,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Installation {
    account: Login,
}

/// The parts of a payload routes read beyond the summary; serde skips the rest unbuilt.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Extra {
    repository: Option<Repository>,
    organization: Option<Login>,
    installation: Option<Installation>,
    issue: Option<Labelled>,
    pull_request: Option<Labelled>,
    label: Option<Named>,
}

impl<'a> Event<'a> {
    /// The event `id` of type `event_type` with `summary`, reading the rest from `payload` (a
    /// payload that does not parse leaves them out: the summary came from it already).
    pub fn read(id: &'a str, event_type: &'a str, summary: &'a Summary, payload: &[u8]) -> Self {
        let extra: Extra = serde_json::from_slice(payload).unwrap_or_default();
        let account = extra
            .repository
            .and_then(|r| r.owner.login)
            .or(extra.organization.and_then(|o| o.login))
            .or(extra.installation.and_then(|i| i.account.login));
        let mut labels: Vec<String> = Vec::new();
        let listed = extra.issue.or(extra.pull_request).unwrap_or_default();
        for name in listed
            .labels
            .into_iter()
            .chain(extra.label)
            .filter_map(|l| l.name)
        {
            if labels.len() < MAX_LABELS && !labels.contains(&name) {
                labels.push(name);
            }
        }
        Event {
            id,
            event_type,
            summary,
            account,
            labels,
        }
    }

    /// The value of field `name` (see `fields::FIELDS`), if the event has one.
    pub fn value(&self, name: &str) -> Option<String> {
        let s = self.summary;
        match name {
            "type" => Some(self.event_type.to_owned()),
            "action" => s.action.clone(),
            "repository" => s.repo.clone(),
            "branch" => s.head_branch.clone(),
            "conclusion" => s.conclusion.clone(),
            "label" => (!self.labels.is_empty()).then(|| self.labels.join(", ")),
            "sender" => s.sender.clone(),
            "account" => self.account.clone(),
            "number" => s.number.map(|n| n.to_string()),
            "title" => s.title.clone(),
            "url" => s.url.clone(),
            "sha" => s.head_sha.clone(),
            "id" => Some(self.id.to_owned()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triggers::fields::FIELDS;

    #[test]
    fn every_field_has_a_value_source() {
        let summary = Summary {
            action: Some("labeled".into()),
            repo: Some("octo/repo".into()),
            sender: Some("mona".into()),
            number: Some(7),
            title: Some("Crash".into()),
            url: Some("https://github.com/octo/repo/issues/7".into()),
            head_branch: Some("main".into()),
            head_sha: Some("abc".into()),
            conclusion: Some("failure".into()),
        };
        let payload = br#"{"repository":{"owner":{"login":"octo"}},"issue":{"labels":[{"name":"bug"}]},"label":{"name":"triage"}}"#;
        let event = Event::read("d-1", "issues", &summary, payload);
        for field in FIELDS {
            assert!(event.value(field.name).is_some(), "{}", field.name);
        }
        assert_eq!(event.value("label").as_deref(), Some("bug, triage"));
        assert_eq!(event.account.as_deref(), Some("octo"));
    }

    #[test]
    fn a_payload_without_the_extras_leaves_them_out() {
        let summary = Summary::default();
        let event = Event::read("d-1", "push", &summary, b"not json");
        assert_eq!(event.account, None);
        assert!(event.labels.is_empty());
        assert_eq!(event.value("repository"), None);
    }
}
