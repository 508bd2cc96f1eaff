//! Shared test setup: the servers (from the environment, defaulting to the
//! ones running on this machine), stores built through `from_config`, and
//! direct S3 access to inspect and clean up the random test buckets.
//!
//! Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use glance_config::ConfigFile;
use glance_store_s3::S3Store;
use glance_test_support::cleanup::OnDrop;
pub use glance_test_support::s3::Bucket as Admin;
use std::sync::Arc;

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
        Admin::new(&self.url, &self.access_key, &self.secret_key, bucket)
    }
}

/// A store on its own random bucket, purged and removed when dropped.
pub struct Fixture {
    pub store: Arc<S3Store>,
    pub admin: Admin,
    pub bucket: String,
    _purge: OnDrop,
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
        let admin = server.admin(&bucket);
        Fixture {
            store: Arc::new(store),
            _purge: admin.purge_on_drop(),
            admin,
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
