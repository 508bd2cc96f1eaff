//! `get`: open the image read-only at the location's snapshot (the head for
//! legacy locations), then a blocking reader thread reads chunk-size spans
//! into a one-slot channel, so memory stays at a few chunks whatever the
//! image size. Dropping the stream stops the reader and closes the image.
//! `size` opens the image the same way and reads only its size.

use crate::error::{context, store_error};
use crate::ffi::{Image, IoCtx};
use crate::image::read_exact;
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
    /// error, or the receiver is gone.
    fn send(mut self, start: u64, end: u64, tx: mpsc::Sender<io::Result<Bytes>>) {
        let mut offset = start;
        while offset < end {
            let len = (end - offset).min(self.chunk_size as u64) as usize;
            let chunk = read_exact(&mut self.image, offset, len).map_err(context(format_args!(
                "reading {len} bytes of image {} at {offset}",
                self.name
            )));
            let failed = chunk.is_err();
            if tx.blocking_send(chunk).is_err() || failed {
                return;
            }
            offset += len as u64;
        }
    }
}
