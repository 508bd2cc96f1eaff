//! Errors a store reports, and helpers the drivers share to build them.

use std::io;

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

impl StoreError {
    /// An image id the store cannot use as an object name: an
    /// [`io::ErrorKind::InvalidInput`] [`StoreError::Io`].
    pub fn invalid_image_id(image_id: &str) -> StoreError {
        StoreError::Io(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("invalid image id {image_id:?}"),
        ))
    }

    /// A malformed answer from the backend: an
    /// [`io::ErrorKind::InvalidData`] [`StoreError::Io`] with `message`.
    pub fn invalid_data(message: String) -> StoreError {
        StoreError::Io(io::Error::new(io::ErrorKind::InvalidData, message))
    }
}

/// `error` and its sources, joined with `: ` (for messages: the top-level
/// text of a client error is often terse, e.g. "error sending request").
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] io::Error);

    #[test]
    fn error_chain_joins_the_sources() {
        let error = Outer(io::Error::other("inner"));
        assert_eq!(error_chain(&error), "outer: inner");
        assert_eq!(error_chain(&io::Error::other("alone")), "alone");
    }

    #[test]
    fn helpers_make_io_errors_of_the_right_kind() {
        match StoreError::invalid_image_id("a/b") {
            StoreError::Io(e) => {
                assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
                assert_eq!(e.to_string(), "invalid image id \"a/b\"");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            StoreError::invalid_data("garbled".into()),
            StoreError::Io(e) if e.kind() == io::ErrorKind::InvalidData && e.to_string() == "garbled"
        ));
    }
}
