//! A database of its own for each test on the shared SQL servers, removed
//! when the test ends (also when it fails).
//!
//! - [`PgSchema`]: a fresh schema on PostgreSQL (`GLANCE_TEST_POSTGRES_URL`,
//!   default [`POSTGRES_URL`]); glance selects it with `?schema=` on the
//!   connection URL.
//! - [`MySqlDatabase`]: a fresh database on MySQL/MariaDB
//!   (`GLANCE_TEST_MYSQL_URL`, default [`MYSQL_URL`]).
//!
//! An unreachable server fails the test: CI provides both.

use crate::cleanup::OnDrop;
use sqlx::{Connection, Executor, MySqlConnection, MySqlPool, PgConnection};

/// The PostgreSQL server the tests use unless `GLANCE_TEST_POSTGRES_URL` is set.
pub const POSTGRES_URL: &str = "postgresql://postgres@127.0.0.1:5432/test";

/// The MySQL server the tests use unless `GLANCE_TEST_MYSQL_URL` is set.
pub const MYSQL_URL: &str = "mysql://root@127.0.0.1:3306/test";

/// How long the drop waits for locks a failed test may still hold.
const LOCK_WAIT_SECS: u32 = 10;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// `url` with the scheme sqlx knows (`postgresql+psycopg2://` and the like
/// are glance's spellings).
fn sqlx_url(url: &str, scheme: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => format!("{scheme}://{rest}"),
        None => url.to_owned(),
    }
}

/// A fresh name with `prefix`.
fn unique(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// A schema of its own on the test PostgreSQL server, dropped with
/// everything in it when this value is dropped.
pub struct PgSchema {
    url: String,
    _drop: OnDrop,
}

impl PgSchema {
    /// Creates a schema named `<prefix>_<random>`.
    pub async fn create(prefix: &str) -> PgSchema {
        let base = env_or("GLANCE_TEST_POSTGRES_URL", POSTGRES_URL);
        let admin = sqlx_url(&base, "postgres");
        let name = unique(prefix);
        let mut conn = PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {base} must be reachable: {e}"));
        conn.execute(format!("CREATE SCHEMA {name}").as_str())
            .await
            .unwrap_or_else(|e| panic!("create schema {name}: {e}"));
        conn.close().await.expect("close");
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}schema={name}");
        let drop_name = name;
        PgSchema {
            url,
            _drop: OnDrop::new(move || async move {
                let mut conn = PgConnection::connect(&admin).await.expect("reconnect");
                // Sessions still holding locks in the schema (a pool whose
                // closing needs the test's runtime, blocked in this drop)
                // would block the drop: end them first.
                sqlx::query(
                    "SELECT pg_terminate_backend(l.pid) FROM pg_locks l \
                     JOIN pg_class c ON c.oid = l.relation \
                     JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = $1 AND l.pid <> pg_backend_pid()",
                )
                .bind(&drop_name)
                .execute(&mut conn)
                .await
                .expect("end sessions");
                let drop = format!(
                    "SET lock_timeout = '{LOCK_WAIT_SECS}s'; DROP SCHEMA {drop_name} CASCADE"
                );
                if let Err(e) = sqlx::raw_sql(&drop).execute(&mut conn).await {
                    panic!("could not drop test schema {drop_name}: {e}");
                }
            }),
        }
    }

    /// The `[database] connection` URL selecting this schema.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// A database of its own on the test MySQL server, dropped when this value
/// is dropped.
pub struct MySqlDatabase {
    name: String,
    url: String,
    admin: MySqlPool,
    _drop: OnDrop,
}

impl MySqlDatabase {
    /// Creates a database named `<prefix>_<random>`.
    pub async fn create(prefix: &str) -> MySqlDatabase {
        let base = env_or("GLANCE_TEST_MYSQL_URL", MYSQL_URL);
        let admin_url = sqlx_url(&base, "mysql");
        let admin = sqlx::mysql::MySqlPoolOptions::new()
            .max_connections(1)
            .connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("MySQL at {base} must be reachable: {e}"));
        let name = unique(prefix);
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap_or_else(|e| panic!("create database {name}: {e}"));
        let mut url = url::Url::parse(&base).expect("GLANCE_TEST_MYSQL_URL is a URL");
        url.set_path(&name);
        let drop_name = name.clone();
        MySqlDatabase {
            url: url.to_string(),
            admin,
            _drop: OnDrop::new(move || async move {
                let mut conn = MySqlConnection::connect(&admin_url)
                    .await
                    .expect("reconnect");
                let wait = format!("SET SESSION lock_wait_timeout = {LOCK_WAIT_SECS}");
                conn.execute(wait.as_str()).await.expect("lock wait");
                // Sessions still on the database (a pool whose closing needs
                // the test's runtime, blocked in this drop) would hold its
                // metadata lock: end them first.
                let sessions: Vec<i64> = sqlx::query_scalar(
                    "SELECT ID FROM information_schema.PROCESSLIST \
                     WHERE DB = ? AND ID <> CONNECTION_ID()",
                )
                .bind(&drop_name)
                .fetch_all(&mut conn)
                .await
                .expect("list sessions");
                for id in sessions {
                    // A session that ended meanwhile is fine.
                    let _ = conn.execute(format!("KILL {id}").as_str()).await;
                }
                if let Err(e) = conn
                    .execute(format!("DROP DATABASE {drop_name}").as_str())
                    .await
                {
                    panic!("could not drop test database {drop_name}: {e}");
                }
            }),
            name,
        }
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The `[database] connection` URL of this database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A pool (one connection) on the server, for checks the registry does
    /// not offer.
    pub fn admin(&self) -> &MySqlPool {
        &self.admin
    }
}
