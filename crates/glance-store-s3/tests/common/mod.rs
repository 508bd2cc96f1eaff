//! Shared test setup: the servers (from the environment, defaulting to the
//! ones running on this machine), stores built through `from_config`, and
//! direct S3 access to inspect and clean up the random test buckets.
//!
//! Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use glance_config::ConfigFile;
use glance_store_s3::S3Store;
use rusty_s3::actions::{
    AbortMultipartUpload, DeleteBucket, DeleteObject, HeadBucket, HeadObject, ListObjectsV2,
};
use rusty_s3::{Bucket, Credentials, Method, S3Action, UrlStyle};
use std::sync::Arc;
use std::time::Duration;

/// How long presigned test requests stay valid.
const SIGNED_FOR: Duration = Duration::from_secs(600);

/// An S3 server to test against.
#[derive(Debug, Clone)]
pub struct Server {
    /// `http://host:port`.
    pub url: String,
    pub access_key: String,
    pub secret_key: String,
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn server(url_var: &str, default_url: &str) -> Server {
    Server {
        url: env_or(url_var, default_url),
        access_key: env_or("GLANCE_TEST_S3_ACCESS_KEY", "glance"),
        secret_key: env_or("GLANCE_TEST_S3_SECRET_KEY", "glancesecret"),
    }
}

/// Ceph RGW (`GLANCE_TEST_S3_RGW_URL`).
pub fn rgw() -> Server {
    server("GLANCE_TEST_S3_RGW_URL", "http://127.0.0.1:7480")
}

/// s3s-fs (`GLANCE_TEST_S3S_URL`).
pub fn s3s() -> Server {
    server("GLANCE_TEST_S3S_URL", "http://127.0.0.1:8014")
}

/// A bucket name no other test uses.
pub fn random_bucket() -> String {
    format!("glance-s3-test-{}", uuid::Uuid::new_v4().simple())
}

impl Server {
    /// The `[test]` section for a store on this server and `bucket`, plus
    /// `extra` option lines.
    pub fn ini(&self, bucket: &str, extra: &str) -> String {
        format!(
            "[test]\ns3_store_host = {}\ns3_store_access_key = {}\n\
             s3_store_secret_key = {}\ns3_store_bucket = {bucket}\n{extra}\n",
            self.url, self.access_key, self.secret_key
        )
    }

    /// A store built through `from_config` from [`Self::ini`].
    pub async fn store(&self, bucket: &str, extra: &str) -> S3Store {
        let config = ConfigFile::parse(&self.ini(bucket, extra), "test").unwrap();
        S3Store::from_config(&config, "test").await.unwrap()
    }

    /// The host part of this server's location URLs.
    pub fn service(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// Direct access to `bucket` on this server.
    pub fn admin(&self, bucket: &str) -> Admin {
        Admin {
            http: reqwest::Client::new(),
            bucket: Bucket::new(
                self.url.parse().unwrap(),
                UrlStyle::Path,
                bucket.to_owned(),
                "us-east-1",
            )
            .unwrap(),
            creds: Credentials::new(&self.access_key, &self.secret_key),
        }
    }
}

/// Direct S3 access to one bucket, to check what a store left behind.
#[derive(Clone)]
pub struct Admin {
    http: reqwest::Client,
    bucket: Bucket,
    creds: Credentials,
}

impl Admin {
    pub async fn bucket_exists(&self) -> bool {
        let url = HeadBucket::new(&self.bucket, Some(&self.creds)).sign(SIGNED_FOR);
        let status = self.http.head(url).send().await.unwrap().status();
        assert!(
            status.is_success() || status == 404,
            "HEAD bucket: {status}"
        );
        status.is_success()
    }

    pub async fn object_exists(&self, key: &str) -> bool {
        self.etag(key).await.is_some()
    }

    /// The object's ETag, if it exists.
    pub async fn etag(&self, key: &str) -> Option<String> {
        let url = HeadObject::new(&self.bucket, Some(&self.creds), key).sign(SIGNED_FOR);
        let response = self.http.head(url).send().await.unwrap();
        if response.status() == 404 {
            return None;
        }
        assert!(
            response.status().is_success(),
            "HEAD {key}: {}",
            response.status()
        );
        Some(response.headers()["etag"].to_str().unwrap().to_owned())
    }

    /// The object keys in the bucket.
    pub async fn objects(&self) -> Vec<String> {
        let url = ListObjectsV2::new(&self.bucket, Some(&self.creds)).sign(SIGNED_FOR);
        let response = self.http.get(url).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "list objects: {}",
            response.status()
        );
        let listed = ListObjectsV2::parse_response(&response.text().await.unwrap()).unwrap();
        listed
            .contents
            .into_iter()
            .map(|object| object.key)
            .collect()
    }

    /// `(key, upload id)` of every multipart upload in progress.
    pub async fn multipart_uploads(&self) -> Vec<(String, String)> {
        self.try_multipart_uploads()
            .await
            .expect("the server does not implement ListMultipartUploads")
    }

    /// [`Self::multipart_uploads`], or `None` where the server does not
    /// implement ListMultipartUploads (s3s-fs).
    async fn try_multipart_uploads(&self) -> Option<Vec<(String, String)>> {
        let url = rusty_s3::signing::sign(
            &jiff::Timestamp::now(),
            Method::Get,
            self.bucket.base_url().clone(),
            self.creds.key(),
            self.creds.secret(),
            None,
            self.bucket.region(),
            SIGNED_FOR.as_secs(),
            [("uploads", "")].into_iter(),
            std::iter::empty(),
        );
        let response = self.http.get(url).send().await.unwrap();
        if response.status() == 501 {
            return None;
        }
        assert!(
            response.status().is_success(),
            "list uploads: {}",
            response.status()
        );
        let body = response.text().await.unwrap();
        let uploads = body
            .split("<Upload>")
            .skip(1)
            .map(|upload| (element(upload, "Key"), element(upload, "UploadId")))
            .collect();
        Some(uploads)
    }

    /// Waits (up to 10 s) until `done(self)` holds; returns whether it did.
    pub async fn wait_for(&self, mut done: impl AsyncFnMut(&Admin) -> bool) -> bool {
        for _ in 0..100 {
            if done(self).await {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// Removes the bucket with whatever a failed test left in it.
    pub async fn purge(&self) {
        if !self.bucket_exists().await {
            return;
        }
        for key in self.objects().await {
            let url = DeleteObject::new(&self.bucket, Some(&self.creds), &key).sign(SIGNED_FOR);
            self.http.delete(url).send().await.unwrap();
        }
        for (key, id) in self.try_multipart_uploads().await.unwrap_or_default() {
            let url = AbortMultipartUpload::new(&self.bucket, Some(&self.creds), &key, &id)
                .sign(SIGNED_FOR);
            self.http.delete(url).send().await.unwrap();
        }
        let url = DeleteBucket::new(&self.bucket, &self.creds).sign(SIGNED_FOR);
        let status = self.http.delete(url).send().await.unwrap().status();
        assert!(
            status.is_success(),
            "DELETE bucket {}: {status}",
            self.bucket.name()
        );
    }
}

/// The text of the first `<tag>` element in `xml`.
fn element(xml: &str, tag: &str) -> String {
    let start = xml.find(&format!("<{tag}>")).unwrap() + tag.len() + 2;
    let end = start + xml[start..].find(&format!("</{tag}>")).unwrap();
    xml[start..end].to_owned()
}

/// A store on its own random bucket, purged and removed when dropped.
pub struct Fixture {
    pub store: Arc<S3Store>,
    pub admin: Admin,
    pub bucket: String,
}

impl Fixture {
    /// A store on a fresh bucket of `server`, created by the first put.
    pub async fn new(server: &Server, extra: &str) -> Fixture {
        let bucket = random_bucket();
        let store = server
            .store(
                &bucket,
                &format!("s3_store_create_bucket_on_put = true\n{extra}"),
            )
            .await;
        Fixture {
            store: Arc::new(store),
            admin: server.admin(&bucket),
            bucket,
        }
    }
}

impl std::ops::Deref for Fixture {
    type Target = S3Store;
    fn deref(&self) -> &S3Store {
        &self.store
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // A runtime and HTTP client of their own: the test's runtime is
        // blocked here, and pooled connections belong to it.
        let admin = Admin {
            http: reqwest::Client::new(),
            ..self.admin.clone()
        };
        let purged = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(admin.purge());
        })
        .join();
        if purged.is_err() && !std::thread::panicking() {
            panic!("could not remove test bucket {}", self.bucket);
        }
    }
}
