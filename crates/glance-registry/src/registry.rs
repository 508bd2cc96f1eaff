//! The registry trait.

use crate::RegistryError;
use async_trait::async_trait;
use glance_types::{Image, ImageChanges, ListQuery, Member, MemberStatus};

/// Owns image metadata. Implementations: SQL (SQLite, PostgreSQL, MySQL), later the
/// remote registry client. Every implementation passes `conformance`.
#[async_trait]
pub trait Registry: Send + Sync + 'static {
    /// Stores a new image (its properties, tags and locations too).
    /// [`RegistryError::Duplicate`] if the id exists or ever existed.
    async fn create_image(&self, image: &Image) -> Result<Image, RegistryError>;

    /// Returns a non-deleted image, or [`RegistryError::NotFound`].
    async fn get_image(&self, id: &str) -> Result<Image, RegistryError>;

    /// Applies `changes` in one transaction and bumps `updated_at`.
    /// With `changes.expect_status` set, applies only if the image has that
    /// status, else [`RegistryError::StatusMismatch`]; with
    /// `changes.expect_updated_before` set, only if its `updated_at` is
    /// before that time, else [`RegistryError::UpdatedSince`] (when both
    /// fail, the status mismatch is reported). Returns the updated image.
    async fn update_image(&self, id: &str, changes: &ImageChanges) -> Result<Image, RegistryError>;

    /// Soft-deletes an image (status `deleted`); returns it as it was before.
    async fn delete_image(&self, id: &str) -> Result<Image, RegistryError>;

    /// Returns one page of images matching `query`, in its effective sort order.
    async fn list_images(&self, query: &ListQuery) -> Result<Vec<Image>, RegistryError>;

    /// Adds a tag (idempotent). [`RegistryError::NotFound`] for an unknown image.
    async fn add_tag(&self, id: &str, tag: &str) -> Result<(), RegistryError>;

    /// Removes a tag; `false` if the image did not have it.
    async fn remove_tag(&self, id: &str, tag: &str) -> Result<bool, RegistryError>;

    /// Makes `member` a `pending` member of a non-deleted image (a deleted
    /// membership is revived with fresh timestamps) and returns it.
    /// [`RegistryError::MemberDuplicate`] if it is a member already,
    /// [`RegistryError::NotFound`] for an unknown or deleted image.
    async fn create_member(&self, image_id: &str, member: &str) -> Result<Member, RegistryError>;

    /// The non-deleted memberships of an image, oldest first.
    /// [`RegistryError::NotFound`] for an unknown or deleted image.
    async fn list_members(&self, image_id: &str) -> Result<Vec<Member>, RegistryError>;

    /// The non-deleted membership of `member` for an image, if any.
    async fn get_member(
        &self,
        image_id: &str,
        member: &str,
    ) -> Result<Option<Member>, RegistryError>;

    /// Sets the status of a membership, bumps its `updated_at` and returns it.
    /// [`RegistryError::MemberNotFound`] if there is no such membership,
    /// [`RegistryError::NotFound`] for an unknown or deleted image.
    async fn update_member(
        &self,
        image_id: &str,
        member: &str,
        status: MemberStatus,
    ) -> Result<Member, RegistryError>;

    /// Soft-deletes a membership. [`RegistryError::MemberNotFound`] if there
    /// is no such membership, [`RegistryError::NotFound`] for an unknown or
    /// deleted image.
    async fn delete_member(&self, image_id: &str, member: &str) -> Result<(), RegistryError>;

    /// How many non-deleted memberships an image has (for the member quota).
    async fn count_members(&self, image_id: &str) -> Result<u64, RegistryError>;

    /// Checks that the database answers.
    async fn health(&self) -> Result<(), RegistryError>;
}
