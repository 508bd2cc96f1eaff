//! How callers are identified: built-in identity tokens (the default), an
//! external Keystone (`[paste_deploy] flavor = keystone`), or trusted
//! identity headers (no-auth mode, opt-in with
//! `[DEFAULT] auth_strategy = noauth`).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use glance_auth::{KeystoneError, KeystoneValidator, RequestContext};
use glance_identity::{Identity, TokenInfo};
use std::sync::Arc;

/// The authentication mode.
#[derive(Clone)]
pub enum Auth {
    /// Identity headers are trusted as they come (`auth_strategy = noauth`).
    Headers,
    /// `X-Auth-Token` must be a token of the built-in identity.
    Builtin(Identity),
    /// `X-Auth-Token` (and `X-Service-Token`, if sent) are validated by an
    /// external Keystone.
    Keystone(Arc<KeystoneValidator>),
}

/// Paths anyone may call: version discovery, the health check and the
/// identity API itself (which authenticates on its own).
pub fn is_public(path: &str) -> bool {
    matches!(path, "/" | "/versions" | "/healthcheck")
        || path == "/identity"
        || path.starts_with("/identity/")
}

/// The caller of a request, or the 401/503 to answer. `identity_uri` gives the
/// built-in identity's URL for a 401, computed only when one is answered
/// (Keystone mode uses `www_authenticate_uri`).
pub async fn authenticate(
    auth: &Auth,
    headers: &HeaderMap,
    request_id: &str,
    identity_uri: impl FnOnce() -> String,
) -> Result<RequestContext, Refusal> {
    let token = header(headers, "x-auth-token");
    match auth {
        Auth::Headers => Ok(RequestContext::from_identity_headers(headers, request_id)),
        Auth::Builtin(identity) => match token.map(|t| identity.validate(t)) {
            Some(Ok(info)) => Ok(context_from_token(info, request_id)),
            Some(Err(e)) => {
                tracing::info!("rejected token: {e}");
                Err(Refusal::Unauthorized(identity_uri()))
            }
            None => Err(Refusal::Unauthorized(identity_uri())),
        },
        Auth::Keystone(validator) => {
            let unauthorized = || Refusal::Unauthorized(validator.www_authenticate_uri().into());
            let token = token.ok_or_else(unauthorized)?;
            match validator
                .authenticate(token, header(headers, "x-service-token"))
                .await
            {
                Ok(auth) => {
                    let ctx = auth.context(request_id);
                    if !ctx.service_roles.is_empty() {
                        tracing::debug!(service_roles = ?ctx.service_roles, "service token accepted");
                    }
                    Ok(ctx)
                }
                Err(e) if e.is_unauthorized() => {
                    tracing::info!("rejected token: {e}");
                    Err(unauthorized())
                }
                Err(e) => {
                    tracing::error!("cannot validate the token, answering 503: {e}");
                    Err(Refusal::Unavailable(e))
                }
            }
        }
    }
}

/// A non-empty header value.
fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The request context of a validated token.
fn context_from_token(info: TokenInfo, request_id: &str) -> RequestContext {
    let roles: Vec<String> = info.roles.iter().map(|r| r.to_ascii_lowercase()).collect();
    RequestContext {
        request_id: request_id.to_string(),
        user_id: Some(info.user_id),
        project_id: info.project_id,
        is_admin: roles.iter().any(|r| r == "admin"),
        service_roles: Vec::new(),
        roles,
    }
}

/// A refused caller: a 401 shaped as keystonemiddleware's (JSON body,
/// `WWW-Authenticate: Keystone uri="<identity URL>"`), or its 503 when
/// Keystone cannot be asked.
#[derive(Debug)]
pub enum Refusal {
    /// No valid token; carries the `WWW-Authenticate` URI.
    Unauthorized(String),
    /// Keystone is unreachable or refuses Glance's own credentials.
    Unavailable(KeystoneError),
}

impl Refusal {
    /// The status this refusal answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let www_authenticate = match self {
            Self::Unauthorized(uri) => uri,
            Self::Unavailable(_) => {
                let body = serde_json::json!({"error": {
                    "code": 503,
                    "title": "Service unavailable",
                    "message": "Failed to fetch token data from identity server",
                }});
                return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
            }
        };
        let body = serde_json::json!({"error": {
            "code": 401,
            "title": "Unauthorized",
            "message": "The request you have made requires authentication.",
        }});
        let mut response = (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
        if let Ok(v) = HeaderValue::from_str(&format!("Keystone uri=\"{www_authenticate}\"")) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glance_auth::KeystoneConfig;
    use glance_config::ConfigFile;

    fn keystone_down() -> Auth {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v3", listener.local_addr().unwrap());
        drop(listener);
        let text = format!(
            "[keystone_authtoken]\nwww_authenticate_uri = http://public/identity\n\
             auth_url = {url}\nauth_type = password\nusername = glance\n\
             password = pw\nproject_name = service\n"
        );
        let config = ConfigFile::parse(&text, "glance-api.conf").unwrap();
        let config = KeystoneConfig::from_config(&config).unwrap();
        Auth::Keystone(Arc::new(KeystoneValidator::new(config).unwrap()))
    }

    #[tokio::test]
    async fn keystone_mode_without_token_is_401_with_its_uri() {
        let refusal = authenticate(&keystone_down(), &HeaderMap::new(), "r", || {
            "http://x/identity".to_string()
        })
        .await
        .unwrap_err();
        let response = refusal.into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers()[header::WWW_AUTHENTICATE],
            "Keystone uri=\"http://public/identity\""
        );
    }

    #[tokio::test]
    async fn keystone_unreachable_is_503() {
        let mut headers = HeaderMap::new();
        headers.insert("x-auth-token", HeaderValue::from_static("tok"));
        let refusal = authenticate(&keystone_down(), &headers, "r", || {
            "http://x/identity".to_string()
        })
        .await
        .unwrap_err();
        assert_eq!(refusal.status(), StatusCode::SERVICE_UNAVAILABLE);
        let response = refusal.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().get(header::WWW_AUTHENTICATE).is_none());
    }

    #[test]
    fn public_paths() {
        for p in [
            "/",
            "/versions",
            "/healthcheck",
            "/identity",
            "/identity/v3/auth/tokens",
        ] {
            assert!(is_public(p), "{p}");
        }
        for p in ["/v2/images", "/identityx", "/v2/schemas/image"] {
            assert!(!is_public(p), "{p}");
        }
    }
}
