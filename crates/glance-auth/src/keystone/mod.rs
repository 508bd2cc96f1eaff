//! Token validation against an external Keystone, the way
//! keystonemiddleware's `auth_token` does it: Glance's own service
//! credentials from `[keystone_authtoken]`, `GET /v3/auth/tokens` per new
//! token, results cached for `token_cache_time`.

mod cache;
mod client;
mod config;
mod validator;

pub use cache::{TokenCache, TokenKey, token_key};
pub use config::{KeystoneConfig, KeystoneConfigError, SECTION};
pub use validator::{Authenticated, KeystoneValidator};

use crate::RequestContext;
use chrono::{DateTime, Utc};

/// What Keystone said about a valid token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedToken {
    /// `token.user.id`.
    pub user_id: String,
    /// `token.user.name`.
    pub user_name: Option<String>,
    /// `token.project.id` (`None` for unscoped or domain-scoped tokens).
    pub project_id: Option<String>,
    /// `token.project.name`.
    pub project_name: Option<String>,
    /// `token.roles[].name`, lower-cased.
    pub roles: Vec<String>,
    /// `token.expires_at`.
    pub expires_at: DateTime<Utc>,
}

impl ValidatedToken {
    /// The request context of a caller presenting this token.
    pub fn context(&self, request_id: impl Into<String>) -> RequestContext {
        RequestContext {
            request_id: request_id.into(),
            user_id: Some(self.user_id.clone()),
            project_id: self.project_id.clone(),
            is_admin: self.roles.iter().any(|r| r == "admin"),
            service_roles: Vec::new(),
            roles: self.roles.clone(),
        }
    }
}

/// Why a request could not be authenticated.
#[derive(Debug, thiserror::Error)]
pub enum KeystoneError {
    /// The token is unknown, expired or revoked (answer 401).
    #[error("invalid token")]
    InvalidToken,
    /// The `X-Service-Token` is invalid, or lacks a required service role
    /// (answer 401).
    #[error("invalid service token: {0}")]
    InvalidServiceToken(String),
    /// Keystone refused Glance's own service credentials (answer 503).
    #[error("Keystone refused the service credentials: {0}")]
    ServiceAuth(String),
    /// Keystone could not be reached or answered nonsense (answer 503).
    #[error("Keystone is unavailable: {0}")]
    Unavailable(String),
}

impl KeystoneError {
    /// Whether the caller is at fault (401) rather than Keystone or the
    /// service's configuration (503).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Self::InvalidToken | Self::InvalidServiceToken(_))
    }
}
