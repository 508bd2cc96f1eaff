//! The Swift store driver for glance-rs (upstream's single-tenant `swift`
//! store): images in an OpenStack Swift account reached through tempauth
//! (v1.0) or Keystone v3.
//!
//! Images below `swift_store_large_object_size` (with a known size) are one
//! streaming `PUT`; larger or unsized ones become static large objects of
//! `swift_store_large_object_chunk_size` segments. Locations are upstream's
//! `swift+http(s)://<user>:<key>@<auth address>/<container>/<id>`, or
//! `swift+config://<reference>/<container>/<id>` with a
//! `swift_store_config_file`.

mod auth;
mod client;
mod config;
mod delete;
mod download;
mod error;
mod keystone;
mod location;
mod source;
mod store;
mod tempauth;
mod upload;

pub use store::SwiftStore;
