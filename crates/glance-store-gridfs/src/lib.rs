//! The `gridfs` store driver: image data kept as MongoDB GridFS files.
//!
//! Each image is one GridFS file in the bucket `fs` of the configured
//! database, whose `_id` is the image id (as upstream glance_store stored
//! them), located by `gridfs://<image id>`. The location carries no
//! connection details: the server and database come from the store's
//! configuration section (`mongodb_store_uri`, `mongodb_store_db`).

mod config;
mod download;
mod error;
mod location;
mod store;
mod upload;

pub use store::GridFsStore;
