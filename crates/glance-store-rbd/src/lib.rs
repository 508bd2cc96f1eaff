//! The Ceph RBD store driver (`rbd`): each image is an RBD image in a Ceph
//! pool, named by the image id, with a protected snapshot `snap` so Nova and
//! Cinder can clone it copy-on-write. Talks to the cluster through librados
//! and librbd (linked from the system); their blocking calls run on tokio's
//! blocking threads.
//!
//! [`RbdStore::from_config`] reads upstream's options from a config section;
//! see [`RbdStore`] for the location form.

mod config;
mod download;
mod error;
mod ffi;
mod image;
mod location;
mod rados;
mod store;
mod upload;

pub use store::RbdStore;

use glance_store::StoreError;
use std::io;

/// Runs blocking librados/librbd work off the async worker threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Io(io::Error::other(e)))?
}
