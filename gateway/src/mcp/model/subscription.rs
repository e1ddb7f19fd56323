//! Subscriptions: `notifications/resources/updated` (both generations), and 2026-07-28's
//! `subscriptions/listen` — the filter a client opts in with, the acknowledgement that opens
//! the stream, and the result that ends it gracefully. On a listen stream every notification
//! carries the subscription's id (the listen request's JSON-RPC id) in `_meta`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::discover::Implementation;

/// The `_meta` key naming the subscription a notification or result belongs to.
pub const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

/// What a client opts in to on a listen stream, and (in the acknowledgement) what of it the
/// server honours. Each field is left out when not asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionFilter {
    /// `notifications/tools/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools_list_changed: Option<bool>,
    /// `notifications/prompts/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompts_list_changed: Option<bool>,
    /// `notifications/resources/list_changed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources_list_changed: Option<bool>,
    /// `notifications/resources/updated` for these URIs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_subscriptions: Option<Vec<String>>,
}

/// `_meta` naming the subscription (the key is [`SUBSCRIPTION_ID`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionMeta {
    /// The listen request's id.
    #[serde(rename = "io.modelcontextprotocol/subscriptionId")]
    pub subscription_id: Value,
}

/// A notification about subscriptions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", content = "params")]
pub enum SubscriptionNotification {
    /// `notifications/resources/updated`: read the resource again.
    #[serde(rename = "notifications/resources/updated")]
    ResourceUpdated(ResourceUpdatedParams),
    /// `notifications/subscriptions/acknowledged`: the first message of a listen stream.
    #[serde(rename = "notifications/subscriptions/acknowledged")]
    Acknowledged(AcknowledgedParams),
}

/// The params of `notifications/resources/updated`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceUpdatedParams {
    /// The resource that changed.
    pub uri: String,
    /// On a listen stream, its subscription.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<SubscriptionMeta>,
}

/// The params of `notifications/subscriptions/acknowledged`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcknowledgedParams {
    /// What of the request the server honours.
    pub notifications: SubscriptionFilter,
    /// The subscription.
    #[serde(rename = "_meta")]
    pub meta: SubscriptionMeta,
}

/// The result that ends a listen stream gracefully (`resultType` is `complete`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListenResult {
    /// Always `complete`.
    pub result_type: String,
    /// Who answered, and the subscription it ends.
    #[serde(rename = "_meta")]
    pub meta: ListenResultMeta,
}

/// The `_meta` of [`ListenResult`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListenResultMeta {
    /// Who answered.
    #[serde(rename = "io.modelcontextprotocol/serverInfo")]
    pub server_info: Implementation,
    /// The subscription it ends.
    #[serde(rename = "io.modelcontextprotocol/subscriptionId")]
    pub subscription_id: Value,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_update_on_a_listen_stream_names_its_subscription_and_elsewhere_only_the_uri() {
        let on_stream = SubscriptionNotification::ResourceUpdated(ResourceUpdatedParams {
            uri: "github://accounts/1/pending".into(),
            meta: Some(SubscriptionMeta {
                subscription_id: json!("listen:1"),
            }),
        });
        assert_eq!(
            serde_json::to_value(on_stream).unwrap(),
            json!({"method": "notifications/resources/updated", "params": {
                "uri": "github://accounts/1/pending",
                "_meta": {"io.modelcontextprotocol/subscriptionId": "listen:1"}}})
        );
        let in_session = SubscriptionNotification::ResourceUpdated(ResourceUpdatedParams {
            uri: "x://y".into(),
            meta: None,
        });
        assert_eq!(
            serde_json::to_value(in_session).unwrap(),
            json!({"method": "notifications/resources/updated", "params": {"uri": "x://y"}})
        );
    }

    #[test]
    fn the_acknowledgement_lists_only_what_is_honoured() {
        let ack = SubscriptionNotification::Acknowledged(AcknowledgedParams {
            notifications: SubscriptionFilter {
                resource_subscriptions: Some(vec!["x://y".into()]),
                ..SubscriptionFilter::default()
            },
            meta: SubscriptionMeta {
                subscription_id: json!(7),
            },
        });
        assert_eq!(
            serde_json::to_value(ack).unwrap(),
            json!({"method": "notifications/subscriptions/acknowledged", "params": {
                "notifications": {"resourceSubscriptions": ["x://y"]},
                "_meta": {"io.modelcontextprotocol/subscriptionId": 7}}})
        );
        let asked: SubscriptionFilter =
            serde_json::from_value(json!({"toolsListChanged": true, "other": 1})).unwrap();
        assert_eq!(asked.tools_list_changed, Some(true));
    }
}
