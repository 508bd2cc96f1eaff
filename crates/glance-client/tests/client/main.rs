//! glance-client against a real glance-api served in-process on loopback.

mod auth;
mod common;
mod errors;
mod images;
mod members;
mod timeouts;
mod tls;
mod wire;
