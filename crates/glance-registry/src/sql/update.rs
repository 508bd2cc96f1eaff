//! The UPDATE statement applying [`ImageChanges`] to an image row.

use super::images::to_micros;
use super::statement::{Statement, Value};
use glance_types::{ImageChanges, Timestamp};

/// `UPDATE images SET updated_at = now, <changed columns> WHERE id = … AND
/// deleted = FALSE [AND status = expected] [AND updated_at < bound]`, the
/// conditions in the same statement as the changes. Child rows are written
/// separately.
pub(crate) fn update_statement(id: &str, changes: &ImageChanges, now: &Timestamp) -> Statement {
    let mut st = Statement::new("UPDATE images SET updated_at = ");
    st.bind(to_micros(now));
    let mut set = |column: &str, value: Option<Value>| {
        if let Some(v) = value {
            st.push(", ").push(column).push(" = ").bind(v);
        }
    };
    let text = |v: &Option<Option<String>>| v.clone().map(Value::from);
    set("name", text(&changes.name));
    set("status", changes.status.map(|s| s.as_str().into()));
    set("visibility", changes.visibility.map(|v| v.as_str().into()));
    set("protected", changes.protected.map(Value::from));
    set("os_hidden", changes.os_hidden.map(Value::from));
    set("checksum", text(&changes.checksum));
    set("os_hash_algo", text(&changes.os_hash_algo));
    set("os_hash_value", text(&changes.os_hash_value));
    set("owner", text(&changes.owner));
    set("size", changes.size.map(Value::from));
    set("virtual_size", changes.virtual_size.map(Value::from));
    set("container_format", text(&changes.container_format));
    set("disk_format", text(&changes.disk_format));
    set("min_ram", changes.min_ram.map(Value::from));
    set("min_disk", changes.min_disk.map(Value::from));
    st.push(" WHERE id = ")
        .bind(id)
        .push(" AND deleted = FALSE");
    if let Some(expected) = changes.expect_status {
        st.push(" AND status = ").bind(expected.as_str());
    }
    if let Some(bound) = &changes.expect_updated_before {
        st.push(" AND updated_at < ").bind(to_micros(bound));
    }
    st
}

#[cfg(test)]
mod tests {
    use super::*;
    use glance_types::ImageStatus;

    #[test]
    fn sets_only_changed_columns() {
        let changes = ImageChanges {
            expect_status: Some(ImageStatus::Queued),
            name: Some(None),
            min_ram: Some(5),
            ..Default::default()
        };
        let st = update_statement("i", &changes, &glance_types::now());
        assert_eq!(
            st.sql,
            "UPDATE images SET updated_at = $1, name = $2, min_ram = $3 \
             WHERE id = $4 AND deleted = FALSE AND status = $5"
        );
        assert_eq!(st.values[1], Value::Text(None));
    }

    #[test]
    fn updated_before_is_a_condition_of_the_same_statement() {
        let bound = glance_types::now();
        let changes = ImageChanges {
            expect_status: Some(ImageStatus::Saving),
            expect_updated_before: Some(bound),
            status: Some(ImageStatus::Queued),
            ..Default::default()
        };
        let st = update_statement("i", &changes, &glance_types::now());
        assert_eq!(
            st.sql,
            "UPDATE images SET updated_at = $1, status = $2 \
             WHERE id = $3 AND deleted = FALSE AND status = $4 AND updated_at < $5"
        );
        assert_eq!(st.values[4], Value::from(to_micros(&bound)));
    }
}
