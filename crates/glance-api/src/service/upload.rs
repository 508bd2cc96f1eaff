//! `PUT /v2/images/{id}/file`: the bounded upload pipeline.
//!
//! body → coalesced chunks → (md5 ‖ secure hash ‖ size cap) → store writer.
//! The work runs in its own task, so a client that disconnects (dropping the
//! request handler) still ends with the image back in `queued`, no bytes left
//! in the store and no hashes recorded. Every status change is a
//! compare-and-set (queued → saving, saving → active), so of several nodes
//! racing on one image exactly one uploads and activates it; while data
//! streams in, a heartbeat keeps `updated_at` fresh (see [`super::heartbeat`]).

use super::hashing::{Hasher, new_digest};
use super::heartbeat::with_heartbeat;
use super::recovery::{Published, remove_published};
use super::virtual_size::{HEADER_LEN, virtual_size};
use super::{ImageService, UploadRequest};
use crate::error::ApiError;
use crate::stores::StoreEntry;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use glance_auth::{Action, RequestContext};
use glance_registry::RegistryError;
use glance_store::{ByteStream, StoreError};
use glance_types::{ImageChanges, ImageStatus, Location};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Size of the chunks handed to the hashers and the store.
const CHUNK: usize = 1 << 20;

/// Why the pump stopped early.
#[derive(Debug)]
enum PumpFailure {
    TooLarge { cap: u64 },
    SizeMismatch { expected: u64, got: u64 },
    Body(String),
}

impl PumpFailure {
    fn into_api(self) -> ApiError {
        match self {
            Self::TooLarge { cap } => ApiError::TooLarge(format!(
                "The incoming image is too large: the limit is {cap} bytes."
            )),
            Self::SizeMismatch { expected, got } if got > expected => ApiError::BadRequest(
                format!("Size exceeds: expected {expected} bytes, got {got} bytes"),
            ),
            Self::SizeMismatch { expected, got } => ApiError::BadRequest(format!(
                "Size mismatch: expected {expected} bytes, got {got} bytes"
            )),
            Self::Body(e) => ApiError::BadRequest(format!("Error reading the request body: {e}")),
        }
    }
}

/// What the pump measured.
struct Measured {
    size: u64,
    header: Vec<u8>,
    checksum: Option<String>,
    hash: Option<String>,
}

/// Reads the body, enforces the cap and the declared size, feeds both hashers
/// and forwards chunks to the store through `out`.
async fn pump(
    mut body: ByteStream,
    out: mpsc::Sender<Result<Bytes, std::io::Error>>,
    cap: u64,
    expected: Option<u64>,
    hash_algo: String,
) -> Result<Measured, PumpFailure> {
    let md5 = Hasher::spawn(new_digest("md5").expect("md5 is always available"));
    let sha = Hasher::spawn(new_digest(&hash_algo).expect("hash algorithm validated at start"));
    let limit = expected.map_or(cap, |e| e.min(cap));
    let mut size: u64 = 0;
    let mut header = Vec::with_capacity(HEADER_LEN);
    let mut buf = BytesMut::with_capacity(CHUNK);
    loop {
        let next = body.next().await;
        let done = next.is_none();
        match next {
            Some(Ok(data)) => {
                size += data.len() as u64;
                if header.len() < HEADER_LEN {
                    let take = (HEADER_LEN - header.len()).min(data.len());
                    header.extend_from_slice(&data[..take]);
                }
                if size > limit {
                    let f = match expected {
                        Some(e) if e <= cap => PumpFailure::SizeMismatch {
                            expected: e,
                            got: size,
                        },
                        _ => PumpFailure::TooLarge { cap },
                    };
                    return fail(&out, f).await;
                }
                if buf.is_empty() && data.len() >= CHUNK {
                    if !forward(&out, &md5, &sha, data).await {
                        break;
                    }
                    continue;
                }
                buf.extend_from_slice(&data);
                if buf.len() < CHUNK {
                    continue;
                }
            }
            Some(Err(e)) => return fail(&out, PumpFailure::Body(e.to_string())).await,
            None => {}
        }
        if !buf.is_empty() {
            let chunk = buf.split().freeze();
            buf.reserve(CHUNK);
            if !forward(&out, &md5, &sha, chunk).await {
                break;
            }
        }
        if done {
            if let Some(e) = expected
                && e != size
            {
                return fail(
                    &out,
                    PumpFailure::SizeMismatch {
                        expected: e,
                        got: size,
                    },
                )
                .await;
            }
            break;
        }
    }
    drop(out);
    Ok(Measured {
        size,
        header,
        checksum: md5.finish().await,
        hash: sha.finish().await,
    })
}

/// Makes the store abort (it must see an error, never a clean end of a
/// truncated stream), then reports the failure.
async fn fail(
    out: &mpsc::Sender<Result<Bytes, std::io::Error>>,
    failure: PumpFailure,
) -> Result<Measured, PumpFailure> {
    let _ = out.send(Err(std::io::Error::other("upload aborted"))).await;
    Err(failure)
}

/// Hands one chunk to both hashers and the store; `false` once the store stopped reading.
async fn forward(
    out: &mpsc::Sender<Result<Bytes, std::io::Error>>,
    md5: &Hasher,
    sha: &Hasher,
    chunk: Bytes,
) -> bool {
    md5.feed(chunk.clone()).await;
    sha.feed(chunk.clone()).await;
    out.send(Ok(chunk)).await.is_ok()
}

impl ImageService {
    /// Uploads image data; the image goes queued → saving → active.
    pub async fn upload(
        self: &Arc<Self>,
        ctx: &RequestContext,
        id: &str,
        request: UploadRequest,
    ) -> Result<(), ApiError> {
        let image = self.visible(ctx, id).await?;
        self.authorize(ctx, Action::UploadImage, &image)?;
        let essence = request
            .content_type
            .as_deref()
            .and_then(|c| c.split(';').next())
            .map(|c| c.trim().to_ascii_lowercase());
        if essence.as_deref() != Some("application/octet-stream") {
            return Err(ApiError::UnsupportedMediaType {
                message: format!(
                    "Content-Type must be application/octet-stream, not {}",
                    request.content_type.as_deref().unwrap_or("None")
                ),
                accept_patch: None,
            });
        }
        let expected = request.declared_size.or(request.content_length);
        let cap = self.settings.image_size_cap;
        if expected.is_some_and(|e| e > cap) {
            return Err(PumpFailure::TooLarge { cap }.into_api());
        }
        let entry = match (&request.store_id, self.stores.is_multi()) {
            (Some(sid), true) => self.stores.get(sid).ok_or_else(|| {
                ApiError::BadRequest(format!("Store for identifier {sid} not found"))
            })?,
            _ => self
                .stores
                .get(self.stores.default_id())
                .ok_or_else(|| ApiError::Internal("default store missing".into()))?,
        }
        .clone();
        if image.status != ImageStatus::Queued {
            return Err(not_queued(image.status));
        }
        if image.disk_format.is_none() || image.container_format.is_none() {
            return Err(ApiError::BadRequest(
                "Properties disk_format, container_format must be set prior to saving data.".into(),
            ));
        }
        let to_saving = ImageChanges {
            expect_status: Some(ImageStatus::Queued),
            status: Some(ImageStatus::Saving),
            ..Default::default()
        };
        // The formats as of this compare-and-set: a PATCH cannot change them
        // once the image is saving (see `patch::guard_formats`).
        let saving = match self.registry.update_image(id, &to_saving).await {
            Ok(saving) => saving,
            // Another node (or request) took the image first.
            Err(RegistryError::StatusMismatch { actual, .. }) => return Err(not_queued(actual)),
            Err(e) => return Err(e.into()),
        };
        let service = Arc::clone(self);
        let id = id.to_string();
        let formats = (saving.disk_format, saving.container_format);
        let task = tokio::spawn(async move {
            service
                .receive(&id, entry, request.body, expected, formats)
                .await
        });
        task.await
            .map_err(|e| ApiError::Internal(format!("upload task failed: {e}")))?
    }

    /// Streams the body of the `saving` image `id` into `entry` under the
    /// heartbeat, then activates the image with a compare-and-set; on any
    /// failure the image returns to `queued` and no bytes stay behind.
    async fn receive(
        self: &Arc<Self>,
        id: &str,
        entry: StoreEntry,
        body: ByteStream,
        expected: Option<u64>,
        (disk_format, container_format): (Option<String>, Option<String>),
    ) -> Result<(), ApiError> {
        let algo = self.settings.hashing_algorithm.clone();
        let cap = self.settings.image_size_cap;
        let (tx, mut rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(2);
        let to_store: ByteStream = Box::pin(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)));
        let transfer = async {
            tokio::join!(
                pump(body, tx, cap, expected, algo.clone()),
                entry.store.put(id, to_store, expected)
            )
        };
        let (pumped, stored) = with_heartbeat(
            self.registry.as_ref(),
            id,
            ImageStatus::Saving,
            self.heartbeat,
            transfer,
        )
        .await;
        let failure = match (pumped, stored) {
            (Ok(measured), Ok(object)) => {
                let mut metadata = serde_json::Map::new();
                if self.stores.is_multi() {
                    metadata.insert("store".into(), entry.id.clone().into());
                }
                let changes = ImageChanges {
                    expect_status: Some(ImageStatus::Saving),
                    status: Some(ImageStatus::Active),
                    size: Some(Some(measured.size as i64)),
                    virtual_size: Some(virtual_size(
                        disk_format.as_deref(),
                        container_format.as_deref(),
                        &measured.header,
                        measured.size,
                    )),
                    checksum: Some(measured.checksum),
                    os_hash_algo: Some(Some(algo)),
                    os_hash_value: Some(measured.hash),
                    locations: Some(vec![Location {
                        url: object.url.clone(),
                        metadata,
                    }]),
                    ..Default::default()
                };
                let published = Published {
                    entry,
                    url: object.url,
                };
                return match self.registry.update_image(id, &changes).await {
                    Ok(_) => {
                        tracing::info!("image {id} uploaded: {} bytes", measured.size);
                        Ok(())
                    }
                    // The image was deleted or changed status meanwhile: the
                    // bytes are certainly not recorded.
                    Err(RegistryError::NotFound(_)) => {
                        remove_published(id, &published).await;
                        Err(ApiError::Gone(format!(
                            "Image {id} could not be found after upload. The image may have been deleted during the upload."
                        )))
                    }
                    Err(RegistryError::StatusMismatch { actual, .. }) => {
                        remove_published(id, &published).await;
                        Err(ApiError::Conflict(format!(
                            "Image status changed to {actual} during the upload."
                        )))
                    }
                    // The commit may or may not have happened: settle it
                    // from what the database says once it answers.
                    Err(e) => {
                        self.settle_unconfirmed_activation(id, published);
                        Err(e.into())
                    }
                };
            }
            (Err(failure), _) => failure.into_api(),
            (Ok(_), Err(StoreError::SourceFailed(e))) => {
                ApiError::BadRequest(format!("Error reading the request body: {e}"))
            }
            (Ok(_), Err(e)) => e.into(),
        };
        self.requeue_failed_upload(id).await;
        Err(failure)
    }
}

/// Upstream's 409 for an upload to an image that is not `queued`.
fn not_queued(status: ImageStatus) -> ApiError {
    ApiError::Conflict(format!(
        "Image status transition from {status} to saving is not allowed"
    ))
}
