//! The service layer: every image operation, independent of HTTP.
//!
//! Handlers extract, call one method here and convert the result. Each method
//! checks visibility (an invisible image is absent), asks the policy, then
//! orchestrates the registry and the stores.

mod create;
mod data;
mod fields;
mod hashing;
mod heartbeat;
mod list;
mod locations;
mod member_rules;
mod member_view;
mod members;
mod patch;
mod patch_locations;
mod protections;
mod range;
mod recovery;
mod stores;
mod upload;
mod view;
mod virtual_size;

pub use data::{Download, UploadRequest};
pub use heartbeat::UPLOAD_HEARTBEAT;
pub use list::ImagePage;
pub use locations::NewLocation;
pub use member_view::{member_view, members_view};
pub use patch::PatchFormat;
pub use range::RangeSpec;
pub(crate) use recovery::requeue_changes;

/// Whether `hashing_algorithm` names a digest this build computes.
pub fn hash_algorithm_supported(name: &str) -> bool {
    hashing::new_digest(name).is_some()
}

use crate::error::ApiError;
use crate::settings::Settings;
use crate::stores::StoreMap;
use glance_auth::{Action, Policy, RequestContext};
use glance_registry::Registry;
use glance_types::{Image, ImageChanges, ImageStatus, MemberStatus, Visibility};
use std::sync::Arc;
use std::time::Duration;

/// Image operations over a registry and the stores.
pub struct ImageService {
    registry: Arc<dyn Registry>,
    stores: StoreMap,
    policy: Policy,
    settings: Settings,
    heartbeat: Duration,
}

impl ImageService {
    /// Wires the service; uploads and location imports beat every
    /// [`UPLOAD_HEARTBEAT`].
    pub fn new(
        registry: Arc<dyn Registry>,
        stores: StoreMap,
        policy: Policy,
        settings: Settings,
    ) -> Self {
        Self {
            registry,
            stores,
            policy,
            settings,
            heartbeat: UPLOAD_HEARTBEAT,
        }
    }

    /// Sets how often an upload or location import in progress refreshes
    /// its image's `updated_at` (tests use short intervals).
    pub fn with_upload_heartbeat(mut self, interval: Duration) -> Self {
        self.heartbeat = interval;
        self
    }

    /// The API settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The enabled stores.
    pub fn stores(&self) -> &StoreMap {
        &self.stores
    }

    /// Whether the metadata database answers.
    pub async fn health(&self) -> Result<(), ApiError> {
        Ok(self.registry.health().await?)
    }

    /// Loads an image the caller can see (visible to its project and allowed
    /// by `get_image`), else 404: an image the caller may not read looks absent.
    async fn visible(&self, ctx: &RequestContext, id: &str) -> Result<Image, ApiError> {
        let image = self.registry.get_image(id).await?;
        let member = match (&ctx.project_id, image.visibility) {
            (Some(p), Visibility::Shared) if !ctx.is_admin && !ctx.owns(image.owner.as_deref()) => {
                self.registry.get_member(id, p).await?.map(|m| m.status)
            }
            _ => None,
        };
        if self
            .policy
            .can_see(ctx, &image, member.map(MemberStatus::as_str))
            && self.policy.allows(ctx, Action::GetImage, &image)
        {
            Ok(image)
        } else {
            Err(ApiError::image_not_found(id))
        }
    }

    /// Fails with upstream's 403 unless the policy allows `action`.
    fn authorize(
        &self,
        ctx: &RequestContext,
        action: Action,
        image: &Image,
    ) -> Result<(), ApiError> {
        if self.policy.allows(ctx, action, image) {
            Ok(())
        } else {
            Err(ApiError::denied(action.rule_name()))
        }
    }

    /// `GET /v2/images/{id}`.
    pub async fn get(&self, ctx: &RequestContext, id: &str) -> Result<Image, ApiError> {
        self.visible(ctx, id).await
    }

    /// `DELETE /v2/images/{id}`: removes the record, then the data in every store.
    pub async fn delete(&self, ctx: &RequestContext, id: &str) -> Result<(), ApiError> {
        let image = self.visible(ctx, id).await?;
        self.authorize(ctx, Action::DeleteImage, &image)?;
        if image.protected {
            return Err(ApiError::Forbidden(format!(
                "Image {id} is protected and cannot be deleted."
            )));
        }
        let image = match self.registry.delete_image(id).await {
            Ok(image) => image,
            Err(glance_registry::RegistryError::NotFound(_)) => {
                return Err(ApiError::NotFound(format!(
                    "Failed to find image {id} to delete"
                )));
            }
            Err(e) => return Err(e.into()),
        };
        for location in &image.locations {
            self.delete_location_data(id, location).await;
        }
        tracing::info!("deleted image {id}");
        Ok(())
    }

    /// Removes one location's bytes; failures are logged (the record is gone already).
    async fn delete_location_data(&self, id: &str, location: &glance_types::Location) {
        let store_id = location.metadata.get("store").and_then(|v| v.as_str());
        match self.stores.for_location(&location.url, store_id) {
            Some(entry) => match entry.store.delete(&location.url).await {
                Ok(()) | Err(glance_store::StoreError::NotFound(_)) => {}
                // A read-only store (http) keeps its data.
                Err(glance_store::StoreError::ReadOnly(_)) => {
                    tracing::info!("image {id}: data left in place at {}", location.url)
                }
                Err(e) => tracing::error!(
                    "could not delete data of image {id} at {}: {e}",
                    location.url
                ),
            },
            None => tracing::warn!("no store handles {} of image {id}; data left", location.url),
        }
    }

    /// `PUT /v2/images/{id}/tags/{tag}`.
    pub async fn add_tag(&self, ctx: &RequestContext, id: &str, tag: &str) -> Result<(), ApiError> {
        let image = self.visible(ctx, id).await?;
        self.authorize(ctx, Action::ModifyImage, &image)?;
        fields::check_tag(tag)?;
        if !image.tags.iter().any(|t| t == tag) {
            fields::check_quota("tags", image.tags.len() + 1, self.settings.image_tag_quota)?;
        }
        Ok(self.registry.add_tag(id, tag).await?)
    }

    /// `DELETE /v2/images/{id}/tags/{tag}`.
    pub async fn remove_tag(
        &self,
        ctx: &RequestContext,
        id: &str,
        tag: &str,
    ) -> Result<(), ApiError> {
        let image = self.visible(ctx, id).await?;
        self.authorize(ctx, Action::ModifyImage, &image)?;
        if self.registry.remove_tag(id, tag).await? {
            Ok(())
        } else {
            Err(ApiError::NotFound(format!("Tag {tag} not found")))
        }
    }

    /// `POST /v2/images/{id}/actions/deactivate`.
    pub async fn deactivate(&self, ctx: &RequestContext, id: &str) -> Result<(), ApiError> {
        self.set_activation(ctx, id, Action::Deactivate).await
    }

    /// `POST /v2/images/{id}/actions/reactivate`.
    pub async fn reactivate(&self, ctx: &RequestContext, id: &str) -> Result<(), ApiError> {
        self.set_activation(ctx, id, Action::Reactivate).await
    }

    async fn set_activation(
        &self,
        ctx: &RequestContext,
        id: &str,
        action: Action,
    ) -> Result<(), ApiError> {
        let image = self.visible(ctx, id).await?;
        self.authorize(ctx, action, &image)?;
        let (from, to, verb) = match action {
            Action::Deactivate => (ImageStatus::Active, ImageStatus::Deactivated, "deactivate"),
            _ => (ImageStatus::Deactivated, ImageStatus::Active, "reactivate"),
        };
        if image.status == to {
            return Ok(());
        }
        if image.status != from {
            return Err(ApiError::Forbidden(format!(
                "Not allowed to {verb} image in status '{}'",
                image.status
            )));
        }
        let changes = ImageChanges {
            expect_status: Some(from),
            status: Some(to),
            ..Default::default()
        };
        match self.registry.update_image(id, &changes).await {
            Ok(_) => Ok(()),
            Err(glance_registry::RegistryError::StatusMismatch { actual, .. }) if actual == to => {
                Ok(())
            }
            Err(glance_registry::RegistryError::StatusMismatch { actual, .. }) => Err(
                ApiError::Forbidden(format!("Not allowed to {verb} image in status '{actual}'")),
            ),
            Err(e) => Err(e.into()),
        }
    }
}
