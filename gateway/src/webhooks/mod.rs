//! GitHub webhooks: signed deliveries at `POST /webhooks/github` are checked (allowlist, per-IP
//! rate, signature, tenant, quota), stored in one `EventStore` Durable Object per tenant, and
//! read by agents through the event tools, the REST endpoints and the `/events` stream.
//!
//! `intake` is the delivery path, and `hook` what it hands a stored delivery to (the event
//! routes, which live above this part); `registry` maps GitHub App installations to accounts;
//! `store` is the per-tenant event store; `access` decides which tenants a caller sees and
//! reads them together, and `visibility` which of a tenant's events (the one rule every
//! reader applies); `rest` and `stream` serve them over HTTP, and `pace` times an open
//! stream. `admin` is the operator's export and delete; `refusals` counts, for the console, the
//! deliveries refused before their account is known. Uses the platform seam, the audit trail, the shared rate limiter and `oauth::bearer`; nothing here
//! is used by the MCP core.

pub mod access;
pub mod admin;
pub mod allowlist;
pub mod hook;
pub mod ids;
pub mod intake;
pub mod pace;
pub mod payload;
pub mod refusals;
pub mod registry;
pub mod rest;
pub mod settings;
pub mod signature;
pub mod store;
pub mod stream;
pub mod time;
pub mod visibility;

pub use ids::{Account, AccountId, DeliveryId, Tenant};
pub use settings::{Visibility, WebhookSettings};
