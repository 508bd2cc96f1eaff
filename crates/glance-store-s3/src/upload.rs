//! Writing an image: one streaming `PUT` when its size is announced and
//! below `s3_store_large_object_size`, else a multipart upload (or one
//! `PUT` of the first part, when the data ends within it).

use crate::client::S3Client;
use crate::config::UploadSettings;
use crate::multipart;
use crate::parts::PartSizes;
use crate::source::Source;
use futures::stream;
use glance_store::{ByteStream, StoreError};
use reqwest::Body;
use rusty_s3::Credentials;
use std::io;
use std::sync::Arc;
use tokio::sync::oneshot;

/// Streams `data` into object `key`; returns the bytes stored. On any
/// failure, or if this future is dropped midway, no object and no multipart
/// upload is left behind (a `PUT` cut short is discarded by the server);
/// only a complete single `PUT` whose answer is lost may stay.
pub(crate) async fn upload(
    client: &Arc<S3Client>,
    creds: &Credentials,
    settings: UploadSettings,
    key: &str,
    data: ByteStream,
    size_hint: Option<u64>,
) -> Result<u64, StoreError> {
    let mut source = Source::new(data, size_hint);
    // A 0-byte `PUT` would not read the data at all, so an announced 0
    // takes the path below, which checks that the data is empty.
    if let Some(size) = size_hint.filter(|&size| 0 < size && size < settings.large_object_size) {
        put_streaming(client, creds, key, source, size).await?;
        return Ok(size);
    }
    let sizes = PartSizes::new(settings.chunk_size, size_hint);
    let first = source
        .fill(sizes.size(1))
        .await
        .map_err(StoreError::SourceFailed)?;
    if source.at_end().await.map_err(StoreError::SourceFailed)? {
        let size = first.len() as u64;
        client
            .put_object(creds, key, Body::from(first), size)
            .await?;
        return Ok(size);
    }
    multipart::upload(
        client,
        creds,
        settings.thread_pools,
        key,
        source,
        sizes,
        first,
    )
    .await
}

/// One `PUT` of `size` bytes streamed from `source`. The stream's own
/// failure (or a size mismatch) comes back as [`StoreError::SourceFailed`];
/// the server then never got the announced length, so it stored nothing.
async fn put_streaming(
    client: &S3Client,
    creds: &Credentials,
    key: &str,
    source: Source,
    size: u64,
) -> Result<(), StoreError> {
    let (failed, mut failure) = oneshot::channel::<io::Error>();
    let body = stream::unfold(
        (source, Some(failed)),
        |(mut source, mut failed)| async move {
            match source.next_chunk().await {
                Ok(Some(chunk)) => Some((Ok(chunk), (source, failed))),
                Ok(None) => None,
                Err(e) => {
                    let relayed = io::Error::new(e.kind(), e.to_string());
                    if let Some(failed) = failed.take() {
                        // Fails only when the put was dropped: nobody asks then.
                        let _ = failed.send(e);
                    }
                    Some((Err(relayed), (source, failed)))
                }
            }
        },
    );
    let result = client
        .put_object(creds, key, Body::wrap_stream(body), size)
        .await;
    match failure.try_recv() {
        Ok(e) => Err(StoreError::SourceFailed(e)),
        Err(_) => result,
    }
}
