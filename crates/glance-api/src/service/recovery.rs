//! After a failed upload: the image goes back to `queued` and bytes no image
//! records are removed, also when the database is unavailable for a while
//! (then a background task retries until it returns).

use super::ImageService;
use crate::stores::StoreEntry;
use glance_registry::RegistryError;
use glance_types::{ImageChanges, ImageStatus};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How long a failed upload keeps retrying while the database is
/// unavailable; after that the image is left to the sweep.
const RETRY_FOR: Duration = Duration::from_secs(600);
/// The first pause between retries; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(200);
/// The longest pause between retries.
const MAX_PAUSE: Duration = Duration::from_secs(5);

/// The compare-and-set returning an image in `from` (`saving`, or
/// `importing` for a location import) to `queued` as a failed upload or
/// location import leaves it: no size, hashes or locations.
pub(crate) fn requeue_changes(from: ImageStatus) -> ImageChanges {
    ImageChanges {
        expect_status: Some(from),
        status: Some(ImageStatus::Queued),
        size: Some(None),
        virtual_size: Some(None),
        checksum: Some(None),
        os_hash_algo: Some(None),
        os_hash_value: Some(None),
        locations: Some(Vec::new()),
        ..Default::default()
    }
}

/// Bytes an upload stored in a store.
pub(super) struct Published {
    /// The store holding them.
    pub(super) entry: StoreEntry,
    /// Their location URL.
    pub(super) url: String,
}

impl ImageService {
    /// Returns the `saving` image `id` to `queued` after its upload failed
    /// before any bytes were published. One attempt now; while the database
    /// is unavailable the retries run in the background, so the failed
    /// request still answers at once.
    pub(super) async fn requeue_failed_upload(self: &Arc<Self>, id: &str) {
        match self.settle(id, None).await {
            Ok(()) => {}
            Err(RegistryError::Unavailable(e)) => {
                tracing::warn!(
                    "image {id}: cannot return it to queued yet ({e}); retrying in the background"
                );
                self.settle_in_background(id, None);
            }
            Err(e) => tracing::error!(
                "image {id}: could not return it to queued ({e}); `glance-manage image-sweep` will"
            ),
        }
    }

    /// After an activation that failed with a database error, whose commit
    /// may nonetheless have gone through: in the background, once the
    /// database answers, returns the image to `queued` unless it is active,
    /// and removes `published` unless the image records it.
    pub(super) fn settle_unconfirmed_activation(self: &Arc<Self>, id: &str, published: Published) {
        tracing::warn!("image {id}: activation not confirmed; settling it in the background");
        self.settle_in_background(id, Some(published));
    }

    /// Runs [`Self::settle_later`] in its own task.
    fn settle_in_background(self: &Arc<Self>, id: &str, published: Option<Published>) {
        let service = Arc::clone(self);
        let id = id.to_string();
        tokio::spawn(async move { service.settle_later(&id, published).await });
    }

    /// Retries [`Self::settle`] with growing pauses for up to [`RETRY_FOR`].
    async fn settle_later(&self, id: &str, published: Option<Published>) {
        let deadline = Instant::now() + RETRY_FOR;
        let mut pause = FIRST_PAUSE;
        loop {
            tokio::time::sleep(pause).await;
            match self.settle(id, published.as_ref()).await {
                Ok(()) => {
                    tracing::info!("image {id}: failed upload settled, the database is back");
                    return;
                }
                Err(RegistryError::Unavailable(_)) if Instant::now() < deadline => {
                    pause = (pause * 2).min(MAX_PAUSE);
                }
                Err(e) => {
                    tracing::error!(
                        "image {id}: gave up returning it to queued ({e}); `glance-manage image-sweep` will"
                    );
                    return;
                }
            }
        }
    }

    /// Requeues the image (if still `saving`), then removes `published`
    /// unless the image's locations name it.
    async fn settle(&self, id: &str, published: Option<&Published>) -> Result<(), RegistryError> {
        let recorded = match self
            .registry
            .update_image(id, &requeue_changes(ImageStatus::Saving))
            .await
        {
            Ok(_) | Err(RegistryError::NotFound(_)) => false,
            Err(RegistryError::StatusMismatch { .. }) => match published {
                Some(p) => match self.registry.get_image(id).await {
                    Ok(image) => image.locations.iter().any(|l| l.url == p.url),
                    Err(RegistryError::NotFound(_)) => false,
                    Err(e) => return Err(e),
                },
                None => false,
            },
            Err(e) => return Err(e),
        };
        if let Some(p) = published.filter(|_| !recorded) {
            remove_published(id, p).await;
        }
        Ok(())
    }
}

/// Removes bytes no image records; a failure is logged (the sweep removes
/// them later).
pub(super) async fn remove_published(id: &str, published: &Published) {
    match published.entry.store.delete(&published.url).await {
        Ok(()) | Err(glance_store::StoreError::NotFound(_)) => {}
        Err(e) => tracing::error!(
            "image {id}: could not remove unrecorded data at {}: {e}",
            published.url
        ),
    }
}
