//! Work on one RBD image: filling a new image chunk by chunk (with up to
//! [`DEPTH`] asynchronous writes in flight), reading a span of one, and
//! removing one with its snapshot. Every call blocks on the cluster;
//! callers run them on blocking threads. Errors keep librbd's errno
//! kind and say what was being done.

use crate::error::context;
use crate::ffi::{Image, IoCtx};
use bytes::Bytes;
use std::io;
use std::sync::Arc;

/// The most an image of unknown size grows by at once (upstream's cap).
const MAX_GROWTH: u64 = 8 << 30;

/// How many chunk reads or writes one transfer keeps in flight.
pub(crate) const DEPTH: usize = 4;

/// How a new image is laid out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    /// The initial size: the expected size, or 0 when unknown.
    pub(crate) size: u64,
    /// The image features.
    pub(crate) features: u64,
    /// The object order (log2 of the object size).
    pub(crate) order: u32,
    /// The growth step when data outruns the size (the chunk size).
    pub(crate) step: u64,
    /// Skip writing all-zero chunks (`rbd_thin_provisioning`).
    pub(crate) thin: bool,
}

/// A new image being written from the start.
pub(crate) struct NewImage {
    image: Image,
    name: String,
    allocated: u64,
    written: u64,
    step: u64,
    thin: bool,
}

impl NewImage {
    /// Creates and opens image `name` in `pool`; `AlreadyExists` if there
    /// is one. On error nothing was created (an image that cannot be opened
    /// is removed again); once this returns, removing the image on failure
    /// is the caller's job.
    pub(crate) fn create(pool: &Arc<IoCtx>, name: &str, layout: Layout) -> io::Result<NewImage> {
        pool.create_image(name, layout.size, layout.features, layout.order)
            .map_err(context(format_args!("creating image {name}")))?;
        let image = pool.open(name).map_err(|e| {
            // Best effort: the open error is the one worth reporting.
            let _ = pool.remove_image(name);
            context(format_args!("opening image {name}"))(e)
        })?;
        Ok(NewImage {
            image,
            name: name.to_owned(),
            allocated: layout.size,
            written: 0,
            step: layout.step,
            thin: layout.thin,
        })
    }

    /// Appends `chunk`, first growing the image if it would not fit: by the
    /// step, doubling each time up to [`MAX_GROWTH`], so large uploads of
    /// unknown size resize rarely. The write is asynchronous: up to
    /// [`DEPTH`] are in flight, and this waits for the oldest before
    /// returning with that many, so an error may surface on a later call
    /// (or in [`NewImage::finish`]).
    pub(crate) fn append(&mut self, chunk: Bytes) -> io::Result<()> {
        let end = self.written + chunk.len() as u64;
        if end > self.allocated {
            let size = end.max(self.allocated + self.step);
            self.resize(size)?;
            self.step = (self.step * 2).min(MAX_GROWTH);
        }
        if !(chunk.is_empty() || self.thin && is_zero(&chunk)) {
            self.image
                .aio_write(self.written, chunk)
                .map_err(context(format_args!("writing image {}", self.name)))?;
        }
        self.written = end;
        while self.image.in_flight() >= DEPTH {
            self.wait_oldest()?;
        }
        Ok(())
    }

    /// Waits for the oldest write in flight, if any; its error, if it failed.
    fn wait_oldest(&mut self) -> io::Result<()> {
        let Some(done) = self.image.aio_wait_oldest() else {
            return Ok(());
        };
        let offset = done.offset;
        done.result.map(drop).map_err(context(format_args!(
            "writing image {} at {offset}",
            self.name
        )))
    }

    /// Sets the size to the bytes written, then creates and protects
    /// `snapshot`. Returns the size.
    pub(crate) fn finish(mut self, snapshot: &str) -> io::Result<u64> {
        while self.image.in_flight() > 0 {
            self.wait_oldest()?;
        }
        if self.allocated != self.written {
            self.resize(self.written)?;
        }
        let name = &self.name;
        self.image
            .snap_create(snapshot)
            .map_err(context(format_args!("creating snapshot {name}@{snapshot}")))?;
        self.image
            .snap_protect(snapshot)
            .map_err(context(format_args!(
                "protecting snapshot {name}@{snapshot}"
            )))?;
        Ok(self.written)
    }

    /// Resizes the image to `size` bytes.
    fn resize(&mut self, size: u64) -> io::Result<()> {
        self.image.resize(size).map_err(context(format_args!(
            "resizing image {} to {size} bytes",
            self.name
        )))?;
        self.allocated = size;
        Ok(())
    }
}

/// Reads exactly `len` bytes of `image` at `offset`.
pub(crate) fn read_exact(image: &mut Image, offset: u64, len: usize) -> io::Result<Bytes> {
    // Zeroed by the allocator (fresh pages for large chunks), then filled.
    let mut buf = vec![0u8; len];
    let mut done = 0;
    while done < len {
        let n = image.read(offset + done as u64, &mut buf[done..])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the image ended early",
            ));
        }
        done += n;
    }
    Ok(buf.into())
}

/// Removes image `name`, first unprotecting and removing `snapshot` if
/// given (a snapshot that is missing or already unprotected is fine, as
/// upstream). `NotFound` if there is no such image; `ResourceBusy` if the
/// snapshot has clones (the image is then left whole) or the image is open
/// elsewhere; `DirectoryNotEmpty` if it has other snapshots.
pub(crate) fn remove(pool: &Arc<IoCtx>, name: &str, snapshot: Option<&str>) -> io::Result<()> {
    if let Some(snapshot) = snapshot {
        let mut image = pool
            .open(name)
            .map_err(context(format_args!("opening image {name}")))?;
        match image.snap_unprotect(snapshot) {
            Err(e)
                if !matches!(
                    e.kind(),
                    io::ErrorKind::InvalidInput | io::ErrorKind::NotFound
                ) =>
            {
                return Err(context(format_args!(
                    "unprotecting snapshot {name}@{snapshot}"
                ))(e));
            }
            _ => {}
        }
        match image.snap_remove(snapshot) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(context(format_args!("removing snapshot {name}@{snapshot}"))(e));
            }
            _ => {}
        }
    }
    pool.remove_image(name)
        .map_err(context(format_args!("removing image {name}")))
}

/// Whether `chunk` is all zero bytes (compared in blocks the compiler
/// vectorises).
fn is_zero(chunk: &[u8]) -> bool {
    chunk
        .chunks(64)
        .all(|block| block.iter().fold(0, |acc, &b| acc | b) == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_chunks_are_recognised() {
        assert!(is_zero(&[]));
        assert!(is_zero(&[0; 1000]));
        let mut chunk = vec![0; 1000];
        chunk[999] = 1;
        assert!(!is_zero(&chunk));
        chunk[999] = 0;
        chunk[0] = 0x80;
        assert!(!is_zero(&chunk));
    }
}
