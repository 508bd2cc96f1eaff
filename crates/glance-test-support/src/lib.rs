//! Helpers shared by the glance-rs test suites. Used only as a
//! dev-dependency; nothing here is shipped.
//!
//! - [`tls`]: a certificate authority made for the test, server
//!   certificates it signs for loopback, and an HTTPS listener for axum.
//! - [`http`]: a router served on loopback, and JSON answers read (the
//!   latter with feature `client`).
//! - [`cleanup`]: a guard running async clean-up when a test ends, also
//!   when it fails.
//! - [`db`] (feature `db`): a PostgreSQL schema or MySQL database per test.
//! - [`s3`], [`swift`], [`mongo`] (features of those names): direct access
//!   to the shared storage servers, to check what a store left and to
//!   remove what a test created.

pub mod cleanup;
#[cfg(feature = "db")]
pub mod db;
pub mod http;
#[cfg(feature = "mongo")]
pub mod mongo;
#[cfg(feature = "s3")]
pub mod s3;
#[cfg(feature = "swift")]
pub mod swift;
pub mod tls;
