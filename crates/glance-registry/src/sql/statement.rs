//! SQL text plus the values bound to its placeholders, built up in order.

use super::dialect::Backend;
use std::borrow::Cow;
use std::ops::Range;

/// One value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// A (nullable) 64-bit integer.
    Int(Option<i64>),
    /// A (nullable) string.
    Text(Option<String>),
    /// A boolean.
    Bool(bool),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Int(Some(v))
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Self::Int(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Text(Some(v.to_string()))
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Text(Some(v))
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Self::Text(Some(v.clone()))
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Self::Text(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}

/// A statement under construction: SQL text and its bind values, numbered `$1, $2, …`
/// in the order they are pushed (SQLite and PostgreSQL); [`Statement::sql_for`]
/// gives MySQL's positional `?` instead.
#[derive(Debug, Clone, Default)]
pub(crate) struct Statement {
    /// The SQL text, with numbered placeholders.
    pub(crate) sql: String,
    /// The values, in placeholder order.
    pub(crate) values: Vec<Value>,
    /// Where each placeholder is in [`Statement::sql`].
    placeholders: Vec<Range<usize>>,
}

impl Statement {
    /// A statement starting with `sql`.
    pub(crate) fn new(sql: &str) -> Self {
        Self {
            sql: sql.to_string(),
            ..Self::default()
        }
    }

    /// The SQL text as `backend` expects its placeholders.
    pub(crate) fn sql_for(&self, backend: Backend) -> Cow<'_, str> {
        if backend.numbered_placeholders() {
            return Cow::Borrowed(&self.sql);
        }
        let mut sql = String::with_capacity(self.sql.len());
        let mut from = 0;
        for at in &self.placeholders {
            sql.push_str(&self.sql[from..at.start]);
            sql.push('?');
            from = at.end;
        }
        sql.push_str(&self.sql[from..]);
        Cow::Owned(sql)
    }

    /// Appends SQL text.
    pub(crate) fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        let start = self.sql.len();
        self.sql.push('$');
        self.sql.push_str(&self.values.len().to_string());
        self.placeholders.push(start..self.sql.len());
        self
    }

    /// Appends `(p1, p2, …)`, one placeholder per value; `values` must not be empty.
    pub(crate) fn bind_list<V: Into<Value>>(
        &mut self,
        values: impl IntoIterator<Item = V>,
    ) -> &mut Self {
        self.push("(");
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        self.push(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_in_order() {
        let mut st = Statement::new("SELECT 1 WHERE a = ");
        st.bind(1_i64).push(" AND b IN ").bind_list(["x", "y"]);
        assert_eq!(st.sql, "SELECT 1 WHERE a = $1 AND b IN ($2, $3)");
        assert_eq!(st.values.len(), 3);
    }

    #[test]
    fn mysql_gets_positional_placeholders() {
        let mut st = Statement::new("SELECT '$1' WHERE a = ");
        for i in 0..11_i64 {
            st.push(if i == 0 { "" } else { " OR a = " }).bind(i);
        }
        st.push(" LIMIT ").bind(5_i64);
        assert_eq!(st.sql_for(Backend::Postgres), st.sql);
        assert_eq!(st.sql_for(Backend::Sqlite), st.sql);
        assert_eq!(
            st.sql_for(Backend::MySql),
            format!("SELECT '$1' WHERE a = ?{} LIMIT ?", " OR a = ?".repeat(10))
        );
    }
}
