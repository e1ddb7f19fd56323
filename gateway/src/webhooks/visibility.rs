//! Which of a tenant's events a caller sees: the one rule every reader (the event tools,
//! resources, the REST endpoints, `/events`) applies, through `access`. With
//! `WEBHOOK_VISIBILITY=repository` (the default) a member sees an event with a repository when
//! their GitHub token reaches that repository, and one without (organization, membership,
//! installation events) when they administer the organization or the account is their own.

use std::collections::BTreeSet;

use super::store::EventSummary;
use super::{Account, Tenant, Visibility};
use crate::toolbox::Reach;

/// What of one tenant's events a caller sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// All of them: the operator, `WEBHOOK_VISIBILITY=account`, the default tenant's users.
    Whole,
    /// Those of these repositories, and those without a repository when `without_repository`.
    Only {
        /// `owner/name`, lower-cased.
        repositories: BTreeSet<String>,
        /// Whether events without a repository are visible.
        without_repository: bool,
    },
}

impl Rule {
    /// The rule for a member who reaches a tenant through `reaches` (one or more installations
    /// of the same account).
    pub fn of<'a>(mode: Visibility, reaches: impl IntoIterator<Item = &'a Reach>) -> Self {
        if mode == Visibility::Account {
            return Self::Whole;
        }
        let mut repositories = BTreeSet::new();
        let mut without_repository = false;
        for reach in reaches {
            repositories.extend(reach.repositories.iter().map(|r| r.to_ascii_lowercase()));
            without_repository |= reach.admin;
        }
        Self::Only {
            repositories,
            without_repository,
        }
    }

    /// Whether `event` is visible under this rule.
    pub fn allows(&self, event: &EventSummary) -> bool {
        match self {
            Self::Whole => true,
            Self::Only {
                repositories,
                without_repository,
            } => match &event.summary.repo {
                Some(repo) => repositories.contains(&repo.to_ascii_lowercase()),
                None => *without_repository,
            },
        }
    }

    /// The union of two rules over the same tenant.
    pub fn widen(self, other: Self) -> Self {
        match (self, other) {
            (Self::Whole, _) | (_, Self::Whole) => Self::Whole,
            (
                Self::Only {
                    mut repositories,
                    without_repository: a,
                },
                Self::Only {
                    repositories: more,
                    without_repository: b,
                },
            ) => {
                repositories.extend(more);
                Self::Only {
                    repositories,
                    without_repository: a || b,
                }
            }
        }
    }
}

/// A tenant a caller may read, and what of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visible {
    /// The tenant's store.
    pub tenant: Tenant,
    /// Its GitHub account, where known by id (not for the default tenant, nor for a store from
    /// before accounts had ids until its account sends an installation event).
    pub account: Option<Account>,
    /// What of it.
    pub rule: Rule,
}

impl Visible {
    /// How its events name their account (`EventSummary::tenant`): the account's login now,
    /// else the store's name.
    pub fn label(&self) -> String {
        match &self.account {
            Some(a) => a.login.clone(),
            None => self.tenant.to_string(),
        }
    }

    /// Marks `event` as this tenant's: its account's login and id.
    pub fn tag(&self, event: &mut EventSummary) {
        event.tenant = self.label();
        event.account_id = self.account.as_ref().map(|a| a.id.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhooks::payload::Summary;

    fn event(repo: Option<&str>) -> EventSummary {
        EventSummary {
            id: "e".into(),
            event_type: "issues".into(),
            tenant: String::new(),
            account_id: None,
            received_at: String::new(),
            processed: false,
            trigger_status: None,
            last_triggered_at: None,
            summary: Summary {
                repo: repo.map(str::to_owned),
                ..Summary::default()
            },
            payload_bytes: 0,
        }
    }

    fn reach(repositories: &[&str], admin: bool) -> Reach {
        Reach {
            installation: 1,
            account_id: 2,
            login: "octo-org".into(),
            admin,
            repositories: repositories.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn members_see_the_repositories_they_reach_and_account_events_only_as_admins() {
        let member = Rule::of(
            Visibility::Repository,
            [&reach(&["octo-org/public"], false)],
        );
        assert!(
            member.allows(&event(Some("Octo-Org/Public"))),
            "case-insensitive"
        );
        assert!(!member.allows(&event(Some("octo-org/private"))));
        assert!(
            !member.allows(&event(None)),
            "organization events: admins only"
        );
        let admin = Rule::of(Visibility::Repository, [&reach(&[], true)]);
        assert!(admin.allows(&event(None)));
        assert!(
            !admin.allows(&event(Some("octo-org/private"))),
            "an admin's token decides their repositories too"
        );
        let both = member.widen(admin);
        assert!(both.allows(&event(None)) && both.allows(&event(Some("octo-org/public"))));
        let whole = Rule::of(Visibility::Account, [&reach(&[], false)]);
        assert!(whole.allows(&event(Some("octo-org/private"))) && whole.allows(&event(None)));
    }
}
