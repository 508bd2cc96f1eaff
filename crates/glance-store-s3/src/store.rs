//! [`S3Store`]: the [`Store`] implementation.

use crate::client::S3Client;
use crate::config::{S3Config, UploadSettings};
use crate::location::{self, S3Location};
use crate::{download, upload};
use async_trait::async_trait;
use glance_config::ConfigFile;
use glance_store::{ByteRange, ByteStream, Store, StoreError, StoredObject};
use reqwest::Certificate;
use rusty_s3::Credentials;
use std::sync::Arc;

/// Keeps each image as the object `<image id>` in one S3 bucket, located by
/// `s3://<access key>:<secret key>@<host>/<bucket>/<image id>` (`s3+https`
/// for an https host), as upstream glance_store does.
#[derive(Debug)]
pub struct S3Store {
    client: Arc<S3Client>,
    credentials: Credentials,
    /// The location scheme (`s3` or `s3+https`).
    scheme: &'static str,
    /// The host part of locations.
    service: String,
    bucket: String,
    create_bucket_on_put: bool,
    upload: UploadSettings,
    /// The config section, for messages.
    section: String,
}

impl S3Store {
    /// Builds the store from the `s3_store_*` options of `section`
    /// (`glance_store` in single-store mode, the backend id in multi-store
    /// mode). `s3_store_host`, `s3_store_access_key`, `s3_store_secret_key`
    /// and `s3_store_bucket` are required; a missing or invalid option is
    /// [`StoreError::Config`] naming the section and key. The server is not
    /// contacted until the first request.
    pub async fn from_config(config: &ConfigFile, section: &str) -> Result<S3Store, StoreError> {
        let config = S3Config::from_config(config, section)?;
        let roots = match &config.cacert {
            None => None,
            Some(path) => {
                let pem = tokio::fs::read(path).await.map_err(|e| {
                    StoreError::Config(format!(
                        "[{section}] s3_store_cacert: cannot read {}: {e}",
                        path.display()
                    ))
                })?;
                let roots = Certificate::from_pem_bundle(&pem).map_err(|e| {
                    StoreError::Config(format!(
                        "[{section}] s3_store_cacert: {} is not a PEM bundle: {e}",
                        path.display()
                    ))
                })?;
                Some(roots)
            }
        };
        let client = S3Client::new(
            config.endpoint,
            config.url_style,
            &config.bucket,
            &config.region,
            roots,
        )
        .map_err(|e| StoreError::Config(format!("[{section}] s3_store_host: {e}")))?;
        Ok(S3Store {
            client: Arc::new(client),
            credentials: config.credentials,
            scheme: config.scheme,
            service: config.service,
            bucket: config.bucket,
            create_bucket_on_put: config.create_bucket_on_put,
            upload: config.upload,
            section: section.to_owned(),
        })
    }

    /// The location if `url` is one of this store's: an S3 location over
    /// the same transport, naming this store's host and bucket.
    fn own_location(&self, url: &str) -> Option<S3Location> {
        let location = S3Location::parse(url)?;
        let same = location.is_https() == (self.scheme == "s3+https")
            && location.service.eq_ignore_ascii_case(&self.service)
            && location.bucket == self.bucket;
        same.then_some(location)
    }

    /// [`Self::own_location`], or [`StoreError::UnknownLocation`].
    fn locate(&self, url: &str) -> Result<S3Location, StoreError> {
        self.own_location(url)
            .ok_or_else(|| StoreError::UnknownLocation(url.to_owned()))
    }

    /// Makes sure the bucket exists before an upload: creates it when
    /// `s3_store_create_bucket_on_put` is set, else says how to fix it.
    async fn ensure_bucket(&self) -> Result<(), StoreError> {
        if self.client.bucket_exists(&self.credentials).await? {
            return Ok(());
        }
        if self.create_bucket_on_put {
            tracing::info!(
                "creating bucket {} at {}",
                self.bucket,
                self.client.endpoint()
            );
            return match self.client.create_bucket(&self.credentials).await {
                Ok(()) => Ok(()),
                // A concurrent upload may have just created it (servers
                // then answer BucketAlreadyOwnedByYou or BucketAlreadyExists).
                Err(_) if self.client.bucket_exists(&self.credentials).await? => Ok(()),
                Err(e) => Err(e),
            };
        }
        Err(StoreError::Config(format!(
            "[{}] s3_store_bucket: bucket {:?} does not exist at {}; create it or set \
             s3_store_create_bucket_on_put = true",
            self.section,
            self.bucket,
            self.client.endpoint()
        )))
    }
}

#[async_trait]
impl Store for S3Store {
    fn driver(&self) -> &'static str {
        "s3"
    }

    fn handles(&self, url: &str) -> bool {
        self.own_location(url).is_some()
    }

    fn properties(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut props = serde_json::Map::new();
        props.insert(
            "s3_store_large_object_size".into(),
            self.upload.large_object_size.into(),
        );
        props.insert(
            "s3_store_large_object_chunk_size".into(),
            self.upload.chunk_size.into(),
        );
        props.insert(
            "s3_store_thread_pools".into(),
            self.upload.thread_pools.into(),
        );
        props
    }

    async fn put(
        &self,
        image_id: &str,
        data: ByteStream,
        size_hint: Option<u64>,
    ) -> Result<StoredObject, StoreError> {
        if image_id.is_empty() || image_id.contains('/') {
            return Err(StoreError::invalid_image_id(image_id));
        }
        let url = location::format(
            self.scheme,
            &self.credentials,
            &self.service,
            &self.bucket,
            image_id,
        );
        self.ensure_bucket().await?;
        if self
            .client
            .object_size(&self.credentials, image_id)
            .await?
            .is_some()
        {
            return Err(StoreError::Duplicate(url));
        }
        let size = upload::upload(
            &self.client,
            &self.credentials,
            self.upload,
            image_id,
            data,
            size_hint,
        )
        .await?;
        tracing::debug!(
            "stored {size} bytes as {} in bucket {}",
            image_id,
            self.bucket
        );
        Ok(StoredObject { url, size })
    }

    async fn get(&self, url: &str, range: Option<ByteRange>) -> Result<ByteStream, StoreError> {
        let location = self.locate(url)?;
        let creds = location.credentials_or(&self.credentials);
        download::download(&self.client, &creds, self.upload, url, &location.key, range).await
    }

    /// A `HEAD` on the object: its `Content-Length`.
    async fn size(&self, url: &str) -> Result<u64, StoreError> {
        let location = self.locate(url)?;
        let creds = location.credentials_or(&self.credentials);
        self.client
            .object_size(&creds, &location.key)
            .await?
            .ok_or_else(|| StoreError::NotFound(url.to_owned()))
    }

    async fn delete(&self, url: &str) -> Result<(), StoreError> {
        let location = self.locate(url)?;
        let creds = location.credentials_or(&self.credentials);
        let not_found = || StoreError::NotFound(url.to_owned());
        self.client
            .object_size(&creds, &location.key)
            .await?
            .ok_or_else(not_found)?;
        if self.client.delete_object(&creds, &location.key).await? {
            Ok(())
        } else {
            Err(not_found())
        }
    }
}
