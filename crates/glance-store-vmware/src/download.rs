//! Reading datastore files: a streamed `GET` on the `/folder` URL (on a
//! connection of its own, see [`crate::fetch`]), ranges through the `Range`
//! header, sizes from a `HEAD`.

use crate::fetch::BodyStream;
use crate::location::Location;
use crate::store::{Inner, status_error};
use futures::StreamExt;
use glance_store::{ByteRange, ByteStream, ContentRange, StoreError};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, HeaderMap};

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
    let response = inner.fetch(&location.https, range).await?;
    match (response.status(), range) {
        (StatusCode::OK, None) => Ok(body(response)),
        (StatusCode::PARTIAL_CONTENT, Some(range)) => {
            let ContentRange { span, size } = content_range(response.headers());
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
            let size = match content_range(response.headers()).size {
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
    let response = inner.head(&location.https).await?;
    match response.status() {
        StatusCode::OK => Ok(true),
        StatusCode::NOT_FOUND => Ok(false),
        status => Err(status_error(status, &location.https)),
    }
}

/// The size of the file of `location`, from a `HEAD`.
pub(crate) async fn size(inner: &Inner, location: &Location) -> Result<u64, StoreError> {
    let response = inner.head(&location.https).await?;
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

/// The body of `response` as a stream, in chunks of what the connection
/// had ready (see [`crate::greedy`]).
fn body(response: hyper::Response<BodyStream>) -> ByteStream {
    response.into_body().boxed()
}

/// The `Content-Range` in `headers`; all `None` if absent or malformed.
fn content_range(headers: &HeaderMap) -> ContentRange {
    let value = headers.get(CONTENT_RANGE);
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
