//! Schemas, store discovery and the health check.

use crate::error::ApiError;
use crate::schemas;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

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
pub async fn stores(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let stores = state.images.stores();
    if !stores.is_multi() {
        return Err(ApiError::NotFound(
            "Multi backend is not supported at this site.".into(),
        ));
    }
    let list: Vec<Value> = stores
        .entries()
        .iter()
        .map(|e| {
            let mut v = json!({"id": e.id});
            if let Some(d) = &e.description {
                v["description"] = json!(d);
            }
            if e.id == stores.default_id() {
                v["default"] = json!("true");
            }
            v
        })
        .collect();
    Ok(Json(json!({ "stores": list })))
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
