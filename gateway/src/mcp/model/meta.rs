//! `_meta` on the 2026-07-28 wire: the reserved keys requests carry, and the server's own
//! `_meta` that every result of that generation carries.

use serde::{Deserialize, Serialize};

use super::discover::Implementation;

/// The request's protocol revision.
pub const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// The client's capabilities.
pub const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// The log level the client wants.
pub const LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
/// The server's name and version, on every result.
pub const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
/// The token a client sends to receive progress notifications.
pub const PROGRESS_TOKEN: &str = "progressToken";

/// The `_meta` of a 2026-07-28 result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultMeta {
    /// Who answered (the key is [`SERVER_INFO`]).
    #[serde(rename = "io.modelcontextprotocol/serverInfo")]
    pub server_info: Implementation,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_info_key_is_the_reserved_one() {
        let meta = ResultMeta {
            server_info: Implementation {
                name: "x".into(),
                title: None,
                version: "1".into(),
            },
        };
        let value = serde_json::to_value(meta).unwrap();
        assert_eq!(value[SERVER_INFO]["name"], "x");
        assert_eq!(value.as_object().unwrap().len(), 1);
    }
}
