//! The store trait.

use crate::StoreError;
use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;

/// A stream of image data chunks.
pub type ByteStream = BoxStream<'static, Result<Bytes, std::io::Error>>;

/// An inclusive byte range `start..=end` within an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// First byte.
    pub start: u64,
    /// Last byte (inclusive).
    pub end: u64,
}

/// What `put` stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// The location URL to record on the image.
    pub url: String,
    /// Bytes written.
    pub size: u64,
}

/// Keeps image bytes. Implementations: file (default), later s3, swift, rbd, http.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The driver name (`file`, `s3`, ...).
    fn driver(&self) -> &'static str;

    /// Whether a location URL belongs to this store.
    fn handles(&self, url: &str) -> bool;

    /// Streams `data` into a new object for `image_id`, pulling chunks only as
    /// fast as it can write them. If `data` yields an error, or the future is
    /// dropped, nothing is left behind; the error comes back as
    /// [`StoreError::SourceFailed`].
    async fn put(&self, image_id: &str, data: ByteStream) -> Result<StoredObject, StoreError>;

    /// Streams an object, or the given range of it.
    async fn get(&self, url: &str, range: Option<ByteRange>) -> Result<ByteStream, StoreError>;

    /// Removes an object. [`StoreError::NotFound`] if it is not there.
    async fn delete(&self, url: &str) -> Result<(), StoreError>;
}
