//! Store discovery and per-store data removal (multi-store only).

use super::ImageService;
use crate::error::ApiError;
use glance_auth::{Action, RequestContext, Target};
use glance_store::StoreError;
use glance_types::{ImageChanges, ImageStatus};
use serde_json::{Value, json};

/// Upstream's answer to `/v2/info/stores*` and `/v2/stores/...` without
/// `enabled_backends`.
const NO_MULTI_STORE: &str = "Multi backend is not supported at this site.";

impl ImageService {
    /// `GET /v2/info/stores`: the enabled backends, reserved ones hidden;
    /// `detail` (`/v2/info/stores/detail`, admin or service) adds each
    /// store's driver, weight and driver properties.
    pub fn stores_info(&self, ctx: &RequestContext, detail: bool) -> Result<Value, ApiError> {
        if !self.stores.is_multi() {
            return Err(ApiError::NotFound(NO_MULTI_STORE.into()));
        }
        if detail {
            let mut target = Target::new();
            if let Some(project) = &ctx.project_id {
                target.insert("project_id", project.clone());
            }
            if !self.policy.enforce(ctx, "stores_info_detail", &target) {
                return Err(ApiError::denied("stores_info_detail"));
            }
        }
        let list: Vec<Value> = self
            .stores
            .entries()
            .iter()
            .map(|e| {
                let mut v = json!({"id": e.id});
                if let Some(d) = &e.description {
                    v["description"] = json!(d);
                }
                if e.id == self.stores.default_id() {
                    v["default"] = json!("true");
                }
                if e.store.read_only() {
                    v["read-only"] = json!("true");
                }
                if detail {
                    v["type"] = json!(e.store.driver());
                    v["properties"] = Value::Object(e.store.properties());
                    v["weight"] = json!(e.weight);
                }
                v
            })
            .collect();
        Ok(json!({ "stores": list }))
    }

    /// `DELETE /v2/stores/{store_id}/{image_id}`: drops the image's copy in
    /// one store (its location and its bytes), never the last one.
    pub async fn delete_from_store(
        &self,
        ctx: &RequestContext,
        store_id: &str,
        image_id: &str,
    ) -> Result<(), ApiError> {
        if !self.stores.is_multi() {
            return Err(ApiError::NotFound(NO_MULTI_STORE.into()));
        }
        let Some(entry) = self.stores.get(store_id) else {
            return Err(ApiError::Conflict(format!(
                "The selected store {store_id} is not available on this node."
            )));
        };
        let image = match self.visible(ctx, image_id).await {
            Ok(image) => image,
            Err(ApiError::NotFound(_)) => {
                return Err(ApiError::NotFound(format!(
                    "Failed to find image {image_id}"
                )));
            }
            Err(e) => return Err(e),
        };
        self.authorize(ctx, Action::GetImageLocation, &image)?;
        self.authorize(ctx, Action::DeleteImageLocation, &image)?;
        if image.status != ImageStatus::Active {
            return Err(ApiError::Conflict(
                "It's not allowed to remove image data from store if image status is not 'active'"
                    .into(),
            ));
        }
        if image.locations.len() == 1 {
            return Err(ApiError::Forbidden(
                "Cannot delete image data from the only store containing it. Consider deleting the image instead."
                    .into(),
            ));
        }
        let Some(pos) = image
            .locations
            .iter()
            .position(|l| l.metadata.get("store").and_then(Value::as_str) == Some(store_id))
        else {
            return Err(ApiError::NotFound(format!(
                "Image {image_id} is not stored in store {store_id}."
            )));
        };
        let location = &image.locations[pos];
        match entry.store.delete(&location.url).await {
            Ok(()) | Err(StoreError::NotFound(_)) => {}
            // A read-only store (http) keeps its data; only the location goes.
            Err(StoreError::ReadOnly(driver)) => {
                tracing::info!(
                    "image {image_id}: {driver} store data left at {}",
                    location.url
                );
            }
            Err(StoreError::InUse(_)) => {
                return Err(ApiError::Conflict(format!(
                    "The data for Image {image_id} could not be deleted because it is in use: {}",
                    location.url
                )));
            }
            Err(e) => return Err(e.into()),
        }
        let mut remaining = image.locations.clone();
        remaining.remove(pos);
        let changes = ImageChanges {
            expect_status: Some(ImageStatus::Active),
            locations: Some(remaining),
            ..Default::default()
        };
        self.registry.update_image(image_id, &changes).await?;
        tracing::info!("image {image_id}: data removed from store {store_id}");
        Ok(())
    }
}
