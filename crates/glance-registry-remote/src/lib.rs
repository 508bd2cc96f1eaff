//! glance-registry: the [`Registry`](glance_registry::Registry) trait as its
//! own daemon, and the client glance-api uses to reach it.
//!
//! - [`router`]: the daemon's HTTP/JSON application over any registry
//!   (the protocol is described in the `wire` module's docs), guarded by
//!   a [`Guard`].
//! - [`RemoteRegistry`]: the client, itself a `Registry`, so glance-api
//!   holds the daemon as `Arc<dyn Registry>` exactly as it holds the
//!   embedded `SqlRegistry`.
//! - [`startup`]: the daemon's composition root, used by the
//!   `glance-registry` binary.

mod auth;
mod client;
mod error;
mod server;
pub mod startup;
mod wire;

pub use auth::Guard;
pub use client::RemoteRegistry;
pub use error::SetupError;
pub use server::router;
pub use wire::SECRET_HEADER;
