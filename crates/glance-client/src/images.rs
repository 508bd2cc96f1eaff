//! Images: create, show, list (client-side paging over `next` links),
//! update (JSON patch), delete, data upload/stage/import/download, actions,
//! tags and locations.

use std::fmt;

use bytes::Bytes;
use futures::stream::BoxStream;
use reqwest::Method;
use serde_json::{Value, json};
use url::Url;

use crate::http::header;
use crate::{Client, ClientError, Object};

/// Images per list request unless the caller says otherwise (glanceclient's
/// `DEFAULT_PAGE_SIZE`).
const DEFAULT_PAGE_SIZE: u32 = 200;
/// The media type of image updates.
const JSON_PATCH: &str = "application/openstack-images-v2.1-json-patch";

/// Image data being downloaded.
pub struct Download {
    /// The `Content-Length`, when the server sent one.
    pub size: Option<u64>,
    /// The `Content-MD5` header (hex MD5 of the data), which glanceclient
    /// checks the data against when the image has no checksum of its own.
    pub content_md5: Option<String>,
    /// The data, piece by piece as it arrives.
    pub stream: BoxStream<'static, Result<Bytes, ClientError>>,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("size", &self.size)
            .field("content_md5", &self.content_md5)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Lists images: `GET /v2/images?<query>&limit=<page size>`, following
    /// `next` links until there are none or `limit` images have been
    /// collected (`None` or `0`: no limit). `query` may repeat keys
    /// (`sort_key`, `tag`…); a `limit` in it is replaced. `page_size`
    /// defaults to 200; a page never asks for more than the images still
    /// wanted.
    pub async fn list_images(
        &self,
        query: &[(String, String)],
        page_size: Option<u32>,
        limit: Option<u64>,
    ) -> Result<Vec<Object>, ClientError> {
        let page_size = u64::from(page_size.filter(|&p| p > 0).unwrap_or(DEFAULT_PAGE_SIZE));
        let mut wanted = limit.filter(|&l| l > 0);
        let mut url = self.url(&["v2", "images"]);
        url.query_pairs_mut().extend_pairs(query);
        let mut images = Vec::new();
        loop {
            set_limit(&mut url, wanted.map_or(page_size, |w| w.min(page_size)));
            let mut page = self.object(self.request(Method::GET, url)).await?;
            let found = objects(page.remove("images"), "images")?;
            let empty = found.is_empty();
            for image in found {
                images.push(image);
                if let Some(w) = wanted.as_mut() {
                    *w -= 1;
                    if *w == 0 {
                        return Ok(images);
                    }
                }
            }
            match page.get("next").and_then(Value::as_str) {
                Some(next) if !empty => url = self.relative_url(next)?,
                _ => return Ok(images),
            }
        }
    }

    /// Shows an image: `GET /v2/images/{id}`.
    pub async fn get_image(&self, id: &str) -> Result<Object, ClientError> {
        self.object(self.request(Method::GET, self.url(&["v2", "images", id])))
            .await
    }

    /// Creates an image record: `POST /v2/images` with `body` (name, formats,
    /// visibility, extra properties…). Returns the new image.
    pub async fn create_image(&self, body: &Object) -> Result<Object, ClientError> {
        let request = self
            .request(Method::POST, self.url(&["v2", "images"]))
            .json(&Value::Object(body.clone()), "application/json");
        self.object(request).await
    }

    /// Updates an image: `PATCH /v2/images/{id}` with the JSON-patch
    /// operations `patch` (`{"op": "replace", "path": "/name", "value": …}`)
    /// as `application/openstack-images-v2.1-json-patch`. Returns the
    /// updated image.
    pub async fn update_image(&self, id: &str, patch: &[Value]) -> Result<Object, ClientError> {
        let request = self
            .request(Method::PATCH, self.url(&["v2", "images", id]))
            .json(&Value::Array(patch.to_vec()), JSON_PATCH);
        self.object(request).await
    }

    /// Deletes an image: `DELETE /v2/images/{id}`.
    pub async fn delete_image(&self, id: &str) -> Result<(), ClientError> {
        self.empty(self.request(Method::DELETE, self.url(&["v2", "images", id])))
            .await
    }

    /// Uploads image data: `PUT /v2/images/{id}/file`, streaming `body` as
    /// `application/octet-stream`, with `x-openstack-image-size` when `size`
    /// is known and `x-image-meta-store` when a `store` is named.
    pub async fn upload_image(
        &self,
        id: &str,
        body: reqwest::Body,
        size: Option<u64>,
        store: Option<&str>,
    ) -> Result<(), ClientError> {
        let url = self.url(&["v2", "images", id, "file"]);
        let mut request = self.data_request(url, body, size)?;
        if let Some(store) = store {
            request = request.header("x-image-meta-store", store)?;
        }
        self.empty(request).await
    }

    /// Stages image data for a later import: `PUT /v2/images/{id}/stage`,
    /// streamed like [`Client::upload_image`].
    pub async fn stage_image(
        &self,
        id: &str,
        body: reqwest::Body,
        size: Option<u64>,
    ) -> Result<(), ClientError> {
        let url = self.url(&["v2", "images", id, "stage"]);
        self.empty(self.data_request(url, body, size)?).await
    }

    /// Starts an import: `POST /v2/images/{id}/import` with `body`
    /// (`{"method": {"name": "glance-direct"}, "stores": […], …}`) and extra
    /// `headers` (e.g. `x-image-meta-store`).
    pub async fn import_image(
        &self,
        id: &str,
        body: &Value,
        headers: &[(String, String)],
    ) -> Result<(), ClientError> {
        let mut request = self
            .request(Method::POST, self.url(&["v2", "images", id, "import"]))
            .json(body, "application/json");
        for (name, value) in headers {
            request = request.header(name, value)?;
        }
        self.empty(request).await
    }

    /// Downloads image data: `GET /v2/images/{id}/file`, with
    /// `?prefer=<s1,s2…>` when `prefer` names stores to try first (the
    /// `--prefer` of `image-download`). `None` when the image has no data
    /// (204).
    pub async fn download_image(
        &self,
        id: &str,
        prefer: &[String],
    ) -> Result<Option<Download>, ClientError> {
        let mut url = self.url(&["v2", "images", id, "file"]);
        if !prefer.is_empty() {
            url.query_pairs_mut()
                .append_pair("prefer", &prefer.join(","));
        }
        let response = self
            .exchange(self.request(Method::GET, url).stream_response())
            .await?;
        if response.status() == reqwest::StatusCode::NO_CONTENT {
            return Ok(None);
        }
        Ok(Some(Download {
            size: header(&response, "content-length").and_then(|v| v.parse().ok()),
            content_md5: header(&response, "content-md5"),
            stream: self.http().body_stream(response),
        }))
    }

    /// Deactivates an image: `POST /v2/images/{id}/actions/deactivate`.
    pub async fn deactivate_image(&self, id: &str) -> Result<(), ClientError> {
        let url = self.url(&["v2", "images", id, "actions", "deactivate"]);
        self.empty(self.request(Method::POST, url)).await
    }

    /// Reactivates an image: `POST /v2/images/{id}/actions/reactivate`.
    pub async fn reactivate_image(&self, id: &str) -> Result<(), ClientError> {
        let url = self.url(&["v2", "images", id, "actions", "reactivate"]);
        self.empty(self.request(Method::POST, url)).await
    }

    /// Adds a tag: `PUT /v2/images/{id}/tags/{tag}` (the tag percent-encoded).
    pub async fn add_tag(&self, id: &str, tag: &str) -> Result<(), ClientError> {
        let url = self.url(&["v2", "images", id, "tags", tag]);
        self.empty(self.request(Method::PUT, url)).await
    }

    /// Removes a tag: `DELETE /v2/images/{id}/tags/{tag}`.
    pub async fn delete_tag(&self, id: &str, tag: &str) -> Result<(), ClientError> {
        let url = self.url(&["v2", "images", id, "tags", tag]);
        self.empty(self.request(Method::DELETE, url)).await
    }

    /// Adds a location: `POST /v2/images/{id}/locations` with `url` and
    /// `validation_data` (`{}` when not given, as glanceclient sends).
    pub async fn add_location(
        &self,
        id: &str,
        url: &str,
        validation_data: Option<&Value>,
    ) -> Result<(), ClientError> {
        let body = json!({
            "url": url,
            "validation_data": validation_data.cloned().unwrap_or_else(|| json!({})),
        });
        let request = self
            .request(Method::POST, self.url(&["v2", "images", id, "locations"]))
            .json(&body, "application/json");
        self.empty(request).await
    }

    /// Lists an image's locations: `GET /v2/images/{id}/locations`.
    pub async fn get_locations(&self, id: &str) -> Result<Vec<Object>, ClientError> {
        let request = self.request(Method::GET, self.url(&["v2", "images", id, "locations"]));
        objects(self.json(request).await?, "locations")
    }

    /// A streamed `PUT` of image data.
    fn data_request(
        &self,
        url: Url,
        body: reqwest::Body,
        size: Option<u64>,
    ) -> Result<crate::http::Request, ClientError> {
        let request = self.request(Method::PUT, url).stream(body);
        match size {
            Some(size) => request.header("x-openstack-image-size", &size.to_string()),
            None => Ok(request),
        }
    }
}

/// Sets (or replaces) the `limit` query parameter.
fn set_limit(url: &mut Url, limit: u64) {
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "limit")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("limit", &limit.to_string());
}

/// A JSON array of objects (`what` names it in errors); nothing for `None`.
pub(crate) fn objects(value: Option<Value>, what: &str) -> Result<Vec<Object>, ClientError> {
    let invalid = || ClientError::Invalid(format!("expected a list of objects as '{what}'"));
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::Object(map) => Ok(map),
                _ => Err(invalid()),
            })
            .collect(),
        Some(_) => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_replaced_not_repeated() {
        let mut url = Url::parse("http://h/v2/images?limit=200&sort_key=name&sort_key=id").unwrap();
        set_limit(&mut url, 3);
        assert_eq!(url.query(), Some("sort_key=name&sort_key=id&limit=3"));
    }

    #[test]
    fn objects_accepts_only_lists_of_objects() {
        assert_eq!(objects(None, "x").unwrap().len(), 0);
        assert_eq!(objects(Some(json!([{"a": 1}])), "x").unwrap().len(), 1);
        assert!(objects(Some(json!([1])), "x").is_err());
        assert!(objects(Some(json!({})), "x").is_err());
    }
}
