//! Keystone-shaped error responses: `{"error": {"code", "title", "message"}}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::IdentityError;

/// The message Keystone gives for every authentication failure.
const UNAUTHORIZED: &str = "The request you have made requires authentication.";

/// An error answer of the identity API.
#[derive(Debug)]
pub(super) enum ApiError {
    /// 400: the request body or parameters are unusable.
    BadRequest(String),
    /// 401: missing or wrong credentials, token, or scope.
    Unauthorized,
    /// 403: authenticated but not allowed.
    Forbidden,
    /// 404: e.g. the subject token of a validation is not valid.
    NotFound(String),
    /// 500: the store or crypto failed; details are logged, not returned.
    Internal,
}

impl From<IdentityError> for ApiError {
    fn from(e: IdentityError) -> Self {
        use IdentityError as E;
        match e {
            E::InvalidCredentials
            | E::UserNotFound(_)
            | E::ProjectNotFound(_)
            | E::NoRoleOnProject { .. }
            | E::TokenMalformed
            | E::TokenSignature
            | E::TokenExpired(_) => {
                tracing::debug!(error = %e, "authentication failed");
                ApiError::Unauthorized
            }
            E::InvalidName(_) | E::EmptyPassword | E::Duplicate { .. } | E::UnknownRole(_) => {
                ApiError::BadRequest(e.to_string())
            }
            E::Io { .. } | E::Corrupt { .. } | E::BadKey(_) | E::Hash(_) | E::Crypto(_) => {
                tracing::error!(error = %e, "identity service failure");
                ApiError::Internal
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, m),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, UNAUTHORIZED.to_owned()),
            ApiError::Forbidden => (
                StatusCode::FORBIDDEN,
                "You are not authorized to perform the requested action.".to_owned(),
            ),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, m),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "An unexpected error prevented the server from fulfilling your request.".to_owned(),
            ),
        };
        let body = json!({"error": {
            "code": status.as_u16(),
            "title": status.canonical_reason().unwrap_or_default(),
            "message": message,
        }});
        (status, Json(body)).into_response()
    }
}
