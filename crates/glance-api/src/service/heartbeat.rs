//! The heartbeat: while data streams in (an upload, `saving`) or a new
//! location is read (a location import, `importing`), the node refreshes the
//! image's `updated_at`, so that images in those statuses whose `updated_at`
//! stopped moving are known to be abandoned (their node died) and can be
//! swept back to `queued` by [`crate::sweep`].

use glance_registry::{Registry, RegistryError};
use glance_types::{ImageChanges, ImageStatus};
use std::future::Future;
use std::time::Duration;
use tokio::time::{Instant, MissedTickBehavior};

/// How often an upload or location import in progress refreshes its
/// image's `updated_at`. [`crate::sweep`] thresholds must stay well above it.
pub const UPLOAD_HEARTBEAT: Duration = Duration::from_secs(30);

/// Runs `work` while touching the image `id`, which `work` keeps in
/// `status` (`saving` for an upload, `importing` for a location import),
/// every `interval`.
///
/// Each beat is a compare-and-set update on `status` that changes nothing
/// but `updated_at`. Once the image is gone or no longer in `status`
/// (deleted, or swept) the beats stop; the work itself carries on and its
/// final compare-and-set decides. A failed beat (database unavailable) is
/// logged and retried at the next tick.
pub(super) async fn with_heartbeat<T>(
    registry: &dyn Registry,
    id: &str,
    status: ImageStatus,
    interval: Duration,
    work: impl Future<Output = T>,
) -> T {
    let beats = async {
        let mut ticker = tokio::time::interval_at(Instant::now() + interval, interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let touch = ImageChanges {
            expect_status: Some(status),
            ..Default::default()
        };
        loop {
            ticker.tick().await;
            match registry.update_image(id, &touch).await {
                Ok(_) => {}
                Err(e @ (RegistryError::NotFound(_) | RegistryError::StatusMismatch { .. })) => {
                    tracing::warn!("image {id}: {status} heartbeat stopped: {e}");
                    return;
                }
                Err(e) => tracing::warn!("image {id}: {status} heartbeat failed: {e}"),
            }
        }
    };
    tokio::pin!(work);
    tokio::select! {
        out = &mut work => out,
        () = beats => work.await,
    }
}
