//! The registry trait.

use crate::RegistryError;
use async_trait::async_trait;
use glance_types::{Image, ImageChanges, ListQuery};

/// Owns image metadata. Implementations: SQL (SQLite, PostgreSQL), later the
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
    /// status, else [`RegistryError::StatusMismatch`]. Returns the updated image.
    async fn update_image(&self, id: &str, changes: &ImageChanges) -> Result<Image, RegistryError>;

    /// Soft-deletes an image (status `deleted`); returns it as it was before.
    async fn delete_image(&self, id: &str) -> Result<Image, RegistryError>;

    /// Returns one page of images matching `query`, in its effective sort order.
    async fn list_images(&self, query: &ListQuery) -> Result<Vec<Image>, RegistryError>;

    /// Adds a tag (idempotent). [`RegistryError::NotFound`] for an unknown image.
    async fn add_tag(&self, id: &str, tag: &str) -> Result<(), RegistryError>;

    /// Removes a tag; `false` if the image did not have it.
    async fn remove_tag(&self, id: &str, tag: &str) -> Result<bool, RegistryError>;

    /// The membership status (`pending`, `accepted`, `rejected`) of `member`
    /// for an image, if it is a member.
    async fn member_status(
        &self,
        image_id: &str,
        member: &str,
    ) -> Result<Option<String>, RegistryError>;

    /// Checks that the database answers.
    async fn health(&self) -> Result<(), RegistryError>;
}
