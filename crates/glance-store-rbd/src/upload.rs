//! `put`: the async side gathers the source into chunk-size blocks (as
//! upstream writes) and passes them through a one-slot channel to a blocking
//! writer thread, which creates the image, writes it (up to
//! [`image::DEPTH`] asynchronous writes in flight), fixes its size and
//! snapshots it. Memory is at most `DEPTH + 2` blocks whatever the image
//! size: those in flight, one in the channel and one being gathered.
//!
//! The writer owns the image from creation to the end and removes it on any
//! failure: a librbd error, the source failing or the `put` future being
//! dropped (both close the channel without [`Feed::End`]), or nobody left to
//! take the result.

use crate::error::store_error;
use crate::ffi::IoCtx;
use crate::image::{self, Layout, NewImage};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use glance_store::{ByteStream, StoreError};
use std::io;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// What the writer thread receives.
enum Feed {
    /// The next block of data.
    Block(Bytes),
    /// The source ended cleanly: finish the image.
    End,
}

/// The image a `put` creates.
pub(crate) struct Job {
    /// The pool's I/O context.
    pub(crate) pool: Arc<IoCtx>,
    /// The image name (the image id).
    pub(crate) name: String,
    /// The snapshot to create and protect at the end.
    pub(crate) snapshot: &'static str,
    /// The location, for [`StoreError::Duplicate`].
    pub(crate) url: String,
    /// How to lay the image out.
    pub(crate) layout: Layout,
    /// The block size.
    pub(crate) chunk_size: usize,
}

/// Streams `data` into the new image; returns the bytes stored. A source
/// error is [`StoreError::SourceFailed`], reported once the partial image is
/// gone.
pub(crate) async fn upload(job: Job, data: ByteStream) -> Result<u64, StoreError> {
    let chunk_size = job.chunk_size;
    let (tx, rx) = mpsc::channel(1);
    let (done_tx, done_rx) = oneshot::channel();
    tokio::task::spawn_blocking(move || write(job, rx, done_tx));
    let source = feed(data, chunk_size, &tx).await;
    drop(tx);
    let written = done_rx
        .await
        .map_err(|_| StoreError::Io(io::Error::other("the RBD writer thread died")))?;
    source.map_err(StoreError::SourceFailed)?;
    written
}

/// Sends `data` in blocks of `chunk_size` bytes, then [`Feed::End`]. Stops
/// early, without error, if the writer has gone (it reports why).
async fn feed(mut data: ByteStream, chunk_size: usize, tx: &mpsc::Sender<Feed>) -> io::Result<()> {
    let mut block = BytesMut::with_capacity(chunk_size);
    while let Some(piece) = data.next().await {
        let mut piece = piece?;
        while !piece.is_empty() {
            let take = (chunk_size - block.len()).min(piece.len());
            block.extend_from_slice(&piece.split_to(take));
            if block.len() == chunk_size {
                let full = std::mem::replace(&mut block, BytesMut::with_capacity(chunk_size));
                if tx.send(Feed::Block(full.freeze())).await.is_err() {
                    return Ok(());
                }
            }
        }
    }
    if !block.is_empty() && tx.send(Feed::Block(block.freeze())).await.is_err() {
        return Ok(());
    }
    // An error here means the writer has gone; it reports why.
    let _ = tx.send(Feed::End).await;
    Ok(())
}

/// The writer thread: creates, fills and finishes the image, removing it
/// again on any failure, and sends the outcome on `done`.
fn write(job: Job, mut rx: mpsc::Receiver<Feed>, done: oneshot::Sender<Result<u64, StoreError>>) {
    let image = match NewImage::create(&job.pool, &job.name, job.layout) {
        Ok(image) => image,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let _ = done.send(Err(StoreError::Duplicate(job.url)));
            return;
        }
        Err(e) => {
            let _ = done.send(Err(store_error(e)));
            return;
        }
    };
    let outcome = fill(image, &mut rx, job.snapshot);
    drop(rx);
    match outcome {
        Ok(size) => {
            if done.send(Ok(size)).is_err() {
                // The put was dropped after the last block: nobody will
                // record this location, so take the image back.
                discard(&job);
            }
        }
        Err(e) => {
            discard(&job);
            let _ = done.send(Err(e));
        }
    }
}

/// Writes every block into `image` until [`Feed::End`], then finishes it.
/// The image is closed when this returns, after every write in flight has
/// completed (also on error).
fn fill(
    mut image: NewImage,
    rx: &mut mpsc::Receiver<Feed>,
    snapshot: &str,
) -> Result<u64, StoreError> {
    loop {
        match rx.blocking_recv() {
            Some(Feed::Block(block)) => image.append(block).map_err(store_error)?,
            Some(Feed::End) => return image.finish(snapshot).map_err(store_error),
            None => {
                return Err(StoreError::Io(io::Error::new(
                    io::ErrorKind::Interrupted,
                    "the upload was abandoned",
                )));
            }
        }
    }
}

/// Removes the partial image (and its snapshot, if it got that far).
fn discard(job: &Job) {
    match image::remove(&job.pool, &job.name, Some(job.snapshot)) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(image = %job.name, "could not remove a failed upload: {e}"),
    }
}
