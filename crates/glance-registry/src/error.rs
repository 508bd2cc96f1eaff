//! Errors a registry reports.

use glance_types::{ImageStatus, Timestamp, format_timestamp};

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
    /// A conditional update (`expect_updated_before`) found the image
    /// updated since: someone else changed it after the caller looked (the
    /// status, if also expected, still matched). Like
    /// [`RegistryError::StatusMismatch`], a lost compare-and-set that changed
    /// nothing.
    #[error(
        "image was updated at {}, expected an update before {}",
        format_timestamp(updated_at),
        format_timestamp(expected_before)
    )]
    UpdatedSince {
        /// The caller's bound: the image had to be last updated before it.
        expected_before: Timestamp,
        /// When the image was last updated.
        updated_at: Timestamp,
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
