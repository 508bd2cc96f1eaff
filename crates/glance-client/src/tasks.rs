//! Tasks (the legacy asynchronous operations API), and the tasks of an image.

use reqwest::Method;
use serde_json::Value;

use crate::images::objects;
use crate::{Client, ClientError, Object};

/// Tasks per list request unless the caller says otherwise (glanceclient's).
const DEFAULT_PAGE_SIZE: u32 = 20;

impl Client {
    /// Lists tasks: `GET /v2/tasks?<query>&limit=<page size>` (default 20),
    /// following `next` links to the end. `query` holds filters and sorting
    /// (`type`, `status`, `sort_key`, `sort_dir`).
    pub async fn list_tasks(
        &self,
        query: &[(String, String)],
        page_size: Option<u32>,
    ) -> Result<Vec<Object>, ClientError> {
        let page_size = page_size.filter(|&p| p > 0).unwrap_or(DEFAULT_PAGE_SIZE);
        let mut url = self.url(&["v2", "tasks"]);
        url.query_pairs_mut()
            .extend_pairs(query)
            .append_pair("limit", &page_size.to_string());
        let mut tasks = Vec::new();
        loop {
            let mut page = self.object(self.request(Method::GET, url)).await?;
            let found = objects(page.remove("tasks"), "tasks")?;
            let empty = found.is_empty();
            tasks.extend(found);
            match page.get("next").and_then(Value::as_str) {
                Some(next) if !empty => url = self.relative_url(next)?,
                _ => return Ok(tasks),
            }
        }
    }

    /// Shows a task: `GET /v2/tasks/{id}`.
    pub async fn get_task(&self, id: &str) -> Result<Object, ClientError> {
        self.object(self.request(Method::GET, self.url(&["v2", "tasks", id])))
            .await
    }

    /// Creates a task: `POST /v2/tasks` with `body` (`{"type": "import",
    /// "input": {…}}`). Returns the task.
    pub async fn create_task(&self, body: &Object) -> Result<Object, ClientError> {
        let request = self
            .request(Method::POST, self.url(&["v2", "tasks"]))
            .json(&Value::Object(body.clone()), "application/json");
        self.object(request).await
    }

    /// The tasks that worked on an image: `GET /v2/images/{image_id}/tasks`
    /// (`{"tasks": […]}`).
    pub async fn image_tasks(&self, image_id: &str) -> Result<Object, ClientError> {
        let url = self.url(&["v2", "images", image_id, "tasks"]);
        self.object(self.request(Method::GET, url)).await
    }
}
