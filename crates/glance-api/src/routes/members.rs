//! Image members: list, add, show, answer, remove.

use super::images::{json_body, no_content};
use crate::error::ApiError;
use crate::request_id::Ctx;
use crate::service::{member_view, members_view};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::Value;

/// `GET /v2/images/{id}/members`
pub async fn list(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let members = state.images.list_members(&ctx, &id).await?;
    Ok(Json(members_view(&members)))
}

/// `POST /v2/images/{id}/members` (200, not 201, as upstream)
pub async fn create(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let member = state
        .images
        .create_member(&ctx, &id, &json_body(&body)?)
        .await?;
    Ok(Json(member_view(&member)))
}

/// `GET /v2/images/{id}/members/{member}`
pub async fn show(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((id, member)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let member = state.images.get_member(&ctx, &id, &member).await?;
    Ok(Json(member_view(&member)))
}

/// `PUT /v2/images/{id}/members/{member}`
pub async fn update(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((id, member)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let member = state
        .images
        .update_member(&ctx, &id, &member, &json_body(&body)?)
        .await?;
    Ok(Json(member_view(&member)))
}

/// `DELETE /v2/images/{id}/members/{member}`
pub async fn delete(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((id, member)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state.images.delete_member(&ctx, &id, &member).await?;
    Ok(no_content())
}
