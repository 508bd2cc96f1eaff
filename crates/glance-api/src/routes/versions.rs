//! Version discovery (`/`, `/versions`) and version prefixes (`/v2.9/...`).

use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Versions advertised, in upstream's order, as (id, status). The list depends
/// on whether multi-store is enabled.
fn versions(multi: bool) -> Vec<(&'static str, &'static str)> {
    let mut v = vec![("2.15", "SUPPORTED")];
    if multi {
        v.extend([
            ("2.13", "SUPPORTED"),
            ("2.12", "SUPPORTED"),
            ("2.11", "SUPPORTED"),
            ("2.10", "SUPPORTED"),
        ]);
    }
    v.push(("2.9", "SUPPORTED"));
    if multi {
        v.push(("2.8", "SUPPORTED"));
    }
    v.push(("2.17", "CURRENT"));
    for minor in (0..=7).rev() {
        v.push((
            ["2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7"][minor],
            "SUPPORTED",
        ));
    }
    v
}

/// Whether `/v<prefix>/` names a version this deployment serves.
pub fn accepted_version_prefix(prefix: &str, multi: bool) -> bool {
    prefix == "2" || versions(multi).iter().any(|(id, _)| *id == prefix)
}

/// The base URL links point at: `public_endpoint`, else the request's host.
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(p) = &state.images.settings().public_endpoint {
        return p.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:9292");
    format!("http://{host}")
}

/// The versions document.
pub fn versions_document(base: &str, multi: bool) -> Value {
    let list: Vec<Value> = versions(multi)
        .into_iter()
        .map(|(id, status)| {
            json!({
                "id": format!("v{id}"),
                "status": status,
                "links": [{"rel": "self", "href": format!("{base}/v2/")}]
            })
        })
        .collect();
    json!({ "versions": list })
}

fn multiple_choices(state: &AppState, headers: &HeaderMap) -> Response {
    let doc = versions_document(&base_url(state, headers), state.images.stores().is_multi());
    (StatusCode::MULTIPLE_CHOICES, Json(doc)).into_response()
}

/// `GET /`: 300 with the versions.
pub async fn root(State(state): State<AppState>, headers: HeaderMap) -> Response {
    multiple_choices(&state, &headers)
}

/// `GET /versions`: 200 with the versions.
pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let doc = versions_document(
        &base_url(&state, &headers),
        state.images.stores().is_multi(),
    );
    Json(doc).into_response()
}

/// Unknown paths: 300 for an unknown API version prefix (`/v1/...`), else 404.
pub async fn fallback(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let first = uri
        .path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("");
    let is_version = first
        .strip_prefix('v')
        .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'));
    if is_version && first != "v2" {
        return multiple_choices(&state, &headers);
    }
    ApiError::NotFound("The resource could not be found.".into()).into_response()
}

/// Rewrites `/v2.N/...` to `/v2/...` for the accepted minor versions (all of
/// them, multi-store ones included: the handlers behave the same either way).
pub fn rewrite_version_prefix(mut request: Request) -> Request {
    let path = request.uri().path();
    let Some(rest) = path.strip_prefix("/v2.") else {
        return request;
    };
    let (minor, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if !accepted_version_prefix(&format!("2.{minor}"), true) {
        return request;
    }
    let new_path = format!("/v2{tail}");
    let pq = match request.uri().query() {
        Some(q) => format!("{new_path}?{q}"),
        None => new_path,
    };
    if let Ok(uri) = pq.parse() {
        *request.uri_mut() = uri;
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_is_2_17() {
        let doc = versions_document("http://h", false);
        let current: Vec<&Value> = doc["versions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["status"] == "CURRENT")
            .collect();
        assert_eq!(current.len(), 1);
        assert_eq!(current[0]["id"], "v2.17");
        assert_eq!(current[0]["links"][0]["href"], "http://h/v2/");
        assert!(accepted_version_prefix("2.9", false));
        assert!(!accepted_version_prefix("2.8", false));
        assert!(accepted_version_prefix("2.8", true));
        assert!(!accepted_version_prefix("2.99", true));
    }
}
