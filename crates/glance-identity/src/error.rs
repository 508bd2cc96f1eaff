//! The one error type of the crate.

use std::io;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

/// Everything that can go wrong in the built-in identity service.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// Reading or writing a file under the identity directory failed.
    #[error("identity store I/O on {path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// `identity.json` exists but cannot be parsed.
    #[error("identity store {path} is not valid JSON: {source}")]
    Corrupt {
        /// The store file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// `token.key` exists but does not hold exactly 32 bytes.
    #[error("token signing key {0} must hold exactly 32 bytes")]
    BadKey(PathBuf),
    /// A user or project name is empty or longer than 255 characters.
    #[error("{0} name must be 1 to 255 characters")]
    InvalidName(&'static str),
    /// An empty password was given.
    #[error("password must not be empty")]
    EmptyPassword,
    /// A user or project with that name already exists in the domain.
    #[error("a {kind} named {name:?} already exists")]
    Duplicate {
        /// `"user"` or `"project"`.
        kind: &'static str,
        /// The name that is taken.
        name: String,
    },
    /// No user has that name or id.
    #[error("no user {0:?}")]
    UserNotFound(String),
    /// No project has that name or id.
    #[error("no project {0:?}")]
    ProjectNotFound(String),
    /// A role name other than admin, member, reader or service.
    #[error("unknown role {0:?} (expected admin, member, reader or service)")]
    UnknownRole(String),
    /// The user holds no role on the project it asked a token for.
    #[error("user {user:?} has no role on project {project:?}")]
    NoRoleOnProject {
        /// The user id.
        user: String,
        /// The project id.
        project: String,
    },
    /// Unknown user or wrong password (deliberately not told apart).
    #[error("invalid user name or password")]
    InvalidCredentials,
    /// The password hasher failed (not a wrong password).
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// The token is not `payload.signature` in URL-safe base64, or its payload is unreadable.
    #[error("token is malformed")]
    TokenMalformed,
    /// The token was not signed with this installation's key, or was altered.
    #[error("token signature does not match")]
    TokenSignature,
    /// The token is authentic but past its expiry time.
    #[error("token expired at {0}")]
    TokenExpired(DateTime<Utc>),
    /// OpenSSL failed while signing or drawing random bytes.
    #[error("crypto failure: {0}")]
    Crypto(#[from] openssl::error::ErrorStack),
}

impl IdentityError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}
