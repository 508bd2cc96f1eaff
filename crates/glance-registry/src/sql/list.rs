//! The list query: visibility scope, filters, sort order and keyset pagination,
//! built as one SQL statement with its bind values.

use super::dialect::Backend;
use super::images::{IMAGE_COLUMNS, UNLISTED_SQL, to_micros};
use super::pool::Kind;
use super::statement::{Statement, Value};
use crate::RegistryError;
use glance_types::{
    Filter, FilterValue, INT_FILTER_COLUMNS, ListQuery, STRING_FILTER_COLUMNS, Scope, SortDir,
    SortKey, TimeOp, Visibility, VisibilityFilter,
};

/// The statement loading the sort-key values of the marker image, if the
/// caller may see it (not deleted, visible under the query's scope).
pub(crate) fn marker_statement(query: &ListQuery, marker: &str) -> Statement {
    let sort = query.effective_sort();
    let columns: Vec<&str> = sort.iter().map(|(k, _)| k.column()).collect();
    let mut st = Statement::new(&format!(
        "SELECT {} FROM images WHERE id = ",
        columns.join(", ")
    ));
    st.bind(marker).push(" AND deleted = FALSE");
    push_visibility(&mut st, query);
    st
}

/// The column kinds [`marker_statement`] selects.
pub(crate) fn marker_kinds(query: &ListQuery) -> Vec<Kind> {
    query
        .effective_sort()
        .iter()
        .map(|(k, _)| match k {
            SortKey::Size | SortKey::CreatedAt | SortKey::UpdatedAt => Kind::Int,
            SortKey::Name
            | SortKey::Status
            | SortKey::ContainerFormat
            | SortKey::DiskFormat
            | SortKey::Id => Kind::Text,
        })
        .collect()
}

/// The page query for `backend`. `marker` holds the marker's sort-key values
/// (from [`marker_statement`]) when the page starts after a marker.
pub(crate) fn list_statement(
    query: &ListQuery,
    marker: Option<&[Value]>,
    backend: Backend,
) -> Result<Statement, RegistryError> {
    let mut st = Statement::new(&format!(
        "SELECT {IMAGE_COLUMNS} FROM images WHERE deleted = FALSE AND status NOT IN {UNLISTED_SQL}"
    ));
    push_visibility(&mut st, query);
    for filter in &query.filters {
        push_filter(&mut st, filter)?;
    }
    let sort = query.effective_sort();
    if let Some(values) = marker {
        st.push(" AND ");
        push_after(&mut st, &sort, values, 0);
    }
    st.push(" ORDER BY ");
    for (i, (key, dir)) in sort.iter().enumerate() {
        if i > 0 {
            st.push(", ");
        }
        st.push(key.column())
            .push(backend.order(*dir, key.nullable()));
    }
    st.push(" LIMIT ").bind(i64::from(query.limit));
    Ok(st)
}

/// Restricts to what the query's scope may list: admins see everything (of the
/// asked visibility) but, in the default list, other projects' community images; a project sees public, own (any visibility), owner-less
/// and member-shared images (per `member_status`), plus every community image
/// when it asks for `visibility=community` or `all`; no project sees public,
/// owner-less and (when asked) community images.
fn push_visibility(st: &mut Statement, query: &ListQuery) {
    if let Some(VisibilityFilter::Only(v)) = query.visibility {
        st.push(" AND visibility = ").bind(v.as_str());
    }
    let project = match &query.scope {
        Scope::Admin(project) => {
            if query.visibility.is_none() {
                st.push(" AND (visibility <> 'community' OR ");
                match project {
                    Some(project) => st.push("owner = ").bind(project),
                    None => st.push("owner IS NULL"),
                };
                st.push(")");
            }
            return;
        }
        Scope::Project(project) => project,
    };
    st.push(" AND (visibility = 'public' OR owner IS NULL");
    if matches!(
        query.visibility,
        Some(VisibilityFilter::All | VisibilityFilter::Only(Visibility::Community))
    ) {
        st.push(" OR visibility = 'community'");
    }
    if let Some(project) = project {
        st.push(" OR owner = ").bind(project);
        st.push(
            " OR (visibility = 'shared' AND EXISTS (SELECT 1 FROM image_members m \
             WHERE m.image_id = images.id AND m.deleted = FALSE AND m.member = ",
        )
        .bind(project);
        if let Some(status) = query.member_status.as_status() {
            st.push(" AND m.status = ").bind(status);
        }
        st.push("))");
    }
    st.push(")");
}

fn whitelisted(allowed: &[&'static str], column: &str) -> Result<&'static str, RegistryError> {
    allowed
        .iter()
        .copied()
        .find(|c| *c == column)
        .ok_or_else(|| RegistryError::Database(format!("cannot filter on column '{column}'")))
}

fn push_match(st: &mut Statement, value: &FilterValue) {
    match value {
        FilterValue::Eq(v) => {
            st.push(" = ").bind(v);
        }
        FilterValue::In(vs) if vs.is_empty() => {
            st.push(" IS NULL AND FALSE");
        }
        FilterValue::In(vs) => {
            st.push(" IN ").bind_list(vs);
        }
    }
}

fn time_op(op: TimeOp) -> &'static str {
    match op {
        TimeOp::Gt => " > ",
        TimeOp::Gte => " >= ",
        TimeOp::Lt => " < ",
        TimeOp::Lte => " <= ",
        TimeOp::Eq => " = ",
        TimeOp::Neq => " <> ",
    }
}

fn push_filter(st: &mut Statement, filter: &Filter) -> Result<(), RegistryError> {
    match filter {
        Filter::Column(column, value) => {
            st.push(" AND ")
                .push(whitelisted(&STRING_FILTER_COLUMNS, column)?);
            push_match(st, value);
        }
        Filter::IntColumn(column, n) => {
            st.push(" AND ")
                .push(whitelisted(&INT_FILTER_COLUMNS, column)?)
                .push(" = ")
                .bind(*n);
        }
        Filter::SizeMin(n) => {
            st.push(" AND size >= ").bind(*n);
        }
        Filter::SizeMax(n) => {
            st.push(" AND size <= ").bind(*n);
        }
        Filter::Protected(b) => {
            st.push(" AND protected = ").bind(*b);
        }
        Filter::Hidden(b) => {
            st.push(" AND os_hidden = ").bind(*b);
        }
        Filter::Tag(tag) => {
            st.push(
                " AND EXISTS (SELECT 1 FROM image_tags t WHERE t.image_id = images.id AND t.value = ",
            )
            .bind(tag)
            .push(")");
        }
        Filter::CreatedAt(op, t) => {
            st.push(" AND created_at")
                .push(time_op(*op))
                .bind(to_micros(t));
        }
        Filter::UpdatedAt(op, t) => {
            st.push(" AND updated_at")
                .push(time_op(*op))
                .bind(to_micros(t));
        }
        Filter::Property(name, value) => {
            st.push(
                " AND EXISTS (SELECT 1 FROM image_properties p \
                 WHERE p.image_id = images.id AND p.name = ",
            )
            .bind(name)
            .push(" AND p.value");
            push_match(st, value);
            st.push(")");
        }
    }
    Ok(())
}

/// Appends "strictly after the marker in `sort` order", for keys `i..`:
/// `after_i OR (equal_i AND after_{i+1…})`, with NULLs first ascending and
/// last descending.
fn push_after(st: &mut Statement, sort: &[(SortKey, SortDir)], marker: &[Value], i: usize) {
    let (key, dir) = sort[i];
    let column = key.column();
    let value = &marker[i];
    let is_null = matches!(value, Value::Int(None) | Value::Text(None));
    st.push("(");
    match (dir, is_null) {
        (SortDir::Asc, true) => {
            st.push(column).push(" IS NOT NULL");
        }
        (SortDir::Asc, false) => {
            st.push(column).push(" > ").bind(value.clone());
        }
        (SortDir::Desc, true) => {
            st.push("FALSE");
        }
        (SortDir::Desc, false) => {
            st.push(column).push(" < ").bind(value.clone());
            if key.nullable() {
                st.push(" OR ").push(column).push(" IS NULL");
            }
        }
    }
    if i + 1 < sort.len() {
        st.push(" OR (").push(column);
        if is_null {
            st.push(" IS NULL");
        } else {
            st.push(" = ").bind(value.clone());
        }
        st.push(" AND ");
        push_after(st, sort, marker, i + 1);
        st.push(")");
    }
    st.push(")");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyset_condition_handles_nulls() {
        let sort = [
            (SortKey::Name, SortDir::Desc),
            (SortKey::CreatedAt, SortDir::Desc),
            (SortKey::Id, SortDir::Desc),
        ];
        let mut st = Statement::default();
        push_after(
            &mut st,
            &sort,
            &[Value::Text(None), Value::Int(Some(5)), Value::from("x")],
            0,
        );
        assert_eq!(
            st.sql,
            "(FALSE OR (name IS NULL AND (created_at < $1 OR (created_at = $2 AND (id < $3)))))"
        );
    }

    #[test]
    fn unknown_filter_column_is_rejected() {
        let mut q = ListQuery::new(Scope::Admin(None), 10);
        q.filters
            .push(Filter::Column("deleted", FilterValue::Eq("1".into())));
        assert!(list_statement(&q, None, Backend::Sqlite).is_err());
    }
}
