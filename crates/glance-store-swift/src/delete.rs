//! Removing an image: a static large object with its segments
//! (`?multipart-manifest=delete`), a dynamic large object (as older upstream
//! releases wrote them: `X-Object-Manifest`) segment by segment and then
//! its manifest, or a plain object.

use crate::client::Swift;
use crate::error::status;
use glance_store::StoreError;
use reqwest::header::ACCEPT;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use std::io;

/// The summary Swift's bulk/SLO delete answers with.
#[derive(Debug, Deserialize)]
struct BulkDelete {
    #[serde(rename = "Response Status")]
    status: String,
    #[serde(rename = "Number Deleted", default)]
    deleted: u64,
    #[serde(rename = "Errors", default)]
    errors: Vec<serde_json::Value>,
}

/// One entry of a JSON container listing.
#[derive(Debug, Deserialize)]
struct Listed {
    name: String,
}

/// Deletes `container/object` (located by `url`) and any segments it has.
pub(crate) async fn delete(
    swift: &Swift,
    container: &str,
    object: &str,
    url: &str,
) -> Result<(), StoreError> {
    let what = format!("deleting {container}/{object}");
    let head = swift
        .send(Method::HEAD, container, Some(object), &what, |r| r)
        .await?;
    match head.status() {
        StatusCode::NOT_FOUND => return Err(StoreError::NotFound(url.to_owned())),
        code if !code.is_success() => return Err(status(&what, head).await),
        _ => {}
    }
    let header = |name: &str| head.headers().get(name).and_then(|v| v.to_str().ok());
    if header("X-Static-Large-Object").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return delete_slo(swift, container, object, url, &what).await;
    }
    if let Some(manifest) = header("X-Object-Manifest") {
        let (segments_container, prefix) = manifest.split_once('/').unwrap_or((manifest, ""));
        delete_dlo_segments(swift, segments_container, prefix, &what).await?;
    }
    delete_plain(swift, container, object, url, &what).await
}

/// `DELETE ?multipart-manifest=delete`: the manifest and its segments.
async fn delete_slo(
    swift: &Swift,
    container: &str,
    object: &str,
    url: &str,
    what: &str,
) -> Result<(), StoreError> {
    let response = swift
        .send(Method::DELETE, container, Some(object), what, |r| {
            r.query(&[("multipart-manifest", "delete")])
                .header(ACCEPT, "application/json")
        })
        .await?;
    if response.status() == StatusCode::NOT_FOUND {
        return Err(StoreError::NotFound(url.to_owned()));
    }
    if !response.status().is_success() {
        return Err(status(what, response).await);
    }
    let summary: BulkDelete = response
        .json()
        .await
        .map_err(|e| StoreError::Io(io::Error::other(format!("{what}: unreadable answer: {e}"))))?;
    if !summary.status.starts_with('2') || !summary.errors.is_empty() {
        return Err(StoreError::Io(io::Error::other(format!(
            "{what}: swift answered {} with errors {:?}",
            summary.status, summary.errors
        ))));
    }
    if summary.deleted == 0 {
        return Err(StoreError::NotFound(url.to_owned()));
    }
    Ok(())
}

/// Deletes every object named `<prefix>...` in `container`, walking the
/// listing page by page.
async fn delete_dlo_segments(
    swift: &Swift,
    container: &str,
    prefix: &str,
    what: &str,
) -> Result<(), StoreError> {
    let mut marker = String::new();
    loop {
        let response = swift
            .send(Method::GET, container, None, what, |r| {
                r.query(&[("format", "json"), ("prefix", prefix), ("marker", &marker)])
            })
            .await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(());
        }
        if !response.status().is_success() {
            return Err(status(what, response).await);
        }
        let listed: Vec<Listed> = response.json().await.map_err(|e| {
            StoreError::Io(io::Error::other(format!("{what}: unreadable listing: {e}")))
        })?;
        let Some(last) = listed.last() else {
            return Ok(());
        };
        marker = last.name.clone();
        for segment in &listed {
            let response = swift
                .send(Method::DELETE, container, Some(&segment.name), what, |r| r)
                .await?;
            if !response.status().is_success() && response.status() != StatusCode::NOT_FOUND {
                return Err(status(what, response).await);
            }
        }
    }
}

/// A plain `DELETE`.
async fn delete_plain(
    swift: &Swift,
    container: &str,
    object: &str,
    url: &str,
    what: &str,
) -> Result<(), StoreError> {
    let response = swift
        .send(Method::DELETE, container, Some(object), what, |r| r)
        .await?;
    match response.status() {
        StatusCode::NOT_FOUND => Err(StoreError::NotFound(url.to_owned())),
        code if code.is_success() => Ok(()),
        _ => Err(status(what, response).await),
    }
}
