//! Mapping MongoDB driver errors onto [`StoreError`].

use glance_store::StoreError;
use mongodb::error::{Error, ErrorKind, WriteFailure};
use std::io;

/// MongoDB's code for a duplicate key (a second file with the same `_id`).
const DUPLICATE_KEY: i32 = 11000;

/// MongoDB's codes for a refused login and a refused action.
const AUTH_CODES: [i32; 2] = [13, 18];

/// Maps a driver error: an unreachable server or refused credentials are
/// [`StoreError::Unavailable`], anything else is [`StoreError::Io`].
pub(crate) fn store_error(error: Error) -> StoreError {
    let unavailable = match error.kind.as_ref() {
        ErrorKind::ServerSelection { .. }
        | ErrorKind::Authentication { .. }
        | ErrorKind::Io(_)
        | ErrorKind::ConnectionPoolCleared { .. }
        | ErrorKind::DnsResolve { .. }
        | ErrorKind::InvalidTlsConfig { .. } => true,
        ErrorKind::Command(command) => AUTH_CODES.contains(&command.code),
        _ => false,
    };
    if unavailable {
        StoreError::Unavailable(format!("MongoDB server for GridFS: {}", error.kind))
    } else {
        StoreError::Io(io::Error::other(error))
    }
}

/// Maps an error from the GridFS upload stream's `AsyncWrite` side, which
/// wraps the driver error in an [`io::Error`].
pub(crate) fn upload_error(error: io::Error) -> StoreError {
    match driver_error(&error) {
        Some(driver) => store_error(driver.clone()),
        None => StoreError::Io(error),
    }
}

/// Whether the upload stream failed because a file with the same `_id`
/// already exists.
pub(crate) fn is_duplicate_key(error: &io::Error) -> bool {
    let Some(error) = driver_error(error) else {
        return false;
    };
    match error.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(write)) => write.code == DUPLICATE_KEY,
        ErrorKind::InsertMany(insert) => insert
            .write_errors
            .iter()
            .flatten()
            .any(|write| write.code == DUPLICATE_KEY),
        _ => false,
    }
}

/// The driver error inside an [`io::Error`] from the upload stream.
fn driver_error(error: &io::Error) -> Option<&Error> {
    error.get_ref().and_then(|e| e.downcast_ref::<Error>())
}
