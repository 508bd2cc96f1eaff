//! Helpers shared by the glance-rs test suites. Used only as a
//! dev-dependency; nothing here is shipped.
//!
//! - [`tls`]: a certificate authority made for the test, server
//!   certificates it signs for loopback, and an HTTPS listener for axum.

pub mod tls;
