//! Validation of image fields as the image schema and upstream's rules demand.

use crate::error::ApiError;
use crate::settings::Settings;
use glance_auth::RequestContext;
use glance_types::{Image, Visibility};
use serde_json::Value;

/// Fields no caller may set.
const READ_ONLY: [&str; 13] = [
    "created_at",
    "updated_at",
    "status",
    "checksum",
    "size",
    "virtual_size",
    "os_hash_algo",
    "os_hash_value",
    "direct_url",
    "self",
    "file",
    "schema",
    "stores",
];

/// Fields reserved for Glance itself.
const RESERVED: [&str; 4] = ["location", "locations", "deleted", "deleted_at"];

/// Longest name, tag, owner or property key.
const MAX_LEN: usize = 255;

/// 403 for read-only and reserved attributes (`id` counts as read-only unless creating).
pub fn check_writable(key: &str, creating: bool) -> Result<(), ApiError> {
    if READ_ONLY.contains(&key) || (key == "id" && !creating) {
        return Err(ApiError::Forbidden(format!(
            "Attribute '{key}' is read-only."
        )));
    }
    if RESERVED.contains(&key) || key.starts_with("os_glance") {
        return Err(ApiError::Forbidden(format!(
            "Attribute '{key}' is reserved."
        )));
    }
    Ok(())
}

/// Whether `key` is a core (schema) attribute rather than an extra property.
pub fn is_core(key: &str) -> bool {
    matches!(
        key,
        "id" | "name"
            | "visibility"
            | "protected"
            | "os_hidden"
            | "owner"
            | "container_format"
            | "disk_format"
            | "min_ram"
            | "min_disk"
            | "tags"
    ) || READ_ONLY.contains(&key)
        || RESERVED.contains(&key)
}

/// A 400 in upstream's schema-validation shape.
pub fn schema_error(detail: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(format!(
        "Provided object does not match schema 'image': {detail}"
    ))
}

/// 400 unless `tag` is a valid tag.
pub fn check_tag(tag: &str) -> Result<(), ApiError> {
    if tag.chars().count() > MAX_LEN {
        return Err(schema_error(format!("'{tag}' is too long")));
    }
    Ok(())
}

/// 413 when `attempted` exceeds a non-negative quota.
pub fn check_quota(kind: &str, attempted: usize, quota: i64) -> Result<(), ApiError> {
    if quota >= 0 && attempted as i64 > quota {
        return Err(ApiError::TooLarge(format!(
            "The limit has been exceeded on the number of allowed image {kind}. Attempted: {attempted}, Maximum: {quota}"
        )));
    }
    Ok(())
}

/// Validates an extra property and returns its string value.
pub fn property_value(key: &str, value: &Value) -> Result<String, ApiError> {
    if key.chars().count() > MAX_LEN {
        return Err(ApiError::BadRequest(
            "Custom property should not be greater than 255 characters.".into(),
        ));
    }
    if key.is_empty() {
        return Err(schema_error("property names must not be empty"));
    }
    match value {
        Value::String(s) => Ok(s.clone()),
        other => Err(schema_error(format!("{other} is not of type 'string'"))),
    }
}

fn string_or_null(key: &str, value: &Value) -> Result<Option<String>, ApiError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.chars().count() <= MAX_LEN => Ok(Some(s.clone())),
        Value::String(s) => Err(schema_error(format!("'{s}' is too long"))),
        other => Err(schema_error(format!(
            "{other} is not of type 'null', 'string' (in '{key}')"
        ))),
    }
}

fn boolean(value: &Value) -> Result<bool, ApiError> {
    value
        .as_bool()
        .ok_or_else(|| schema_error(format!("{value} is not of type 'boolean'")))
}

fn non_negative(key: &str, value: &Value) -> Result<i64, ApiError> {
    let n = value
        .as_i64()
        .filter(|_| value.is_number() && !value.is_f64())
        .ok_or_else(|| schema_error(format!("{value} is not of type 'integer'")))?;
    if n < 0 {
        return Err(ApiError::BadRequest(format!(
            "Invalid value for '{key}': cannot be a negative value"
        )));
    }
    Ok(n)
}

fn format_value(value: &Value, allowed: &[String]) -> Result<Option<String>, ApiError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if allowed.iter().any(|a| a == s) => Ok(Some(s.clone())),
        other => {
            let list: Vec<String> = std::iter::once("None".to_string())
                .chain(allowed.iter().map(|a| format!("'{a}'")))
                .collect();
            Err(schema_error(format!(
                "{other} is not one of [{}]",
                list.join(", ")
            )))
        }
    }
}

/// Parses a tag list: strings of at most 255 characters; duplicates dropped.
pub fn tag_list(value: &Value) -> Result<Vec<String>, ApiError> {
    let items = value
        .as_array()
        .ok_or_else(|| schema_error(format!("{value} is not of type 'array'")))?;
    let mut tags = Vec::with_capacity(items.len());
    for item in items {
        let tag = item
            .as_str()
            .ok_or_else(|| schema_error(format!("{item} is not of type 'string'")))?;
        check_tag(tag)?;
        tags.push(tag.to_string());
    }
    tags.sort();
    tags.dedup();
    Ok(tags)
}

/// Sets a core attribute of `image` from a JSON value, enforcing the schema and
/// the ownership/visibility rules. `key` must be writable and core.
pub fn set_core(
    image: &mut Image,
    key: &str,
    value: &Value,
    ctx: &RequestContext,
    settings: &Settings,
) -> Result<(), ApiError> {
    match key {
        "name" => image.name = string_or_null(key, value)?,
        "visibility" => {
            let v = value
                .as_str()
                .and_then(|s| s.parse::<Visibility>().ok())
                .ok_or_else(|| {
                    schema_error(format!(
                        "{value} is not one of ['community', 'public', 'private', 'shared']"
                    ))
                })?;
            if v == Visibility::Public && v != image.visibility && !ctx.is_admin {
                return Err(ApiError::denied("publicize_image"));
            }
            image.visibility = v;
        }
        "protected" => image.protected = boolean(value)?,
        "os_hidden" => image.os_hidden = boolean(value)?,
        "owner" => image.owner = string_or_null(key, value)?,
        "container_format" => {
            image.container_format = format_value(value, &settings.container_formats)?
        }
        "disk_format" => image.disk_format = format_value(value, &settings.disk_formats)?,
        "min_ram" => image.min_ram = non_negative(key, value)?,
        "min_disk" => image.min_disk = non_negative(key, value)?,
        "tags" => image.tags = tag_list(value)?,
        other => {
            return Err(ApiError::Forbidden(format!(
                "Attribute '{other}' is read-only."
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn read_only_and_reserved() {
        assert!(
            matches!(check_writable("status", true), Err(ApiError::Forbidden(m)) if m == "Attribute 'status' is read-only.")
        );
        assert!(
            matches!(check_writable("os_glance_x", true), Err(ApiError::Forbidden(m)) if m == "Attribute 'os_glance_x' is reserved.")
        );
        assert!(check_writable("id", true).is_ok());
        assert!(check_writable("id", false).is_err());
        assert!(check_writable("foo", false).is_ok());
    }

    #[test]
    fn core_values_are_validated() {
        let ctx = RequestContext::admin("r");
        let s = Settings::default();
        let mut img = Image::new("i".into(), None, glance_types::now());
        assert!(set_core(&mut img, "min_ram", &json!("abc"), &ctx, &s).is_err());
        assert!(set_core(&mut img, "min_ram", &json!(-1), &ctx, &s).is_err());
        assert!(set_core(&mut img, "min_ram", &json!(1.5), &ctx, &s).is_err());
        set_core(&mut img, "min_ram", &json!(512), &ctx, &s).unwrap();
        assert!(set_core(&mut img, "disk_format", &json!("floppy"), &ctx, &s).is_err());
        set_core(&mut img, "disk_format", &json!("qcow2"), &ctx, &s).unwrap();
        set_core(&mut img, "tags", &json!(["b", "a", "b"]), &ctx, &s).unwrap();
        assert_eq!(img.tags, vec!["a", "b"]);
        assert!(property_value("k", &json!(1)).is_err());
        assert!(check_quota("tags", 129, 128).is_err());
        assert!(check_quota("tags", 129, -1).is_ok());
    }
}
