//! The image data of one upload, pulled chunk by chunk: counted, held to
//! the announced size, and cut into parts.

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use glance_store::ByteStream;
use std::io;

/// Reads an upload's data stream.
pub(crate) struct Source {
    data: ByteStream,
    /// The announced size, which the data must match exactly.
    expected: Option<u64>,
    /// Bytes pulled from `data` so far.
    received: u64,
    /// A chunk pulled ahead and not handed out yet.
    pending: Option<Bytes>,
    /// Whether `data` has ended (it is not polled again).
    ended: bool,
}

impl Source {
    /// Reads `data`, which must hold exactly `expected` bytes when given.
    pub(crate) fn new(data: ByteStream, expected: Option<u64>) -> Source {
        Source {
            data,
            expected,
            received: 0,
            pending: None,
            ended: false,
        }
    }

    /// The next non-empty chunk, or `None` at the end. The stream's own
    /// error, or data longer or shorter than announced, is an error.
    pub(crate) async fn next_chunk(&mut self) -> io::Result<Option<Bytes>> {
        if let Some(chunk) = self.pending.take() {
            return Ok(Some(chunk));
        }
        while !self.ended {
            match self.data.next().await {
                None => self.ended = true,
                Some(Err(e)) => return Err(e),
                Some(Ok(chunk)) if chunk.is_empty() => {}
                Some(Ok(chunk)) => {
                    self.received += chunk.len() as u64;
                    return match self.expected {
                        Some(expected) if self.received > expected => Err(too_long(expected)),
                        // The announced size is reached: the data must end
                        // here, which is checked before the last chunk is
                        // handed out (a `PUT` sends no more than announced,
                        // so any excess would go unnoticed).
                        Some(expected) if self.received == expected => {
                            self.expect_end(expected).await.map(|()| Some(chunk))
                        }
                        _ => Ok(Some(chunk)),
                    };
                }
            }
        }
        match self.expected {
            Some(expected) if self.received < expected => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "image data ended after {} of the {expected} bytes announced",
                    self.received
                ),
            )),
            _ => Ok(None),
        }
    }

    /// Pulls from `data` until it ends; more data is an error.
    async fn expect_end(&mut self, expected: u64) -> io::Result<()> {
        loop {
            match self.data.next().await {
                None => {
                    self.ended = true;
                    return Ok(());
                }
                Some(Err(e)) => return Err(e),
                Some(Ok(chunk)) if chunk.is_empty() => {}
                Some(Ok(_)) => return Err(too_long(expected)),
            }
        }
    }

    /// The next `limit` bytes, fewer only where the data ends.
    pub(crate) async fn fill(&mut self, limit: u64) -> io::Result<Bytes> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut part = BytesMut::new();
        while part.len() < limit {
            let Some(mut chunk) = self.next_chunk().await? else {
                break;
            };
            let room = limit - part.len();
            if chunk.len() > room {
                self.pending = Some(chunk.split_off(room));
            }
            if part.is_empty() && chunk.len() == limit {
                // The chunk is the whole part: no copy.
                return Ok(chunk);
            }
            if part.is_empty() {
                part.reserve(self.part_capacity(limit, chunk.len()));
            }
            part.extend_from_slice(&chunk);
        }
        Ok(part.freeze())
    }

    /// Whether the data is exhausted; pulls one chunk ahead to know.
    pub(crate) async fn at_end(&mut self) -> io::Result<bool> {
        if self.pending.is_some() {
            return Ok(false);
        }
        match self.next_chunk().await? {
            Some(chunk) => {
                self.pending = Some(chunk);
                Ok(false)
            }
            None => Ok(true),
        }
    }

    /// Room to reserve for a part of at most `limit` bytes starting with a
    /// chunk of `first` bytes: no more than the announced data can fill.
    fn part_capacity(&self, limit: usize, first: usize) -> usize {
        match self.expected {
            Some(expected) => {
                let left = expected.saturating_sub(self.received);
                limit.min(first.saturating_add(usize::try_from(left).unwrap_or(usize::MAX)))
            }
            None => limit,
        }
    }
}

/// The error for data longer than announced.
fn too_long(expected: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("image data is longer than the {expected} bytes announced"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::stream;

    fn source(chunks: &[&'static [u8]], expected: Option<u64>) -> Source {
        let chunks: Vec<io::Result<Bytes>> =
            chunks.iter().map(|c| Ok(Bytes::from_static(c))).collect();
        Source::new(stream::iter(chunks).boxed(), expected)
    }

    #[tokio::test]
    async fn fill_cuts_parts_across_chunks() {
        let mut data = source(&[b"abc", b"", b"defg", b"h"], None);
        assert_eq!(data.fill(5).await.unwrap(), "abcde");
        assert!(!data.at_end().await.unwrap());
        assert_eq!(data.fill(2).await.unwrap(), "fg");
        assert_eq!(data.fill(5).await.unwrap(), "h");
        assert!(data.at_end().await.unwrap());
        assert_eq!(data.fill(5).await.unwrap(), "");
        assert!(data.at_end().await.unwrap());
    }

    #[tokio::test]
    async fn exact_announced_size_passes() {
        let mut data = source(&[b"abc", b"de", b""], Some(5));
        assert_eq!(data.fill(10).await.unwrap(), "abcde");
        assert!(data.at_end().await.unwrap());
        let mut empty = source(&[b""], Some(0));
        assert!(empty.at_end().await.unwrap());
    }

    #[tokio::test]
    async fn data_longer_than_announced_fails_before_the_last_chunk() {
        // The first 4 bytes match the announced size; the excess is seen
        // before they are handed out.
        let mut data = source(&[b"ab", b"cd", b"e"], Some(4));
        assert_eq!(data.next_chunk().await.unwrap().unwrap(), "ab");
        let error = data.next_chunk().await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(
            error.to_string().contains("longer than the 4 bytes"),
            "{error}"
        );
        let mut data = source(&[b"abc"], Some(0));
        assert!(data.at_end().await.is_err());
    }

    #[tokio::test]
    async fn data_shorter_than_announced_fails_at_its_end() {
        let mut data = source(&[b"ab"], Some(4));
        let error = data.fill(10).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
        assert!(
            error.to_string().contains("after 2 of the 4 bytes"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn stream_errors_pass_through() {
        let chunks = vec![Ok(Bytes::from_static(b"ab")), Err(io::Error::other("gone"))];
        let mut data = Source::new(stream::iter(chunks).boxed(), None);
        assert_eq!(data.fill(10).await.unwrap_err().to_string(), "gone");
    }
}
