//! Reading an image. The first request is a `GET` of the first chunk
//! (`s3_store_large_object_chunk_size` bytes) of the object or of the range
//! asked for; its `206` answer tells the object's size and ETag, so no
//! `HEAD` is needed. An object (or range) that fits in that answer is
//! streamed as it arrives. A larger one is read on as consecutive ranges of
//! one chunk, a few fetched at once by tasks and yielded strictly in order
//! (one connection is often slower than the server), each asked for with
//! `If-Match: <ETag>` and its answer's ETag checked too (s3s-fs ignores
//! `If-Match` on `GET`): an object replaced while being read ends the stream
//! with an error instead of mixing the bytes of two objects.

use crate::client::S3Client;
use crate::config::UploadSettings;
use crate::error::ServerError;
use bytes::Bytes;
use futures::channel::mpsc;
use futures::future::{self, BoxFuture};
use futures::{FutureExt, Stream, StreamExt, TryStreamExt, stream};
use glance_store::{ByteRange, ByteStream, StoreError, content_range};
use reqwest::header::{CONTENT_RANGE, ETAG};
use reqwest::{Response, StatusCode};
use rusty_s3::Credentials;
use std::io;
use std::sync::Arc;
use tokio::task::AbortHandle;

/// The most ranges fetched (and so buffered) at once, whatever
/// `s3_store_thread_pools` says: memory stays within this many chunks.
const MAX_RANGES_IN_FLIGHT: usize = 4;

/// Streams object `key` (located by `url`), or `range` of it.
pub(crate) async fn download(
    client: &Arc<S3Client>,
    creds: &Credentials,
    settings: UploadSettings,
    url: &str,
    key: &str,
    range: Option<ByteRange>,
) -> Result<ByteStream, StoreError> {
    let not_found = || StoreError::NotFound(url.to_owned());
    let concurrency = settings.thread_pools.min(MAX_RANGES_IN_FLIGHT);
    let chunk = settings.chunk_size.max(1);
    if range.is_some_and(|r| r.end < r.start) {
        // Unsatisfiable whatever the size, but the error carries the size.
        let size = client
            .object_size(creds, key)
            .await?
            .ok_or_else(not_found)?;
        return Err(StoreError::RangeNotSatisfiable { size });
    }
    let first = first_request(range, chunk, concurrency);
    let response = match client.get_object(creds, key, first, None).await? {
        Ok(response) => response,
        Err(e) if e.is_not_found() => return Err(not_found()),
        Err(e) if e.status == StatusCode::RANGE_NOT_SATISFIABLE => {
            return match range {
                // The object is empty: only a plain `GET` reads it.
                None => plain_get(client, creds, key).await?.ok_or_else(not_found),
                // The range starts at or after the end of the object.
                Some(_) => {
                    let size = client
                        .object_size(creds, key)
                        .await?
                        .ok_or_else(not_found)?;
                    Err(StoreError::RangeNotSatisfiable { size })
                }
            };
        }
        Err(e) => return Err(client.fail(e)),
    };
    // A server that ignores ranges sends the whole object.
    if response.status() == StatusCode::OK && range.is_none() {
        return Ok(body(response));
    }
    let Some(first) = first.filter(|_| response.status() == StatusCode::PARTIAL_CONTENT) else {
        return Err(StoreError::invalid_data(format!(
            "S3 at {} answered GET object {key} ({first:?}) with HTTP {}",
            client.endpoint(),
            response.status()
        )));
    };
    let (sent, size) = answered_span(&response).ok_or_else(|| {
        StoreError::invalid_data(format!(
            "S3 at {} sent no valid Content-Range for object {key}",
            client.endpoint()
        ))
    })?;
    let whole = range
        .unwrap_or(ByteRange {
            start: 0,
            end: u64::MAX,
        })
        .clamp_to(size)?;
    if sent.start != first.start || sent.end > whole.end {
        return Err(StoreError::invalid_data(format!(
            "S3 at {} sent bytes {}-{} of object {key} when asked for {}-{}",
            client.endpoint(),
            sent.start,
            sent.end,
            first.start,
            first.end
        )));
    }
    if sent.end == whole.end {
        return Ok(body(response));
    }
    let etag = response
        .headers()
        .get(ETAG)
        .and_then(|etag| etag.to_str().ok())
        .map(Arc::<str>::from)
        .ok_or_else(|| {
            StoreError::invalid_data(format!(
                "S3 at {} sent no ETag for object {key}",
                client.endpoint()
            ))
        })?;
    let rest = ByteRange {
        start: sent.end + 1,
        end: whole.end,
    };
    let source = Source {
        client: Arc::clone(client),
        creds: creds.clone(),
        key: key.into(),
        etag,
    };
    Ok(in_ranges(source, response, sent, rest, chunk, concurrency))
}

/// The range the first `GET` asks for: with parallel reads, the first chunk
/// of `range` (of the object when `None`); else all of `range`, or no
/// `Range` header for a full get.
fn first_request(range: Option<ByteRange>, chunk: u64, concurrency: usize) -> Option<ByteRange> {
    if concurrency < 2 {
        return range;
    }
    let start = range.map_or(0, |r| r.start);
    let end = start.saturating_add(chunk - 1);
    Some(ByteRange {
        start,
        end: range.map_or(end, |r| r.end.min(end)),
    })
}

/// A plain `GET` of `key`'s whole body; `None` if it does not exist.
async fn plain_get(
    client: &S3Client,
    creds: &Credentials,
    key: &str,
) -> Result<Option<ByteStream>, StoreError> {
    match client.get_object(creds, key, None, None).await? {
        Ok(response) => Ok(Some(body(response))),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(client.fail(e)),
    }
}

/// An answer's body as it arrives.
fn body(response: Response) -> ByteStream {
    response
        .bytes_stream()
        .map_err(|e| io::Error::other(e.without_url()))
        .boxed()
}

/// The bytes a `206` answer holds and the object's size, from its
/// `Content-Range`.
fn answered_span(response: &Response) -> Option<(ByteRange, u64)> {
    let value = response.headers().get(CONTENT_RANGE)?.to_str().ok()?;
    let parsed = content_range(value)?;
    let (start, end) = parsed.span?;
    let size = parsed.size?;
    (start <= end && end < size).then_some((ByteRange { start, end }, size))
}

/// `range` cut into consecutive ranges of `chunk` bytes (the last may be
/// shorter).
fn split(range: ByteRange, chunk: u64) -> impl Iterator<Item = ByteRange> {
    let ByteRange { start, end } = range;
    std::iter::successors(Some(start), move |&first| first.checked_add(chunk))
        .take_while(move |&first| first <= end)
        .map(move |first| ByteRange {
            start: first,
            end: first.saturating_add(chunk - 1).min(end),
        })
}

/// The object being read in ranges, as its first answer found it.
#[derive(Clone)]
struct Source {
    client: Arc<S3Client>,
    creds: Credentials,
    key: Arc<str>,
    /// The ETag of the first answer: every range must come from it.
    etag: Arc<str>,
}

impl Source {
    /// The error ending the stream when the object is no longer the one
    /// whose first bytes were sent.
    fn changed(&self) -> io::Error {
        io::Error::other(format!(
            "S3 at {}: object {} changed while being read",
            self.client.endpoint(),
            self.key
        ))
    }

    /// The answer to a `GET` of `part`, checked to come from the same
    /// object (ETag) as the first answer.
    async fn fetch(self, part: ByteRange) -> io::Result<Response> {
        let answer = self
            .client
            .get_object(&self.creds, &self.key, Some(part), Some(&self.etag))
            .await
            .map_err(io::Error::other)?;
        let response = match answer {
            Ok(response) => response,
            Err(e) if e.status == StatusCode::PRECONDITION_FAILED => return Err(self.changed()),
            Err(e) if e.is_not_found() => {
                return Err(io::Error::other(format!(
                    "S3 at {}: object {} vanished while being read",
                    self.client.endpoint(),
                    self.key
                )));
            }
            Err(e) => return Err(io::Error::other(self.client.fail(e))),
        };
        if response.status() != StatusCode::PARTIAL_CONTENT {
            return Err(io::Error::other(ServerError::new(
                "GET object range",
                response.status(),
                "",
            )));
        }
        let etag = response.headers().get(ETAG).map(|etag| etag.as_bytes());
        if etag.is_some_and(|etag| etag != self.etag.as_bytes()) {
            return Err(self.changed());
        }
        Ok(response)
    }
}

/// Streams the body of `first`, the answer for `sent`, then `rest` as
/// ranges of `chunk` bytes, at most `concurrency` ranges fetched at once
/// (the one being read included), in order. An error in any range ends the
/// stream with that error.
fn in_ranges(
    source: Source,
    first: Response,
    sent: ByteRange,
    rest: ByteRange,
    chunk: u64,
    concurrency: usize,
) -> ByteStream {
    let first: BoxFuture<'static, io::Result<Response>> = future::ready(Ok(first)).boxed();
    let parts = std::iter::once((sent, Some(first))).chain(split(rest, chunk).map(|p| (p, None)));
    // `buffered` starts the next ranges' tasks (ready at once) while the
    // current one is read; the tasks run on their own meanwhile.
    let ranges = stream::iter(parts)
        .map(move |(part, answer)| {
            let answer = answer.unwrap_or_else(|| source.clone().fetch(part).boxed());
            future::ready(read_part(part, answer))
        })
        .buffered(concurrency.max(1))
        .flatten();
    // Stop after the first error rather than reading on.
    ranges
        .scan(false, |failed, item| {
            let item = (!*failed).then(|| {
                *failed = item.is_err();
                item
            });
            future::ready(item)
        })
        .boxed()
}

/// Aborts the fetching task when the reader drops its range.
struct AbortOnDrop(AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts a task that awaits `answer` (for `part`) and reads its body;
/// returns the bytes as they arrive. The stream ends with an error if the
/// part comes short or long.
fn read_part(
    part: ByteRange,
    answer: BoxFuture<'static, io::Result<Response>>,
) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    // Unbounded, but a task sends at most its part's bytes.
    let (tx, rx) = mpsc::unbounded();
    let task = tokio::spawn(async move {
        let response = match answer.await {
            Ok(response) => response,
            Err(e) => {
                let _ = tx.unbounded_send(Err(e));
                return;
            }
        };
        let mut body = response.bytes_stream();
        while let Some(item) = body.next().await {
            let item = item.map_err(|e| io::Error::other(e.without_url()));
            let failed = item.is_err();
            if tx.unbounded_send(item).is_err() || failed {
                return;
            }
        }
    });
    let state = (rx, part.length(), AbortOnDrop(task.abort_handle()));
    stream::unfold(Some(state), move |state| async move {
        let (mut rx, remaining, guard) = state?;
        match rx.next().await {
            Some(Ok(bytes)) => {
                let len = bytes.len() as u64;
                if len > remaining {
                    let e = io::Error::other(format!(
                        "S3 sent more than the {} bytes asked for at offset {}",
                        part.length(),
                        part.start
                    ));
                    return Some((Err(e), None));
                }
                Some((Ok(bytes), Some((rx, remaining - len, guard))))
            }
            Some(Err(e)) => Some((Err(e), None)),
            None if remaining == 0 => None,
            None => {
                let e = io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "S3 sent {} of the {} bytes at offset {}",
                        part.length() - remaining,
                        part.length(),
                        part.start
                    ),
                );
                Some((Err(e), None))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(start: u64, end: u64) -> ByteRange {
        ByteRange { start, end }
    }

    #[test]
    fn split_covers_the_range_in_order() {
        assert_eq!(
            split(range(3, 12), 4).collect::<Vec<_>>(),
            [range(3, 6), range(7, 10), range(11, 12)]
        );
        assert_eq!(
            split(range(0, 7), 4).collect::<Vec<_>>(),
            [range(0, 3), range(4, 7)]
        );
        assert_eq!(split(range(5, 5), 4).collect::<Vec<_>>(), [range(5, 5)]);
        assert_eq!(
            split(range(u64::MAX - 2, u64::MAX), 2).collect::<Vec<_>>(),
            [range(u64::MAX - 2, u64::MAX - 1), range(u64::MAX, u64::MAX)]
        );
    }

    #[test]
    fn first_request_asks_for_one_chunk_when_reading_in_parallel() {
        assert_eq!(first_request(None, 4, 2), Some(range(0, 3)));
        assert_eq!(first_request(Some(range(5, 100)), 4, 4), Some(range(5, 8)));
        assert_eq!(first_request(Some(range(5, 6)), 4, 4), Some(range(5, 6)));
        assert_eq!(
            first_request(Some(range(u64::MAX - 1, u64::MAX)), 4, 4),
            Some(range(u64::MAX - 1, u64::MAX))
        );
    }

    #[test]
    fn first_request_asks_for_everything_when_reading_serially() {
        assert_eq!(first_request(None, 4, 1), None);
        assert_eq!(
            first_request(Some(range(5, 100)), 4, 1),
            Some(range(5, 100))
        );
    }
}
