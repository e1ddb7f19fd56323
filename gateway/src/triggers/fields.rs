//! The fields of an event that event routes match on and write into their messages: one list,
//! read by the gateway at run time and by the macro crate (which includes this very file) when
//! it checks `[routes.*]` in `tools.toml`. Plain `std`, no gateway types.

/// A field a route can read: its name and what it holds.
pub struct Field {
    /// The name in a condition key and in a template's `{name}`.
    pub name: &'static str,
    /// What it holds, for the docs and the build errors.
    pub about: &'static str,
    /// Whether a route may set a condition on it (`type` and `action` have keys of their own).
    pub condition: bool,
}

/// Every field, in the order the docs list them.
pub const FIELDS: &[Field] = &[
    Field {
        name: "type",
        about: "the event type (`X-GitHub-Event`), e.g. `workflow_run`",
        condition: false,
    },
    Field {
        name: "action",
        about: "the payload's `action`, e.g. `completed`",
        condition: false,
    },
    Field {
        name: "repository",
        about: "`owner/repo`",
        condition: true,
    },
    Field {
        name: "branch",
        about: "the branch a run, check or pull request is on, or a push went to",
        condition: true,
    },
    Field {
        name: "conclusion",
        about: "how a run or check ended (`success`, `failure`, …)",
        condition: true,
    },
    Field {
        name: "label",
        about: "the issue's or pull request's labels (in a template: comma-separated)",
        condition: true,
    },
    Field {
        name: "sender",
        about: "who caused the event (GitHub login)",
        condition: true,
    },
    Field {
        name: "account",
        about: "the GitHub account the event belongs to (the repository's owner)",
        condition: false,
    },
    Field {
        name: "number",
        about: "the issue, pull request or discussion number",
        condition: false,
    },
    Field {
        name: "title",
        about: "the issue, pull request, release, run or commit title",
        condition: false,
    },
    Field {
        name: "url",
        about: "where to see it on GitHub",
        condition: false,
    },
    Field {
        name: "sha",
        about: "the commit a run, check or pull request is for",
        condition: false,
    },
    Field {
        name: "id",
        about: "the delivery id (`X-GitHub-Delivery`)",
        condition: false,
    },
];

/// The field named `name`, if there is one.
pub fn field(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.name == name)
}
