//! Serialising migrators.
//!
//! On SQLite a migration's version row, inserted first in the migration's
//! transaction, makes a concurrent migrator wait and then skip the step.
//! MySQL commits before and after every DDL statement, and PostgreSQL's
//! `CREATE TABLE IF NOT EXISTS` is not safe against a concurrent creator
//! (two nodes starting on a fresh schema collide on the catalog's unique
//! index), so there a lock held for the whole of
//! [`SqlRegistry::migrate`](super::SqlRegistry::migrate) does that job: a
//! named lock on MySQL, an advisory lock on PostgreSQL.

use super::errors::db_err;
use super::pool::{Pool, fail_fast};
use crate::RegistryError;
use sqlx::pool::PoolConnection;
use sqlx::{MySql, Postgres};

/// How long a migrator waits for another one to finish.
const LOCK_WAIT_SECS: i64 = 300;

/// The named lock, per database (names are server-wide, at most 64 characters).
const LOCK_NAME: &str = "CONCAT('glance_schema_', MD5(DATABASE()))";

/// The PostgreSQL advisory lock key, per schema.
const PG_LOCK_KEY: &str = "hashtext('glance_schema_' || current_schema())";

/// The migration lock of a MySQL database or PostgreSQL schema, held by a
/// connection of its own that is closed (never reused) when the lock is
/// released or dropped, so the server frees the lock (a session lock) even
/// if [`SchemaLock::release`] is never called.
pub(crate) enum SchemaLock {
    /// MySQL's `GET_LOCK`.
    MySql(PoolConnection<MySql>),
    /// PostgreSQL's `pg_advisory_lock`.
    Postgres(PoolConnection<Postgres>),
}

impl Pool {
    /// On MySQL, waits (up to five minutes) for the database's migration lock
    /// and takes it; `None` on backends with transactional DDL.
    pub(crate) async fn lock_schema(&self) -> Result<Option<SchemaLock>, RegistryError> {
        if let Pool::Postgres(pool) = self {
            let mut conn = fail_fast(pool, pool.acquire()).await?;
            conn.close_on_drop();
            let wait = std::time::Duration::from_secs(LOCK_WAIT_SECS.unsigned_abs());
            let locked = tokio::time::timeout(
                wait,
                sqlx::query(&format!("SELECT pg_advisory_lock({PG_LOCK_KEY})")).execute(&mut *conn),
            )
            .await;
            return match locked {
                Ok(done) => {
                    done.map_err(db_err)?;
                    Ok(Some(SchemaLock::Postgres(conn)))
                }
                Err(_) => Err(RegistryError::Unavailable(format!(
                    "another process has been migrating the schema for {LOCK_WAIT_SECS}s"
                ))),
            };
        }
        let Pool::MySql(pool) = self else {
            return Ok(None);
        };
        let mut conn = fail_fast(pool, pool.acquire()).await?;
        conn.close_on_drop();
        let locked: Option<i64> = sqlx::query_scalar(&format!("SELECT GET_LOCK({LOCK_NAME}, ?)"))
            .bind(LOCK_WAIT_SECS)
            .fetch_one(&mut *conn)
            .await
            .map_err(db_err)?;
        if locked != Some(1) {
            return Err(RegistryError::Unavailable(format!(
                "another process has been migrating the schema for {LOCK_WAIT_SECS}s"
            )));
        }
        Ok(Some(SchemaLock::MySql(conn)))
    }
}

impl SchemaLock {
    /// Releases the lock by closing its connection.
    pub(crate) async fn release(self) {
        // Closing ends the session, which frees the lock; a connection that
        // fails to close cleanly is dropped, which does the same.
        match self {
            SchemaLock::MySql(conn) => {
                let _ = conn.close().await;
            }
            SchemaLock::Postgres(conn) => {
                let _ = conn.close().await;
            }
        }
    }
}
