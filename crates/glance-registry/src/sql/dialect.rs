//! Where the SQL dialects differ. Queries are written once; these helpers
//! supply the few backend-specific pieces: placeholders, NULL ordering,
//! table options and catalog queries, and whether DDL is transactional.

use glance_types::SortDir;
use std::borrow::Cow;

/// The backend a statement runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    MySql,
}

/// The collations MySQL tables may use, best first (the first the server has
/// is used): binary (case- and accent-sensitive, byte order) and NO PAD
/// (trailing spaces count), so that comparisons, sorting and unique keys
/// behave as on PostgreSQL. MySQL 8 has the first, MariaDB (10.2+) the
/// second; older servers get `utf8mb4_bin`, where trailing spaces are ignored.
pub(crate) const MYSQL_COLLATIONS: [&str; 3] =
    ["utf8mb4_0900_bin", "utf8mb4_nopad_bin", "utf8mb4_bin"];

impl Backend {
    /// Whether placeholders are numbered (`$1, $2, …`, SQLite and
    /// PostgreSQL) rather than positional `?` (MySQL).
    pub(crate) fn numbered_placeholders(self) -> bool {
        !matches!(self, Backend::MySql)
    }

    /// The ORDER BY suffix for a column sorted in `dir`, with NULLs first
    /// ascending and last descending (MySQL's own order; PostgreSQL's is the
    /// opposite, so it is spelled out where the column is nullable).
    pub(crate) fn order(self, dir: SortDir, nullable: bool) -> &'static str {
        match (self, dir, nullable) {
            (Backend::Sqlite | Backend::Postgres, SortDir::Asc, true) => " ASC NULLS FIRST",
            (Backend::Sqlite | Backend::Postgres, SortDir::Desc, true) => " DESC NULLS LAST",
            (_, SortDir::Asc, _) => " ASC",
            (_, SortDir::Desc, _) => " DESC",
        }
    }

    /// Whether DDL runs inside a transaction. MySQL commits implicitly
    /// before and after every DDL statement.
    pub(crate) fn transactional_ddl(self) -> bool {
        !matches!(self, Backend::MySql)
    }

    /// A query counting tables named `glance_schema_version` in the current
    /// schema (database).
    pub(crate) fn version_table_count(self) -> &'static str {
        match self {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master \
                 WHERE type = 'table' AND name = 'glance_schema_version'"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM pg_catalog.pg_tables \
                 WHERE schemaname = current_schema() AND tablename = 'glance_schema_version'"
            }
            Backend::MySql => {
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = DATABASE() AND table_name = 'glance_schema_version'"
            }
        }
    }

    /// One portable DDL statement as this backend runs it: on MySQL a
    /// `CREATE TABLE` gets InnoDB, utf8mb4 and `collation` (one of
    /// [`MYSQL_COLLATIONS`]); everything else is unchanged.
    pub(crate) fn ddl<'a>(self, sql: &'a str, collation: &str) -> Cow<'a, str> {
        if self == Backend::MySql && sql.trim_start().starts_with("CREATE TABLE") {
            Cow::Owned(format!(
                "{sql} ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={collation}"
            ))
        } else {
            Cow::Borrowed(sql)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_relies_on_its_default_null_order() {
        assert_eq!(
            Backend::Postgres.order(SortDir::Asc, true),
            " ASC NULLS FIRST"
        );
        assert_eq!(
            Backend::Sqlite.order(SortDir::Desc, true),
            " DESC NULLS LAST"
        );
        assert_eq!(Backend::Postgres.order(SortDir::Desc, false), " DESC");
        assert_eq!(Backend::MySql.order(SortDir::Asc, true), " ASC");
        assert_eq!(Backend::MySql.order(SortDir::Desc, true), " DESC");
    }

    #[test]
    fn mysql_tables_get_options() {
        let sql = "CREATE TABLE t (a INTEGER)";
        assert_eq!(Backend::Postgres.ddl(sql, "x"), sql);
        assert_eq!(
            Backend::MySql.ddl(sql, "utf8mb4_nopad_bin"),
            "CREATE TABLE t (a INTEGER) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 \
             COLLATE=utf8mb4_nopad_bin"
        );
        let index = "CREATE INDEX ix ON t (a)";
        assert_eq!(Backend::MySql.ddl(index, "utf8mb4_bin"), index);
    }
}
