//! The HTTP surface: thin axum routers over the service layer.

mod data;
mod images;
mod linger;
mod locations;
mod members;
mod meta;
mod versions;

use crate::auth::Auth;
use crate::error::ApiError;
use crate::negotiate::negotiate_errors;
use crate::request_id::request_id;
use crate::state::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use tower::Layer;

pub use versions::{accepted_version_prefix, base_url, versions_document};

/// Builds the whole application: version rewriting, the v2 routes, error
/// rendering, request ids and access logging.
pub fn router(state: AppState) -> Router {
    let v2 = Router::new()
        .route("/v2/images", get(images::list).post(images::create))
        .route(
            "/v2/images/{id}",
            get(images::show)
                .patch(images::update)
                .delete(images::delete),
        )
        .route(
            "/v2/images/{id}/file",
            put(data::upload).get(data::download),
        )
        .route(
            "/v2/images/{id}/locations",
            get(locations::list).post(locations::add),
        )
        .route(
            "/v2/images/{id}/tags/{tag}",
            put(images::add_tag).delete(images::remove_tag),
        )
        .route(
            "/v2/images/{id}/actions/deactivate",
            post(images::deactivate),
        )
        .route(
            "/v2/images/{id}/actions/reactivate",
            post(images::reactivate),
        )
        .route(
            "/v2/images/{id}/members",
            get(members::list).post(members::create),
        )
        .route(
            "/v2/images/{id}/members/{member}",
            get(members::show)
                .put(members::update)
                .delete(members::delete),
        )
        .route("/v2/schemas/{name}", get(meta::schema))
        .route("/v2/info/stores", get(meta::stores))
        .route("/v2/info/stores/detail", get(meta::stores_detail))
        .route(
            "/v2/stores/{store_id}/{image_id}",
            delete(meta::delete_from_store),
        )
        .route("/", get(versions::root))
        .route("/versions", get(versions::list))
        .route("/healthcheck", get(meta::healthcheck));
    let v2 = match &state.auth {
        Auth::Builtin(identity) => v2.nest_service(
            "/identity",
            identity.router(state.images.settings().public_endpoint.clone()),
        ),
        Auth::Headers | Auth::Keystone(_) => v2,
    };
    let v2 = v2
        .fallback(versions::fallback)
        .layer(middleware::from_fn(reject_body))
        .layer(middleware::from_fn(negotiate_errors))
        .layer(middleware::from_fn_with_state(state.clone(), request_id))
        .layer(middleware::from_fn(linger::linger))
        .with_state(state.clone());
    let rewritten = tower::util::MapRequestLayer::new(versions::rewrite_version_prefix).layer(v2);
    Router::new().fallback_service(rewritten)
}

/// Upstream refuses bodies on GET, HEAD and DELETE.
async fn reject_body(request: Request, next: Next) -> Response {
    let method = request.method();
    if matches!(*method, Method::GET | Method::HEAD | Method::DELETE) {
        let headers = request.headers();
        let length = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        let chunked = headers
            .get(header::TRANSFER_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        if length > 0 || chunked {
            return ApiError::BadRequest("A body is not expected with this request.".into())
                .into_response();
        }
    }
    next.run(request).await
}
