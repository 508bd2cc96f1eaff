//! The subcommands, one file per topic, and what they share: the connected
//! client, and image / list printing in upstream's layout (or `-f`).

pub mod data;
pub mod images;
pub mod info;
pub mod members;
pub mod schema_check;
pub mod tasks;

use crate::cli::{Command, OutputFormat};
use crate::error::CliError;
use crate::render::{format, table, value};
use glance_client::{Client, Object};
use serde_json::Value;

/// What every command gets.
pub struct Ctx {
    /// The connected client.
    pub client: Client,
    /// `-v/--verbose`.
    pub verbose: bool,
    /// Whether the image endpoint was given (`--os-image-url`) rather than
    /// taken from the catalog.
    pub endpoint_provided: bool,
}

/// The chosen `-f` format (table when not given).
fn chosen(output: &OutputFormat) -> Result<format::Format, CliError> {
    format::parse(output.format.as_deref().unwrap_or("table")).map_err(CliError::Command)
}

/// Prints an image as `utils.print_image`: without `self`, `access`,
/// `file` and `schema`; a missing virtual size as `Not available`; the size
/// human-readable on request.
pub fn print_image(
    image: &Object,
    human_readable: bool,
    max_column_width: usize,
    output: &OutputFormat,
) -> Result<(), CliError> {
    let mut shown: Object = image
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "self" | "access" | "file" | "schema"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(v) = shown.get_mut("virtual_size")
        && !value::py_truthy(v)
    {
        *v = Value::from("Not available");
    }
    if human_readable {
        let size = shown.get("size").and_then(Value::as_u64).unwrap_or(0);
        shown.insert("size".into(), Value::from(value::human_size(size)));
    }
    println!(
        "{}",
        format::format_dict(&shown, chosen(output)?, max_column_width)
    );
    Ok(())
}

/// Prints rows with `utils.print_list`'s columns, or in the `-f` format.
pub fn print_list_as(
    rows: &[Object],
    columns: &[&str],
    output: &OutputFormat,
) -> Result<(), CliError> {
    println!("{}", format::format_list(rows, columns, chosen(output)?));
    Ok(())
}

/// `utils.print_dict_list`: each column's key is its lower-cased,
/// underscored name (`Task Id` is the task's `id`); missing values are
/// empty, others shown as Python would.
pub fn print_dict_list(rows: &[Object], columns: &[&str]) -> String {
    let cells = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| {
                    let mut key = c.to_lowercase().replace(' ', "_");
                    if key == "task_id" {
                        key = "id".into();
                    }
                    row.get(&key).map(value::py_str).unwrap_or_default()
                })
                .collect()
        })
        .collect();
    table::table(columns, cells)
}

/// Runs one subcommand.
pub async fn run(ctx: &Ctx, command: &Command) -> Result<(), CliError> {
    use Command as C;
    match command {
        C::ImageCreate {
            fields,
            data,
            store,
        } => images::create(ctx, fields, data, store).await,
        C::ImageCreateViaImport {
            fields,
            data,
            import_method,
            import,
        } => data::create_via_import(ctx, fields, data, import_method, import).await,
        C::ImageUpdate {
            id,
            fields,
            remove_properties,
        } => images::update(ctx, id, fields, remove_properties).await,
        C::ImageList {
            limit,
            page_size,
            visibility,
            member_status,
            owner,
            property_filters,
            checksum,
            hash,
            tags,
            sort_keys,
            sort_dirs,
            sort,
            hidden,
            include_stores,
            output,
        } => {
            let args = images::ListArgs {
                limit: *limit,
                page_size: *page_size,
                filters: vec![
                    ("visibility", visibility.clone()),
                    ("member_status", member_status.clone()),
                    ("owner", owner.clone()),
                    ("checksum", checksum.clone()),
                    ("os_hidden", hidden.map(|h| py_bool(h).to_string())),
                    ("os_hash_value", hash.clone()),
                ],
                property_filters,
                tags,
                sort_keys,
                sort_dirs,
                sort: sort.as_deref(),
                include_stores: include_stores.unwrap_or(false),
            };
            images::list(ctx, args, output).await
        }
        C::ImageShow {
            id,
            human_readable,
            max_column_width,
            output,
        } => images::show(ctx, id, *human_readable, max_column_width, output).await,
        C::ImageTasks { id } => images::tasks(ctx, id).await,
        C::ImageDelete { ids } => images::delete(ctx, ids).await,
        C::ImageDeactivate { id } => Ok(ctx.client.deactivate_image(id).await?),
        C::ImageReactivate { id } => Ok(ctx.client.reactivate_image(id).await?),
        C::ImageTagUpdate {
            image_id,
            tag_value,
        } => images::tag_update(ctx, image_id, tag_value).await,
        C::ImageTagDelete {
            image_id,
            tag_value,
        } => Ok(ctx.client.delete_tag(image_id, tag_value).await?),
        C::ImageUpload { id, data, store } => data::image_upload(ctx, id, data, store).await,
        C::ImageStage { id, data } => data::image_stage(ctx, id, data).await,
        C::ImageImport {
            id,
            import_method,
            import,
        } => data::image_import(ctx, id, import_method, import).await,
        C::ImageDownload {
            id,
            allow_md5_fallback,
            file,
            progress,
            prefer,
        } => data::download(ctx, id, file, *progress, *allow_md5_fallback, prefer).await,
        C::MemberList { image_id } => members::list(ctx, image_id).await,
        C::MemberGet {
            image_id,
            member_id,
        } => members::get(ctx, image_id, member_id).await,
        C::MemberCreate {
            image_id,
            member_id,
        } => members::create(ctx, image_id, member_id).await,
        C::MemberUpdate {
            image_id,
            member_id,
            member_status,
        } => members::update(ctx, image_id, member_id, member_status).await,
        C::MemberDelete {
            image_id,
            member_id,
        } => Ok(ctx.client.delete_member(image_id, member_id).await?),
        C::Usage => info::usage(ctx).await,
        C::Explain { model } => info::explain(ctx, model).await,
        C::ImportInfo => info::import_info(ctx).await,
        C::StoresInfo { detail } => info::stores_info(ctx, *detail).await,
        C::StoresDelete { id, store } => info::stores_delete(ctx, id, store).await,
        C::LocationAdd {
            id,
            url,
            metadata,
            checksum,
            hash_algo,
            hash_value,
        } => {
            let validation = info::LocationValidation {
                checksum: checksum.as_deref(),
                hash_algo: hash_algo.as_deref(),
                hash_value: hash_value.as_deref(),
            };
            info::location_add(ctx, id, url, metadata, validation).await
        }
        C::LocationDelete { id, urls } => info::location_delete(ctx, id, urls).await,
        C::LocationUpdate { id, url, metadata } => {
            info::location_update(ctx, id, url, metadata).await
        }
        C::AddLocation {
            id,
            url,
            validation_data,
        } => info::add_location(ctx, id, url, validation_data).await,
        C::CacheClear { target } => tasks::cache_clear(ctx, target).await,
        C::CacheDelete { ids } => tasks::cache_delete(ctx, ids).await,
        C::CacheList => tasks::cache_list(ctx).await,
        C::CacheClean => tasks::cache_maintain(ctx, false).await,
        C::CachePrune => tasks::cache_maintain(ctx, true).await,
        C::CacheNodesList { id } => tasks::cache_nodes(ctx, id).await,
        C::CacheQueue { ids } => tasks::cache_queue(ctx, ids).await,
        C::TaskList {
            sort_key,
            sort_dir,
            page_size,
            task_type,
            status,
        } => tasks::list(ctx, sort_key, sort_dir, *page_size, task_type, status).await,
        C::TaskShow { id } => tasks::show(ctx, id).await,
        C::TaskCreate { task_type, input } => tasks::create(ctx, task_type, input).await,
        C::Help { .. } | C::BashCompletion => {
            unreachable!("help and bash-completion need no connection")
        }
    }
}

/// Whether the server lists API `version` (e.g. `v2.14`) as supported,
/// current or experimental in `GET /versions`, as glanceclient checks
/// before the calls that need it.
pub async fn has_version(ctx: &Ctx, version: &str) -> Result<bool, CliError> {
    let doc = ctx
        .client
        .request_json(reqwest::Method::GET, "/versions", None)
        .await?
        .unwrap_or(Value::Null);
    let supported = doc
        .get("versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|v| v.get("id").and_then(Value::as_str) == Some(version))
        .and_then(|v| v.get("status").and_then(Value::as_str))
        .is_some_and(|s| matches!(s, "SUPPORTED" | "CURRENT" | "EXPERIMENTAL"));
    Ok(supported)
}

/// Python's `str()` of a boolean.
pub fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}
