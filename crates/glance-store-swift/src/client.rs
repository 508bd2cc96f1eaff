//! The HTTP side: one connection pool, the auth cache, and body-less
//! requests that renew a refused token once and retry.

use crate::auth::{Auth, Session};
use crate::error::transport;
use glance_store::StoreError;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How long to wait for a TCP (and TLS) connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A Swift account: the HTTP client and the session cache.
pub(crate) struct Swift {
    http: reqwest::Client,
    auth: Auth,
}

impl Swift {
    /// Wraps a client and an auth cache built on the same client.
    pub(crate) fn new(http: reqwest::Client, auth: Auth) -> Swift {
        Swift { http, auth }
    }

    /// The HTTP client, for streaming uploads that build their own requests.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The auth cache.
    pub(crate) fn auth(&self) -> &Auth {
        &self.auth
    }

    /// A valid session (logging in if needed).
    pub(crate) async fn session(&self) -> Result<Arc<Session>, StoreError> {
        self.auth.session().await
    }

    /// Sends `method` to a container or object with the session token; on a
    /// `401` logs in again once and repeats the request. `customize` adds
    /// headers or a query; it runs for each attempt. `what` names the call
    /// in errors.
    pub(crate) async fn send(
        &self,
        method: Method,
        container: &str,
        object: Option<&str>,
        what: &str,
        customize: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Response, StoreError> {
        let attempt = |session: &Session| {
            let request = self
                .http
                .request(method.clone(), session.url(container, object))
                .header("X-Auth-Token", &session.token);
            customize(request).send()
        };
        let session = self.session().await?;
        let response = attempt(&session).await.map_err(|e| transport(what, &e))?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        tracing::debug!("{what}: token refused, authenticating again");
        self.auth.invalidate(&session).await;
        let session = self.session().await?;
        attempt(&session).await.map_err(|e| transport(what, &e))
    }
}

/// The HTTP client: `swift_store_auth_insecure` turns certificate checks
/// off, `swift_store_cacert` adds trusted CAs (a PEM bundle).
pub(crate) async fn http_client(
    insecure: bool,
    cacert: Option<&Path>,
    section: &str,
) -> Result<reqwest::Client, StoreError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .tls_danger_accept_invalid_certs(insecure);
    if let Some(path) = cacert {
        let invalid = |reason: String| {
            StoreError::Config(format!(
                "[{section}] swift_store_cacert {}: {reason}",
                path.display()
            ))
        };
        let pem = tokio::fs::read(path)
            .await
            .map_err(|e| invalid(e.to_string()))?;
        let certs =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| invalid(e.to_string()))?;
        if certs.is_empty() {
            return Err(invalid("no certificate in the file".to_owned()));
        }
        builder = builder.tls_certs_merge(certs);
    }
    builder
        .build()
        .map_err(|e| StoreError::Config(format!("[{section}] cannot set up HTTP: {e}")))
}
