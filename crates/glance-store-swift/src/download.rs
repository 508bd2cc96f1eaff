//! Reading an image, whole or a byte range, streamed as Swift sends it
//! (Swift itself stitches an SLO's segments together).

use crate::client::Swift;
use crate::error::status;
use futures::{StreamExt, TryStreamExt};
use glance_store::{ByteRange, ByteStream, StoreError};
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, RANGE};
use reqwest::{Method, Response, StatusCode};
use std::io;

/// Streams `container/object` (located by `url`), or `range` of it.
pub(crate) async fn get(
    swift: &Swift,
    container: &str,
    object: &str,
    url: &str,
    range: Option<ByteRange>,
) -> Result<ByteStream, StoreError> {
    let what = format!("downloading {container}/{object}");
    if let Some(range) = range
        && range.start > range.end
    {
        let size = size(swift, container, object, url).await?;
        return Err(StoreError::RangeNotSatisfiable { size });
    }
    let response = swift
        .send(
            Method::GET,
            container,
            Some(object),
            &what,
            |request| match range {
                Some(range) => {
                    request.header(RANGE, format!("bytes={}-{}", range.start, range.end))
                }
                None => request,
            },
        )
        .await?;
    match (response.status(), range) {
        (StatusCode::OK, None) | (StatusCode::PARTIAL_CONTENT, Some(_)) => {
            Ok(response.bytes_stream().map_err(io::Error::other).boxed())
        }
        (StatusCode::NOT_FOUND, _) => Err(StoreError::NotFound(url.to_owned())),
        (StatusCode::RANGE_NOT_SATISFIABLE, _) => {
            let size = match unsatisfied_size(&response) {
                Some(size) => size,
                None => size(swift, container, object, url).await?,
            };
            Err(StoreError::RangeNotSatisfiable { size })
        }
        _ => Err(status(&what, response).await),
    }
}

/// The object size from a `HEAD` (located by `url`, for errors): for an
/// SLO or DLO manifest, Swift answers with the size of the whole image.
pub(crate) async fn size(
    swift: &Swift,
    container: &str,
    object: &str,
    url: &str,
) -> Result<u64, StoreError> {
    let what = format!("reading the size of {container}/{object}");
    let response = swift
        .send(Method::HEAD, container, Some(object), &what, |r| r)
        .await?;
    match response.status() {
        StatusCode::NOT_FOUND => Err(StoreError::NotFound(url.to_owned())),
        code if code.is_success() => response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .ok_or_else(|| StoreError::Io(io::Error::other(format!("{what}: no Content-Length")))),
        _ => Err(status(&what, response).await),
    }
}

/// The size in a `416`'s `Content-Range: bytes */<size>`.
fn unsatisfied_size(response: &Response) -> Option<u64> {
    response
        .headers()
        .get(CONTENT_RANGE)?
        .to_str()
        .ok()?
        .strip_prefix("bytes */")?
        .parse()
        .ok()
}
