//! Auth paths the SAIO cannot show by itself, through small in-process
//! auth servers on real sockets: a Keystone v3 stand-in whose token and
//! catalog lead to the SAIO (the token is a real tempauth one), and a v1
//! stand-in that first hands out a revoked token.

use crate::common::{Saio, scratch_container, store_from};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use glance_store::conformance::{chunked, get_all, new_id};
use glance_store::{Store, StoreError};
use glance_test_support::http::serve;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// What a stand-in hands out and what it was asked.
struct Standin {
    /// Tokens to issue, in order; the last one repeats.
    tokens: Vec<String>,
    storage_url: String,
    /// Token requests received (their JSON bodies for v3, headers for v1).
    requests: Mutex<Vec<Value>>,
    /// Seconds until tokens expire.
    lifetime: i64,
}

impl Standin {
    fn next_token(&self, request: Value) -> String {
        let mut requests = self.requests.lock().unwrap();
        requests.push(request);
        let at = (requests.len() - 1).min(self.tokens.len() - 1);
        self.tokens[at].clone()
    }

    fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

/// `POST /v3/auth/tokens`: a token plus a catalog in which only the
/// internal object-store endpoint of RegionTwo is the SAIO.
async fn keystone_tokens(
    State(standin): State<Arc<Standin>>,
    Json(body): Json<Value>,
) -> impl IntoResponse {
    let token = standin.next_token(body);
    let expires = chrono::Utc::now() + chrono::Duration::seconds(standin.lifetime);
    let bogus = "http://127.0.0.1:9/v1/AUTH_wrong";
    let catalog = json!([
        {"type": "image", "endpoints": [
            {"interface": "internal", "region": "RegionTwo", "region_id": "RegionTwo", "url": bogus}
        ]},
        {"type": "object-store", "endpoints": [
            {"interface": "public", "region": "RegionTwo", "region_id": "RegionTwo", "url": bogus},
            {"interface": "internal", "region": "RegionOne", "region_id": "RegionOne", "url": bogus},
            {"interface": "internal", "region": "RegionTwo", "region_id": "RegionTwo",
             "url": standin.storage_url},
        ]},
    ]);
    let body = json!({"token": {
        "expires_at": expires.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "catalog": catalog,
    }});
    (
        StatusCode::CREATED,
        [("X-Subject-Token", token)],
        Json(body),
    )
}

/// `GET /auth/v1.0`: tempauth's answer, with the next token.
async fn tempauth(State(standin): State<Arc<Standin>>, headers: HeaderMap) -> impl IntoResponse {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let token = standin.next_token(json!({
        "user": header("X-Auth-User"),
        "key": header("X-Auth-Key"),
    }));
    (
        StatusCode::OK,
        [
            ("X-Auth-Token", token),
            ("X-Storage-Url", standin.storage_url.clone()),
            ("X-Auth-Token-Expires", "3600".to_owned()),
        ],
    )
}

async fn keystone(
    tokens: Vec<String>,
    storage_url: String,
    lifetime: i64,
) -> (Arc<Standin>, String) {
    let standin = Arc::new(Standin {
        tokens,
        storage_url,
        requests: Mutex::new(Vec::new()),
        lifetime,
    });
    let router = Router::new()
        .route("/v3/auth/tokens", post(keystone_tokens))
        .with_state(standin.clone());
    (standin, serve(router).await)
}

async fn v1(tokens: Vec<String>, storage_url: String) -> (Arc<Standin>, String) {
    let standin = Arc::new(Standin {
        tokens,
        storage_url,
        requests: Mutex::new(Vec::new()),
        lifetime: 3600,
    });
    let router = Router::new()
        .route("/auth/v1.0", get(tempauth))
        .with_state(standin.clone());
    (standin, serve(router).await)
}

fn keystone_config(address: &str, container: &str, extra: &str) -> String {
    format!(
        "[swift_v3]\nswift_store_auth_address = {address}/v3\n\
         swift_store_user = images:glance\nswift_store_key = s3cret\n\
         swift_store_user_domain_id = users\nswift_store_project_domain_id = projects\n\
         swift_store_region = RegionTwo\nswift_store_endpoint_type = internalURL\n\
         swift_store_container = {container}\nswift_store_create_container_on_put = true\n{extra}"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keystone_v3_token_and_catalog_lead_to_the_object_store() {
    let saio = Saio::login().await;
    let (standin, address) =
        keystone(vec![saio.token.clone()], saio.storage_url.clone(), 3600).await;
    let (container, _purge) = scratch_container();
    let store = store_from(&keystone_config(&address, &container, ""), "swift_v3").await;

    let id = new_id();
    let stored = store
        .put(&id, chunked(b"through keystone"), None)
        .await
        .unwrap();
    let host = address.trim_start_matches("http://");
    assert_eq!(
        stored.url,
        format!("swift+http://images%3Aglance:s3cret@{host}/v3/{container}/{id}")
    );
    assert!(
        saio.list(&container).await.contains(&id),
        "object not in the SAIO container"
    );
    assert_eq!(
        get_all(&store, &stored.url, None).await,
        b"through keystone"
    );
    store.delete(&stored.url).await.unwrap();

    let requests = standin.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1, "the token is cached");
    assert_eq!(
        requests[0],
        json!({"auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {
                    "name": "glance", "domain": {"id": "users"}, "password": "s3cret"
                }}
            },
            "scope": {"project": {"name": "images", "domain": {"id": "projects"}}}
        }})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keystone_token_about_to_expire_is_renewed_before_use() {
    let saio = Saio::login().await;
    // Valid for 30 s, inside the default 60 s renewal window.
    let (standin, address) = keystone(vec![saio.token.clone()], saio.storage_url.clone(), 30).await;
    let (container, _purge) = scratch_container();
    let store = store_from(&keystone_config(&address, &container, ""), "swift_v3").await;
    let stored = store.put("x", chunked(b"x"), None).await.unwrap();
    let after_put = standin.count();
    store.delete(&stored.url).await.unwrap();
    assert!(
        standin.count() > after_put,
        "no renewal for an expiring token"
    );

    // With no renewal window the same token is used throughout.
    let (standin, address) = keystone(vec![saio.token.clone()], saio.storage_url.clone(), 30).await;
    let config = keystone_config(
        &address,
        &container,
        "swift_store_expire_soon_interval = 0\n",
    );
    let store = store_from(&config, "swift_v3").await;
    let stored = store.put("x", chunked(b"x"), None).await.unwrap();
    store.delete(&stored.url).await.unwrap();
    assert_eq!(standin.count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_catalog_endpoint_is_unavailable() {
    let saio = Saio::login().await;
    let (_standin, address) =
        keystone(vec![saio.token.clone()], saio.storage_url.clone(), 3600).await;
    let config = keystone_config(&address, "glance", "swift_store_region = RegionNine\n");
    let store = store_from(&config, "swift_v3").await;
    match store.put("x", chunked(b"x"), None).await {
        Err(StoreError::Unavailable(message)) => {
            assert!(message.contains("RegionNine"), "{message}")
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

fn v1_config(address: &str, container: &str) -> String {
    format!(
        "[glance_store]\nswift_store_auth_version = 1\nswift_store_auth_address = {address}/auth/v1.0\n\
         swift_store_user = glance:glance\nswift_store_key = anything\n\
         swift_store_container = {container}\nswift_store_create_container_on_put = true\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_token_is_renewed_once() {
    let saio = Saio::login().await;
    let revoked = "AUTH_tk00000000000000000000000000000000".to_owned();
    let (standin, address) = v1(
        vec![revoked.clone(), saio.token.clone()],
        saio.storage_url.clone(),
    )
    .await;
    let (container, _purge) = scratch_container();
    let store = store_from(&v1_config(&address, &container), "glance_store").await;
    let stored = store.put("img", chunked(b"renewed"), None).await.unwrap();
    assert_eq!(standin.count(), 2, "one login, one renewal after the 401");
    assert_eq!(get_all(&store, &stored.url, None).await, b"renewed");
    store.delete(&stored.url).await.unwrap();
    assert_eq!(standin.count(), 2, "the renewed token is kept");
    assert_eq!(
        standin.requests.lock().unwrap()[0],
        json!({"user": "glance:glance", "key": "anything"})
    );

    // A token refused again after the renewal is not retried forever.
    let (standin, address) = v1(vec![revoked], saio.storage_url.clone()).await;
    let store = store_from(&v1_config(&address, &container), "glance_store").await;
    let host = address.trim_start_matches("http://");
    let url = format!("swift+http://glance%3Aglance:anything@{host}/auth/v1.0/{container}/img");
    match store.get(&url, None).await {
        Err(StoreError::Unavailable(message)) => assert!(message.contains("401"), "{message}"),
        Err(e) => panic!("expected Unavailable, got {e:?}"),
        Ok(_) => panic!("expected Unavailable, got a stream"),
    }
    assert_eq!(standin.count(), 2, "exactly one renewal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_file_reference_can_name_keystone_domains() {
    let saio = Saio::login().await;
    let (standin, address) =
        keystone(vec![saio.token.clone()], saio.storage_url.clone(), 3600).await;
    let path = std::env::temp_dir().join(format!("glance-swift-{}.conf", uuid::Uuid::new_v4()));
    std::fs::write(
        &path,
        format!(
            "[ref1]\nuser = images:glance\nkey = s3cret\nauth_address = {address}/v3\n\
             user_domain_name = Users\n"
        ),
    )
    .unwrap();
    let (container, _purge) = scratch_container();
    let ini = format!(
        "[glance_store]\nswift_store_config_file = {}\nswift_store_region = RegionTwo\n\
         swift_store_endpoint_type = internalURL\nswift_store_container = {container}\n\
         swift_store_create_container_on_put = true\n",
        path.display()
    );
    let store = store_from(&ini, "glance_store").await;
    std::fs::remove_file(&path).unwrap();
    let stored = store.put("img", chunked(b"named"), None).await.unwrap();
    assert_eq!(stored.url, format!("swift+config://ref1/{container}/img"));
    store.delete(&stored.url).await.unwrap();
    let request = standin.requests.lock().unwrap()[0].clone();
    assert_eq!(
        request["auth"]["identity"]["password"]["user"]["domain"],
        json!({"name": "Users"})
    );
    assert_eq!(
        request["auth"]["scope"]["project"]["domain"],
        json!({"id": "default"})
    );
}
