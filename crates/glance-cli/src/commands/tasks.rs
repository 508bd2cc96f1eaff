//! task-list, task-show, task-create and the cache commands.

use super::Ctx;
use crate::error::CliError;
use crate::render::table;
use glance_client::Object;
use reqwest::Method;
use serde_json::{Value, json};

/// `task-list`.
pub async fn list(
    ctx: &Ctx,
    sort_key: &str,
    sort_dir: &str,
    page_size: Option<u32>,
    task_type: &Option<String>,
    status: &Option<String>,
) -> Result<(), CliError> {
    let mut query = Vec::new();
    if let Some(t) = task_type {
        query.push(("type".to_string(), t.clone()));
    }
    if let Some(s) = status {
        query.push(("status".to_string(), s.clone()));
    }
    query.push(("sort_key".into(), sort_key.into()));
    query.push(("sort_dir".into(), sort_dir.into()));
    let tasks = ctx.client.list_tasks(&query, page_size).await?;
    println!(
        "{}",
        table::print_list(&tasks, &["ID", "Type", "Status", "Owner"])
    );
    Ok(())
}

/// A task without `self` and `schema`.
fn shown(task: Object) -> Object {
    task.into_iter()
        .filter(|(k, _)| k != "self" && k != "schema")
        .collect()
}

/// `task-show`.
pub async fn show(ctx: &Ctx, id: &str) -> Result<(), CliError> {
    let task = ctx.client.get_task(id).await?;
    println!("{}", table::print_dict(&shown(task), 80));
    Ok(())
}

/// `task-create --type --input`.
pub async fn create(ctx: &Ctx, task_type: &Option<String>, input: &str) -> Result<(), CliError> {
    let Some(task_type) = task_type.as_deref().filter(|t| !t.is_empty()) else {
        return Err(CliError::command(
            "Unable to create task. Specify task type and input.",
        ));
    };
    let input: Value = serde_json::from_str(input).map_err(|_| {
        CliError::command("Failed to parse the \"input\" parameter. Must be a valid JSON object.")
    })?;
    let mut body = Object::new();
    body.insert("type".into(), json!(task_type));
    body.insert("input".into(), input);
    let task = ctx.client.create_task(&body).await?;
    println!("{}", table::print_dict(&shown(task), 80));
    Ok(())
}

/// The cache API answers only on one node: the endpoint must be given.
fn require_endpoint(ctx: &Ctx) -> Result<(), CliError> {
    if ctx.endpoint_provided {
        Ok(())
    } else {
        Err(CliError::command(
            "Direct server endpoint needs to be provided. Do not use loadbalanced or catalog \
             endpoints.",
        ))
    }
}

/// Refuses a server without the cache API of `version`, in glanceclient's
/// words.
async fn require_cache_api(ctx: &Ctx, version: &str) -> Result<(), CliError> {
    if super::has_version(ctx, version).await? {
        Ok(())
    } else {
        Err(CliError::command(format!(
            "HTTP Glance does not support image caching API ({version})"
        )))
    }
}

/// `cache-list`.
pub async fn cache_list(ctx: &Ctx) -> Result<(), CliError> {
    require_endpoint(ctx)?;
    require_cache_api(ctx, "v2.14").await?;
    let cached = ctx.client.cache_list().await?;
    let rows = |key: &str| -> Vec<Object> {
        cached
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_object().cloned()).collect())
            .unwrap_or_default()
    };
    let mut cells = Vec::new();
    for image in rows("cached_images") {
        let text = |k: &str| {
            image
                .get(k)
                .map(crate::render::value::py_str)
                .unwrap_or_default()
        };
        cells.push(vec![
            text("image_id"),
            "cached".to_string(),
            text("last_accessed"),
            text("last_modified"),
            text("size"),
            text("hits"),
        ]);
    }
    for id in cached
        .get("queued_images")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        cells.push(vec![
            crate::render::value::py_str(id),
            "queued".into(),
            "N/A".into(),
            "N/A".into(),
            "N/A".into(),
            "N/A".into(),
        ]);
    }
    println!(
        "{}",
        table::table(
            &[
                "ID",
                "State",
                "Last Accessed (UTC)",
                "Last Modified (UTC)",
                "Size",
                "Hits"
            ],
            cells
        )
    );
    Ok(())
}

/// How a cache call failed.
enum CacheFailure {
    /// 403: reported with the command's own sentence.
    Forbidden,
    /// Another HTTP error, or a server without the API: its text.
    Http(String),
    /// Not an HTTP error (no connection, ...): the command fails.
    Other(CliError),
}

/// Runs one cache call if the server lists API `version`.
async fn cache_call<T>(
    ctx: &Ctx,
    version: &str,
    call: impl std::future::Future<Output = Result<T, glance_client::ClientError>>,
) -> Result<T, CacheFailure> {
    match super::has_version(ctx, version).await {
        Ok(true) => {}
        Ok(false) => {
            return Err(CacheFailure::Http(format!(
                "HTTP Glance does not support image caching API ({version})"
            )));
        }
        Err(e) => return Err(CacheFailure::Other(e)),
    }
    call.await.map_err(|e| match e.status() {
        Some(403) => CacheFailure::Forbidden,
        Some(_) => CacheFailure::Http(e.to_string()),
        None => CacheFailure::Other(e.into()),
    })
}

/// Reports a failed cache call on stderr (the command still succeeds, as
/// upstream), or fails the command when it was not an HTTP error.
fn report(
    outcome: Result<(), CacheFailure>,
    forbidden: impl FnOnce() -> String,
    failed: impl FnOnce(&str) -> String,
) -> Result<(), CliError> {
    match outcome {
        Ok(()) => Ok(()),
        Err(CacheFailure::Forbidden) => {
            eprintln!("{}", forbidden());
            Ok(())
        }
        Err(CacheFailure::Http(e)) => {
            eprintln!("{}", failed(&e));
            Ok(())
        }
        Err(CacheFailure::Other(e)) => Err(e),
    }
}

/// `cache-queue`.
pub async fn cache_queue(ctx: &Ctx, ids: &[String]) -> Result<(), CliError> {
    require_endpoint(ctx)?;
    for id in ids {
        report(
            cache_call(ctx, "v2.14", ctx.client.cache_queue(id)).await,
            || format!("You are not permitted to queue the image '{id}' for caching."),
            |e| format!("'{e}': Unable to queue image '{id}' for caching."),
        )?;
    }
    Ok(())
}

/// `cache-delete`.
pub async fn cache_delete(ctx: &Ctx, ids: &[String]) -> Result<(), CliError> {
    require_endpoint(ctx)?;
    for id in ids {
        report(
            cache_call(ctx, "v2.14", ctx.client.cache_delete(id)).await,
            || format!("You are not permitted to delete the image '{id}' from cache."),
            |e| format!("'{e}': Unable to delete image '{id}' from cache."),
        )?;
    }
    Ok(())
}

/// `cache-clear [--target]` (no target header for `both`).
pub async fn cache_clear(ctx: &Ctx, target: &str) -> Result<(), CliError> {
    require_endpoint(ctx)?;
    let target = (target != "both").then_some(target);
    report(
        cache_call(ctx, "v2.14", ctx.client.cache_clear(target)).await,
        || "You are not permitted to delete image(s) from cache.".into(),
        |e| format!("'{e}': Unable to delete image(s) from cache."),
    )
}

/// `cache-clean` and `cache-prune`: `POST /v2/cache/clean|prune`.
pub async fn cache_maintain(ctx: &Ctx, prune: bool) -> Result<(), CliError> {
    require_endpoint(ctx)?;
    let (path, what) = if prune {
        ("/v2/cache/prune", "prune")
    } else {
        ("/v2/cache/clean", "clean")
    };
    let outcome = cache_call(
        ctx,
        "v2.18",
        ctx.client.request_json(Method::POST, path, None),
    )
    .await
    .map(|result| {
        let pruned = result.filter(|r| r.as_object().is_some_and(|o| !o.is_empty()));
        if prune && let Some(r) = pruned {
            let n = |k: &str| r.get(k).and_then(Value::as_i64).unwrap_or(0);
            println!(
                "Pruned {} file(s), {} byte(s).",
                n("total_files_pruned"),
                n("total_bytes_pruned")
            );
        }
    });
    report(
        outcome,
        || format!("You are not permitted to {what} the image cache."),
        |e| format!("'{e}': Unable to {what} the image cache."),
    )
}

/// `cache-nodes-list <ID>`: `Node Reference URL`.
pub async fn cache_nodes(ctx: &Ctx, id: &str) -> Result<(), CliError> {
    require_endpoint(ctx)?;
    require_cache_api(ctx, "v2.14").await?;
    let path = format!("/v2/cache/nodes/{id}");
    let nodes = match ctx.client.request_json(Method::GET, &path, None).await {
        Ok(v) => v.unwrap_or(Value::Null),
        Err(e) if e.status() == Some(403) => {
            eprintln!("You are not permitted to list cached nodes for image '{id}'.");
            return Ok(());
        }
        Err(e) if e.status() == Some(501) => return Err(e.into()),
        Err(e) if e.status().is_some() => {
            eprintln!("'{e}': Unable to list cached nodes for image '{id}'.");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let rows = nodes
        .as_array()
        .into_iter()
        .flatten()
        .map(|u| vec![crate::render::value::py_str(u)])
        .collect();
    println!("{}", table::table(&["Node Reference URL"], rows));
    Ok(())
}
