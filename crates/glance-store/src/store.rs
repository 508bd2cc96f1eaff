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

/// Keeps image bytes: one implementation per driver (file, s3, swift, rbd,
/// vmware, gridfs, http).
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The driver name (`file`, `s3`, ...).
    fn driver(&self) -> &'static str;

    /// Whether a location URL belongs to this store.
    fn handles(&self, url: &str) -> bool;

    /// Whether the store only reads (the `http` driver): `put` and `delete`
    /// then fail with [`StoreError::ReadOnly`].
    fn read_only(&self) -> bool {
        false
    }

    /// The driver properties `GET /v2/info/stores/detail` shows for this
    /// store (upstream's keys per driver, e.g. `pool` and `chunk_size` for rbd).
    fn properties(&self) -> serde_json::Map<String, serde_json::Value> {
        serde_json::Map::new()
    }

    /// Streams `data` into a new object for `image_id`, pulling chunks only as
    /// fast as it can write them. `size_hint` is the expected size when the
    /// caller knows it (a `Content-Length`); it is advice for sizing
    /// (preallocation, part sizes), and the object holds exactly the streamed
    /// bytes or the put fails. If `data` yields an error, or the future is
    /// dropped, nothing is left behind; the error comes back as
    /// [`StoreError::SourceFailed`].
    async fn put(
        &self,
        image_id: &str,
        data: ByteStream,
        size_hint: Option<u64>,
    ) -> Result<StoredObject, StoreError>;

    /// Streams an object, or the given range of it.
    async fn get(&self, url: &str, range: Option<ByteRange>) -> Result<ByteStream, StoreError>;

    /// The size of the object at `url`. The default reads it through; drivers
    /// that can ask the server (a HEAD, a stat) override this.
    async fn size(&self, url: &str) -> Result<u64, StoreError> {
        use futures::TryStreamExt;
        let body = self.get(url, None).await?;
        body.try_fold(0u64, |n, chunk| async move { Ok(n + chunk.len() as u64) })
            .await
            .map_err(StoreError::Io)
    }

    /// Removes an object. [`StoreError::NotFound`] if it is not there.
    async fn delete(&self, url: &str) -> Result<(), StoreError>;
}
