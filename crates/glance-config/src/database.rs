//! `[database]`: where image metadata lives.

use crate::{ConfigError, ConfigFile};
use std::path::Path;

/// Section name.
const SECTION: &str = "database";

/// The `[database]` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseConfig {
    /// `connection`: the oslo.db URL, e.g. `sqlite:////var/lib/glance/glance.sqlite`
    /// or `postgresql+psycopg2://glance:pw@host/glance`. Default:
    /// `sqlite:///<state_path>/glance.sqlite` (four slashes: an absolute path).
    pub connection: String,
    /// `migrate_on_start` (glance-rs extension, default `true`): bring the
    /// schema up to date when glance-api starts, instead of requiring
    /// `glance-manage db_sync` first.
    pub migrate_on_start: bool,
}

impl DatabaseConfig {
    /// Reads the section; `state_path` (absolute) places the default database.
    pub(crate) fn from_config(config: &ConfigFile, state_path: &Path) -> Result<Self, ConfigError> {
        Ok(DatabaseConfig {
            connection: config.get_string(SECTION, "connection").unwrap_or_else(|| {
                format!("sqlite:///{}", state_path.join("glance.sqlite").display())
            }),
            migrate_on_start: config
                .get_bool(SECTION, "migrate_on_start")?
                .unwrap_or(true),
        })
    }
}
