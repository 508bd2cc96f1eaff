//! Version discovery documents, as keystoneauth1 expects them.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::AppState;
use super::base_url::{base_url, identity_url};

/// `GET /`: the list of versions, answered with 300 Multiple Choices.
pub(super) async fn versions(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> (StatusCode, Json<Value>) {
    let base = base_url(&state, &headers);
    (
        StatusCode::MULTIPLE_CHOICES,
        Json(json!({"versions": {"values": [version(&base)]}})),
    )
}

/// `GET /v3` and `GET /v3/`: the v3 version document.
pub(super) async fn v3(State(state): State<AppState>, headers: HeaderMap) -> Json<Value> {
    let base = base_url(&state, &headers);
    Json(json!({"version": version(&base)}))
}

fn version(base: &str) -> Value {
    json!({
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": format!("{}/v3/", identity_url(base))}],
        "media-types": [{
            "base": "application/json",
            "type": "application/vnd.openstack.identity-v3+json",
        }],
    })
}
