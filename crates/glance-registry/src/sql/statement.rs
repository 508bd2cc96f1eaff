//! SQL text plus the values bound to its placeholders, built up in order.

/// One value bound to a `$N` placeholder.
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
/// in the order they are pushed (both SQLite and PostgreSQL accept `$N`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Statement {
    /// The SQL text.
    pub(crate) sql: String,
    /// The values, in placeholder order.
    pub(crate) values: Vec<Value>,
}

impl Statement {
    /// A statement starting with `sql`.
    pub(crate) fn new(sql: &str) -> Self {
        Self {
            sql: sql.to_string(),
            values: Vec::new(),
        }
    }

    /// Appends SQL text.
    pub(crate) fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        let n = self.values.len();
        self.sql.push('$');
        self.sql.push_str(&n.to_string());
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
}
