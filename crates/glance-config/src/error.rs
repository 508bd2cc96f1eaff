//! Errors reading or interpreting configuration.

use std::path::PathBuf;

/// What can go wrong loading configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A config file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A config file is not valid oslo INI.
    #[error("{file}:{line}: {message}")]
    Parse {
        /// The file name.
        file: String,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with the line.
        message: String,
    },
    /// An option has a value of the wrong type or form.
    #[error("invalid value {value:?} for [{section}] {key} ({origin}): {reason}")]
    InvalidValue {
        /// The section.
        section: String,
        /// The option name.
        key: String,
        /// The value as written.
        value: String,
        /// Where it was set (`file:line` or the environment variable).
        origin: String,
        /// What was expected.
        reason: String,
    },
    /// A path could not be made absolute (the current directory is unknown).
    #[error("cannot make {path} absolute: {source}")]
    Absolute {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `enabled_backends` is set but `[glance_store] default_backend` is not.
    #[error("[glance_store] default_backend must be set when enabled_backends is set")]
    MissingDefaultBackend,
    /// `[glance_store] default_backend` is not one of `enabled_backends`.
    #[error(
        "[glance_store] default_backend {backend:?} is not one of enabled_backends ({enabled})"
    )]
    UnknownDefaultBackend {
        /// The configured default backend.
        backend: String,
        /// The enabled backend ids, comma separated.
        enabled: String,
    },
    /// `enabled_backends` names a reserved backend id (`os_glance_*`).
    #[error("backend id {0:?} in enabled_backends is reserved (os_glance_* ids are internal)")]
    ReservedBackend(String),
}
