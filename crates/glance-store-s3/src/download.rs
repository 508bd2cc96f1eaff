//! Reading an image: the `GET` answer's body streamed as it arrives; a
//! range is first fitted to the object's size (from a `HEAD`). An object
//! (or range) larger than `s3_store_large_object_chunk_size` is read as
//! consecutive ranges of that size, a few fetched at once by tasks and
//! yielded strictly in order, since one connection is often slower than
//! the server.

use crate::client::S3Client;
use crate::config::UploadSettings;
use bytes::Bytes;
use futures::channel::mpsc;
use futures::{Stream, StreamExt, TryStreamExt, stream};
use glance_store::{ByteRange, ByteStream, StoreError};
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
    // Ranges are planned from the object's size, so a full get asks for it
    // too when it may be read in ranges.
    let (range, planned) = match range {
        None if concurrency < 2 => (None, None),
        None => {
            let size = client
                .object_size(creds, key)
                .await?
                .ok_or_else(not_found)?;
            let whole = (size > 0).then(|| ByteRange {
                start: 0,
                end: size - 1,
            });
            (None, whole)
        }
        Some(range) => {
            let size = client
                .object_size(creds, key)
                .await?
                .ok_or_else(not_found)?;
            let range = range.clamp_to(size)?;
            (Some(range), Some(range))
        }
    };
    if let Some(planned) = planned.filter(|r| concurrency >= 2 && r.length() > chunk) {
        return Ok(in_ranges(client, creds, key, planned, chunk, concurrency));
    }
    let response = client
        .get_object(creds, key, range)
        .await?
        .ok_or_else(not_found)?;
    Ok(response
        .bytes_stream()
        .map_err(|e| io::Error::other(e.without_url()))
        .boxed())
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

/// Streams `range` of `key` as ranges of `chunk` bytes, at most
/// `concurrency` of them fetched at once (the one being read included),
/// in order. An error in any range ends the stream with that error.
fn in_ranges(
    client: &Arc<S3Client>,
    creds: &Credentials,
    key: &str,
    range: ByteRange,
    chunk: u64,
    concurrency: usize,
) -> ByteStream {
    let client = Arc::clone(client);
    let creds = Arc::new(creds.clone());
    let key: Arc<str> = key.into();
    // `buffered` starts the next ranges' tasks (ready at once) while the
    // current one is read; the tasks run on their own meanwhile.
    let ranges = stream::iter(split(range, chunk))
        .map(move |part| {
            futures::future::ready(fetch(
                Arc::clone(&client),
                Arc::clone(&creds),
                Arc::clone(&key),
                part,
            ))
        })
        .buffered(concurrency)
        .flatten();
    // Stop after the first error rather than reading on.
    ranges
        .scan(false, |failed, item| {
            let item = (!*failed).then(|| {
                *failed = item.is_err();
                item
            });
            futures::future::ready(item)
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

/// Starts a task that fetches `part` of `key`; returns its bytes as they
/// arrive. The stream ends with an error if the part comes short.
fn fetch(
    client: Arc<S3Client>,
    creds: Arc<Credentials>,
    key: Arc<str>,
    part: ByteRange,
) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    // Unbounded, but a task sends at most its part's bytes.
    let (tx, rx) = mpsc::unbounded();
    let task = tokio::spawn(async move {
        let response = match client.get_object(&creds, &key, Some(part)).await {
            Ok(Some(response)) => response,
            Ok(None) => {
                let _ = tx.unbounded_send(Err(io::Error::other(format!(
                    "S3 at {}: object {key} vanished while being read",
                    client.endpoint()
                ))));
                return;
            }
            Err(e) => {
                let _ = tx.unbounded_send(Err(io::Error::other(e)));
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
}
