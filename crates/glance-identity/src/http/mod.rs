//! The Keystone v3 HTTP surface, meant to be nested at `/identity`.

mod auth_request;
mod base_url;
mod catalog;
mod discovery;
mod error;
mod listing;
mod token_body;
mod tokens;

use axum::Router;
use axum::routing::{get, post};

use crate::Identity;

/// Shared state of the identity routes.
#[derive(Clone)]
struct AppState {
    identity: Identity,
    public_base: Option<String>,
}

impl Identity {
    /// The Keystone v3 routes (`/`, `/v3`, `/v3/auth/tokens`,
    /// `/v3/auth/projects`, `/v3/users`, `/v3/projects`), to be nested at
    /// `/identity` in glance-api. URLs in responses start with `public_base`
    /// (glance-api's public root, e.g. `http://host:9292`) or, when `None`,
    /// with `http://<Host header>`.
    pub fn router(&self, public_base: Option<String>) -> Router {
        let state = AppState {
            identity: self.clone(),
            public_base: public_base.map(|b| b.trim_end_matches('/').to_owned()),
        };
        Router::new()
            .route("/", get(discovery::versions))
            .route("/v3", get(discovery::v3))
            .route("/v3/", get(discovery::v3))
            // `get` also answers HEAD, without the body.
            .route("/v3/auth/tokens", post(tokens::create).get(tokens::show))
            .route("/v3/auth/projects", get(listing::auth_projects))
            .route("/v3/users", get(listing::users))
            .route("/v3/projects", get(listing::projects))
            .with_state(state)
    }
}
