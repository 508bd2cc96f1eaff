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
    /// The object cannot be removed while something depends on it (an RBD
    /// image whose snapshot has clones).
    #[error("image data at {0} is in use")]
    InUse(String),
    /// The store does not take writes (the `http` driver).
    #[error("the {0} store is read-only")]
    ReadOnly(&'static str),
    /// The store's configuration section is invalid or incomplete.
    #[error("invalid store configuration: {0}")]
    Config(String),
    /// Any other I/O failure.
    #[error("store I/O error: {0}")]
    Io(#[from] std::io::Error),
}
