//! [`RemoteRegistry`]: the [`Registry`] trait over HTTP to a glance-registry
//! daemon, so glance-api can hold it as `Arc<dyn Registry>`.

use crate::SetupError;
use crate::auth::load_secret;
use crate::wire::{CountBody, ErrorBody, RemovedBody, SECRET_HEADER, StatusBody};
use async_trait::async_trait;
use glance_auth::KeystoneValidator;
use glance_config::{RegistryAuth, RegistryClientConfig, Secret};
use glance_registry::{Registry, RegistryError};
use glance_types::{Image, ImageChanges, ListQuery, Member, MemberStatus};
use reqwest::header::HeaderValue;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Longest wait for a TCP connection to the daemon (within the call timeout).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an idle pooled connection is kept.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// Idle connections kept per daemon.
const POOL_MAX_IDLE: usize = 64;
/// How much of an unexpected answer goes into the error message.
const SNIPPET: usize = 200;

/// How calls prove themselves to the daemon.
#[derive(Clone)]
enum Credential {
    /// The shared secret header.
    Secret(HeaderValue),
    /// glance's Keystone service token (renewed once when refused).
    Keystone(Arc<KeystoneValidator>),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Secret(_) => "Secret(***)",
            Self::Keystone(_) => "Keystone",
        })
    }
}

/// Keystone's token header.
const TOKEN_HEADER: &str = "x-auth-token";

/// A [`Registry`] served by a glance-registry daemon: every call is one
/// HTTP request on a pooled keep-alive connection, carrying the shared
/// secret or glance's Keystone service token. Errors come back as the
/// daemon's registry reported them; a daemon that cannot be reached
/// (refused, reset, timed out) is [`RegistryError::Unavailable`]. Cloning
/// shares the connection pool.
#[derive(Debug, Clone)]
pub struct RemoteRegistry {
    http: reqwest::Client,
    base: Url,
    credential: Credential,
}

impl RemoteRegistry {
    /// A client of the daemon at `base_url` (`http://127.0.0.1:9191`),
    /// authenticating with `secret`; each call may take `timeout` (zero: no
    /// limit). HTTP proxies from the environment are not used.
    pub fn new(base_url: &str, secret: &Secret, timeout: Duration) -> Result<Self, SetupError> {
        let mut header =
            HeaderValue::from_str(secret.expose()).map_err(|_| SetupError::SecretNotAscii)?;
        header.set_sensitive(true);
        Self::build(base_url, Credential::Secret(header), timeout)
    }

    /// A client that authenticates with glance's Keystone service token from
    /// `validator` (for a daemon with `[paste_deploy] flavor = keystone`).
    pub fn with_keystone(
        base_url: &str,
        validator: Arc<KeystoneValidator>,
        timeout: Duration,
    ) -> Result<Self, SetupError> {
        Self::build(base_url, Credential::Keystone(validator), timeout)
    }

    fn build(
        base_url: &str,
        credential: Credential,
        timeout: Duration,
    ) -> Result<Self, SetupError> {
        let bad_url = |reason: String| SetupError::Url {
            url: base_url.to_owned(),
            reason,
        };
        let base = Url::parse(base_url).map_err(|e| bad_url(e.to_string()))?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(bad_url("an http:// or https:// URL is needed".into()));
        }
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .tcp_nodelay(true)
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_max_idle_per_host(POOL_MAX_IDLE)
            .connect_timeout(CONNECT_TIMEOUT);
        if !timeout.is_zero() {
            builder = builder
                .timeout(timeout)
                .connect_timeout(CONNECT_TIMEOUT.min(timeout));
        }
        Ok(Self {
            http: builder.build()?,
            base,
            credential,
        })
    }

    /// The client glance-api's registry options describe: the daemon at
    /// [`RegistryClientConfig::url`], `registry_client_timeout`, and with
    /// `[registry] auth_strategy = secret` (the default) `[registry]
    /// shared_secret` or else the secret file (created if missing, for a
    /// daemon that starts later on this machine); with `keystone`,
    /// `keystone` (glance-api's validator, holding its
    /// `[keystone_authtoken]` credentials) must be given.
    pub fn from_config(
        config: &RegistryClientConfig,
        keystone: Option<Arc<KeystoneValidator>>,
    ) -> Result<Self, SetupError> {
        let timeout = config.registry_client_timeout;
        match (config.auth_strategy, keystone) {
            (RegistryAuth::Keystone, Some(validator)) => {
                Self::with_keystone(&config.url(), validator, timeout)
            }
            (RegistryAuth::Keystone, None) => Err(SetupError::KeystoneNeeded),
            (RegistryAuth::Secret, _) => {
                let secret = load_secret(config.shared_secret.as_ref(), &config.secret_file)?;
                Self::new(&config.url(), &secret, timeout)
            }
        }
    }

    /// The daemon's base URL.
    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    /// A request to `path` (below the base URL) with the `query` pairs
    /// (form-encoded, so every string arrives as sent).
    fn request(&self, method: Method, path: &str, query: &[(&str, &str)]) -> RequestBuilder {
        let mut url = self.base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend(path.split('/'));
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        self.http.request(method, url)
    }

    /// Sends `request` with the credential; a non-success answer becomes its
    /// registry error. A refused Keystone token is renewed and the request
    /// sent once more.
    async fn send(&self, request: RequestBuilder) -> Result<Response, RegistryError> {
        let response = match &self.credential {
            Credential::Secret(secret) => request
                .header(SECRET_HEADER, secret.clone())
                .send()
                .await
                .map_err(|e| self.unreachable(e))?,
            Credential::Keystone(validator) => {
                let retry = request.try_clone();
                let token = validator
                    .current_service_token()
                    .await
                    .map_err(|e| RegistryError::Unavailable(e.to_string()))?;
                let first = request
                    .header(TOKEN_HEADER, token)
                    .send()
                    .await
                    .map_err(|e| self.unreachable(e))?;
                match retry {
                    Some(retry) if first.status() == StatusCode::UNAUTHORIZED => {
                        let token = validator
                            .renewed_service_token()
                            .await
                            .map_err(|e| RegistryError::Unavailable(e.to_string()))?;
                        retry
                            .header(TOKEN_HEADER, token)
                            .send()
                            .await
                            .map_err(|e| self.unreachable(e))?
                    }
                    _ => first,
                }
            }
        };
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(self.failure(response).await)
        }
    }

    /// Sends `request` and decodes its JSON answer.
    async fn call<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, RegistryError> {
        let response = self.send(request).await?;
        let bytes = response.bytes().await.map_err(|e| self.unreachable(e))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            RegistryError::Database(format!("invalid answer from glance-registry: {e}"))
        })
    }

    /// The registry error of a non-success answer: the typed error body, or
    /// for anything else (a proxy's page, a truncated body) Unavailable when
    /// the status says so (502, 503, 504), else Database.
    async fn failure(&self, response: Response) -> RegistryError {
        let status = response.status();
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return self.unreachable(e),
        };
        if let Ok(ErrorBody { error }) = serde_json::from_slice::<ErrorBody>(&bytes) {
            return error.kind.into_registry_error(error.message);
        }
        let text = String::from_utf8_lossy(&bytes);
        let snippet: String = text.chars().take(SNIPPET).collect();
        let message = format!(
            "glance-registry at {} answered {status}: {snippet}",
            self.base
        );
        match status {
            StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT => RegistryError::Unavailable(message),
            _ => RegistryError::Database(message),
        }
    }

    /// A transport error: the daemon cannot be reached or hung up.
    fn unreachable(&self, e: reqwest::Error) -> RegistryError {
        let what = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "cannot be reached"
        } else {
            "failed"
        };
        let mut message = format!("glance-registry at {} {what}: {e}", self.base);
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        RegistryError::Unavailable(message)
    }
}

#[async_trait]
impl Registry for RemoteRegistry {
    async fn create_image(&self, image: &Image) -> Result<Image, RegistryError> {
        let request = self.request(Method::POST, "v1/images", &[]).json(image);
        self.call(request).await
    }

    async fn get_image(&self, id: &str) -> Result<Image, RegistryError> {
        let request = self.request(Method::GET, "v1/image", &[("id", id)]);
        self.call(request).await
    }

    async fn update_image(&self, id: &str, changes: &ImageChanges) -> Result<Image, RegistryError> {
        let request = self
            .request(Method::PATCH, "v1/image", &[("id", id)])
            .json(changes);
        self.call(request).await
    }

    async fn delete_image(&self, id: &str) -> Result<Image, RegistryError> {
        let request = self.request(Method::DELETE, "v1/image", &[("id", id)]);
        self.call(request).await
    }

    async fn list_images(&self, query: &ListQuery) -> Result<Vec<Image>, RegistryError> {
        let request = self
            .request(Method::POST, "v1/images/list", &[])
            .json(query);
        self.call(request).await
    }

    async fn add_tag(&self, id: &str, tag: &str) -> Result<(), RegistryError> {
        let request = self.request(Method::PUT, "v1/image/tags", &[("id", id), ("tag", tag)]);
        self.send(request).await.map(drop)
    }

    async fn remove_tag(&self, id: &str, tag: &str) -> Result<bool, RegistryError> {
        let request = self.request(Method::DELETE, "v1/image/tags", &[("id", id), ("tag", tag)]);
        Ok(self.call::<RemovedBody>(request).await?.removed)
    }

    async fn create_member(&self, image_id: &str, member: &str) -> Result<Member, RegistryError> {
        let query = [("id", image_id), ("member", member)];
        let request = self.request(Method::POST, "v1/image/members", &query);
        self.call(request).await
    }

    async fn list_members(&self, image_id: &str) -> Result<Vec<Member>, RegistryError> {
        let request = self.request(Method::GET, "v1/image/members", &[("id", image_id)]);
        self.call(request).await
    }

    async fn get_member(
        &self,
        image_id: &str,
        member: &str,
    ) -> Result<Option<Member>, RegistryError> {
        let query = [("id", image_id), ("member", member)];
        let request = self.request(Method::GET, "v1/image/member", &query);
        self.call(request).await
    }

    async fn update_member(
        &self,
        image_id: &str,
        member: &str,
        status: MemberStatus,
    ) -> Result<Member, RegistryError> {
        let query = [("id", image_id), ("member", member)];
        let request = self
            .request(Method::PUT, "v1/image/member", &query)
            .json(&StatusBody { status });
        self.call(request).await
    }

    async fn delete_member(&self, image_id: &str, member: &str) -> Result<(), RegistryError> {
        let query = [("id", image_id), ("member", member)];
        let request = self.request(Method::DELETE, "v1/image/member", &query);
        self.send(request).await.map(drop)
    }

    async fn count_members(&self, image_id: &str) -> Result<u64, RegistryError> {
        let request = self.request(Method::GET, "v1/image/members/count", &[("id", image_id)]);
        Ok(self.call::<CountBody>(request).await?.count)
    }

    async fn health(&self) -> Result<(), RegistryError> {
        self.send(self.request(Method::GET, "v1/health", &[]))
            .await
            .map(drop)
    }
}
