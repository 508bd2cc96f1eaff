//! `[database]`: where image metadata lives, and how connections to it are pooled.

use crate::{ConfigError, ConfigFile};
use std::path::Path;
use std::time::Duration;

/// Section name.
const SECTION: &str = "database";

/// The `[database]` options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseConfig {
    /// `connection`: the oslo.db URL, e.g. `sqlite:////var/lib/glance/glance.sqlite`,
    /// `postgresql+psycopg2://glance:pw@host/glance` or
    /// `mysql+pymysql://glance:pw@host/glance?charset=utf8`. Default:
    /// `sqlite:///<state_path>/glance.sqlite` (four slashes: an absolute path).
    pub connection: String,
    /// `migrate_on_start` (glance-rs extension, default `true`): bring the
    /// schema up to date when glance-api starts, instead of requiring
    /// `glance-manage db_sync` first.
    pub migrate_on_start: bool,
    /// `max_pool_size`: connections kept open for reuse. Default 5; `0`
    /// (upstream: no limit) gives `None`.
    pub max_pool_size: Option<u32>,
    /// `max_overflow`: connections opened beyond `max_pool_size` under load.
    /// Default 50; a negative value (SQLAlchemy's `-1`: no limit) gives `None`.
    pub max_overflow: Option<u32>,
    /// `pool_timeout`: seconds a request waits for a connection when all are
    /// busy. Default 30.
    pub pool_timeout: Duration,
    /// `connection_recycle_time`: seconds after which a pooled connection is
    /// replaced. Default 3600; a negative value (never) gives `None`.
    pub connection_recycle_time: Option<Duration>,
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
            max_pool_size: Some(
                config
                    .get_parsed::<u32>(SECTION, "max_pool_size")?
                    .unwrap_or(5),
            )
            .filter(|&n| n > 0),
            max_overflow: u32::try_from(
                config
                    .get_parsed::<i32>(SECTION, "max_overflow")?
                    .unwrap_or(50),
            )
            .ok(),
            pool_timeout: Duration::from_secs(
                config.get_parsed(SECTION, "pool_timeout")?.unwrap_or(30),
            ),
            connection_recycle_time: u64::try_from(
                config
                    .get_parsed::<i64>(SECTION, "connection_recycle_time")?
                    .unwrap_or(3600),
            )
            .ok()
            .map(Duration::from_secs),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database(text: &str) -> Result<DatabaseConfig, ConfigError> {
        let raw = ConfigFile::parse(text, "api.conf").unwrap();
        DatabaseConfig::from_config(&raw, Path::new("/srv/glance"))
    }

    #[test]
    fn defaults_are_upstreams() {
        let c = database("").unwrap();
        assert_eq!(c.connection, "sqlite:////srv/glance/glance.sqlite");
        assert!(c.migrate_on_start);
        assert_eq!(c.max_pool_size, Some(5));
        assert_eq!(c.max_overflow, Some(50));
        assert_eq!(c.pool_timeout, Duration::from_secs(30));
        assert_eq!(c.connection_recycle_time, Some(Duration::from_secs(3600)));
    }

    #[test]
    fn pool_options_are_read() {
        let c = database(
            "[database]\n\
             connection = mysql+pymysql://glance:pw@db/glance?charset=utf8\n\
             max_pool_size = 10\n\
             max_overflow = 20\n\
             pool_timeout = 5\n\
             connection_recycle_time = 600\n",
        )
        .unwrap();
        assert_eq!(
            c.connection,
            "mysql+pymysql://glance:pw@db/glance?charset=utf8"
        );
        assert_eq!(c.max_pool_size, Some(10));
        assert_eq!(c.max_overflow, Some(20));
        assert_eq!(c.pool_timeout, Duration::from_secs(5));
        assert_eq!(c.connection_recycle_time, Some(Duration::from_secs(600)));
    }

    #[test]
    fn upstream_no_limit_values() {
        let c = database(
            "[database]\nmax_pool_size = 0\nmax_overflow = -1\nconnection_recycle_time = -1\n",
        )
        .unwrap();
        assert_eq!(c.max_pool_size, None);
        assert_eq!(c.max_overflow, None);
        assert_eq!(c.connection_recycle_time, None);
    }

    #[test]
    fn bad_values_are_errors() {
        for bad in [
            "max_pool_size = -1",
            "max_pool_size = many",
            "max_overflow = 1.5",
            "pool_timeout = -5",
            "connection_recycle_time = 1h",
        ] {
            let err = database(&format!("[database]\n{bad}\n")).unwrap_err();
            assert!(err.to_string().contains("[database]"), "{bad}: {err}");
        }
    }
}
