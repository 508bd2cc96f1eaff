//! Image records: list, create, show, update, delete, tags, actions.

use super::versions::base_url;
use crate::error::ApiError;
use crate::request_id::Ctx;
use crate::service::PatchFormat;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Parses a JSON request body as upstream does (whatever the Content-Type).
pub(super) fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| ApiError::BadRequest("Malformed JSON in request body.".into()))?;
    if value.is_object() || value.is_array() {
        Ok(value)
    } else {
        Err(ApiError::BadRequest(
            "Unexpected body type. Expected list/dict.".into(),
        ))
    }
}

/// An empty 204, shaped as upstream's (webob) responses are.
pub fn no_content() -> Response {
    (
        StatusCode::NO_CONTENT,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
    )
        .into_response()
}

/// Query parameters in order, repeats kept.
fn query_pairs(raw: Option<String>) -> Vec<(String, String)> {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect()
    })
    .unwrap_or_default()
}

/// `GET /v2/images`
pub async fn list(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let page = state.images.list(&ctx, &query_pairs(query)).await?;
    let images: Vec<Value> = page
        .images
        .iter()
        .map(|i| state.images.view(&ctx, i))
        .collect();
    let mut body = json!({"images": images, "first": page.first, "schema": "/v2/schemas/images"});
    if let Some(next) = page.next {
        body["next"] = Value::String(next);
    }
    Ok(Json(body).into_response())
}

/// `POST /v2/images`
pub async fn create(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let image = state.images.create(&ctx, json_body(&body)?).await?;
    let location = format!("{}/v2/images/{}", base_url(&state, &headers), image.id);
    let mut response = (StatusCode::CREATED, Json(state.images.view(&ctx, &image))).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    let stores = state.images.stores();
    if stores.is_multi() {
        let ids: Vec<&str> = stores.entries().iter().map(|e| e.id.as_str()).collect();
        if let Ok(v) = HeaderValue::from_str(&ids.join(",")) {
            response
                .headers_mut()
                .insert("openstack-image-store-ids", v);
        }
    }
    Ok(response)
}

/// `GET /v2/images/{id}`
pub async fn show(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let image = state.images.get(&ctx, &id).await?;
    Ok(Json(state.images.view(&ctx, &image)))
}

/// `PATCH /v2/images/{id}`
pub async fn update(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let format = PatchFormat::from_content_type(content_type)?;
    let image = state
        .images
        .update(&ctx, &id, format, &json_body(&body)?)
        .await?;
    Ok(Json(state.images.view(&ctx, &image)))
}

/// `DELETE /v2/images/{id}`
pub async fn delete(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.images.delete(&ctx, &id).await?;
    Ok(no_content())
}

/// `PUT /v2/images/{id}/tags/{tag}`
pub async fn add_tag(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((id, tag)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state.images.add_tag(&ctx, &id, &tag).await?;
    Ok(no_content())
}

/// `DELETE /v2/images/{id}/tags/{tag}`
pub async fn remove_tag(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((id, tag)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state.images.remove_tag(&ctx, &id, &tag).await?;
    Ok(no_content())
}

/// `POST /v2/images/{id}/actions/deactivate`
pub async fn deactivate(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.images.deactivate(&ctx, &id).await?;
    Ok(no_content())
}

/// `POST /v2/images/{id}/actions/reactivate`
pub async fn reactivate(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state.images.reactivate(&ctx, &id).await?;
    Ok(no_content())
}
