//! Mapping of sqlx errors onto [`RegistryError`].

use crate::RegistryError;

/// Converts a sqlx error: connection-level failures become
/// [`RegistryError::Unavailable`], everything else [`RegistryError::Database`].
pub(crate) fn db_err(e: sqlx::Error) -> RegistryError {
    let unavailable = match &e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => d.code().is_some_and(|c| transient_code(&c)),
        _ => false,
    };
    if unavailable {
        RegistryError::Unavailable(e.to_string())
    } else {
        RegistryError::Database(e.to_string())
    }
}

/// Whether a database error code means "try again later": SQLite busy/locked,
/// PostgreSQL too many connections and shutdown, MySQL's killed or
/// interrupted statements (a server going down: `70100`), and everywhere
/// the SQLSTATE class 08, connection exceptions (MySQL: lost connection
/// `08S01`, server shutdown, too many connections `08004`).
fn transient_code(code: &str) -> bool {
    matches!(
        code,
        "5" | "6" | "261" | "517" | "53300" | "57P01" | "57P02" | "57P03" | "70100"
    ) || code.starts_with("08")
}

/// Whether a sqlx error is a unique-constraint violation.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_errors_are_unavailable() {
        assert!(matches!(
            db_err(sqlx::Error::PoolTimedOut),
            RegistryError::Unavailable(_)
        ));
        assert!(matches!(
            db_err(sqlx::Error::RowNotFound),
            RegistryError::Database(_)
        ));
    }

    #[test]
    fn connection_codes_are_transient() {
        for code in ["08S01", "08004", "08006", "57P01", "70100", "5"] {
            assert!(transient_code(code), "{code}");
        }
        for code in ["23000", "42000", "HY000", "23505"] {
            assert!(!transient_code(code), "{code}");
        }
    }
}
