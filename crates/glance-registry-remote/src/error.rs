//! Errors setting up the client or the daemon's guard. Errors of registry
//! calls are [`RegistryError`](glance_registry::RegistryError)s.

use std::path::PathBuf;

/// What can go wrong before the first registry call.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The secret file could not be read or created.
    #[error("cannot use the registry secret file {path}: {source}")]
    SecretFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The secret file holds no secret.
    #[error("the registry secret file {0} is empty")]
    EmptySecret(PathBuf),
    /// No random bytes for a new secret.
    #[error("cannot generate a registry secret: {0}")]
    Random(#[from] openssl::error::ErrorStack),
    /// The secret cannot be sent in an HTTP header.
    #[error("the registry secret must be printable ASCII")]
    SecretNotAscii,
    /// The daemon's URL is not a base URL.
    #[error("invalid glance-registry URL {url}: {reason}")]
    Url {
        /// The URL.
        url: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot set up the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    /// `[registry] auth_strategy = keystone` without Keystone credentials.
    #[error(
        "[registry] auth_strategy = keystone needs glance's Keystone credentials \
         ([keystone_authtoken] with auth_url, username, password, project_name)"
    )]
    KeystoneNeeded,
}
