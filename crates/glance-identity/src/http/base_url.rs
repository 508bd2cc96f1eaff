//! The root URL that links and the catalog are built from.

use axum::http::HeaderMap;
use axum::http::header::HOST;

use super::AppState;

/// glance-api's root URL (no trailing slash): the configured public base, or
/// `http://<Host>` from the request.
pub(super) fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(base) = &state.public_base {
        return base.clone();
    }
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['/', ' ', '"']))
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// Where the identity API lives under `base`.
pub(super) fn identity_url(base: &str) -> String {
    format!("{base}/identity")
}
