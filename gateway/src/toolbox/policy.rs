//! What `tools.toml` says about each tool (enabled, scope, rate, overrides) and the scopes
//! it declares; `toolbox!` joins it with the code's `ToolDef`s into one `Toolbox`.

use super::{PromptDef, ResourceEntry, ToolDef};

/// Who may be granted a scope (`grant = "members" | "operators"` in `tools.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeGrant {
    /// Anyone allowed to sign in.
    Members,
    /// Only operators: the password owner and the GitHub accounts in `OPERATORS`.
    Operators,
}

/// A scope a client may ask for, with the line the consent page shows.
#[derive(Debug, Clone, Copy)]
pub struct ScopeDecl {
    /// Scope name, e.g. `dovecote:read`.
    pub name: &'static str,
    /// One line for a person deciding whether to grant it.
    pub description: &'static str,
    /// Who may hold it.
    pub grant: ScopeGrant,
}

impl ScopeDecl {
    /// Whether someone of `role` may be granted this scope.
    pub fn grantable_to(&self, role: crate::toolbox::Role) -> bool {
        self.grant == ScopeGrant::Members || role == crate::toolbox::Role::Operator
    }
}

/// The length of a rate-limit window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatePeriod {
    /// One second.
    Second,
    /// One minute.
    Minute,
    /// One hour.
    Hour,
    /// One day.
    Day,
}

impl RatePeriod {
    /// The unit as `tools.toml` writes it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Second => "second",
            Self::Minute => "minute",
            Self::Hour => "hour",
            Self::Day => "day",
        }
    }

    /// The window in milliseconds.
    pub const fn millis(self) -> u64 {
        match self {
            Self::Second => 1_000,
            Self::Minute => 60_000,
            Self::Hour => 3_600_000,
            Self::Day => 86_400_000,
        }
    }
}

/// `count` calls per `period`, per caller, per tool (from `rate = "30/minute"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Calls allowed in one period (at least 1).
    pub count: u32,
    /// The period.
    pub period: RatePeriod,
}

/// A tool's entry in `tools.toml`.
#[derive(Debug, Clone, Copy)]
pub struct ToolPolicy {
    /// Whether the tool is listed and callable.
    pub enabled: bool,
    /// The scope a caller must hold.
    pub scope: &'static str,
    /// The per-caller rate limit.
    pub rate: Rate,
    /// Replaces the code's title.
    pub title: Option<&'static str>,
    /// Replaces the doc-comment description.
    pub description: Option<&'static str>,
}

/// A tool: its code and its policy.
#[derive(Debug, Clone, Copy)]
pub struct ToolEntry {
    /// What the code declares.
    pub def: ToolDef,
    /// What `tools.toml` declares.
    pub policy: ToolPolicy,
}

impl ToolEntry {
    /// The title clients show: the manifest's override, else the code's.
    pub fn title(&self) -> Option<&'static str> {
        self.policy.title.or(self.def.title)
    }

    /// The description clients show: the manifest's override, else the doc comment.
    pub fn description(&self) -> &'static str {
        self.policy.description.unwrap_or(self.def.description)
    }
}

/// Every tool the gateway was built with, in manifest order, and the declared scopes.
#[derive(Debug, Clone, Copy)]
pub struct Toolbox {
    /// Scopes declared in `tools.toml`, in file order.
    pub scopes: &'static [ScopeDecl],
    /// Every tool, enabled or not, in file order.
    pub tools: &'static [ToolEntry],
    /// Every resource family, enabled or not, in file order.
    pub resources: &'static [ResourceEntry],
    /// Every prompt, in file order.
    pub prompts: &'static [PromptDef],
}

impl Toolbox {
    /// The declaration of scope `name`, if `tools.toml` declares it.
    pub fn scope(&self, name: &str) -> Option<&'static ScopeDecl> {
        self.scopes.iter().find(|s| s.name == name)
    }

    /// Whether someone of `role` may hold scope `name` (an undeclared scope: nobody).
    pub fn grantable(&self, name: &str, role: crate::toolbox::Role) -> bool {
        self.scope(name).is_some_and(|s| s.grantable_to(role))
    }

    /// The enabled tools, in manifest order.
    pub fn enabled(&self) -> impl Iterator<Item = &'static ToolEntry> {
        self.tools.iter().filter(|t| t.policy.enabled)
    }

    /// The enabled resource families, in manifest order.
    pub fn resource_families(&self) -> impl Iterator<Item = &'static ResourceEntry> {
        self.resources.iter().filter(|r| r.policy.enabled)
    }

    /// A prompt by name.
    pub fn prompt(&self, name: &str) -> Option<&'static PromptDef> {
        self.prompts.iter().find(|p| p.name == name)
    }

    /// An enabled tool by its wire name.
    pub fn get(&self, name: &str) -> Option<&'static ToolEntry> {
        self.enabled().find(|t| t.def.name == name)
    }
}
