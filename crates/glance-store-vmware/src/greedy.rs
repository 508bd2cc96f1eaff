//! A reader that hands over everything already available in one read.
//!
//! A TLS stream answers each read with at most one record (16 KiB of
//! plaintext), and hyper makes every read of a response body a chunk of its
//! own, passed between tasks with a wake-up each. [`Greedy`] repeats the
//! read until the caller's buffer is full or nothing more is ready, so
//! hyper's adaptive read buffer grows and a download arrives in chunks of
//! hundreds of KiB.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// An [`AsyncRead`] that fills as much of each buffer as `inner` can
/// without waiting; writes pass through.
pub(crate) struct Greedy<S> {
    inner: S,
    /// A read error that followed bytes already handed over, for the next read.
    error: Option<io::Error>,
}

impl<S> Greedy<S> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: S) -> Self {
        Greedy { inner, error: None }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Greedy<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(error) = this.error.take() {
            return Poll::Ready(Err(error));
        }
        let start = buf.filled().len();
        loop {
            let before = buf.filled().len();
            match Pin::new(&mut this.inner).poll_read(cx, buf) {
                Poll::Ready(Ok(())) if buf.filled().len() > before && buf.remaining() > 0 => {}
                Poll::Ready(Err(error)) if buf.filled().len() > start => {
                    this.error = Some(error);
                    return Poll::Ready(Ok(()));
                }
                Poll::Pending if buf.filled().len() > start => return Poll::Ready(Ok(())),
                other => return other,
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Greedy<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::Greedy;
    use std::collections::VecDeque;
    use std::io;
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

    /// What one read of [`Scripted`] does.
    enum Step {
        /// Hands over these bytes (at most as many as fit).
        Data(Vec<u8>),
        /// Has nothing ready (and wakes the task at once).
        Pending,
        /// Fails.
        Fail,
    }

    /// A reader that plays a script, then reports the end of the stream.
    struct Scripted(VecDeque<Step>);

    impl AsyncRead for Scripted {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let steps = &mut self.get_mut().0;
            match steps.pop_front() {
                None => Poll::Ready(Ok(())),
                Some(Step::Data(mut data)) => {
                    let n = data.len().min(buf.remaining());
                    buf.put_slice(&data[..n]);
                    let rest = data.split_off(n);
                    if !rest.is_empty() {
                        steps.push_front(Step::Data(rest));
                    }
                    Poll::Ready(Ok(()))
                }
                Some(Step::Pending) => {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
                Some(Step::Fail) => Poll::Ready(Err(io::Error::other("reset"))),
            }
        }
    }

    fn greedy(steps: Vec<Step>) -> Greedy<Scripted> {
        Greedy::new(Scripted(steps.into()))
    }

    async fn read(reader: &mut Greedy<Scripted>, capacity: usize) -> io::Result<usize> {
        let mut buf = vec![0; capacity];
        reader.read(&mut buf).await
    }

    #[tokio::test]
    async fn reads_gather_records_until_nothing_is_ready() {
        use Step::*;
        let mut reader = greedy(vec![
            Data(vec![1; 100]),
            Data(vec![2; 100]),
            Data(vec![3; 50]),
            Pending,
            Data(vec![4; 10]),
        ]);
        assert_eq!(read(&mut reader, 1000).await.unwrap(), 250);
        assert_eq!(read(&mut reader, 1000).await.unwrap(), 10);
        assert_eq!(read(&mut reader, 1000).await.unwrap(), 0, "end of stream");
    }

    #[tokio::test]
    async fn a_full_buffer_ends_the_read() {
        use Step::*;
        let mut reader = greedy(vec![Data(vec![1; 100]), Data(vec![2; 100])]);
        let mut buf = vec![0; 150];
        assert_eq!(reader.read(&mut buf).await.unwrap(), 150);
        assert_eq!(&buf[100..], [2; 50]);
    }

    #[tokio::test]
    async fn an_error_after_data_comes_with_the_next_read() {
        use Step::*;
        let mut reader = greedy(vec![Data(vec![1; 100]), Fail, Data(vec![2; 10])]);
        assert_eq!(read(&mut reader, 1000).await.unwrap(), 100);
        assert_eq!(
            read(&mut reader, 1000).await.unwrap_err().to_string(),
            "reset"
        );
        assert_eq!(read(&mut reader, 1000).await.unwrap(), 10);

        let mut reader = greedy(vec![Fail]);
        assert!(
            read(&mut reader, 1000).await.is_err(),
            "an error with no data"
        );
    }

    #[tokio::test]
    async fn the_end_of_the_stream_ends_the_read() {
        let mut reader = greedy(vec![Step::Data(vec![1; 100])]);
        assert_eq!(read(&mut reader, 1000).await.unwrap(), 100);
        assert_eq!(read(&mut reader, 1000).await.unwrap(), 0);
    }
}
