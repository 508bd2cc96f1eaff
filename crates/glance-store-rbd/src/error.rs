//! Mapping librados and librbd failures (errno values) to store errors.

use glance_store::StoreError;
use std::fmt::Display;
use std::io;

/// Prefixes an error with what was being done (`writing images/<id>`),
/// keeping its kind.
pub(crate) fn context(action: impl Display) -> impl FnOnce(io::Error) -> io::Error {
    move |error| io::Error::new(error.kind(), format!("{action}: {error}"))
}

/// A librados or librbd failure as a store error: no space is
/// [`StoreError::Full`], refused access or an unresponsive cluster is
/// [`StoreError::Unavailable`], anything else [`StoreError::Io`]. Callers
/// first handle the errors that mean something at their call site (a
/// missing or existing image, a busy snapshot).
pub(crate) fn store_error(error: io::Error) -> StoreError {
    let message = error.to_string();
    match error.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => StoreError::Full(message),
        io::ErrorKind::PermissionDenied
        | io::ErrorKind::TimedOut
        | io::ErrorKind::NotConnected
        | io::ErrorKind::ConnectionRefused
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted => StoreError::Unavailable(message),
        _ => StoreError::Io(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_errno_values() {
        let mapped = |errno| {
            store_error(context("writing images/x")(io::Error::from_raw_os_error(
                errno,
            )))
        };
        assert!(matches!(mapped(28), StoreError::Full(m) if m.starts_with("writing images/x: ")));
        assert!(matches!(mapped(122), StoreError::Full(_)));
        for errno in [1, 13, 110] {
            assert!(
                matches!(mapped(errno), StoreError::Unavailable(_)),
                "{errno}"
            );
        }
        match mapped(5) {
            StoreError::Io(e) => assert!(e.to_string().starts_with("writing images/x: "), "{e}"),
            other => panic!("{other:?}"),
        }
    }
}
