//! OAuth 2.1 building blocks for Dovecote as its own authorization server and as the resource
//! server of `/mcp`: validated types, PKCE, secrets and sealing, discovery documents, Bearer
//! challenges, and client registration (RFC 7591 and Client ID Metadata Documents).
//!
//! The building blocks are pure functions and types. `endpoints` serves the authorization
//! server's HTTP endpoints over them, `store` keeps clients and access tokens in KV, and
//! `bearer` checks the tokens `/mcp` receives. Nothing here knows MCP; grants' one-answer
//! rules live in `crate::grants`.

pub mod bearer;
mod challenge;
mod checked;
mod cimd;
mod client;
pub mod endpoints;
mod error;
mod fields;
pub mod github;
mod grant_id;
mod metadata;
mod newtype;
mod pkce;
pub mod props;
mod redirect;
mod registration;
pub mod roles;
mod scope;
mod seal;
mod secret;
mod settings;
pub mod store;
mod types;
mod uri;

pub use challenge::www_authenticate;
pub use cimd::{validate_metadata_document, MAX_METADATA_DOCUMENT_BYTES};
pub use client::{
    ApplicationType, AuthMethod, ClientMetadata, GrantType, MAX_CLIENT_NAME_CHARS,
    MAX_REDIRECT_URIS,
};
pub use error::{shown, OAuthError, MAX_ECHO_CHARS};
pub use grant_id::{new_grant_id, GrantRef, GRANT_ID_RANDOM_BYTES};
pub use metadata::{
    advertised_scopes, authorization_server_metadata, protected_resource_metadata, Issuer,
    AUTHORIZATION_SERVER_PATH, AUTHORIZE_PATH, CLIENT_AUTH_METHODS, MCP_PATH, OFFLINE_ACCESS,
    PROTECTED_RESOURCE_PATH, REGISTER_PATH, REVOKE_PATH, TOKEN_PATH,
};
pub use pkce::{
    challenge_from_request, challenge_method, s256, verify_s256, ChallengeMethod, CodeChallenge,
    CodeVerifier, MAX_PKCE_LEN, MIN_PKCE_LEN, S256_CHALLENGE_LEN,
};
pub use redirect::{RedirectKind, RedirectUri};
pub use registration::{parse_registration, registration_response, MAX_REGISTRATION_BYTES};
pub use scope::{Scope, ScopeSet, MAX_SCOPES, MAX_SCOPE_LEN};
pub use seal::{key_from_base64, SealError, Sealer, KEY_LEN};
pub use secret::{
    eq_constant_time, hash_secret, new_token, AccessToken, AuthorizationCode, ClientSecret,
    RefreshToken, MAX_SECRET_LEN, TOKEN_BYTES,
};
pub use settings::{
    Settings, SignIn, ADMIN_REQUESTS_PER_MINUTE, DEFAULT_ACCESS_TTL_SECS, DEFAULT_CODE_TTL_SECS,
    DEFAULT_REFRESH_TTL_SECS, DEFAULT_REGISTER_BUDGET, DEFAULT_REGISTER_RATE_PER_ADDRESS,
    SIGNIN_ATTEMPTS_PER_MINUTE,
};
pub use types::{ClientId, State, MAX_CLIENT_ID_LEN, MAX_STATE_LEN};
pub use uri::{HttpsUrl, ResourceUri, MAX_URI_LEN};
