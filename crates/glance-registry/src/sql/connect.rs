//! Opening a [`SqlRegistry`] from an oslo.db-style connection URL.

use super::SqlRegistry;
use super::errors::db_err;
use super::pool::Pool;
use crate::RegistryError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// How long SQLite waits on a locked database before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a caller waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a URL points, once parsed.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// A private in-memory SQLite database.
    SqliteMemory,
    /// A SQLite file (created with its directory if missing).
    SqliteFile(String),
    /// A PostgreSQL URL (`postgres://…`, without our own parameters) and
    /// the schema to use as `search_path`, if one was asked for.
    Postgres { url: String, schema: Option<String> },
}

/// Opens the registry at `url`, accepting the forms oslo.db accepts:
///
/// * `sqlite:////abs/path/glance.sqlite` (absolute), `sqlite:///relative.sqlite`
///   (relative to the working directory): the file and its directory are
///   created if missing; WAL journal, 5 s busy timeout, foreign keys on.
/// * `sqlite://` or `sqlite:///:memory:`: a private in-memory database on a
///   single connection.
/// * `postgresql://user:pw@host:port/db`, `postgresql+psycopg2://…`,
///   `postgres://…`. The extra query parameter `schema=<name>` makes every
///   connection use that (existing) schema as its `search_path`.
/// * `mysql…`/`mariadb…`: not supported yet, [`RegistryError::Database`].
///
/// The schema is not migrated: call [`SqlRegistry::migrate`].
pub async fn connect(url: &str) -> Result<SqlRegistry, RegistryError> {
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
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await
                .map_err(db_err)?;
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
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await
                .map_err(db_err)?;
            Pool::Sqlite(pool)
        }
        Target::Postgres { url, schema } => {
            let mut options = PgConnectOptions::from_str(&url).map_err(db_err)?;
            if let Some(schema) = schema {
                options = options.options([("search_path", schema)]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(10)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await
                .map_err(db_err)?;
            Pool::Postgres(pool)
        }
    };
    Ok(SqlRegistry { pool })
}

fn parse(url: &str) -> Result<Target, RegistryError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| RegistryError::Database("database URL has no scheme".into()))?;
    let scheme = scheme.to_ascii_lowercase();
    let dialect = scheme.split('+').next().unwrap_or_default();
    match dialect {
        "sqlite" => {
            let path = rest.split('?').next().unwrap_or_default();
            match path.strip_prefix('/') {
                None if path.is_empty() => Ok(Target::SqliteMemory),
                Some("" | ":memory:") => Ok(Target::SqliteMemory),
                Some(file) => Ok(Target::SqliteFile(file.to_string())),
                None => Err(RegistryError::Database(
                    "sqlite URL must look like sqlite:///relative or sqlite:////absolute".into(),
                )),
            }
        }
        "postgresql" | "postgres" => postgres_target(rest),
        "mysql" | "mariadb" => Err(RegistryError::Database(
            "MySQL/MariaDB support is not built yet".into(),
        )),
        other => Err(RegistryError::Database(format!(
            "unsupported database URL scheme '{other}'"
        ))),
    }
}

/// Normalises a PostgreSQL URL to `postgres://` and takes out `schema=`.
fn postgres_target(rest: &str) -> Result<Target, RegistryError> {
    let mut url = url::Url::parse(&format!("postgres://{rest}"))
        .map_err(|e| RegistryError::Database(format!("invalid PostgreSQL URL: {e}")))?;
    let mut schema = None;
    let others: Vec<(String, String)> = url
        .query_pairs()
        .filter_map(|(k, v)| {
            if k == "schema" {
                schema = Some(v.into_owned());
                None
            } else {
                Some((k.into_owned(), v.into_owned()))
            }
        })
        .collect();
    if let Some(s) = &schema {
        let valid = !s.is_empty()
            && s.len() <= 63
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !s.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            return Err(RegistryError::Database(format!(
                "invalid schema name '{s}': use letters, digits and '_'"
            )));
        }
    }
    if others.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(others);
    }
    Ok(Target::Postgres {
        url: url.into(),
        schema,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sqlite_forms() {
        assert_eq!(parse("sqlite://").unwrap(), Target::SqliteMemory);
        assert_eq!(parse("sqlite:///:memory:").unwrap(), Target::SqliteMemory);
        assert_eq!(
            parse("sqlite:////var/lib/glance/glance.sqlite").unwrap(),
            Target::SqliteFile("/var/lib/glance/glance.sqlite".into())
        );
        assert_eq!(
            parse("sqlite:///glance.sqlite").unwrap(),
            Target::SqliteFile("glance.sqlite".into())
        );
    }

    #[test]
    fn parses_postgres_forms() {
        for scheme in ["postgresql", "postgresql+psycopg2", "postgres"] {
            let t = parse(&format!(
                "{scheme}://u:pw@db:5433/glance?schema=s1&sslmode=disable"
            ))
            .unwrap();
            assert_eq!(
                t,
                Target::Postgres {
                    url: "postgres://u:pw@db:5433/glance?sslmode=disable".into(),
                    schema: Some("s1".into())
                }
            );
        }
        assert!(parse("postgresql://db/glance?schema=a;drop").is_err());
    }

    #[test]
    fn rejects_mysql_and_unknown() {
        let err = parse("mysql+pymysql://u@h/glance").unwrap_err();
        assert!(
            err.to_string()
                .contains("MySQL/MariaDB support is not built yet")
        );
        assert!(parse("oracle://x").is_err());
        assert!(parse("glance.sqlite").is_err());
    }
}
