//! Reading datastore files: a streamed `GET` on the `/folder` URL, ranges
//! through the `Range` header, sizes from a `HEAD`.

use crate::chunks::Coalesce;
use crate::location::Location;
use crate::store::{Inner, status_error};
use futures::{StreamExt, TryStreamExt};
use glance_store::{ByteRange, ByteStream, ContentRange, StoreError};
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE};
use reqwest::{Method, Response, StatusCode};
use std::io;

/// Streams the file of `location`, or `range` of it.
pub(crate) async fn get(
    inner: &Inner,
    location: &Location,
    range: Option<ByteRange>,
) -> Result<ByteStream, StoreError> {
    if let Some(range) = range
        && range.start > range.end
    {
        let size = size(inner, location).await?;
        return Err(StoreError::RangeNotSatisfiable { size });
    }
    let response = inner.request(Method::GET, &location.https, range).await?;
    match (response.status(), range) {
        (StatusCode::OK, None) => Ok(body(response)),
        (StatusCode::PARTIAL_CONTENT, Some(range)) => {
            let ContentRange { span, size } = content_range(&response);
            let want = range.clamp_to(size.ok_or_else(|| no_content_range(location))?)?;
            if span != Some((want.start, want.end)) {
                return Err(StoreError::invalid_data(format!(
                    "{} sent {span:?} for bytes {}-{}",
                    location.https, want.start, want.end
                )));
            }
            Ok(body(response))
        }
        (StatusCode::RANGE_NOT_SATISFIABLE, _) => {
            let size = match content_range(&response).size {
                Some(size) => size,
                None => size(inner, location).await?,
            };
            Err(StoreError::RangeNotSatisfiable { size })
        }
        (StatusCode::NOT_FOUND, _) => Err(StoreError::NotFound(location.url.clone())),
        (status, _) if status.is_success() => Err(StoreError::invalid_data(format!(
            "{} answered {status} to a {} request",
            location.https,
            if range.is_some() { "ranged" } else { "full" }
        ))),
        (status, _) => Err(status_error(status, &location.https)),
    }
}

/// Whether the file of `location` exists (a `HEAD`).
pub(crate) async fn exists(inner: &Inner, location: &Location) -> Result<bool, StoreError> {
    let response = inner.request(Method::HEAD, &location.https, None).await?;
    match response.status() {
        StatusCode::OK => Ok(true),
        StatusCode::NOT_FOUND => Ok(false),
        status => Err(status_error(status, &location.https)),
    }
}

/// The size of the file of `location`, from a `HEAD`.
pub(crate) async fn size(inner: &Inner, location: &Location) -> Result<u64, StoreError> {
    let response = inner.request(Method::HEAD, &location.https, None).await?;
    match response.status() {
        StatusCode::OK => response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok()?.trim().parse().ok())
            .ok_or_else(|| {
                StoreError::invalid_data(format!("{} sent no Content-Length", location.https))
            }),
        StatusCode::NOT_FOUND => Err(StoreError::NotFound(location.url.clone())),
        status => Err(status_error(status, &location.https)),
    }
}

/// The body of `response` as a stream, in chunks of at least 256 KiB
/// rather than one per TLS record.
fn body(response: Response) -> ByteStream {
    Coalesce::new(response.bytes_stream().map_err(io::Error::other).boxed()).boxed()
}

/// The `Content-Range` of `response`; all `None` if absent or malformed.
fn content_range(response: &Response) -> ContentRange {
    let value = response.headers().get(CONTENT_RANGE);
    value
        .and_then(|value| glance_store::content_range(value.to_str().ok()?))
        .unwrap_or_default()
}

/// A 206 without a usable `Content-Range`.
fn no_content_range(location: &Location) -> StoreError {
    StoreError::invalid_data(format!(
        "{} sent a partial answer without a Content-Range",
        location.https
    ))
}
