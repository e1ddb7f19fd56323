//! Protocol revisions Dovecote speaks, and which generation each belongs to.

/// A protocol revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProtocolVersion {
    /// 2025-03-26: session era, first Streamable HTTP revision.
    V2025_03_26,
    /// 2025-06-18: session era, `MCP-Protocol-Version` header.
    V2025_06_18,
    /// 2025-11-25: last session-era revision.
    V2025_11_25,
    /// 2026-07-28: stateless, `_meta` on every request.
    V2026_07_28,
}

impl ProtocolVersion {
    /// Every supported revision, newest first.
    pub const ALL: [Self; 4] = [
        Self::V2026_07_28,
        Self::V2025_11_25,
        Self::V2025_06_18,
        Self::V2025_03_26,
    ];
    /// The newest session-era revision, offered when a client asks for one we lack.
    pub const LATEST_SESSION_ERA: Self = Self::V2025_11_25;

    /// Parses a revision string.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The revision string.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V2025_03_26 => "2025-03-26",
            Self::V2025_06_18 => "2025-06-18",
            Self::V2025_11_25 => "2025-11-25",
            Self::V2026_07_28 => "2026-07-28",
        }
    }

    /// Whether this revision uses `initialize` and sessions.
    pub const fn is_session_era(self) -> bool {
        !matches!(self, Self::V2026_07_28)
    }

    /// The revision strings, newest first, as the wire lists them.
    pub fn all_strings() -> Vec<std::borrow::Cow<'static, str>> {
        Self::ALL.iter().map(|v| v.as_str().into()).collect()
    }
}

/// Session-era revision strings that mark a request as legacy by its header alone
/// (2024-11-05 clients are answered with 2025-03-26 semantics' closest revision).
pub const SESSION_ERA_HEADERS: [&str; 4] = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];
