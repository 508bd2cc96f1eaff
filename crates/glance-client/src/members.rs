//! Image members: the projects an image is shared with, and their
//! acceptance status.

use reqwest::Method;
use serde_json::json;

use crate::images::objects;
use crate::{Client, ClientError, Object};

impl Client {
    /// Lists an image's members: `GET /v2/images/{image_id}/members`.
    pub async fn list_members(&self, image_id: &str) -> Result<Vec<Object>, ClientError> {
        let url = self.url(&["v2", "images", image_id, "members"]);
        let mut body = self.object(self.request(Method::GET, url)).await?;
        objects(body.remove("members"), "members")
    }

    /// Shares an image with a project: `POST /v2/images/{image_id}/members`
    /// with `{"member": member_id}`. Returns the member (status `pending`).
    pub async fn create_member(
        &self,
        image_id: &str,
        member_id: &str,
    ) -> Result<Object, ClientError> {
        let url = self.url(&["v2", "images", image_id, "members"]);
        let request = self
            .request(Method::POST, url)
            .json(&json!({ "member": member_id }), "application/json");
        self.object(request).await
    }

    /// Shows one member: `GET /v2/images/{image_id}/members/{member_id}`.
    pub async fn get_member(&self, image_id: &str, member_id: &str) -> Result<Object, ClientError> {
        let url = self.url(&["v2", "images", image_id, "members", member_id]);
        self.object(self.request(Method::GET, url)).await
    }

    /// Sets a member's status (`accepted`, `rejected`, `pending`):
    /// `PUT /v2/images/{image_id}/members/{member_id}` with `{"status": …}`.
    pub async fn update_member(
        &self,
        image_id: &str,
        member_id: &str,
        status: &str,
    ) -> Result<Object, ClientError> {
        let url = self.url(&["v2", "images", image_id, "members", member_id]);
        let request = self
            .request(Method::PUT, url)
            .json(&json!({ "status": status }), "application/json");
        self.object(request).await
    }

    /// Stops sharing an image with a project:
    /// `DELETE /v2/images/{image_id}/members/{member_id}`.
    pub async fn delete_member(&self, image_id: &str, member_id: &str) -> Result<(), ClientError> {
        let url = self.url(&["v2", "images", image_id, "members", member_id]);
        self.empty(self.request(Method::DELETE, url)).await
    }
}
