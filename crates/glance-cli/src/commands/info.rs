//! usage, explain, import-info, stores-info, stores-delete and the location
//! commands.

use super::{Ctx, print_image};
use crate::cli::OutputFormat;
use crate::error::CliError;
use crate::render::{table, value};
use glance_client::Object;
use serde_json::{Value, json};

/// `usage`: `Quota | Limit | Usage`.
pub async fn usage(ctx: &Ctx) -> Result<(), CliError> {
    let doc = ctx.client.usage().await?;
    let usage = doc
        .get("usage")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let rows: Vec<Object> = usage
        .iter()
        .map(|(quota, v)| {
            let mut row = v.as_object().cloned().unwrap_or_default();
            row.insert("quota".into(), json!(quota));
            row
        })
        .collect();
    println!(
        "{}",
        super::print_dict_list(&rows, &["Quota", "Limit", "Usage"])
    );
    Ok(())
}

/// `explain <MODEL>`: `Attribute | Description` from the schema.
pub async fn explain(ctx: &Ctx, model: &str) -> Result<(), CliError> {
    let schema = match ctx.client.schema(model).await {
        Ok(s) => s,
        Err(e) if e.status() == Some(404) => {
            return Err(CliError::command(format!(
                "Unable to find requested model '{model}'"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let rows = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .map(|(name, p)| {
                    let description = p.get("description").map(value::py_str).unwrap_or_default();
                    vec![name.clone(), description]
                })
                .collect()
        })
        .unwrap_or_default();
    println!("{}", table::table(&["Attribute", "Description"], rows));
    Ok(())
}

/// `import-info`.
pub async fn import_info(ctx: &Ctx) -> Result<(), CliError> {
    match ctx.client.import_info().await {
        Ok(info) => {
            println!("{}", table::print_dict(&info, 80));
            Ok(())
        }
        Err(e) if e.status() == Some(404) => Err(CliError::command(
            "Target Glance does not support Image Import workflow",
        )),
        Err(e) => Err(e.into()),
    }
}

/// `stores-info [--detail]`.
pub async fn stores_info(ctx: &Ctx, detail: bool) -> Result<(), CliError> {
    match ctx.client.stores_info(detail).await {
        Ok(info) => {
            println!("{}", table::print_dict(&info, 80));
            Ok(())
        }
        Err(e) if e.status() == Some(404) => {
            Err(CliError::command("Multi Backend support is not enabled"))
        }
        Err(e) => Err(e.into()),
    }
}

/// `stores-delete <ID> --store <STORE_ID>`.
pub async fn stores_delete(ctx: &Ctx, id: &str, store: &str) -> Result<(), CliError> {
    match ctx.client.delete_from_store(store, id).await {
        Ok(()) => Ok(()),
        Err(e) if e.status() == Some(404) => Err(CliError::command(
            "Multi Backend support is not enabled or Image/store not found.",
        )),
        Err(e) if e.status().is_some() => Err(CliError::command(format!(
            "Unable to delete image '{id}' from store '{store}'. ({e})"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// The validation data of `location-add`.
pub struct LocationValidation<'a> {
    /// `--checksum`.
    pub checksum: Option<&'a str>,
    /// `--hash-algo`.
    pub hash_algo: Option<&'a str>,
    /// `--hash-value`.
    pub hash_value: Option<&'a str>,
}

fn json_object(text: &str, error: &str) -> Result<Value, CliError> {
    serde_json::from_str::<Value>(text).map_err(|_| CliError::command(error))
}

/// `location-add`: the legacy `add /locations/-` patch.
pub async fn location_add(
    ctx: &Ctx,
    id: &str,
    url: &str,
    metadata: &str,
    v: LocationValidation<'_>,
) -> Result<(), CliError> {
    let metadata = json_object(metadata, "Metadata is not a valid JSON object.")?;
    let mut validation = Object::new();
    for (k, val) in [
        ("checksum", v.checksum),
        ("os_hash_algo", v.hash_algo),
        ("os_hash_value", v.hash_value),
    ] {
        if let Some(val) = val.filter(|s| !s.is_empty()) {
            validation.insert(k.into(), json!(val));
        }
    }
    let mut location = json!({"url": url, "metadata": metadata});
    if !validation.is_empty() {
        location["validation_data"] = Value::Object(validation);
    }
    let patch = [json!({"op": "add", "path": "/locations/-", "value": location})];
    ctx.client.update_image(id, &patch).await?;
    let image = ctx.client.get_image(id).await?;
    println!("{}", table::print_dict(&image, 80));
    Ok(())
}

/// The image's locations, or glanceclient's error when it shows none.
async fn locations(ctx: &Ctx, id: &str) -> Result<(Object, Vec<Value>), CliError> {
    let image = ctx.client.get_image(id).await?;
    let Some(locations) = image.get("locations").and_then(Value::as_array).cloned() else {
        return Err(CliError::command(
            "HTTP The administrator has disabled API access to image locations",
        ));
    };
    Ok((image, locations))
}

/// `location-delete`: one `remove /locations/<i>` per URL, highest first.
pub async fn location_delete(ctx: &Ctx, id: &str, urls: &[String]) -> Result<(), CliError> {
    let (_, locations) = locations(ctx, id).await?;
    let current: Vec<&str> = locations
        .iter()
        .filter_map(|l| l.get("url").and_then(Value::as_str))
        .collect();
    let mut unique: Vec<&String> = Vec::new();
    for u in urls {
        if !unique.contains(&u) {
            unique.push(u);
        }
    }
    let missing: Vec<String> = unique
        .iter()
        .filter(|u| !current.contains(&u.as_str()))
        .map(|u| format!("'{u}'"))
        .collect();
    if !missing.is_empty() {
        return Err(CliError::command(format!(
            "HTTP Unknown URL(s): [{}]",
            missing.join(", ")
        )));
    }
    let mut indices: Vec<usize> = unique
        .iter()
        .filter_map(|u| current.iter().position(|c| c == u))
        .collect();
    indices.sort_unstable_by(|a, b| b.cmp(a));
    let patch: Vec<Value> = indices
        .iter()
        .map(|i| json!({"op": "remove", "path": format!("/locations/{i}")}))
        .collect();
    ctx.client.update_image(id, &patch).await?;
    Ok(())
}

/// `location-update`: replaces the location list with the URL's metadata
/// changed.
pub async fn location_update(
    ctx: &Ctx,
    id: &str,
    url: &str,
    metadata: &str,
) -> Result<(), CliError> {
    let metadata = json_object(metadata, "Metadata is not a valid JSON object.")?;
    if metadata == json!({}) {
        println!("WARNING -- The location's metadata will be updated to an empty JSON object.");
    }
    let (image, mut locations) = locations(ctx, id).await?;
    let Some(loc) = locations
        .iter_mut()
        .find(|l| l.get("url").and_then(Value::as_str) == Some(url))
    else {
        return Err(CliError::command(format!(
            "HTTP Unknown URL: {url}, the URL must be one of existing locations of current image"
        )));
    };
    if loc.get("metadata") == Some(&metadata) {
        println!("{}", table::print_dict(&image, 80));
        return Ok(());
    }
    loc["metadata"] = metadata;
    let patch = [json!({"op": "replace", "path": "/locations", "value": locations})];
    ctx.client.update_image(id, &patch).await?;
    let image = ctx.client.get_image(id).await?;
    println!("{}", table::print_dict(&image, 80));
    Ok(())
}

/// `add-location`: `POST /v2/images/{id}/locations`.
pub async fn add_location(
    ctx: &Ctx,
    id: &str,
    url: &str,
    validation_data: &str,
) -> Result<(), CliError> {
    let data = json_object(
        validation_data,
        "validation-data is not a valid JSON object.",
    )?;
    let keys: Vec<&String> = data
        .as_object()
        .map(|o| {
            o.keys()
                .filter(|k| *k != "os_hash_algo" && *k != "os_hash_value")
                .collect()
        })
        .unwrap_or_default();
    if let Some(k) = keys.first() {
        return Err(CliError::command(format!(
            "Validation Data should contain only os_hash_algo and os_hash_value. `{k}` is not \
             allowed"
        )));
    }
    let allowed = ["sha512", "sha256", "sha1", "md5"];
    if data.as_object().is_some_and(|o| !o.is_empty()) {
        let algo = data
            .get("os_hash_algo")
            .map(value::py_str)
            .unwrap_or_default();
        if !allowed.contains(&algo.as_str()) {
            return Err(CliError::command(format!(
                "os_hash_algo: `{algo}` is incorrect, allowed hashing algorithms: ['sha512', \
                 'sha256', 'sha1', 'md5']"
            )));
        }
    }
    let data = data.as_object().filter(|o| !o.is_empty()).map(|_| &data);
    if !super::has_version(ctx, "v2.17").await? {
        return Err(CliError::command(
            "HTTP This operation is not supported by Glance.",
        ));
    }
    ctx.client.add_location(id, url, data).await?;
    let image = ctx.client.get_image(id).await?;
    print_image(&image, false, 80, &OutputFormat::default())
}
