//! Writing an upload: stream into a hidden temp file from a blocking writer
//! thread, then fsync and rename it into place without clobbering.

use super::direct::BlockWriter;
use crate::{ByteStream, StoreError};
use bytes::Bytes;
use futures::StreamExt;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use tempfile::TempPath;
use tokio::sync::mpsc;

/// Chunks queued between the stream and the writer thread: small, so the
/// stream is pulled only as fast as the disk takes it.
const QUEUE_DEPTH: usize = 2;

/// Temp file name prefix; hidden, so it is never a valid object name.
const TEMP_PREFIX: &str = ".upload-";

/// Streams `data` into `target` (inside `dir`) and returns the bytes written.
///
/// The temp file's path is owned by this future: if the future is dropped,
/// or `data` fails, the temp file is removed and `target` never appears.
/// An existing `target` at rename time is [`StoreError::Duplicate`] of `url`.
pub(super) async fn upload(
    dir: &Path,
    target: PathBuf,
    url: &str,
    mut data: ByteStream,
) -> Result<u64, StoreError> {
    let dir = dir.to_path_buf();
    let temp = blocking(move || {
        tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(dir)
    })
    .await
    .map_err(write_error)?;
    let (file, temp_path) = temp.into_parts();

    let (tx, rx) = mpsc::channel::<Bytes>(QUEUE_DEPTH);
    let out = BlockWriter::new(file, &temp_path);
    let writer = tokio::task::spawn_blocking(move || write_chunks(out, rx));
    let mut size = 0u64;
    let source = loop {
        match data.next().await {
            None => break Ok(()),
            Some(Err(e)) => break Err(e),
            Some(Ok(chunk)) if chunk.is_empty() => {}
            Some(Ok(chunk)) => {
                size += chunk.len() as u64;
                if tx.send(chunk).await.is_err() {
                    // The writer stopped on an error; it is reported below.
                    break Ok(());
                }
            }
        }
    };
    drop(tx);
    let written = writer.await.map_err(io::Error::other).and_then(|r| r);
    source.map_err(StoreError::SourceFailed)?;
    let file = written.map_err(write_error)?;

    blocking(move || publish(file, temp_path, &target))
        .await
        .map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => StoreError::Duplicate(url.to_owned()),
            _ => write_error(e),
        })?;
    Ok(size)
}

/// The writer thread: writes every queued chunk until the queue closes.
fn write_chunks(mut out: BlockWriter, mut rx: mpsc::Receiver<Bytes>) -> io::Result<File> {
    while let Some(chunk) = rx.blocking_recv() {
        out.write(&chunk)?;
    }
    out.finish()
}

/// Makes the complete upload durable and visible: fsync the data, rename
/// without replacing an existing file, then fsync the directory entry.
/// On any failure nothing is left at `target` or at the temp path.
fn publish(file: File, temp: TempPath, target: &Path) -> io::Result<()> {
    file.sync_all()?;
    drop(file);
    // On failure the error carries the temp path back; dropping it removes it.
    temp.persist_noclobber(target).map_err(|e| e.error)?;
    let synced = target
        .parent()
        .map_or(Ok(()), |dir| File::open(dir).and_then(|d| d.sync_all()));
    if synced.is_err() {
        // Not durable, so not reported as stored: take it back out.
        let _ = std::fs::remove_file(target);
    }
    synced
}

/// Runs blocking file-system work off the async worker threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(io::Error::other)?
}

/// Maps a write failure: a full disk or quota is [`StoreError::Full`].
fn write_error(error: io::Error) -> StoreError {
    match error.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            StoreError::Full(error.to_string())
        }
        _ => StoreError::Io(error),
    }
}
