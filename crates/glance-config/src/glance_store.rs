//! `[glance_store]` and the multi-store backends named by
//! `[DEFAULT] enabled_backends`, each configured in its own `[<id>]` section.

use crate::{ConfigError, ConfigFile};
use std::path::{Path, PathBuf};

/// Section name.
const SECTION: &str = "glance_store";

/// Backend ids glance keeps for itself (staging and tasks stores).
const RESERVED_PREFIX: &str = "os_glance_";

/// The `[glance_store]` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlanceStoreConfig {
    /// `stores` (single-store mode, deprecated upstream): enabled drivers.
    /// Default `["file", "http"]`.
    pub stores: Vec<String>,
    /// `default_store` (single-store mode, deprecated upstream): driver new
    /// uploads go to. Default `file`.
    pub default_store: String,
    /// `filesystem_store_datadir` (single-store mode): where the file
    /// driver keeps images. Default `<state_path>/images`.
    pub filesystem_store_datadir: PathBuf,
    /// `default_backend` (multi-store mode): the backend id uploads go to
    /// unless the request names one. Required when `enabled_backends` is set.
    pub default_backend: Option<String>,
}

impl GlanceStoreConfig {
    /// Reads the section; `state_path` (absolute) places the default datadir.
    pub(crate) fn from_config(config: &ConfigFile, state_path: &Path) -> Self {
        GlanceStoreConfig {
            stores: config
                .get_list(SECTION, "stores")
                .unwrap_or_else(|| vec!["file".to_owned(), "http".to_owned()]),
            default_store: config
                .get_string(SECTION, "default_store")
                .unwrap_or_else(|| "file".to_owned()),
            filesystem_store_datadir: config
                .get_string(SECTION, "filesystem_store_datadir")
                .map_or_else(|| state_path.join("images"), PathBuf::from),
            default_backend: config.get_string(SECTION, "default_backend"),
        }
    }
}

/// One multi-store backend: an `enabled_backends` entry plus its `[<id>]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendConfig {
    /// The backend id (the `enabled_backends` key and the section name).
    pub id: String,
    /// The driver (`file`, `http`, `rbd`, `s3`, ...).
    pub driver: String,
    /// `[<id>] filesystem_store_datadir`: the file driver's directory.
    /// Default `<state_path>/<id>`.
    pub filesystem_store_datadir: PathBuf,
    /// `[<id>] store_description`: free text shown in `/v2/info/stores`.
    pub store_description: Option<String>,
    /// `[<id>] weight` (default 0): higher is preferred when an image has
    /// locations in several stores.
    pub weight: i64,
}

/// The backends of `enabled_backends` (`id:driver` pairs, in order),
/// checked against `default_backend` and the reserved `os_glance_*` ids.
pub(crate) fn backends(
    config: &ConfigFile,
    enabled: &[(String, String)],
    default_backend: Option<&str>,
    state_path: &Path,
) -> Result<Vec<BackendConfig>, ConfigError> {
    if enabled.is_empty() {
        return Ok(Vec::new());
    }
    if let Some((id, _)) = enabled
        .iter()
        .find(|(id, _)| id.starts_with(RESERVED_PREFIX))
    {
        return Err(ConfigError::ReservedBackend(id.clone()));
    }
    let default = default_backend.ok_or(ConfigError::MissingDefaultBackend)?;
    if !enabled.iter().any(|(id, _)| id == default) {
        return Err(ConfigError::UnknownDefaultBackend {
            backend: default.to_owned(),
            enabled: enabled
                .iter()
                .map(|(id, _)| id.as_str())
                .collect::<Vec<_>>()
                .join(","),
        });
    }
    enabled
        .iter()
        .map(|(id, driver)| {
            Ok(BackendConfig {
                id: id.clone(),
                driver: driver.clone(),
                filesystem_store_datadir: config
                    .get_string(id, "filesystem_store_datadir")
                    .map_or_else(|| state_path.join(id), PathBuf::from),
                store_description: config.get_string(id, "store_description"),
                weight: config.get_parsed(id, "weight")?.unwrap_or(0),
            })
        })
        .collect()
}
