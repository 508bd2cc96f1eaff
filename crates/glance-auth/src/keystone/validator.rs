//! [`KeystoneValidator`]: the cache in front of Keystone, and the service
//! token used to ask it.

use super::cache::{TokenCache, token_key};
use super::client::{Client, IssuedToken, Validation};
use super::{KeystoneConfig, KeystoneError, ValidatedToken};
use crate::RequestContext;
use chrono::Utc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How many validated tokens are cached at most.
pub const CACHE_CAPACITY: usize = 10_000;

/// The service token is renewed this long before it expires.
const RENEW_BEFORE: chrono::TimeDelta = chrono::TimeDelta::seconds(120);

/// The outcome of authenticating one request.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The user token (`X-Auth-Token`): the caller.
    pub user: Arc<ValidatedToken>,
    /// The service token (`X-Service-Token`), if one was sent.
    pub service: Option<Arc<ValidatedToken>>,
}

impl Authenticated {
    /// The request context: the user token's caller, with the service token's
    /// roles as `service_roles` (keystonemiddleware's `X-Service-Roles`).
    pub fn context(&self, request_id: impl Into<String>) -> RequestContext {
        RequestContext {
            service_roles: self
                .service
                .as_ref()
                .map(|s| s.roles.clone())
                .unwrap_or_default(),
            ..self.user.context(request_id)
        }
    }
}

/// Validates tokens against Keystone with Glance's service credentials.
pub struct KeystoneValidator {
    config: KeystoneConfig,
    client: Client,
    cache: TokenCache,
    service_token: Mutex<Option<IssuedToken>>,
    keystone_calls: AtomicU64,
}

impl KeystoneValidator {
    /// A validator for `config`; nothing is sent to Keystone until the first
    /// token needs validating.
    pub fn new(config: KeystoneConfig) -> Result<Self, KeystoneError> {
        Ok(Self {
            client: Client::new(&config)?,
            cache: TokenCache::new(CACHE_CAPACITY, config.token_cache_time),
            service_token: Mutex::new(None),
            keystone_calls: AtomicU64::new(0),
            config,
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &KeystoneConfig {
        &self.config
    }

    /// The URI for `WWW-Authenticate: Keystone uri="…"`.
    pub fn www_authenticate_uri(&self) -> &str {
        &self.config.www_authenticate_uri
    }

    /// How many validations were sent to Keystone (cache misses).
    pub fn keystone_calls(&self) -> u64 {
        self.keystone_calls.load(Ordering::Relaxed)
    }

    /// How many validated tokens are cached.
    pub fn cached_tokens(&self) -> usize {
        self.cache.len()
    }

    /// Obtains the service token now (e.g. to check the credentials at
    /// startup).
    pub async fn connect(&self) -> Result<(), KeystoneError> {
        self.service_token(false).await.map(drop)
    }

    /// Authenticates a request from its `X-Auth-Token` and optional
    /// `X-Service-Token`.
    pub async fn authenticate(
        &self,
        user_token: &str,
        service_token: Option<&str>,
    ) -> Result<Authenticated, KeystoneError> {
        let user = self.validate(user_token).await?;
        let Some(service_token) = service_token else {
            return Ok(Authenticated {
                user,
                service: None,
            });
        };
        let service = match self.validate(service_token).await {
            Err(KeystoneError::InvalidToken) => {
                return Err(KeystoneError::InvalidServiceToken("unknown token".into()));
            }
            other => other?,
        };
        let has_service_role = service.roles.iter().any(|r| {
            self.config
                .service_token_roles
                .iter()
                .any(|want| want.eq_ignore_ascii_case(r))
        });
        if !has_service_role {
            let roles = self.config.service_token_roles.join(",");
            if self.config.service_token_roles_required {
                return Err(KeystoneError::InvalidServiceToken(format!(
                    "none of the roles {roles}"
                )));
            }
            tracing::warn!(
                "a service token without any of the roles {roles} was accepted \
                 (service_token_roles_required = false)"
            );
        }
        Ok(Authenticated {
            user,
            service: Some(service),
        })
    }

    /// Validates one token: from the cache, else by asking Keystone.
    pub async fn validate(&self, token: &str) -> Result<Arc<ValidatedToken>, KeystoneError> {
        let key = token_key(token);
        if let Some(hit) = self.cache.get(&key, Instant::now()) {
            return Ok(hit);
        }
        let validated = Arc::new(self.ask_keystone(token).await?);
        let remaining = (validated.expires_at - Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        self.cache
            .insert(key, Arc::clone(&validated), remaining, Instant::now());
        Ok(validated)
    }

    async fn ask_keystone(&self, token: &str) -> Result<ValidatedToken, KeystoneError> {
        let mut renew = false;
        loop {
            let service = self.service_token(renew).await?;
            self.keystone_calls.fetch_add(1, Ordering::Relaxed);
            match self.client.validate(&service, token).await? {
                Validation::Valid(t) if t.expires_at > Utc::now() => return Ok(t),
                Validation::Valid(_) | Validation::Invalid => {
                    return Err(KeystoneError::InvalidToken);
                }
                // Our token was revoked or expired early: renew once; a 401
                // with a fresh service token is about the subject token.
                Validation::ServiceTokenRefused if !renew => renew = true,
                Validation::ServiceTokenRefused => return Err(KeystoneError::InvalidToken),
            }
        }
    }

    /// The current service token, obtained or renewed as needed.
    /// Glance's own service token (obtained with the `[keystone_authtoken]`
    /// credentials, reused until shortly before it expires), for calling
    /// other services as glance, e.g. the glance-registry daemon.
    pub async fn current_service_token(&self) -> Result<String, KeystoneError> {
        self.service_token(false).await
    }

    /// A fresh service token, after the last one was refused.
    pub async fn renewed_service_token(&self) -> Result<String, KeystoneError> {
        self.service_token(true).await
    }

    async fn service_token(&self, force_renew: bool) -> Result<String, KeystoneError> {
        let mut current = self.service_token.lock().await;
        if let Some(t) = current.as_ref()
            && !force_renew
            && t.expires_at - Utc::now() > RENEW_BEFORE
        {
            return Ok(t.token.clone());
        }
        let issued = self.client.issue(&self.config).await?;
        tracing::info!(
            "obtained a Keystone service token for '{}' (expires {})",
            self.config.username,
            issued.expires_at
        );
        let token = issued.token.clone();
        *current = Some(issued);
        Ok(token)
    }
}
