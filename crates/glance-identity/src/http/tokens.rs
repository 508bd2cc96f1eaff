//! `POST`, `GET` and `HEAD /v3/auth/tokens`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::{Identity, IdentityError, IssuedToken, TokenInfo};

use super::AppState;
use super::auth_request::{Auth, AuthBody};
use super::base_url::base_url;
use super::error::ApiError;
use super::token_body::token_body;

/// Header carrying the caller's own token.
pub(super) const X_AUTH_TOKEN: &str = "x-auth-token";
/// Header carrying the token being issued or validated.
const X_SUBJECT_TOKEN: &str = "x-subject-token";

/// `?nocatalog` leaves the catalog out of the token document.
#[derive(Deserialize)]
pub(super) struct TokenQuery {
    nocatalog: Option<String>,
}

/// `POST /v3/auth/tokens`: authenticate with `password` or `token` and
/// answer 201 with the token in `X-Subject-Token`.
pub(super) async fn create(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: AuthBody = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("Invalid authentication request: {e}")))?;
    let identity = state.identity.clone();
    // Password checks are CPU-heavy (argon2): keep them off the async workers.
    let issued = tokio::task::spawn_blocking(move || authenticate(&identity, &body.auth))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "authentication task failed");
            ApiError::Internal
        })??;
    let base = base_url(&state, &headers);
    Ok(respond(
        StatusCode::CREATED,
        &issued.token,
        &issued.info,
        &base,
        &query,
    ))
}

/// Proves the identity in `auth` and issues a token with the asked scope.
fn authenticate(identity: &Identity, auth: &Auth) -> Result<IssuedToken, ApiError> {
    let project = auth.project()?;
    let methods = &auth.identity.methods;
    if methods.iter().any(|m| m == "password") {
        let method = auth.identity.password.as_ref().ok_or_else(|| {
            ApiError::BadRequest("The password method needs a \"password\" object.".to_owned())
        })?;
        let user = identity.authenticate(method.user.lookup()?, &method.user.password)?;
        Ok(identity.issue(&user.id, project)?)
    } else if methods.iter().any(|m| m == "token") {
        let method = auth.identity.token.as_ref().ok_or_else(|| {
            ApiError::BadRequest("The token method needs a \"token\" object.".to_owned())
        })?;
        let original = identity.validate(&method.id)?;
        Ok(identity.rescope(&original, project)?)
    } else {
        Err(ApiError::Unauthorized)
    }
}

/// `GET`/`HEAD /v3/auth/tokens`: validate `X-Subject-Token` for the holder
/// of `X-Auth-Token` — the same user, or an `admin` or `service` caller.
pub(super) async fn show(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let caller = caller(&state, &headers)?;
    let subject = header(&headers, X_SUBJECT_TOKEN)
        .ok_or_else(|| ApiError::NotFound("X-Subject-Token is missing.".to_owned()))?;
    let info = state.identity.validate(subject).map_err(|e| match e {
        IdentityError::TokenMalformed
        | IdentityError::TokenSignature
        | IdentityError::TokenExpired(_) => ApiError::NotFound("Could not find token.".to_owned()),
        other => other.into(),
    })?;
    if caller.user_id != info.user_id && !caller.has_role("admin") && !caller.has_role("service") {
        return Err(ApiError::Forbidden);
    }
    let base = base_url(&state, &headers);
    Ok(respond(StatusCode::OK, subject, &info, &base, &query))
}

/// The validated token of the caller (`X-Auth-Token`), or 401.
pub(super) fn caller(state: &AppState, headers: &HeaderMap) -> Result<TokenInfo, ApiError> {
    let token = header(headers, X_AUTH_TOKEN).ok_or(ApiError::Unauthorized)?;
    Ok(state.identity.validate(token)?)
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn respond(
    status: StatusCode,
    token: &str,
    info: &TokenInfo,
    base: &str,
    query: &TokenQuery,
) -> Response {
    let base = query.nocatalog.is_none().then_some(base);
    let mut response = (status, Json(token_body(info, base))).into_response();
    if let Ok(value) = HeaderValue::from_str(token) {
        response.headers_mut().insert(X_SUBJECT_TOKEN, value);
    }
    response
}
