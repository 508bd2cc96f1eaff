//! The versioned schema: portable DDL steps applied in order, each in its own
//! transaction (where the backend has transactional DDL), recorded in
//! `glance_schema_version`.
//!
//! Portability rules (SQLite, PostgreSQL, MySQL/MariaDB): `VARCHAR(n)` for
//! every indexed string (n ≤ 255: MySQL indexes at most 3072 bytes, 4 per
//! utf8mb4 character), `TEXT` only for unindexed values, `BIGINT` integers and
//! timestamps (microseconds since the epoch), `BOOLEAN` flags, table-level
//! `FOREIGN KEY` clauses (MySQL ignores column-level `REFERENCES`), `"member"`
//! quoted (reserved in MySQL 8; MySQL sessions run with `ANSI_QUOTES`), no
//! backend-specific index options. [`Backend::ddl`] adds MySQL's table options.

use super::dialect::{Backend, MYSQL_COLLATIONS};
use super::pool::{Kind, Tx};
use super::statement::Statement;
use crate::RegistryError;

/// One schema step.
#[derive(Debug)]
pub(crate) struct Migration {
    /// Strictly increasing version, starting at 1.
    pub(crate) version: i64,
    /// What the step does.
    pub(crate) description: &'static str,
    /// The DDL statements, run in order.
    pub(crate) statements: &'static [&'static str],
}

/// Every migration, oldest first.
pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "images, image_properties, image_tags, image_locations, image_members",
    statements: &[
        "CREATE TABLE images (
            id VARCHAR(36) NOT NULL PRIMARY KEY,
            name VARCHAR(255),
            disk_format VARCHAR(20),
            container_format VARCHAR(20),
            size BIGINT,
            virtual_size BIGINT,
            status VARCHAR(30) NOT NULL,
            visibility VARCHAR(20) NOT NULL,
            checksum VARCHAR(32),
            os_hash_algo VARCHAR(64),
            os_hash_value VARCHAR(128),
            min_disk BIGINT NOT NULL,
            min_ram BIGINT NOT NULL,
            owner VARCHAR(255),
            protected BOOLEAN NOT NULL,
            os_hidden BOOLEAN NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            deleted_at BIGINT,
            deleted BOOLEAN NOT NULL
        )",
        "CREATE INDEX ix_images_created_at_id ON images (created_at, id)",
        "CREATE INDEX ix_images_updated_at_id ON images (updated_at, id)",
        "CREATE INDEX ix_images_name_created_at_id ON images (name, created_at, id)",
        "CREATE INDEX ix_images_size ON images (size)",
        "CREATE INDEX ix_images_status ON images (status)",
        "CREATE INDEX ix_images_owner ON images (owner)",
        "CREATE INDEX ix_images_visibility ON images (visibility)",
        "CREATE INDEX ix_images_checksum ON images (checksum)",
        "CREATE INDEX ix_images_os_hash_value ON images (os_hash_value)",
        // Property filters run as EXISTS probes on the primary key; `value` is
        // TEXT (values may be long), which MySQL cannot index portably.
        "CREATE TABLE image_properties (
            image_id VARCHAR(36) NOT NULL,
            name VARCHAR(255) NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (image_id, name),
            FOREIGN KEY (image_id) REFERENCES images (id)
        )",
        "CREATE TABLE image_tags (
            image_id VARCHAR(36) NOT NULL,
            value VARCHAR(255) NOT NULL,
            PRIMARY KEY (image_id, value),
            FOREIGN KEY (image_id) REFERENCES images (id)
        )",
        "CREATE INDEX ix_image_tags_value ON image_tags (value)",
        "CREATE TABLE image_locations (
            image_id VARCHAR(36) NOT NULL,
            position INTEGER NOT NULL,
            url TEXT NOT NULL,
            metadata TEXT NOT NULL,
            PRIMARY KEY (image_id, position),
            FOREIGN KEY (image_id) REFERENCES images (id)
        )",
        r#"CREATE TABLE image_members (
            image_id VARCHAR(36) NOT NULL,
            "member" VARCHAR(255) NOT NULL,
            status VARCHAR(20) NOT NULL DEFAULT 'pending',
            can_share BOOLEAN NOT NULL DEFAULT FALSE,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            deleted BOOLEAN NOT NULL DEFAULT FALSE,
            PRIMARY KEY (image_id, "member"),
            FOREIGN KEY (image_id) REFERENCES images (id)
        )"#,
        r#"CREATE INDEX ix_image_members_member ON image_members ("member")"#,
    ],
}];

/// The table recording applied versions.
const CREATE_VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS glance_schema_version (
    version BIGINT NOT NULL PRIMARY KEY,
    description VARCHAR(255) NOT NULL,
    applied_at BIGINT NOT NULL
)";

/// The newest version [`MIGRATIONS`] knows.
pub(crate) fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The applied version (0 for an empty database).
pub(crate) async fn current_version(tx: &mut Tx) -> Result<i64, RegistryError> {
    let exists = Statement::new(tx.backend().version_table_count());
    let mut rows = tx.fetch(&exists, &[Kind::Int]).await?;
    if rows.pop().map(|mut r| r.req_int()).transpose()? != Some(1) {
        return Ok(0);
    }
    let st = Statement::new("SELECT MAX(version) FROM glance_schema_version");
    let mut rows = tx.fetch(&st, &[Kind::Int]).await?;
    Ok(rows
        .pop()
        .map(|mut r| r.int())
        .transpose()?
        .flatten()
        .unwrap_or(0))
}

/// The collation new MySQL tables get: the first of [`MYSQL_COLLATIONS`]
/// the server has (empty on other backends, which compare bytes anyway).
pub(crate) async fn table_collation(tx: &mut Tx) -> Result<String, RegistryError> {
    if tx.backend() != Backend::MySql {
        return Ok(String::new());
    }
    let mut st = Statement::new(
        "SELECT COLLATION_NAME FROM information_schema.COLLATIONS WHERE COLLATION_NAME IN ",
    );
    st.bind_list(MYSQL_COLLATIONS);
    let mut available = Vec::new();
    for mut row in tx.fetch(&st, &[Kind::Text]).await? {
        available.push(row.req_text()?);
    }
    MYSQL_COLLATIONS
        .into_iter()
        .find(|c| available.iter().any(|a| a == c))
        .map(str::to_string)
        .ok_or_else(|| RegistryError::Database("the server has no utf8mb4 collation".into()))
}

/// Creates the version table if missing (`collation` from [`table_collation`]).
pub(crate) async fn create_version_table(
    tx: &mut Tx,
    collation: &str,
) -> Result<(), RegistryError> {
    let ddl = tx.backend().ddl(CREATE_VERSION_TABLE, collation);
    tx.execute(&Statement::new(&ddl)).await?;
    Ok(())
}

/// Applies one migration inside `tx`; `Ok(false)` if another migrator applied
/// it. With transactional DDL the version row is inserted first, so that a
/// concurrent migrator blocks on it. Without (MySQL), the caller holds the
/// schema lock, and the row is inserted last, so that a failed step is not
/// recorded as done.
pub(crate) async fn apply(
    tx: &mut Tx,
    m: &Migration,
    now: i64,
    collation: &str,
) -> Result<bool, RegistryError> {
    let backend = tx.backend();
    let mut record = Statement::new(
        "INSERT INTO glance_schema_version (version, description, applied_at) VALUES (",
    );
    record
        .bind(m.version)
        .push(", ")
        .bind(m.description)
        .push(", ")
        .bind(now)
        .push(")");
    if backend.transactional_ddl() {
        if !tx.insert_unique(&record).await? {
            return Ok(false);
        }
        run_statements(tx, m, collation).await?;
    } else {
        if current_version(tx).await? >= m.version {
            return Ok(false);
        }
        run_statements(tx, m, collation).await?;
        tx.execute(&record).await?;
    }
    Ok(true)
}

/// Runs the DDL of `m`, in order.
async fn run_statements(tx: &mut Tx, m: &Migration, collation: &str) -> Result<(), RegistryError> {
    let backend = tx.backend();
    for sql in m.statements {
        tx.execute(&Statement::new(&backend.ddl(sql, collation)))
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_increase_from_one() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1);
        }
        assert_eq!(latest_version(), MIGRATIONS.len() as i64);
    }
}
