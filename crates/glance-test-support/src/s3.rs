//! Direct access to one bucket of an S3 test server (Ceph RGW, s3s-fs): to
//! check what a store left behind, and to remove the bucket with whatever
//! is in it when a test ends.

use rusty_s3::actions::{
    AbortMultipartUpload, DeleteBucket, DeleteObject, HeadBucket, HeadObject, ListObjectsV2,
};
use rusty_s3::{Bucket as BucketName, Credentials, Method, S3Action, UrlStyle};
use std::time::Duration;

/// How long presigned test requests stay valid.
const SIGNED_FOR: Duration = Duration::from_secs(600);

/// One bucket on an S3 server, addressed path-style in region `us-east-1`.
/// Every failure panics (a test helper).
#[derive(Clone)]
pub struct Bucket {
    http: reqwest::Client,
    bucket: BucketName,
    creds: Credentials,
}

impl Bucket {
    /// Bucket `name` on the server at `endpoint` (`http://host:port`).
    pub fn new(endpoint: &str, access_key: &str, secret_key: &str, name: &str) -> Bucket {
        Bucket {
            http: reqwest::Client::new(),
            bucket: BucketName::new(
                endpoint.parse().expect("an S3 endpoint URL"),
                UrlStyle::Path,
                name.to_owned(),
                "us-east-1",
            )
            .expect("a valid bucket"),
            creds: Credentials::new(access_key, secret_key),
        }
    }

    /// Whether the bucket exists.
    pub async fn exists(&self) -> bool {
        let url = HeadBucket::new(&self.bucket, Some(&self.creds)).sign(SIGNED_FOR);
        let status = self.http.head(url).send().await.unwrap().status();
        assert!(
            status.is_success() || status == 404,
            "HEAD bucket: {status}"
        );
        status.is_success()
    }

    /// Whether the object `key` exists.
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
    pub async fn wait_for(&self, mut done: impl AsyncFnMut(&Bucket) -> bool) -> bool {
        for _ in 0..100 {
            if done(self).await {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    /// Removes the bucket with whatever is left in it (objects, multipart
    /// uploads in progress); a bucket that is not there is fine.
    pub async fn purge(&self) {
        if !self.exists().await {
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

    /// A guard that [purges](Self::purge) the bucket when dropped, also
    /// when the test fails.
    pub fn purge_on_drop(&self) -> crate::cleanup::OnDrop {
        // A client of its own: pooled connections belong to the runtime
        // that opened them.
        let bucket = Bucket {
            http: reqwest::Client::new(),
            ..self.clone()
        };
        crate::cleanup::OnDrop::new(move || async move { bucket.purge().await })
    }
}

/// The text of the first `<tag>` element in `xml`.
fn element(xml: &str, tag: &str) -> String {
    let start = xml.find(&format!("<{tag}>")).unwrap() + tag.len() + 2;
    let end = start + xml[start..].find(&format!("</{tag}>")).unwrap();
    xml[start..end].to_owned()
}
