//! `PATCH /v2/images/{id}`: upstream's two JSON-patch media types, applied to
//! a copy of the image and saved as one set of changes.

use super::{ImageService, fields};
use crate::error::ApiError;
use glance_auth::{Action, PropertyOperation, RequestContext};
use glance_registry::RegistryError;
use glance_types::{Image, ImageChanges, ImageStatus, Location, Visibility};
use serde_json::Value;

/// Media types PATCH accepts, for the `Accept-Patch` header.
pub const ACCEPT_PATCH: &str =
    "application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch";

/// The JSON-patch flavour of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchFormat {
    /// `application/openstack-images-v2.0-json-patch`: `{"add": "/path", "value": v}`.
    V20,
    /// `application/openstack-images-v2.1-json-patch`: `{"op": "add", "path": "/path", "value": v}`.
    V21,
}

impl PatchFormat {
    /// The format named by a `Content-Type`, else 415.
    pub fn from_content_type(content_type: Option<&str>) -> Result<Self, ApiError> {
        let essence = content_type
            .and_then(|c| c.split(';').next())
            .map(|c| c.trim().to_ascii_lowercase());
        match essence.as_deref() {
            Some("application/openstack-images-v2.1-json-patch") => Ok(Self::V21),
            Some("application/openstack-images-v2.0-json-patch") => Ok(Self::V20),
            other => Err(ApiError::UnsupportedMediaType {
                message: format!("Unsupported Content-Type {}", other.unwrap_or("None")),
                accept_patch: Some(ACCEPT_PATCH),
            }),
        }
    }
}

/// A patch operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Remove,
    Replace,
}

/// One parsed operation: what, where (the decoded path segments), with what.
#[derive(Debug, Clone, PartialEq)]
struct Operation {
    op: Op,
    path: Vec<String>,
    value: Option<Value>,
}

fn parse_op(name: &str) -> Result<Op, ApiError> {
    match name {
        "add" => Ok(Op::Add),
        "remove" => Ok(Op::Remove),
        "replace" => Ok(Op::Replace),
        other => Err(ApiError::BadRequest(format!(
            "Operation objects must contain exactly one member named \"add\", \"remove\", or \"replace\" (got '{other}')."
        ))),
    }
}

/// Decodes a JSON pointer into its segments (`~1` → `/`, `~0` → `~`).
fn parse_pointer(pointer: &str) -> Result<Vec<String>, ApiError> {
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(ApiError::BadRequest(format!(
            "Pointer `{pointer}` does not start with \"/\"."
        )));
    };
    let mut segments = Vec::new();
    for raw in rest.split('/') {
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c == '~' {
                match chars.next() {
                    Some('0') => out.push('~'),
                    Some('1') => out.push('/'),
                    _ => {
                        return Err(ApiError::BadRequest(format!(
                            "Pointer `{pointer}` contains \"~\" not part of a recognized escape sequence."
                        )));
                    }
                }
            } else {
                out.push(c);
            }
        }
        segments.push(out);
    }
    Ok(segments)
}

/// Parses a patch document in either media type.
fn parse_document(format: PatchFormat, body: &Value) -> Result<Vec<Operation>, ApiError> {
    let Value::Array(items) = body else {
        return Err(ApiError::BadRequest(
            "Request body must be a JSON array of operation objects.".into(),
        ));
    };
    let mut ops = Vec::with_capacity(items.len());
    for item in items {
        let Value::Object(obj) = item else {
            return Err(ApiError::BadRequest(
                "Operations must be JSON objects.".into(),
            ));
        };
        let (op, path) = match format {
            PatchFormat::V21 => {
                let op = obj.get("op").and_then(Value::as_str).ok_or_else(|| {
                    ApiError::BadRequest("Unable to find 'op' in JSON Schema change".into())
                })?;
                let path = obj.get("path").and_then(Value::as_str).ok_or_else(|| {
                    ApiError::BadRequest("Unable to find 'path' in JSON Schema change".into())
                })?;
                (parse_op(op)?, path)
            }
            PatchFormat::V20 => {
                let found: Vec<(&str, &Value)> = ["add", "remove", "replace"]
                    .into_iter()
                    .filter_map(|k| obj.get(k).map(|v| (k, v)))
                    .collect();
                let [(name, path)] = found.as_slice() else {
                    return Err(ApiError::BadRequest(
                        "Operation objects must contain exactly one member named \"add\", \"remove\", or \"replace\".".into(),
                    ));
                };
                let path = path.as_str().ok_or_else(|| {
                    ApiError::BadRequest("JSON Schema change path must be a string".into())
                })?;
                (parse_op(name)?, path)
            }
        };
        let value = obj.get("value").cloned();
        if op != Op::Remove && value.is_none() {
            return Err(ApiError::BadRequest(format!(
                "Operation \"{}\" requires a member named \"value\".",
                match op {
                    Op::Add => "add",
                    _ => "replace",
                }
            )));
        }
        ops.push(Operation {
            op,
            path: parse_pointer(path)?,
            value,
        });
    }
    Ok(ops)
}

/// The difference between two versions of an image, as registry changes.
fn diff(before: &Image, after: &Image) -> ImageChanges {
    macro_rules! changed {
        ($f:ident) => {
            (before.$f != after.$f).then(|| after.$f.clone())
        };
    }
    let mut c = ImageChanges {
        name: changed!(name),
        visibility: changed!(visibility),
        protected: changed!(protected),
        os_hidden: changed!(os_hidden),
        owner: changed!(owner),
        container_format: changed!(container_format),
        disk_format: changed!(disk_format),
        min_ram: changed!(min_ram),
        min_disk: changed!(min_disk),
        tags: changed!(tags),
        status: changed!(status),
        checksum: changed!(checksum),
        os_hash_algo: changed!(os_hash_algo),
        os_hash_value: changed!(os_hash_value),
        size: changed!(size),
        locations: changed!(locations),
        ..Default::default()
    };
    for (k, v) in &after.properties {
        if before.properties.get(k) != Some(v) {
            c.set_properties.insert(k.clone(), v.clone());
        }
    }
    c.remove_properties = before
        .properties
        .keys()
        .filter(|k| !after.properties.contains_key(*k))
        .cloned()
        .collect();
    c
}

/// Formats may change only while the image has no data (checked against
/// `status` when the patch was applied): a change of them is made a
/// compare-and-set on that status, so that an upload starting meanwhile on
/// another node (queued → saving) makes the patch fail instead of changing
/// the formats of data already received.
fn guard_formats(changes: &mut ImageChanges, status: ImageStatus) {
    if changes.disk_format.is_some() || changes.container_format.is_some() {
        changes.expect_status = Some(status);
    }
}

impl ImageService {
    /// Applies a JSON patch to an image.
    pub async fn update(
        &self,
        ctx: &RequestContext,
        id: &str,
        format: PatchFormat,
        body: &Value,
    ) -> Result<Image, ApiError> {
        let ops = parse_document(format, body)?;
        let before = self.visible(ctx, id).await?;
        self.authorize(ctx, Action::ModifyImage, &before)?;
        let mut after = before.clone();
        let mut removed = Vec::new();
        for op in &ops {
            self.apply(ctx, format, &mut after, op, &mut removed)?;
        }
        if after.locations != before.locations && after.size.is_none() {
            after.size = self.location_size(&after).await?;
        }
        if before.properties.len() < after.properties.len() {
            fields::check_quota(
                "properties",
                after.properties.len(),
                self.settings.image_property_quota,
            )?;
        }
        if before.tags.len() < after.tags.len() {
            fields::check_quota("tags", after.tags.len(), self.settings.image_tag_quota)?;
        }
        let mut changes = diff(&before, &after);
        if changes.is_empty() {
            return Ok(before);
        }
        guard_formats(&mut changes, before.status);
        if changes.locations.is_some() || changes.status.is_some() {
            // Locations follow the status they were checked against.
            changes.expect_status = Some(before.status);
        }
        let format_key = match changes.disk_format {
            Some(_) => "disk_format",
            None => "container_format",
        };
        let saved = match self.registry.update_image(id, &changes).await {
            // An upload started since the formats were checked.
            Err(RegistryError::StatusMismatch { actual, .. }) if changes.locations.is_some() => {
                Err(ApiError::Conflict(format!(
                    "It's not allowed to change locations if image status is {}.",
                    actual.as_str()
                )))
            }
            Err(RegistryError::StatusMismatch { .. }) => Err(ApiError::Forbidden(format!(
                "Attribute {format_key} can be only replaced for a queued image."
            ))),
            result => Ok(result?),
        }?;
        for location in &removed {
            self.delete_location_data(id, location).await;
        }
        Ok(saved)
    }

    /// The location operations (see `patch_locations`); a removed location
    /// is pushed to `removed`.
    fn apply_locations(
        &self,
        ctx: &RequestContext,
        image: &mut Image,
        op: &Operation,
        removed: &mut Vec<Location>,
    ) -> Result<(), ApiError> {
        let position = op.path.get(1).map(String::as_str);
        let null = Value::Null;
        let value = op.value.as_ref().unwrap_or(&null);
        match (op.op, op.path.len()) {
            (Op::Add, 2) => self.add_location_op(ctx, image, position, value),
            (Op::Replace, 1) => self.replace_locations_op(ctx, image, value),
            (Op::Remove, 2) => {
                removed.push(self.remove_location_op(ctx, image, position)?);
                Ok(())
            }
            _ => Err(ApiError::BadRequest(format!(
                "Invalid JSON pointer for this resource: '/{}'",
                op.path.join("/")
            ))),
        }
    }

    fn apply(
        &self,
        ctx: &RequestContext,
        format: PatchFormat,
        image: &mut Image,
        op: &Operation,
        removed: &mut Vec<Location>,
    ) -> Result<(), ApiError> {
        let key = op.path.first().map(String::as_str).unwrap_or("");
        if key == "locations" {
            return self.apply_locations(ctx, image, op, removed);
        }
        if op.path.len() != 1 {
            let pointer = format!("/{}", op.path.join("/"));
            return Err(ApiError::BadRequest(format!(
                "Invalid JSON pointer for this resource: '{pointer}'"
            )));
        }
        fields::check_writable(key, false)?;
        if fields::is_core(key) {
            return self.apply_core(ctx, image, key, op);
        }
        // A property the caller cannot read is, to it, absent (upstream).
        let present = image.properties.contains_key(key)
            && self.property_allowed(ctx, PropertyOperation::Read, key);
        match op.op {
            Op::Add => {
                if format == PatchFormat::V20 && present {
                    return Err(ApiError::Conflict(format!(
                        "Property {key} already present."
                    )));
                }
                let operation = if present {
                    PropertyOperation::Update
                } else {
                    PropertyOperation::Create
                };
                self.check_property(ctx, operation, key)?;
                let value = fields::property_value(key, op.value.as_ref().unwrap_or(&Value::Null))?;
                image.properties.insert(key.to_string(), value);
            }
            Op::Replace => {
                if !present {
                    return Err(ApiError::Conflict(format!(
                        "Property {key} does not exist."
                    )));
                }
                self.check_property(ctx, PropertyOperation::Update, key)?;
                let value = fields::property_value(key, op.value.as_ref().unwrap_or(&Value::Null))?;
                image.properties.insert(key.to_string(), value);
            }
            Op::Remove => {
                if !present {
                    return Err(ApiError::Conflict(format!(
                        "Property {key} does not exist."
                    )));
                }
                self.check_property(ctx, PropertyOperation::Delete, key)?;
                image.properties.remove(key);
            }
        }
        Ok(())
    }

    fn apply_core(
        &self,
        ctx: &RequestContext,
        image: &mut Image,
        key: &str,
        op: &Operation,
    ) -> Result<(), ApiError> {
        let Some(value) = op.value.as_ref().filter(|_| op.op != Op::Remove) else {
            return Err(ApiError::Forbidden(format!(
                "Property {key} may not be removed."
            )));
        };
        match key {
            "owner" if !ctx.is_admin => {
                return Err(ApiError::Forbidden(
                    "Owner can't be updated by non admin.".into(),
                ));
            }
            "disk_format" | "container_format"
                if !matches!(image.status, ImageStatus::Queued | ImageStatus::Importing) =>
            {
                let current = if key == "disk_format" {
                    &image.disk_format
                } else {
                    &image.container_format
                };
                let unchanged = match (current, value) {
                    (Some(c), Value::String(v)) => c == v,
                    (None, Value::Null) => true,
                    _ => false,
                };
                if !unchanged {
                    return Err(ApiError::Forbidden(format!(
                        "Attribute {key} can be only replaced for a queued image."
                    )));
                }
            }
            _ => {}
        }
        fields::set_core(image, key, value, ctx, &self.settings)?;
        if key == "visibility" && image.visibility == Visibility::Community {
            self.authorize(ctx, Action::CommunitizeImage, image)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn media_types() {
        assert_eq!(
            PatchFormat::from_content_type(Some("application/openstack-images-v2.1-json-patch"))
                .unwrap(),
            PatchFormat::V21
        );
        assert!(matches!(
            PatchFormat::from_content_type(Some("application/json")),
            Err(ApiError::UnsupportedMediaType { .. })
        ));
    }

    #[test]
    fn parses_both_shapes() {
        let v21 = parse_document(
            PatchFormat::V21,
            &json!([{"op": "replace", "path": "/name", "value": "x"}]),
        )
        .unwrap();
        let v20 = parse_document(
            PatchFormat::V20,
            &json!([{"replace": "/name", "value": "x"}]),
        )
        .unwrap();
        assert_eq!(v21, v20);
        assert!(
            parse_document(
                PatchFormat::V21,
                &json!([{"op": "test", "path": "/a", "value": 1}])
            )
            .is_err()
        );
        assert!(parse_document(PatchFormat::V21, &json!({"op": "add"})).is_err());
        assert!(parse_document(PatchFormat::V21, &json!([{"op": "add", "path": "/a"}])).is_err());
    }

    #[test]
    fn pointers_unescape() {
        assert_eq!(parse_pointer("/a~1b~0c").unwrap(), vec!["a/b~c"]);
        assert!(parse_pointer("name").is_err());
        assert!(parse_pointer("/a~2").is_err());
    }

    #[test]
    fn format_changes_are_conditional_on_the_status() {
        let mut c = ImageChanges {
            disk_format: Some(Some("raw".into())),
            ..Default::default()
        };
        guard_formats(&mut c, ImageStatus::Queued);
        assert_eq!(c.expect_status, Some(ImageStatus::Queued));
        let mut c = ImageChanges {
            name: Some(Some("n".into())),
            ..Default::default()
        };
        guard_formats(&mut c, ImageStatus::Active);
        assert_eq!(c.expect_status, None);
    }

    #[test]
    fn diff_only_touches_changes() {
        let mut a = Image::new("i".into(), None, glance_types::now());
        a.properties.insert("keep".into(), "1".into());
        a.properties.insert("drop".into(), "1".into());
        let mut b = a.clone();
        b.name = Some("n".into());
        b.properties.remove("drop");
        b.properties.insert("new".into(), "2".into());
        let c = diff(&a, &b);
        assert_eq!(c.name, Some(Some("n".into())));
        assert_eq!(c.remove_properties, vec!["drop"]);
        assert_eq!(c.set_properties.len(), 1);
        assert_eq!(c.min_ram, None);
    }
}
