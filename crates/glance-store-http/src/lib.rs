//! The `http` store driver: read-only access to image data kept on any web
//! server, for images whose location is an `http://` or `https://` URL.
//!
//! [`HttpStore`] streams an object with a `GET` (following up to four
//! redirects, as upstream glance_store does), answers ranged reads with a
//! `Range` header (trimming the body itself when a server ignores it), and
//! measures an object with a `HEAD`
//! ([`Store::size`](glance_store::Store::size)). It never writes: `put` and
//! `delete` fail with [`glance_store::StoreError::ReadOnly`].

mod config;
mod fetch;
mod range;
mod store;

pub use store::HttpStore;
