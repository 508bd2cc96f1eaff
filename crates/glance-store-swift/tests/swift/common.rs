//! Shared test helpers: the SAIO's address and credentials (from the
//! environment, defaulting to the running server), direct Swift access to
//! inspect and clean containers, and stores built through `from_config`.

use glance_config::ConfigFile;
use glance_store_swift::SwiftStore;
use std::time::Duration;

/// `GLANCE_TEST_SWIFT_AUTH_URL`, `_USER`, `_KEY`, defaulting to the SAIO.
pub fn credentials() -> (String, String, String) {
    let var =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    (
        var(
            "GLANCE_TEST_SWIFT_AUTH_URL",
            "http://127.0.0.1:8080/auth/v1.0",
        ),
        var("GLANCE_TEST_SWIFT_USER", "glance:glance"),
        var("GLANCE_TEST_SWIFT_KEY", "glancepass"),
    )
}

/// A fresh container name.
pub fn random_container() -> String {
    format!("glance-rs-test-{}", uuid::Uuid::new_v4().simple())
}

/// The `[glance_store]` options for tempauth against the SAIO, plus `extra`.
pub fn tempauth_config(extra: &str) -> String {
    let (auth, user, key) = credentials();
    format!(
        "[glance_store]\nswift_store_auth_version = 1\nswift_store_auth_address = {auth}\n\
         swift_store_user = {user}\nswift_store_key = {key}\n{extra}\n"
    )
}

/// Builds a store from INI text, as glance-api would.
pub async fn store_from(ini: &str, section: &str) -> SwiftStore {
    let config = ConfigFile::parse(ini, "test").expect("test config parses");
    match SwiftStore::from_config(&config, section).await {
        Ok(store) => store,
        Err(e) => panic!("from_config failed: {e}"),
    }
}

/// A store on the SAIO with its own container (created on put) and 1 "MB"
/// large objects, so multi-MiB images become SLOs; its container is
/// purged when the fixture is dropped.
pub struct Fixture {
    pub store: SwiftStore,
    pub saio: Saio,
    pub container: String,
}

impl Fixture {
    pub async fn new(extra: &str) -> Fixture {
        let container = random_container();
        let ini = tempauth_config(&format!(
            "swift_store_container = {container}\nswift_store_create_container_on_put = true\n\
             swift_store_large_object_size = 1\nswift_store_large_object_chunk_size = 1\n{extra}"
        ));
        Fixture {
            store: store_from(&ini, "glance_store").await,
            saio: Saio::login().await,
            container,
        }
    }
}

impl std::ops::Deref for Fixture {
    type Target = SwiftStore;
    fn deref(&self) -> &SwiftStore {
        &self.store
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let saio = self.saio.clone();
        let container = self.container.clone();
        // Drop runs inside the test's runtime; clean up from a thread of our own.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("cleanup runtime");
            runtime.block_on(saio.purge(&container));
        });
        let _ = cleanup.join();
    }
}

/// Direct access to the SAIO account, for inspecting what the store did.
#[derive(Clone)]
pub struct Saio {
    pub http: reqwest::Client,
    pub token: String,
    pub storage_url: String,
}

impl Saio {
    /// Logs in with tempauth; panics (fails the test) if the SAIO is not there.
    pub async fn login() -> Saio {
        let (auth, user, key) = credentials();
        let http = reqwest::Client::new();
        let response = http
            .get(&auth)
            .header("X-Auth-User", &user)
            .header("X-Auth-Key", &key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("the Swift server at {auth} is unreachable: {e}"));
        assert!(
            response.status().is_success(),
            "tempauth login: {}",
            response.status()
        );
        let header = |name: &str| {
            response.headers()[name]
                .to_str()
                .expect("ASCII header")
                .to_owned()
        };
        Saio {
            token: header("X-Auth-Token"),
            storage_url: header("X-Storage-Url"),
            http,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.storage_url)
    }

    /// Object names in `container` (empty if it does not exist).
    pub async fn list(&self, container: &str) -> Vec<String> {
        let response = self
            .http
            .get(self.url(container))
            .query(&[("format", "json")])
            .header("X-Auth-Token", &self.token)
            .send()
            .await
            .expect("listing");
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Vec::new();
        }
        assert!(
            response.status().is_success(),
            "listing {container}: {}",
            response.status()
        );
        let listed: Vec<serde_json::Value> = response.json().await.expect("listing JSON");
        listed
            .iter()
            .map(|o| o["name"].as_str().expect("name").to_owned())
            .collect()
    }

    /// Lists `container` until `done` holds (up to 10 s); returns the last listing.
    pub async fn wait_for(&self, container: &str, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let mut names = self.list(container).await;
        for _ in 0..100 {
            if done(&names) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            names = self.list(container).await;
        }
        names
    }

    /// `HEAD` of an object: status and headers.
    pub async fn head(&self, path: &str) -> reqwest::Response {
        self.http
            .head(self.url(path))
            .header("X-Auth-Token", &self.token)
            .send()
            .await
            .expect("HEAD")
    }

    /// `PUT` of a container or object, with extra headers; asserts success.
    pub async fn put(&self, path: &str, body: &'static [u8], headers: &[(&str, &str)]) {
        let mut request = self
            .http
            .put(self.url(path))
            .header("X-Auth-Token", &self.token)
            .header(reqwest::header::CONTENT_LENGTH, body.len())
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("PUT");
        assert!(
            response.status().is_success(),
            "PUT {path}: {}",
            response.status()
        );
    }

    /// Deletes every object in `container`, then the container.
    pub async fn purge(&self, container: &str) {
        for name in self.list(container).await {
            let _ = self
                .http
                .delete(self.url(&format!("{container}/{name}")))
                .header("X-Auth-Token", &self.token)
                .send()
                .await;
        }
        let _ = self
            .http
            .delete(self.url(container))
            .header("X-Auth-Token", &self.token)
            .send()
            .await;
    }
}
