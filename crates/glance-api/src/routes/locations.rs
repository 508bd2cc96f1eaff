//! The location API: `POST/GET /v2/images/{id}/locations`.

use super::images::json_body;
use crate::error::ApiError;
use crate::request_id::Ctx;
use crate::service::NewLocation;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// `GET /v2/images/{id}/locations` (services only).
pub async fn list(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(state.images.locations(&ctx, &id).await?))
}

/// `POST /v2/images/{id}/locations`: 202, the import runs in the background.
pub async fn add(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let new = NewLocation::parse(&json_body(&body)?)?;
    state.images.add_location(&ctx, &id, new).await?;
    Ok((
        StatusCode::ACCEPTED,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
    )
        .into_response())
}
