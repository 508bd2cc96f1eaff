//! The image cache of one API node (`/v2/cache`); meant for a node's own
//! URL, not a load-balanced or catalog endpoint.

use reqwest::Method;

use crate::{Client, ClientError, Object};

impl Client {
    /// The cached and queued images: `GET /v2/cache`
    /// (`{"cached_images": […], "queued_images": […]}`).
    pub async fn cache_list(&self) -> Result<Object, ClientError> {
        self.object(self.request(Method::GET, self.url(&["v2", "cache"])))
            .await
    }

    /// Queues an image for caching: `PUT /v2/cache/{image_id}`.
    pub async fn cache_queue(&self, image_id: &str) -> Result<(), ClientError> {
        let url = self.url(&["v2", "cache", image_id]);
        self.empty(self.request(Method::PUT, url)).await
    }

    /// Removes an image from the cache: `DELETE /v2/cache/{image_id}`.
    pub async fn cache_delete(&self, image_id: &str) -> Result<(), ClientError> {
        let url = self.url(&["v2", "cache", image_id]);
        self.empty(self.request(Method::DELETE, url)).await
    }

    /// Empties the cache: `DELETE /v2/cache`, with
    /// `x-image-cache-clear-target: cache|queue` for one part only (`None`
    /// or `both`: everything, no header, as glanceclient does).
    pub async fn cache_clear(&self, target: Option<&str>) -> Result<(), ClientError> {
        let mut request = self.request(Method::DELETE, self.url(&["v2", "cache"]));
        if let Some(target) = target.filter(|t| *t != "both") {
            request = request.header("x-image-cache-clear-target", target)?;
        }
        self.empty(request).await
    }
}
