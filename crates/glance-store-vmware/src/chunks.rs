//! Coalescing a body stream into large chunks.
//!
//! The `/folder` `GET` arrives as one `Bytes` per TLS record (at most
//! 16 KiB); passed on as is, every record costs the API a write of its own.
//! [`Coalesce`] gathers them into chunks of at least [`MIN_CHUNK`] bytes
//! (the last one may be shorter) and at most [`MAX_CHUNK`] unless a single
//! upstream chunk is already larger, in which case it is passed on as is.
//! It holds at most one chunk in memory.

use bytes::{Bytes, BytesMut};
use futures::Stream;
use futures::stream::BoxStream;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

/// The size a chunk is flushed at.
pub(crate) const MIN_CHUNK: usize = 256 * 1024;
/// The size no gathered chunk exceeds.
pub(crate) const MAX_CHUNK: usize = 1024 * 1024;
/// What a fresh buffer is allocated with: a threshold plus a TLS record,
/// rounded up, so that the usual flush needs no reallocation.
const CAPACITY: usize = MIN_CHUNK + 32 * 1024;

type Item = Result<Bytes, io::Error>;

/// A stream of [`Bytes`] re-cut into chunks of [`MIN_CHUNK`]..=[`MAX_CHUNK`].
///
/// Errors are passed on in order: the bytes gathered before an error come
/// first, then the error, and then whatever the inner stream yields next.
pub(crate) struct Coalesce {
    inner: BoxStream<'static, Item>,
    buf: BytesMut,
    /// An item taken from `inner` that has to wait for `buf` to be flushed.
    pending: Option<Item>,
    done: bool,
}

impl Coalesce {
    pub(crate) fn new(inner: BoxStream<'static, Item>) -> Self {
        Coalesce {
            inner,
            buf: BytesMut::new(),
            pending: None,
            done: false,
        }
    }

    /// Everything gathered so far, leaving an empty buffer without capacity.
    fn flush(&mut self) -> Bytes {
        std::mem::take(&mut self.buf).freeze()
    }
}

impl Stream for Coalesce {
    type Item = Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Item>> {
        let this = self.get_mut();
        loop {
            let item = match this.pending.take() {
                Some(item) => item,
                None if this.done => {
                    return Poll::Ready((!this.buf.is_empty()).then(|| Ok(this.flush())));
                }
                None => match ready!(Pin::new(&mut this.inner).poll_next(cx)) {
                    Some(item) => item,
                    None => {
                        this.done = true;
                        continue;
                    }
                },
            };
            match item {
                Err(error) if this.buf.is_empty() => return Poll::Ready(Some(Err(error))),
                Err(error) => {
                    this.pending = Some(Err(error));
                    return Poll::Ready(Some(Ok(this.flush())));
                }
                Ok(chunk) if this.buf.is_empty() && chunk.len() >= MIN_CHUNK => {
                    return Poll::Ready(Some(Ok(chunk)));
                }
                Ok(chunk) if this.buf.len() + chunk.len() > MAX_CHUNK => {
                    this.pending = Some(Ok(chunk));
                    return Poll::Ready(Some(Ok(this.flush())));
                }
                Ok(chunk) => {
                    if this.buf.capacity() == 0 {
                        this.buf.reserve(CAPACITY.max(chunk.len()));
                    }
                    this.buf.extend_from_slice(&chunk);
                    if this.buf.len() >= MIN_CHUNK {
                        return Poll::Ready(Some(Ok(this.flush())));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Coalesce, Item, MAX_CHUNK, MIN_CHUNK};
    use bytes::Bytes;
    use futures::{StreamExt, stream};
    use std::io;

    fn chunk(len: usize, fill: u8) -> Item {
        Ok(Bytes::from(vec![fill; len]))
    }

    async fn collect(items: Vec<Item>) -> Vec<Result<Bytes, String>> {
        Coalesce::new(stream::iter(items).boxed())
            .map(|item| item.map_err(|error| error.to_string()))
            .collect()
            .await
    }

    fn lens(out: &[Result<Bytes, String>]) -> Vec<usize> {
        out.iter()
            .map(|item| item.as_ref().unwrap().len())
            .collect()
    }

    #[tokio::test]
    async fn records_are_gathered_and_the_remainder_flushed() {
        // 40 TLS records of 16 KiB: 256 KiB, 256 KiB, then 128 KiB.
        let items = (0..40).map(|i| chunk(16 * 1024, i as u8)).collect();
        let out = collect(items).await;
        assert_eq!(lens(&out), [MIN_CHUNK, MIN_CHUNK, 128 * 1024]);
        let joined: Vec<u8> = out
            .iter()
            .flat_map(|c| c.as_ref().unwrap().to_vec())
            .collect();
        let expected: Vec<u8> = (0..40).flat_map(|i| vec![i as u8; 16 * 1024]).collect();
        assert_eq!(joined, expected);
    }

    #[tokio::test]
    async fn uneven_records_cross_the_threshold_once() {
        // 10,000-byte pieces: a chunk is flushed at the first piece that
        // reaches 256 KiB (27 pieces = 270,000 bytes).
        let items = (0..60).map(|_| chunk(10_000, 7)).collect();
        let out = collect(items).await;
        assert_eq!(lens(&out), [270_000, 270_000, 60_000]);
    }

    #[tokio::test]
    async fn empty_streams_and_empty_pieces_yield_nothing() {
        assert!(collect(vec![]).await.is_empty());
        assert!(collect(vec![chunk(0, 0), chunk(0, 0)]).await.is_empty());
        assert_eq!(lens(&collect(vec![chunk(0, 0), chunk(5, 1)]).await), [5]);
    }

    #[tokio::test]
    async fn large_pieces_pass_through_and_never_overfill_a_chunk() {
        let items = vec![
            chunk(2 * MAX_CHUNK, 1),
            chunk(100, 2),
            chunk(MAX_CHUNK, 3),
            chunk(MIN_CHUNK, 4),
        ];
        let out = collect(items).await;
        assert_eq!(lens(&out), [2 * MAX_CHUNK, 100, MAX_CHUNK, MIN_CHUNK]);
    }

    #[tokio::test]
    async fn errors_come_after_the_bytes_before_them() {
        let items = vec![
            chunk(1000, 1),
            chunk(2000, 2),
            Err(io::Error::other("reset")),
            chunk(300, 3),
        ];
        let out = collect(items).await;
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].as_ref().unwrap().len(), 3000);
        assert_eq!(out[1].as_ref().unwrap_err(), "reset");
        assert_eq!(out[2].as_ref().unwrap().len(), 300);

        // An error with nothing gathered is passed on at once.
        let out = collect(vec![Err(io::Error::other("refused"))]).await;
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].as_ref().unwrap_err(), "refused");
    }
}
