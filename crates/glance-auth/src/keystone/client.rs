//! The Keystone v3 token API as the validator uses it: password
//! authentication for the service token, and `GET /v3/auth/tokens`.

use super::{KeystoneConfig, KeystoneError, ValidatedToken};
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

const SUBJECT_TOKEN: &str = "x-subject-token";
const AUTH_TOKEN: &str = "x-auth-token";

/// An issued token: the token itself and when it expires.
#[derive(Clone)]
pub(super) struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// What `GET /v3/auth/tokens` said about a subject token.
pub(super) enum Validation {
    /// The token is valid.
    Valid(ValidatedToken),
    /// Keystone does not know the token (404, or 401 for the subject).
    Invalid,
    /// The service token itself was refused (401): re-authenticate.
    ServiceTokenRefused,
}

/// Reads a PEM file named in `[keystone_authtoken]`.
fn read(path: &std::path::Path) -> Result<Vec<u8>, KeystoneError> {
    std::fs::read(path).map_err(|e| tls_error(path, e))
}

/// A TLS file that cannot be used: the service cannot reach Keystone.
fn tls_error(path: &std::path::Path, e: impl std::fmt::Display) -> KeystoneError {
    KeystoneError::Unavailable(format!("{}: {e}", path.display()))
}

/// HTTP or HTTPS to one Keystone.
pub(super) struct Client {
    http: reqwest::Client,
    v3: String,
}

impl Client {
    pub fn new(config: &KeystoneConfig) -> Result<Self, KeystoneError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(config.http_connect_timeout)
            .timeout(Duration::from_secs(30))
            .tls_danger_accept_invalid_certs(config.insecure);
        if let Some(path) = &config.cafile {
            for cert in reqwest::Certificate::from_pem_bundle(&read(path)?)
                .map_err(|e| tls_error(path, e))?
            {
                builder = builder.add_root_certificate(cert);
            }
        }
        if let Some((cert, key)) = &config.client_cert {
            let identity = reqwest::Identity::from_pkcs8_pem(&read(cert)?, &read(key)?)
                .map_err(|e| tls_error(cert, e))?;
            builder = builder.identity(identity);
        }
        let http = builder
            .build()
            .map_err(|e| KeystoneError::Unavailable(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            v3: config.v3_url(),
        })
    }

    /// Password authentication of the service user, project scoped.
    pub async fn issue(&self, config: &KeystoneConfig) -> Result<IssuedToken, KeystoneError> {
        let body = json!({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": config.username,
                "domain": {"name": config.user_domain_name},
                "password": config.password,
            }}},
            "scope": {"project": {
                "name": config.project_name,
                "domain": {"name": config.project_domain_name},
            }},
        }});
        let url = format!("{}/auth/tokens?nocatalog", self.v3);
        let response = self
            .http
            .post(&url)
            .json(&body)
            .send()
            .await
            .map_err(|e| unreachable(&url, &e))?;
        let status = response.status();
        if status != StatusCode::CREATED && status != StatusCode::OK {
            return Err(KeystoneError::ServiceAuth(format!(
                "POST {url} answered {status} for service user '{}'",
                config.username
            )));
        }
        let token = response
            .headers()
            .get(SUBJECT_TOKEN)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| KeystoneError::Unavailable(format!("POST {url}: no X-Subject-Token")))?;
        let body: TokenBody = response
            .json()
            .await
            .map_err(|e| KeystoneError::Unavailable(format!("POST {url}: bad body: {e}")))?;
        Ok(IssuedToken {
            token,
            expires_at: body.token.expires_at,
        })
    }

    /// Validates `subject` with the service token `service`.
    pub async fn validate(
        &self,
        service: &str,
        subject: &str,
    ) -> Result<Validation, KeystoneError> {
        let url = format!("{}/auth/tokens?nocatalog", self.v3);
        let response = self
            .http
            .get(&url)
            .header(AUTH_TOKEN, service)
            .header(SUBJECT_TOKEN, subject)
            .send()
            .await
            .map_err(|e| unreachable(&url, &e))?;
        match response.status() {
            StatusCode::OK => {
                let body: TokenBody = response.json().await.map_err(|e| {
                    KeystoneError::Unavailable(format!("GET {url}: bad token body: {e}"))
                })?;
                Ok(Validation::Valid(body.token.into()))
            }
            StatusCode::NOT_FOUND => Ok(Validation::Invalid),
            StatusCode::UNAUTHORIZED => Ok(Validation::ServiceTokenRefused),
            StatusCode::FORBIDDEN => Err(KeystoneError::ServiceAuth(format!(
                "GET {url}: the service user may not validate tokens (403)"
            ))),
            other => Err(KeystoneError::Unavailable(format!(
                "GET {url} answered {other}"
            ))),
        }
    }
}

fn unreachable(url: &str, e: &reqwest::Error) -> KeystoneError {
    KeystoneError::Unavailable(format!("{url}: {e}"))
}

#[derive(Deserialize)]
struct TokenBody {
    token: TokenFields,
}

#[derive(Deserialize)]
struct TokenFields {
    expires_at: DateTime<Utc>,
    user: Named,
    #[serde(default)]
    project: Option<Named>,
    #[serde(default)]
    roles: Vec<Named>,
}

#[derive(Deserialize)]
struct Named {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: Option<String>,
}

impl From<TokenFields> for ValidatedToken {
    fn from(t: TokenFields) -> Self {
        ValidatedToken {
            user_id: t.user.id,
            user_name: t.user.name,
            project_id: t.project.as_ref().map(|p| p.id.clone()),
            project_name: t.project.and_then(|p| p.name),
            roles: t
                .roles
                .into_iter()
                .filter_map(|r| r.name)
                .map(|r| r.to_ascii_lowercase())
                .collect(),
            expires_at: t.expires_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_keystone_token_body() {
        let body: TokenBody = serde_json::from_value(json!({"token": {
            "methods": ["password"],
            "expires_at": "2030-01-02T03:04:05.000000Z",
            "user": {"id": "u1", "name": "alice", "domain": {"id": "default"}},
            "project": {"id": "p1", "name": "demo", "domain": {"id": "default"}},
            "roles": [{"id": "r1", "name": "Member"}, {"id": "r2", "name": "reader"}],
        }}))
        .unwrap();
        let t: ValidatedToken = body.token.into();
        assert_eq!(t.user_id, "u1");
        assert_eq!(t.user_name.as_deref(), Some("alice"));
        assert_eq!(t.project_id.as_deref(), Some("p1"));
        assert_eq!(t.roles, ["member", "reader"]);
        assert_eq!(t.expires_at.to_rfc3339(), "2030-01-02T03:04:05+00:00");
    }

    #[test]
    fn unscoped_token_has_no_project() {
        let body: TokenBody = serde_json::from_value(json!({"token": {
            "expires_at": "2030-01-02T03:04:05Z", "user": {"id": "u1"}}}))
        .unwrap();
        let t: ValidatedToken = body.token.into();
        assert_eq!(t.project_id, None);
        assert!(t.roles.is_empty());
    }
}
