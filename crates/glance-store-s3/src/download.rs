//! Reading an image: the `GET` answer's body streamed as it arrives; a
//! range is first fitted to the object's size (from a `HEAD`).

use crate::client::S3Client;
use futures::{StreamExt, TryStreamExt};
use glance_store::{ByteRange, ByteStream, StoreError};
use rusty_s3::Credentials;
use std::io;

/// Streams object `key` (located by `url`), or `range` of it.
pub(crate) async fn download(
    client: &S3Client,
    creds: &Credentials,
    url: &str,
    key: &str,
    range: Option<ByteRange>,
) -> Result<ByteStream, StoreError> {
    let not_found = || StoreError::NotFound(url.to_owned());
    let range = match range {
        None => None,
        Some(range) => {
            let size = client
                .object_size(creds, key)
                .await?
                .ok_or_else(not_found)?;
            Some(range.clamp_to(size)?)
        }
    };
    let response = client
        .get_object(creds, key, range)
        .await?
        .ok_or_else(not_found)?;
    Ok(response
        .bytes_stream()
        .map_err(|e| io::Error::other(e.without_url()))
        .boxed())
}
