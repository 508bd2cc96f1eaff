//! [`GridFsStore`]: the [`Store`] implementation.

use crate::config::Settings;
use crate::download::{self, ChunkDoc, FileShape};
use crate::error::store_error;
use crate::{location, upload};
use async_trait::async_trait;
use futures::{StreamExt, stream};
use glance_config::ConfigFile;
use glance_store::{ByteRange, ByteStream, Store, StoreError, StoredObject};
use mongodb::Client;
use mongodb::Collection;
use mongodb::bson::{Bson, doc};
use mongodb::error::{ErrorKind, GridFsErrorKind};
use mongodb::gridfs::GridFsBucket;
use mongodb::options::GridFsBucketOptions;
use std::io;

/// The GridFS bucket holding the images (upstream used the default one).
const BUCKET: &str = "fs";

/// Bytes per GridFS chunk: the GridFS default, as upstream wrote them.
const CHUNK_SIZE: u32 = 255 * 1024;

/// Keeps each image as the GridFS file `_id = <image id>` in the `fs`
/// bucket of one MongoDB database, located by `gridfs://<image id>`.
#[derive(Debug, Clone)]
pub struct GridFsStore {
    /// The `fs` bucket: uploads, file lookups and deletes.
    bucket: GridFsBucket,
    /// The bucket's chunks collection, for ranged reads.
    chunks: Collection<ChunkDoc>,
}

impl GridFsStore {
    /// Builds the store from `section` (`glance_store`, or the backend id
    /// in multi-store mode): `mongodb_store_uri` (required) and
    /// `mongodb_store_db` (default: the database named in the URI). The
    /// server is contacted lazily, on the first store call; a missing or
    /// unusable option is a [`StoreError::Config`] naming section and key.
    pub async fn from_config(
        config: &ConfigFile,
        section: &str,
    ) -> Result<GridFsStore, StoreError> {
        let settings = Settings::load(config, section).await?;
        let client = Client::with_options(settings.client).map_err(|e| {
            StoreError::Config(format!(
                "[{section}] mongodb_store_uri is not usable: {}",
                e.kind
            ))
        })?;
        let database = client.database(&settings.database);
        let bucket = database.gridfs_bucket(
            GridFsBucketOptions::builder()
                .bucket_name(BUCKET.to_owned())
                .chunk_size_bytes(CHUNK_SIZE)
                .build(),
        );
        let chunks = database.collection(&format!("{BUCKET}.chunks"));
        Ok(GridFsStore { bucket, chunks })
    }

    /// The size and chunk size of the file `file_id`, or
    /// [`StoreError::NotFound`] for `url` if there is none.
    async fn shape(&self, file_id: &str, url: &str) -> Result<FileShape, StoreError> {
        let file = self
            .bucket
            .find_one(doc! { "_id": file_id })
            .await
            .map_err(store_error)?
            .ok_or_else(|| StoreError::NotFound(url.to_owned()))?;
        Ok(FileShape {
            length: file.length,
            chunk_size: u64::from(file.chunk_size_bytes),
        })
    }
}

/// The file id of `url`, or [`StoreError::UnknownLocation`].
fn located(url: &str) -> Result<&str, StoreError> {
    location::file_id(url).ok_or_else(|| StoreError::UnknownLocation(url.to_owned()))
}

#[async_trait]
impl Store for GridFsStore {
    fn driver(&self) -> &'static str {
        "gridfs"
    }

    fn handles(&self, url: &str) -> bool {
        location::file_id(url).is_some()
    }

    async fn put(
        &self,
        image_id: &str,
        data: ByteStream,
        _size_hint: Option<u64>,
    ) -> Result<StoredObject, StoreError> {
        if !location::valid_id(image_id) {
            return Err(StoreError::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("image id {image_id:?} cannot name a GridFS location"),
            )));
        }
        let url = location::url(image_id);
        let existing = self
            .bucket
            .find_one(doc! { "_id": image_id })
            .await
            .map_err(store_error)?;
        if existing.is_some() {
            return Err(StoreError::Duplicate(url));
        }
        let target = upload::Target {
            bucket: self.bucket.clone(),
            chunks: self.chunks.clone(),
            chunk_size: CHUNK_SIZE,
        };
        let size = upload::upload(target, image_id, &url, data).await?;
        Ok(StoredObject { url, size })
    }

    async fn get(&self, url: &str, range: Option<ByteRange>) -> Result<ByteStream, StoreError> {
        let file_id = located(url)?;
        let shape = self.shape(file_id, url).await?;
        let range = match range {
            Some(range) => range.clamp_to(shape.length)?,
            None if shape.length == 0 => return Ok(stream::empty().boxed()),
            None => ByteRange {
                start: 0,
                end: shape.length - 1,
            },
        };
        download::stream_range(&self.chunks, file_id, shape, range).await
    }

    /// The `length` of the image's `fs.files` document.
    async fn size(&self, url: &str) -> Result<u64, StoreError> {
        let file_id = located(url)?;
        Ok(self.shape(file_id, url).await?.length)
    }

    async fn delete(&self, url: &str) -> Result<(), StoreError> {
        let file_id = located(url)?;
        match self.bucket.delete(Bson::String(file_id.to_owned())).await {
            Ok(()) => Ok(()),
            Err(e)
                if matches!(
                    *e.kind,
                    ErrorKind::GridFs(GridFsErrorKind::FileNotFound { .. })
                ) =>
            {
                Err(StoreError::NotFound(url.to_owned()))
            }
            Err(e) => Err(store_error(e)),
        }
    }
}
