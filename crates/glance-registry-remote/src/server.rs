//! The daemon's HTTP layer: one thin handler per
//! [`Registry`] method (extract, call, convert), the guard in front of
//! `/v1`, typed JSON errors, and an access log.

use crate::auth::{self, Guard};
use crate::wire::{
    CountBody, ErrorBody, ErrorDetail, ErrorKind, ImageParam, MemberParams, RemovedBody,
    StatusBody, TagParams,
};
use axum::Json;
use axum::Router;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use glance_registry::{Registry, RegistryError};
use glance_types::{Image, ImageChanges, ListQuery, Member};
use std::sync::Arc;
use std::time::Instant;

/// Largest request body accepted (an image with many large properties).
const BODY_LIMIT: usize = 32 * 1024 * 1024;

/// The registry every handler calls.
type Reg = State<Arc<dyn Registry>>;

/// A handler's outcome.
type Answer<T> = Result<T, Failure>;

/// An error response: the status its kind maps to and the JSON body.
#[derive(Debug)]
pub(crate) struct Failure(ErrorDetail);

impl Failure {
    /// A failure of `kind` with `message`.
    pub(crate) fn new(kind: ErrorKind, message: String) -> Self {
        Self(ErrorDetail { kind, message })
    }

    /// Its human-readable text.
    pub(crate) fn message(&self) -> &str {
        &self.0.message
    }

    /// A request the daemon does not understand.
    fn bad_request(message: String) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }
}

impl From<RegistryError> for Failure {
    fn from(e: RegistryError) -> Self {
        Self(e.into())
    }
}

impl From<JsonRejection> for Failure {
    fn from(e: JsonRejection) -> Self {
        Self::bad_request(e.body_text())
    }
}

impl From<QueryRejection> for Failure {
    fn from(e: QueryRejection) -> Self {
        Self::bad_request(e.body_text())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status = self.0.kind.status();
        if status.is_server_error() {
            tracing::error!("{}", self.0.message);
        }
        (status, Json(ErrorBody { error: self.0 })).into_response()
    }
}

/// The daemon's application: `/v1/…` (every [`Registry`] method, behind
/// `guard`) and `/healthcheck` (open, for load balancers), over `registry`.
pub fn router(registry: Arc<dyn Registry>, guard: Guard) -> Router {
    let v1 = Router::new()
        .route("/v1/images", post(create_image))
        .route("/v1/images/list", post(list_images))
        .route(
            "/v1/image",
            get(get_image).patch(update_image).delete(delete_image),
        )
        .route("/v1/image/tags", put(add_tag).delete(remove_tag))
        .route("/v1/image/members", post(create_member).get(list_members))
        .route("/v1/image/members/count", get(count_members))
        .route(
            "/v1/image/member",
            get(get_member).put(update_member).delete(delete_member),
        )
        .route("/v1/health", get(health))
        .route_layer(middleware::from_fn_with_state(
            Arc::new(guard),
            auth::require,
        ));
    Router::new()
        .merge(v1)
        .route("/healthcheck", get(healthcheck))
        .fallback(unknown_route)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(access_log))
        .with_state(registry)
}

/// Logs one line per request: method, path and query, status, milliseconds.
async fn access_log(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let uri = request.uri().clone();
    let response = next.run(request).await;
    tracing::info!(
        target: "glance_registry::access",
        "{method} {uri} {} {:.1}ms",
        response.status().as_u16(),
        start.elapsed().as_secs_f64() * 1000.0
    );
    response
}

/// Any other path.
async fn unknown_route() -> Failure {
    Failure::new(ErrorKind::BadRequest, "no such registry route".into())
}

/// `GET /healthcheck`: `OK`, or 503 when the database does not answer
/// (the reason is logged, not shown to this unauthenticated caller).
async fn healthcheck(State(reg): Reg) -> (StatusCode, &'static str) {
    match reg.health().await {
        Ok(()) => (StatusCode::OK, "OK"),
        Err(e) => {
            tracing::error!("health check failed: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

async fn create_image(
    State(reg): Reg,
    body: Result<Json<Image>, JsonRejection>,
) -> Answer<(StatusCode, Json<Image>)> {
    let Json(image) = body?;
    let created = reg.create_image(&image).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The image a query string names.
type Id = Result<Query<ImageParam>, QueryRejection>;
/// The image and tag a query string names.
type Tag = Result<Query<TagParams>, QueryRejection>;
/// The image and member a query string names.
type Membership = Result<Query<MemberParams>, QueryRejection>;

async fn get_image(State(reg): Reg, param: Id) -> Answer<Json<Image>> {
    let Query(ImageParam { id }) = param?;
    Ok(Json(reg.get_image(&id).await?))
}

async fn update_image(
    State(reg): Reg,
    param: Id,
    body: Result<Json<ImageChanges>, JsonRejection>,
) -> Answer<Json<Image>> {
    let Query(ImageParam { id }) = param?;
    let Json(changes) = body?;
    Ok(Json(reg.update_image(&id, &changes).await?))
}

async fn delete_image(State(reg): Reg, param: Id) -> Answer<Json<Image>> {
    let Query(ImageParam { id }) = param?;
    Ok(Json(reg.delete_image(&id).await?))
}

async fn list_images(
    State(reg): Reg,
    body: Result<Json<ListQuery>, JsonRejection>,
) -> Answer<Json<Vec<Image>>> {
    let Json(query) = body?;
    Ok(Json(reg.list_images(&query).await?))
}

async fn add_tag(State(reg): Reg, param: Tag) -> Answer<StatusCode> {
    let Query(TagParams { id, tag }) = param?;
    reg.add_tag(&id, &tag).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn remove_tag(State(reg): Reg, param: Tag) -> Answer<Json<RemovedBody>> {
    let Query(TagParams { id, tag }) = param?;
    let removed = reg.remove_tag(&id, &tag).await?;
    Ok(Json(RemovedBody { removed }))
}

async fn create_member(State(reg): Reg, param: Membership) -> Answer<(StatusCode, Json<Member>)> {
    let Query(MemberParams { id, member }) = param?;
    let created = reg.create_member(&id, &member).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn list_members(State(reg): Reg, param: Id) -> Answer<Json<Vec<Member>>> {
    let Query(ImageParam { id }) = param?;
    Ok(Json(reg.list_members(&id).await?))
}

async fn count_members(State(reg): Reg, param: Id) -> Answer<Json<CountBody>> {
    let Query(ImageParam { id }) = param?;
    let count = reg.count_members(&id).await?;
    Ok(Json(CountBody { count }))
}

async fn get_member(State(reg): Reg, param: Membership) -> Answer<Json<Option<Member>>> {
    let Query(MemberParams { id, member }) = param?;
    Ok(Json(reg.get_member(&id, &member).await?))
}

async fn update_member(
    State(reg): Reg,
    param: Membership,
    body: Result<Json<StatusBody>, JsonRejection>,
) -> Answer<Json<Member>> {
    let Query(MemberParams { id, member }) = param?;
    let Json(StatusBody { status }) = body?;
    Ok(Json(reg.update_member(&id, &member, status).await?))
}

async fn delete_member(State(reg): Reg, param: Membership) -> Answer<StatusCode> {
    let Query(MemberParams { id, member }) = param?;
    reg.delete_member(&id, &member).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn health(State(reg): Reg) -> Answer<StatusCode> {
    reg.health().await?;
    Ok(StatusCode::NO_CONTENT)
}
