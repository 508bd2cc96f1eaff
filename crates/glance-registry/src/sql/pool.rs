//! The backend pools and transactions. Every query runs through [`Tx`], whose
//! methods are written once and expanded per backend by `on_backend!`, so that
//! sqlx infers bind and decode types for each concrete driver.

use super::dialect::Backend;
use super::errors::{db_err, is_unique_violation};
use super::statement::{Statement, Value};
use crate::RegistryError;
use sqlx::mysql::MySqlRow;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{MySql, MySqlPool, PgPool, Postgres, Row as _, Sqlite, SqlitePool, Transaction};
use std::future::Future;
use std::time::Duration;

/// How long a call waits for a connection while the pool has room for one,
/// that is while sqlx is opening a connection (retrying as long as the server
/// refuses). Past it the server counts as down and the call fails with
/// [`RegistryError::Unavailable`] instead of waiting out `pool_timeout`,
/// which is meant for a pool whose connections are all busy.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Expands `$body` once per backend arm of the enum `$enum` (`Pool` or `Tx`),
/// with the arm's inner value bound to `$x`.
macro_rules! on_backend {
    ($enum:ident, $value:expr, |$x:ident| $body:expr) => {
        match $value {
            $enum::Sqlite($x) => $body,
            $enum::Postgres($x) => $body,
            $enum::MySql($x) => $body,
        }
    };
}

/// Builds a sqlx query from the SQL text `$sql` of the [`Statement`] `$st`,
/// binding its values in order.
macro_rules! bound_query {
    ($sql:expr, $st:expr) => {{
        let mut q = sqlx::query($sql);
        for v in &$st.values {
            q = match v {
                Value::Int(i) => q.bind(*i),
                Value::Text(s) => q.bind(s.as_deref()),
                Value::Bool(b) => q.bind(*b),
            };
        }
        q
    }};
}

/// A connection pool to one supported backend.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    /// SQLite (file or in-memory).
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
    /// MySQL or MariaDB.
    MySql(MySqlPool),
}

/// An open transaction; dropped without [`Tx::commit`] it rolls back.
pub(crate) enum Tx {
    /// On SQLite.
    Sqlite(Transaction<'static, Sqlite>),
    /// On PostgreSQL.
    Postgres(Transaction<'static, Postgres>),
    /// On MySQL or MariaDB.
    MySql(Transaction<'static, MySql>),
}

/// Waits for `acquire` (a connection or transaction from `pool`), failing
/// with [`RegistryError::Unavailable`] once [`CONNECT_TIMEOUT`] has passed
/// with room left in the pool; a full pool is waited for until sqlx's
/// `acquire_timeout` (`pool_timeout`).
pub(crate) async fn fail_fast<DB: sqlx::Database, T>(
    pool: &sqlx::Pool<DB>,
    acquire: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, RegistryError> {
    let mut acquire = std::pin::pin!(acquire);
    loop {
        match tokio::time::timeout(CONNECT_TIMEOUT, &mut acquire).await {
            Ok(result) => return result.map_err(db_err),
            Err(_) if pool.size() < pool.options().get_max_connections() => {
                return Err(RegistryError::Unavailable(format!(
                    "no connection within {}s (server down or refusing connections)",
                    CONNECT_TIMEOUT.as_secs()
                )));
            }
            Err(_) => {}
        }
    }
}

/// The type of a selected column, telling [`Tx::fetch`] how to decode it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A nullable BIGINT.
    Int,
    /// A nullable string.
    Text,
    /// A non-null BOOLEAN.
    Bool,
}

/// Reading a nullable string column of a fetched row.
trait TextColumn {
    /// Column `i` as a nullable string.
    fn text(&self, i: usize) -> Result<Option<String>, sqlx::Error>;
}

impl TextColumn for SqliteRow {
    fn text(&self, i: usize) -> Result<Option<String>, sqlx::Error> {
        self.try_get(i)
    }
}

impl TextColumn for PgRow {
    fn text(&self, i: usize) -> Result<Option<String>, sqlx::Error> {
        self.try_get(i)
    }
}

/// MySQL reports strings in a binary collation as VARBINARY: they are read
/// as bytes and checked to be UTF-8.
impl TextColumn for MySqlRow {
    fn text(&self, i: usize) -> Result<Option<String>, sqlx::Error> {
        let bytes: Option<Vec<u8>> = self.try_get(i)?;
        bytes
            .map(String::from_utf8)
            .transpose()
            .map_err(|e| sqlx::Error::ColumnDecode {
                index: i.to_string(),
                source: Box::new(e),
            })
    }
}

/// One fetched row, read column by column in select order.
#[derive(Debug)]
pub(crate) struct Row(std::vec::IntoIter<Value>);

impl Row {
    fn next(&mut self) -> Result<Value, RegistryError> {
        self.0
            .next()
            .ok_or_else(|| RegistryError::Database("row has fewer columns than expected".into()))
    }

    /// The next column as a nullable integer.
    pub(crate) fn int(&mut self) -> Result<Option<i64>, RegistryError> {
        match self.next()? {
            Value::Int(v) => Ok(v),
            v => Err(unexpected(&v)),
        }
    }

    /// The next column as a non-null integer.
    pub(crate) fn req_int(&mut self) -> Result<i64, RegistryError> {
        self.int()?
            .ok_or_else(|| RegistryError::Database("unexpected NULL integer".into()))
    }

    /// The next column as a nullable string.
    pub(crate) fn text(&mut self) -> Result<Option<String>, RegistryError> {
        match self.next()? {
            Value::Text(v) => Ok(v),
            v => Err(unexpected(&v)),
        }
    }

    /// The next column as a non-null string.
    pub(crate) fn req_text(&mut self) -> Result<String, RegistryError> {
        self.text()?
            .ok_or_else(|| RegistryError::Database("unexpected NULL string".into()))
    }

    /// The next column as a boolean.
    pub(crate) fn bool(&mut self) -> Result<bool, RegistryError> {
        match self.next()? {
            Value::Bool(v) => Ok(v),
            v => Err(unexpected(&v)),
        }
    }

    /// The next column as a bind value of its own kind (used for keyset markers).
    pub(crate) fn value(&mut self) -> Result<Value, RegistryError> {
        self.next()
    }
}

fn unexpected(v: &Value) -> RegistryError {
    RegistryError::Database(format!("unexpected column value {v:?}"))
}

impl Pool {
    /// Starts a transaction (see [`fail_fast`] for how long it may wait).
    pub(crate) async fn begin(&self) -> Result<Tx, RegistryError> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(fail_fast(p, p.begin()).await?),
            Pool::Postgres(p) => Tx::Postgres(fail_fast(p, p.begin()).await?),
            Pool::MySql(p) => Tx::MySql(fail_fast(p, p.begin()).await?),
        })
    }

    /// Runs `SELECT 1` on a pooled connection.
    pub(crate) async fn ping(&self) -> Result<(), RegistryError> {
        on_backend!(Pool, self, |p| {
            let mut conn = fail_fast(p, p.acquire()).await?;
            sqlx::query("SELECT 1")
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
        });
        Ok(())
    }

    /// Closes every connection of the pool.
    pub(crate) async fn close(&self) {
        on_backend!(Pool, self, |p| p.close().await)
    }
}

impl Tx {
    /// Runs a statement, returning the number of rows it affected.
    pub(crate) async fn execute(&mut self, st: &Statement) -> Result<u64, RegistryError> {
        self.try_execute(st).await.map_err(db_err)
    }

    /// Runs an INSERT; `Ok(false)` if it violated a unique constraint (the
    /// transaction must then be abandoned: PostgreSQL has aborted it).
    pub(crate) async fn insert_unique(&mut self, st: &Statement) -> Result<bool, RegistryError> {
        match self.try_execute(st).await {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(db_err(e)),
        }
    }

    async fn try_execute(&mut self, st: &Statement) -> Result<u64, sqlx::Error> {
        let sql = st.sql_for(self.backend());
        on_backend!(Tx, self, |tx| {
            Ok(bound_query!(&sql, st)
                .execute(&mut **tx)
                .await?
                .rows_affected())
        })
    }

    /// Runs a query and decodes every row with one [`Kind`] per selected column.
    pub(crate) async fn fetch(
        &mut self,
        st: &Statement,
        kinds: &[Kind],
    ) -> Result<Vec<Row>, RegistryError> {
        let sql = st.sql_for(self.backend());
        let decoded: Result<Vec<Vec<Value>>, sqlx::Error> = on_backend!(Tx, self, |tx| {
            let rows = bound_query!(&sql, st)
                .fetch_all(&mut **tx)
                .await
                .map_err(db_err)?;
            rows.iter()
                .map(|row| {
                    kinds
                        .iter()
                        .enumerate()
                        .map(|(i, kind)| {
                            Ok(match kind {
                                Kind::Int => Value::Int(row.try_get(i)?),
                                Kind::Text => Value::Text(TextColumn::text(row, i)?),
                                Kind::Bool => Value::Bool(row.try_get(i)?),
                            })
                        })
                        .collect()
                })
                .collect()
        });
        Ok(decoded
            .map_err(db_err)?
            .into_iter()
            .map(|values| Row(values.into_iter()))
            .collect())
    }

    /// Commits the transaction.
    pub(crate) async fn commit(self) -> Result<(), RegistryError> {
        on_backend!(Tx, self, |tx| tx.commit().await.map_err(db_err))
    }

    /// Which backend this transaction runs on.
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
            Tx::MySql(_) => Backend::MySql,
        }
    }
}
