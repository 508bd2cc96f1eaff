//! The image options of image-create, image-create-via-import and
//! image-update come from the image schema, as python-glanceclient builds
//! them: one `--<property>` per writable schema property, in reverse schema
//! order, before the command's own options.
//!
//! The schema is the one cached in `~/.glanceclient/image_schema.json` (a
//! copy of the server's `/v2/schemas/image`, written on the first command
//! that reaches a server) or, without it, a built-in one with the standard
//! properties. The cache is written where glanceclient writes it, so both
//! clients share it.

use crate::cli::strict_bool;
use clap::{Arg, ArgAction, ArgMatches, Command};
use glance_client::Object;
use serde_json::{Value, json};
use std::path::PathBuf;

/// The subcommands with schema options, and the properties each leaves out.
pub const SCHEMA_COMMANDS: [(&str, &[&str]); 3] = [
    ("image-create", &["locations", "os_hidden"]),
    ("image-create-via-import", &["locations", "os_hidden"]),
    ("image-update", &["id", "locations", "tags", "os_hidden"]),
];

const UUID_PATTERN: &str =
    "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$";

/// The built-in schema: the writable properties of a standard image schema
/// (with the custom properties upstream's sample `schema-image.json` adds),
/// in the order glanceclient's fallback schema lists them.
pub fn base_schema() -> Value {
    json!({"name": "image", "properties": {
        "container_format": {"type": ["null", "string"], "description": "Format of the container",
            "enum": [null, "ami", "ari", "aki", "bare", "ovf", "ova", "docker"]},
        "min_ram": {"type": "integer", "description": "Amount of ram (in MB) required to boot image."},
        "ramdisk_id": {"type": ["null", "string"], "pattern": UUID_PATTERN,
            "description": "ID of an image to boot as the ramdisk of this AMI-style image."},
        "locations": {"type": "array", "description": "URLs of the image data in its stores",
            "items": {"type": "object"}},
        "owner": {"type": ["null", "string"], "description": "Owner of the image", "maxLength": 255},
        "id": {"type": "string", "description": "An identifier for the image", "pattern": UUID_PATTERN},
        "os_distro": {"type": "string",
            "description": "Operating system distribution (ubuntu, fedora, cirros, ...)."},
        "disk_format": {"type": ["null", "string"], "description": "Format of the disk",
            "enum": [null, "ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"]},
        "os_version": {"type": "string", "description": "Operating system version, as its distributor numbers it."},
        "tags": {"type": "array", "description": "List of strings related to the image",
            "items": {"type": "string", "maxLength": 255}},
        "kernel_id": {"type": ["null", "string"], "pattern": UUID_PATTERN,
            "description": "ID of an image to boot as the kernel of this AMI-style image."},
        "visibility": {"type": "string", "description": "Scope of image accessibility",
            "enum": ["public", "private", "community", "shared"]},
        "min_disk": {"type": "integer", "description": "Amount of disk space (in GB) required to boot image."},
        "instance_uuid": {"type": "string",
            "description": "ID of the instance this image was taken from (informational only)."},
        "name": {"type": ["null", "string"], "description": "Descriptive name for the image", "maxLength": 255},
        "protected": {"type": "boolean", "description": "If true, image will not be deletable."},
        "os_hidden": {"type": "boolean",
            "description": "If true, image will not appear in default image list response."},
        "architecture": {"type": "string", "description": "CPU architecture the image runs on (x86_64, aarch64, ...)."},
    }})
}

/// `~/.glanceclient`.
fn cache_dir() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".glanceclient"))
}

/// The schema the options are built from: the cached copy, else the
/// built-in one.
pub fn options_schema() -> Value {
    cache_dir()
        .map(|d| d.join("image_schema.json"))
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .filter(|v| v.get("properties").is_some_and(Value::is_object))
        .unwrap_or_else(base_schema)
}

/// The first non-null JSON type of a property.
fn prop_type(prop: &Value) -> &str {
    match prop.get("type") {
        Some(Value::String(t)) => t,
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("string"),
        _ => "string",
    }
}

/// The writable properties the options come from, in option order.
fn writable<'a>(schema: &'a Value, omit: &[&str]) -> Vec<(&'a String, &'a Value)> {
    let mut props: Vec<(&String, &Value)> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    props.retain(|(name, p)| {
        !omit.contains(&name.as_str())
            && !p.get("readOnly").and_then(Value::as_bool).unwrap_or(false)
    });
    props.reverse();
    props
}

/// The options for the writable properties of `schema`.
fn schema_args(schema: &Value, omit: &[&str]) -> Vec<Arg> {
    writable(schema, omit)
        .into_iter()
        .map(|(name, prop)| {
            let mut help = prop
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if let Some(values) = prop.get("enum").and_then(Value::as_array) {
                if !help.is_empty() {
                    help.push(' ');
                }
                let shown: Vec<String> = values.iter().map(crate::render::value::py_str).collect();
                help.push_str(&format!("Valid values: {}", shown.join(", ")));
            }
            let arg = Arg::new(name.clone())
                .long(name.replace('_', "-"))
                .help(help)
                .action(ArgAction::Set);
            match prop_type(prop) {
                "boolean" => arg.value_name("[True|False]").value_parser(strict_bool),
                "integer" => arg
                    .value_name(format!("<{}>", name.to_uppercase()))
                    .value_parser(clap::value_parser!(i64)),
                "array" => arg
                    .value_name(format!("<{}>", name.to_uppercase()))
                    .num_args(1..),
                _ => arg.value_name(format!("<{}>", name.to_uppercase())),
            }
        })
        .collect()
}

/// A copy of `sub` with `front` before its own arguments.
fn prepend(sub: &Command, front: Vec<Arg>) -> Command {
    let mut rebuilt = Command::new(sub.get_name().to_string());
    if let Some(about) = sub.get_about() {
        rebuilt = rebuilt.about(about.clone());
    }
    if let Some(about) = sub.get_long_about() {
        rebuilt = rebuilt.long_about(about.clone());
    }
    let own = sub
        .get_arguments()
        .filter(|a| a.get_id() != "help")
        .map(|a| crate::cli::Cli::adjust_arg(sub.get_name(), a.clone()));
    rebuilt.args(front).args(own)
}

/// The command line with the schema options in place.
pub fn command(base: Command, schema: &Value) -> Command {
    let mut top = Command::new(base.get_name().to_string())
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .disable_version_flag(true)
        .args(base.get_arguments().cloned());
    if let Some(about) = base.get_about() {
        top = top.about(about.clone());
    }
    for sub in base.get_subcommands() {
        let sub = match SCHEMA_COMMANDS.iter().find(|(n, _)| *n == sub.get_name()) {
            Some((_, omit)) => prepend(sub, schema_args(schema, omit)),
            None => sub.clone(),
        };
        top = top.subcommand(sub);
    }
    top
}

/// The schema option values given to subcommand `name`, typed as the
/// schema says.
pub fn values(name: &str, matches: &ArgMatches, schema: &Value) -> Object {
    let mut out = Object::new();
    let Some((_, omit)) = SCHEMA_COMMANDS.iter().find(|(n, _)| *n == name) else {
        return out;
    };
    for (prop, def) in writable(schema, omit) {
        let id = prop.as_str();
        let value = match prop_type(def) {
            "boolean" => matches.get_one::<bool>(id).map(|b| json!(b)),
            "integer" => matches.get_one::<i64>(id).map(|n| json!(n)),
            "array" => matches
                .get_many::<String>(id)
                .map(|v| json!(v.cloned().collect::<Vec<_>>())),
            _ => matches.get_one::<String>(id).map(|s| json!(s)),
        };
        if let Some(v) = value {
            out.insert(prop.clone(), v);
        }
    }
    out
}

/// Writes the server's schemas to glanceclient's cache when missing (or
/// always with `--get-schema`): `~/.glanceclient[/<sha1 of auth_url>]/`
/// `image_schema.json`, `namespace_schema.json`, `resource_type_schema.json`.
/// Failures are ignored, as upstream.
pub async fn cache_schemas(client: &glance_client::Client, auth_url: Option<&str>, force: bool) {
    use sha1::Digest;
    let Some(mut dir) = cache_dir() else { return };
    if let Some(url) = auth_url {
        let digest = sha1::Sha1::digest(url.as_bytes());
        dir = dir.join(
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        );
    }
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    for (resource, file) in [
        ("image", "image_schema.json"),
        ("metadefs/namespace", "namespace_schema.json"),
        ("metadefs/resource_type", "resource_type_schema.json"),
    ] {
        let path = dir.join(file);
        if path.exists() && !force {
            continue;
        }
        if let Ok(schema) = client.schema(resource).await {
            let _ = std::fs::write(&path, schema.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_come_in_reverse_schema_order_without_read_only_or_omitted() {
        let schema = json!({"properties": {
            "a": {"type": "string"}, "ro": {"type": "string", "readOnly": true},
            "n": {"type": "integer"}, "skip": {"type": "string"}, "b": {"type": "boolean"}}});
        let ids: Vec<String> = schema_args(&schema, &["skip"])
            .iter()
            .map(|a| a.get_id().to_string())
            .collect();
        assert_eq!(ids, ["b", "n", "a"]);
    }

    #[test]
    fn values_are_typed_by_the_schema() {
        let schema = json!({"properties": {"min_ram": {"type": "integer"},
            "tags": {"type": "array"}, "protected": {"type": "boolean"},
            "disk_format": {"type": ["null", "string"]}}});
        let cmd = command(
            Command::new("glance").subcommand(Command::new("image-create")),
            &schema,
        );
        let m = cmd
            .try_get_matches_from([
                "glance",
                "image-create",
                "--min-ram",
                "5",
                "--tags",
                "a",
                "b",
                "--protected",
                "yes",
                "--disk-format",
                "raw",
            ])
            .unwrap();
        let v = values(
            "image-create",
            m.subcommand_matches("image-create").unwrap(),
            &schema,
        );
        assert_eq!(
            Value::Object(v),
            json!({"disk_format": "raw", "protected": true, "tags": ["a", "b"], "min_ram": 5})
        );
    }
}
