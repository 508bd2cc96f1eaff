//! image-create, image-update, image-list, image-show, image-delete,
//! image-deactivate/-reactivate, image-tag-*, image-tasks.

use super::{Ctx, data, print_image, print_list_as};
use crate::cli::{DataSource, ImageFields, OutputFormat};
use crate::error::CliError;
use crate::render::table;
use glance_client::Object;
use serde_json::{Value, json};

/// The image body of create/update: the schema options the server's
/// `schema` knows (glanceclient drops the others), `--hidden`, then each
/// `--property key=value`.
pub fn fields_object(fields: &ImageFields, schema: &Value) -> Result<Object, CliError> {
    let known = |k: &str| schema.get("properties").and_then(|p| p.get(k)).is_some();
    let mut o: Object = fields
        .schema
        .iter()
        .filter(|(k, _)| known(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(hidden) = fields.hidden {
        o.insert("os_hidden".into(), Value::from(hidden));
    }
    for datum in &fields.properties {
        let (k, v) = datum
            .split_once('=')
            .ok_or_else(|| CliError::command("not enough values to unpack (expected 2, got 1)"))?;
        o.insert(k.to_string(), Value::from(v));
    }
    Ok(o)
}

/// `image-create`.
pub async fn create(
    ctx: &Ctx,
    fields: &ImageFields,
    source: &DataSource,
    store: &Option<String>,
) -> Result<(), CliError> {
    data::require_formats(fields, source, None)?;
    let input = data::Input::detect(source)?;
    let schema = super::schema_check::image_schema(ctx).await?;
    let body = fields_object(fields, &schema)?;
    if source.size.is_some() {
        return Err(CliError::command(
            "Setting 'size' during image creation is not supported. Please use --size only when \
             uploading data.",
        ));
    }
    let store = store
        .clone()
        .or_else(|| std::env::var("OS_IMAGE_STORE").ok());
    if store.is_some() && source.file.is_none() && !data::stdin_has_data() {
        return Err(CliError::command(
            "--store option should only be provided with --file option or stdin.",
        ));
    }
    if let Some(store) = &store {
        data::validate_backend(ctx, store).await?;
    }
    if let Some(file) = &source.file
        && std::fs::File::open(file).is_err()
    {
        return Err(CliError::command(format!(
            "File {file} does not exist or user does not have read privileges to it"
        )));
    }
    super::schema_check::check(&schema, &body)?;
    let mut image = ctx.client.create_image(&body).await?;
    let id = image
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let result = match input {
        Some(input) => {
            let uploaded = data::upload(
                ctx,
                &id,
                input,
                source,
                store.as_deref(),
                data::Target::File,
            )
            .await;
            match uploaded {
                Ok(()) => match ctx.client.get_image(&id).await {
                    Ok(fresh) => {
                        image = fresh;
                        Ok(())
                    }
                    Err(e) => Err(e.into()),
                },
                Err(e) => Err(e),
            }
        }
        None => Ok(()),
    };
    print_image(&image, false, 80, &OutputFormat::default())?;
    result
}

/// `image-update`: the image is read, the changes applied and sent as a
/// JSON patch (`replace` for keys the image has, `add` for new ones,
/// `remove` for `--remove-property` keys it has), then read again.
pub async fn update(
    ctx: &Ctx,
    id: &str,
    fields: &ImageFields,
    remove: &[String],
) -> Result<(), CliError> {
    let schema = super::schema_check::image_schema(ctx).await?;
    let changes = fields_object(fields, &schema)?;
    let current = ctx.client.get_image(id).await?;
    super::schema_check::check(&schema, &changes)?;
    let mut patch = Vec::new();
    for (key, value) in &changes {
        if current.get(key) == Some(value) {
            continue;
        }
        let in_schema = schema.get("properties").and_then(|p| p.get(key)).is_some();
        let op = if current.contains_key(key) || in_schema {
            "replace"
        } else {
            "add"
        };
        patch.push(json!({"op": op, "path": format!("/{key}"), "value": value}));
    }
    for key in remove {
        if current.contains_key(key) && !changes.contains_key(key) {
            patch.push(json!({"op": "remove", "path": format!("/{key}")}));
        }
    }
    ctx.client.update_image(id, &patch).await?;
    let image = ctx.client.get_image(id).await?;
    print_image(&image, false, 80, &OutputFormat::default())
}

/// What `image-list` filters and sorts by.
pub struct ListArgs<'a> {
    /// `--limit`.
    pub limit: Option<u64>,
    /// `--page-size`.
    pub page_size: Option<u32>,
    /// Simple filters (`visibility`, `member_status`, ...), in upstream's order.
    pub filters: Vec<(&'static str, Option<String>)>,
    /// `--property-filter`s.
    pub property_filters: &'a [String],
    /// `--tag`s.
    pub tags: &'a [String],
    /// `--sort-key`s.
    pub sort_keys: &'a [String],
    /// `--sort-dir`s.
    pub sort_dirs: &'a [String],
    /// `--sort`.
    pub sort: Option<&'a str>,
    /// `--include-stores`.
    pub include_stores: bool,
}

const SORT_KEYS: [&str; 8] = [
    "name",
    "status",
    "container_format",
    "disk_format",
    "size",
    "id",
    "created_at",
    "updated_at",
];

/// `image-list`.
pub async fn list(ctx: &Ctx, a: ListArgs<'_>, output: &OutputFormat) -> Result<(), CliError> {
    let mut query: Vec<(String, String)> = Vec::new();
    for (k, v) in a.filters {
        if let Some(v) = v {
            query.push((k.to_string(), v));
        }
    }
    for p in a.property_filters {
        let (k, v) = p.split_once('=').ok_or_else(|| {
            CliError::command(
                "Argument --property-filter expected properties in the format KEY=VALUE",
            )
        })?;
        query.push((k.to_string(), v.to_string()));
    }
    for t in a.tags {
        query.push(("tag".into(), t.clone()));
    }
    if let Some(sort) = a.sort {
        if !a.sort_keys.is_empty() || !a.sort_dirs.is_empty() {
            return Err(CliError::command(
                "The 'sort' argument is not supported with 'sort_key' or 'sort_dir'.",
            ));
        }
        for part in sort.trim().split(',') {
            let (key, dir) = part.split_once(':').unwrap_or((part, ""));
            if !dir.is_empty() && dir != "asc" && dir != "desc" {
                return Err(bad_request(format!(
                    "Invalid sort direction: {dir}. It must be one of the following: asc, desc."
                )));
            }
            if !SORT_KEYS.contains(&key) {
                return Err(bad_request(format!(
                    "Invalid sort key: {key}. It must be one of the following: {}.",
                    SORT_KEYS.join(", ")
                )));
            }
        }
        query.push(("sort".into(), sort.to_string()));
    } else if a.sort_keys.is_empty() && a.sort_dirs.is_empty() {
        query.push(("sort_key".into(), "name".into()));
        query.push(("sort_dir".into(), "asc".into()));
    } else {
        if a.sort_dirs.len() > 1 && a.sort_dirs.len() != a.sort_keys.len() {
            return Err(bad_request(
                "Number of sort dirs does not match the number of sort keys".into(),
            ));
        }
        for k in a.sort_keys {
            query.push(("sort_key".into(), k.clone()));
        }
        for d in a.sort_dirs {
            query.push(("sort_dir".into(), d.clone()));
        }
    }
    let images = ctx.client.list_images(&query, a.page_size, a.limit).await?;
    let mut columns = vec!["ID", "Name"];
    if ctx.verbose {
        columns.extend(["Disk_format", "Container_format", "Size", "Status", "Owner"]);
    }
    if a.include_stores {
        columns.push("Stores");
    }
    print_list_as(&images, &columns, output)
}

/// A client-side `HTTPBadRequest`, printed as glanceclient prints it
/// (`HTTP <message>`).
fn bad_request(message: String) -> CliError {
    CliError::Command(format!("HTTP {message}"))
}

/// `image-show`.
pub async fn show(
    ctx: &Ctx,
    id: &str,
    human_readable: bool,
    max_column_width: &str,
    output: &OutputFormat,
) -> Result<(), CliError> {
    let image = ctx.client.get_image(id).await?;
    let width = max_column_width.parse::<usize>().map_err(|_| {
        CliError::command(format!(
            "invalid literal for int() with base 10: '{max_column_width}'"
        ))
    })?;
    print_image(&image, human_readable, width, output)
}

/// `image-delete`: every id is tried; one line on stderr per failure.
pub async fn delete(ctx: &Ctx, ids: &[String]) -> Result<(), CliError> {
    let mut failed = false;
    for id in ids {
        let Err(e) = ctx.client.delete_image(id).await else {
            continue;
        };
        failed = true;
        let line = match e.status() {
            Some(403) => format!("You are not permitted to delete the image '{id}'."),
            Some(404) => format!("No image with an ID of '{id}' exists."),
            Some(409) => format!("Unable to delete image '{id}' because it is in use."),
            Some(_) => format!("'{e}': Unable to delete image '{id}'"),
            None => return Err(e.into()),
        };
        eprintln!("{line}");
    }
    if failed {
        Err(CliError::Reported)
    } else {
        Ok(())
    }
}

/// `image-tag-update`: adds the tag and prints `ID | Tags`.
pub async fn tag_update(ctx: &Ctx, id: &str, tag: &str) -> Result<(), CliError> {
    ctx.client.add_tag(id, tag).await?;
    let image = ctx.client.get_image(id).await?;
    println!("{}", table::print_list(&[image], &["ID", "Tags"]));
    Ok(())
}

/// `image-tasks`.
pub async fn tasks(ctx: &Ctx, id: &str) -> Result<(), CliError> {
    let mut columns = vec!["Message", "Status", "Updated at"];
    if ctx.verbose {
        columns = vec![
            "Image Id",
            "Task Id",
            "Message",
            "Status",
            "Updated at",
            "User Id",
            "Request Id",
            "Result",
            "Owner",
            "Input",
            "Expires at",
        ];
    }
    if !super::has_version(ctx, "v2.12").await? {
        return Err(CliError::command(
            "Server does not support image tasks API (v2.12)",
        ));
    }
    let body = match ctx.client.image_tasks(id).await {
        Ok(b) => b,
        Err(e) if e.status() == Some(404) => {
            return Err(CliError::command(format!("Image {id} not found.")));
        }
        Err(e) if e.status() == Some(501) => {
            return Err(CliError::command(
                "Server does not support image tasks API (v2.12)",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let tasks: Vec<Object> = body
        .get("tasks")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|t| t.as_object().cloned()).collect())
        .unwrap_or_default();
    println!("{}", super::print_dict_list(&tasks, &columns));
    Ok(())
}
