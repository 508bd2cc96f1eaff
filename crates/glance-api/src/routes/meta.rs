//! Schemas, store discovery and the health check.

use crate::error::ApiError;
use crate::request_id::Ctx;
use crate::schemas;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// `GET /v2/schemas/{name}`
pub async fn schema(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let settings = state.images.settings();
    Ok(Json(match name.as_str() {
        "image" => schemas::image(settings),
        "images" => schemas::images(settings),
        "member" => schemas::member(),
        "members" => schemas::members(),
        _ => {
            return Err(ApiError::NotFound(
                "The resource could not be found.".into(),
            ));
        }
    }))
}

/// `GET /v2/info/stores`: the enabled backends (404 without multi-store).
pub async fn stores(State(state): State<AppState>, Ctx(ctx): Ctx) -> Result<Json<Value>, ApiError> {
    Ok(Json(state.images.stores_info(&ctx, false)?))
}

/// `GET /v2/info/stores/detail`: the backends with driver, weight and
/// properties (admin or service).
pub async fn stores_detail(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(state.images.stores_info(&ctx, true)?))
}

/// `DELETE /v2/stores/{store_id}/{image_id}`: removes one store's copy.
pub async fn delete_from_store(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((store_id, image_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state
        .images
        .delete_from_store(&ctx, &store_id, &image_id)
        .await?;
    Ok(super::images::no_content())
}

/// `GET /healthcheck`: `OK` while the database answers, 503 otherwise.
pub async fn healthcheck(State(state): State<AppState>) -> Response {
    match state.images.health().await {
        Ok(()) => ([(header::CONTENT_TYPE, "text/plain")], "OK").into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain")],
            "database unavailable",
        )
            .into_response(),
    }
}
