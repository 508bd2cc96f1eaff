//! Errors a store reports.

/// What can go wrong in a store call.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No object at that location.
    #[error("image data not found at {0}")]
    NotFound(String),
    /// An object for that image already exists.
    #[error("image data already exists at {0}")]
    Duplicate(String),
    /// The location URL does not belong to this store.
    #[error("location {0} is not handled by this store")]
    UnknownLocation(String),
    /// The requested range lies outside the object.
    #[error("range not satisfiable for an object of {size} bytes")]
    RangeNotSatisfiable {
        /// The object size.
        size: u64,
    },
    /// The data stream given to `put` failed; nothing was kept.
    #[error("upload aborted: {0}")]
    SourceFailed(std::io::Error),
    /// The backend is full.
    #[error("store full: {0}")]
    Full(String),
    /// The backend could not be reached or refused access.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Any other I/O failure.
    #[error("store I/O error: {0}")]
    Io(#[from] std::io::Error),
}
