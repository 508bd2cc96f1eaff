//! glance-client: a typed async client for the OpenStack Images API v2, with
//! the Keystone v3 authentication python-glanceclient does through
//! keystoneauth.
//!
//! [`Client::connect`] takes a [`Config`] (the `glance` CLI's global options),
//! authenticates if needed (password or token against Keystone v3, with
//! version discovery and a catalog lookup of the `image` endpoint) and then
//! offers one method per Images API call. Resources come back as [`Object`]s,
//! exactly as the server sent them; errors are [`ClientError`]s whose
//! `Display` is the text python-glanceclient prints for the same failure.
//!
//! Request and response bodies of image data are streamed: uploads take a
//! [`reqwest::Body`], downloads return a [`Download`] stream.

mod cache;
mod catalog;
mod client;
mod config;
mod debug;
mod error;
mod http;
mod images;
mod info;
mod keystone;
mod members;
mod tasks;

pub use client::Client;
pub use config::{Auth, Config, DEFAULT_USER_AGENT, PasswordAuth, Scope};
pub use error::{ClientError, INVALID_CREDENTIALS};
pub use images::Download;

/// A resource (image, member, task, info document…) as the server sent it,
/// keys in the server's order.
pub type Object = serde_json::Map<String, serde_json::Value>;
