//! The `{"token": {…}}` document returned by issue and validation.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::TokenInfo;
use crate::model::{DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME};

use super::catalog::catalog;

/// Renders `info`. A project-scoped token gets its roles and, unless `base`
/// is `None` (`?nocatalog`), the catalog for `base`; an unscoped one gets neither.
pub(super) fn token_body(info: &TokenInfo, base: Option<&str>) -> Value {
    let domain = json!({"id": DEFAULT_DOMAIN_ID, "name": DEFAULT_DOMAIN_NAME});
    let mut token = json!({
        "methods": info.methods,
        "user": {
            "id": info.user_id,
            "name": info.user_name,
            "domain": domain,
            "password_expires_at": null,
        },
        "issued_at": timestamp(info.issued_at),
        "expires_at": timestamp(info.expires_at),
        "audit_ids": info.audit_ids,
        "is_domain": false,
    });
    if let (Some(id), Some(name)) = (&info.project_id, &info.project_name) {
        token["project"] = json!({"id": id, "name": name, "domain": domain});
        token["roles"] = info
            .roles
            .iter()
            .map(|r| json!({"id": r, "name": r}))
            .collect();
        if let Some(base) = base {
            token["catalog"] = catalog(base);
        }
    }
    json!({ "token": token })
}

/// Keystone's timestamp format: `2024-01-02T03:04:05.000000Z`.
fn timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}
