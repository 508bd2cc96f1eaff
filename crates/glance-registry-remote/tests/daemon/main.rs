//! The daemon and its client over real HTTP on loopback: authentication,
//! errors, transport failures, and the real `glance-registry` binary behind
//! a real glance-api.

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod binary;
mod errors;
mod keystone;
mod transport;
