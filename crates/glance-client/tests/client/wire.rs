//! The wire format of the calls glance-api does not serve yet (staging,
//! import, info, tasks, cache, locations, per-store deletion), checked
//! against a small HTTP server that records requests and answers as
//! upstream Glance documents.

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use glance_client::Client;
use serde_json::{Value, json};

use crate::common::{object, token_config};

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    uri: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

type Log = Arc<Mutex<Vec<Seen>>>;

async fn record(State(log): State<Log>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let uri = parts.uri.to_string();
    let method = parts.method.to_string();
    log.lock().unwrap().push(Seen {
        method: method.clone(),
        uri: uri.clone(),
        headers: parts.headers,
        body: body.to_vec(),
    });
    let reply = |status: StatusCode, value: Value| (status, axum::Json(value)).into_response();
    match (method.as_str(), uri.as_str()) {
        ("GET", "/v2/tasks?status=success&limit=1") => reply(
            StatusCode::OK,
            json!({"tasks": [{"id": "t1"}], "next": "/v2/tasks?status=success&limit=1&marker=t1"}),
        ),
        ("GET", "/v2/tasks?status=success&limit=1&marker=t1") => {
            reply(StatusCode::OK, json!({"tasks": [{"id": "t2"}]}))
        }
        ("GET", "/v2/tasks/t1") => reply(StatusCode::OK, json!({"id": "t1", "type": "import"})),
        ("POST", "/v2/tasks") => reply(
            StatusCode::CREATED,
            json!({"id": "t3", "status": "pending"}),
        ),
        ("GET", "/v2/info/import") => reply(
            StatusCode::OK,
            json!({"import-methods": {"type": "array", "value": ["glance-direct"]}}),
        ),
        ("GET", "/v2/info/stores/detail") => reply(StatusCode::OK, json!({"stores": []})),
        ("GET", "/v2/info/usage") => reply(
            StatusCode::OK,
            json!({"usage": {"image_count_total": {"limit": 10, "usage": 1}}}),
        ),
        ("GET", "/v2/images/i1/locations") => reply(
            StatusCode::OK,
            json!([{"url": "file:///x", "metadata": {}}]),
        ),
        ("GET", "/v2/images/i1/tasks") => reply(StatusCode::OK, json!({"tasks": []})),
        ("GET", "/v2/cache") => reply(
            StatusCode::OK,
            json!({"cached_images": [], "queued_images": ["i1"]}),
        ),
        ("POST", "/v2/images/i1/import") => StatusCode::ACCEPTED.into_response(),
        _ => StatusCode::NO_CONTENT.into_response(),
    }
}

/// A recording server and a client with token `tok` for it.
async fn recorder() -> (Client, Log) {
    let log = Log::default();
    let app = axum::Router::new().fallback(record).with_state(log.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v2", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (
        Client::connect(token_config("tok", &base)).await.unwrap(),
        log,
    )
}

fn last(log: &Log) -> Seen {
    log.lock().unwrap().last().unwrap().clone()
}

#[tokio::test]
async fn staging_and_import() {
    let (client, log) = recorder().await;
    client
        .stage_image("i1", reqwest::Body::from("hello"), Some(5))
        .await
        .unwrap();
    let seen = last(&log);
    assert_eq!(
        (seen.method.as_str(), seen.uri.as_str()),
        ("PUT", "/v2/images/i1/stage")
    );
    assert_eq!(
        seen.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(seen.header("x-openstack-image-size"), Some("5"));
    assert_eq!(seen.header("x-auth-token"), Some("tok"));
    assert_eq!(seen.body, b"hello");

    let body = json!({"method": {"name": "glance-direct"}, "stores": ["fast"],
                      "all_stores_must_succeed": false});
    let headers = [("x-image-meta-store".to_owned(), "fast".to_owned())];
    client.import_image("i1", &body, &headers).await.unwrap();
    let seen = last(&log);
    assert_eq!(
        (seen.method.as_str(), seen.uri.as_str()),
        ("POST", "/v2/images/i1/import")
    );
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.header("x-image-meta-store"), Some("fast"));
    assert_eq!(seen.json(), body);

    client
        .upload_image("i1", reqwest::Body::from("x"), None, Some("slow"))
        .await
        .unwrap();
    let seen = last(&log);
    assert_eq!(seen.uri, "/v2/images/i1/file");
    assert_eq!(seen.header("x-image-meta-store"), Some("slow"));
    assert_eq!(seen.header("x-openstack-image-size"), None);

    client.add_location("i1", "file:///x", None).await.unwrap();
    let seen = last(&log);
    assert_eq!(
        (seen.method.as_str(), seen.uri.as_str()),
        ("POST", "/v2/images/i1/locations")
    );
    assert_eq!(
        seen.json(),
        json!({"url": "file:///x", "validation_data": {}})
    );
    let prefer = ["fast".to_owned(), "slow".to_owned()];
    assert!(
        client
            .download_image("i1", &prefer)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(last(&log).uri, "/v2/images/i1/file?prefer=fast%2Cslow");
    let locations = client.get_locations("i1").await.unwrap();
    assert_eq!(locations[0]["url"], "file:///x");
}

#[tokio::test]
async fn info_tasks_and_cache() {
    let (client, log) = recorder().await;
    assert!(client.import_info().await.unwrap()["import-methods"].is_object());
    assert!(client.stores_info(true).await.unwrap()["stores"].is_array());
    assert_eq!(
        client.usage().await.unwrap()["usage"]["image_count_total"]["limit"],
        10
    );
    client.delete_from_store("fast", "i1").await.unwrap();
    let seen = last(&log);
    assert_eq!(
        (seen.method.as_str(), seen.uri.as_str()),
        ("DELETE", "/v2/stores/fast/i1")
    );

    let filter = [("status".to_owned(), "success".to_owned())];
    let tasks = client.list_tasks(&filter, Some(1)).await.unwrap();
    let ids: Vec<&str> = tasks.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["t1", "t2"]);
    assert_eq!(client.get_task("t1").await.unwrap()["type"], "import");
    let task = client
        .create_task(&object(json!({"type": "import", "input": {}})))
        .await
        .unwrap();
    assert_eq!(task["id"], "t3");
    assert_eq!(last(&log).json(), json!({"type": "import", "input": {}}));
    assert!(client.image_tasks("i1").await.unwrap()["tasks"].is_array());

    assert_eq!(
        client.cache_list().await.unwrap()["queued_images"],
        json!(["i1"])
    );
    client.cache_queue("i1").await.unwrap();
    assert_eq!(last(&log).method, "PUT");
    client.cache_delete("i1").await.unwrap();
    assert_eq!(
        (last(&log).method.as_str(), last(&log).uri.as_str()),
        ("DELETE", "/v2/cache/i1")
    );
    client.cache_clear(Some("queue")).await.unwrap();
    assert_eq!(
        last(&log).header("x-image-cache-clear-target"),
        Some("queue")
    );
    client.cache_clear(Some("both")).await.unwrap();
    assert_eq!(last(&log).header("x-image-cache-clear-target"), None);
    assert_eq!(last(&log).uri, "/v2/cache");
}
