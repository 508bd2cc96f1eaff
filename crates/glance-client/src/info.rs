//! Discovery documents (`/v2/info/*`), per-store deletion and schemas.

use reqwest::Method;
use serde_json::Value;

use crate::{Client, ClientError, Object};

impl Client {
    /// The import methods the server offers: `GET /v2/info/import`
    /// (`{"import-methods": {…}}`).
    pub async fn import_info(&self) -> Result<Object, ClientError> {
        let url = self.url(&["v2", "info", "import"]);
        self.object(self.request(Method::GET, url)).await
    }

    /// The stores: `GET /v2/info/stores`, or `/v2/info/stores/detail` with
    /// `detail` (`{"stores": […]}`).
    pub async fn stores_info(&self, detail: bool) -> Result<Object, ClientError> {
        let url = if detail {
            self.url(&["v2", "info", "stores", "detail"])
        } else {
            self.url(&["v2", "info", "stores"])
        };
        self.object(self.request(Method::GET, url)).await
    }

    /// The caller's quota usage: `GET /v2/info/usage`, the whole document
    /// (`{"usage": {"image_count_total": {"limit": …, "usage": …}, …}}`).
    pub async fn usage(&self) -> Result<Object, ClientError> {
        let url = self.url(&["v2", "info", "usage"]);
        self.object(self.request(Method::GET, url)).await
    }

    /// Deletes an image's data from one store:
    /// `DELETE /v2/stores/{store}/{image_id}`.
    pub async fn delete_from_store(&self, store: &str, image_id: &str) -> Result<(), ClientError> {
        let url = self.url(&["v2", "stores", store, image_id]);
        self.empty(self.request(Method::DELETE, url)).await
    }

    /// A JSON schema: `GET /v2/schemas/{name}` (`image`, `images`, `member`,
    /// `metadefs/namespace`…; each `/`-separated part is encoded).
    pub async fn schema(&self, name: &str) -> Result<Value, ClientError> {
        let mut segments = vec!["v2", "schemas"];
        segments.extend(name.split('/'));
        let request = self.request(Method::GET, self.url(&segments));
        let what = request.describe();
        self.json(request)
            .await?
            .ok_or_else(|| ClientError::Invalid(format!("no schema in the response to {what}")))
    }
}
