//! The JSON schemas served at `/v2/schemas/*`. python-glanceclient validates
//! create and update payloads against the image schema, so it must be exact
//! about types, enums and read-only fields.

use crate::settings::Settings;
use serde_json::{Value, json};

const UUID_PATTERN: &str =
    "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$";

fn nullable_enum(values: &[String]) -> Value {
    let mut all = vec![Value::Null];
    all.extend(values.iter().map(|v| Value::String(v.clone())));
    Value::Array(all)
}

/// Properties of the image schema.
fn image_properties(settings: &Settings) -> Value {
    json!({
        "id": {"type": "string", "description": "An identifier for the image", "pattern": UUID_PATTERN},
        "name": {"type": ["null", "string"], "description": "Descriptive name for the image", "maxLength": 255},
        "status": {"type": "string", "readOnly": true, "description": "Status of the image",
            "enum": ["queued", "saving", "active", "killed", "deleted", "uploading", "importing", "pending_delete", "deactivated"]},
        "visibility": {"type": "string", "description": "Scope of image accessibility",
            "enum": ["community", "public", "private", "shared"]},
        "protected": {"type": "boolean", "description": "If true, image will not be deletable."},
        "os_hidden": {"type": "boolean", "description": "If true, image will not appear in default image list response."},
        "checksum": {"type": ["null", "string"], "readOnly": true, "maxLength": 32,
            "description": "md5 hash of image contents."},
        "os_hash_algo": {"type": ["null", "string"], "readOnly": true, "maxLength": 64,
            "description": "Algorithm to calculate the os_hash_value"},
        "os_hash_value": {"type": ["null", "string"], "readOnly": true, "maxLength": 128,
            "description": "Hexdigest of the image contents using the algorithm specified by the os_hash_algo"},
        "owner": {"type": ["null", "string"], "description": "Owner of the image", "maxLength": 255},
        "size": {"type": ["null", "integer"], "readOnly": true, "description": "Size of image file in bytes"},
        "virtual_size": {"type": ["null", "integer"], "readOnly": true, "description": "Virtual size of image in bytes"},
        "container_format": {"type": ["null", "string"], "description": "Format of the container",
            "enum": nullable_enum(&settings.container_formats)},
        "disk_format": {"type": ["null", "string"], "description": "Format of the disk",
            "enum": nullable_enum(&settings.disk_formats)},
        "created_at": {"type": "string", "readOnly": true, "description": "Date and time of image registration"},
        "updated_at": {"type": "string", "readOnly": true, "description": "Date and time of the last image modification"},
        "tags": {"type": "array", "description": "List of strings related to the image",
            "items": {"type": "string", "maxLength": 255}},
        "direct_url": {"type": "string", "readOnly": true, "description": "URL to access the image file kept in external store"},
        "min_ram": {"type": "integer", "description": "Amount of ram (in MB) required to boot image."},
        "min_disk": {"type": "integer", "description": "Amount of disk space (in GB) required to boot image."},
        "self": {"type": "string", "readOnly": true, "description": "An image self url"},
        "file": {"type": "string", "readOnly": true, "description": "An image file url"},
        "stores": {"type": "string", "readOnly": true, "description": "Store in which image data resides.  Only present when the operator has enabled multiple stores.  May be a comma-separated list of store identifiers."},
        "schema": {"type": "string", "readOnly": true, "description": "An image schema url"},
        "locations": {"type": "array", "description": "A set of URLs to access the image file kept in external store",
            "items": {"type": "object", "properties": {
                "url": {"type": "string", "maxLength": 255},
                "metadata": {"type": "object"},
                "validation_data": {"description": "Values to be used to populate the corresponding image properties. If the image status is not 'queued', values must exactly match those already contained in the image properties.",
                    "type": "object", "writeOnly": true, "additionalProperties": false,
                    "properties": {
                        "checksum": {"type": "string", "minLength": 32, "maxLength": 32},
                        "os_hash_algo": {"type": "string", "maxLength": 64},
                        "os_hash_value": {"type": "string", "maxLength": 128}},
                    "required": ["os_hash_algo", "os_hash_value"]}},
                "required": ["url", "metadata"]}}
    })
}

/// `/v2/schemas/image`.
pub fn image(settings: &Settings) -> Value {
    json!({
        "name": "image",
        "properties": image_properties(settings),
        "additionalProperties": {"type": "string"},
        "links": [
            {"rel": "self", "href": "{self}"},
            {"rel": "enclosure", "href": "{file}"},
            {"rel": "describedby", "href": "{schema}"}
        ]
    })
}

/// `/v2/schemas/images`.
pub fn images(settings: &Settings) -> Value {
    json!({
        "name": "images",
        "properties": {
            "images": {"type": "array", "items": image(settings)},
            "schema": {"type": "string"},
            "first": {"type": "string"},
            "next": {"type": "string"}
        },
        "links": [
            {"rel": "first", "href": "{first}"},
            {"rel": "next", "href": "{next}"},
            {"rel": "describedby", "href": "{schema}"}
        ]
    })
}

/// `/v2/schemas/member`.
pub fn member() -> Value {
    json!({
        "name": "member",
        "properties": {
            "member_id": {"type": "string", "description": "An identifier for the image member (tenantId)"},
            "image_id": {"type": "string", "description": "An identifier for the image", "pattern": UUID_PATTERN},
            "created_at": {"type": "string", "description": "Date and time of image member creation"},
            "updated_at": {"type": "string", "description": "Date and time of last modification of image member"},
            "status": {"type": "string", "description": "The status of this image member",
                "enum": ["pending", "accepted", "rejected"]},
            "schema": {"type": "string", "readOnly": true}
        }
    })
}

/// `/v2/schemas/members`.
pub fn members() -> Value {
    json!({
        "name": "members",
        "properties": {
            "members": {"type": "array", "items": member()},
            "schema": {"type": "string"}
        },
        "links": [{"rel": "describedby", "href": "{schema}"}]
    })
}
