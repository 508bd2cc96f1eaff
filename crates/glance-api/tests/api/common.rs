//! A real glance-api on an ephemeral loopback port, over a fresh SQLite file
//! and file store in a temporary directory.

#![allow(dead_code)]

use glance_api::service::ImageService;
use glance_api::settings::Settings;
use glance_api::stores::{StoreEntry, StoreMap};
use glance_api::{AppState, router};
use glance_auth::Policy;
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;

/// A running server and a client for it.
pub struct TestServer {
    pub base: String,
    pub client: Client,
    pub dir: tempfile::TempDir,
    pub datadir: PathBuf,
}

/// Identity headers of a project-scoped caller.
#[derive(Clone, Copy)]
pub enum Who<'a> {
    /// No identity headers: admin without project.
    Admin,
    /// A member of project `p`.
    Project(&'a str),
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(Settings::default()).await
    }

    pub async fn start_with(settings: Settings) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite:///{}", dir.path().join("glance.sqlite").display());
        let registry = glance_registry::connect(&db).await.unwrap();
        registry.migrate().await.unwrap();
        let datadir = dir.path().join("images");
        let store = glance_store::FileStore::new(&datadir).unwrap();
        let stores = StoreMap::single(
            vec![StoreEntry {
                id: "file".into(),
                store: Arc::new(store),
                description: None,
                weight: 0,
            }],
            "file".into(),
        );
        let service = ImageService::new(Arc::new(registry), stores, Policy::default(), settings);
        let state = AppState {
            images: Arc::new(service),
            auth: glance_api::auth::Auth::Headers,
        };
        Self {
            base: serve(state).await,
            client: Client::new(),
            dir,
            datadir,
        }
    }

    pub fn req(&self, method: Method, path: &str, who: Who) -> RequestBuilder {
        let rb = self.client.request(method, format!("{}{path}", self.base));
        match who {
            Who::Admin => rb,
            Who::Project(p) => rb
                .header("X-Project-Id", p)
                .header("X-User-Id", format!("user-{p}"))
                .header("X-Roles", "member,reader"),
        }
    }

    pub async fn create(&self, who: Who<'_>, body: Value) -> Value {
        let r = self
            .req(Method::POST, "/v2/images", who)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{:?}", r.text().await);
        r.json().await.unwrap()
    }

    /// Creates a bare qcow2 image and returns its id.
    pub async fn create_basic(&self, who: Who<'_>) -> String {
        let v = self
            .create(
                who,
                json!({"name": "img", "disk_format": "qcow2", "container_format": "bare"}),
            )
            .await;
        v["id"].as_str().unwrap().to_string()
    }

    pub async fn upload(&self, who: Who<'_>, id: &str, data: Vec<u8>) -> Response {
        self.req(Method::PUT, &format!("/v2/images/{id}/file"), who)
            .header("Content-Type", "application/octet-stream")
            .body(data)
            .send()
            .await
            .unwrap()
    }

    pub async fn show(&self, who: Who<'_>, id: &str) -> Response {
        self.req(Method::GET, &format!("/v2/images/{id}"), who)
            .send()
            .await
            .unwrap()
    }

    pub async fn show_json(&self, id: &str) -> Value {
        let r = self.show(Who::Admin, id).await;
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// Files in the image store directory (none should be partial leftovers).
    pub fn stored_files(&self) -> Vec<String> {
        std::fs::read_dir(&self.datadir)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Serves `state` on an ephemeral loopback port; returns its base URL.
pub async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router(state)).await.unwrap() });
    base
}

/// Builds the application from `config` (the composition root) and serves it.
pub async fn serve_config(config: &glance_config::ApiConfig) -> String {
    serve(glance_api::startup::build(config).await.unwrap()).await
}

pub fn md5_hex(data: &[u8]) -> String {
    use md5::Digest;
    hex(&md5::Md5::digest(data))
}

pub fn sha512_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha512::digest(data))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Deterministic test data.
pub fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}
