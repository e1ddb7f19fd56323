//! A world for calling tools natively, as the MCP dispatch would: a settable clock, canned
//! outbound answers, Worker secrets, and a signed-in caller. Included with `#[path]` by the
//! tool tests (`notify.rs`, `declared.rs`).

use dovecote_gateway::objects::host::LocalObjects;
use dovecote_gateway::platform::native::{
    CannedFetch, ManualClock, MapSecrets, MemoryKv, OsRandom, SoftDigests,
};
use dovecote_gateway::platform::{Fetched, Platform};
use dovecote_gateway::toolbox::{CallToolResult, Principal, Role, ToolContext, Toolbox};
use serde_json::Value;

pub struct World {
    pub clock: ManualClock,
    pub fetch: CannedFetch,
    pub secrets: MapSecrets,
    /// The caller's granted scopes.
    scopes: Vec<String>,
    /// The caller's OAuth client, if any.
    client_id: Option<String>,
    /// Where the tools are looked up.
    toolbox: &'static Toolbox,
}

impl World {
    /// A world of `toolbox`'s tools whose Worker secrets are `secrets`, called by the password
    /// owner holding `scopes` through `client_id`.
    pub fn new(
        toolbox: &'static Toolbox,
        secrets: &[(&str, &str)],
        scopes: &[&str],
        client_id: Option<&str>,
    ) -> Self {
        let map = MapSecrets::default();
        for (name, value) in secrets {
            map.set(name, value);
        }
        Self {
            clock: ManualClock::new(1_800_000_000_000),
            fetch: CannedFetch::default(),
            secrets: map,
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            client_id: client_id.map(str::to_owned),
            toolbox,
        }
    }

    /// Calls `tool` as the operator.
    pub fn call(&self, objects: &LocalObjects<'_>, tool: &str, arguments: Value) -> CallToolResult {
        self.call_as(Role::Operator, objects, tool, arguments)
    }

    /// Calls `tool` as a caller of `role`.
    pub fn call_as(
        &self,
        role: Role,
        objects: &LocalObjects<'_>,
        tool: &str,
        arguments: Value,
    ) -> CallToolResult {
        let kv = MemoryKv::new(&self.clock);
        let platform = Platform {
            kv: &kv,
            objects,
            clock: &self.clock,
            random: &OsRandom,
            fetch: &self.fetch,
            secrets: &self.secrets,
            digests: &SoftDigests,
        };
        let mut principal = Principal::anonymous(Some("192.0.2.7".into()), self.scopes.clone());
        principal.id = "password:owner".into();
        principal.role = role;
        principal.client_id = self.client_id.clone();
        let ctx = ToolContext::new(&principal, &platform, None, None);
        let entry = self
            .toolbox
            .tools
            .iter()
            .find(|t| t.def.name == tool)
            .unwrap();
        pollster::block_on((entry.def.call)(&ctx, arguments))
    }
}

/// A JSON answer from an outside service.
pub fn json_answer(status: u16, body: &Value) -> Fetched {
    Fetched {
        status,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
    }
}
