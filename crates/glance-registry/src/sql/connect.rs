//! Opening a [`SqlRegistry`] from an oslo.db-style connection URL.

use super::SqlRegistry;
use super::errors::db_err;
use super::pool::Pool;
use super::pool_settings::PoolSettings;
use super::target::{Target, parse};
use crate::RegistryError;
use sqlx::Executor as _;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// How long SQLite waits on a locked database before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The most connections to one SQLite file: readers run side by side (WAL),
/// writers take turns whatever the pool size.
const SQLITE_MAX_CONNECTIONS: u32 = 8;

/// Run on every new MySQL connection: `ANSI_QUOTES` (identifiers such as
/// `"member"` are quoted the standard way), strict mode (values too long for
/// a column are errors, as on PostgreSQL) and PostgreSQL's isolation level,
/// READ COMMITTED (no gap locks, so concurrent writes to different images do
/// not deadlock).
const MYSQL_SESSION: [&str; 2] = [
    "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES,STRICT_ALL_TABLES')",
    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
];

/// Opens the registry at `url` with the default [`PoolSettings`] (upstream's
/// defaults); see [`connect_with`].
pub async fn connect(url: &str) -> Result<SqlRegistry, RegistryError> {
    connect_with(url, &PoolSettings::default()).await
}

/// Opens the registry at `url`, accepting the forms oslo.db accepts, and
/// checks that the database answers:
///
/// * `sqlite:////abs/path/glance.sqlite` (absolute), `sqlite:///relative.sqlite`
///   (relative to the working directory): the file and its directory are
///   created if missing; WAL journal, 5 s busy timeout, foreign keys on, at
///   most 8 connections.
/// * `sqlite://` or `sqlite:///:memory:`: a private in-memory database on a
///   single connection.
/// * `postgresql://user:pw@host:port/db`, `postgresql+psycopg2://…`,
///   `postgres://…`. The extra query parameter `schema=<name>` makes every
///   connection use that (existing) schema as its `search_path`.
/// * `mysql://user:pw@host:port/db`, `mysql+pymysql://…`, `mysql+mysqldb://…`,
///   `mariadb://…` (InnoDB; MariaDB 10.3+ or MySQL 5.7+). `charset=` is accepted
///   and ignored (connections use utf8mb4); PyMySQL's `unix_socket`, `ssl_ca`,
///   `ssl_cert` and `ssl_key` are understood.
///
/// `settings` size the pool. While the pool has room for another connection,
/// a call that gets none within 3 s (the server is down or refuses) fails
/// with [`RegistryError::Unavailable`]; a call waiting for a busy pool waits
/// up to `pool_timeout`. Connections are reopened as soon as the server is
/// back. The schema is not migrated: call [`SqlRegistry::migrate`].
pub async fn connect_with(
    url: &str,
    settings: &PoolSettings,
) -> Result<SqlRegistry, RegistryError> {
    let pool = match parse(url)? {
        Target::SqliteMemory => {
            let options = SqliteConnectOptions::from_str("sqlite::memory:")
                .map_err(db_err)?
                .foreign_keys(true);
            // One connection that never expires: the database lives with it.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .acquire_timeout(settings.pool_timeout)
                .connect_lazy_with(options);
            Pool::Sqlite(pool)
        }
        Target::SqliteFile(path) => {
            if let Some(dir) = Path::new(&path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                tokio::fs::create_dir_all(dir).await.map_err(|e| {
                    RegistryError::Unavailable(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            let options = SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true);
            Pool::Sqlite(
                settings
                    .pool_options(SQLITE_MAX_CONNECTIONS)
                    .connect_lazy_with(options),
            )
        }
        Target::Postgres { url, schema } => {
            let mut options = PgConnectOptions::from_str(&url).map_err(db_err)?;
            if let Some(schema) = schema {
                options = options.options([("search_path", schema)]);
            }
            Pool::Postgres(settings.pool_options(u32::MAX).connect_lazy_with(options))
        }
        Target::MySql { url } => {
            let options = MySqlConnectOptions::from_str(&url)
                .map_err(db_err)?
                .charset("utf8mb4");
            let pool = settings
                .pool_options(u32::MAX)
                .after_connect(|conn: &mut MySqlConnection, _| {
                    Box::pin(async move {
                        for sql in MYSQL_SESSION {
                            conn.execute(sql).await?;
                        }
                        Ok(())
                    })
                })
                .connect_lazy_with(options);
            Pool::MySql(pool)
        }
    };
    pool.ping().await?;
    Ok(SqlRegistry { pool })
}
