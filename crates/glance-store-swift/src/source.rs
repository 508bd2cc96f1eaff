//! The image data being uploaded, handed out in pieces of bounded size and
//! checked against the size the caller announced.

use bytes::Bytes;
use futures::StreamExt;
use glance_store::ByteStream;
use std::io;

/// A [`ByteStream`] read piecewise: a chunk that straddles a piece
/// boundary is split and its rest kept for the next piece.
pub(crate) struct Source {
    stream: ByteStream,
    pending: Option<Bytes>,
    done: bool,
    read: u64,
    expected: Option<u64>,
}

impl Source {
    /// Reads `stream`, which must hold exactly `expected` bytes when given.
    pub(crate) fn new(stream: ByteStream, expected: Option<u64>) -> Source {
        Source {
            stream,
            pending: None,
            done: false,
            read: 0,
            expected,
        }
    }

    /// The next piece of at most `max` bytes (never empty), or `None` at
    /// the end of the data.
    pub(crate) async fn next(&mut self, max: u64) -> io::Result<Option<Bytes>> {
        let Some(mut chunk) = self.pull().await? else {
            return Ok(None);
        };
        let max = usize::try_from(max).unwrap_or(usize::MAX);
        if chunk.len() > max {
            self.pending = Some(chunk.split_off(max));
        }
        Ok(Some(chunk))
    }

    /// Bytes still to come, when the size was announced.
    pub(crate) fn remaining(&self) -> Option<u64> {
        let pending = self.pending.as_ref().map_or(0, |p| p.len() as u64);
        self.expected
            .map(|expected| expected.saturating_sub(self.read - pending))
    }

    /// Whether the data has ended (looks ahead one chunk).
    pub(crate) async fn at_end(&mut self) -> io::Result<bool> {
        let chunk = self.pull().await?;
        let end = chunk.is_none();
        self.pending = chunk;
        Ok(end)
    }

    /// Checks that nothing follows what was read.
    pub(crate) async fn finish(&mut self) -> io::Result<()> {
        match self.pull().await? {
            None => Ok(()),
            Some(_) => Err(self.too_long()),
        }
    }

    /// The next non-empty chunk, checking the announced size.
    async fn pull(&mut self) -> io::Result<Option<Bytes>> {
        if let Some(chunk) = self.pending.take() {
            return Ok(Some(chunk));
        }
        while !self.done {
            match self.stream.next().await {
                None => self.done = true,
                Some(Err(e)) => return Err(e),
                Some(Ok(chunk)) if chunk.is_empty() => {}
                Some(Ok(chunk)) => {
                    self.read += chunk.len() as u64;
                    if self.expected.is_some_and(|expected| self.read > expected) {
                        return Err(self.too_long());
                    }
                    return Ok(Some(chunk));
                }
            }
        }
        match self.expected {
            Some(expected) if self.read < expected => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "image data ended after {} of the announced {expected} bytes",
                    self.read
                ),
            )),
            _ => Ok(None),
        }
    }

    /// The error for data beyond the announced size.
    fn too_long(&self) -> io::Error {
        let announced = self
            .expected
            .map_or_else(String::new, |size| format!(" {size}"));
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("image data is longer than the announced{announced} bytes"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::stream;

    fn source(chunks: &[&'static [u8]], expected: Option<u64>) -> Source {
        let items: Vec<io::Result<Bytes>> =
            chunks.iter().map(|c| Ok(Bytes::from_static(c))).collect();
        Source::new(stream::iter(items).boxed(), expected)
    }

    #[tokio::test]
    async fn splits_chunks_at_piece_boundaries() {
        let mut s = source(&[b"abcde", b"", b"fg"], Some(7));
        assert_eq!(s.remaining(), Some(7));
        assert_eq!(s.next(3).await.unwrap().unwrap(), "abc");
        assert_eq!(s.remaining(), Some(4));
        assert_eq!(s.next(3).await.unwrap().unwrap(), "de");
        assert!(!s.at_end().await.unwrap());
        assert_eq!(s.next(10).await.unwrap().unwrap(), "fg");
        assert!(s.at_end().await.unwrap());
        assert!(s.next(1).await.unwrap().is_none());
        s.finish().await.unwrap();
    }

    #[tokio::test]
    async fn enforces_the_announced_size() {
        let mut short = source(&[b"abc"], Some(5));
        assert_eq!(short.next(10).await.unwrap().unwrap(), "abc");
        let err = short.next(10).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);

        let mut long = source(&[b"abc", b"def"], Some(5));
        assert_eq!(long.next(10).await.unwrap().unwrap(), "abc");
        assert_eq!(
            long.next(10).await.unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );

        let mut unknown = source(&[b"abc"], None);
        assert_eq!(unknown.next(2).await.unwrap().unwrap(), "ab");
        assert_eq!(
            unknown.finish().await.unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
    }
}
