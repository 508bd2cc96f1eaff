//! [`HttpStore`]: the [`Store`] implementation.

use crate::config;
use crate::fetch::{self, fetch, redacted};
use crate::range::{self, content_range};
use async_trait::async_trait;
use glance_config::ConfigFile;
use glance_store::{ByteRange, ByteStream, Store, StoreError, StoredObject};
use reqwest::header::CONTENT_LENGTH;
use reqwest::{Client, Method, StatusCode};
use url::Url;

/// Reads image data from `http://` and `https://` locations; never writes.
#[derive(Debug, Clone)]
pub struct HttpStore {
    client: Client,
}

impl HttpStore {
    /// Reads upstream's options from `[section]` (`glance_store` in
    /// single-store mode, the backend id in multi-store mode):
    /// `https_ca_certificates_file`, `https_insecure` (default `true`) and
    /// `http_proxy_information`. A bad value, or a CA file that cannot be
    /// read, is [`StoreError::Config`].
    pub async fn from_config(config: &ConfigFile, section: &str) -> Result<HttpStore, StoreError> {
        Ok(HttpStore {
            client: config::client(config, section).await?,
        })
    }

    /// The size of the object at `url`, from the `Content-Length` of a
    /// `HEAD`.
    async fn head_size(&self, url: &Url) -> Result<u64, StoreError> {
        let response = fetch(&self.client, Method::HEAD, url, None).await?;
        if response.status() == StatusCode::RANGE_NOT_SATISFIABLE {
            return Err(StoreError::Unavailable(format!(
                "{} answered a HEAD with {}",
                redacted(url),
                response.status()
            )));
        }
        response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok()?.trim().parse().ok())
            .ok_or_else(|| {
                StoreError::invalid_data(format!(
                    "{} did not tell its size (no Content-Length)",
                    redacted(url)
                ))
            })
    }
}

#[async_trait]
impl Store for HttpStore {
    fn driver(&self) -> &'static str {
        "http"
    }

    fn handles(&self, url: &str) -> bool {
        fetch::location(url).is_some()
    }

    fn read_only(&self) -> bool {
        true
    }

    async fn put(
        &self,
        _image_id: &str,
        _data: ByteStream,
        _size_hint: Option<u64>,
    ) -> Result<StoredObject, StoreError> {
        Err(StoreError::ReadOnly("http"))
    }

    async fn get(&self, url: &str, range: Option<ByteRange>) -> Result<ByteStream, StoreError> {
        let url = located(url)?;
        if let Some(range) = range
            && range.start > range.end
        {
            let size = self.head_size(&url).await?;
            return Err(StoreError::RangeNotSatisfiable { size });
        }
        let response = fetch(&self.client, Method::GET, &url, range).await?;
        if response.status() == StatusCode::RANGE_NOT_SATISFIABLE {
            let size = match content_range(&response).size {
                Some(size) => size,
                None => self.head_size(&url).await?,
            };
            return Err(StoreError::RangeNotSatisfiable { size });
        }
        match range {
            None => Ok(range::body(response)),
            Some(range) => range::ranged(response, range).await,
        }
    }

    /// The `Content-Length` of a `HEAD` (what upstream checks when a
    /// location is added to an image).
    async fn size(&self, url: &str) -> Result<u64, StoreError> {
        self.head_size(&located(url)?).await
    }

    async fn delete(&self, _url: &str) -> Result<(), StoreError> {
        Err(StoreError::ReadOnly("http"))
    }
}

/// The parsed location, or [`StoreError::UnknownLocation`].
fn located(url: &str) -> Result<Url, StoreError> {
    fetch::location(url).ok_or_else(|| StoreError::UnknownLocation(url.to_owned()))
}
