//! Direct access to the Swift test server's account (the SAIO, tempauth):
//! to check what a store did, and to remove test containers with whatever
//! is in them when a test ends.

use crate::cleanup::OnDrop;
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

/// A logged-in session on the test account. Every failure panics (a test
/// helper).
#[derive(Clone)]
pub struct Saio {
    /// The HTTP client.
    pub http: reqwest::Client,
    /// The tempauth token.
    pub token: String,
    /// The account's storage URL.
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

    /// The URL of `path` (a container or `container/object`) in the account.
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

    /// `HEAD` of a container or object.
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

    /// Deletes every object in `container`, then the container; a container
    /// that is not there is fine. Retries while a lagging listing leaves the
    /// container not empty (409).
    pub async fn purge(&self, container: &str) {
        for _ in 0..20 {
            for name in self.list(container).await {
                self.delete(&format!("{container}/{name}")).await;
            }
            if self.delete(container).await != reqwest::StatusCode::CONFLICT {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!("container {container} stays not empty");
    }

    /// `DELETE` of a container or object: its status, which must be a
    /// success, 404 or (a container not empty) 409.
    async fn delete(&self, path: &str) -> reqwest::StatusCode {
        let response = self
            .http
            .delete(self.url(path))
            .header("X-Auth-Token", &self.token)
            .send()
            .await
            .expect("DELETE");
        let status = response.status();
        assert!(
            status.is_success()
                || status == reqwest::StatusCode::NOT_FOUND
                || status == reqwest::StatusCode::CONFLICT,
            "DELETE {path}: {status}"
        );
        status
    }
}

/// A guard that logs in and [purges](Saio::purge) `containers` when
/// dropped, also when the test fails.
pub fn purge_on_drop(containers: Vec<String>) -> OnDrop {
    OnDrop::new(move || async move {
        let saio = Saio::login().await;
        for container in &containers {
            saio.purge(container).await;
        }
    })
}
