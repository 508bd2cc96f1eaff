//! Image data in and out: request and response shapes, and downloads.

use super::{ImageService, RangeSpec};
use crate::error::ApiError;
use glance_auth::{Action, RequestContext};
use glance_store::{ByteRange, ByteStream};
use glance_types::ImageStatus;

/// An upload as the HTTP layer hands it over.
pub struct UploadRequest {
    /// The request `Content-Type`.
    pub content_type: Option<String>,
    /// `x-openstack-image-size`, already parsed.
    pub declared_size: Option<u64>,
    /// `Content-Length`, if the body is not chunked.
    pub content_length: Option<u64>,
    /// `X-Image-Meta-Store` (multi-store only).
    pub store_id: Option<String>,
    /// The body.
    pub body: ByteStream,
}

/// What a download returns.
pub enum Download {
    /// The image has no data (204).
    NoContent,
    /// The whole image (200).
    Full {
        /// The bytes.
        body: ByteStream,
        /// Image size.
        size: u64,
        /// md5 hex, for `Content-MD5`.
        checksum: Option<String>,
    },
    /// A range of it (206).
    Partial {
        /// The bytes of the range.
        body: ByteStream,
        /// The range served.
        range: ByteRange,
        /// Image size.
        size: u64,
        /// md5 hex of the whole image.
        checksum: Option<String>,
    },
}

impl ImageService {
    /// Streams image data, trying each location in preference order:
    /// locations in the `prefer`red stores first (`?prefer=`, multi-store,
    /// policy `download_from_store`), then by store weight.
    pub async fn download(
        &self,
        ctx: &RequestContext,
        id: &str,
        range: Option<RangeSpec>,
        prefer: &[String],
    ) -> Result<Download, ApiError> {
        let image = self.visible(ctx, id).await?;
        if image.status == ImageStatus::Deactivated && !ctx.is_admin {
            return Err(ApiError::Forbidden(
                "The requested image has been deactivated. Image data download is forbidden."
                    .into(),
            ));
        }
        self.authorize(ctx, Action::DownloadImage, &image)?;
        if !prefer.is_empty() {
            self.authorize(ctx, Action::DownloadFromStore, &image)?;
            if !self.stores.is_multi() {
                return Err(ApiError::BadRequest(
                    "Store selection for download is not available when multiple backends are not enabled."
                        .into(),
                ));
            }
            if let Some(unknown) = prefer.iter().find(|s| self.stores.get(s).is_none()) {
                return Err(ApiError::BadRequest(format!(
                    "Store '{unknown}' is not configured."
                )));
            }
        }
        if image.locations.is_empty()
            || !matches!(image.status, ImageStatus::Active | ImageStatus::Deactivated)
        {
            return Ok(Download::NoContent);
        }
        let size = image.size.unwrap_or(0).max(0) as u64;
        let byte_range = range.map(|r| r.resolve(size)).transpose()?;
        let mut last_error = None;
        let mut locations = self.ordered_locations(&image);
        // A stable sort keeps the weight order within each group.
        locations.sort_by_key(|l| {
            let store = l.metadata.get("store").and_then(|v| v.as_str());
            !store.is_some_and(|s| prefer.iter().any(|p| p == s))
        });
        for location in locations {
            let store_id = location.metadata.get("store").and_then(|v| v.as_str());
            let Some(entry) = self.stores.for_location(&location.url, store_id) else {
                continue;
            };
            match entry.store.get(&location.url, byte_range).await {
                Ok(body) => {
                    return Ok(match byte_range {
                        Some(range) => Download::Partial {
                            body,
                            range,
                            size,
                            checksum: image.checksum.clone(),
                        },
                        None => Download::Full {
                            body,
                            size,
                            checksum: image.checksum.clone(),
                        },
                    });
                }
                Err(e) => {
                    tracing::warn!("image {id}: location {} failed: {e}", location.url);
                    last_error = Some(e);
                }
            }
        }
        Err(match last_error {
            Some(e) => e.into(),
            None => ApiError::Unavailable(format!("No store can serve the data of image {id}.")),
        })
    }
}
