//! Multipart uploads: parts cut from the stream are uploaded by tasks, at
//! most `s3_store_thread_pools` at once, so memory stays within that many
//! parts. The upload is aborted on any failure, and also when the put is
//! dropped midway: [`Multipart`]'s drop spawns the abort.

use crate::client::S3Client;
use crate::parts::{MAX_PARTS, PartSizes};
use crate::source::Source;
use bytes::Bytes;
use glance_store::StoreError;
use rusty_s3::Credentials;
use std::io;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::{JoinError, JoinSet};

/// What a part task returns: the part number and its ETag.
type PartResult = Result<(u16, String), StoreError>;

/// Uploads `first` and then the rest of `source` as a multipart upload of
/// `key`; returns the bytes stored.
pub(crate) async fn upload(
    client: &Arc<S3Client>,
    creds: &Credentials,
    concurrency: usize,
    key: &str,
    mut source: Source,
    sizes: PartSizes,
    first: Bytes,
) -> Result<u64, StoreError> {
    let creds = Arc::new(creds.clone());
    let key: Arc<str> = key.into();
    let upload_id = start(client, &creds, &key).await?;
    tracing::debug!("multipart upload {upload_id} of {key} started");
    let mut upload = Multipart {
        client: Arc::clone(client),
        creds,
        key,
        upload_id,
        parts: JoinSet::new(),
        open: true,
    };
    let result = match upload
        .send_parts(&mut source, sizes, first, concurrency)
        .await
    {
        Ok((size, etags)) => upload.complete(&etags).await.map(|()| size),
        Err(e) => Err(e),
    };
    if result.is_err() {
        upload.abort().await;
    }
    result
}

/// Starts a multipart upload of `key`; returns its id. The request runs in
/// a task of its own, so that when the put is dropped before hearing the
/// id, the task still aborts the upload the server made.
async fn start(
    client: &Arc<S3Client>,
    creds: &Arc<Credentials>,
    key: &Arc<str>,
) -> Result<Arc<str>, StoreError> {
    let (created, id) = oneshot::channel();
    let (client, creds, key) = (Arc::clone(client), Arc::clone(creds), Arc::clone(key));
    tokio::spawn(async move {
        let result = client.create_multipart(&creds, &key).await.map(Arc::from);
        if let Err(Ok(upload_id)) = created.send(result) {
            cancel(client, creds, key, upload_id, JoinSet::new()).await;
        }
    });
    id.await
        .map_err(|_| StoreError::Io(io::Error::other("the multipart upload start was cancelled")))?
}

/// A multipart upload in progress. Until it is completed or aborted,
/// dropping it aborts it in the background.
struct Multipart {
    client: Arc<S3Client>,
    creds: Arc<Credentials>,
    key: Arc<str>,
    upload_id: Arc<str>,
    /// The part uploads in flight.
    parts: JoinSet<PartResult>,
    /// Whether the upload still needs completing or aborting.
    open: bool,
}

impl Multipart {
    /// Sends `first` and every further part of `source`, keeping at most
    /// `concurrency` in flight; returns the size and the ETags in part order.
    async fn send_parts(
        &mut self,
        source: &mut Source,
        sizes: PartSizes,
        first: Bytes,
        concurrency: usize,
    ) -> Result<(u64, Vec<String>), StoreError> {
        let mut etags = Vec::new();
        let mut size = 0;
        let mut number = 1;
        let mut part = first;
        loop {
            size += part.len() as u64;
            self.spawn_part(number, part);
            while let Some(done) = self.parts.try_join_next() {
                record(&mut etags, done)?;
            }
            if source.at_end().await.map_err(StoreError::SourceFailed)? {
                break;
            }
            if number == MAX_PARTS {
                return Err(StoreError::Full(format!(
                    "image data exceeds what {MAX_PARTS} parts of up to {} bytes hold",
                    sizes.size(number)
                )));
            }
            number += 1;
            while self.parts.len() >= concurrency {
                if let Some(done) = self.parts.join_next().await {
                    record(&mut etags, done)?;
                }
            }
            part = source
                .fill(sizes.size(number))
                .await
                .map_err(StoreError::SourceFailed)?;
        }
        while let Some(done) = self.parts.join_next().await {
            record(&mut etags, done)?;
        }
        let etags = etags
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                StoreError::Io(io::Error::other(
                    "a multipart part finished without an ETag",
                ))
            })?;
        Ok((size, etags))
    }

    /// Starts the upload of part `number`.
    fn spawn_part(&mut self, number: u16, data: Bytes) {
        let client = Arc::clone(&self.client);
        let creds = Arc::clone(&self.creds);
        let key = Arc::clone(&self.key);
        let upload_id = Arc::clone(&self.upload_id);
        self.parts.spawn(async move {
            let etag = client
                .upload_part(&creds, &key, &upload_id, number, data)
                .await?;
            Ok((number, etag))
        });
    }

    /// Completes the upload from the parts' ETags. If that fails, the
    /// object is removed too: the server may have assembled it before its
    /// answer was lost.
    async fn complete(&mut self, etags: &[String]) -> Result<(), StoreError> {
        let completed = self
            .client
            .complete_multipart(&self.creds, &self.key, &self.upload_id, etags)
            .await;
        if let Err(e) = completed {
            if let Err(removal) = self.client.delete_object(&self.creds, &self.key).await {
                tracing::warn!(
                    "could not remove {} after a failed completion: {removal}",
                    self.key
                );
            }
            return Err(e);
        }
        self.open = false;
        tracing::debug!(
            "multipart upload {} of {} completed ({} parts)",
            self.upload_id,
            self.key,
            etags.len()
        );
        Ok(())
    }

    /// Stops the part uploads and aborts the upload.
    async fn abort(&mut self) {
        self.open = false;
        cancel(
            Arc::clone(&self.client),
            Arc::clone(&self.creds),
            Arc::clone(&self.key),
            Arc::clone(&self.upload_id),
            std::mem::take(&mut self.parts),
        )
        .await;
    }
}

impl Drop for Multipart {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        let cancelled = cancel(
            Arc::clone(&self.client),
            Arc::clone(&self.creds),
            Arc::clone(&self.key),
            Arc::clone(&self.upload_id),
            std::mem::take(&mut self.parts),
        );
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(cancelled)),
            Err(_) => tracing::warn!(
                "multipart upload {} of {} dropped outside a runtime; it is left for the \
                 bucket's lifecycle rules",
                self.upload_id,
                self.key
            ),
        }
    }
}

/// Waits for the part tasks to stop, then aborts the upload (so no part
/// lands after the abort). A failed abort is logged: the parts then wait
/// for the bucket's lifecycle rules.
async fn cancel(
    client: Arc<S3Client>,
    creds: Arc<Credentials>,
    key: Arc<str>,
    upload_id: Arc<str>,
    mut parts: JoinSet<PartResult>,
) {
    parts.abort_all();
    while parts.join_next().await.is_some() {}
    match client.abort_multipart(&creds, &key, &upload_id).await {
        Ok(()) => tracing::debug!("multipart upload {upload_id} of {key} aborted"),
        Err(e) => tracing::warn!("could not abort multipart upload {upload_id} of {key}: {e}"),
    }
}

/// Files a finished part's ETag under its number, or passes on its failure.
fn record(
    etags: &mut Vec<Option<String>>,
    done: Result<PartResult, JoinError>,
) -> Result<(), StoreError> {
    let (number, etag) = done.map_err(|e| StoreError::Io(io::Error::other(e)))??;
    let index = usize::from(number) - 1;
    if etags.len() <= index {
        etags.resize(index + 1, None);
    }
    etags[index] = Some(etag);
    Ok(())
}
