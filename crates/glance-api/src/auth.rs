//! How callers are identified: built-in identity tokens (the default), or
//! trusted identity headers (no-auth mode, opt-in with
//! `[DEFAULT] auth_strategy = noauth`).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use glance_auth::RequestContext;
use glance_identity::{Identity, TokenInfo};

/// The authentication mode.
#[derive(Clone)]
pub enum Auth {
    /// Identity headers are trusted as they come (`auth_strategy = noauth`).
    Headers,
    /// `X-Auth-Token` must be a token of the built-in identity.
    Builtin(Identity),
}

/// Paths anyone may call: version discovery, the health check and the
/// identity API itself (which authenticates on its own).
pub fn is_public(path: &str) -> bool {
    matches!(path, "/" | "/versions" | "/healthcheck")
        || path == "/identity"
        || path.starts_with("/identity/")
}

/// The caller of a request, or the 401 to answer.
pub fn authenticate(
    auth: &Auth,
    headers: &HeaderMap,
    request_id: &str,
    www_authenticate: &str,
) -> Result<RequestContext, Unauthorized> {
    match auth {
        Auth::Headers => Ok(RequestContext::from_identity_headers(headers, request_id)),
        Auth::Builtin(identity) => {
            let token = headers
                .get("x-auth-token")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|t| !t.is_empty());
            match token.map(|t| identity.validate(t)) {
                Some(Ok(info)) => Ok(context_from_token(info, request_id)),
                Some(Err(e)) => {
                    tracing::info!("rejected token: {e}");
                    Err(Unauthorized(www_authenticate.to_string()))
                }
                None => Err(Unauthorized(www_authenticate.to_string())),
            }
        }
    }
}

/// The request context of a validated token.
fn context_from_token(info: TokenInfo, request_id: &str) -> RequestContext {
    let roles: Vec<String> = info.roles.iter().map(|r| r.to_ascii_lowercase()).collect();
    RequestContext {
        request_id: request_id.to_string(),
        user_id: Some(info.user_id),
        project_id: info.project_id,
        is_admin: roles.iter().any(|r| r == "admin"),
        roles,
    }
}

/// A refused caller: answered with keystonemiddleware's 401 (JSON body,
/// `WWW-Authenticate: Keystone uri="<identity URL>"`).
#[derive(Debug)]
pub struct Unauthorized(String);

impl IntoResponse for Unauthorized {
    fn into_response(self) -> Response {
        let www_authenticate = self.0;
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
    use super::is_public;

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
