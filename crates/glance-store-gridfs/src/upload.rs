//! Streaming an image into a new GridFS file whose `_id` is the image id.
//!
//! The upload runs in its own task that owns the [`GridFsUploadStream`]:
//! when the caller's `put` future is dropped, the task notices, lets any
//! chunk write already sent to the server finish, and then aborts the
//! stream, so no chunk can land after the clean-up. Once closed, the file's
//! chunks are counted, so a put never reports success for a file that
//! another writer of the same id tampered with.

use crate::download::ChunkDoc;
use crate::error::{is_duplicate_key, store_error, upload_error};
use futures::StreamExt;
use futures::io::AsyncWriteExt;
use glance_store::{ByteStream, StoreError};
use mongodb::Collection;
use mongodb::bson::{Bson, doc};
use mongodb::gridfs::{GridFsBucket, GridFsUploadStream};
use std::io;
use tokio::sync::oneshot;

/// Where an upload goes.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The bucket the file is written to.
    pub(crate) bucket: GridFsBucket,
    /// The bucket's chunks collection.
    pub(crate) chunks: Collection<ChunkDoc>,
    /// The bucket's chunk size in bytes.
    pub(crate) chunk_size: u32,
}

/// Writes `data` as the GridFS file `file_id` (also its filename),
/// returning the bytes written. On any failure nothing of the upload is
/// left; a file that already exists under that id is
/// [`StoreError::Duplicate`] for `url`.
pub(crate) async fn upload(
    target: Target,
    file_id: &str,
    url: &str,
    data: ByteStream,
) -> Result<u64, StoreError> {
    // There is no file under this id, so chunks under it are what an
    // upload interrupted by a crash left; ours would mix with them.
    let stale = target
        .chunks
        .delete_many(doc! { "files_id": file_id })
        .await
        .map_err(store_error)?;
    if stale.deleted_count > 0 {
        tracing::warn!(
            file_id,
            chunks = stale.deleted_count,
            "removed chunks an interrupted GridFS upload left"
        );
    }
    let stream = target
        .bucket
        .open_upload_stream(file_id)
        .id(Bson::String(file_id.to_owned()))
        .await
        .map_err(store_error)?;
    // Dropping `_put_alive` (with this future) tells the task to abort.
    let (_put_alive, dropped) = oneshot::channel::<()>();
    let task = tokio::spawn(run(target, file_id.to_owned(), stream, data, dropped));
    match task.await {
        Ok(Ok(size)) => Ok(size),
        Ok(Err(Failure::Close(e))) if is_duplicate_key(&e) => {
            Err(StoreError::Duplicate(url.to_owned()))
        }
        Ok(Err(failure)) => Err(failure.into_store_error()),
        Err(join) => Err(StoreError::Io(io::Error::other(join))),
    }
}

/// Why an upload did not produce the file.
#[derive(Debug)]
enum Failure {
    /// The source stream failed (or the put was dropped); the stream was
    /// aborted.
    Source(io::Error),
    /// Writing a chunk failed; the driver removed the chunks.
    Write(io::Error),
    /// Writing the last chunk or the file document failed; the driver
    /// removed the chunks.
    Close(io::Error),
    /// The closed file failed its check and was deleted.
    Check(StoreError),
}

impl Failure {
    /// The error `put` reports.
    fn into_store_error(self) -> StoreError {
        match self {
            Failure::Source(e) => StoreError::SourceFailed(e),
            Failure::Write(e) | Failure::Close(e) => upload_error(e),
            Failure::Check(e) => e,
        }
    }
}

/// The upload task: writes and closes the file, then checks it holds the
/// chunks it should and that the put still waits for it, deleting it if
/// not.
async fn run(
    target: Target,
    file_id: String,
    stream: GridFsUploadStream,
    data: ByteStream,
    mut dropped: oneshot::Receiver<()>,
) -> Result<u64, Failure> {
    let size = write(stream, target.chunk_size as usize, data, &mut dropped).await?;
    let expected = size.div_ceil(u64::from(target.chunk_size));
    let problem = match target
        .chunks
        .count_documents(doc! { "files_id": &file_id })
        .await
    {
        Err(e) => Some(store_error(e)),
        Ok(found) if found != expected => Some(StoreError::Io(io::Error::other(format!(
            "GridFS file {file_id} has {found} chunks instead of {expected}: \
             another upload of the same image interfered"
        )))),
        Ok(_)
            if matches!(
                dropped.try_recv(),
                Err(oneshot::error::TryRecvError::Closed)
            ) =>
        {
            Some(StoreError::SourceFailed(cancelled()))
        }
        Ok(_) => None,
    };
    let Some(problem) = problem else {
        return Ok(size);
    };
    if let Err(e) = target.bucket.delete(Bson::String(file_id.clone())).await {
        tracing::warn!(file_id, error = %e, "could not delete a failed GridFS upload");
    }
    Err(Failure::Check(problem))
}

/// Feeds `data` to `stream` in pieces of at most `chunk_size` bytes (so the
/// stream's buffer stays under two chunks whatever the source's chunking),
/// then closes it; aborts it when the source fails or `dropped` fires.
async fn write(
    mut stream: GridFsUploadStream,
    chunk_size: usize,
    mut data: ByteStream,
    dropped: &mut oneshot::Receiver<()>,
) -> Result<u64, Failure> {
    let mut size = 0u64;
    loop {
        let next = tokio::select! {
            biased;
            _ = &mut *dropped => None,
            next = data.next() => Some(next),
        };
        let bytes = match next {
            Some(None) => break,
            Some(Some(Ok(bytes))) => bytes,
            Some(Some(Err(e))) => return Err(abort(stream, e).await),
            None => return Err(abort(stream, cancelled()).await),
        };
        for piece in bytes.chunks(chunk_size) {
            stream.write_all(piece).await.map_err(Failure::Write)?;
        }
        size += bytes.len() as u64;
    }
    stream.close().await.map_err(Failure::Close)?;
    Ok(size)
}

/// Aborts `stream`, removing its chunks, because of `cause`.
async fn abort(mut stream: GridFsUploadStream, cause: io::Error) -> Failure {
    if let Err(e) = stream.abort().await {
        tracing::warn!(
            file_id = %stream.id(),
            error = %e,
            "could not remove the chunks of an aborted GridFS upload"
        );
    }
    Failure::Source(cause)
}

/// The cause recorded when the put future was dropped (nobody sees it).
fn cancelled() -> io::Error {
    io::Error::new(io::ErrorKind::Interrupted, "put cancelled")
}
