//! Pool sizing and timeouts, as oslo.db's `[database]` options.

use std::time::Duration;

/// How a [`SqlRegistry`](super::SqlRegistry) pools its connections, from
/// upstream's `[database]` options. sqlx has one pool size, so at most
/// `max_pool_size + max_overflow` connections are open; idle ones close after
/// ten minutes. SQLite files use at most 8 of them (one writer at a time
/// anyway), an in-memory SQLite database exactly one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSettings {
    /// `max_pool_size`: connections kept for reuse. Default 5; `None` means no
    /// limit (upstream's `0`).
    pub max_pool_size: Option<u32>,
    /// `max_overflow`: connections opened beyond `max_pool_size` under load.
    /// Default 50; `None` means no limit (upstream's `-1`).
    pub max_overflow: Option<u32>,
    /// `pool_timeout`: how long a call waits for a connection when all are
    /// busy, then fails with [`RegistryError::Unavailable`](crate::RegistryError::Unavailable).
    /// Default 30 s. A server that refuses connections fails calls sooner (see
    /// [`connect_with`](super::connect_with)).
    pub pool_timeout: Duration,
    /// `connection_recycle_time`: connections older than this are replaced
    /// when next used. Default 3600 s; `None` means never (upstream's `-1`).
    pub connection_recycle_time: Option<Duration>,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_pool_size: Some(5),
            max_overflow: Some(50),
            pool_timeout: Duration::from_secs(30),
            connection_recycle_time: Some(Duration::from_secs(3600)),
        }
    }
}

/// The pool size standing for "no limit": more than any server accepts.
const NO_LIMIT: u32 = 1 << 20;

impl From<&glance_config::DatabaseConfig> for PoolSettings {
    /// The pool options of a `[database]` section.
    fn from(db: &glance_config::DatabaseConfig) -> Self {
        Self {
            max_pool_size: db.max_pool_size,
            max_overflow: db.max_overflow,
            pool_timeout: db.pool_timeout,
            connection_recycle_time: db.connection_recycle_time,
        }
    }
}

impl PoolSettings {
    /// The most connections open at once: `max_pool_size + max_overflow`,
    /// at least 1; 2^20 (in effect no limit) when either is unlimited.
    pub fn max_connections(&self) -> u32 {
        match (self.max_pool_size, self.max_overflow) {
            (Some(size), Some(overflow)) => size.saturating_add(overflow).clamp(1, NO_LIMIT),
            _ => NO_LIMIT,
        }
    }

    /// sqlx pool options with these settings and at most `cap` connections.
    pub(crate) fn pool_options<DB: sqlx::Database>(&self, cap: u32) -> sqlx::pool::PoolOptions<DB> {
        sqlx::pool::PoolOptions::new()
            .max_connections(self.max_connections().min(cap))
            .min_connections(0)
            .acquire_timeout(self.pool_timeout)
            .max_lifetime(self.connection_recycle_time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_upstreams() {
        let s = PoolSettings::default();
        assert_eq!(s.max_connections(), 55);
        let o = s.pool_options::<sqlx::MySql>(u32::MAX);
        assert_eq!(o.get_max_connections(), 55);
        assert_eq!(o.get_min_connections(), 0);
        assert_eq!(o.get_acquire_timeout(), Duration::from_secs(30));
        assert_eq!(o.get_max_lifetime(), Some(Duration::from_secs(3600)));
    }

    #[test]
    fn limits_combine_and_cap() {
        let s = PoolSettings {
            max_pool_size: Some(2),
            max_overflow: Some(0),
            pool_timeout: Duration::from_secs(1),
            connection_recycle_time: None,
        };
        let o = s.pool_options::<sqlx::Postgres>(8);
        assert_eq!(o.get_max_connections(), 2);
        assert_eq!(o.get_max_lifetime(), None);
        let unlimited = PoolSettings {
            max_overflow: None,
            ..s.clone()
        };
        assert_eq!(unlimited.max_connections(), NO_LIMIT);
        assert_eq!(
            unlimited
                .pool_options::<sqlx::Sqlite>(8)
                .get_max_connections(),
            8
        );
        let none = PoolSettings {
            max_pool_size: Some(0),
            ..s
        };
        assert_eq!(none.max_connections(), 1);
    }
}
