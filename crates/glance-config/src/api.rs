//! [`ApiConfig`]: the typed settings of glance-api, from `glance-api.conf`
//! files and `OS_<SECTION>__<KEY>` environment overrides.
//!
//! Option names and defaults follow upstream glance; where glance-rs
//! deliberately differs (loopback `bind_host`, `state_path`,
//! `[database] migrate_on_start`) the field says so.

use crate::glance_store::backends;
use crate::{
    BackendConfig, ConfigError, ConfigFile, DatabaseConfig, DefaultConfig, GlanceStoreConfig,
    PasteDeployConfig, RegistryClientConfig,
};
use std::path::PathBuf;

/// The config file read when none is given and it exists.
const SYSTEM_CONFIG: &str = "/etc/glance/glance-api.conf";

/// Everything glance-api reads from its configuration, one struct per section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    /// The `[DEFAULT]` section.
    pub default: DefaultConfig,
    /// The `[database]` section.
    pub database: DatabaseConfig,
    /// The `[glance_store]` section.
    pub glance_store: GlanceStoreConfig,
    /// The multi-store backends named by `enabled_backends`, in order, each
    /// with its `[<id>]` section. Empty in single-store mode.
    pub backends: Vec<BackendConfig>,
    /// The `[paste_deploy]` section.
    pub paste_deploy: PasteDeployConfig,
    /// Where image metadata lives: `[DEFAULT] data_api`, `registry_*` and
    /// `[registry] shared_secret`.
    pub registry: RegistryClientConfig,
    /// The merged files with environment overrides applied, for sections
    /// not typed here (`[keystone_authtoken]`, ...).
    pub raw: ConfigFile,
}

impl ApiConfig {
    /// Loads `files` in order (later wins), applies `OS_<SECTION>__<KEY>`
    /// overrides from `env` on top, and builds the typed settings. `env` is
    /// also where `GLANCE_DATA_DIR` is looked up; pass `std::env::vars()`.
    pub fn load(
        files: &[PathBuf],
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<ApiConfig, ConfigError> {
        let (raw, data_dir) = crate::loading::load_with_env(files, env)?;
        ApiConfig::from_config(raw, data_dir.as_deref())
    }

    /// The config files to read by default: `/etc/glance/glance-api.conf`
    /// if it exists, else none.
    pub fn default_files() -> Vec<PathBuf> {
        crate::loading::existing(SYSTEM_CONFIG)
    }

    /// The log file for `program` (e.g. `glance-api`), as oslo.log picks it:
    /// `log_file` (joined onto `log_dir` when both are set), else
    /// `<log_dir>/<program>.log`, else `None` (log to stderr).
    pub fn log_path(&self, program: &str) -> Option<PathBuf> {
        crate::loading::log_path(
            self.default.log_file.as_deref(),
            self.default.log_dir.as_deref(),
            program,
        )
    }

    /// Builds the settings from merged configuration; `data_dir` is the
    /// `GLANCE_DATA_DIR` value, if any.
    fn from_config(raw: ConfigFile, data_dir: Option<&str>) -> Result<ApiConfig, ConfigError> {
        let default = DefaultConfig::from_config(&raw, data_dir)?;
        let state_path = &default.state_path;
        let glance_store = GlanceStoreConfig::from_config(&raw, state_path);
        let backends = backends(
            &raw,
            &default.enabled_backends,
            glance_store.default_backend.as_deref(),
            state_path,
        )?;
        Ok(ApiConfig {
            database: DatabaseConfig::from_config(&raw, state_path)?,
            glance_store,
            backends,
            paste_deploy: PasteDeployConfig::from_config(&raw),
            registry: RegistryClientConfig::from_config(&raw, state_path)?,
            default,
            raw,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(text: &str, data_dir: Option<&str>) -> ApiConfig {
        ApiConfig::from_config(ConfigFile::parse(text, "api.conf").unwrap(), data_dir).unwrap()
    }

    #[test]
    fn state_path_comes_from_file_then_data_dir_then_default() {
        assert_eq!(
            config("", Some("/srv/g")).default.state_path,
            Path::new("/srv/g")
        );
        let from_file = config("[DEFAULT]\nstate_path = /var/lib/glance\n", Some("/srv/g"));
        assert_eq!(from_file.default.state_path, Path::new("/var/lib/glance"));
        let default = config("", None).default.state_path;
        assert!(
            default.is_absolute() && default.ends_with("data"),
            "{default:?}"
        );
    }

    #[test]
    fn defaults_hang_off_state_path() {
        let c = config("", Some("/srv/g"));
        assert_eq!(c.database.connection, "sqlite:////srv/g/glance.sqlite");
        assert_eq!(
            c.glance_store.filesystem_store_datadir,
            Path::new("/srv/g/images")
        );
    }

    #[test]
    fn log_path_follows_oslo_log() {
        let mut c = config("", None);
        assert_eq!(c.log_path("glance-api"), None);
        c.default.log_dir = Some("/var/log/glance".into());
        assert_eq!(
            c.log_path("glance-api"),
            Some("/var/log/glance/glance-api.log".into())
        );
        c.default.log_file = Some("api.log".into());
        assert_eq!(
            c.log_path("glance-api"),
            Some("/var/log/glance/api.log".into())
        );
        c.default.log_file = Some("/tmp/abs.log".into());
        assert_eq!(c.log_path("glance-api"), Some("/tmp/abs.log".into()));
        c.default.log_dir = None;
        c.default.log_file = Some("rel.log".into());
        assert_eq!(c.log_path("glance-api"), Some("rel.log".into()));
    }

    #[test]
    fn multi_store_needs_a_known_default_backend() {
        let enabled = "[DEFAULT]\nenabled_backends = fast:file, cheap:file\n";
        let parse =
            |text: &str| ApiConfig::from_config(ConfigFile::parse(text, "api.conf").unwrap(), None);
        assert!(matches!(
            parse(enabled),
            Err(ConfigError::MissingDefaultBackend)
        ));
        let unknown = format!("{enabled}[glance_store]\ndefault_backend = slow\n");
        let err = parse(&unknown).unwrap_err();
        assert!(
            matches!(err, ConfigError::UnknownDefaultBackend { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("fast,cheap"), "{err}");
        let reserved = "[DEFAULT]\nenabled_backends = os_glance_staging_store:file\n[glance_store]\ndefault_backend = os_glance_staging_store\n";
        assert!(
            matches!(parse(reserved), Err(ConfigError::ReservedBackend(id)) if id == "os_glance_staging_store")
        );
    }
}
