//! Request ids (`x-openstack-request-id`), the request context and the access log.

use crate::auth;
use crate::error::ApiError;
use crate::routes::base_url;
use crate::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use glance_auth::RequestContext;
use std::time::Instant;

const HEADER: &str = "x-openstack-request-id";

/// Middleware: assigns the request id (reusing a client's, `req-` prefixed),
/// builds the caller's context, tags `/v2` responses with the id and writes
/// one access-log line per request.
pub async fn request_id(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let supplied = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let max_len = state.images.settings().max_request_id_length;
    let id = match supplied {
        Some(s) if s.len() > max_len => {
            return ApiError::HeaderTooLarge(format!(
                "Request id is longer than the allowed {max_len} characters."
            ))
            .into_response();
        }
        Some(s) if s.starts_with("req-") => s,
        Some(s) if !s.is_empty() => format!("req-{s}"),
        _ => format!("req-{}", uuid::Uuid::new_v4()),
    };
    let ctx = if auth::is_public(request.uri().path()) {
        Ok(None)
    } else {
        let headers = request.headers();
        let identity_uri = || format!("{}/identity", base_url(&state, headers));
        auth::authenticate(&state.auth, headers, &id, identity_uri)
            .await
            .map(Some)
    };
    let (user, project) = match &ctx {
        Ok(Some(c)) => (c.user_id.clone(), c.project_id.clone()),
        _ => (None, None),
    };
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        user = %user.as_deref().unwrap_or("-"),
        project = %project.as_deref().unwrap_or("-"),
    );
    let mut response = match ctx {
        Err(refused) => refused.into_response(),
        Ok(ctx) => {
            if let Some(ctx) = ctx {
                request.extensions_mut().insert(ctx);
            }
            tracing::Instrument::instrument(next.run(request), span.clone()).await
        }
    };
    let is_v2 = path.starts_with("/v2");
    if is_v2 && let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, v);
    }
    let length = http_body::Body::size_hint(response.body())
        .exact()
        .map(|n| n.to_string())
        .or_else(|| {
            response
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "-".into());
    span.in_scope(|| {
        tracing::info!(
            target: "glance.api.access",
            "\"{method} {path}\" status: {} len: {length} time: {:.7}",
            response.status().as_u16(),
            started.elapsed().as_secs_f64()
        )
    });
    response
}

/// Extractor for the caller's context (set by [`request_id`]).
pub struct Ctx(pub RequestContext);

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestContext>()
            .cloned()
            .map(Ctx)
            .ok_or_else(|| ApiError::Internal("request context missing".into()))
    }
}
