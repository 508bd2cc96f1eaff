//! Errors a registry reports.

use glance_types::ImageStatus;

/// What can go wrong in a registry call.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// No (non-deleted) image with that id.
    #[error("No image found with ID {0}")]
    NotFound(String),
    /// An image with that id exists or existed (ids are never reused).
    #[error("Image ID {0} already exists!")]
    Duplicate(String),
    /// The project is already a (non-deleted) member of the image.
    #[error("Member {member} is duplicated for image {image_id}")]
    MemberDuplicate {
        /// The image.
        image_id: String,
        /// The member project.
        member: String,
    },
    /// The project is not a (non-deleted) member of the image.
    #[error("{member} not found in the member list of the image {image_id}.")]
    MemberNotFound {
        /// The image.
        image_id: String,
        /// The member project.
        member: String,
    },
    /// A conditional update found the image in another status.
    #[error("image status is {actual}, expected {expected}")]
    StatusMismatch {
        /// The status the caller expected.
        expected: ImageStatus,
        /// The status the image has.
        actual: ImageStatus,
    },
    /// The list marker names no image the caller can see.
    #[error("No image found with ID {0}")]
    MarkerNotFound(String),
    /// The database cannot be reached.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Any other database failure.
    #[error("database error: {0}")]
    Database(String),
}
