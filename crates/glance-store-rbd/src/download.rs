//! `get`: open the image read-only at the location's snapshot (the head for
//! legacy locations), then a blocking reader thread keeps up to
//! [`DEPTH`] asynchronous chunk-size reads in flight and sends them, in
//! order, into a one-slot channel, so memory stays at `DEPTH + 2` chunks
//! whatever the image size. Dropping the stream stops the reader, which
//! waits for its reads in flight and closes the image.
//! `size` opens the image the same way and reads only its size.

use crate::error::{context, store_error};
use crate::ffi::AioBuf;
use crate::ffi::{Image, IoCtx};
use crate::image::{DEPTH, read_exact};
use crate::location::Location;
use bytes::Bytes;
use glance_store::{ByteRange, ByteStream, StoreError};
use std::io;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Streams the image at `location` (whose URL is `url`), or `range` of it.
pub(crate) async fn download(
    pool: Arc<IoCtx>,
    location: Location,
    url: &str,
    range: Option<ByteRange>,
    chunk_size: usize,
) -> Result<ByteStream, StoreError> {
    let url = url.to_owned();
    let name = location.image().to_owned();
    let (image, size) = crate::blocking(move || open(&pool, &location, url)).await?;
    let (start, len) = match range {
        None => (0, size),
        Some(range) => {
            let range = range.clamp_to(size)?;
            (range.start, range.length())
        }
    };
    let (tx, mut rx) = mpsc::channel(1);
    let reader = Reader {
        image,
        name,
        chunk_size,
    };
    tokio::task::spawn_blocking(move || reader.send(start, start + len, tx));
    Ok(Box::pin(futures::stream::poll_fn(move |cx| {
        rx.poll_recv(cx)
    })))
}

/// Opens the image at `location` (whose URL is `url`) read-only at its
/// snapshot (the head for legacy locations) and reads its size there:
/// [`StoreError::NotFound`] if there is no such image or snapshot. Blocks
/// on the cluster.
pub(crate) fn open(
    pool: &Arc<IoCtx>,
    location: &Location,
    url: String,
) -> Result<(Image, u64), StoreError> {
    let name = location.image();
    let image = pool
        .open_read_only(name, location.snapshot())
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => StoreError::NotFound(url),
            _ => store_error(context(format_args!("opening image {name}"))(e)),
        })?;
    let size = image
        .size()
        .map_err(context(format_args!("reading the size of image {name}")))
        .map_err(store_error)?;
    Ok((image, size))
}

/// The reader thread's state.
struct Reader {
    image: Image,
    name: String,
    chunk_size: usize,
}

impl Reader {
    /// Sends `start..end` of the image in chunks until done, the first
    /// error, or the receiver is gone. Reads run ahead of the sending by up
    /// to [`DEPTH`] chunks; any still in flight when this returns are
    /// waited for when the image is dropped.
    fn send(mut self, start: u64, end: u64, tx: mpsc::Sender<io::Result<Bytes>>) {
        let mut next = start;
        loop {
            while next < end && self.image.in_flight() < DEPTH {
                let len = (end - next).min(self.chunk_size as u64) as usize;
                if let Err(e) = self.image.aio_read(next, len) {
                    let _ = tx.blocking_send(Err(self.failed(next, len, e)));
                    return;
                }
                next += len as u64;
            }
            let Some(done) = self.image.aio_wait_oldest() else {
                return;
            };
            let chunk = self.finish(done);
            let failed = chunk.is_err();
            if tx.blocking_send(chunk).is_err() || failed {
                return;
            }
        }
    }

    /// The data of a finished read, completing a short one synchronously.
    fn finish(&mut self, done: crate::ffi::AioDone) -> io::Result<Bytes> {
        let AioBuf::Read(mut buf) = done.buf else {
            unreachable!("the reader only queues reads")
        };
        let (offset, len) = (done.offset, buf.len());
        let n = done.result.map_err(|e| self.failed(offset, len, e))?;
        if n < len {
            let rest = read_exact(&mut self.image, offset + n as u64, len - n)
                .map_err(|e| self.failed(offset, len, e))?;
            buf[n..].copy_from_slice(&rest);
        }
        Ok(buf.into())
    }

    /// `e` saying which read failed.
    fn failed(&self, offset: u64, len: usize, e: io::Error) -> io::Error {
        context(format_args!(
            "reading {len} bytes of image {} at {offset}",
            self.name
        ))(e)
    }
}
