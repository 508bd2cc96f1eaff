//! glance-api: the OpenStack Images API v2.
//!
//! [`service`] holds every image operation; [`routes`] is the thin axum layer
//! over it; [`startup`] is the composition root that reads the configuration
//! and picks the registry and store implementations; [`sweep`] recovers
//! uploads abandoned by a node that died.

#![recursion_limit = "256"]

pub mod auth;
pub mod drivers;
pub mod error;
mod negotiate;
mod request_id;
pub mod routes;
pub mod schemas;
pub mod service;
pub mod settings;
pub mod startup;
pub mod state;
pub mod stores;
pub mod sweep;

pub use error::ApiError;
pub use routes::router;
pub use state::AppState;
