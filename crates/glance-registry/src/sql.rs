//! The SQL registry: one code base over SQLite, PostgreSQL and MySQL/MariaDB
//! (sqlx concrete pools, one enum arm per backend, dialect differences in
//! `dialect`), versioned migrations, keyset-paginated lists.

mod connect;
mod dialect;
mod errors;
mod images;
mod list;
mod members;
mod migrations;
mod pool;
mod pool_settings;
mod registry_impl;
mod schema_lock;
mod statement;
mod target;
mod update;

pub use connect::{connect, connect_with};
pub use pool_settings::PoolSettings;

use crate::RegistryError;
use pool::Pool;

/// A [`Registry`](crate::Registry) stored in SQLite, PostgreSQL or
/// MySQL/MariaDB. Open it with [`connect`] or [`connect_with`], then call
/// [`SqlRegistry::migrate`]. Cloning shares the pool.
#[derive(Debug, Clone)]
pub struct SqlRegistry {
    pool: Pool,
}

impl SqlRegistry {
    /// Applies every pending migration, each in its own transaction (on
    /// MySQL, whose DDL is not transactional, under a lock held by the whole
    /// run). Running it again (or concurrently from another process) is a no-op.
    pub async fn migrate(&self) -> Result<(), RegistryError> {
        let lock = self.pool.lock_schema().await?;
        let migrated = self.apply_pending().await;
        if let Some(lock) = lock {
            lock.release().await;
        }
        migrated
    }

    /// Creates the version table and applies the migrations it does not list.
    async fn apply_pending(&self) -> Result<(), RegistryError> {
        let mut tx = self.pool.begin().await?;
        let collation = migrations::table_collation(&mut tx).await?;
        migrations::create_version_table(&mut tx, &collation).await?;
        let current = migrations::current_version(&mut tx).await?;
        tx.commit().await?;
        for m in migrations::MIGRATIONS
            .iter()
            .filter(|m| m.version > current)
        {
            let mut tx = self.pool.begin().await?;
            let now = images::to_micros(&glance_types::now());
            if migrations::apply(&mut tx, m, now, &collation).await? {
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// The schema version the database is at (0 if never migrated).
    pub async fn schema_version(&self) -> Result<i64, RegistryError> {
        let mut tx = self.pool.begin().await?;
        let version = migrations::current_version(&mut tx).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// The newest schema version this build knows; [`SqlRegistry::migrate`]
    /// brings the database to it.
    pub fn latest_version() -> i64 {
        migrations::latest_version()
    }

    /// Closes every pooled connection; later calls fail with
    /// [`RegistryError::Unavailable`].
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
